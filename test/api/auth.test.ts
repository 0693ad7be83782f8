/**
 * The authenticator on its own: HS256 with the shared secret, RS256/ES256 from a JWKS served by an in-test
 * node:http server (keys made by jose), key rotation and its cooldown, exp/nbf with the clock skew,
 * audience/issuer, algorithm confusion, service_role, and a JWKS that cannot be fetched (503, not 401).
 * No reason ever contains the token or a piece of it.
 */
import { exportSPKI, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthConfig, CLOCK_SKEW_SECONDS, createAuthenticator } from '../../functions/artifactsApi/auth';
import { HttpProblem } from '../../functions/artifactsApi/problem';
import { isTransient } from '../../shared/domain/errors';
import { type JwksServer, makeKey, signWith, startJwksServer, type TestKey } from './support/jwks-server';

const SECRET = 'a-test-secret-of-at-least-thirty-two-characters';
const now = () => Math.floor(Date.now() / 1000);
const user = (tenant = 'tenant-a', extra: JWTPayload = {}): JWTPayload => ({
  sub: 'user-1',
  role: 'authenticated',
  app_metadata: { tenant_id: tenant },
  ...extra,
});

function hs256(claims: JWTPayload, secret = SECRET, exp: number | null = now() + 600) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (exp !== null && claims.exp === undefined) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Expects a refusal of `kind` whose message matches `reason` and contains no part of `token`. */
async function refused(
  promise: Promise<unknown>,
  token: string,
  kind: 'unauthorized' | 'bad_request',
  reason: RegExp,
) {
  const err = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpProblem);
  expect((err as HttpProblem).kind).toBe(kind);
  expect((err as HttpProblem).message).toMatch(reason);
  for (const part of token.split('.').filter((p) => p.length >= 8)) {
    expect((err as HttpProblem).message).not.toContain(part);
  }
}

let rsa: TestKey;
let ec: TestKey;
let jwks: JwksServer;

beforeAll(async () => {
  [rsa, ec] = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1')]);
  jwks = await startJwksServer([rsa, ec]);
});
afterAll(async () => {
  await jwks?.close();
});

const base: AuthConfig = { jwtSecret: SECRET, tenantClaim: 'app_metadata.tenant_id' };

