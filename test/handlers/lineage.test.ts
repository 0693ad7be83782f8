/**
 * Lineage when storing, in process: a parent named without a version is recorded at its latest version when
 * the child is stored (later versions of the parent do not move the edge), a parent named with a version at
 * that version, a parent the tenant does not have never shows, and a redelivery records no edge twice.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inProcess } from '../support/in-process';

type P = ReturnType<typeof inProcess>;
const tenant = 't-lineage';
const request = (id: string, doc: unknown, extra: Record<string, unknown> = {}) => ({
  artifact_type: 'roadmap',
  tenant_id: tenant,
  artifact_id: id,
  artifact: { roadmap: doc },
  materialization: { mode: 'persist' },
  ...extra,
});

async function deliver(p: P, body: unknown, messageId = `m-${randomUUID()}`): Promise<void> {
  await p.deliver(body, { messageId });
  await p.settled();
}

const edgesOf = async (p: P, id: string) =>
  (await p.metadata.lineage(id, tenant, 'up', 1))?.edges.map((e) => `${e.to.artifact_id}@${e.to.version}`);

describe('derived_from when storing', () => {
  it("records the parent's latest version at the time, or the version named", async () => {
    const p = inProcess();
    const parent = randomUUID();
    await deliver(p, request(parent, { v: 1 }));
    await deliver(p, request(parent, { v: 2 }, { expected_version: 1 }));
    const latest = randomUUID();
    const pinned = randomUUID();
    await deliver(p, request(latest, { c: 1 }, { derived_from: [{ artifact_id: parent }] }));
    await deliver(p, request(pinned, { c: 2 }, { derived_from: [{ artifact_id: parent, version: 1 }] }));
    // A third version of the parent later does not move the edges already recorded.
    await deliver(p, request(parent, { v: 3 }, { expected_version: 2 }));
    expect(await edgesOf(p, latest)).toEqual([`${parent}@2`]);
    expect(await edgesOf(p, pinned)).toEqual([`${parent}@1`]);
    const down = await p.metadata.lineage(parent, tenant, 'down', 1);
    expect(down?.nodes.map((n) => n.artifact_id).sort()).toEqual(
      [parent, parent, parent, latest, pinned].sort(),
    );
  });

  it("a parent the tenant does not have (unknown, or another tenant's) is stored but never shows", async () => {
    const p = inProcess();
    const theirs = randomUUID();
    await deliver(p, { ...request(theirs, { x: 1 }), tenant_id: 'someone-else' });
    const child = randomUUID();
    await deliver(
      p,
      request(child, { c: 1 }, { derived_from: [{ artifact_id: theirs }, { artifact_id: randomUUID() }] }),
    );
    expect(await p.metadata.status(child, tenant)).toEqual({ state: 'stored', version: 1 });
    expect(await edgesOf(p, child)).toEqual([]);
    expect((await p.metadata.lineage(theirs, 'someone-else', 'down', 1))?.nodes).toHaveLength(1);
  });

  it('a redelivered message records its edges once', async () => {
    const p = inProcess();
    const parent = randomUUID();
    await deliver(p, request(parent, { v: 1 }));
    const child = randomUUID();
    const body = request(child, { c: 1 }, { derived_from: [{ artifact_id: parent }] });
    await deliver(p, body, 'm-same');
    await deliver(p, body, 'm-same');
    await deliver(p, body);
    expect(await edgesOf(p, child)).toEqual([`${parent}@1`]);
  });
});
