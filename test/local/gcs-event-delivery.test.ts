/**
 * How the GCS stand-in delivers its CloudEvents (docs/design.md, "Local stack", like Eventarc): in order per object, objects in
 * parallel, retries with backoff within a budget, dead letters on disk, nothing lost across a restart.
 * Real HTTP receivers on free ports; short delays through DeliveryOptions.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type DeliveryOptions,
  deliveryOptionsFromEnv,
  type GcsStandIn,
  startGcsStandIn,
} from '../../local/gcs';
import { backoffDelay, resolveDeliveryOptions } from '../../local/gcs/delivery-options';
import { freePort } from '../../local/net';

const BUCKET = 'delivery-bucket';
const dirs: string[] = [];
const running: GcsStandIn[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 10 ms; fails after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function start(options: { dataDir?: string; targets: string[]; delivery?: DeliveryOptions }) {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gcs-delivery-'));
  if (!options.dataDir) dirs.push(dataDir);
  const logs: string[] = [];
  const standIn = await startGcsStandIn({
    port: await freePort(),
    dataDir,
    bucket: BUCKET,
    eventTargets: options.targets,
    eventDelivery: options.delivery,
    log: (line) => logs.push(line),
  });
  running.push(standIn);
  /** Uploads `name` (no precondition: an existing object is overwritten); resolves with its generation. */
  const put = async (name: string, body = '{}') => {
    const boundary = `b-${randomUUID()}`;
    const res = await fetch(
      `${standIn.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=multipart&name=${encodeURIComponent(name)}`,
      {
        method: 'POST',
        headers: { 'content-type': `multipart/related; boundary=${boundary}` },
        body: `--${boundary}\r\nContent-Type: application/json\r\n\r\n{}\r\n--${boundary}\r\nContent-Type: application/json\r\n\r\n${body}\r\n--${boundary}--`,
      },
    );
    if (res.status !== 200) throw new Error(`upload of ${name}: ${res.status}`);
    return ((await res.json()) as { generation: string }).generation;
  };
  const remove = async (name: string) => {
    const res = await fetch(`${standIn.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}`, {
      method: 'DELETE',
    });
    if (res.status !== 204) throw new Error(`delete of ${name}: ${res.status}`);
  };
  return { standIn, dataDir, logs, put, remove };
}

interface Hit {
  id: string;
  type: string;
  name: string;
  generation: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  at: number;
}

/**
 * A CloudEvent receiver: `respond` picks the status of each request (and may take its time). Records every
 * attempt, and the most requests it had in flight at once, overall and for one object.
 */
async function receiver(respond: (hit: Hit) => number | Promise<number> = () => 204) {
  const attempts: Hit[] = [];
  const stats = { inFlight: 0, maxInFlight: 0, maxInFlightPerObject: 0 };
  const perObject = new Map<string, number>();
  const port = await freePort();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const name = String(body.name);
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      perObject.set(name, (perObject.get(name) ?? 0) + 1);
      stats.maxInFlightPerObject = Math.max(stats.maxInFlightPerObject, perObject.get(name)!);
      const hit: Hit = {
        id: String(req.headers['ce-id']),
        type: String(req.headers['ce-type']).replace('google.cloud.storage.object.v1.', ''),
        name,
        generation: String(body.generation),
        status: 0,
        headers: req.headers,
        body,
        at: Date.now(),
      };
      hit.status = await respond(hit);
      attempts.push(hit);
      perObject.set(name, perObject.get(name)! - 1);
      stats.inFlight--;
      res.writeHead(hit.status).end();
    });
  });
  servers.push(server);
  const listen = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const delivered = () => attempts.filter((a) => a.status >= 200 && a.status < 300);
  return { url: `http://127.0.0.1:${port}/`, port, attempts, delivered, stats, listen };
}

const filesUnder = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'))
    : [];

