/**
 * The store handler in process, over the in-memory stores (no service): every branch of the pipeline,
 * including the ones the real stack reaches only by luck (a transient failure between two writes, a
 * redelivery that reuses a visual, a losing attempt).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { TransientError } from '../../shared/domain/errors';
import { manifestPath, stagingPath } from '../../shared/domain/paths';
import { inProcess } from '../support/in-process';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]).toString('base64');
const GIF = Buffer.concat([Buffer.from('GIF89a'), Buffer.from([1, 0, 1, 0])]).toString('base64');
const persist = { mode: 'persist' as const };

const request = (tenant: string, artifact_id: string, artifact: Record<string, unknown>) => ({
  artifact_type: 'workflow',
  tenant_id: tenant,
  artifact_id,
  artifact,
  materialization: persist,
});

const outcome = (p: ReturnType<typeof inProcess>) =>
  p.logs.store.filter((l) => typeof l.event === 'string' && l.event !== 'artifact.retry').at(-1);

describe('storeArtifact in process', () => {
  it('stores, and the sync records the row from the carried metadata alone', async () => {
    const p = inProcess();
    const id = randomUUID();
    await p.deliver(
      request('t1', id, {
        workflow: {},
        workflow_visual: { image_base64: PNG },
        components: { a: {}, b: {} },
      }),
    );
    await p.settled();
    expect(outcome(p)).toMatchObject({ event: 'artifact.stored', artifact_id: id, visuals: 1 });
    const row = await p.metadata.get(id, 't1');
    expect(row?.metadata).toMatchObject({
      component_count: 2,
      has_visuals: true,
      visual_paths: ['workflow_visual'],
    });
    expect(p.logs.sync.at(-1)).toMatchObject({ message: 'metadata synced', outcome: 'inserted' });
  });

  it('a redelivery is already_stored: nothing new written, the reused visual touched', async () => {
    const p = inProcess();
    const id = randomUUID();
    const body = request('t1', id, { workflow: {}, workflow_visual: { image_base64: PNG } });
    await p.deliver(body, { messageId: 'm1' });
    const before = await p.blobs.head(
      manifestPath({ artifact_type: 'workflow', tenant_id: 't1', artifact_id: id }),
    );
    await p.deliver(body, { messageId: 'm1' });
    expect(outcome(p)).toMatchObject({ event: 'artifact.already_stored' });
    const after = await p.blobs.head(
      manifestPath({ artifact_type: 'workflow', tenant_id: 't1', artifact_id: id }),
    );
    expect(after?.generation).toBe(before?.generation);
    const visual = (await p.blobs.list(`artifacts/workflow/t1/${id}/`)).items[0]!;
    expect(visual.metageneration).toBe('2');
    expect(visual.metadata.reused_at).toBeDefined();
  });

  it('a losing attempt (other content, one id) is ID_CONFLICT and deletes nothing, its own leftovers included', async () => {
    const p = inProcess();
    const id = randomUUID();
    await p.deliver(request('t1', id, { workflow: { v: 1 }, workflow_visual: { image_base64: PNG } }));
    const winner = p.blobs.names();
    await p.deliver(
      request('t1', id, {
        workflow: { v: 2 },
        workflow_visual: { image_base64: PNG },
        extra_visual: { image_base64: GIF },
      }),
    );
    expect(outcome(p)).toMatchObject({ event: 'artifact.rejected', error_code: 'ID_CONFLICT' });
    // The winner's objects are all there; the loser's extra visual is left for reconcile.
    const names = p.blobs.names().filter((n) => n.startsWith('artifacts/'));
    for (const name of winner.filter((n) => n.startsWith('artifacts/'))) expect(names).toContain(name);
    expect(names).toContain(`artifacts/workflow/t1/${id}/extra_visual.gif`);
    expect(p.blobs.names().some((n) => n.startsWith('quarantine/'))).toBe(true);
  });

  it('a transient failure of the manifest write is not acknowledged; the redelivery stores, reusing the visual', async () => {
    const p = inProcess();
    const id = randomUUID();
    const name = manifestPath({ artifact_type: 'workflow', tenant_id: 't1', artifact_id: id });
    p.blobs.failures.push({
      op: 'putIfAbsent',
      name,
      error: new TransientError('GCS put: HTTP 503'),
      times: 1,
    });
    const body = request('t1', id, { workflow: {}, workflow_visual: { image_base64: PNG } });
    await expect(p.deliver(body, { messageId: 'm1' })).rejects.toThrow(TransientError);
    expect(p.blobs.names().filter((n) => n.startsWith('quarantine/'))).toEqual([]);
    expect(await p.blobs.head(name)).toBeNull();
    await p.deliver(body, { messageId: 'm1' });
    expect(outcome(p)).toMatchObject({ event: 'artifact.stored' });
    expect((await p.blobs.list(`artifacts/workflow/t1/${id}/`)).items[0]!.metageneration).toBe('2');
  });

  it.each([
    ['foreign', 'other-tenant', 'workflow', 'TENANT_CONFLICT'],
    ['conflict', 't1', 'sop', 'ID_CONFLICT'],
  ])('a %s claim is refused before anything is written (%s, %s → %s)', async (_c, tenant, type, code) => {
    const p = inProcess();
    const id = randomUUID();
    await p.deliver(request('t1', id, { workflow: {} }));
    const before = p.blobs.names().length;
    await p.deliver({ ...request(tenant, id, { workflow: {}, sop: {} }), artifact_type: type });
    expect(outcome(p)).toMatchObject({ event: 'artifact.rejected', error_code: code });
    expect(p.blobs.names().filter((n) => n.startsWith('artifacts/'))).toHaveLength(before);
  });

  it('a deleted id is ARTIFACT_DELETED', async () => {
    const p = inProcess();
    const id = randomUUID();
    await p.deliver(request('t1', id, { workflow: {} }));
    await p.settled();
    await p.metadata.markDeleted({ uuid: id, tenant_id: 't1', generation: null });
    await p.deliver(request('t1', id, { workflow: { again: true } }));
    expect(outcome(p)).toMatchObject({ event: 'artifact.rejected', error_code: 'ARTIFACT_DELETED' });
  });

  it('an ephemeral request is validated completely, then writes nothing', async () => {
    const p = inProcess();
    await p.deliver({
      artifact_type: 'workflow',
      tenant_id: 't1',
      artifact: { workflow: {}, a_visual: { image_base64: 'bad!' } },
    });
    expect(outcome(p)).toMatchObject({ event: 'artifact.rejected', error_code: 'INVALID_BASE64' });
    await p.deliver({ artifact_type: 'workflow', tenant_id: 't1', artifact: { workflow: {} } });
    expect(outcome(p)).toMatchObject({ event: 'artifact.ephemeral' });
    expect(p.blobs.names().filter((n) => n.startsWith('artifacts/'))).toEqual([]);
  });

  it('a delivery without a message id must name its artifact: INVALID_MESSAGE, kept under a content name', async () => {
    const p = inProcess();
    await p.storeHandler({
      specversion: '1.0',
      id: undefined as unknown as string,
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: 's',
      data: {
        message: {
          data: Buffer.from(
            JSON.stringify({ artifact_type: 'poc', tenant_id: 't1', artifact: {}, materialization: persist }),
          ).toString('base64'),
        },
      },
    });
    expect(outcome(p)).toMatchObject({ event: 'artifact.rejected', error_code: 'INVALID_MESSAGE' });
    expect(p.blobs.names().find((n) => n.startsWith('quarantine/'))).toMatch(
      /\/no-message-id-[0-9a-f]{16}\.json$/,
    );
  });
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('storeArtifact in process: the manifest written', () => {
  it('is the JSON of the manifest, its sha256 recorded; version 1 is the content itself', async () => {
    const p = inProcess();
    const id = randomUUID();
    const key = { artifact_type: 'workflow', tenant_id: 't1', artifact_id: id };
    await p.deliver(
      request('t1', id, { workflow: { n: 'é' }, workflow_visual: { title: 'x', image_base64: PNG } }),
    );
    const stored = (await p.blobs.get(manifestPath(key)))!;
    expect(sha256(stored.bytes)).toBe(stored.info.metadata.sha256);
    expect(stored.info.metadata.content_sha256).toBe(stored.info.metadata.sha256);
    const manifest = JSON.parse(stored.bytes.toString('utf8'));
    expect(manifest.workflow).toEqual({ n: 'é' });
    expect(manifest.workflow_visual).toMatchObject({
      title: 'x',
      storage_path: `artifacts/workflow/t1/${id}/workflow_visual.png`,
    });
    expect(Buffer.from(JSON.stringify(manifest)).equals(stored.bytes)).toBe(true);
  });

  it('a revision whose visual moves to its own version folder is serialized again (its own sha256)', async () => {
    const p = inProcess();
    const id = randomUUID();
    const key = { artifact_type: 'workflow', tenant_id: 't1', artifact_id: id };
    await p.deliver(request('t1', id, { workflow: { v: 1 }, workflow_visual: { image_base64: PNG } }));
    await p.deliver({
      ...request('t1', id, { workflow: { v: 2 }, workflow_visual: { image_base64: GIF } }),
      expected_version: 1,
    });
    expect(outcome(p)).toMatchObject({ event: 'artifact.stored', version: 2 });
    const stored = (await p.blobs.get(manifestPath(key, 2)))!;
    const manifest = JSON.parse(stored.bytes.toString('utf8'));
    expect(manifest.workflow_visual.storage_path).not.toBe(`artifacts/workflow/t1/${id}/workflow_visual.gif`);
    expect(await p.blobs.head(manifest.workflow_visual.storage_path)).not.toBeNull();
    expect(sha256(stored.bytes)).toBe(stored.info.metadata.sha256);
    expect(stored.info.metadata.content_sha256).not.toBe(stored.info.metadata.sha256);
    expect(Buffer.from(JSON.stringify(manifest)).equals(stored.bytes)).toBe(true);
  });
});

describe('storeArtifact in process: a staged payload', () => {
  const staged = async (p: ReturnType<typeof inProcess>, name: string, document: unknown) => {
    await p.blobs.putIfAbsent(stagingPath('t1', name), Buffer.from(JSON.stringify(document)), {
      contentType: 'application/json',
    });
  };
  const byRef = (id: string, name: string) => ({
    artifact_type: 'workflow',
    tenant_id: 't1',
    artifact_id: id,
    artifact_ref: { name },
    materialization: persist,
  });

  it('is read once (its size from the lookup that pins it), stored as if inline, then removed', async () => {
    const p = inProcess();
    const inline = randomUUID();
    const id = randomUUID();
    const document = { workflow: { steps: [1, 2] }, workflow_visual: { image_base64: PNG } };
    await p.deliver(request('t1', inline, document));
    await staged(p, `${id}.json`, document);
    const path = stagingPath('t1', `${id}.json`);
    const reads = { head: vi.spyOn(p.blobs, 'head'), get: vi.spyOn(p.blobs, 'get') };
    const opens = vi.spyOn(p.blobs, 'openRead');
    await p.deliver(byRef(id, `${id}.json`));
    expect(outcome(p)).toMatchObject({ event: 'artifact.stored', artifact_id: id, visuals: 1 });
    expect(opens.mock.calls.filter(([n]) => n === path)).toHaveLength(1);
    expect(reads.head.mock.calls.filter(([n]) => n === path)).toHaveLength(0);
    expect(reads.get.mock.calls.filter(([n]) => n === path)).toHaveLength(0);
    expect(await p.blobs.head(path)).toBeNull();
    const one = (await p.blobs.head(
      manifestPath({ artifact_type: 'workflow', tenant_id: 't1', artifact_id: inline }),
    ))!;
    const two = (await p.blobs.head(
      manifestPath({ artifact_type: 'workflow', tenant_id: 't1', artifact_id: id }),
    ))!;
    expect(two.size).toBe(one.size);
  });

  it('larger than the limit is PAYLOAD_TOO_LARGE, its bytes never read', async () => {
    const p = inProcess({ limits: { maxArtifactBytes: 100 } });
    const id = randomUUID();
    await staged(p, `${id}.json`, { workflow: { text: 'x'.repeat(200) } });
    const real = p.blobs.openRead.bind(p.blobs);
    let read = false;
    vi.spyOn(p.blobs, 'openRead').mockImplementation(async (name) => {
      const opened = await real(name);
      if (!opened) return null;
      const stream = new Readable({
        read() {
          read = true;
          this.push(null);
        },
      });
      return { ...opened, stream };
    });
    await p.deliver(byRef(id, `${id}.json`));
    expect(outcome(p)).toMatchObject({ event: 'artifact.rejected', error_code: 'PAYLOAD_TOO_LARGE' });
    expect(read).toBe(false);
  });

  it('missing is STAGED_OBJECT_MISSING; deleted while being read, as if it had never been there', async () => {
    const p = inProcess();
    const id = randomUUID();
    await p.deliver(byRef(id, `${id}.json`));
    expect(outcome(p)).toMatchObject({ event: 'artifact.rejected', error_code: 'STAGED_OBJECT_MISSING' });

    // Stored by one attempt; a redelivery opens the payload just before that attempt removes it.
    const other = randomUUID();
    const document = { workflow: {}, workflow_visual: { image_base64: PNG } };
    await staged(p, `${other}.json`, document);
    await p.deliver(byRef(other, `${other}.json`), { messageId: 'm-staged' });
    expect(outcome(p)).toMatchObject({ event: 'artifact.stored' });
    await staged(p, `${other}.json`, document);
    const real = p.blobs.openRead.bind(p.blobs);
    vi.spyOn(p.blobs, 'openRead').mockImplementation(async (name) => {
      const opened = await real(name);
      if (!opened) return null;
      await p.blobs.delete(name);
      const stream = new Readable({
        read() {
          this.destroy(new Error('No such object (404)'));
        },
      });
      return { ...opened, stream };
    });
    await p.deliver(byRef(other, `${other}.json`), { messageId: 'm-staged' });
    expect(outcome(p)).toMatchObject({ event: 'artifact.already_stored', version: 1 });
  });
});
