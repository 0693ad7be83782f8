/**
 * Events in process (docs/design.md, "Events"): each fact announced after it is committed (what an event
 * announces is readable when it is published), with an event_id that a redelivery repeats.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../shared/operations/reconcile';
import { inProcess } from '../support/in-process';
import { startInProcessApi } from '../support/in-process-api';
import { seedVersion } from '../support/versions';

const persist = { mode: 'persist' as const };
const request = (id: string, sop: unknown, extra: Record<string, unknown> = {}) => ({
  artifact_type: 'sop',
  tenant_id: 'ev',
  artifact_id: id,
  artifact: { sop },
  materialization: persist,
  ...extra,
});

describe('events in process', () => {
  it('version_created (and alias.moved) once the version is recorded; a redelivery repeats the same event_id', async () => {
    const p = inProcess();
    const id = randomUUID();
    await p.deliver(request(id, { v: 1 }), { messageId: 'm1' });
    await p.deliver(request(id, { v: 2 }, { expected_version: 1, aliases: ['prod'] }), { messageId: 'm2' });
    await p.settled();
    expect(p.events.map((e) => [e.event, e.artifact_version, e.alias])).toEqual([
      ['artifact.version_created', 1, undefined],
      ['artifact.version_created', 2, undefined],
      ['alias.moved', 2, 'prod'],
    ]);
    expect(p.events.every((e) => e.readable)).toBe(true);
    expect(p.events[0]).toMatchObject({ version: 1, tenant_id: 'ev', artifact_id: id, artifact_type: 'sop' });
    const ids = new Set(p.events.map((e) => e.event_id));
    // The same finalize delivered again: announced again, under the same id.
    const finalize = p.blobs.names().find((n) => n.endsWith(`${id}.json`))!;
    await p.syncHandler(p.storageEvent({ kind: 'finalized', info: (await p.blobs.head(finalize))! }));
    expect(ids.has(p.events.at(-1)!.event_id)).toBe(true);
    expect(new Set(p.events.map((e) => e.event_id)).size).toBe(3);
  });

  it('rejected (with its code and quarantine path) and ephemeral, each with an id derived from its message', async () => {
    const p = inProcess();
    const id = randomUUID();
    await p.deliver(
      { ...request(id, null), artifact: { sop: 1, a_visual: { image_base64: '!' } } },
      { messageId: 'bad' },
    );
    await p.deliver(
      { artifact_type: 'sop', tenant_id: 'ev', artifact_id: randomUUID(), artifact: { sop: 1 } },
      { messageId: 'eph' },
    );
    await p.deliver(
      { ...request(id, null), artifact: { sop: 1, a_visual: { image_base64: '!' } } },
      { messageId: 'bad' },
    );
    expect(p.events.map((e) => e.event)).toEqual([
      'artifact.rejected',
      'artifact.ephemeral',
      'artifact.rejected',
    ]);
    expect(p.events[0]).toMatchObject({ error_code: 'INVALID_BASE64', message_id: 'bad', artifact_id: id });
    expect(p.events[0]!.quarantine_path).toMatch(/^quarantine\//);
    expect(p.events[2]!.event_id).toBe(p.events[0]!.event_id);
  });

  it('deleted, when the manifest is gone and the row says so', async () => {
    const p = inProcess();
    const id = randomUUID();
    await p.deliver(request(id, { v: 1 }));
    await p.settled();
    await p.metadata.markDeleted({ uuid: id, tenant_id: 'ev', generation: null });
    for (const name of p.blobs.names().filter((n) => n.includes(id))) await p.blobs.delete(name);
    await p.settled();
    const deleted = p.events.filter((e) => e.event === 'artifact.deleted');
    expect(deleted.length).toBeGreaterThanOrEqual(1);
    expect(deleted.every((e) => e.readable && e.event_id === deleted[0]!.event_id)).toBe(true);
  });
});

describe('events from the API', () => {
  it('a PUT of an alias announces alias.moved once per move: a retried PUT repeats its event_id, a failed publish is a 503', async () => {
    const api = await startInProcessApi();
    try {
      const key = { artifact_type: 'sop', tenant_id: 'ev-api', artifact_id: randomUUID() };
      await seedVersion(api, key, { version: 1, document: { sop: { v: 1 } } });
      await seedVersion(api, key, { version: 2, document: { sop: { v: 2 } } });
      const token = await api.user('ev-api');
      const put = (version: number) =>
        api.call(`/api/artifacts/${key.artifact_id}/aliases/prod`, {
          method: 'PUT',
          token,
          body: { version },
        });
      expect((await put(1)).status).toBe(200);
      expect((await put(1)).status).toBe(200);
      expect((await put(2)).status).toBe(200);
      api.failEvents = 1;
      const failed = await put(1);
      expect(failed.status).toBe(503);
      // The move is committed; the client's retry announces it, under the id the lost publish had.
      expect((await put(1)).status).toBe(200);
      expect(api.events.map((e) => [e.event, e.alias, e.artifact_version, e.artifact_type])).toEqual([
        ['alias.moved', 'prod', 1, 'sop'],
        ['alias.moved', 'prod', 1, 'sop'],
        ['alias.moved', 'prod', 2, 'sop'],
        ['alias.moved', 'prod', 1, 'sop'],
      ]);
      const ids = api.events.map((e) => e.event_id);
      expect(ids[1]).toBe(ids[0]);
      // Moving back to version 1 is a new fact: a new id, though alias and version are those of the first.
      expect(new Set(ids).size).toBe(3);
      expect(api.events[3]!.moved_at).not.toBe(api.events[0]!.moved_at);
    } finally {
      await api.close();
    }
  });
});

describe('events from reconcile', () => {
  it('announces a version whose finalize was lost, and an artifact whose manifest went, under the ids the sync would have used', async () => {
    const p = inProcess();
    p.hold();
    const lost = randomUUID();
    await p.deliver(request(lost, { v: 1 }, { aliases: ['prod'] }), { messageId: 'lost' });
    const deps = { blobs: p.blobs, metadata: p.metadata, events: p.publisher };
    expect(await reconcile(deps, { graceMinutes: 0 })).toMatchObject({ recorded: 1 });
    expect(p.events.map((e) => [e.event, e.artifact_id, e.artifact_version, e.alias, e.readable])).toEqual([
      ['artifact.version_created', lost, 1, undefined, true],
      ['alias.moved', lost, 1, 'prod', true],
    ]);
    // The finalize arrives after all: the sync announces the same facts under the same ids.
    const announced = p.events.map((e) => e.event_id);
    await p.release();
    await p.settled();
    expect(p.events.slice(2).map((e) => e.event_id)).toEqual(announced);

    // A manifest deleted behind the store's back, its delete event lost: reconcile marks it and says so.
    p.hold();
    const manifest = p.blobs.names().find((n) => n.endsWith(`${lost}.json`))!;
    await p.blobs.delete(manifest);
    const before = p.events.length;
    expect(await reconcile(deps, { graceMinutes: 0 })).toMatchObject({ marked_deleted: 1 });
    expect(p.events.slice(before).map((e) => [e.event, e.artifact_id, e.readable])).toEqual([
      ['artifact.deleted', lost, true],
    ]);
  });
});