describe('GCS stand-in event delivery: order and concurrency', () => {
  it('keeps the events of one object in order while 50 other objects are delivered in parallel', async () => {
    const target = await receiver(async () => {
      await sleep(20);
      return 204;
    });
    await target.listen();
    const { standIn, put, remove } = await start({ targets: [target.url] });
    const g1 = await put('x.json', '{"v":1}');
    const others = Array.from({ length: 50 }, (_, i) => put(`other-${i}.json`));
    const g2 = await put('x.json', '{"v":2}'); // finalized g2, then deleted g1
    await remove('x.json'); // deleted g2
    await Promise.all(others);
    await standIn.eventsIdle();

    const x = target.delivered().filter((h) => h.name === 'x.json');
    expect(x.map((h) => [h.type, h.generation])).toEqual([
      ['finalized', g1],
      ['finalized', g2],
      ['deleted', g1],
      ['deleted', g2],
    ]);
    expect(target.delivered()).toHaveLength(54);
    expect(target.stats.maxInFlightPerObject).toBe(1);
    expect(target.stats.maxInFlight).toBeGreaterThan(1);
    expect(target.stats.maxInFlight).toBeLessThanOrEqual(16);
    expect(standIn.events.stats()).toMatchObject({ queued: 0, inFlight: 0, retrying: 0, delivered: 54 });
  });

  it('does not hold other objects back while one object is retried', async () => {
    const target = await receiver((hit) => (hit.name === 'poison.json' ? 503 : 204));
    await target.listen();
    const { standIn, put, dataDir } = await start({
      targets: [target.url],
      delivery: { initialDelayMs: 300, maxDelayMs: 300 },
    });
    await put('poison.json');
    await put('poison.json'); // two more events of the poisoned object wait behind the first
    for (let i = 0; i < 20; i++) await put(`fine-${i}.json`);
    await until(() => standIn.events.stats().delivered === 20, '20 other objects delivered');
    expect(target.attempts.filter((h) => h.name === 'poison.json').every((h) => h.status === 503)).toBe(true);
    expect(new Set(target.attempts.filter((h) => h.name === 'poison.json').map((h) => h.id)).size).toBe(1);
    // poison.json is between two attempts (or in one): not given up, its next two events queued behind it.
    const stats = standIn.events.stats();
    expect(stats).toMatchObject({ delivered: 20, deadLettered: 0, queued: 2 });
    expect(stats.retrying + stats.inFlight).toBe(1);
    let idle = false;
    void standIn.eventsIdle().then(() => {
      idle = true;
    });
    await sleep(50);
    expect(idle).toBe(false);
    expect(filesUnder(join(dataDir, 'pending-events'))).toHaveLength(3);
  });

  it('delivers 200 events to a slow target far faster than one at a time', async () => {
    const perRequestMs = 25;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const target = await receiver(async () => {
      await gate;
      await sleep(perRequestMs);
      return 204;
    });
    await target.listen();
    const { standIn, put } = await start({ targets: [target.url] });
    for (let batch = 0; batch < 10; batch++)
      await Promise.all(Array.from({ length: 20 }, (_, i) => put(`bulk/${batch}-${i}.json`)));
    // Everything is published (the first ones wait at the gate): time the delivery alone.
    const started = Date.now();
    open();
    await standIn.eventsIdle();
    const elapsed = Date.now() - started;
    const serial = 200 * perRequestMs;
    expect(target.delivered()).toHaveLength(200);
    expect(target.stats.maxInFlight).toBe(16);
    expect(elapsed).toBeLessThan(0.4 * serial);
  });
});

