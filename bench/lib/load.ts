/**
 * Load generation: closed-loop workers (each starts its next operation when the previous one ends) for a
 * fixed time, and the two operations every benchmark is made of: a Pub/Sub push (retried on 5xx, 429 and
 * connection errors, as a push subscription redelivers) and an authenticated GET whose body is read whole.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Storage } from '@google-cloud/storage';
import { pushBody, storeRequest, TENANT } from './artifact';
import type { System } from './systems';

export interface LoopResult {
  /** From the first start to the last operation's end, ms. */
  elapsedMs: number;
  ops: number;
  errors: number;
  /** The first few error messages. */
  errorSamples: string[];
}

/**
 * Runs `concurrency` workers; each repeats `op` until `seconds` have passed since the start (an operation
 * under way then still finishes and counts).
 */
export async function closedLoop(
  concurrency: number,
  seconds: number,
  op: (worker: number) => Promise<void>,
): Promise<LoopResult> {
  const started = performance.now();
  const end = started + seconds * 1000;
  let ops = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < end) {
        try {
          await op(worker);
          ops++;
        } catch (err) {
          errors++;
          if (errorSamples.length < 3) errorSamples.push(String((err as Error).message ?? err).slice(0, 300));
        }
      }
    }),
  );
  return { elapsedMs: performance.now() - started, ops, errors, errorSamples };
}

/** POSTs a push body until it is acknowledged (2xx); resolves with performance.now() of the 2xx. */
export async function push(url: string, body: string, attempts = 10): Promise<number> {
  let last = '';
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(Math.min(2000, 100 * 2 ** (attempt - 1)));
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      if (res.ok) return performance.now();
      last = `HTTP ${res.status} ${text.slice(0, 200)}`;
      if (res.status < 500 && res.status !== 429 && res.status !== 408) break;
    } catch (err) {
      last = String((err as Error).message);
    }
  }
  throw new Error(`push not acknowledged: ${last}`);
}

export interface StoreTiming {
  ackMs: number;
  visibleMs: number;
}

/** One artifact stored: push (fresh id) → 2xx → row visible. `bodyFor` builds the push body for an id. */
export async function storeOnce(system: System, bodyFor: (id: string) => string): Promise<StoreTiming> {
  const id = randomUUID();
  const body = bodyFor(id);
  const started = performance.now();
  const acked = await push(system.pushUrl, body);
  const visible = await system.visibility.wait(id);
  return { ackMs: acked - started, visibleMs: Math.max(visible, acked) - started };
}

/** GET `path` of the system's API with its tenant token; the body is read whole. Throws unless 200. */
export async function getOnce(system: System, path: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const res = await fetch(`${system.apiUrl}${path}`, {
    headers: { authorization: `Bearer ${system.token}` },
  });
  const body = await res.arrayBuffer();
  if (res.status !== 200) {
    throw new Error(`GET ${path}: HTTP ${res.status} ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
  }
  return { ms: performance.now() - started, bytes: body.byteLength };
}

/** Stores `count` artifacts, `concurrency` at a time (setup, not measured); returns their ids. */
export async function seed(
  system: System,
  count: number,
  bodyFor: (id: string) => string,
  concurrency = 4,
): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (ids.length < count) {
        const id = randomUUID();
        ids.push(id);
        await push(system.pushUrl, bodyFor(id));
        await system.visibility.wait(id);
      }
    }),
  );
  return ids;
}

/**
 * The push body storing `document` (the JSON of `artifact`) as artifact `id`: inline, or staged first to
 * `staging/{tenant}/{id}.json` (create-only, untimed) and named by `artifact_ref`, as publishArtifact does
 * above 8 MB.
 */
export async function largePushBody(
  sys: System,
  id: string,
  artifact: Record<string, unknown>,
  document: Buffer,
  staged: boolean,
): Promise<string> {
  let request: Record<string, unknown>;
  if (staged) {
    const name = `${id}.json`;
    await new Storage({ apiEndpoint: sys.gcsUrl })
      .bucket(sys.bucket)
      .file(`staging/${TENANT}/${name}`)
      .save(document, {
        resumable: false,
        preconditionOpts: { ifGenerationMatch: 0 },
        metadata: { contentType: 'application/json' },
      });
    request = storeRequest(id, { artifact_ref: { name } });
  } else {
    request = storeRequest(id, { artifact });
  }
  return pushBody(JSON.stringify(request), id, sys.projectId, `${Date.now()}`);
}
