/**
 * A local stand-in for Supabase's Data API (PostgREST behind the API gateway), serving exactly what this
 * project calls: `POST /rest/v1/rpc/{function}` with named JSON arguments (and `GET` with query-string
 * arguments), over a real PostgreSQL (pg Pool).
 * supabase-js talks to it unchanged (docs/design.md, "Local stack"). Dev and test tool only: nothing in production imports it.
 *
 * Same as PostgREST (13): JWT verification with the project's secret and its PGRST301/302/303 errors and
 * `WWW-Authenticate` headers; the `role` claim (default `anon`) as the database role of the call, set
 * transaction-locally together with `request.jwt.claims`, `request.method`, `request.path`,
 * `request.headers` and the search_path; overload choice by argument names (PGRST202 404 / PGRST203 300,
 * arguments with defaults may be left out); casts to the declared types by `json_to_record`; named-notation
 * call in a READ COMMITTED transaction (READ ONLY for stable/immutable functions and for GET/HEAD); results rendered by
 * PostgreSQL (scalar/jsonb -> the JSON value, SQL NULL and void -> `null`, composite -> object, SETOF ->
 * array); errors as `{code, message, details, hint}` with PostgREST's SQLSTATE -> HTTP status table
 * (errors.ts), `RAISE SQLSTATE 'PTxyz'` -> status xyz, `RAISE SQLSTATE 'PGRST'` full response control;
 * `Content-Profile` schema switching among the exposed schemas (PGRST106); PGRST000/001/002 503 when the
 * database is unreachable; `Content-Type: application/json; charset=utf-8` on every response,
 * `Content-Range` on results, `Proxy-Status` on errors.
 *
 * Differences from PostgREST / Supabase:
 * - Only RPC: `POST /rpc/{fn}` with a JSON object, and `GET`/`HEAD /rpc/{fn}?arg=value` (supabase-js
 *   `rpc(fn, args, {get: true})`), whose query parameters naming a function parameter are its arguments as
 *   text (repeated: an array) and which always run READ ONLY (a function that writes fails with 25006, 405),
 *   as PostgREST. Tables and views (`/rest/v1/{table}`) answer 404 PGRST125; any other method 405
 *   (PGRST101 on /rpc, PGRST117 elsewhere); no OPTIONS/CORS. `GET /rest/v1/` answers 404 PGRST126 (as
 *   PostgREST with the OpenAPI output disabled).
 * - Filters, select, order, limit and offset (query string) and the `Prefer` header (count, return, tx,
 *   params, handling, max-affected) are ignored; `Accept` is ignored (always JSON; no
 *   `application/vnd.pgrst.object+json` singular checks, no CSV, no custom media types); no form-encoded
 *   POST bodies.
 * - Arguments: a JSON object only (an array, a non-JSON body or another Content-Type is refused: PGRST102
 *   400 / PGRST107 415); no single unnamed json/jsonb/text/bytea/xml parameter calls; functions returning
 *   untyped `record` are refused. Overload choice and the PGRST202 hint are simplified (the hint names the
 *   overload sharing most argument names; no fuzzy name suggestions).
 * - Auth: the gateway's `apikey` check is a JWT verification with the same secret and PostgREST's error
 *   codes (Supabase's gateway answers a missing or unknown key with its own `{message}` body); without a
 *   bearer token the `apikey` stands for it; with neither the answer is 401 PGRST302 (PostgREST without an
 *   anonymous role; Supabase: the gateway's 401). No `aud` check (jwt-aud unset), no JWKS, no JWT cache.
 *   The connection's user switches to the token's role, so the database URL's user must be allowed to
 *   (a superuser or a member of the roles; PostgREST connects as `authenticator`): a token whose role that
 *   user may not take gets 42501, one naming a missing role 401 (22023), as PostgREST.
 * - Schema cache: signatures are read from pg_proc on first use and cached; an unknown name is read again
 *   on every call, a cached name when no overload fits or the call fails with 42883; no LISTEN/NOTIFY
 *   reload (use `reloadSchemaCache()`).
 * - The role's settings (`ALTER ROLE ... SET`, e.g. Supabase's per-role statement_timeout) are not applied
 *   on the switch, nor a function's hoisted settings at transaction level (its own `SET` clauses still
 *   apply inside it, as PostgreSQL does); no pre-request function, no `response.headers`/`response.status`
 *   GUCs, no Server-Timing, no pool acquisition timeout error (PGRST003); request bodies are limited to
 *   `maxBodyBytes` (413 PGRST102), which PostgREST does not do; JWT secrets under 32 characters are refused
 *   at start, as PostgREST 13 does.
 * - Paths outside `/rest/v1` get the gateway's 404 `{message: "no Route matched with those values"}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { type AuthResult, authenticate } from './auth';
import {
  ApiError,
  GATEWAY_NOT_FOUND,
  invalidBody,
  invalidResourcePath,
  invalidRpcMethod,
  openApiDisabled,
  payloadTooLarge,
  schemaCacheError,
  unacceptableSchema,
  unsupportedContentType,
  unsupportedMethod,
} from './errors';
import { RoutineCache } from './routines';
import { type CallResult, execute } from './rpc';

export interface PostgrestStandInOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PostgreSQL to serve; its user must be able to switch to the tokens' roles (a superuser locally). */
  databaseUrl: string;
  /** The project's JWT secret (HS256), e.g. LOCAL_JWT_SECRET. */
  jwtSecret: string;
  log?: (line: string) => void;
  /** Exposed schemas (PostgREST db-schemas); the first is the default. Default ['public']. */
  schemas?: string[];
  /** Role of a token without a `role` claim (PostgREST db-anon-role). Default 'anon'. */
  anonRole?: string;
  /** Largest request body accepted. Default 8 MiB. */
  maxBodyBytes?: number;
}

