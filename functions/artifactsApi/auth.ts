/**
 * Authentication (docs/design.md, "API"): `Authorization: Bearer <JWT>`, HS256 with SUPABASE_JWT_SECRET and/or RS256/ES256
 * with the keys of the JWKS at AUTH_JWKS_URL. The tenant is the claim at TENANT_CLAIM; a `service_role` token
 * names it with `?tenant_id=` (400 without it), and no other token may name one.
 *
 * - The algorithm is chosen by the key source, never by the token: HS256 only with the shared secret,
 *   RS256/ES256 only with JWKS keys, so neither `alg: none` nor HS256 signed with a public key gets through.
 * - `exp` is required; `exp`/`nbf` are checked with CLOCK_SKEW_SECONDS of tolerance; `aud`/`iss` when
 *   AUTH_AUDIENCE/AUTH_ISSUER are set (then for every token, service_role included).
 * - The JWKS is fetched on first use, cached (JWKS_DEFAULTS.cacheMaxAgeMs), and refetched when a token names
 *   an unknown `kid` (at most once per cooldown), so a key rotation needs no restart.
 * - A token that fails is a 401 whose reason never echoes the token. A JWKS that cannot be fetched is our
 *   problem, not the caller's: a TransientError, answered 503.
 */
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { TransientError } from '../../shared/domain/errors';
import { TENANT_ID_RE } from '../../shared/domain/names';
import { HttpProblem } from './problem';

export interface JwksOptions {
  /** Shortest time between two fetches caused by unknown `kid`s (ms). */
  cooldownMs: number;
  /** Age after which the cached key set is refetched before use (ms). */
  cacheMaxAgeMs: number;
  /** Timeout of one fetch (ms). */
  timeoutMs: number;
}

export interface AuthConfig {
  jwtSecret?: string | undefined;
  jwksUrl?: string | undefined;
  tenantClaim: string;
  audience?: string | undefined;
  issuer?: string | undefined;
  jwks?: Partial<JwksOptions>;
}

export interface Principal {
  tenant_id: string;
  subject: string | null;
  role: string | null;
}

export type Authenticator = (
  authorization: string | undefined,
  tenantParam: string | undefined,
) => Promise<Principal>;

/** Allowed clock difference for `exp` and `nbf`. */
export const CLOCK_SKEW_SECONDS = 30;

/**
 * A rotation is picked up by the first token signed with the new key, unless a refetch happened less than
 * `cooldownMs` ago; the cooldown caps what a stream of tokens with made-up `kid`s can make us fetch.
 */
export const JWKS_DEFAULTS: JwksOptions = {
  cooldownMs: 10_000,
  cacheMaxAgeMs: 10 * 60_000,
  timeoutMs: 3_000,
};

const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'];
/** Longer than any real access token; refused before any parsing. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const BEARER_RE = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*) *$/i;

const unauthorized = (reason: string) => new HttpProblem('unauthorized', reason);

/** Raised by the JWKS key source when the key set itself could not be had (network, status, JSON). */
class KeySetUnavailable extends Error {}

/** The value at a dot path of claims, e.g. `app_metadata.tenant_id`. */
export function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function createAuthenticator(config: AuthConfig): Authenticator {
  const secret = config.jwtSecret ? new TextEncoder().encode(config.jwtSecret) : null;
  const jwksOptions = { ...JWKS_DEFAULTS, ...config.jwks };
  const remote = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl), {
        cooldownDuration: jwksOptions.cooldownMs,
        cacheMaxAge: jwksOptions.cacheMaxAgeMs,
        timeoutDuration: jwksOptions.timeoutMs,
      })
    : null;
  // Separates "the token names no key we have" (the caller's problem) from "we could not get the keys".
  const jwks: JWTVerifyGetKey | null = remote
    ? async (header, token) => {
        try {
          return await remote(header, token);
        } catch (err) {
          if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
            throw err;
          throw new KeySetUnavailable('the JWKS could not be fetched', { cause: err });
        }
      }
    : null;
  const options = {
    clockTolerance: CLOCK_SKEW_SECONDS,
    requiredClaims: ['exp'],
    ...(config.audience ? { audience: config.audience } : {}),
    ...(config.issuer ? { issuer: config.issuer } : {}),
  };

  const verify = async (token: string): Promise<JWTPayload> => {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthorized('malformed token');
    }
    try {
      if (alg === 'HS256' && secret) {
        return (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
      }
      if (typeof alg === 'string' && ASYMMETRIC_ALGORITHMS.includes(alg) && jwks) {
        return (await jwtVerify(token, jwks, { ...options, algorithms: ASYMMETRIC_ALGORITHMS })).payload;
      }
    } catch (err) {
      if (err instanceof KeySetUnavailable) {
        const cause = (err.cause as Error | undefined)?.message ?? 'unknown error';
        throw new TransientError(`token keys unavailable: the JWKS could not be fetched (${cause})`, err);
      }
      throw unauthorized(reasonOf(err));
    }
    const named = typeof alg === 'string' && /^[A-Za-z0-9]{1,16}$/.test(alg) ? `${alg} ` : '';
    throw unauthorized(`${named}tokens are not accepted here`);
  };

  return async (authorization, tenantParam) => {
    if (!authorization) throw unauthorized('missing Authorization: Bearer token');
    if (authorization.length > MAX_TOKEN_LENGTH) throw unauthorized('Authorization header too large');
    const match = BEARER_RE.exec(authorization.trim());
    if (!match) throw unauthorized('Authorization must be "Bearer <JWT>"');
    const payload = await verify(match[1]!);
    const role = typeof payload.role === 'string' ? payload.role : null;
    const subject = typeof payload.sub === 'string' ? payload.sub : null;
    if (role === 'anon') throw unauthorized('anon tokens are not accepted; sign in');
    if (role === 'service_role') {
      if (tenantParam === undefined)
        throw new HttpProblem('bad_request', 'a service_role token must name the tenant with ?tenant_id=');
      if (!TENANT_ID_RE.test(tenantParam))
        throw new HttpProblem('bad_request', 'tenant_id is not a valid tenant id');
      return { tenant_id: tenantParam, subject, role };
    }
    const tenant = claimAt(payload, config.tenantClaim);
    if (typeof tenant !== 'string' || !TENANT_ID_RE.test(tenant)) {
      throw unauthorized(`token has no valid tenant claim at ${config.tenantClaim}`);
    }
    if (tenantParam !== undefined) {
      throw new HttpProblem('bad_request', 'tenant_id may only be given with a service_role token');
    }
    return { tenant_id: tenant, subject, role };
  };
}

/** Why a token was refused, in words that never contain the token or anything taken from it. */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'token not yet valid';
    return err.reason === 'missing'
      ? `token has no "${err.claim}" claim`
      : `token claim "${err.claim}" is not accepted`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key matches the token';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'malformed token';
  return 'token could not be verified';
}
