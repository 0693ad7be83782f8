/**
 * MetadataStore in memory, for in-process handler tests: the rules of the SQL functions of migrations/ (id
 * binding, tenant check, newer generation wins, never undelete, tombstones, keyset pages), checked by the same
 * contract suite as SupabaseMetadataStore (test/contract/metadata-store-contract.ts), so the two cannot
 * drift apart unnoticed.
 */

import type {
  AliasSetOutcome,
  ArtifactStatus,
  ClaimStatus,
  LineageGraph,
  ListFilter,
  ListPosition,
  ListResult,
  LiveRow,
  MarkDeletedInput,
  MarkDeletedOutcome,
  MetadataStore,
  RecordOutcome,
  RowState,
  VersionPage,
  VersionSelector,
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

interface VersionRow {
  version: number;
  file_path: string;
  file_size: number;
  file_hash: string;
  generation: bigint;
  expires_at: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
}

/** The manifest path of version N (docs/design.md, "Versions"). */
const versionPath = (type: string, tenant: string, uuid: string, version: number) =>
  `artifacts/${type}/${tenant}/${uuid}${version === 1 ? '.json' : `/v${version}.json`}`;

const gen = (value: unknown) => (typeof value === 'string' && /^\d{1,19}$/.test(value) ? BigInt(value) : 0n);

export class MemoryMetadataStore implements MetadataStore {
  private readonly rows = new Map<string, Stored>();
  private readonly ids = new Map<string, { tenant_id: string; artifact_type: string }>();
  private readonly versionRows = new Map<string, Map<number, VersionRow>>();
  private readonly aliasMap = new Map<string, Map<string, number>>();
  /** When each `{uuid}/{alias}` came to point at its version by setAlias (the API's PUT). */
  private readonly aliasMovedAt = new Map<string, string>();
  private readonly edges: Array<{
    child: string;
    child_version: number;
    parent: string;
    parent_version: number | null;
    tenant_id: string;
  }> = [];
  private readonly rejections: Array<{
    uuid: string;
    tenant_id: string;
    message_id: string;
    error_code: string | null;
    version: number | null;
  }> = [];
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

  private view(row: Stored & { version?: number; latest_version?: number; aliases?: string[] }): ArtifactRow {
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
    const outcome = await this.recordVersion(input);
    if (['inserted', 'updated', 'version_added', 'unchanged'].includes(outcome)) {
      const version = input.version ?? 1;
      for (const parent of input.derived_from ?? []) {
        const exists = this.edges.some(
          (e) => e.child === input.uuid && e.child_version === version && e.parent === parent.artifact_id,
        );
        if (!exists) {
          this.edges.push({
            child: input.uuid,
            child_version: version,
            parent: parent.artifact_id,
            parent_version: parent.version,
            tenant_id: input.tenant_id,
          });
        }
      }
    }
    return outcome;
  }

  private async recordVersion(input: ArtifactRowInput): Promise<RecordOutcome> {
    const version = input.version ?? 1;
    if (
      !ARTIFACT_TYPE_RE.test(input.artifact_type) ||
      !/^\d+$/.test(input.generation) ||
      input.generation === '0'
    ) {
      throw new PermanentError('INVALID_ROW', 'metadata store refused the arguments (memory)');
    }
    const bound = this.bind(input.uuid, input.tenant_id, input.artifact_type);
    if (bound.tenant_id !== input.tenant_id) return 'tenant_conflict';
    if (
      bound.artifact_type !== input.artifact_type ||
      input.file_path !== versionPath(input.artifact_type, input.tenant_id, input.uuid, version)
    ) {
      return 'id_conflict';
    }
    const metadata = { ...input.metadata, generation: input.generation, version };
    const given = BigInt(input.generation);
    const versionRow = (): VersionRow => ({
      version,
      file_path: input.file_path,
      file_size: input.file_size,
      file_hash: input.file_hash,
      generation: given,
      expires_at: input.expires_at === null ? null : pgTime(Date.parse(input.expires_at) * 1000),
      metadata,
      created_at: this.now(),
    });
    const existing = this.rows.get(input.uuid);
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
      this.versionsOf(input.uuid).set(version, versionRow());
      this.pointAliases(input.uuid, version, input.aliases);
      return 'inserted';
    }
    if (existing.tenant_id !== input.tenant_id) return 'tenant_conflict';
    if (existing.deleted) return 'deleted';
    if (existing.artifact_type !== input.artifact_type) return 'id_conflict';
    const versions = this.versionsOf(input.uuid);
    const recorded = versions.get(version);
    if (recorded && recorded.generation >= given) {
      if (recorded.generation !== given) return 'stale';
      this.pointAliases(input.uuid, version, input.aliases);
      return 'unchanged';
    }
    versions.set(version, versionRow());
    this.pointAliases(input.uuid, version, input.aliases);
    const rowVersion = Number(existing.metadata.version ?? 1);
    if (version > rowVersion || (version === rowVersion && given > gen(existing.metadata.generation))) {
      Object.assign(existing, {
        user_id: input.user_id,
        ui_name: input.ui_name,
        file_path: input.file_path,
        file_size: input.file_size,
        file_hash: input.file_hash,
        status: 'active',
        expires_at: input.expires_at === null ? null : pgTime(Date.parse(input.expires_at) * 1000),
        metadata,
        updated_at: this.now(),
      });
      return 'updated';
    }
    return 'version_added';
  }

  private versionsOf(uuid: string): Map<number, VersionRow> {
    const versions = this.versionRows.get(uuid) ?? new Map<number, VersionRow>();
    this.versionRows.set(uuid, versions);
    return versions;
  }

  private aliasesOf(uuid: string): Map<string, number> {
    const aliases = this.aliasMap.get(uuid) ?? new Map<string, number>();
    this.aliasMap.set(uuid, aliases);
    return aliases;
  }

  private pointAliases(uuid: string, version: number, aliases: string[] | undefined): void {
    const map = this.aliasesOf(uuid);
    for (const alias of aliases ?? []) {
      if (!/^[a-z][a-z0-9_-]{0,39}$/.test(alias) || alias === 'latest') continue;
      if ((map.get(alias) ?? 0) < version) map.set(alias, version);
    }
  }

  private aliasNames(uuid: string, version: number): string[] {
    return [...this.aliasesOf(uuid)]
      .filter(([, v]) => v === version)
      .map(([a]) => a)
      .sort();
  }

  async get(uuid: string, tenantId: string, selector: VersionSelector = {}): Promise<ArtifactRow | null> {
    this.fail('get');
    const row = this.rows.get(uuid);
    if (!this.live(row, tenantId)) return null;
    const latest = Number(row.metadata.version ?? 1);
    let version = selector.version ?? latest;
    if (selector.alias !== undefined && selector.alias !== 'latest') {
      const aliased = this.aliasesOf(uuid).get(selector.alias);
      if (aliased === undefined) return null;
      version = aliased;
    }
    if (version === latest) {
      return this.view({
        ...row,
        version: latest,
        latest_version: latest,
        aliases: this.aliasNames(uuid, latest),
      });
    }
    const v = this.versionsOf(uuid).get(version);
    if (!v || (v.expires_at !== null && Date.parse(v.expires_at) <= Date.now())) return null;
    return this.view({
      ...row,
      file_path: v.file_path,
      file_size: v.file_size,
      file_hash: v.file_hash,
      expires_at: v.expires_at,
      metadata: v.metadata,
      created_at: v.created_at,
      updated_at: v.created_at,
      version,
      latest_version: latest,
      aliases: this.aliasNames(uuid, version),
    });
  }

  async versions(
    uuid: string,
    tenantId: string,
    limit: number,
    before?: number,
  ): Promise<VersionPage | null> {
    this.fail('versions');
    const row = this.rows.get(uuid);
    if (!this.live(row, tenantId)) return null;
    const all = [...this.versionsOf(uuid).values()]
      .filter((v) => before === undefined || v.version < before)
      .sort((a, b) => b.version - a.version);
    const items = all.slice(0, limit).map((v) => ({
      version: v.version,
      created_at: v.created_at,
      file_size: v.file_size,
      file_hash: v.file_hash,
      expires_at: v.expires_at,
      aliases: this.aliasNames(uuid, v.version),
      metadata: ArtifactRow.shape.metadata.parse(structuredClone(v.metadata)),
    }));
    return { items, next: all.length > limit ? items.at(-1)!.version : null };
  }

  async setAlias(uuid: string, tenantId: string, alias: string, version: number): Promise<AliasSetOutcome> {
    this.fail('setAlias');
    const row = this.rows.get(uuid);
    if (!row || !this.live(row, tenantId) || !this.versionsOf(uuid).has(version))
      return { outcome: 'not_found' };
    const key = `${uuid}/${alias}`;
    if (this.aliasesOf(uuid).get(alias) !== version || !this.aliasMovedAt.has(key)) {
      this.aliasesOf(uuid).set(alias, version);
      this.aliasMovedAt.set(key, this.now().replace('+00:00', 'Z'));
    }
    return { outcome: 'set', artifact_type: row.artifact_type!, moved_at: this.aliasMovedAt.get(key)! };
  }

  async deleteAlias(uuid: string, tenantId: string, alias: string): Promise<'deleted' | 'not_found'> {
    this.fail('deleteAlias');
    const row = this.rows.get(uuid);
    if (!row || row.tenant_id !== tenantId || row.deleted) return 'not_found';
    return this.aliasesOf(uuid).delete(alias) ? 'deleted' : 'not_found';
  }

  async reject(input: {
    uuid: string;
    tenant_id: string;
    message_id: string;
    error_code: string;
  }): Promise<void> {
    this.fail('reject');
    if (
      !this.rejections.some(
        (r) => r.uuid === input.uuid && r.tenant_id === input.tenant_id && r.message_id === input.message_id,
      )
    ) {
      this.rejections.push({
        uuid: input.uuid,
        tenant_id: input.tenant_id,
        message_id: input.message_id,
        error_code: input.error_code,
        version: null,
      });
    }
  }

  private visible(uuid: string, version: number, tenantId: string): boolean {
    const row = this.rows.get(uuid);
    const v = this.versionsOf(uuid).get(version);
    return (
      this.live(row, tenantId) &&
      v !== undefined &&
      (v.expires_at === null || Date.parse(v.expires_at) > Date.now())
    );
  }

  async lineage(
    uuid: string,
    tenantId: string,
    direction: 'up' | 'down' | 'both',
    depth: number,
    maxNodes = 1000,
  ): Promise<LineageGraph | null> {
    this.fail('lineage');
    if (!this.live(this.rows.get(uuid), tenantId)) return null;
    const id = (u: string, v: number) => `${u}#${v}`;
    const reached = new Map<string, { uuid: string; version: number; depth: number }>();
    for (const v of this.versionsOf(uuid).keys()) {
      if (this.visible(uuid, v, tenantId)) reached.set(id(uuid, v), { uuid, version: v, depth: 0 });
    }
    const edges = new Map<string, (typeof this.edges)[number]>();
    for (let level = 1; level <= depth && reached.size <= maxNodes; level++) {
      const frontier = [...reached.values()].filter((n) => n.depth === level - 1);
      for (const n of frontier) {
        for (const e of this.edges) {
          if (e.tenant_id !== tenantId || e.parent_version === null) continue;
          const up = direction !== 'down' && e.child === n.uuid && e.child_version === n.version;
          const down = direction !== 'up' && e.parent === n.uuid && e.parent_version === n.version;
          if (!up && !down) continue;
          if (
            !this.visible(e.child, e.child_version, tenantId) ||
            !this.visible(e.parent, e.parent_version, tenantId)
          ) {
            continue;
          }
          edges.set(`${e.child}#${e.child_version}>${e.parent}`, e);
          for (const [u, v] of [
            [e.child, e.child_version],
            [e.parent, e.parent_version],
          ] as const) {
            if (!reached.has(id(u, v))) reached.set(id(u, v), { uuid: u, version: v, depth: level });
          }
        }
      }
    }
    const nodes = [...reached.values()]
      .sort(
        (a, b) => a.depth - b.depth || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : a.version - b.version),
      )
      .slice(0, maxNodes);
    const kept = new Set(nodes.map((n) => id(n.uuid, n.version)));
    return {
      nodes: nodes.map((n) => ({
        artifact_id: n.uuid,
        artifact_type: this.rows.get(n.uuid)!.artifact_type,
        version: n.version,
        ui_name: this.rows.get(n.uuid)!.ui_name,
        created_at: this.versionsOf(n.uuid).get(n.version)!.created_at,
      })),
      edges: [...edges.values()]
        .filter((e) => kept.has(id(e.child, e.child_version)) && kept.has(id(e.parent, e.parent_version!)))
        .map((e) => ({
          from: { artifact_id: e.child, version: e.child_version },
          to: { artifact_id: e.parent, version: e.parent_version! },
        })),
      truncated: reached.size > maxNodes,
    };
  }

  async noteStored(input: {
    uuid: string;
    tenant_id: string;
    message_id: string;
    version: number;
  }): Promise<void> {
    this.fail('noteStored');
    const exists = this.rejections.some(
      (r) => r.uuid === input.uuid && r.tenant_id === input.tenant_id && r.message_id === input.message_id,
    );
    if (!exists) this.rejections.push({ ...input, error_code: null });
  }

  async status(uuid: string, tenantId: string, messageId?: string): Promise<ArtifactStatus> {
    this.fail('status');
    const row = this.rows.get(uuid);
    const own = row !== undefined && row.tenant_id === tenantId;
    if (own && (row.deleted || (row.expires_at !== null && Date.parse(row.expires_at) <= Date.now()))) {
      return { state: 'deleted' };
    }
    if (messageId) {
      const created = own
        ? [...this.versionsOf(uuid).values()].find((v) => v.metadata.message_id === messageId)
        : undefined;
      if (created) return { state: 'stored', version: created.version };
      const noted = this.rejections.find(
        (r) => r.uuid === uuid && r.tenant_id === tenantId && r.message_id === messageId,
      );
      if (noted?.error_code) return { state: 'rejected', error_code: noted.error_code };
      if (noted?.version && this.versionsOf(uuid).has(noted.version))
        return { state: 'stored', version: noted.version };
      return { state: 'unknown' };
    }
    if (own) return { state: 'stored', version: Number(row.metadata.version ?? 1) };
    const rejection = this.rejections
      .filter((r) => r.uuid === uuid && r.tenant_id === tenantId && r.error_code)
      .at(-1);
    return rejection ? { state: 'rejected', error_code: rejection.error_code! } : { state: 'unknown' };
  }

  async list(tenantId: string, filter: ListFilter, limit: number, after?: ListPosition): Promise<ListResult> {
    this.fail('list');
    const key = (r: { created_at: string; uuid: string }) => `${r.created_at}|${r.uuid}`;
    const rows = [...this.rows.values()]
      .filter((r) => this.live(r, tenantId))
      .filter((r) => !filter.artifact_type || r.artifact_type === filter.artifact_type)
      .filter((r) => !filter.execution_id || r.metadata.execution_id === filter.execution_id)
      .filter((r) => !filter.session_id || r.metadata.session_id === filter.session_id)
      .filter(
        (r) =>
          !filter.derived_from ||
          this.edges.some(
            (e) =>
              e.child === r.uuid &&
              e.parent === filter.derived_from &&
              e.tenant_id === tenantId &&
              e.parent_version !== null,
          ),
      )
      .filter((r) => !after || key(r) < key(after))
      .sort((a, b) => (key(a) < key(b) ? 1 : -1));
    const items = rows.slice(0, limit).map((r) => {
      const version = Number(r.metadata.version ?? 1);
      return this.view({ ...r, version, latest_version: version, aliases: this.aliasNames(r.uuid, version) });
    });
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
    if (row.deleted) return 'already_deleted';
    if (input.generation !== null && input.file_path !== undefined && row.file_path !== input.file_path) {
      const versions = this.versionsOf(input.uuid);
      const v = [...versions.values()].find((x) => x.file_path === input.file_path);
      if (!v || v.generation > BigInt(input.generation)) return 'not_found';
      versions.delete(v.version);
      this.edges.splice(
        0,
        this.edges.length,
        ...this.edges.filter((e) => !(e.child === input.uuid && e.child_version === v.version)),
      );
      for (const [alias, version] of this.aliasesOf(input.uuid)) {
        if (version === v.version) this.aliasesOf(input.uuid).delete(alias);
      }
      return 'version_removed';
    }
    if (input.generation !== null && gen(row.metadata.generation) > BigInt(input.generation)) return 'stale';
    Object.assign(row, { deleted: true, status: 'deleted', updated_at: this.now() });
    this.versionRows.delete(input.uuid);
    this.aliasMap.delete(input.uuid);
    this.edges.splice(0, this.edges.length, ...this.edges.filter((e) => e.child !== input.uuid));
    this.rejections.splice(
      0,
      this.rejections.length,
      ...this.rejections.filter((r) => r.uuid !== input.uuid),
    );
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
        versions: [...this.versionsOf(r.uuid).values()]
          .sort((a, b) => a.version - b.version)
          .map((v) => ({ version: v.version, file_path: v.file_path, generation: String(v.generation) })),
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