export interface PostgrestStandIn {
  /** Base URL to give supabase-js (`SUPABASE_URL`); the API is under `/rest/v1`. */
  url: string;
  /** Forgets the cached function signatures (PostgREST: `NOTIFY pgrst, 'reload schema'`). */
  reloadSchemaCache(): void;
  close(): Promise<void>;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Query parameters PostgREST reserves for itself (never function arguments). */
const RESERVED_QUERY_KEYS = new Set([
  'select',
  'columns',
  'order',
  'limit',
  'offset',
  'on_conflict',
  'and',
  'or',
  'not.and',
  'not.or',
]);

interface Response {
  status: number;
  body: string;
  headers: Record<string, string>;
  code?: string;
}

function errorResponse(err: ApiError): Response {
  return {
    status: err.status,
    body: JSON.stringify(err.body),
    headers: { 'Proxy-Status': `PostgREST; error=${err.body.code}`, ...err.headers },
    code: err.body.code,
  };
}

function resultResponse(result: CallResult): Response {
  const range = result.rows > 0 ? `0-${result.rows - 1}/*` : '*/*';
  return { status: 200, body: result.body, headers: { 'Content-Range': range } };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The body, or null when it is larger than `limit` (then fully drained). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startPostgrestStandIn(options: PostgrestStandInOptions): Promise<PostgrestStandIn> {
  const host = options.host ?? '127.0.0.1';
  const schemas = options.schemas ?? ['public'];
  const anonRole = options.anonRole ?? 'anon';
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;
  if (options.jwtSecret.length < 32) {
    // PostgREST 13 refuses to start with a shorter secret.
    throw new Error('PostgREST stand-in: the JWT secret must be at least 32 characters long');
  }
  const key = new TextEncoder().encode(options.jwtSecret);
  const log = options.log;

  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 10_000,
    application_name: 'postgrest-stand-in',
  });
  let closing = false;
  // pool.end() resolves before its idle connections are gone: a server stopping right after is no news.
  pool.on('error', (err) => {
    if (!closing) log?.(`[postgrest] idle connection error: ${err.message}`);
  });
  const routines = new RoutineCache(pool);

  /** POST: the arguments are the JSON object of the body; the schema comes from `Content-Profile`. */
  async function rpcPost(
    req: IncomingMessage,
    fn: string,
    path: string,
    auth: AuthResult,
  ): Promise<Response> {
    const profile = headerValue(req, 'content-profile')?.trim();
    const schema = profile || schemas[0]!;
    if (!schemas.includes(schema)) return errorResponse(unacceptableSchema(schema, schemas));

    const contentType = headerValue(req, 'content-type');
    const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
    if (mediaType && mediaType !== 'application/json' && mediaType !== '*/*') {
      await readBody(req, maxBodyBytes);
      return errorResponse(unsupportedContentType(contentType!));
    }
    const raw = await readBody(req, maxBodyBytes);
    if (raw === null) {
      const response = errorResponse(payloadTooLarge(maxBodyBytes));
      return { ...response, headers: { ...response.headers, Connection: 'close' } };
    }
    let args: unknown = {};
    if (raw.length > 0) {
      try {
        args = JSON.parse(raw.toString('utf8'));
      } catch {
        return errorResponse(invalidBody());
      }
    }
    if (!args || typeof args !== 'object' || Array.isArray(args)) {
      return errorResponse(invalidBody('The arguments of a function call must be a JSON object'));
    }
    return call(req, 'POST', schema, fn, path, args as Record<string, unknown>, auth);
  }

