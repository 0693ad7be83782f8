/**
 * Reconcile and replay through the real stack (issue 8, docs/design.md, "Reconcile"): every kind of drift is repaired, nothing
 * referenced is ever removed, a second pass finds nothing to do; a quarantined message replays onto the id
 * the original would have had.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestPath, stagingPath } from '../../shared/domain/paths';
import type { StoreRequestInput } from '../../shared/domain/store-request';
import {
  listQuarantine,
  markReplayed,
  readQuarantineRecord,
  replayMessage,
} from '../../shared/operations/quarantine';
import { type ReconcileOptions, reconcile } from '../../shared/operations/reconcile';
import { startTestStack, type TestStack, waitFor } from '../support/stack';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  t?.relay.release();
  await t?.stop();
});

const sample = (type: string, tenant: string, extra: Partial<StoreRequestInput> = {}): StoreRequestInput => ({
  ...(JSON.parse(readFileSync(`local/samples/${type}.json`, 'utf8')) as StoreRequestInput),
  tenant_id: tenant,
  ...extra,
});

const rowOf = (id: string, tenant: string) =>
  waitFor(() => t.metadata.get(id, tenant).then((r) => r ?? undefined), `row of ${id}`);

const run = (tenant: string, options: ReconcileOptions = {}) =>
  reconcile({ blobs: t.blobs, metadata: t.metadata }, { tenant, graceMinutes: 0, ...options });

/** Events for the objects written inside `fn` never reach the sync function: lost past their budget. */
async function withEventsLost<T>(fn: () => Promise<T>): Promise<T> {
  t.relay.hold();
  try {
    const result = await fn();
    await t.stack.eventsIdle();
    return result;
  } finally {
    t.relay.held.length = 0;
    t.relay.release();
  }
}

describe('reconcile', () => {
  it('records every manifest whose finalize was lost; the artifacts read back; a second pass does nothing', async () => {
    const tenant = `drift-${randomUUID().slice(0, 8)}`;
    const ids = await withEventsLost(async () => {
      const out: string[] = [];
      for (let i = 0; i < 5; i++) out.push((await t.publish(sample('workflow', tenant))).artifact_id);
      for (const artifact_id of out) {
        const name = manifestPath({ artifact_type: 'workflow', tenant_id: tenant, artifact_id });
        await waitFor(async () => (await t.blobs.head(name)) !== null, `manifest ${name}`);
      }
      return out;
    });
    for (const id of ids) expect(await t.metadata.get(id, tenant)).toBeNull();
    const first = await run(tenant);
    expect(first).toMatchObject({ recorded: 5, marked_deleted: 0, removed: 0, refused: 0 });
    for (const id of ids) {
      const res = await t.api(`/api/artifacts/${id}?visuals=inline`, { tenant });
      expect(res.status).toBe(200);
      expect((await res.json()).artifact).toEqual(sample('workflow', tenant).artifact);
    }
    expect(await run(tenant)).toMatchObject({ recorded: 0, marked_deleted: 0, removed: 0, refused: 0 });
  });

  it('marks deleted a live row whose manifest is gone, and removes what is left of it', async () => {
    const tenant = `gone-${randomUUID().slice(0, 8)}`;
    const { artifact_id } = await t.publish(sample('workflow', tenant));
    const row = await rowOf(artifact_id, tenant);
    await withEventsLost(() => t.blobs.delete(row.file_path));
    expect(await t.metadata.get(artifact_id, tenant)).not.toBeNull();
    const report = await run(tenant);
    expect(report).toMatchObject({ marked_deleted: 1, removed: 1 });
    expect(await t.metadata.get(artifact_id, tenant)).toBeNull();
    expect(await t.objects(`artifacts/workflow/${tenant}/`)).toEqual([]);
  });

  it('finishes an interrupted delete: a deleted row whose objects remain', async () => {
    const tenant = `half-${randomUUID().slice(0, 8)}`;
    const { artifact_id } = await t.publish(sample('workflow', tenant));
    await rowOf(artifact_id, tenant);
    await t.metadata.markDeleted({ uuid: artifact_id, tenant_id: tenant, generation: null });
    expect((await t.objects(`artifacts/workflow/${tenant}/`)).length).toBe(2);
    expect(await run(tenant)).toMatchObject({ removed: 2 });
    expect(await t.objects(`artifacts/workflow/${tenant}/`)).toEqual([]);
  });

  it('removes unreferenced leftovers after the grace period only, never a referenced visual', async () => {
    const tenant = `left-${randomUUID().slice(0, 8)}`;
    const { artifact_id } = await t.publish(sample('workflow', tenant));
    const row = await rowOf(artifact_id, tenant);
    const key = { artifact_type: 'workflow', tenant_id: tenant, artifact_id };
    // A losing attempt's extra visual beside a committed artifact, and a failed attempt's visual alone.
    const beside = `artifacts/workflow/${tenant}/${artifact_id}/large_visual.png`;
    const alone = `artifacts/workflow/${tenant}/${randomUUID()}/workflow_visual.png`;
    for (const name of [beside, alone]) {
      await t.blobs.putIfAbsent(name, randomBytes(32), { contentType: 'image/png' });
    }
    expect(await run(tenant, { graceMinutes: 60 })).toMatchObject({ removed: 0 });
    expect(await run(tenant, { dryRun: true })).toMatchObject({ removed: 2, dry_run: true });
    expect(await t.blobs.head(beside)).not.toBeNull();
    expect(await run(tenant)).toMatchObject({ removed: 2, recorded: 0 });
    const left = (await t.objects(`artifacts/workflow/${tenant}/`)).map((o) => o.name).sort();
    expect(left).toEqual([manifestPath(key), row.metadata.visuals[0]!.storage_path].sort());
    const inline = await t.api(`/api/artifacts/${artifact_id}?visuals=inline`, { tenant });
    expect(inline.status).toBe(200);
  });

  it("leaves a manifest it can never record (another tenant's id) in place, counted as refused", async () => {
    const owner = `own-${randomUUID().slice(0, 8)}`;
    const intruder = `int-${randomUUID().slice(0, 8)}`;
    const artifact_id = randomUUID();
    await t.publish(sample('workflow', owner, { artifact_id }));
    await rowOf(artifact_id, owner);
    const bytes = Buffer.from(
      (await t.blobs.get(manifestPath({ artifact_type: 'workflow', tenant_id: owner, artifact_id })))!.bytes,
    );
    const foreign = manifestPath({ artifact_type: 'workflow', tenant_id: intruder, artifact_id });
    const ownerManifest = await t.blobs.head(
      manifestPath({ artifact_type: 'workflow', tenant_id: owner, artifact_id }),
    );
    await withEventsLost(() =>
      t.blobs.putIfAbsent(foreign, bytes, {
        contentType: 'application/json',
        metadata: { ...ownerManifest!.metadata, tenant_id: intruder },
      }),
    );
    expect(await run(intruder)).toMatchObject({ refused: 1, removed: 0, recorded: 0 });
    expect(await t.blobs.head(foreign)).not.toBeNull();
    expect(await t.metadata.get(artifact_id, owner)).not.toBeNull();
  });
});

