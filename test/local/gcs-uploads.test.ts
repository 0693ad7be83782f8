/**
 * The GCS stand-in's upload and bucket calls beyond what GcsBlobStore makes: gcloud's multipart framing
 * (single-quoted boundary, bare LF), the resumable protocol (session, chunks, 308 + Range, status queries,
 * cancel) raw and through @google-cloud/storage's own resumable uploads, bucket list/get, and listings with
 * `includeFoldersAsPrefixes`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GcsStandIn, startGcsStandIn } from '../../local/gcs';
import { crc32cBase64 } from '../../local/gcs/crc32c';
import { freePort } from '../../local/net';

const BUCKET = 'uploads-bucket';
const dirs: string[] = [];
const running: GcsStandIn[] = [];
const servers: Server[] = [];

/** A stand-in whose CloudEvents land in `events` (type and object name). */
async function start() {
  const events: Array<{ type: string; name: string; size: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name: string; size: string };
      events.push({ type: String(req.headers['ce-type']), name: body.name, size: body.size });
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  const receiverPort = await freePort();
  await new Promise<void>((resolve) => server.listen(receiverPort, '127.0.0.1', resolve));
  const dataDir = mkdtempSync(join(tmpdir(), 'gcs-uploads-'));
  dirs.push(dataDir);
  const standIn = await startGcsStandIn({
    port: await freePort(),
    dataDir,
    bucket: BUCKET,
    projectId: 'uploads-project',
    eventTargets: [`http://127.0.0.1:${receiverPort}/`],
    log: () => {},
  });
  running.push(standIn);
  return { url: standIn.url, standIn, events };
}

const media = (url: string, name: string) =>
  fetch(`${url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}?alt=media`);

async function startSession(url: string, name: string, headers: Record<string, string> = {}, path = '') {
  const res = await fetch(
    `${url}${path}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=${encodeURIComponent(name)}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ contentType: 'application/x-test', metadata: { origin: 'resumable' } }),
    },
  );
  expect(res.status).toBe(200);
  const location = res.headers.get('location');
  expect(location).toMatch(/upload_id=/);
  return location!;
}

const put = (location: string, body: Buffer, range?: string, headers: Record<string, string> = {}) =>
  fetch(location, {
    method: 'PUT',
    headers: { ...(range ? { 'content-range': range } : {}), ...headers },
    body: new Uint8Array(body),
  });

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

describe('multipart uploads as gcloud sends them', () => {
  it("accepts boundary='...' and bare-LF framing, keeping the media bytes exact", async () => {
    const { url } = await start();
    const boundary = '===============6988589766941928411==';
    // Bytes ending in CR and LF: under LF framing only the LF before the delimiter is framing.
    const bytes = Buffer.from('line one\r\nline two\r\n\r');
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\nContent-Type: application/json\nMIME-Version: 1.0\n\n${JSON.stringify({ name: 'g/lf.txt', contentType: 'text/plain' })}\n`,
      ),
      Buffer.from(
        `--${boundary}\nContent-Type: text/plain\nMIME-Version: 1.0\nContent-Transfer-Encoding: binary\n\n`,
      ),
      bytes,
      Buffer.from(`\n--${boundary}--\n`),
    ]);
    const res = await fetch(`${url}/upload/storage/v1/b/${BUCKET}/o?alt=json&uploadType=multipart`, {
      method: 'POST',
      headers: { 'content-type': `multipart/related; boundary='${boundary}'` },
      body,
    });
    expect(res.status).toBe(200);
    const resource = (await res.json()) as Record<string, string>;
    expect(resource).toMatchObject({
      name: 'g/lf.txt',
      contentType: 'text/plain',
      size: String(bytes.length),
    });
    expect(Buffer.from(await (await media(url, 'g/lf.txt')).arrayBuffer())).toEqual(bytes);
  });

  it('refuses a body whose boundary is missing', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/upload/storage/v1/b/${BUCKET}/o?uploadType=multipart&name=x`, {
      method: 'POST',
      headers: { 'content-type': "multipart/related; boundary='abc'" },
      body: '--other\n\n{}\n--other--',
    });
    expect(res.status).toBe(400);
  });
});

describe('resumable uploads', () => {
  it('takes chunks with Content-Range, answers 308 with the persisted Range, and finalizes once', async () => {
    const { url, standIn, events } = await start();
    const bytes = randomBytes(3 * 256 * 1024 + 1000);
    const location = await startSession(url, 'r/chunked.bin', {
      'x-upload-content-length': String(bytes.length),
    });
    const total = bytes.length;

    const status0 = await put(location, Buffer.alloc(0), `bytes */${total}`);
    expect(status0.status).toBe(308);
    expect(status0.headers.get('range')).toBeNull();

    const first = await put(location, bytes.subarray(0, 262144), `bytes 0-262143/${total}`);
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe('bytes=0-262143');

    // A chunk that starts past the persisted bytes is refused; one that overlaps them is accepted.
    const gap = await put(location, bytes.subarray(524288, 786432), `bytes 524288-786431/${total}`);
    expect(gap.status).toBe(400);
    const overlap = await put(location, bytes.subarray(131072, 524288), `bytes 131072-524287/*`);
    expect(overlap.status).toBe(308);
    expect(overlap.headers.get('range')).toBe('bytes=0-524287');

    const status = await put(location, Buffer.alloc(0), 'bytes */*');
    expect(status.status).toBe(308);
    expect(status.headers.get('range')).toBe('bytes=0-524287');
    expect(events).toEqual([]);
    const last = await put(location, bytes.subarray(524288), `bytes 524288-${total - 1}/${total}`, {
      'x-goog-hash': `crc32c=${crc32cBase64(bytes)},md5=${createHash('md5').update(bytes).digest('base64')}`,
    });
    expect(last.status).toBe(200);
    const resource = (await last.json()) as Record<string, unknown>;
    expect(resource).toMatchObject({
      name: 'r/chunked.bin',
      size: String(total),
      contentType: 'application/x-test',
      metadata: { origin: 'resumable' },
      crc32c: crc32cBase64(bytes),
    });
    expect(Buffer.from(await (await media(url, 'r/chunked.bin')).arrayBuffer()).equals(bytes)).toBe(true);
    // A completed session answers the resource again and creates nothing new.
    const again = await put(location, Buffer.alloc(0), `bytes */${total}`);
    expect(again.status).toBe(200);
    expect(((await again.json()) as Record<string, unknown>).generation).toBe(resource.generation);
    await standIn.eventsIdle();
    expect(events).toEqual([
      { type: 'google.cloud.storage.object.v1.finalized', name: 'r/chunked.bin', size: String(total) },
    ]);
  });

  it("accepts the whole object in one PUT, from gcloud's /resumable/upload path", async () => {
    const { url } = await start();
    const bytes = randomBytes(10 * 1024 * 1024);
    const location = await startSession(url, 'r/big.bin', {}, '/resumable');
    expect(new URL(location).pathname).toBe(`/upload/storage/v1/b/${BUCKET}/o`);
    const res = await put(location, bytes, `bytes 0-${bytes.length - 1}/${bytes.length}`);
    expect(res.status).toBe(200);
    const got = Buffer.from(await (await media(url, 'r/big.bin')).arrayBuffer());
    expect(got.equals(bytes)).toBe(true);
  });

  it('checks preconditions and hashes, cancels with 499, and forgets unknown sessions', async () => {
    const { url } = await start();
    const location = await startSession(url, 'r/once.txt');
    expect((await put(location, Buffer.from('first'))).status).toBe(200);

    const refused = await fetch(
      `${url}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=r%2Fonce.txt&ifGenerationMatch=0`,
      { method: 'POST' },
    );
    expect(refused.status).toBe(412);

    const badHash = await startSession(url, 'r/hash.txt');
    const wrong = await put(badHash, Buffer.from('abc'), 'bytes 0-2/3', {
      'x-goog-hash': 'md5=AAAAAAAAAAAAAAAAAAAAAA==',
    });
    expect(wrong.status).toBe(400);
    expect((await media(url, 'r/hash.txt')).status).toBe(404);

    const cancelled = await startSession(url, 'r/cancel.txt');
    expect((await fetch(cancelled, { method: 'DELETE' })).status).toBe(499);
    expect((await put(cancelled, Buffer.from('x'))).status).toBe(404);
    expect((await media(url, 'r/cancel.txt')).status).toBe(404);
  });

  it('serves @google-cloud/storage resumable uploads, single request and chunked', async () => {
    const { url } = await start();
    const storage = new Storage({ apiEndpoint: url, projectId: 'uploads-project' });
    const file = storage.bucket(BUCKET).file('sdk/resumable.bin');
    const bytes = randomBytes(6 * 1024 * 1024 + 17);
    await file.save(bytes, { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } });
    const [downloaded] = await file.download();
    expect(downloaded.equals(bytes)).toBe(true);

    const chunked = storage.bucket(BUCKET).file('sdk/chunked.bin');
    await chunked.save(bytes, {
      resumable: true,
      chunkSize: 1024 * 1024,
      metadata: { contentType: 'image/png' },
    });
    const [meta] = await chunked.getMetadata();
    expect(meta).toMatchObject({ size: String(bytes.length), contentType: 'image/png' });
    expect((await chunked.download())[0].equals(bytes)).toBe(true);
  });
});

