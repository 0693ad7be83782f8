/**
 * CORS for the origins listed in CORS_ORIGINS (comma-separated, exact match after normalization, e.g.
 * `https://app.example.com,http://localhost:5173`). An allowed origin gets `Access-Control-Allow-Origin`
 * (its own value, never `*`) and the exposed headers; any other origin gets no CORS header at all, so the
 * browser keeps the response from it. `*` is refused by the configuration: the API carries tenant data and an
 * explicit list costs nothing. Credentials (cookies) are never allowed: the API authenticates with a bearer
 * token only.
 *
 * Preflights (`OPTIONS` with `Access-Control-Request-Method`) are answered here, without authentication,
 * allowing the methods the path has in the route table (GET, HEAD, DELETE, PUT for aliases).
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { normalizeOrigin } from '../../shared/platform/origins';

/** Content-Type: a JSON body (`PUT .../aliases/{alias}`) is not a CORS-safelisted request. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'If-None-Match', 'X-Request-Id'];
export const CORS_EXPOSED_HEADERS = ['ETag', 'X-Request-Id'];
/** How long a browser may cache a preflight answer (Chromium caps it at 7200). */
export const CORS_MAX_AGE_SECONDS = 7200;

export interface CorsPolicy {
  /** True when CORS is configured at all (then every response varies by Origin). */
  readonly enabled: boolean;
  allows(origin: string | undefined): origin is string;
}

/** The origins of a CORS_ORIGINS value; throws naming the first entry that is not an origin. */
export function parseCorsOrigins(value: string): string[] {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    const origin = normalizeOrigin(entry);
    if (!origin)
      throw new Error(`CORS_ORIGINS: ${JSON.stringify(entry)} is not an origin (scheme://host[:port])`);
    return origin;
  });
}

export function createCorsPolicy(origins: string[]): CorsPolicy {
  const allowed = new Set(origins);
  return {
    enabled: allowed.size > 0,
    allows: (origin): origin is string => origin !== undefined && allowed.has(origin),
  };
}

/** The CORS headers of an ordinary (non-preflight) response. */
export function applyCors(policy: CorsPolicy, req: Request, res: Response): void {
  if (!policy.enabled) return;
  res.vary('Origin');
  const origin = req.header('origin');
  if (!policy.allows(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS.join(', '));
}

export function isPreflight(req: Request): boolean {
  return req.method === 'OPTIONS' && req.header('access-control-request-method') !== undefined;
}

/** Answers an OPTIONS request to a path that has `methods`: 204, with the preflight headers when allowed. */
export function answerOptions(policy: CorsPolicy, req: Request, res: Response, methods: string[]): void {
  res.setHeader('Allow', [...methods, 'OPTIONS'].join(', '));
  if (policy.enabled) res.vary('Access-Control-Request-Method').vary('Access-Control-Request-Headers');
  const origin = req.header('origin');
  if (isPreflight(req) && policy.allows(origin)) {
    res.setHeader('Access-Control-Allow-Methods', methods.join(', '));
    res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS.join(', '));
    res.setHeader('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
    res.removeHeader('Access-Control-Expose-Headers');
  }
  res.status(204).end();
}
