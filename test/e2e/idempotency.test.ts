/**
 * At-least-once delivery, duplicates and reordering, end to end: each case must end in exactly the right
 * state (one row, the right generation, deleted stays deleted) with no orphan object.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestPath } from '../../shared/domain/paths';
import type { StoreRequestInput } from '../../shared/domain/store-request';
import { startTestStack, type TestStack, waitFor } from '../support/stack';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const sample = (type: string, tenant: string, extra: Partial<StoreRequestInput> = {}): StoreRequestInput => ({
  ...(JSON.parse(readFileSync(`local/samples/${type}.json`, 'utf8')) as StoreRequestInput),
  tenant_id: tenant,
  ...extra,
});

const rowOf = (id: string, tenant: string) =>
  waitFor(() => t.metadata.get(id, tenant).then((r) => r ?? undefined), `row of ${id}`);

async function rowCount(id: string): Promise<number> {
  const { Client } = (await import('pg')).default;
  const client = new Client({ connectionString: t.stack.databaseUrl });
  await client.connect();
  try {
    return (await client.query('select count(*)::int as n from project_files where uuid = $1', [id])).rows[0]
      .n;
  } finally {
    await client.end();
  }
}

describe('duplicates', () => {
  it('the same message delivered three times stores one artifact, written once', async () => {
    const tenant = 'dup-message';
    const request = sample('workflow', tenant);
    const messageId = `dup-${randomUUID()}`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.push(request, { messageId })).status);
    expect(statuses.every((s) => s >= 200 && s < 300)).toBe(true);
    const stored = t.logs('storeArtifact').filter((l) => l.message_id === messageId);
    expect(stored.map((l) => l.status)).toEqual(['stored', 'already_stored', 'already_stored']);
    const id = stored[0]!.artifact_id as string;
    const row = await rowOf(id, tenant);
    await t.stack.eventsIdle();
    expect(await rowCount(id)).toBe(1);
    // One generation of each object: the manifest and its one visual were each written once.
    const objects = await t.objects(`artifacts/workflow/${tenant}/`);
    expect(objects.map((o) => o.name).sort()).toEqual(
      [row.file_path, ...row.metadata.visuals.map((v) => v.storage_path)].sort(),
    );
    expect(objects.find((o) => o.name === row.file_path)?.generation).toBe(row.metadata.generation);
  });

  it('three concurrent deliveries of one message converge the same way', async () => {
    const tenant = 'dup-concurrent';
    const messageId = `dupc-${randomUUID()}`;
    const results = await Promise.all(
      [0, 1, 2].map(() => t.push(sample('blueprint', tenant), { messageId })),
    );
    expect(results.every((r) => r.status >= 200 && r.status < 300)).toBe(true);
    const lines = t.logs('storeArtifact').filter((l) => l.message_id === messageId);
    expect(lines.filter((l) => l.status === 'stored')).toHaveLength(1);
    const id = lines[0]!.artifact_id as string;
    const row = await rowOf(id, tenant);
    const objects = await t.objects(`artifacts/blueprint/${tenant}/`);
    expect(objects).toHaveLength(1 + row.metadata.visuals.length);
  });

  it('a finalize delivered three times leaves one unchanged row', async () => {
    const tenant = 'dup-finalize';
    t.relay.hold();
    let published: { artifact_id: string };
    try {
      published = await t.publish(sample('roadmap', tenant));
      await waitFor(
        async () => t.relay.held.find((e) => e.name.endsWith(`${published.artifact_id}.json`)),
        'finalize held',
      );
    } finally {
      t.relay.release();
    }
    const finalize = t.relay.held.splice(0).find((e) => e.name.endsWith(`${published.artifact_id}.json`))!;
    expect(finalize.type).toBe('google.cloud.storage.object.v1.finalized');
    for (let i = 0; i < 3; i++) expect(await t.relay.deliver(finalize)).toBeLessThan(300);
    const outcomes = t
      .logs('syncArtifactMetadata')
      .filter((l) => l.artifact_id === published.artifact_id)
      .map((l) => l.outcome);
    expect(outcomes).toEqual(['inserted', 'unchanged', 'unchanged']);
    const row = await rowOf(published.artifact_id, tenant);
    expect(row.created_at).toBe(row.updated_at);
    expect(await rowCount(published.artifact_id)).toBe(1);
  });
});

describe('reordering', () => {
  it('a delete that arrives before its finalize ends deleted, with nothing left behind', async () => {
    const tenant = 'order-delete-first';
    t.relay.hold();
    let id = '';
    try {
      id = (await t.publish(sample('solution', tenant))).artifact_id;
      await waitFor(async () => t.relay.held.some((e) => e.name.endsWith(`${id}.json`)), 'finalize held');
      // The manifest is deleted from the bucket (by hand, as an operator would) while its finalize is in flight.
      const key = { artifact_type: 'solution', tenant_id: tenant, artifact_id: id };
      expect(await t.blobs.delete(manifestPath(key))).toBe(true);
      await waitFor(
        async () => t.relay.held.some((e) => e.type.endsWith('deleted') && e.name.endsWith(`${id}.json`)),
        'delete held',
      );
    } finally {
      t.relay.release();
    }
    const events = t.relay.held.splice(0).filter((e) => e.name.includes(id));
    const finalize = events.find((e) => e.type.endsWith('finalized') && e.name.endsWith('.json'))!;
    const deleted = events.find((e) => e.type.endsWith('deleted') && e.name.endsWith('.json'))!;
    expect(await t.relay.deliver(deleted)).toBeLessThan(300);
    expect(await t.relay.deliver(finalize)).toBeLessThan(300);
    expect(await t.relay.deliver(deleted)).toBeLessThan(300);
    expect(await t.metadata.claim(id, tenant, 'solution')).toBe('deleted');
    expect(await t.metadata.get(id, tenant)).toBeNull();
    // The deleted event also removed the visuals the manifest left behind.
    expect(await t.objects(`artifacts/solution/${tenant}/${id}`)).toEqual([]);
  });

  it('a deleted id cannot be stored again: ARTIFACT_DELETED, quarantined, nothing written', async () => {
    const tenant = 'order-restore';
    const artifact_id = randomUUID();
    await t.publish(sample('poc', tenant, { artifact_id }));
    await rowOf(artifact_id, tenant);
    expect((await t.api(`/api/artifacts/${artifact_id}`, { method: 'DELETE', tenant })).status).toBe(204);
    const { status, messageId } = await t.push(sample('poc', tenant, { artifact_id }));
    expect(status).toBe(204);
    const line = t.logs('storeArtifact').find((l) => l.message_id === messageId);
    expect(line).toMatchObject({ error_code: 'ARTIFACT_DELETED' });
    expect(await t.objects(`artifacts/poc/${tenant}/`)).toEqual([]);
  });
});

describe('ownership', () => {
  it("another tenant's id is refused before anything is written, and the owner's artifact is untouched", async () => {
    const artifact_id = randomUUID();
    await t.publish(sample('sop', 'owner-a', { artifact_id }));
    const before = await rowOf(artifact_id, 'owner-a');
    const { status, messageId } = await t.push(sample('sop', 'intruder-b', { artifact_id }));
    expect(status).toBe(204);
    expect(t.logs('storeArtifact').find((l) => l.message_id === messageId)).toMatchObject({
      error_code: 'TENANT_CONFLICT',
    });
    expect(await t.objects('artifacts/sop/intruder-b/')).toEqual([]);
    expect(await t.metadata.get(artifact_id, 'owner-a')).toEqual(before);
  });

  it("a manifest written past the store under another tenant's id: the event is quarantined, the owner untouched", async () => {
    const artifact_id = randomUUID();
    await t.publish(sample('workflow', 'race-owner', { artifact_id }));
    const before = await rowOf(artifact_id, 'race-owner');
    // Write the intruder's objects straight into the bucket, as a store that lost the race would have.
    const { extractVisuals } = await import('../../shared/domain/visuals');
    const { encodeManifestMetadata } = await import('../../shared/domain/manifest-metadata');
    const key = { artifact_type: 'workflow', tenant_id: 'race-intruder', artifact_id };
    const { manifest, visuals } = extractVisuals(sample('workflow', 'race-intruder').artifact as never, key);
    for (const v of visuals)
      await t.blobs.putIfAbsent(v.storage_path, v.bytes, { contentType: v.content_type });
    const bytes = Buffer.from(JSON.stringify(manifest));
    await t.blobs.putIfAbsent(manifestPath(key), bytes, {
      contentType: 'application/json',
      metadata: encodeManifestMetadata({
        ...key,
        sha256: 'x',
        user_id: null,
        ui_name: null,
        execution_id: null,
        session_id: null,
        extra: {},
        materialization: {
          mode: 'persist',
          source: 'default',
          rule_index: null,
          retention_days: null,
          reason: null,
        },
        expires_at: null,
      }),
    });
    const record = await waitFor(async () => {
      const records = await t.objects('quarantine/sync/');
      for (const r of records) {
        const body = JSON.parse((await t.blobs.get(r.name))!.bytes.toString('utf8'));
        if (body.event?.name === manifestPath(key)) return body;
      }
      return undefined;
    }, 'sync quarantine record');
    expect(record).toMatchObject({
      error: { code: 'TENANT_CONFLICT' },
      event: { name: manifestPath(key), bucket: t.stack.options.bucket },
      function: 'syncArtifactMetadata',
    });
    // Nothing is deleted on a guess: the intruder's objects stay where they are, never recorded.
    expect((await t.objects('artifacts/workflow/race-intruder/')).length).toBe(visuals.length + 1);
    expect(await t.metadata.get(artifact_id, 'race-owner')).toEqual(before);
    expect(await t.metadata.get(artifact_id, 'race-intruder')).toBeNull();
  });
});
