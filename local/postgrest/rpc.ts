/**
 * One RPC call, as PostgREST's CallPlan/QueryBuilder does it: the JSON arguments go to PostgreSQL as one
 * parameter, `json_to_record` casts each to its parameter's declared type, the function is called with named
 * notation inside a transaction whose role and `request.*` settings are the request's, and PostgreSQL itself
 * renders the JSON result (json_agg): one value for a scalar or single row, an array for SETOF, `null` for
 * SQL NULL and for void.
 */
import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import type { AuthResult } from './auth';
import { type ApiError, connectionError, fromDatabaseError } from './errors';
import type { Routine } from './routines';

export interface CallResult {
  /** JSON text of the response body. */
  body: string;
  /** Number of result rows (Content-Range). */
  rows: number;
}

export interface RequestContext {
  /** POST, or GET / HEAD (always READ ONLY, as PostgREST). */
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The exposed schemas, the called one first: the call's search_path. */
  searchPath: string[];
}

/** The SQL statement calling `routine` with the arguments named `keys` (JSON object in $1). */
export function callStatement(routine: Routine, keys: string[]): { sql: string; usesArgs: boolean } {
  const given = new Set(keys);
  const params = routine.params.filter((p) => given.has(p.name));
  const fn = `${escapeIdentifier(routine.schema)}.${escapeIdentifier(routine.name)}`;
  const call = `${fn}(${params
    .map(
      (p) =>
        `${p.variadic ? 'VARIADIC ' : ''}${escapeIdentifier(p.name)} := pgrst_args.${escapeIdentifier(p.name)}`,
    )
    .join(', ')})`;
  const args =
    params.length > 0
      ? `json_to_record($1::json) AS pgrst_args(${params.map((p) => `${escapeIdentifier(p.name)} ${p.type}`).join(', ')})`
      : undefined;

  if (routine.returnsVoid) {
    return { sql: `SELECT ${call}${args ? ` FROM ${args}` : ''}`, usesArgs: args !== undefined };
  }
  const source = routine.composite ? `${call} AS pgrst_call` : `${call} AS pgrst_call(pgrst_scalar)`;
  const from = args ? `${args} CROSS JOIN LATERAL ${source}` : source;
  const value = routine.composite ? 'pgrst_call' : 'pgrst_call.pgrst_scalar';
  const body = routine.setof
    ? `coalesce(json_agg(${value}), '[]'::json)::text`
    : `coalesce((json_agg(${value}) -> 0)::text, 'null')`;
  return { sql: `SELECT ${body} AS body, count(*)::int AS rows FROM ${from}`, usesArgs: args !== undefined };
}

/** Whether an error says the connection (not the statement) failed: such a client is not reused. */
function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code !== 'string' || code.startsWith('08') || code === '57P01';
}

/**
 * Runs the call in its own transaction (READ ONLY for stable/immutable functions and for every GET or HEAD,
 * as PostgREST: a function that writes then fails with 25006, a 405) with the request's role (`SET LOCAL
 * ROLE` via set_config) and `request.jwt.claims`, `request.method`, `request.path`, `request.headers`.
 */
export async function execute(
  pool: Pool,
  routine: Routine,
  keys: string[],
  argsJson: string,
  auth: AuthResult,
  ctx: RequestContext,
): Promise<CallResult | ApiError> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    return connectionError(err);
  }
  let broken: Error | undefined;
  try {
    const readOnly = ctx.method !== 'POST' || routine.volatility === 'i' || routine.volatility === 's';
    await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED${readOnly ? ' READ ONLY' : ''}`);
    await client.query(
      `SELECT set_config('search_path', $1, true),
              set_config('request.jwt.claims', $2, true),
              set_config('request.method', $6, true),
              set_config('request.path', $3, true),
              set_config('request.headers', $4, true),
              set_config('role', $5, true)`,
      [
        ctx.searchPath.map((s) => escapeIdentifier(s)).join(', '),
        JSON.stringify(auth.claims),
        ctx.path,
        JSON.stringify(ctx.headers),
        auth.role,
        ctx.method,
      ],
    );
    const { sql, usesArgs } = callStatement(routine, keys);
    const result = await client.query<{ body?: string; rows?: number }>(sql, usesArgs ? [argsJson] : []);
    await client.query('COMMIT');
    if (routine.returnsVoid) return { body: 'null', rows: 1 };
    const row = result.rows[0];
    return { body: row?.body ?? 'null', rows: row?.rows ?? 0 };
  } catch (err) {
    if (isConnectionFailure(err)) broken = err instanceof Error ? err : new Error(String(err));
    else await client.query('ROLLBACK').catch(() => {});
    return fromDatabaseError(err, auth.authed);
  } finally {
    client.release(broken);
  }
}