describe('buckets and folder-aware listings', () => {
  it('lists its one bucket, describes it, and reports a flat storage layout', async () => {
    const { url } = await start();
    const list = await fetch(`${url}/storage/v1/b?project=any-project&alt=json`);
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ kind: 'storage#buckets', items: [{ name: BUCKET }] });
    const none = await fetch(`${url}/storage/v1/b?project=p&prefix=zzz`);
    expect(await none.json()).toEqual({ kind: 'storage#buckets' });
    expect((await fetch(`${url}/storage/v1/b`)).status).toBe(400);
    expect(await (await fetch(`${url}/storage/v1/b/${BUCKET}`)).json()).toMatchObject({
      kind: 'storage#bucket',
      name: BUCKET,
    });
    expect(await (await fetch(`${url}/storage/v1/b/${BUCKET}/storageLayout`)).json()).toMatchObject({
      bucket: BUCKET,
      hierarchicalNamespace: { enabled: false },
    });
    const [buckets] = await new Storage({ apiEndpoint: url, projectId: 'p' }).getBuckets();
    expect(buckets.map((b) => b.name)).toEqual([BUCKET]);
  });

  it('accepts includeFoldersAsPrefixes and lists exactly as without it', async () => {
    const { url } = await start();
    const storage = new Storage({ apiEndpoint: url, projectId: 'p' });
    for (const name of ['a/1.txt', 'a/b/2.txt', 'c.txt']) {
      await storage.bucket(BUCKET).file(name).save('x', { resumable: false });
    }
    const base = `${url}/storage/v1/b/${BUCKET}/o?delimiter=%2F&prefix=a%2F`;
    const plain = await (await fetch(base)).json();
    const withFolders = await fetch(`${base}&includeFoldersAsPrefixes=True`);
    expect(withFolders.status).toBe(200);
    expect(await withFolders.json()).toEqual(plain);
    expect(plain).toMatchObject({ prefixes: ['a/b/'], items: [{ name: 'a/1.txt' }] });
  });
});
