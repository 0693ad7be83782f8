/**
 * MetadataStore on Supabase: each method is one supabase-js `rpc()` call of a SQL function of
 * migrations/004_artifact_functions.sql (PostgREST `POST /rest/v1/rpc/{fn}`, named arguments), made with the
 * service role key.
 *
 * Failures (docs/design.md, "Bad input and failures"):
 * - no answer (supabase-js `status: 0`: connection refused, DNS, timeout), 408, 429, 5xx -> TransientError;
 * - 401/403 (the key is wrong, expired, or not the service role's) -> TransientError saying so: a
 *   configuration fault must not drop messages, they are retried and finally dead-lettered;
 * - the API not being what this code expects (PostgREST's own PGRSTxxx errors, e.g. PGRST202 function not
 *   found = migrations not applied; 404/405; a body that is not PostgREST's; an answer of an unexpected
 *   shape) -> TransientError too, for the same reason;
 * - PostgreSQL refusing the arguments (a SQLSTATE with another 4xx: 22023 from the functions' checks,
 *   22P02 bad uuid, 23xxx ...) -> PermanentError('INVALID_ROW').
 */
import { createClient, type SupabaseClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';
import { z } from 'zod';
import { ArtifactRow, type ArtifactRowInput, ArtifactRowMetadata } from '../domain/artifact-row';
import { isNetworkError, isRetryableStatus, PermanentError, TransientError } from '../domain/errors';
import { isObject } from '../domain/json';
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
} from './metadata-store';

const AliasSetSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('set'), artifact_type: z.string(), moved_at: z.string() }),
  z.object({ outcome: z.literal('not_found') }),
]);

const VersionPageSchema = z.object({
  items: z.array(
    z.object({
      version: z.int(),
      created_at: z.string(),
      file_size: z.int(),
      file_hash: z.string(),
      expires_at: z.string().nullable(),
      aliases: z.array(z.string()),
      metadata: ArtifactRowMetadata,
    }),
  ),
  next: z.int().nullable(),
});

const Ref = z.object({ artifact_id: z.string(), version: z.int() });
const LineageSchema = z.object({
  nodes: z.array(
    z.object({
      artifact_id: z.string(),
      artifact_type: z.string(),
      version: z.int(),
      ui_name: z.string().nullable(),
      created_at: z.string(),
    }),
  ),
  edges: z.array(z.object({ from: Ref, to: Ref })),
  truncated: z.boolean(),
});

const ArtifactStatusSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('stored'), version: z.int() }),
  z.object({ state: z.literal('deleted') }),
  z.object({ state: z.literal('rejected'), error_code: z.string() }),
  z.object({ state: z.literal('unknown') }),
]);

export interface SupabaseMetadataStoreOptions {
  /** Project URL (SUPABASE_URL), e.g. https://xyz.supabase.co or the local stand-in's http://127.0.0.1:54321. */
  url: string;
  /** The service role key (SUPABASE_SERVICE_ROLE_KEY): the functions are granted to service_role only. */
  serviceRoleKey: string;
  /** Per request, including connecting (default 10 s). */
  timeoutMs?: number;
  /** A ready client (tests); `url`, `serviceRoleKey` and `timeoutMs` are then not used. */
  client?: SupabaseClient;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const RECORD_OUTCOMES: readonly RecordOutcome[] = [
  'inserted',
  'updated',
  'version_added',
  'unchanged',
  'stale',
  'deleted',
  'tenant_conflict',
  'id_conflict',
];
const MARK_DELETED_OUTCOMES: readonly MarkDeletedOutcome[] = [
  'deleted',
  'version_removed',
  'already_deleted',
  'tombstoned',
  'stale',
  'not_found',
];
const CLAIM_STATUSES: readonly ClaimStatus[] = ['free', 'own', 'deleted', 'foreign', 'conflict'];

/**
 * supabase-js builds a Realtime client in createClient, and on Node 20 (no global WebSocket) that throws
 * unless a transport is given. The store never opens a channel; this transport fails loudly if one ever is.
 */
class RealtimeNotUsed {
  constructor() {
    throw new Error(
      'SupabaseMetadataStore: Supabase Realtime is not used by the artifact store (no WebSocket)',
    );
  }
}

/** fetch with a deadline: a hung connection becomes supabase-js `status: 0` (transient), not a stuck handler. */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return fetch(input, { ...init, signal });
  };
}

