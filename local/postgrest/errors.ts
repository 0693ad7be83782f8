/**
 * PostgREST's error responses: the body `{code, message, details, hint}` (all four keys always present,
 * `null` when empty), the SQLSTATE -> HTTP status mapping of PostgREST's Error.hs (`mapSQLtoHTTP`), and the
 * PGRSTxxx errors this stand-in can raise itself.
 */
import { DatabaseError } from 'pg';

export interface ErrorBody {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

/** An error response: status, PostgREST body, extra headers. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Record<string, string>;

  constructor(status: number, body: ErrorBody, headers: Record<string, string> = {}) {
    super(body.message);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

function error(
  status: number,
  code: string,
  message: string,
  details: string | null = null,
  hint: string | null = null,
  headers: Record<string, string> = {},
): ApiError {
  return new ApiError(status, { code, message, details, hint }, headers);
}

/**
 * HTTP status of a PostgreSQL error, as PostgREST's `mapSQLtoHTTP`. `authed`: the request's role is not the
 * anonymous role (only 42501 depends on it: 403 when authenticated, else 401).
 */
export function statusForSqlState(code: string, message: string, authed: boolean): number {
  const exact: Record<string, number> = {
    '23503': 409,
    '23505': 409,
    '25006': 405,
    '53400': 500,
    '57P01': 503,
    P0001: 400,
    '42P01': 404,
    '42P17': 500,
  };
  if (code === '42501') return authed ? 403 : 401;
  if (code === '42883') return message.startsWith('function xmlagg(') ? 406 : 404;
  if (code === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500;
  // A JWT naming a role that does not exist (PostgREST #3601).
  if (code === '22023') return message.startsWith('role') && message.endsWith('does not exist') ? 401 : 400;
  const fixed = exact[code];
  if (fixed !== undefined) return fixed;
  if (code.startsWith('PT')) {
    const status = Number(code.slice(2));
    return Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500;
  }
  const byClass: Record<string, number> = {
    '08': 503,
    '09': 500,
    '0L': 403,
    '0P': 403,
    '25': 500,
    '28': 403,
    '2D': 500,
    '38': 500,
    '39': 500,
    '3B': 500,
    '40': 500,
    '53': 503,
    '54': 500,
    '55': 500,
    '57': 500,
    '58': 500,
    F0: 500,
    HV: 500,
    P0: 500,
    XX: 500,
  };
  return byClass[code.slice(0, 2)] ?? 400;
}

/** 401 responses carry `WWW-Authenticate`, as PostgREST's. */
function authenticateHeader(status: number, message?: string): Record<string, string> {
  if (status !== 401) return {};
  return {
    'WWW-Authenticate':
      message === undefined
        ? 'Bearer'
        : `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
  };
}

/** A `RAISE SQLSTATE 'PGRST'` error: full control of the response (PostgREST 12+), or PGRST121. */
function raisePgrst(err: DatabaseError): ApiError {
  const invalid = (details: string, hint: string) =>
    error(500, 'PGRST121', 'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error', details, hint);
  let msg: unknown;
  try {
    msg = JSON.parse(err.message);
  } catch {
    msg = undefined;
  }
  const m = msg as Partial<Record<string, unknown>> | undefined;
  if (!m || typeof m !== 'object' || typeof m.code !== 'string' || typeof m.message !== 'string') {
    return invalid(
      `Invalid JSON value for MESSAGE: '${err.message}'`,
      "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.",
    );
  }
  const detailHint =
    "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.";
  if (err.detail === undefined) return invalid('DETAIL is missing in the RAISE statement', detailHint);
  let det: unknown;
  try {
    det = JSON.parse(err.detail);
  } catch {
    det = undefined;
  }
  const d = det as Partial<Record<string, unknown>> | undefined;
  if (
    !d ||
    typeof d !== 'object' ||
    typeof d.status !== 'number' ||
    !d.headers ||
    typeof d.headers !== 'object'
  ) {
    return invalid(`Invalid JSON value for DETAIL: '${err.detail}'`, detailHint);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.headers as Record<string, unknown>)) headers[k] = String(v);
  return new ApiError(
    d.status,
    {
      code: m.code,
      message: m.message,
      details: typeof m.details === 'string' ? m.details : null,
      hint: typeof m.hint === 'string' ? m.hint : null,
    },
    headers,
  );
}

/** The response for an error thrown while talking to PostgreSQL. */
export function fromDatabaseError(err: unknown, authed: boolean): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DatabaseError && err.code) {
    if (err.code === 'PGRST') return raisePgrst(err);
    const status = statusForSqlState(err.code, err.message, authed);
    return error(
      status,
      err.code,
      err.message,
      err.detail ?? null,
      err.hint ?? null,
      authenticateHeader(status),
    );
  }
  // No SQLSTATE: the connection itself failed (refused, terminated, timed out).
  const message = err instanceof Error ? err.message : String(err);
  return error(503, 'PGRST001', 'Database client error. Retrying the connection.', message);
}

/** PGRST000: no connection to the database could be made. */
export function connectionError(err: unknown): ApiError {
  const message = err instanceof Error ? err.message : String(err);
  return error(503, 'PGRST000', 'Database connection error. Retrying the connection.', message);
}

/** PGRST002: the schema cache (here: the function's signature) could not be read. */
export function schemaCacheError(): ApiError {
  return error(503, 'PGRST002', 'Could not query the database for the schema cache. Retrying.');
}

export function invalidBody(details: string | null = null): ApiError {
  return error(400, 'PGRST102', 'Empty or invalid json', details);
}

export function payloadTooLarge(limit: number): ApiError {
  return error(
    413,
    'PGRST102',
    'Request body too large',
    `The local stand-in accepts at most ${limit} bytes`,
  );
}

export function unsupportedContentType(contentType: string): ApiError {
  return error(
    415,
    'PGRST107',
    `Content-Type not acceptable: ${contentType}`,
    'The local PostgREST stand-in takes RPC arguments as application/json only',
  );
}

export function invalidRpcMethod(method: string): ApiError {
  return error(405, 'PGRST101', `Cannot use the ${method} method on RPC`);
}

export function unsupportedMethod(method: string): ApiError {
  return error(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
}

export function unacceptableSchema(schema: string, exposed: string[]): ApiError {
  return error(
    406,
    'PGRST106',
    `Invalid schema: ${schema}`,
    null,
    `Only the following schemas are exposed: ${exposed.join(', ')}`,
  );
}

export function invalidResourcePath(): ApiError {
  return error(
    404,
    'PGRST125',
    'Invalid path specified in request URL',
    'The local PostgREST stand-in serves only /rest/v1/rpc/{function} (POST, GET, HEAD)',
  );
}

export function openApiDisabled(): ApiError {
  return error(404, 'PGRST126', 'Root endpoint metadata is disabled');
}

/** PGRST202: no function of that name takes exactly these (named) arguments. */
export function noRpc(schema: string, name: string, keys: string[], hint: string | null): ApiError {
  const func = `${schema}.${name}`;
  const sorted = [...keys].sort();
  const list = sorted.join(', ');
  const message = `Could not find the function ${func}${sorted.length ? `(${list})` : ' without parameters'} in the schema cache`;
  const params = sorted.length
    ? ` with parameter${sorted.length > 1 ? 's' : ''} ${list}`
    : ' without parameters';
  const details = `Searched for the function ${func}${params} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`;
  return error(404, 'PGRST202', message, details, hint);
}

/** PGRST203: overloads PostgREST cannot choose between. */
export function ambiguousRpc(candidates: string[]): ApiError {
  return error(
    300,
    'PGRST203',
    `Could not choose the best candidate function between: ${candidates.join(', ')}`,
    null,
    'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
  );
}

/** JWT errors (PGRST30x), as PostgREST 13. */
export function jwtDecodeError(message: string, details: string | null = null): ApiError {
  return error(401, 'PGRST301', message, details, null, authenticateHeader(401, message));
}

export function jwtClaimsError(message: string): ApiError {
  return error(401, 'PGRST303', message, null, null, authenticateHeader(401, message));
}

export function jwtRequired(): ApiError {
  return error(401, 'PGRST302', 'Anonymous access is disabled', null, null, authenticateHeader(401));
}

/** A response no route of this server produces (outside /rest/v1): the API gateway's answer. */
export const GATEWAY_NOT_FOUND = { message: 'no Route matched with those values' };
