/**
 * Transient failures (DESIGN 7): with the metadata store unreachable, nothing is acknowledged or quarantined.
 * The store and sync functions answer 5xx so Pub/Sub / Eventarc redeliver; the API answers 503 problem+json.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/net';
import { startTestStack, type TestStack } from '../support/stack';

let t: TestStack;

beforeAll(async () => {
  // Nothing listens on this port: every Supabase call fails with a network error (supabase-js status 0).
  t = await startTestStack({ functionEnv: { SUPABASE_URL: `http://127.0.0.1:${await freePort()}` } });
});
afterAll(async () => {
  await t?.stop();
});

describe('with the database unreachable', () => {
  it('storeArtifact answers 5xx, writes nothing and quarantines nothing', async () => {
    const { status, messageId } = await t.push({
      artifact_type: 'poc',
      tenant_id: 'transient',
      artifact_id: randomUUID(),
      artifact: { poc: { name: 'x' } },
      materialization: { mode: 'persist' },
    });
    expect(status).toBeGreaterThanOrEqual(500);
    expect(t.logs('storeArtifact').find((l) => l.message_id === messageId)).toMatchObject({
      severity: 'ERROR',
      event: 'artifact.retry',
    });
    expect(await t.objects()).toEqual([]);
  });

  it('syncArtifactMetadata answers 5xx to a finalize, so Eventarc redelivers it', async () => {
    const name = `artifacts/poc/transient/${randomUUID()}.json`;
    await t.blobs.putIfAbsent(name, Buffer.from('{}'), { contentType: 'application/json', metadata: {} });
    const info = await t.blobs.head(name);
    const res = await fetch(`${t.stack.urls.sync}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': randomUUID(),
        'ce-source': '//storage.googleapis.com/projects/_/buckets/test-artifacts',
        'ce-type': 'google.cloud.storage.object.v1.deleted',
        'ce-subject': `objects/${name}`,
      },
      body: JSON.stringify({ bucket: 'test-artifacts', name, generation: info!.generation }),
    });
    expect(res.status).toBeGreaterThanOrEqual(500);
  });

  it('artifactsApi answers 503 problem+json with Retry-After', async () => {
    const res = await t.api('/api/artifacts', { tenant: 'transient' });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ status: 503, type: 'urn:artifact-store:problem:unavailable' });
  });
});