export function createMetadataClient(url: string, serviceRoleKey: string, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: RealtimeNotUsed as unknown as WebSocketLikeConstructor },
    global: { fetch: fetchWithTimeout(timeoutMs) },
  });
}

interface RpcError {
  message?: unknown;
  code?: unknown;
  details?: unknown;
  hint?: unknown;
}

/** A 5-character SQLSTATE of PostgreSQL itself (not PostgREST's PGRSTxxx). */
function isSqlState(code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code);
}

function describe(fn: string, status: number, error: RpcError): string {
  const code = typeof error.code === 'string' && error.code ? ` ${error.code}` : '';
  const message = typeof error.message === 'string' ? error.message : JSON.stringify(error.message ?? null);
  const details = typeof error.details === 'string' && error.details ? ` (${error.details})` : '';
  return `${fn}: ${status === 0 ? 'no response' : `HTTP ${status}`}${code}: ${message}${details}`;
}

function toError(fn: string, status: number, error: RpcError): Error {
  const code = typeof error.code === 'string' ? error.code : '';
  const what = describe(fn, status, error);
  if (status === 0 || isRetryableStatus(status)) {
    return new TransientError(`metadata store unavailable, will retry (${what})`, error);
  }
  if (status === 401 || status === 403) {
    return new TransientError(
      `metadata store refused the service role key (${what}): check SUPABASE_SERVICE_ROLE_KEY (the project's ` +
        'service_role key, signed with its JWT secret); the message is retried and finally dead-lettered',
      error,
    );
  }
  if (status >= 400 && status < 500 && status !== 404 && status !== 405 && isSqlState(code)) {
    return new PermanentError('INVALID_ROW', `metadata store refused the arguments (${what})`, {
      function: fn,
      status,
      code,
      details: typeof error.details === 'string' ? error.details : null,
      hint: typeof error.hint === 'string' ? error.hint : null,
    });
  }
  return new TransientError(
    `metadata store API is not what the artifact store expects (${what}): check SUPABASE_URL and that the ` +
      'migrations are applied; the message is retried and finally dead-lettered',
    error,
  );
}

function unexpected(fn: string, data: unknown): TransientError {
  const shown = JSON.stringify(data) ?? String(data);
  return new TransientError(
    `metadata store answered ${fn} with an unexpected value: ${shown.length > 300 ? `${shown.slice(0, 300)}...` : shown}`,
  );
}

function oneOf<T extends string>(fn: string, data: unknown, allowed: readonly T[]): T {
  if (typeof data === 'string' && (allowed as readonly string[]).includes(data)) return data as T;
  throw unexpected(fn, data);
}

/** A row as artifact_get/artifact_list return it (to_jsonb of project_files), parsed by the row's schema. */
function toRow(fn: string, value: unknown): ArtifactRow {
  const result = ArtifactRow.safeParse(value);
  if (!result.success) throw unexpected(fn, value);
  return result.data;
}

function toPosition(fn: string, value: unknown): ListPosition | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value) || typeof value.created_at !== 'string' || typeof value.uuid !== 'string') {
    throw unexpected(fn, value);
  }
  return { created_at: value.created_at, uuid: value.uuid };
}

export class SupabaseMetadataStore implements MetadataStore {
  readonly #client: SupabaseClient;