describe('GCS stand-in event delivery: retries', () => {
  it('retries with doubling backoff, then delivers once with the same ce-id', async () => {
    const target = await receiver(() => (target.attempts.length < 3 ? 503 : 204));
    await target.listen();
    const { standIn, put, logs } = await start({
      targets: [target.url],
      delivery: { initialDelayMs: 50, jitter: 0 },
    });
    await put('one.json');
    await standIn.eventsIdle();
    expect(target.attempts.map((a) => a.status)).toEqual([503, 503, 503, 204]);
    expect(new Set(target.attempts.map((a) => a.id)).size).toBe(1);
    const gaps = target.attempts.slice(1).map((a, i) => a.at - target.attempts[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
    expect(logs.some((l) => l.includes('objects/one.json') && /retrying/.test(l))).toBe(true);
    expect(logs.some((l) => l.includes('delivered on attempt 4'))).toBe(true);
    expect(standIn.events.stats()).toMatchObject({ delivered: 1, deadLettered: 0 });
  });

  it('retries while the receiver cannot be reached', async () => {
    const target = await receiver();
    const { standIn, put } = await start({ targets: [target.url], delivery: { initialDelayMs: 50 } });
    await put('late.json');
    await until(() => standIn.events.stats().retrying === 1, 'a failed first attempt');
    await target.listen();
    await standIn.eventsIdle();
    expect(target.delivered().map((h) => h.name)).toEqual(['late.json']);
  });

  it('spreads retries with jitter within [1 - jitter, 1] of the doubling delay, capped', () => {
    const options = resolveDeliveryOptions({});
    expect(options).toMatchObject({ initialDelayMs: 1000, maxDelayMs: 60_000, retryBudgetMs: 86_400_000 });
    expect([1, 2, 3, 7, 8, 30].map((n) => backoffDelay(options, n, 0))).toEqual([
      1000, 2000, 4000, 60_000, 60_000, 60_000,
    ]);
    expect(backoffDelay(options, 3, 1)).toBe(2000);
    expect(deliveryOptionsFromEnv({ GCS_EVENT_RETRY_BUDGET_SECONDS: '90' })).toEqual({
      retryBudgetMs: 90_000,
    });
    expect(deliveryOptionsFromEnv({})).toEqual({});
    expect(() => deliveryOptionsFromEnv({ GCS_EVENT_RETRY_BUDGET_SECONDS: 'soon' })).toThrow(
      /GCS_EVENT_RETRY_BUDGET_SECONDS/,
    );
  });
});

describe('GCS stand-in event delivery: dead letters', () => {
  it('dead-letters an event whose retry budget runs out, with what was sent and what came back', async () => {
    let failing = true;
    const target = await receiver(() => (failing ? 503 : 204));
    await target.listen();
    const { standIn, put, dataDir, logs } = await start({
      targets: [target.url],
      delivery: { initialDelayMs: 20, maxDelayMs: 100, retryBudgetMs: 400 },
    });
    const generation = await put('doomed.json');
    await standIn.eventsIdle();

    const attempts = target.attempts;
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    const [letter, ...more] = await standIn.events.deadLetters();
    expect(more).toEqual([]);
    const day = letter!.deadLetteredAt.slice(0, 10);
    expect(letter!.file).toBe(
      join(dataDir, 'dead-letter', `127.0.0.1-${target.port}`, day, `${attempts[0]!.id}.json`),
    );
    const onDisk = JSON.parse(readFileSync(letter!.file, 'utf8'));
    expect(onDisk).toMatchObject({
      target: target.url,
      id: attempts[0]!.id,
      reason: 'retry budget exhausted',
      attempts: attempts.length,
      lastStatus: 503,
      headers: {
        'ce-id': attempts[0]!.id,
        'ce-type': 'google.cloud.storage.object.v1.finalized',
        'ce-subject': 'objects/doomed.json',
        'ce-specversion': '1.0',
        'content-type': 'application/json',
      },
      body: { name: 'doomed.json', generation, bucket: BUCKET },
    });
    expect(onDisk.body).toEqual(attempts[0]!.body);
    const t = (key: string) => Date.parse(onDisk[key]);
    expect(t('deadLetteredAt') - t('publishedAt')).toBeGreaterThanOrEqual(400);
    expect(t('firstAttemptAt')).toBeLessThanOrEqual(t('lastAttemptAt'));
    expect(t('lastAttemptAt')).toBeLessThanOrEqual(t('deadLetteredAt'));
    expect(standIn.events.stats()).toMatchObject({ deadLettered: 1, retrying: 0, queued: 0 });
    expect(filesUnder(join(dataDir, 'pending-events'))).toEqual([]);
    expect(logs.some((l) => l.includes('given up (retry budget exhausted') && l.includes(letter!.file))).toBe(
      true,
    );

    // Re-driven: the same event (same ce-id), with a fresh budget; the dead letter is gone.
    failing = false;
    expect(await standIn.events.redeliverDeadLetters()).toBe(1);
    await standIn.eventsIdle();
    expect(target.delivered().map((h) => [h.id, h.name])).toEqual([[attempts[0]!.id, 'doomed.json']]);
    expect(await standIn.events.deadLetters()).toEqual([]);
    expect(standIn.events.stats()).toMatchObject({ deadLettered: 0, delivered: 1 });
  });

  it('dead-letters an event the receiver cannot be reached for, with the connection error', async () => {
    const target = await receiver(); // never listening
    const { standIn, put } = await start({
      targets: [target.url],
      delivery: { initialDelayMs: 20, retryBudgetMs: 150 },
    });
    await put('unreachable.json');
    await standIn.eventsIdle();
    const [letter] = await standIn.events.deadLetters();
    expect(letter).toMatchObject({ reason: 'retry budget exhausted', lastError: 'ECONNREFUSED' });
    expect(letter!.lastStatus).toBeUndefined();
    expect(letter!.attempts).toBeGreaterThanOrEqual(2);
  });

  it('dead-letters a non-retryable 4xx at once, and the next event of that object follows', async () => {
    const target = await receiver((hit) =>
      hit.name === 'rejected.json' && hit.type === 'finalized' ? 400 : 204,
    );
    await target.listen();
    const { standIn, put, remove, logs } = await start({ targets: [target.url] }); // default 1 s backoff
    await put('rejected.json');
    await put('accepted.json');
    await remove('rejected.json');
    await standIn.eventsIdle();
    expect(target.attempts.map((h) => [h.name, h.type, h.status])).toEqual(
      expect.arrayContaining([
        ['rejected.json', 'finalized', 400],
        ['accepted.json', 'finalized', 204],
        ['rejected.json', 'deleted', 204],
      ]),
    );
    expect(target.attempts).toHaveLength(3);
    const rejected = target.attempts.find((h) => h.status === 400)!;
    const deleted = target.attempts.find((h) => h.name === 'rejected.json' && h.type === 'deleted')!;
    expect(deleted.at).toBeGreaterThanOrEqual(rejected.at);
    const letters = await standIn.events.deadLetters();
    expect(letters.map((l) => [l.id, l.reason, l.attempts, l.lastStatus])).toEqual([
      [rejected.id, 'rejected', 1, 400],
    ]);
    expect(logs.some((l) => l.includes('given up (rejected') && l.includes('objects/rejected.json'))).toBe(
      true,
    );
  });
});

describe('GCS stand-in event delivery: stop and restart', () => {
  /** The pending events on disk, in publish order: [ce-id, object, type]. */
  const pending = (dataDir: string) =>
    filesUnder(join(dataDir, 'pending-events'))
      .map((f) => JSON.parse(readFileSync(join(dataDir, 'pending-events', f), 'utf8')))
      .sort((a, b) => a.seq - b.seq)
      .map((e) => [e.id, e.key, e.headers['ce-type'].replace('google.cloud.storage.object.v1.', '')]);

  it('keeps the events pending at stop and delivers them, in order, after a restart on the same data dir', async () => {
    let up = false;
    const target = await receiver(() => (up ? 204 : 503));
    await target.listen();
    const first = await start({ targets: [target.url], delivery: { initialDelayMs: 10_000 } });
    await first.put('a.json', '{"v":1}');
    await first.put('a.json', '{"v":2}'); // finalized, then deleted of the first generation
    await first.put('b.json');
    await until(() => first.standIn.events.stats().retrying === 2, 'first attempts of a.json and b.json');
    await first.standIn.close();
    expect(first.logs.some((l) => l.includes('stopped with 4 undelivered event(s)'))).toBe(true);
    const kept = pending(first.dataDir);
    expect(kept.map(([, key, type]) => [key, type])).toEqual([
      ['a.json', 'finalized'],
      ['a.json', 'finalized'],
      ['a.json', 'deleted'],
      ['b.json', 'finalized'],
    ]);

    up = true;
    target.attempts.length = 0;
    const second = await start({ dataDir: first.dataDir, targets: [target.url] });
    await second.standIn.eventsIdle();
    expect(second.logs.some((l) => l.includes('re-queued 4 event(s)'))).toBe(true);
    const got = target.delivered().map((h) => [h.id, h.name, h.type]);
    expect(got.filter(([, name]) => name === 'a.json')).toEqual(kept.slice(0, 3));
    expect(got.filter(([, name]) => name === 'b.json')).toEqual(kept.slice(3));
    expect(pending(first.dataDir)).toEqual([]);
    expect(second.standIn.events.stats()).toMatchObject({ delivered: 4, deadLettered: 0 });
  });

  it('sends the pending events to the target configured now when the old one is gone', async () => {
    const old = await receiver(); // never listening
    const first = await start({ targets: [old.url], delivery: { initialDelayMs: 10_000 } });
    await first.put('c.json');
    await first.put('d.json');
    await until(() => first.standIn.events.stats().retrying === 2, 'first attempts');
    await first.standIn.close();
    const kept = pending(first.dataDir);
    expect(kept).toHaveLength(2);

    const moved = await receiver();
    await moved.listen();
    const second = await start({ dataDir: first.dataDir, targets: [moved.url] });
    await second.standIn.eventsIdle();
    await second.standIn.close(); // waits for the file work
    expect(
      moved
        .delivered()
        .map((h) => [h.id, h.name, h.type])
        .sort(),
    ).toEqual([...kept].sort());
    expect(filesUnder(join(first.dataDir, 'pending-events'))).toEqual([]);
  });
});
