/**
 * Authentication (DESIGN 5): `Authorization: Bearer <JWT>`, HS256 with SUPABASE_JWT_SECRET and/or
 * RS256/ES256 from the JWKS at AUTH_JWKS_URL (cached by jose, refetched on an unknown `kid`). The tenant is
 * the claim at TENANT_CLAIM; a `service_role` token names it with `?tenant_id=`. Every failure is a 401 with
 * a reason that never echoes the token.
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { TENANT_ID_RE } from '../../shared/paths';
import { HttpProblem } from './problem';

export interface AuthConfig {
  jwtSecret?: string | undefined;
  jwksUrl?: string | undefined;
  tenantClaim: string;
  audience?: string | undefined;
  issuer?: string | undefined;
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

const unauthorized = (reason: string) => new HttpProblem('unauthorized', reason);

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
  const jwks = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : null;
  const options = {
    clockTolerance: CLOCK_SKEW_SECONDS,
    ...(config.audience ? { audience: config.audience } : {}),
    ...(config.issuer ? { issuer: config.issuer } : {}),
  };

  const verify = async (token: string): Promise<JWTPayload> => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthorized('malformed token');
    }
    try {
      if (alg === 'HS256' && secret)
        return (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
      if ((alg === 'RS256' || alg === 'ES256') && jwks) {
        return (await jwtVerify(token, jwks, { ...options, algorithms: ['RS256', 'ES256'] })).payload;
      }
    } catch (err) {
      throw unauthorized(reasonOf(err));
    }
    throw unauthorized(`tokens signed with ${alg ?? 'no algorithm'} are not accepted`);
  };

  return async (authorization, tenantParam) => {
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(
      authorization?.trim() ?? '',
    );
    if (!authorization) throw unauthorized('missing Authorization: Bearer token');
    if (!match) throw unauthorized('Authorization must be "Bearer <JWT>"');
    const payload = await verify(match[1]!);
    const role = typeof payload.role === 'string' ? payload.role : null;
    const subject = typeof payload.sub === 'string' ? payload.sub : null;
    if (role === 'service_role') {
      if (!tenantParam)
        throw new HttpProblem('bad_request', 'a service_role token must name the tenant with ?tenant_id=');
      if (!TENANT_ID_RE.test(tenantParam))
        throw new HttpProblem('bad_request', 'tenant_id is not a valid tenant id');
      return { tenant_id: tenantParam, subject, role };
    }
    const tenant = claimAt(payload, config.tenantClaim);
    if (typeof tenant !== 'string' || !TENANT_ID_RE.test(tenant)) {
      throw unauthorized(`token has no valid tenant claim at ${config.tenantClaim}`);
    }
    return { tenant_id: tenant, subject, role };
  };
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim "${err.claim}" is not acceptable`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key matches the token';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError)
    return 'token could not be verified';
  return 'token could not be verified';
}
