/**
 * The local GCS stand-in's own behaviour: GCS wire formats and error bodies, persistence across restarts,
 * the CloudEvents it posts (headers, body; how they are delivered: gcs-event-delivery.test.ts), and
 * GcsBlobStore's error mapping when storage is down.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DeliveryOptions, type GcsStandIn, startGcsStandIn } from '../../local/gcs';
import { freePort } from '../../local/net';
import { GcsBlobStore } from '../../shared/adapters/gcs-blob-store';
import { TransientError } from '../../shared/domain/errors';

const BUCKET = 'stand-in-bucket';
const dirs: string[] = [];
const running: GcsStandIn[] = [];
const servers: Server[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gcs-stand-in-'));
  dirs.push(dir);
  return dir;
}

async function start(
  options: {
    dataDir?: string;
    eventTargets?: string[];
    logs?: string[];
    eventDelivery?: DeliveryOptions;
  } = {},
) {
  const dataDir = options.dataDir ?? tempDir();
  const logs = options.logs ?? [];
  const standIn = await startGcsStandIn({
    port: await freePort(),
    dataDir,
    bucket: BUCKET,
    eventTargets: options.eventTargets,
    eventDelivery: options.eventDelivery,
    log: (line) => logs.push(line),
  });
  running.push(standIn);
  const store = new GcsBlobStore({ bucket: BUCKET, apiEndpoint: standIn.url });
  return { standIn, store, dataDir, logs };
}

interface Received {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A CloudEvent receiver; `respond` picks the status for each request (1-based count). */
async function receiver(respond: (n: number) => number = () => 204) {
  const received: Received[] = [];
  const attempts: Array<{ id: string; status: number }> = [];
  const port = await freePort();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = respond(attempts.length + 1);
      attempts.push({ id: String(req.headers['ce-id']), status });
      if (status >= 200 && status < 300) {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      }
      res.writeHead(status);
      res.end();
    });
  });
  servers.push(server);
  const listen = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/`, received, attempts, listen, server };
}

/** A raw multipart upload, as the client sends it. */
async function rawUpload(
  url: string,
  query: string,
  metadata: Record<string, unknown>,
  bytes: Buffer,
  mediaType = 'application/octet-stream',
): Promise<Response> {
  const boundary = `b-${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(metadata)}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Type: ${mediaType}\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--`),
  ]);
  return fetch(`${url}/upload/storage/v1/b/${BUCKET}/o?uploadType=multipart${query}`, {
    method: 'POST',
    headers: { 'content-type': `multipart/related; boundary=${boundary}` },
    body,
  });
}

const objectUrl = (url: string, name: string, query = '') =>
  `${url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}${query}`;

function expectGcsError(body: unknown, code: number, reason: string) {
  expect(body).toEqual({
    error: {
      code,
      message: expect.any(String),
      errors: [expect.objectContaining({ message: expect.any(String), domain: 'global', reason })],
    },
  });
}

beforeAll(() => {
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('GCS stand-in: wire format', () => {
  it('answers GCS error bodies and statuses', async () => {
    const { standIn } = await start();
    const url = standIn.url;

    const otherBucket = await fetch(`${url}/storage/v1/b/other-bucket/o/x`);
    expect(otherBucket.status).toBe(404);
    expectGcsError(await otherBucket.json(), 404, 'notFound');

    const missing = await fetch(objectUrl(url, 'missing.json'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    expectGcsError(await missing.json(), 404, 'notFound');

    const created = await rawUpload(url, '&name=a.json&ifGenerationMatch=0', {}, Buffer.from('{}'));
    expect(created.status).toBe(200);
    const resource = (await created.json()) as Record<string, string>;

    const exists = await rawUpload(url, '&name=a.json&ifGenerationMatch=0', {}, Buffer.from('{"x":1}'));
    expect(exists.status).toBe(412);
    expectGcsError(await exists.json(), 412, 'conditionNotMet');

    const wrongGeneration = await rawUpload(url, '&name=a.json&ifGenerationMatch=1', {}, Buffer.from('{}'));
    expect(wrongGeneration.status).toBe(412);

    const deleteMismatch = await fetch(objectUrl(url, 'a.json', '?ifGenerationMatch=1'), {
      method: 'DELETE',
    });
    expect(deleteMismatch.status).toBe(412);
    expectGcsError(await deleteMismatch.json(), 412, 'conditionNotMet');

    const otherGeneration = await fetch(objectUrl(url, 'a.json', '?generation=1'));
    expect(otherGeneration.status).toBe(404);
    expectGcsError(await otherGeneration.json(), 404, 'notFound');
    const thisGeneration = await fetch(objectUrl(url, 'a.json', `?generation=${resource.generation}`));
    expect(thisGeneration.status).toBe(200);

    const unsupportedList = await fetch(`${url}/storage/v1/b/${BUCKET}/o?matchGlob=**`);
    expect(unsupportedList.status).toBe(400);
    expectGcsError(await unsupportedList.json(), 400, 'invalid');

    const badToken = await fetch(`${url}/storage/v1/b/${BUCKET}/o?pageToken=not-a-token`);
    expect(badToken.status).toBe(400);
    expectGcsError(await badToken.json(), 400, 'invalid');

    const badGeneration = await fetch(objectUrl(url, 'a.json', '?generation=abc'));
    expect(badGeneration.status).toBe(400);

    const unknownPath = await fetch(`${url}/nothing/here`);
    expect(unknownPath.status).toBe(404);
    expectGcsError(await unknownPath.json(), 404, 'notFound');

    const deleted = await fetch(objectUrl(url, 'a.json'), { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    const deletedAgain = await fetch(objectUrl(url, 'a.json'), { method: 'DELETE' });
    expect(deletedAgain.status).toBe(404);
    expectGcsError(await deletedAgain.json(), 404, 'notFound');
  });

  it('returns the object resource with correct hashes and string int64 fields', async () => {
    const { standIn } = await start();
    const bytes = Buffer.from('hello');
    const response = await rawUpload(
      standIn.url,
      '',
      {
        name: 'dir/named in metadata.txt',
        contentType: 'text/plain',
        metadata: { a: '1' },
        customTime: '2030-01-02T03:04:05Z',
        cacheControl: 'public, max-age=60',
      },
      bytes,
    );
    expect(response.status).toBe(200);
    const resource = (await response.json()) as Record<string, unknown>;
    expect(resource).toMatchObject({
      kind: 'storage#object',
      name: 'dir/named in metadata.txt',
      bucket: BUCKET,
      contentType: 'text/plain',
      size: '5',
      metageneration: '1',
      md5Hash: createHash('md5').update(bytes).digest('base64'),
      crc32c: 'mnG7TA==', // CRC32C("hello") = 0x9a71bb4c, big-endian base64
      metadata: { a: '1' },
      customTime: '2030-01-02T03:04:05.000Z',
      cacheControl: 'public, max-age=60',
      storageClass: 'STANDARD',
    });
    expect(resource.generation).toMatch(/^\d+$/);
    expect(resource.id).toBe(`${BUCKET}/dir/named in metadata.txt/${resource.generation}`);
    expect(resource.selfLink).toBe(`${standIn.url}/storage/v1/b/${BUCKET}/o/dir%2Fnamed%20in%20metadata.txt`);
    expect(resource.mediaLink).toBe(
      `${standIn.url}/download/storage/v1/b/${BUCKET}/o/dir%2Fnamed%20in%20metadata.txt?generation=${resource.generation}&alt=media`,
    );
    for (const key of ['timeCreated', 'updated']) {
      expect(new Date(resource[key] as string).toISOString()).toBe(resource[key]);
    }
    expect(typeof resource.etag).toBe('string');

    const metadata = await fetch(objectUrl(standIn.url, 'dir/named in metadata.txt'));
    expect(await metadata.json()).toEqual(resource);

    const media = await fetch(objectUrl(standIn.url, 'dir/named in metadata.txt', '?alt=media'));
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('text/plain');
    expect(media.headers.get('content-length')).toBe('5');
    expect(media.headers.get('x-goog-hash')).toBe(`crc32c=mnG7TA==,md5=${resource.md5Hash}`);
    expect(media.headers.get('x-goog-generation')).toBe(resource.generation);
    expect(media.headers.get('cache-control')).toBe('public, max-age=60');
    expect(await media.text()).toBe('hello');

    const download = await fetch(resource.mediaLink as string);
    expect(await download.text()).toBe('hello');

    const range = await fetch(objectUrl(standIn.url, 'dir/named in metadata.txt', '?alt=media'), {
      headers: { range: 'bytes=1-3' },
    });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe('bytes 1-3/5');
    expect(await range.text()).toBe('ell');
  });

  it('lists with a delimiter and opaque page tokens', async () => {
    const { standIn } = await start();
    for (const name of ['p/a.json', 'p/b/1.json', 'p/b/2.json', 'p/c.json', 'q.json']) {
      expect(
        (await rawUpload(standIn.url, `&name=${encodeURIComponent(name)}`, {}, Buffer.from(name))).status,
      ).toBe(200);
    }
    const list = async (query: string) =>
      (await (await fetch(`${standIn.url}/storage/v1/b/${BUCKET}/o?${query}`)).json()) as {
        kind: string;
        items?: Array<{ name: string; size: string }>;
        prefixes?: string[];
        nextPageToken?: string;
      };
    const all = await list('prefix=p/&delimiter=/');
    expect(all.kind).toBe('storage#objects');
    expect(all.items?.map((i) => i.name)).toEqual(['p/a.json', 'p/c.json']);
    expect(all.prefixes).toEqual(['p/b/']);
    expect(all.nextPageToken).toBeUndefined();

    const first = await list('prefix=p/&maxResults=2');
    expect(first.items?.map((i) => i.name)).toEqual(['p/a.json', 'p/b/1.json']);
    expect(first.items?.[0]?.size).toBe('8');
    expect(first.nextPageToken).toEqual(expect.any(String));
    const second = await list(`prefix=p/&maxResults=2&pageToken=${first.nextPageToken}`);
    expect(second.items?.map((i) => i.name)).toEqual(['p/b/2.json', 'p/c.json']);
    expect(second.nextPageToken).toBeUndefined();

    const empty = await list('prefix=nothing/');
    expect(empty).toEqual({ kind: 'storage#objects' });
  });

  it('keeps objects across a restart, and generations keep increasing', async () => {
    const first = await start();
    const put = await first.store.putIfAbsent('kept.json', Buffer.from('{"v":1}'), {
      contentType: 'application/json',
      metadata: { k: 'v' },
    });
    if (!put.created) throw new Error('not created');
    await first.store.putIfAbsent('deleted.json', Buffer.from('{}'), { contentType: 'application/json' });
    expect(await first.store.delete('deleted.json')).toBe(true);
    await first.standIn.close();

    const second = await start({ dataDir: first.dataDir });
    expect(await second.store.head('kept.json')).toEqual(put.info);
    expect((await second.store.get('kept.json'))?.bytes.toString()).toBe('{"v":1}');
    expect(await second.store.head('deleted.json')).toBeNull();
    expect((await second.store.list('')).items.map((i) => i.name)).toEqual(['kept.json']);
    const again = await second.store.putIfAbsent('kept.json', Buffer.from('{"v":2}'), {
      contentType: 'application/json',
    });
    expect(again.created).toBe(false);

    // An overwrite (no precondition) after the restart gets a larger generation.
    const overwrite = await rawUpload(second.standIn.url, '&name=kept.json', {}, Buffer.from('{"v":3}'));
    const resource = (await overwrite.json()) as { generation: string };
    expect(BigInt(resource.generation) > BigInt(put.info.generation)).toBe(true);
    const created = await second.store.putIfAbsent('new.json', Buffer.from('{}'), {
      contentType: 'application/json',
    });
    if (!created.created) throw new Error('not created');
    expect(BigInt(created.info.generation) > BigInt(resource.generation)).toBe(true);
  });

  it('serves hashes the client checks: corrupted bytes fail the download', async () => {
    const { store, dataDir } = await start();
    await store.putIfAbsent('corrupt.bin', Buffer.from('original bytes'), { contentType: 'text/plain' });
    const bucketDir = join(dataDir, BUCKET);
    const dataFile = readdirSync(bucketDir).find((f) => f.endsWith('.bin'))!;
    writeFileSync(join(bucketDir, dataFile), 'tampered bytes');
    await expect(store.get('corrupt.bin')).rejects.toMatchObject({ code: 'CONTENT_DOWNLOAD_MISMATCH' });
  });
});

describe('GCS stand-in: CloudEvents', () => {
  it('posts a finalized event in binary mode for each create, as Eventarc does', async () => {
    const target = await receiver();
    await target.listen();
    const { standIn, store } = await start({ eventTargets: [target.url] });
    const put = await store.putIfAbsent('artifacts/workflow/t1/id.json', Buffer.from('{"a":1}'), {
      contentType: 'application/json',
      metadata: { tenant_id: 't1' },
    });
    if (!put.created) throw new Error('not created');
    await standIn.eventsIdle();
    expect(target.received).toHaveLength(1);
    const [event] = target.received;
    expect(event!.headers).toMatchObject({
      'ce-specversion': '1.0',
      'ce-id': expect.stringMatching(/^\d+$/),
      'ce-source': `//storage.googleapis.com/projects/_/buckets/${BUCKET}`,
      'ce-type': 'google.cloud.storage.object.v1.finalized',
      'ce-subject': 'objects/artifacts/workflow/t1/id.json',
      'ce-bucket': BUCKET,
      'content-type': 'application/json',
    });
    expect(new Date(event!.headers['ce-time'] as string).toISOString()).toBe(event!.headers['ce-time']);
    expect(event!.body).toMatchObject({
      kind: 'storage#object',
      bucket: BUCKET,
      name: 'artifacts/workflow/t1/id.json',
      generation: put.info.generation,
      metageneration: '1',
      size: '7',
      contentType: 'application/json',
      md5Hash: put.info.md5Hash,
      crc32c: expect.any(String),
      metadata: { tenant_id: 't1' },
      timeCreated: put.info.timeCreated,
    });
    for (const key of ['generation', 'metageneration', 'size'])
      expect(typeof event!.body[key]).toBe('string');
    // A create-only put that finds the object emits nothing.
    await store.putIfAbsent('artifacts/workflow/t1/id.json', Buffer.from('{}'), {
      contentType: 'application/json',
    });
    await standIn.eventsIdle();
    expect(target.received).toHaveLength(1);
  });

  it('posts a deleted event on delete, and finalized + deleted on overwrite', async () => {
    const target = await receiver();
    await target.listen();
    const { standIn, store } = await start({ eventTargets: [target.url] });
    const put = await store.putIfAbsent('x.json', Buffer.from('{"v":1}'), {
      contentType: 'application/json',
    });
    if (!put.created) throw new Error('not created');
    const overwrite = (await (
      await rawUpload(
        standIn.url,
        '&name=x.json',
        { contentType: 'application/json' },
        Buffer.from('{"v":2}'),
      )
    ).json()) as { generation: string };
    expect(await store.delete('x.json')).toBe(true);
    await standIn.eventsIdle();
    const seen = target.received.map((e) => [
      e.headers['ce-type'],
      e.headers['ce-subject'],
      e.body.generation,
    ]);
    expect(seen).toEqual([
      ['google.cloud.storage.object.v1.finalized', 'objects/x.json', put.info.generation],
      ['google.cloud.storage.object.v1.finalized', 'objects/x.json', overwrite.generation],
      ['google.cloud.storage.object.v1.deleted', 'objects/x.json', put.info.generation],
      ['google.cloud.storage.object.v1.deleted', 'objects/x.json', overwrite.generation],
    ]);
    const deleted = target.received[3]!.body;
    expect(deleted).toMatchObject({ name: 'x.json', size: '7', metageneration: '1', bucket: BUCKET });
    expect(new Set(target.received.map((e) => e.headers['ce-id'])).size).toBe(4);
  });
});

