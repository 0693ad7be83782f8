/**
 * Versions through the real stack (docs/design.md, "Versions"): the GCS stand-in's create-only writes are the
 * compare-and-set that numbers versions, with concurrent writers racing for real; the sync records each
 * version; a rejection is recorded for the status route.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestPath } from '../../shared/domain/paths';
import { deliverUntilAcked } from '../fault/support/audit';
import { pngBase64 } from '../fault/support/documents';
import { startTestStack, type TestStack, waitFor } from '../support/stack';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const tenant = `versions-${randomUUID().slice(0, 8)}`;
const request = (id: string, roadmap: unknown, extra: Record<string, unknown> = {}) => ({
  artifact_type: 'roadmap',
  tenant_id: tenant,
  artifact_id: id,
  artifact: { roadmap, roadmap_visual: { image_base64: pngBase64(200) } },
  materialization: { mode: 'persist' as const },
  ...extra,
});
const store = (body: unknown) => deliverUntilAcked(t, body, `v-${randomUUID()}`);
const latestVersion = (id: string, version: number) =>
  waitFor(
    async () => (await t.metadata.get(id, tenant))?.latest_version === version,
    `version ${version} of ${id}`,
  );

describe('versions, end to end', () => {
  it('a revision of the latest version is version 2, with its own manifest; both read back', async () => {
    const id = randomUUID();
    expect((await store(request(id, { phase: 1 }))).outcome).toMatchObject({
      event: 'artifact.stored',
      version: 1,
    });
    expect(
      (await store(request(id, { phase: 2 }, { expected_version: 1, aliases: ['current'] }))).outcome,
    ).toMatchObject({
      event: 'artifact.stored',
      version: 2,
    });
    await latestVersion(id, 2);
    const key = { artifact_type: 'roadmap', tenant_id: tenant, artifact_id: id };
    expect(await t.blobs.head(manifestPath(key, 2))).not.toBeNull();
    expect(await t.metadata.get(id, tenant, { alias: 'current' })).toMatchObject({ version: 2 });
    expect(await t.metadata.get(id, tenant, { version: 1 })).toMatchObject({ version: 1, latest_version: 2 });
  });

  it('8 concurrent revisions of version 1, 5 rounds: exactly one version 2, the others VERSION_CONFLICT', async () => {
    for (let round = 0; round < 5; round++) {
      const id = randomUUID();
      await store(request(id, { base: round }));
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store(request(id, { round, writer: i }, { expected_version: 1 })),
        ),
      );
      const events = outcomes.map((o) => o.outcome.event);
      expect(events.filter((e) => e === 'artifact.stored')).toHaveLength(1);
      expect(outcomes.filter((o) => o.outcome.error_code === 'VERSION_CONFLICT')).toHaveLength(7);
      await latestVersion(id, 2);
    }
  });

  it('8 concurrent "latest" revisions: versions 2..9, no gap, no duplicate, every one recorded', async () => {
    const id = randomUUID();
    await store(request(id, { base: true }));
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store(request(id, { writer: i }, { expected_version: 'latest' }))),
    );
    expect(outcomes.map((o) => o.outcome.version as number).sort((a, b) => a - b)).toEqual([
      2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    await latestVersion(id, 9);
    const page = await t.metadata.versions(id, tenant, 50);
    expect(page?.items.map((v) => v.version)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('publishArtifact({wait}) reports stored with the version, and a refused revision as rejected', async () => {
    const id = randomUUID();
    const wait = { apiUrl: t.stack.urls.api, token: await t.token(tenant), timeoutMs: 20_000 };
    const first = await t.publish(request(id, { w: 1 }), { wait });
    expect(first.outcome).toEqual({ state: 'stored', version: 1 });
    const second = await t.publish(request(id, { w: 2 }, { expected_version: 1 }), { wait });
    expect(second.outcome).toEqual({ state: 'stored', version: 2 });
    const refused = await t.publish(request(id, { w: 3 }, { expected_version: 1 }), { wait });
    expect(refused.outcome).toEqual({ state: 'rejected', error_code: 'VERSION_CONFLICT' });
  });

  it('a rejection is recorded for the status route; a store makes it stored', async () => {
    const id = randomUUID();
    await store({
      ...request(id, { x: 1 }),
      artifact: { roadmap: {}, bad_visual: { image_base64: 'nope!' } },
    });
    await waitFor(async () => (await t.metadata.status(id, tenant)).state === 'rejected', 'rejected');
    expect(await t.metadata.status(id, tenant)).toEqual({ state: 'rejected', error_code: 'INVALID_BASE64' });
    expect(await t.metadata.status(id, 'someone-else')).toEqual({ state: 'unknown' });
    await store(request(id, { ok: true }));
    await waitFor(async () => (await t.metadata.status(id, tenant)).state === 'stored', 'stored');
  });
});
