/** Shared helpers of the SQL tests: a pool on the test database, unique tenants, calls by parameter name. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** Anything that runs a query: a Pool, a pooled client or a Client. */
export interface Db {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
}

export function databaseUrl(): string {
  return inject('databaseUrl');
}

export function newPool(max = 5): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl(), max });
  pool.on('error', () => {});
  return pool;
}

/** `n` separate connections, already connected. */
export async function newClients(n: number): Promise<pg.Client[]> {
  const clients = Array.from({ length: n }, () => new pg.Client({ connectionString: databaseUrl() }));
  await Promise.all(clients.map((client) => client.connect()));
  return clients;
}

/** A tenant id no other test uses. */
export function newTenant(label = 't'): string {
  return `${label}-${randomUUID().slice(0, 12)}`;
}

export interface RecordArgs {
  uuid: string;
  tenant_id: string | null;
  generation: number | string | null;
  artifact_type?: string | null;
  user_id?: string | null;
  ui_name?: string | null;
  file_path?: string | null;
  file_size?: number | null;
  file_hash?: string | null;
  expires_at?: string | Date | null;
  metadata?: unknown;
  version?: number;
  aliases?: string[] | null;
}

/** artifact_record, called by parameter name as PostgREST does. */
export async function record(db: Db, args: RecordArgs): Promise<string> {
  const type = args.artifact_type === undefined ? 'workflow' : args.artifact_type;
  const metadata =
    args.metadata === undefined ? { execution_id: 'exec-1', session_id: 'sess-1' } : args.metadata;
  const { rows } = await db.query(
    `SELECT public.artifact_record(
       p_uuid => $1, p_tenant_id => $2, p_artifact_type => $3, p_user_id => $4, p_ui_name => $5,
       p_file_path => $6, p_file_size => $7, p_file_hash => $8, p_generation => $9, p_expires_at => $10,
       p_metadata => $11, p_version => $12, p_aliases => $13
     ) AS outcome`,
    [
      args.uuid,
      args.tenant_id,
      type,
      args.user_id === undefined ? 'user-1' : args.user_id,
      args.ui_name === undefined ? `${type} ${String(args.uuid).slice(0, 8)}` : args.ui_name,
      args.file_path === undefined
        ? `artifacts/${type}/${args.tenant_id}/${args.uuid}${(args.version ?? 1) === 1 ? '.json' : `/v${args.version}.json`}`
        : args.file_path,
      args.file_size === undefined ? 1234 : args.file_size,
      args.file_hash === undefined ? 'a'.repeat(64) : args.file_hash,
      args.generation,
      args.expires_at ?? null,
      metadata === null ? null : JSON.stringify(metadata),
      args.version ?? 1,
      args.aliases ?? null,
    ],
  );
  return rows[0].outcome;
}

export interface MarkDeletedArgs {
  uuid: string;
  tenant_id: string | null;
  generation?: number | string | null;
  artifact_type?: string | null;
  file_path?: string | null;
}

/** artifact_mark_deleted by parameter name; omitted arguments are left to their defaults. */
export async function markDeleted(db: Db, args: MarkDeletedArgs): Promise<string> {
  const names = ['p_uuid => $1', 'p_tenant_id => $2'];
  const values: unknown[] = [args.uuid, args.tenant_id];
  for (const [key, param] of [
    ['generation', 'p_generation'],
    ['artifact_type', 'p_artifact_type'],
    ['file_path', 'p_file_path'],
  ] as const) {
    if (args[key] !== undefined) {
      values.push(args[key]);
      names.push(`${param} => $${values.length}`);
    }
  }
  const { rows } = await db.query(
    `SELECT public.artifact_mark_deleted(${names.join(', ')}) AS outcome`,
    values,
  );
  return rows[0].outcome;
}

// biome-ignore lint/suspicious/noExplicitAny: rows of to_jsonb(project_files) are checked field by field
export type JsonRow = Record<string, any>;

export async function get(db: Db, uuid: string, tenantId: string | null): Promise<JsonRow | null> {
  const { rows } = await db.query('SELECT public.artifact_get(p_uuid => $1, p_tenant_id => $2) AS row', [
    uuid,
    tenantId,
  ]);
  return rows[0].row;
}

export interface ListArgs {
  tenant_id: string | null;
  artifact_type?: string | null;
  execution_id?: string | null;
  session_id?: string | null;
  limit?: number | null;
  after_created_at?: string | null;
  after_uuid?: string | null;
}

export interface ListPage {
  items: JsonRow[];
  next: { created_at: string; uuid: string } | null;
}

/** artifact_list by parameter name; omitted arguments are left to their defaults. */
export async function list(db: Db, args: ListArgs): Promise<ListPage> {
  const names: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    values.push(value);
    names.push(`p_${key} => $${values.length}`);
  }
  const { rows } = await db.query(`SELECT public.artifact_list(${names.join(', ')}) AS page`, values);
  return rows[0].page;
}

export async function claim(
  db: Db,
  uuid: string,
  tenantId: string | null,
  artifactType: string | null = 'workflow',
): Promise<string> {
  const { rows } = await db.query(
    'SELECT public.artifact_claim(p_uuid => $1, p_tenant_id => $2, p_artifact_type => $3) AS status',
    [uuid, tenantId, artifactType],
  );
  return rows[0].status;
}

/** The stored row, read directly (superuser: not through the functions). */
export async function rawRow(db: Db, uuid: string): Promise<JsonRow | undefined> {
  const { rows } = await db.query('SELECT to_jsonb(pf) AS row FROM project_files pf WHERE uuid = $1', [uuid]);
  return rows[0]?.row;
}

export async function rowCount(db: Db, uuid: string): Promise<number> {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM project_files WHERE uuid = $1', [uuid]);
  return rows[0].n;
}

/** A platform file that is not an artifact (artifact_type NULL), as other parts of the platform write them. */
export async function insertPlainFile(db: Db, uuid: string, tenantId: string): Promise<void> {
  await db.query(
    `INSERT INTO project_files (uuid, tenant_id, user_id, ui_name, file_path, file_type, mime_type, file_size)
     VALUES ($1, $2, 'user-1', 'report.pdf', $3, 'document', 'application/pdf', 10)`,
    [uuid, tenantId, `files/${tenantId}/${uuid}.pdf`],
  );
}
