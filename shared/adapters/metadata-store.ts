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
 * Recording one version of an artifact (its manifest). inserted: a new artifact. updated: the row now
 * describes this version (a newer version, or a newer generation). version_added: an older version recorded
 * after a newer one (the row still describes the newer). unchanged: already recorded (a duplicate event).
 * stale: a newer generation of this version is recorded. deleted: the artifact is deleted and stays deleted.
 * tenant_conflict: the uuid belongs to another tenant; nothing changed.
 * id_conflict: the uuid is this tenant's, but bound to another artifact type, or the manifest's path is not
 * the one its version has; nothing changed.
 */
export type RecordOutcome =
  | 'inserted'
  | 'updated'
  | 'version_added'
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
export type MarkDeletedOutcome =
  | 'deleted'
  | 'already_deleted'
  | 'tombstoned'
  | 'stale'
  | 'version_removed'
  | 'not_found';

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
  /** Each recorded version's manifest and generation. */
  versions: Array<{ version: number; file_path: string; generation: string }>;
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
  /** Only the children of this artifact (lineage). */
  derived_from?: string;
}

export interface LineageNode {
  artifact_id: string;
  artifact_type: string;
  version: number;
  ui_name: string | null;
  created_at: string;
}

export interface LineageGraph {
  nodes: LineageNode[];
  /** From the child version to the parent version. */
  edges: Array<{
    from: { artifact_id: string; version: number };
    to: { artifact_id: string; version: number };
  }>;
  truncated: boolean;
}

export type AliasSetOutcome =
  | { outcome: 'set'; artifact_type: string; moved_at: string }
  | { outcome: 'not_found' };

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

/** Which version a read is about: a number, an alias, or (neither) the latest. */
export interface VersionSelector {
  version?: number | undefined;
  alias?: string | undefined;
}

/** One version, as the versions list gives it. */
export interface VersionSummary {
  version: number;
  created_at: string;
  file_size: number;
  file_hash: string;
  expires_at: string | null;
  aliases: string[];
  metadata: ArtifactRow['metadata'];
}

export interface VersionPage {
  items: VersionSummary[];
  /** The version to pass as `before` for the next page, or null on the last page. */
  next: number | null;
}

/** What became of an id, for its tenant (another tenant's id is `unknown`, like one never seen). */
export type ArtifactStatus =
  | { state: 'stored'; version: number }
  | { state: 'deleted' }
  | { state: 'rejected'; error_code: string }
  | { state: 'unknown' };

export interface MetadataStore {
  /** Records one version (`row.version`, default 1), pointing `row.aliases` at it (aliases only move forward). */
  record(row: ArtifactRowInput): Promise<RecordOutcome>;
  /**
   * One version of the tenant's live artifact (not deleted, latest not expired), by number or alias (default
   * latest), with `version`, `latest_version` and its `aliases`; null when there is no such artifact or version.
   */
  get(uuid: string, tenantId: string, selector?: VersionSelector): Promise<ArtifactRow | null>;
  /** The versions of the tenant's live artifact, newest first, before `before`; null when there is none. */
  versions(uuid: string, tenantId: string, limit: number, before?: number): Promise<VersionPage | null>;
  /**
   * Points `alias` at `version` (moving it, backwards too): not_found when there is no such artifact or
   * version. `moved_at` is when the alias came to point at this version (unchanged by a repeated call).
   */
  setAlias(uuid: string, tenantId: string, alias: string, version: number): Promise<AliasSetOutcome>;
  deleteAlias(uuid: string, tenantId: string, alias: string): Promise<'deleted' | 'not_found'>;
  /** Remembers that the store refused a request for this id (the status route reads it); idempotent. */
  reject(input: {
    uuid: string;
    tenant_id: string;
    message_id: string;
    error_code: string;
    quarantine_path: string;
  }): Promise<void>;
  /** What became of the id; with `messageId`, that message's refusal wins over what is stored. */
  status(uuid: string, tenantId: string, messageId?: string): Promise<ArtifactStatus>;
  /** Remembers that a message's content already was version `version` (the status route reads it). */
  noteStored(input: { uuid: string; tenant_id: string; message_id: string; version: number }): Promise<void>;
  /**
   * The lineage of the tenant's live artifact (all its versions), `depth` edges up, down or both, at most
   * `maxNodes` nodes; only the tenant's live artifacts appear. Null when there is no such artifact.
   */
  lineage(
    uuid: string,
    tenantId: string,
    direction: 'up' | 'down' | 'both',
    depth: number,
    maxNodes?: number,
  ): Promise<LineageGraph | null>;
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
