/**
 * End to end through the local stack: publish (through the gcloud Pub/Sub emulator when the run has one) →
 * visuals and manifest in the bucket → row → GET returns the original document exactly → DELETE leaves no
 * object and the row reads deleted. Every known artifact type, a staged (claim-check) payload, and the
 * default policy's ephemeral path.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ArtifactEnvelope, ListResponse } from '../../functions/artifactsApi/schemas';
import { KNOWN_ARTIFACT_TYPES } from '../../shared/domain/artifact-types';
import { manifestPath, visualsPrefix } from '../../shared/domain/paths';
import type { StoreRequestInput } from '../../shared/domain/store-request';
import { startTestStack, type TestStack, waitFor } from '../support/stack';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

function sample(type: string, tenant: string): StoreRequestInput {
  const request = JSON.parse(readFileSync(`local/samples/${type}.json`, 'utf8')) as StoreRequestInput;
  return { ...request, tenant_id: tenant };
}

async function waitForRow(id: string, tenant: string) {
  return waitFor(() => t.metadata.get(id, tenant).then((row) => row ?? undefined), `row of ${id}`);
}

describe('the Pub/Sub emulator', () => {
  it('carries the requests when the run has it (always in CI): its push subscription delivers to the store', async () => {
    const host = inject('pubsubEmulatorHost');
    if (!host) {
      if (process.env.CI)
        throw new Error('CI=true but no Pub/Sub emulator: .ci/run must start it (PUBSUB_EMULATOR_HOST)');
      expect(t.via).toBe('push');
      return;
    }
    expect(t.via).toBe('pubsub');
    const { projectId, topic } = t.stack.options;
    const res = await fetch(`http://${host}/v1/projects/${projectId}/subscriptions/${topic}-push`);
    expect(res.status).toBe(200);
    const subscription = (await res.json()) as { pushConfig?: { pushEndpoint?: string } };
    expect(subscription.pushConfig?.pushEndpoint).toBe(
      `${t.stack.urls.store}/projects/${projectId}/topics/${topic}`,
    );
    const published = await t.publish(sample('poc', 'e2e-emulator'));
    await waitForRow(published.artifact_id, 'e2e-emulator');
    // The id the store saw is the one the emulator gave the message: it came through the emulator.
    const line = t
      .logs('storeArtifact')
      .find((l) => l.artifact_id === published.artifact_id && l.event === 'artifact.stored');
    expect(line?.message_id).toBe(published.message_id);
  });
});

describe.each(KNOWN_ARTIFACT_TYPES)('a %s artifact', (type) => {
  const tenant = `e2e-${type.replace(/_/g, '-')}`;
  let id: string;

  it('is stored: visuals, then the manifest, then the row', async () => {
    const request = sample(type, tenant);
    const published = await t.publish(request);
    id = published.artifact_id;
    const row = await waitForRow(id, tenant);
    const key = { artifact_type: type, tenant_id: tenant, artifact_id: id };

    expect(row).toMatchObject({
      uuid: id,
      tenant_id: tenant,
      artifact_type: type,
      file_type: 'artifact',
      mime_type: 'application/json',
      file_path: manifestPath(key),
      status: 'active',
      deleted: false,
      expires_at: null,
      ui_name: `Sample ${type.replace(/_/g, ' ')}`,
      user_id: 'user-42',
    });
    expect(row.metadata).toMatchObject({
      execution_id: 'exec-demo',
      session_id: 'session-demo',
      user_id: 'user-42',
      bucket: 'test-artifacts',
      materialization: { mode: 'persist', source: 'override', rule_index: null, retention_days: null },
    });
    const manifest = await t.blobs.head(manifestPath(key));
    expect(manifest?.generation).toBe(row.metadata.generation);
    expect(manifest?.size).toBe(row.file_size);
    const visualObjects = await t.objects(visualsPrefix(key));
    expect(visualObjects.map((o) => o.name).sort()).toEqual(
      row.metadata.visuals.map((v) => v.storage_path).sort(),
    );
    expect(row.metadata.has_visuals).toBe(visualObjects.length > 0);
    expect(row.metadata.visual_paths).toEqual(row.metadata.visuals.map((v) => v.name));
    const artifact = request.artifact as Record<string, unknown>;
    const components = artifact.components;
    expect(row.metadata.component_count).toBe(
      components && typeof components === 'object' ? Object.keys(components).length : 0,
    );
  });

  it('reads back exactly with ?visuals=inline, and with references and urls without it', async () => {
    const original = sample(type, tenant).artifact;
    const inline = await t.api(`/api/artifacts/${id}?visuals=inline`, { tenant });
    expect(inline.status).toBe(200);
    const body = (await inline.json()) as ArtifactEnvelope;
    expect(body.artifact).toEqual(original);
    expect(body).toMatchObject({ artifact_id: id, artifact_type: type, tenant_id: tenant });

    const plain = (await (await t.api(`/api/artifacts/${id}`, { tenant })).json()) as ArtifactEnvelope;
    expect(JSON.stringify(plain.artifact)).not.toContain('image_base64');
    for (const visual of plain.metadata.visuals as Array<{
      name: string;
      sha256: string;
      content_type: string;
    }>) {
      const res = await t.api(`/api/artifacts/${id}/visuals/${encodeURIComponent(visual.name)}`, { tenant });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(visual.content_type);
      expect(res.headers.get('etag')).toBe(`"${visual.sha256}"`);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length).toBe(Number(res.headers.get('content-length')));
    }
  });

  it('is listed for its tenant only', async () => {
    const mine = (await (
      await t.api(`/api/artifacts?artifact_type=${type}`, { tenant })
    ).json()) as ListResponse;
    expect(mine.items.map((i) => i.artifact_id)).toContain(id);
    const theirs = (await (
      await t.api(`/api/artifacts?artifact_type=${type}`, { tenant: `${tenant}-other` })
    ).json()) as ListResponse;
    expect(theirs.items).toEqual([]);
  });

  it('is deleted: no object remains and the row reads deleted', async () => {
    const res = await t.api(`/api/artifacts/${id}`, { method: 'DELETE', tenant });
    expect(res.status).toBe(204);
    const key = { artifact_type: type, tenant_id: tenant, artifact_id: id };
    expect(await t.objects(`artifacts/${type}/${tenant}/${id}`)).toEqual([]);
    expect(await t.metadata.get(id, tenant)).toBeNull();
    expect(await t.metadata.claim(id, tenant, type)).toBe('deleted');
    expect((await t.api(`/api/artifacts/${id}`, { tenant })).status).toBe(404);
    // The sync function's view converges too: the manifest's deleted event keeps the row deleted.
    await t.stack.eventsIdle();
    expect(await t.metadata.claim(id, tenant, type)).toBe('deleted');
    expect(await t.blobs.head(manifestPath(key))).toBeNull();
  });
});

describe('a payload over the inline limit', () => {
  it('is staged under staging/{tenant}/, stored by reference, and the staged object removed', async () => {
    const tenant = 'e2e-staged';
    const request = sample('blueprint', tenant);
    const published = await t.publish(request, { inlineLimitBytes: 256 });
    expect(published.staged).toBe(`staging/${tenant}/${published.artifact_id}.json`);
    await waitForRow(published.artifact_id, tenant);
    const body = (await (
      await t.api(`/api/artifacts/${published.artifact_id}?visuals=inline`, { tenant })
    ).json()) as ArtifactEnvelope;
    expect(body.artifact).toEqual(request.artifact);
    await waitFor(async () => (await t.blobs.head(published.staged!)) === null, 'staged payload removed');
  });
});

describe('the shipped default policy', () => {
  it('keeps nothing of an artifact published without an override: no object, no row, one log line', async () => {
    const tenant = 'e2e-ephemeral';
    const { materialization: _m, ...request } = sample('sop', tenant);
    const published = await t.publish(request);
    const line = await waitFor(
      async () =>
        t
          .logs('storeArtifact')
          .find((l) => l.artifact_id === published.artifact_id && l.event === 'artifact.ephemeral'),
      'ephemeral log line',
    );
    expect(line).toMatchObject({ decision: { mode: 'ephemeral', source: 'default' } });
    expect(await t.objects(`artifacts/sop/${tenant}/`)).toEqual([]);
    expect(await t.metadata.rowStates([published.artifact_id])).toEqual([]);
  });
});