describe('HS256 with the shared secret', () => {
  const auth = createAuthenticator(base);

  it('accepts a valid token and reads the tenant from the claim path', async () => {
    const token = await hs256(user('tenant-a'));
    await expect(auth(`Bearer ${token}`, undefined)).resolves.toEqual({
      tenant_id: 'tenant-a',
      subject: 'user-1',
      role: 'authenticated',
    });
    // The scheme is case-insensitive (RFC 9110).
    await expect(auth(`bearer ${token}`, undefined)).resolves.toMatchObject({ tenant_id: 'tenant-a' });
  });

  it('reads the tenant at any configured claim path', async () => {
    const custom = createAuthenticator({ ...base, tenantClaim: 'org.tenant' });
    const token = await hs256({ sub: 'u', org: { tenant: 'tenant-x' } });
    await expect(custom(`Bearer ${token}`, undefined)).resolves.toMatchObject({ tenant_id: 'tenant-x' });
  });

  it('refuses a missing, malformed or non-bearer Authorization', async () => {
    await refused(auth(undefined, undefined), '', 'unauthorized', /missing Authorization/);
    await refused(auth('Bearer', undefined), '', 'unauthorized', /Bearer <JWT>/);
    await refused(auth('Bearer not-a-jwt', undefined), 'not-a-jwt', 'unauthorized', /Bearer <JWT>/);
    const token = await hs256(user());
    await refused(auth(`Basic ${token}`, undefined), token, 'unauthorized', /Bearer <JWT>/);
    await refused(auth(`Bearer ${'a'.repeat(20_000)}.b.c`, undefined), '', 'unauthorized', /too large/);
    await refused(auth('Bearer e30.e30.', undefined), '', 'unauthorized', /tokens are not accepted/);
  });

  it('refuses a bad signature', async () => {
    const token = await hs256(user(), 'another-secret-of-at-least-thirty-two-chars');
    await refused(auth(`Bearer ${token}`, undefined), token, 'unauthorized', /signature is invalid/);
  });

  it('refuses a token with a changed payload', async () => {
    const token = await hs256(user('tenant-a'));
    const [h, , s] = token.split('.');
    const forged = `${h}.${b64url(user('tenant-b', { exp: now() + 600 }))}.${s}`;
    await refused(auth(`Bearer ${forged}`, undefined), forged, 'unauthorized', /signature is invalid/);
  });

  it(`allows ${CLOCK_SKEW_SECONDS} s of clock skew on exp and nbf, no more`, async () => {
    const ok = [
      await hs256(user(), SECRET, now() - (CLOCK_SKEW_SECONDS - 10)),
      await hs256(user('tenant-a', { nbf: now() + CLOCK_SKEW_SECONDS - 10 })),
    ];
    for (const token of ok) await expect(auth(`Bearer ${token}`, undefined)).resolves.toBeTruthy();
    const expired = await hs256(user(), SECRET, now() - (CLOCK_SKEW_SECONDS + 10));
    await refused(auth(`Bearer ${expired}`, undefined), expired, 'unauthorized', /^token expired$/);
    const early = await hs256(user('tenant-a', { nbf: now() + CLOCK_SKEW_SECONDS + 10 }));
    await refused(auth(`Bearer ${early}`, undefined), early, 'unauthorized', /not yet valid/);
  });

  it('requires exp', async () => {
    const token = await hs256(user(), SECRET, null);
    await refused(auth(`Bearer ${token}`, undefined), token, 'unauthorized', /no "exp" claim/);
  });

  it('checks audience and issuer when configured', async () => {
    const strict = createAuthenticator({ ...base, audience: 'authenticated', issuer: 'https://issuer.test' });
    const good = await hs256(user('tenant-a', { aud: 'authenticated', iss: 'https://issuer.test' }));
    await expect(strict(`Bearer ${good}`, undefined)).resolves.toMatchObject({ tenant_id: 'tenant-a' });
    const cases: Array<[JWTPayload, RegExp]> = [
      [{ aud: 'other', iss: 'https://issuer.test' }, /"aud" is not accepted/],
      [{ iss: 'https://issuer.test' }, /no "aud" claim/],
      [{ aud: 'authenticated', iss: 'https://evil.test' }, /"iss" is not accepted/],
    ];
    for (const [claims, reason] of cases) {
      const token = await hs256(user('tenant-a', claims));
      await refused(strict(`Bearer ${token}`, undefined), token, 'unauthorized', reason);
    }
  });

  it('refuses alg none, whatever the payload', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(user('tenant-a', { exp: now() + 600 }))}.`;
    await refused(auth(`Bearer ${token}`, undefined), token, 'unauthorized', /^none tokens are not accepted/);
  });

  it('refuses asymmetric tokens when no JWKS is configured', async () => {
    const token = await signWith(rsa, user());
    await refused(
      auth(`Bearer ${token}`, undefined),
      token,
      'unauthorized',
      /^RS256 tokens are not accepted/,
    );
  });
});

describe('roles', () => {
  const auth = createAuthenticator(base);

  it('lets a service_role token act for the tenant it names, and only then', async () => {
    const token = await hs256({ role: 'service_role', iss: 'supabase' });
    await expect(auth(`Bearer ${token}`, 'tenant-b')).resolves.toEqual({
      tenant_id: 'tenant-b',
      subject: null,
      role: 'service_role',
    });
    await refused(auth(`Bearer ${token}`, undefined), token, 'bad_request', /must name the tenant/);
    await refused(auth(`Bearer ${token}`, '../etc'), token, 'bad_request', /not a valid tenant id/);
  });

  it('refuses tenant_id from any other token', async () => {
    const token = await hs256(user('tenant-a'));
    await refused(
      auth(`Bearer ${token}`, 'tenant-b'),
      token,
      'bad_request',
      /only be given with a service_role/,
    );
    await refused(
      auth(`Bearer ${token}`, 'tenant-a'),
      token,
      'bad_request',
      /only be given with a service_role/,
    );
  });

  it('refuses anon tokens and tokens without a valid tenant claim', async () => {
    const anon = await hs256({ role: 'anon', app_metadata: { tenant_id: 'tenant-a' } });
    await refused(auth(`Bearer ${anon}`, undefined), anon, 'unauthorized', /anon tokens are not accepted/);
    for (const claims of [{ sub: 'u' }, user('../x'), { app_metadata: { tenant_id: 42 } }]) {
      const token = await hs256(claims);
      await refused(auth(`Bearer ${token}`, undefined), token, 'unauthorized', /no valid tenant claim/);
    }
  });
});

describe('RS256/ES256 from a JWKS', () => {
  it('accepts tokens signed by any key of the set', async () => {
    const auth = createAuthenticator({ ...base, jwksUrl: jwks.url });
    for (const key of [rsa, ec]) {
      const token = await signWith(key, user('tenant-j'));
      await expect(auth(`Bearer ${token}`, undefined)).resolves.toMatchObject({ tenant_id: 'tenant-j' });
    }
    // HS256 still works beside it.
    await expect(auth(`Bearer ${await hs256(user())}`, undefined)).resolves.toBeTruthy();
  });

  it('refuses a token signed by a key not in the set, and a kid that is not there', async () => {
    const auth = createAuthenticator({ ...base, jwksUrl: jwks.url });
    const stranger = await makeKey('RS256', 'rsa-1'); // same kid, other key
    const forged = await signWith(stranger, user());
    await refused(auth(`Bearer ${forged}`, undefined), forged, 'unauthorized', /signature is invalid/);
    const unknown = await signWith(await makeKey('ES256', 'nobody'), user());
    await refused(auth(`Bearer ${unknown}`, undefined), unknown, 'unauthorized', /no key matches/);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    for (const config of [
      { jwksUrl: jwks.url, tenantClaim: base.tenantClaim },
      { ...base, jwksUrl: jwks.url },
    ]) {
      const auth = createAuthenticator(config);
      const token = await hs256(user(), pem);
      await refused(
        auth(`Bearer ${token}`, undefined),
        token,
        'unauthorized',
        config.jwtSecret ? /signature is invalid/ : /^HS256 tokens are not accepted/,
      );
    }
  });

  it('picks up a rotated key set on an unknown kid, at most once per cooldown', async () => {
    const server = await startJwksServer([rsa]);
    try {
      const slow = createAuthenticator({ ...base, jwksUrl: server.url, jwks: { cooldownMs: 60_000 } });
      const fast = createAuthenticator({ ...base, jwksUrl: server.url, jwks: { cooldownMs: 0 } });
      const old = await signWith(rsa, user('tenant-r'));
      await expect(slow(`Bearer ${old}`, undefined)).resolves.toBeTruthy();
      await expect(fast(`Bearer ${old}`, undefined)).resolves.toBeTruthy();
      expect(server.fetches).toBe(2);

      const next = await makeKey('ES256', 'ec-2');
      server.setKeys([next]);
      const rotated = await signWith(next, user('tenant-r'));
      // Inside the cooldown: no refetch, the new kid is unknown.
      await refused(slow(`Bearer ${rotated}`, undefined), rotated, 'unauthorized', /no key matches/);
      expect(server.fetches).toBe(2);
      // Past it: one refetch, and the new key verifies.
      await expect(fast(`Bearer ${rotated}`, undefined)).resolves.toMatchObject({ tenant_id: 'tenant-r' });
      expect(server.fetches).toBe(3);
      await expect(fast(`Bearer ${rotated}`, undefined)).resolves.toBeTruthy();
      expect(server.fetches).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('answers 503 (a TransientError), not 401, when the JWKS cannot be fetched', async () => {
    const server = await startJwksServer([rsa]);
    const token = await signWith(rsa, user());
    server.failWith(500);
    const failing = createAuthenticator({ ...base, jwksUrl: server.url });
    const err = await failing(`Bearer ${token}`, undefined).catch((e: unknown) => e);
    expect(isTransient(err)).toBe(true);
    expect((err as Error).message).toMatch(/JWKS could not be fetched/);
    expect((err as Error).message).not.toContain(token.split('.')[2]);
    await server.close();
    const gone = createAuthenticator({ ...base, jwksUrl: server.url });
    expect(isTransient(await gone(`Bearer ${token}`, undefined).catch((e: unknown) => e))).toBe(true);
    // HS256 tokens do not need the JWKS and keep working.
    await expect(gone(`Bearer ${await hs256(user())}`, undefined)).resolves.toBeTruthy();
  });
});
