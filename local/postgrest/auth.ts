/**
 * Request authentication as Supabase's gateway + PostgREST do it: the `apikey` header and the
 * `Authorization: Bearer` JWT are verified with the project's JWT secret (HS256/384/512); the token's `role`
 * claim (default: the anonymous role) becomes the database role of the call. Claims are checked as PostgREST's
 * Auth/Jwt.hs does (exp, nbf, iat with a 30 s skew; aud only for its type).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { compactVerify } from 'jose';
import { ApiError, jwtClaimsError, jwtDecodeError, jwtRequired } from './errors';

export interface AuthResult {
  /** Database role of the request. */
  role: string;
  /** The JWT's claims with `role` set, as PostgREST puts them in `request.jwt.claims`. */
  claims: Record<string, unknown>;
  /** Not the anonymous role (PostgREST: 42501 is then 403 instead of 401). */
  authed: boolean;
}

const ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const ALLOWED_SKEW_SECONDS = 30;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Verifies one token; its claims, or the PostgREST error for it. */
export async function verifyJwt(
  token: string,
  key: Uint8Array,
  now: number = Date.now() / 1000,
): Promise<Record<string, unknown> | ApiError> {
  if (token === '') return jwtDecodeError('Empty JWT is sent in Authorization header');
  const parts = token.split('.').length;
  if (parts !== 3) return jwtDecodeError(`Expected 3 parts in JWT; got ${parts}`);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, key, { algorithms: ALGORITHMS }));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_JOSE_ALG_NOT_ALLOWED' || code === 'ERR_JOSE_NOT_SUPPORTED') {
      return jwtDecodeError('Wrong or unsupported encoding algorithm', (err as Error).message);
    }
    return jwtDecodeError('JWT cryptographic operation failed');
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    claims = undefined;
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) {
    return jwtClaimsError('Parsing claims failed');
  }
  const c = claims as Record<string, unknown>;
  const checks: [string, (t: number) => boolean, string][] = [
    ['exp', (t) => now - ALLOWED_SKEW_SECONDS > t, 'JWT expired'],
    ['nbf', (t) => now + ALLOWED_SKEW_SECONDS < t, 'JWT not yet valid'],
    ['iat', (t) => now + ALLOWED_SKEW_SECONDS < t, 'JWT issued at future'],
  ];
  for (const [name, failed, message] of checks) {
    const value = c[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number') return jwtClaimsError(`The JWT '${name}' claim must be a number`);
    if (failed(Math.floor(value))) return jwtClaimsError(message);
  }
  const aud = c.aud;
  if (
    aud !== undefined &&
    aud !== null &&
    typeof aud !== 'string' &&
    !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))
  ) {
    return jwtClaimsError("The JWT 'aud' claim must be a string or an array of strings");
  }
  return c;
}

/**
 * Authenticates a request. The bearer token decides the role; without one, the `apikey` (Supabase's
 * gateway lets the key stand for the token). A present `apikey` must verify too. Neither: PGRST302.
 */
export async function authenticate(
  headers: IncomingHttpHeaders,
  key: Uint8Array,
  anonRole: string,
): Promise<AuthResult | ApiError> {
  const authorization = header(headers, 'authorization');
  const bearer = authorization?.match(/^bearer(?:\s+(.*))?$/i);
  const bearerToken = bearer ? (bearer[1] ?? '').trim() : undefined;
  const apikey = header(headers, 'apikey');

  let claims: Record<string, unknown> | undefined;
  if (apikey !== undefined) {
    const verified = await verifyJwt(apikey.trim(), key);
    if (verified instanceof ApiError) return verified;
    claims = verified;
  }
  if (bearerToken !== undefined) {
    const verified = await verifyJwt(bearerToken, key);
    if (verified instanceof ApiError) return verified;
    claims = verified;
  }
  if (!claims) return jwtRequired();

  const roleClaim = claims.role;
  const role =
    roleClaim === undefined || roleClaim === null
      ? anonRole
      : typeof roleClaim === 'string'
        ? roleClaim
        : JSON.stringify(roleClaim);
  return { role, claims: { ...claims, role }, authed: role !== anonRole };
}
