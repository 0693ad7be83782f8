/**
 * An HTTP proxy that fails a share of requests with 503, half of them before forwarding (the request never
 * reached the service) and half after (the service did the work, the caller is told it failed), from a
 * seeded random sequence so a failing run can be replayed (the seed is printed).
 */
import { createServer, request as httpRequest } from 'node:http';
import { freePort } from '../../../local/net';

export interface FlakyProxy {
  url: string;
  seed: number;
  counts: { forwarded: number; failedBefore: number; failedAfter: number };
  /** Stop failing (everything is forwarded). */
  heal(): void;
  /** Where requests go (may be set after start, once the service's address is known). */
  setTarget(url: string): void;
  close(): Promise<void>;
}

/** mulberry32: a small seeded PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFlakyProxy(failureRate: number, seed = Date.now() % 1e9): Promise<FlakyProxy> {
  const next = random(seed);
  const counts = { forwarded: 0, failedBefore: 0, failedAfter: 0 };
  let healed = false;
  let base = new URL('http://127.0.0.1:9');
  const fail = (res: import('node:http').ServerResponse) => {
    const body = JSON.stringify({
      error: { code: 503, message: 'injected fault', errors: [{ reason: 'backendError' }] },
    });
    res
      .writeHead(503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      .end(body);
  };
  const server = createServer((req, res) => {
    const roll = healed ? 1 : next();
    const failBefore = roll < failureRate / 2;
    const failAfter = !failBefore && roll < failureRate;
    if (failBefore) {
      counts.failedBefore++;
      req.resume();
      req.on('end', () => fail(res));
      return;
    }
    const upstream = httpRequest(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (failAfter) {
          counts.failedAfter++;
          answer.resume();
          answer.on('end', () => fail(res));
          return;
        }
        counts.forwarded++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    seed,
    counts,
    heal: () => {
      healed = true;
    },
    setTarget: (url) => {
      base = new URL(url);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