  /**
   * GET / HEAD: query parameters naming a parameter of the function are its arguments, as text (a repeated
   * one is an array, for variadic and array parameters); the others are PostgREST's filters and reserved
   * words (select, order, limit, ...), which the stand-in ignores. The schema comes from `Accept-Profile`.
   */
  async function rpcGet(
    req: IncomingMessage,
    method: string,
    fn: string,
    path: string,
    query: URLSearchParams,
    auth: AuthResult,
  ): Promise<Response> {
    const profile = headerValue(req, 'accept-profile')?.trim();
    const schema = profile || schemas[0]!;
    if (!schemas.includes(schema)) return errorResponse(unacceptableSchema(schema, schemas));
    let names: Set<string>;
    try {
      names = await routines.parameterNames(schema, fn);
    } catch (err) {
      log?.(`[postgrest] schema cache query failed: ${(err as Error).message}`);
      return errorResponse(schemaCacheError());
    }
    const args: Record<string, string | string[]> = {};
    for (const key of new Set(query.keys())) {
      if (RESERVED_QUERY_KEYS.has(key) || !names.has(key)) continue;
      const values = query.getAll(key);
      args[key] = values.length > 1 ? values : values[0]!;
    }
    return call(req, method, schema, fn, path, args, auth);
  }

  async function call(
    req: IncomingMessage,
    method: string,
    schema: string,
    fn: string,
    path: string,
    args: Record<string, unknown>,
    auth: AuthResult,
  ): Promise<Response> {
    const keys = Object.keys(args);
    const argsJson = JSON.stringify(args);
    const headers: Record<string, string> = {};
    for (const name of Object.keys(req.headers)) headers[name] = headerValue(req, name) ?? '';
    const ctx = { method, path, headers, searchPath: [schema, ...schemas.filter((s) => s !== schema)] };

    for (let attempt = 0; ; attempt++) {
      let routine: Awaited<ReturnType<RoutineCache['resolve']>>;
      try {
        routine = await routines.resolve(schema, fn, keys);
      } catch (err) {
        log?.(`[postgrest] schema cache query failed: ${(err as Error).message}`);
        return errorResponse(schemaCacheError());
      }
      if (routine instanceof ApiError) return errorResponse(routine);
      if (routine.untypedRecord) {
        return errorResponse(
          new ApiError(400, {
            code: 'PGRST127',
            message: 'Feature not implemented',
            details: 'The local PostgREST stand-in cannot call functions returning untyped record',
            hint: null,
          }),
        );
      }
      const result = await execute(pool, routine, keys, argsJson, auth, ctx);
      if (result instanceof ApiError) {
        // The cached signature is gone (function dropped or replaced): read it again, once.
        if (result.body.code === '42883' && attempt === 0) {
          routines.invalidate(schema, fn);
          continue;
        }
        return errorResponse(result);
      }
      return resultResponse(result);
    }
  }

  async function handle(req: IncomingMessage): Promise<Response> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname;
    if (path !== '/rest/v1' && !path.startsWith('/rest/v1/')) {
      return { status: 404, body: JSON.stringify(GATEWAY_NOT_FOUND), headers: {} };
    }
    const auth = await authenticate(req.headers, key, anonRole);
    if (auth instanceof ApiError) return errorResponse(auth);

    const rest = path.slice('/rest/v1'.length);
    if (rest === '' || rest === '/') {
      return errorResponse(
        method === 'GET' || method === 'HEAD' ? openApiDisabled() : unsupportedMethod(method),
      );
    }
    const match = /^\/rpc\/([^/]+)$/.exec(rest);
    if (!match) return errorResponse(invalidResourcePath());
    if (method !== 'POST' && method !== 'GET' && method !== 'HEAD') {
      return errorResponse(invalidRpcMethod(method));
    }
    let fn: string;
    try {
      fn = decodeURIComponent(match[1]!);
    } catch {
      return errorResponse(invalidResourcePath());
    }
    if (method === 'POST') return rpcPost(req, fn, rest, auth);
    return rpcGet(req, method, fn, rest, url.searchParams, auth);
  }

  function respond(res: ServerResponse, response: Response): void {
    res.writeHead(response.status, {
      'Content-Type': JSON_CONTENT_TYPE,
      'Content-Length': String(Buffer.byteLength(response.body)),
      ...response.headers,
    });
    res.end(response.body);
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    handle(req)
      .catch((err: unknown): Response => {
        log?.(`[postgrest] internal error: ${(err as Error)?.stack ?? String(err)}`);
        const message = err instanceof Error ? err.message : String(err);
        return errorResponse(new ApiError(500, { code: 'PGRSTX00', message, details: null, hint: null }));
      })
      .then((response) => {
        respond(res, response);
        log?.(
          `[postgrest] ${req.method} ${req.url} ${response.status}${response.code ? ` ${response.code}` : ''} ${Date.now() - started}ms`,
        );
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  log?.(`[postgrest] listening on http://${urlHost}:${port}/rest/v1 (schemas: ${schemas.join(', ')})`);

  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    reloadSchemaCache: () => routines.invalidate(),
    close() {
      closing = true;
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => pool.end());
      return closed;
    },
  };
}