  constructor(options: SupabaseMetadataStoreOptions) {
    this.#client =
      options.client ??
      createMetadataClient(options.url, options.serviceRoleKey, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  /** One rpc() call: its data, or the store's error for its failure. */
  async #call(fn: string, args: Record<string, unknown>): Promise<unknown> {
    let response: { data: unknown; error: RpcError | null; status: number };
    try {
      response = await this.#client.rpc(fn, args);
    } catch (err) {
      // supabase-js returns failures as values; a throw here is a fetch that escaped it (treated alike).
      const reason = isNetworkError(err) ? 'no response' : 'rpc failed';
      throw new TransientError(
        `metadata store unavailable, will retry (${fn}: ${reason}: ${String(err)})`,
        err,
      );
    }
    if (response.error) throw toError(fn, response.status, response.error);
    return response.data;
  }

  async record(row: ArtifactRowInput): Promise<RecordOutcome> {
    const fn = 'artifact_record';
    const data = await this.#call(fn, {
      p_uuid: row.uuid,
      p_tenant_id: row.tenant_id,
      p_artifact_type: row.artifact_type,
      p_user_id: row.user_id,
      p_ui_name: row.ui_name,
      p_file_path: row.file_path,
      p_file_size: row.file_size,
      p_file_hash: row.file_hash,
      // int64 as a decimal string: PostgreSQL casts it to bigint without passing through a double.
      p_generation: row.generation,
      p_expires_at: row.expires_at,
      p_metadata: row.metadata,
      p_version: row.version ?? 1,
      ...(row.aliases?.length ? { p_aliases: row.aliases } : {}),
      ...(row.derived_from?.length ? { p_derived_from: row.derived_from } : {}),
    });
    return oneOf(fn, data, RECORD_OUTCOMES);
  }

  async get(uuid: string, tenantId: string, selector: VersionSelector = {}): Promise<ArtifactRow | null> {
    const fn = 'artifact_get';
    const args: Record<string, unknown> = { p_uuid: uuid, p_tenant_id: tenantId };
    if (selector.version !== undefined) args.p_version = selector.version;
    if (selector.alias !== undefined) args.p_alias = selector.alias;
    const data = await this.#call(fn, args);
    return data === null ? null : toRow(fn, data);
  }

  async versions(
    uuid: string,
    tenantId: string,
    limit: number,
    before?: number,
  ): Promise<VersionPage | null> {
    const fn = 'artifact_versions_list';
    const args: Record<string, unknown> = { p_uuid: uuid, p_tenant_id: tenantId, p_limit: limit };
    if (before !== undefined) args.p_before_version = before;
    const data = await this.#call(fn, args);
    if (data === null) return null;
    const result = VersionPageSchema.safeParse(data);
    if (!result.success) throw unexpected(fn, data);
    return result.data;
  }

  async setAlias(uuid: string, tenantId: string, alias: string, version: number): Promise<AliasSetOutcome> {
    const fn = 'artifact_alias_set';
    const data = await this.#call(fn, {
      p_uuid: uuid,
      p_tenant_id: tenantId,
      p_alias: alias,
      p_version: version,
    });
    const result = AliasSetSchema.safeParse(data);
    if (!result.success) throw unexpected(fn, data);
    return result.data;
  }

  async deleteAlias(uuid: string, tenantId: string, alias: string): Promise<'deleted' | 'not_found'> {
    const fn = 'artifact_alias_delete';
    const data = await this.#call(fn, { p_uuid: uuid, p_tenant_id: tenantId, p_alias: alias });
    return oneOf(fn, data, ['deleted', 'not_found'] as const);
  }

  async reject(input: {
    uuid: string;
    tenant_id: string;
    message_id: string;
    error_code: string;
    quarantine_path: string;
  }): Promise<void> {
    await this.#call('artifact_reject', {
      p_uuid: input.uuid,
      p_tenant_id: input.tenant_id,
      p_message_id: input.message_id,
      p_error_code: input.error_code,
      p_quarantine_path: input.quarantine_path,
    });
  }

  async lineage(
    uuid: string,
    tenantId: string,
    direction: 'up' | 'down' | 'both',
    depth: number,
    maxNodes = 1000,
  ): Promise<LineageGraph | null> {
    const fn = 'artifact_lineage';
    const data = await this.#call(fn, {
      p_uuid: uuid,
      p_tenant_id: tenantId,
      p_direction: direction,
      p_depth: depth,
      p_max_nodes: maxNodes,
    });
    if (data === null) return null;
    const result = LineageSchema.safeParse(data);
    if (!result.success) throw unexpected(fn, data);
    return result.data;
  }

  async noteStored(input: {
    uuid: string;
    tenant_id: string;
    message_id: string;
    version: number;
  }): Promise<void> {
    await this.#call('artifact_note_stored', {
      p_uuid: input.uuid,
      p_tenant_id: input.tenant_id,
      p_message_id: input.message_id,
      p_version: input.version,
    });
  }

  async status(uuid: string, tenantId: string, messageId?: string): Promise<ArtifactStatus> {
    const fn = 'artifact_status';
    const data = await this.#call(fn, {
      p_uuid: uuid,
      p_tenant_id: tenantId,
      ...(messageId ? { p_message_id: messageId } : {}),
    });
    const result = ArtifactStatusSchema.safeParse(data);
    if (!result.success) throw unexpected(fn, data);
    return result.data as ArtifactStatus;
  }

  async list(tenantId: string, filter: ListFilter, limit: number, after?: ListPosition): Promise<ListResult> {
    const fn = 'artifact_list';
    const args: Record<string, unknown> = { p_tenant_id: tenantId, p_limit: limit };
    if (filter.artifact_type !== undefined) args.p_artifact_type = filter.artifact_type;
    if (filter.execution_id !== undefined) args.p_execution_id = filter.execution_id;
    if (filter.session_id !== undefined) args.p_session_id = filter.session_id;
    if (filter.derived_from !== undefined) args.p_derived_from = filter.derived_from;
    if (after) {
      args.p_after_created_at = after.created_at;
      args.p_after_uuid = after.uuid;
    }
    const data = await this.#call(fn, args);
    if (!isObject(data) || !Array.isArray(data.items)) throw unexpected(fn, data);
    return { items: data.items.map((item) => toRow(fn, item)), next: toPosition(fn, data.next) };
  }

  async markDeleted(input: MarkDeletedInput): Promise<MarkDeletedOutcome> {
    const fn = 'artifact_mark_deleted';
    const args: Record<string, unknown> = {
      p_uuid: input.uuid,
      p_tenant_id: input.tenant_id,
      p_generation: input.generation,
    };
    if (input.artifact_type !== undefined) args.p_artifact_type = input.artifact_type;
    if (input.file_path !== undefined) args.p_file_path = input.file_path;
    return oneOf(fn, await this.#call(fn, args), MARK_DELETED_OUTCOMES);
  }

  async claim(uuid: string, tenantId: string, artifactType: string): Promise<ClaimStatus> {
    const fn = 'artifact_claim';
    const data = await this.#call(fn, { p_uuid: uuid, p_tenant_id: tenantId, p_artifact_type: artifactType });
    return oneOf(fn, data, CLAIM_STATUSES);
  }

  async rowStates(uuids: string[]): Promise<RowState[]> {
    const fn = 'artifact_row_states';
    const data = await this.#call(fn, { p_uuids: uuids });
    if (!Array.isArray(data) || !data.every((r) => isObject(r) && typeof r.uuid === 'string')) {
      throw unexpected(fn, data);
    }
    return data as RowState[];
  }

  async liveRows(
    filter: { tenant_id?: string; artifact_type?: string },
    limit: number,
    after?: string,
  ): Promise<LiveRow[]> {
    const fn = 'artifact_live_rows';
    const args: Record<string, unknown> = { p_limit: limit };
    if (after) args.p_after_uuid = after;
    if (filter.tenant_id) args.p_tenant_id = filter.tenant_id;
    if (filter.artifact_type) args.p_artifact_type = filter.artifact_type;
    const data = await this.#call(fn, args);
    if (!Array.isArray(data) || !data.every((r) => isObject(r) && typeof r.uuid === 'string')) {
      throw unexpected(fn, data);
    }
    return data as LiveRow[];
  }
}
