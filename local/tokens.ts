/**
 * Dev-only JWT helpers (local stack, tests): HS256 tokens signed with a shared secret, as Supabase's API
 * gateway and PostgREST accept them. Never used by production code, which only receives its keys.
 */
import { type JWTPayload, SignJWT } from 'jose';

/** The Supabase CLI's well-known local JWT secret (public; local development only). */
export const LOCAL_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

/** Expiry of the Supabase CLI's demo keys (2032-11-12), kept so the local keys are the well-known ones. */
const DEMO_KEY_EXP = 1983812996;

export interface MintOptions {
  /** jose time span, e.g. '1h', '15m', '-10m' (already expired). Without it, `claims.exp` (if any) stays. */
  expiresIn?: string;
}

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** An HS256 JWT with `claims`, `iat` = now (unless given) and, with `expiresIn`, `exp` relative to now. */
export async function mintJwt(
  claims: JWTPayload,
  secret: string,
  options: MintOptions = {},
): Promise<string> {
  const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' });
  if (claims.iat === undefined) jwt.setIssuedAt();
  if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
  return jwt.sign(keyOf(secret));
}

/**
 * A long-lived key with the claims of Supabase's demo keys (`{iss: 'supabase-demo', role, exp}`, no `iat`):
 * with LOCAL_JWT_SECRET it is byte for byte the key `supabase start` prints.
 */
function demoKey(role: string, secret: string): Promise<string> {
  return new SignJWT({ iss: 'supabase-demo', role, exp: DEMO_KEY_EXP })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(keyOf(secret));
}

/** The service role key (role `service_role`: bypasses row level security, may execute the store's functions). */
export function localServiceRoleKey(secret: string = LOCAL_JWT_SECRET): Promise<string> {
  return demoKey('service_role', secret);
}

/** The anon key (role `anon`: what a browser holds; may not execute the store's functions). */
export function localAnonKey(secret: string = LOCAL_JWT_SECRET): Promise<string> {
  return demoKey('anon', secret);
}
