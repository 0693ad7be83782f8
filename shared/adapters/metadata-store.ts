/**
 * The metadata store: every read and write of artifact rows, each one SQL function of migrations/ so that
 * each rule (tenant check, never undelete, newer generation wins, takeover refused, keyset pages) holds in
 * one statement in the database. `SupabaseMetadataStore` (supabase-metadata-store.ts) calls them with
 * supabase-js `rpc()`.
 *
 * Errors: TransientError for a database that cannot be reached or answers 5xx / supabase-js `status: 0`;
 * PermanentError('INVALID_ROW') when the database refuses the arguments themselves.
 */
import type { ArtifactRow, ArtifactRowInput } from '../domain/artifact-row';

/**
 * inserted/updated: the row now describes this generation. unchanged: it already did (duplicate event).
 * stale: the row holds a newer generation. deleted: the row is deleted and stays deleted.
 * tenant_conflict: the uuid belongs to another tenant; nothing changed.
 * id_conflict: the uuid is this tenant's, but bound to another artifact type or manifest path; nothing changed.
 */
export type RecordOutcome =
  | 'inserted'
  | 'updated'
  | 'unchanged'
  | 'stale'
  | 'deleted'
  | 'tenant_conflict'
  | 'id_conflict';

/**
 * deleted: the row is now deleted. already_deleted: it was. tombstoned: no row existed, a deleted row now
 * stands for the id so a late finalize cannot resurrect it. stale: the row holds a newer generation than the
 * one deleted. not_found: no row for this tenant (including another tenant's row; nothing changed).
 */
export type MarkDeletedOutcome = 'deleted' | 'already_deleted' | 'tombstoned' | 'stale' | 'not_found';

/**
 * The store's claim of an id, made before it writes: free (no row; the id is now reserved for this tenant and
 * type), own (this tenant's live row of this type), deleted (this tenant's deleted row), foreign (another
 * tenant's id), conflict (this tenant's id, bound to another artifact type).
 */
export type ClaimStatus = 'free' | 'own' | 'deleted' | 'foreign' | 'conflict';

/** What the row of an id says, for reconcile: whatever its state (live, deleted, expired, tombstone). */
export interface RowState {
  uuid: string;
  tenant_id: string;
  artifact_type: string;
  file_path: string;
  /** The manifest generation the row describes (int64 as a decimal string; "0" when unknown). */
  generation: string;
  deleted: boolean;
  /** The visuals the row lists (storage paths of the manifest's visual objects). */
  visuals: Array<{ storage_path: string }>;
}

/** A live row, for reconcile's check that its manifest still exists. */
export interface LiveRow {
  uuid: string;
  tenant_id: string;
  artifact_type: string;
  file_path: string;
  generation: string;
}

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
  /** Claims the id for this tenant and type (reserving it when free), revealing nothing else of another's. */
  claim(uuid: string, tenantId: string, artifactType: string): Promise<ClaimStatus>;
  /** Reconcile: the rows of these ids, whatever their state; ids without an artifact row are absent. */
  rowStates(uuids: string[]): Promise<RowState[]>;
  /** Reconcile: one page of live rows in uuid order after `after`, optionally of one tenant and/or type. */
  liveRows(
    filter: { tenant_id?: string; artifact_type?: string },
    limit: number,
    after?: string,
  ): Promise<LiveRow[]>;
}
