/**
 * A JWKS endpoint for tests (node:http), with keys made by jose: serve a key set, swap it (rotation), make it
 * fail (status 500, or a closed port), and count the fetches.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function makeKey(alg: 'RS256' | 'ES256', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

/** A JWT signed with `key` (its kid in the header); `exp` 10 minutes ahead unless the claims set one. */
export function signWith(key: TestKey, claims: JWTPayload, header: { kid?: string | null } = {}) {
  const kid = header.kid === null ? undefined : (header.kid ?? key.kid);
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: 'JWT', ...(kid ? { kid } : {}) });
  if (claims.iat === undefined) jwt.setIssuedAt();
  if (claims.exp === undefined) jwt.setExpirationTime('10m');
  return jwt.sign(key.privateKey);
}

export interface JwksServer {
  url: string;
  /** Fetches served so far (any status). */
  readonly fetches: number;
  setKeys(keys: TestKey[]): void;
  /** While set, every fetch answers this status with no key set. */
  failWith(status: number | null): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: TestKey[]): Promise<JwksServer> {
  let current = keys;
  let failure: number | null = null;
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    if (failure !== null) {
      res.writeHead(failure, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: current.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    setKeys(next) {
      current = next;
    },
    failWith(status) {
      failure = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
