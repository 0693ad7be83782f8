import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsStandIn, startGcsStandIn } from '../../local/gcs';
import { freePort } from '../../local/net';
import type { BlobStore } from '../../shared/adapters/blob-store';
import { GcsBlobStore } from '../../shared/adapters/gcs-blob-store';
import { TransientError } from '../../shared/domain/errors';
import { blobStoreContract, md5 } from './blob-store-contract';

const BUCKET = 'contract-bucket';

let standIn: GcsStandIn;
let dataDir: string;
let store: BlobStore;

beforeAll(async () => {
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  dataDir = mkdtempSync(join(tmpdir(), 'gcs-contract-'));
  standIn = await startGcsStandIn({ port: await freePort(), dataDir, bucket: BUCKET, log: () => {} });
  store = new GcsBlobStore({ bucket: BUCKET, apiEndpoint: standIn.url, projectId: 'local-project' });
});

afterAll(async () => {
  await standIn?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('GcsBlobStore failures', () => {
  it("an upload whose bytes the service reports differently (the client's FILE_NO_UPLOAD) is transient", async () => {
    // A storage service that acknowledges uploads with a hash that is not the bytes' own.
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'DELETE') return void res.writeHead(204).end();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'storage#object',
            name: 'x',
            bucket: BUCKET,
            generation: '1',
            metageneration: '1',
            size: '3',
            md5Hash: md5(Buffer.from('not the bytes')),
            crc32c: 'AAAAAA==',
          }),
        );
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const liar = new GcsBlobStore({
        bucket: BUCKET,
        apiEndpoint: `http://127.0.0.1:${port}`,
        projectId: 'p',
      });
      const err = await liar
        .putIfAbsent('x', Buffer.from('abc'), { contentType: 'text/plain' })
        .catch((e) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect((err as Error).message).toMatch(/uploaded data did not match/);
    } finally {
      server.close();
    }
  });
});

describe('GcsBlobStore integrity', () => {
  /** A storage service that answers every upload with `answer` and records what it received. */
  async function fakeService(answer: (body: string) => { status: number; body: unknown }) {
    const { createServer } = await import('node:http');
    const received: Array<{ method: string; url: string; body: string }> = [];
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const body = Buffer.concat(parts).toString('latin1');
        received.push({ method: req.method ?? '', url: req.url ?? '', body });
        if (req.method === 'DELETE') return void res.writeHead(204).end();
        const { status, body: json } = answer(body);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const client = new GcsBlobStore({
      bucket: BUCKET,
      apiEndpoint: `http://127.0.0.1:${port}`,
      projectId: 'p',
    });
    return { client, received, close: () => server.close() };
  }

  it('an upload states the MD5 of its bytes, for the service to check (nothing computed in JavaScript)', async () => {
    const bytes = Buffer.from('the bytes');
    const fake = await fakeService(() => ({
      status: 200,
      body: {
        kind: 'storage#object',
        name: 'x',
        bucket: BUCKET,
        generation: '7',
        size: '9',
        md5Hash: md5(bytes),
      },
    }));
    try {
      const put = await fake.client.putIfAbsent('x', bytes, { contentType: 'text/plain' });
      expect(put).toMatchObject({ created: true, info: { generation: '7', md5Hash: md5(bytes) } });
      expect(fake.received).toHaveLength(1);
      expect(fake.received[0]!.url).toContain('ifGenerationMatch=0');
      expect(fake.received[0]!.body).toContain(`"md5Hash":"${md5(bytes)}"`);
    } finally {
      fake.close();
    }
  });

  it('bytes the service refuses for their MD5 (400) are transient, and nothing is deleted', async () => {
    const fake = await fakeService(() => ({
      status: 400,
      body: {
        error: { code: 400, message: 'Provided MD5 hash "x" doesn\'t match calculated MD5 hash "y".' },
      },
    }));
    try {
      const err = await fake.client
        .putIfAbsent('x', Buffer.from('abc'), { contentType: 'text/plain' })
        .catch((e) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect((err as Error).message).toMatch(/uploaded data did not match/);
      expect(fake.received.filter((r) => r.method === 'DELETE')).toEqual([]);
    } finally {
      fake.close();
    }
  });

  it('the stand-in refuses an upload whose stated MD5 is not that of its bytes (as GCS does)', async () => {
    const { Storage } = await import('@google-cloud/storage');
    const file = new Storage({ apiEndpoint: standIn.url, projectId: 'p' }).bucket(BUCKET).file('md5/refused');
    const err = await file
      .save(Buffer.from('abc'), {
        resumable: false,
        validation: false,
        metadata: { contentType: 'text/plain', md5Hash: md5(Buffer.from('abd')) },
      })
      .catch((e) => e);
    expect((err as { code?: number }).code).toBe(400);
    expect(await store.head('md5/refused')).toBeNull();
  });

  it('a read whose bytes are not those of the MD5 the service reports fails (never returns them)', async () => {
    const { createServer } = await import('node:http');
    const good = Buffer.from('the good bytes');
    const server = createServer((req, res) => {
      if (req.url?.includes('alt=media')) {
        res.writeHead(200, {
          'content-type': 'text/plain',
          'x-goog-hash': `md5=${md5(good)}`,
          'x-goog-stored-content-encoding': 'identity',
        });
        return void res.end('the evil bytes');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          name: 'x',
          bucket: BUCKET,
          generation: '3',
          size: String(good.length),
          md5Hash: md5(good),
        }),
      );
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const client = new GcsBlobStore({
        bucket: BUCKET,
        apiEndpoint: `http://127.0.0.1:${port}`,
        projectId: 'p',
      });
      await expect(client.get('x')).rejects.toThrow();
      const opened = (await client.openRead('x'))!;
      const { readAll } = await import('../../shared/platform/read-all');
      await expect(readAll(opened.stream)).rejects.toThrow();
    } finally {
      server.close();
    }
  });
});

blobStoreContract('GcsBlobStore against the local GCS stand-in', () => store);
