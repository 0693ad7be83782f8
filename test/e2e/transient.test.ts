/**
 * Transient failures (docs/design.md, "Bad input and failures"): with the metadata store unreachable, nothing is acknowledged or quarantined.
 * The store and sync functions answer 5xx so Pub/Sub / Eventarc redeliver; the API answers 503 problem+json.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/net';
import { encodeManifestMetadata } from '../../shared/domain/manifest-metadata';
import { manifestPath } from '../../shared/domain/paths';
import { sha256Hex } from '../../shared/domain/visuals';
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
    const key = { artifact_type: 'poc', tenant_id: 'transient', artifact_id: randomUUID() };
    const name = manifestPath(key);
    const bytes = Buffer.from('{"poc":{}}');
    await t.blobs.putIfAbsent(name, bytes, {
      contentType: 'application/json',
      metadata: encodeManifestMetadata({
        ...key,
        sha256: sha256Hex(bytes),
        user_id: null,
        ui_name: null,
        execution_id: null,
        session_id: null,
        extra: {},
        materialization: {
          mode: 'persist',
          source: 'override',
          rule_index: null,
          retention_days: null,
          reason: null,
        },
        expires_at: null,
      }),
    });
    const info = await t.blobs.head(name);
    const res = await fetch(`${t.stack.urls.sync}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': randomUUID(),
        'ce-source': '//storage.googleapis.com/projects/_/buckets/test-artifacts',
        'ce-type': 'google.cloud.storage.object.v1.finalized',
        'ce-subject': `objects/${name}`,
      },
      body: JSON.stringify({ bucket: 'test-artifacts', name, generation: info!.generation }),
    });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(t.logs('syncArtifactMetadata').find((l) => l.object === name)).toMatchObject({
      severity: 'ERROR',
      message: 'sync failed; the event will be redelivered',
    });
    expect(await t.objects('quarantine/')).toEqual([]);
  });

  it('artifactsApi answers 503 problem+json with Retry-After', async () => {
    const res = await t.api('/api/artifacts', { tenant: 'transient' });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ status: 503, type: 'urn:artifact-store:problem:unavailable' });
  });
});