describe('GcsBlobStore error mapping', () => {
  it('throws TransientError when storage cannot be reached (connection refused), quickly', async () => {
    const port = await freePort(); // nothing listens there
    const storage = new Storage({
      apiEndpoint: `http://127.0.0.1:${port}`,
      retryOptions: { autoRetry: false },
      timeout: 2000,
    });
    const store = new GcsBlobStore({ bucket: BUCKET, storage });
    const started = Date.now();
    await expect(store.head('a.json')).rejects.toBeInstanceOf(TransientError);
    await expect(store.get('a.json')).rejects.toBeInstanceOf(TransientError);
    await expect(store.openRead('a.json')).rejects.toBeInstanceOf(TransientError);
    await expect(store.delete('a.json')).rejects.toBeInstanceOf(TransientError);
    await expect(store.list('')).rejects.toBeInstanceOf(TransientError);
    await expect(
      store.putIfAbsent('a.json', Buffer.from('{}'), { contentType: 'application/json' }),
    ).rejects.toBeInstanceOf(TransientError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('throws TransientError on 5xx and 429, and rethrows other errors', async () => {
    let status = 503;
    const port = await freePort();
    const fake = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({
          error: {
            code: status,
            message: 'boom',
            errors: [{ message: 'boom', domain: 'global', reason: 'x' }],
          },
        });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      });
    });
    servers.push(fake);
    await new Promise<void>((resolve) => fake.listen(port, '127.0.0.1', resolve));
    const storage = new Storage({
      apiEndpoint: `http://127.0.0.1:${port}`,
      retryOptions: { autoRetry: false },
    });
    const store = new GcsBlobStore({ bucket: BUCKET, storage });
    await expect(store.head('a.json')).rejects.toBeInstanceOf(TransientError);
    await expect(
      store.putIfAbsent('a.json', Buffer.from('{}'), { contentType: 'application/json' }),
    ).rejects.toBeInstanceOf(TransientError);
    status = 429;
    await expect(store.list('')).rejects.toBeInstanceOf(TransientError);
    status = 403;
    const forbidden = await store.head('a.json').catch((err: unknown) => err);
    expect(forbidden).not.toBeInstanceOf(TransientError);
    expect((forbidden as { code?: number }).code).toBe(403);
  });
});
