/**
 * MetadataStore in memory, for in-process handler tests: the rules of the SQL functions of migrations/ (id
 * binding, tenant check, newer generation wins, never undelete, tombstones, keyset pages), checked by the same
 * contract suite as SupabaseMetadataStore (test/contract/metadata-store-contract.ts), so the two cannot
 * drift apart unnoticed.
 */

import type {
  ClaimStatus,
  ListFilter,
  ListPosition,
  ListResult,
  LiveRow,
  MarkDeletedInput,
  MarkDeletedOutcome,
  MetadataStore,
  RecordOutcome,
  RowState,
} from '../../../shared/adapters/metadata-store';
import { ArtifactRow, type ArtifactRowInput } from '../../../shared/domain/artifact-row';
import { PermanentError } from '../../../shared/domain/errors';
import { ARTIFACT_TYPE_RE } from '../../../shared/domain/names';

interface Stored {
  uuid: string;
  file_type: 'artifact';
  mime_type: 'application/json';
  tenant_id: string;
  user_id: string | null;
  ui_name: string | null;
  artifact_type: string;
  file_path: string;
  file_size: number | null;
  file_hash: string | null;
  status: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  deleted: boolean;
  metadata: Record<string, unknown>;
}

/** A timestamptz as Postgres renders it in UTC: microseconds, `+00:00`. */
function pgTime(micros: number): string {
  const ms = Math.floor(micros / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(micros % 1_000_000).padStart(6, '0')}+00:00`;
}

const gen = (value: unknown) => (typeof value === 'string' && /^\d{1,19}$/.test(value) ? BigInt(value) : 0n);

export class MemoryMetadataStore implements MetadataStore {
  private readonly rows = new Map<string, Stored>();
  private readonly ids = new Map<string, { tenant_id: string; artifact_type: string }>();
  private clock = 0;
  /** Failures to inject: the next calls of an operation throw this error. */
  readonly failures: Array<{ op: keyof MetadataStore; error: Error; times: number }> = [];

  private fail(op: keyof MetadataStore): void {
    const i = this.failures.findIndex((f) => f.op === op);
    if (i < 0) return;
    const failure = this.failures[i]!;
    if (--failure.times <= 0) this.failures.splice(i, 1);
    throw failure.error;
  }

  /** now() as Postgres renders it (UTC, microseconds), strictly increasing. */
  private now(): string {
    this.clock = Math.max(Date.now() * 1000, this.clock + 1);
    return pgTime(this.clock);
  }

  private bind(uuid: string, tenant_id: string, artifact_type: string) {
    const bound = this.ids.get(uuid) ?? { tenant_id, artifact_type };
    this.ids.set(uuid, bound);
    return bound;
  }

  private view(row: Stored): ArtifactRow {
    return ArtifactRow.parse(structuredClone(row));
  }

  private live(row: Stored | undefined, tenant: string): row is Stored {
    return (
      row !== undefined &&
      row.tenant_id === tenant &&
      !row.deleted &&
      (row.expires_at === null || Date.parse(row.expires_at) > Date.now())
    );
  }

  async record(input: ArtifactRowInput): Promise<RecordOutcome> {
    this.fail('record');
    if (
      !ARTIFACT_TYPE_RE.test(input.artifact_type) ||
      !/^\d+$/.test(input.generation) ||
      input.generation === '0'
    ) {
      throw new PermanentError('INVALID_ROW', 'metadata store refused the arguments (memory)');
    }
    const bound = this.bind(input.uuid, input.tenant_id, input.artifact_type);
    if (bound.tenant_id !== input.tenant_id) return 'tenant_conflict';
    if (bound.artifact_type !== input.artifact_type) return 'id_conflict';
    const existing = this.rows.get(input.uuid);
    const metadata = { ...input.metadata, generation: input.generation };
    if (!existing) {
      const now = this.now();
      this.rows.set(input.uuid, {
        uuid: input.uuid,
        file_type: 'artifact',
        mime_type: 'application/json',
        tenant_id: input.tenant_id,
        user_id: input.user_id,
        ui_name: input.ui_name,
        artifact_type: input.artifact_type,
        file_path: input.file_path,
        file_size: input.file_size,
        file_hash: input.file_hash,
        status: 'active',
        created_at: now,
        updated_at: now,
        expires_at: input.expires_at === null ? null : pgTime(Date.parse(input.expires_at) * 1000),
        deleted: false,
        metadata,
      });
      return 'inserted';
    }
    if (existing.tenant_id !== input.tenant_id) return 'tenant_conflict';
    if (existing.deleted) return 'deleted';
    if (existing.artifact_type !== input.artifact_type || existing.file_path !== input.file_path)
      return 'id_conflict';
    const held = gen(existing.metadata.generation);
    const given = BigInt(input.generation);
    if (held === given) return 'unchanged';
    if (held > given) return 'stale';
    Object.assign(existing, {
      user_id: input.user_id,
      ui_name: input.ui_name,
      file_size: input.file_size,
      file_hash: input.file_hash,
      status: 'active',
      expires_at: input.expires_at === null ? null : pgTime(Date.parse(input.expires_at) * 1000),
      metadata,
      updated_at: this.now(),
    });
    return 'updated';
  }

  async get(uuid: string, tenantId: string): Promise<ArtifactRow | null> {
    this.fail('get');
    const row = this.rows.get(uuid);
    return this.live(row, tenantId) ? this.view(row) : null;
  }

  async list(tenantId: string, filter: ListFilter, limit: number, after?: ListPosition): Promise<ListResult> {
    this.fail('list');
    const key = (r: { created_at: string; uuid: string }) => `${r.created_at}|${r.uuid}`;
    const rows = [...this.rows.values()]
      .filter((r) => this.live(r, tenantId))
      .filter((r) => !filter.artifact_type || r.artifact_type === filter.artifact_type)
      .filter((r) => !filter.execution_id || r.metadata.execution_id === filter.execution_id)
      .filter((r) => !filter.session_id || r.metadata.session_id === filter.session_id)
      .filter((r) => !after || key(r) < key(after))
      .sort((a, b) => (key(a) < key(b) ? 1 : -1));
    const items = rows.slice(0, limit).map((r) => this.view(r));
    const last = items.at(-1);
    return {
      items,
      next: rows.length > limit && last ? { created_at: last.created_at, uuid: last.uuid } : null,
    };
  }

  async markDeleted(input: MarkDeletedInput): Promise<MarkDeletedOutcome> {
    this.fail('markDeleted');
    const row = this.rows.get(input.uuid);
    if (!row) {
      if (input.generation === null) return 'not_found';
      if (!input.artifact_type || !input.file_path) {
        throw new PermanentError('INVALID_ROW', 'a tombstone needs artifact_type and file_path');
      }
      const bound = this.ids.get(input.uuid);
      if (bound && (bound.tenant_id !== input.tenant_id || bound.artifact_type !== input.artifact_type)) {
        return 'not_found';
      }
      const now = this.now();
      this.rows.set(input.uuid, {
        uuid: input.uuid,
        file_type: 'artifact',
        mime_type: 'application/json',
        tenant_id: input.tenant_id,
        user_id: null,
        ui_name: null,
        artifact_type: input.artifact_type,
        file_path: input.file_path,
        file_size: null,
        file_hash: null,
        status: 'deleted',
        created_at: now,
        updated_at: now,
        expires_at: null,
        deleted: true,
        metadata: { generation: input.generation },
      });
      return 'tombstoned';
    }
    if (row.tenant_id !== input.tenant_id) return 'not_found';
    if (input.generation !== null && input.file_path !== undefined && row.file_path !== input.file_path) {
      return 'not_found';
    }
    if (row.deleted) return 'already_deleted';
    if (input.generation !== null && gen(row.metadata.generation) > BigInt(input.generation)) return 'stale';
    Object.assign(row, { deleted: true, status: 'deleted', updated_at: this.now() });
    return 'deleted';
  }

  async claim(uuid: string, tenantId: string, artifactType: string): Promise<ClaimStatus> {
    this.fail('claim');
    const bound = this.bind(uuid, tenantId, artifactType);
    if (bound.tenant_id !== tenantId) return 'foreign';
    if (bound.artifact_type !== artifactType) return 'conflict';
    const row = this.rows.get(uuid);
    if (!row) return 'free';
    if (row.tenant_id !== tenantId) return 'foreign';
    if (row.deleted) return 'deleted';
    return row.artifact_type === artifactType ? 'own' : 'conflict';
  }

  async rowStates(uuids: string[]): Promise<RowState[]> {
    this.fail('rowStates');
    return uuids
      .map((u) => this.rows.get(u))
      .filter((r): r is Stored => r !== undefined)
      .sort((a, b) => (a.uuid < b.uuid ? -1 : 1))
      .map((r) => ({
        uuid: r.uuid,
        tenant_id: r.tenant_id,
        artifact_type: r.artifact_type,
        file_path: r.file_path,
        generation: String(gen(r.metadata.generation)),
        deleted: r.deleted,
        visuals: ((r.metadata.visuals as Array<{ storage_path: string }> | undefined) ?? []).map((v) => ({
          storage_path: v.storage_path,
        })),
      }));
  }

  async liveRows(
    filter: { tenant_id?: string; artifact_type?: string },
    limit: number,
    after?: string,
  ): Promise<LiveRow[]> {
    this.fail('liveRows');
    return [...this.rows.values()]
      .filter((r) => !r.deleted && (!after || r.uuid > after))
      .filter((r) => !filter.tenant_id || r.tenant_id === filter.tenant_id)
      .filter((r) => !filter.artifact_type || r.artifact_type === filter.artifact_type)
      .sort((a, b) => (a.uuid < b.uuid ? -1 : 1))
      .slice(0, limit)
      .map((r) => ({
        uuid: r.uuid,
        tenant_id: r.tenant_id,
        artifact_type: r.artifact_type,
        file_path: r.file_path,
        generation: String(gen(r.metadata.generation)),
      }));
  }
}
