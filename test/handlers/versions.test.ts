/**
 * Versions in process (docs/design.md, "Versions"): numbering, optimistic concurrency, `latest` appends,
 * identical content recognised at any version, visuals shared across versions, aliases, and the sync
 * recording versions in any order.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { manifestPath } from '../../shared/domain/paths';
import { inProcess } from '../support/in-process';

const PNG = (n: number) =>
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, n]).toString('base64');
const persist = { mode: 'persist' as const };
type P = ReturnType<typeof inProcess>;

const request = (id: string, roadmap: unknown, extra: Record<string, unknown> = {}) => ({
  artifact_type: 'roadmap',
  tenant_id: 't1',
  artifact_id: id,
  artifact: { roadmap, roadmap_visual: { image_base64: PNG(1) } },
  materialization: persist,
  ...extra,
});
const outcome = (p: P, messageId: string) =>
  p.logs.store.find(
    (l) => l.message_id === messageId && typeof l.event === 'string' && l.event !== 'artifact.retry',
  );
const key = (id: string) => ({ artifact_type: 'roadmap', tenant_id: 't1', artifact_id: id });

async function deliver(p: P, body: unknown): Promise<Record<string, unknown>> {
  const messageId = `m-${randomUUID()}`;
  await p.deliver(body, { messageId });
  await p.settled();
  return outcome(p, messageId)!;
}

describe('versions in process', () => {
  it('expected_version N makes N+1 when N is the latest; VERSION_CONFLICT otherwise', async () => {
    const p = inProcess();
    const id = randomUUID();
    expect(await deliver(p, request(id, { v: 1 }))).toMatchObject({ event: 'artifact.stored', version: 1 });
    expect(await deliver(p, request(id, { v: 2 }, { expected_version: 1 }))).toMatchObject({
      event: 'artifact.stored',
      version: 2,
      manifest_path: manifestPath(key(id), 2),
    });
    expect(await deliver(p, request(id, { v: 3 }, { expected_version: 1 }))).toMatchObject({
      event: 'artifact.rejected',
      error_code: 'VERSION_CONFLICT',
    });
    expect(await deliver(p, request(id, { v: 3 }, { expected_version: 2 }))).toMatchObject({ version: 3 });
    const row = await p.metadata.get(id, 't1');
    expect(row).toMatchObject({ version: 3, latest_version: 3 });
    expect((await p.metadata.get(id, 't1', { version: 1 }))?.file_path).toBe(manifestPath(key(id)));
  });

  it('content identical to any version is already_stored and creates nothing (a redelivery never makes a version)', async () => {
    const p = inProcess();
    const id = randomUUID();
    await deliver(p, request(id, { v: 1 }));
    await deliver(p, request(id, { v: 2 }, { expected_version: 1 }));
    const objects = p.blobs.names().length;
    expect(await deliver(p, request(id, { v: 2 }, { expected_version: 1 }))).toMatchObject({
      event: 'artifact.already_stored',
      version: 2,
    });
    expect(await deliver(p, request(id, { v: 1 }, { expected_version: 'latest' }))).toMatchObject({
      event: 'artifact.already_stored',
      version: 1,
    });
    const again = await deliver(p, request(id, { v: 2 }));
    expect(again).toMatchObject({ event: 'artifact.already_stored', version: 2 });
    expect(p.blobs.names().length).toBe(objects);
    // The status route answers for that message: the version its content already is.
    expect(await p.metadata.status(id, 't1', again.message_id as string)).toEqual({
      state: 'stored',
      version: 2,
    });
    expect(await p.metadata.status(id, 't1', 'm-never-seen')).toEqual({ state: 'unknown' });
  });

  it('without expected_version, other content under an existing id is still ID_CONFLICT', async () => {
    const p = inProcess();
    const id = randomUUID();
    await deliver(p, request(id, { v: 1 }));
    expect(await deliver(p, request(id, { v: 9 }))).toMatchObject({
      event: 'artifact.rejected',
      error_code: 'ID_CONFLICT',
    });
  });

  it('"latest" appends after whatever is latest, also with nothing stored yet', async () => {
    const p = inProcess();
    const id = randomUUID();
    expect(await deliver(p, request(id, { v: 1 }, { expected_version: 'latest' }))).toMatchObject({
      version: 1,
    });
    expect(await deliver(p, request(id, { v: 2 }, { expected_version: 'latest' }))).toMatchObject({
      version: 2,
    });
    expect(await deliver(p, request(id, { v: 3 }, { expected_version: 'latest' }))).toMatchObject({
      version: 3,
    });
  });

  it('five concurrent revisions of version 1: one winner, the others VERSION_CONFLICT; five "latest": 2..6, no gap', async () => {
    const p = inProcess();
    const id = randomUUID();
    await deliver(p, request(id, { v: 1 }));
    const expected = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => deliver(p, request(id, { rev: i }, { expected_version: 1 }))),
    );
    expect(expected.filter((o) => o.event === 'artifact.stored')).toHaveLength(1);
    expect(expected.filter((o) => o.error_code === 'VERSION_CONFLICT')).toHaveLength(4);
    const latest = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => deliver(p, request(id, { append: i }, { expected_version: 'latest' }))),
    );
    expect(latest.map((o) => o.version).sort()).toEqual([3, 4, 5, 6, 7]);
    expect((await p.metadata.get(id, 't1'))?.latest_version).toBe(7);
  });

  it('a visual whose bytes an earlier version stored is referenced, not stored twice; a new one goes to v{N}/', async () => {
    const p = inProcess();
    const id = randomUUID();
    await deliver(p, request(id, { v: 1 }));
    await deliver(p, {
      ...request(id, { v: 2 }, { expected_version: 1 }),
      artifact: {
        roadmap: { v: 2 },
        roadmap_visual: { image_base64: PNG(1) },
        extra_visual: { image_base64: PNG(2) },
      },
    });
    const v2 = await p.metadata.get(id, 't1');
    const paths = Object.fromEntries(v2!.metadata.visuals.map((v) => [v.name, v.storage_path]));
    expect(paths.roadmap_visual).toBe(`artifacts/roadmap/t1/${id}/roadmap_visual.png`);
    expect(paths.extra_visual).toBe(`artifacts/roadmap/t1/${id}/v2/extra_visual.png`);
    expect(p.blobs.names().filter((n) => n.includes('roadmap_visual'))).toHaveLength(1);
  });

  it('aliases from the request point at the version it created; a late event never takes an alias back', async () => {
    const p = inProcess();
    const id = randomUUID();
    await deliver(p, request(id, { v: 1 }, { aliases: ['prod'] }));
    p.hold();
    await deliver(p, request(id, { v: 2 }, { expected_version: 1, aliases: ['prod'] }));
    await deliver(p, request(id, { v: 3 }, { expected_version: 2, aliases: ['prod', 'candidate'] }));
    // v3's events first, then v2's: out of order.
    const held = p.held.splice(0).reverse();
    for (const event of held) p.held.push(event);
    await p.release();
    expect(await p.metadata.get(id, 't1', { alias: 'prod' })).toMatchObject({
      version: 3,
      aliases: ['candidate', 'prod'],
    });
    expect((await p.metadata.get(id, 't1'))?.latest_version).toBe(3);
    expect(await p.metadata.get(id, 't1', { version: 2 })).toMatchObject({ version: 2, aliases: [] });
  });

  it('deleting the artifact removes every version and alias; a revision afterwards is ARTIFACT_DELETED', async () => {
    const p = inProcess();
    const id = randomUUID();
    await deliver(p, request(id, { v: 1 }, { aliases: ['prod'] }));
    await deliver(p, request(id, { v: 2 }, { expected_version: 1 }));
    await p.metadata.markDeleted({ uuid: id, tenant_id: 't1', generation: null });
    expect(await p.metadata.get(id, 't1', { version: 1 })).toBeNull();
    expect(await deliver(p, request(id, { v: 3 }, { expected_version: 2 }))).toMatchObject({
      error_code: 'ARTIFACT_DELETED',
    });
  });
});
