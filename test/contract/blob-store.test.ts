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

blobStoreContract('GcsBlobStore against the local GCS stand-in', () => store);
