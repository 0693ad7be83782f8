/**
 * The sync handler in process, over the in-memory stores: every outcome of a finalize and of a deleted event,
 * and the quarantine of what can never be recorded.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../shared/domain/errors';
import { manifestPath } from '../../shared/domain/paths';
import { inProcess } from '../support/in-process';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9]).toString('base64');

async function stored() {
  const p = inProcess();
  const id = randomUUID();
  p.hold();
  await p.deliver({
    artifact_type: 'roadmap',
    tenant_id: 't1',
    artifact_id: id,
    artifact: { roadmap: {}, roadmap_visual: { image_base64: PNG } },
    materialization: { mode: 'persist' },
  });
  const name = manifestPath({ artifact_type: 'roadmap', tenant_id: 't1', artifact_id: id });
  const finalize = p.held.find((e) => e.info.name === name)!;
  p.held.length = 0;
  return { p, id, name, finalize };
}

const lastSync = (p: ReturnType<typeof inProcess>) => p.logs.sync.at(-1);

describe('syncArtifactMetadata in process', () => {
  it('finalize: inserted, then unchanged on a duplicate', async () => {
    const { p, id, finalize } = await stored();
    await p.syncHandler(p.storageEvent(finalize));
    expect(lastSync(p)).toMatchObject({ outcome: 'inserted', artifact_id: id });
    await p.syncHandler(p.storageEvent(finalize));
    expect(lastSync(p)).toMatchObject({ outcome: 'unchanged' });
  });

  it('a finalize is recorded from its event alone: the bucket is not read', async () => {
    const { p, id, finalize } = await stored();
    p.blobs.failures.push({ op: 'head', error: new Error('the bucket must not be read'), times: 99 });
    p.blobs.failures.push({ op: 'get', error: new Error('the bucket must not be read'), times: 99 });
    await p.syncHandler(p.storageEvent(finalize));
    expect(lastSync(p)).toMatchObject({ outcome: 'inserted', artifact_id: id });
  });

  it('an event without the custom metadata looks the object up: gone, or an older generation, is nothing to do', async () => {
    const { p, name, finalize } = await stored();
    const bare = { ...finalize, info: { ...finalize.info, metadata: {} } };
    await p.syncHandler(p.storageEvent({ ...bare, info: { ...bare.info, generation: '1' } }));
    expect(lastSync(p)).toMatchObject({ outcome: 'superseded' });
    await p.blobs.delete(name);
    await p.syncHandler(p.storageEvent(bare));
    expect(lastSync(p)).toMatchObject({ outcome: 'object_gone' });
  });

  it('reads the manifest when its metadata does not carry the details (a very large artifact)', async () => {
    const { p, id, name, finalize } = await stored();
    const info = (await p.blobs.head(name))!;
    const { visuals: _v, component_count: _c, ...rest } = info.metadata;
    const bytes = (await p.blobs.get(name))!.bytes;
    await p.blobs.delete(name);
    await p.blobs.putIfAbsent(name, bytes, { contentType: 'application/json', metadata: rest });
    await p.syncHandler(p.storageEvent({ kind: 'finalized', info: (await p.blobs.head(name))! }));
    expect(lastSync(p)).toMatchObject({ outcome: 'inserted' });
    expect((await p.metadata.get(id, 't1'))?.metadata.visual_paths).toEqual(['roadmap_visual']);
    void finalize;
  });

  it('a manifest not written by the store is quarantined as INVALID_MANIFEST, acknowledged, left in place', async () => {
    const p = inProcess();
    const name = manifestPath({ artifact_type: 'poc', tenant_id: 't1', artifact_id: randomUUID() });
    await p.blobs.putIfAbsent(name, Buffer.from('{}'), { contentType: 'application/json' });
    await p.settled();
    expect(lastSync(p)).toMatchObject({ event: 'sync.rejected', error_code: 'INVALID_MANIFEST' });
    expect(await p.blobs.head(name)).not.toBeNull();
    expect(p.blobs.names().some((n) => n.startsWith('quarantine/sync/'))).toBe(true);
  });

  it('a row the database refuses for good is quarantined (INVALID_ROW) and acknowledged; a transient failure throws', async () => {
    const { p, finalize } = await stored();
    p.metadata.failures.push({ op: 'record', error: new PermanentError('INVALID_ROW', 'refused'), times: 1 });
    await p.syncHandler(p.storageEvent(finalize));
    expect(lastSync(p)).toMatchObject({ event: 'sync.rejected', error_code: 'INVALID_ROW' });
    p.metadata.failures.push({ op: 'record', error: new TransientError('database down'), times: 1 });
    await expect(p.syncHandler(p.storageEvent(finalize))).rejects.toThrow('database down');
    expect(lastSync(p)).toMatchObject({ message: 'sync failed; the event will be redelivered' });
  });

  it('deleted: a no-op while the object exists; once gone, the row is deleted and the visuals removed', async () => {
    const { p, id, name, finalize } = await stored();
    await p.syncHandler(p.storageEvent(finalize));
    await p.syncHandler(p.storageEvent({ kind: 'deleted', info: finalize.info }));
    expect(lastSync(p)).toMatchObject({ outcome: 'object_present' });
    expect(await p.metadata.get(id, 't1')).not.toBeNull();
    p.hold();
    await p.blobs.delete(name);
    await p.syncHandler(p.storageEvent({ kind: 'deleted', info: finalize.info }));
    expect(lastSync(p)).toMatchObject({ outcome: 'deleted:visuals_removed=1' });
    expect(await p.metadata.get(id, 't1')).toBeNull();
    expect(p.blobs.names().filter((n) => n.startsWith('artifacts/'))).toEqual([]);
  });

  it('deleted before its finalize: a tombstone, and the late finalize removes what is left', async () => {
    const { p, id, name, finalize } = await stored();
    const bytes = (await p.blobs.get(name))!;
    p.hold();
    await p.blobs.delete(name);
    await p.syncHandler(p.storageEvent({ kind: 'deleted', info: finalize.info }));
    expect(lastSync(p)).toMatchObject({ outcome: expect.stringMatching(/^tombstoned/) });
    await p.blobs.putIfAbsent(name, bytes.bytes, {
      contentType: 'application/json',
      metadata: bytes.info.metadata,
    });
    await p.syncHandler(p.storageEvent({ kind: 'finalized', info: (await p.blobs.head(name))! }));
    expect(lastSync(p)).toMatchObject({ outcome: 'deleted:removed' });
    expect(await p.metadata.get(id, 't1')).toBeNull();
  });
});
