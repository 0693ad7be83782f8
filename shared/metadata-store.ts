/**
 * The metadata store: every read and write of artifact rows, each one SQL function of migrations/ so that
 * each rule (tenant check, never undelete, newer generation wins, takeover refused, keyset pages) holds in
 * one statement in the database. `SupabaseMetadataStore` (supabase-metadata-store.ts) calls them with
 * supabase-js `rpc()`.
 *
 * Errors: TransientError for a database that cannot be reached or answers 5xx / supabase-js `status: 0`;
 * PermanentError('INVALID_ROW') when the database refuses the arguments themselves.
 */
import type { ArtifactRow, ArtifactRowInput } from './artifact-row';

/**
 * inserted/updated: the row now describes this generation. unchanged: it already did (duplicate event).
 * stale: the row holds a newer generation. deleted: the row is deleted and stays deleted.
 * tenant_conflict: the uuid belongs to another tenant; nothing changed.
 */
export type RecordOutcome = 'inserted' | 'updated' | 'unchanged' | 'stale' | 'deleted' | 'tenant_conflict';

/**
 * deleted: the row is now deleted. already_deleted: it was. tombstoned: no row existed, a deleted row now
 * stands for the id so a late finalize cannot resurrect it. stale: the row holds a newer generation than the
 * one deleted. not_found: no row for this tenant (including another tenant's row; nothing changed).
 */
export type MarkDeletedOutcome = 'deleted' | 'already_deleted' | 'tombstoned' | 'stale' | 'not_found';

/** free: no row. own: this tenant's live row. deleted: this tenant's deleted row. foreign: another tenant's. */
export type ClaimStatus = 'free' | 'own' | 'deleted' | 'foreign';

export interface ListFilter {
  artifact_type?: string;
  execution_id?: string;
  session_id?: string;
}

/** Keyset position: the last item of the previous page. `created_at` keeps the database's microseconds. */
export interface ListPosition {
  created_at: string;
  uuid: string;
}

export interface ListResult {
  items: ArtifactRow[];
  /** Position after the last item, or null on the last page. */
  next: ListPosition | null;
}

export interface MarkDeletedInput {
  uuid: string;
  tenant_id: string;
  /** The deleted object's generation (storage events); null deletes whatever generation the row has (API). */
  generation: string | null;
  /** Needed to write a tombstone when no row exists yet (storage events). */
  artifact_type?: string;
  file_path?: string;
}

export interface MetadataStore {
  record(row: ArtifactRowInput): Promise<RecordOutcome>;
  /** The tenant's live row (not deleted, not expired), or null. */
  get(uuid: string, tenantId: string): Promise<ArtifactRow | null>;
  /** The tenant's live rows, newest first (created_at desc, uuid desc), after `after` when given. */
  list(tenantId: string, filter: ListFilter, limit: number, after?: ListPosition): Promise<ListResult>;
  markDeleted(input: MarkDeletedInput): Promise<MarkDeletedOutcome>;
  /** Who holds this id, without revealing anything else about another tenant's row. */
  claim(uuid: string, tenantId: string): Promise<ClaimStatus>;
}