describe('quarantine replay', () => {
  it('a request refused for a missing staged payload, replayed once it is there, lands on the original id', async () => {
    const tenant = `replay-${randomUUID().slice(0, 8)}`;
    const staged = `late-${randomUUID()}.json`;
    const request = {
      artifact_type: 'workflow',
      tenant_id: tenant,
      artifact_ref: { name: staged },
      materialization: { mode: 'persist' },
    };
    const { messageId } = await t.push(request);
    const entry = await waitFor(async () => {
      const entries = await listQuarantine(t.blobs, { code: 'STAGED_OBJECT_MISSING' });
      return entries.find((e) => e.path.includes(messageId));
    }, 'quarantine record');
    const record = await readQuarantineRecord(t.blobs, entry.path);
    if (record?.function !== 'storeArtifact') throw new Error('not a store record');
    expect(record.artifact_id).toMatch(/^[0-9a-f-]{36}$/);

    // The producer's upload arrives late; the operator replays.
    const document = sample('workflow', tenant).artifact;
    await t.blobs.putIfAbsent(stagingPath(tenant, staged), Buffer.from(JSON.stringify(document)), {
      contentType: 'application/json',
    });
    const { data, attributes } = replayMessage(record);
    expect(JSON.parse(data.toString('utf8'))).toEqual({ ...request, artifact_id: record.artifact_id });
    await t.transport.publish(data, attributes);
    const moved = await markReplayed(t.blobs, entry.path);
    expect(moved).toBe(entry.path.replace('quarantine/', 'quarantine/replayed/'));
    expect(await t.blobs.head(entry.path)).toBeNull();
    expect((await listQuarantine(t.blobs, { replayed: true })).map((e) => e.path)).toContain(moved);

    await rowOf(record.artifact_id!, tenant);
    const res = await t.api(`/api/artifacts/${record.artifact_id}?visuals=inline`, { tenant });
    expect((await res.json()).artifact).toEqual(document);
  });
});
