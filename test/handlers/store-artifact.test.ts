/**
 * The store handler in process, over the in-memory stores (no service): every branch of the pipeline,
 * including the ones the real stack reaches only by luck (a transient failure between two writes, a
 * redelivery that reuses a visual, a losing attempt).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TransientError } from '../../shared/domain/errors';
import { manifestPath } from '../../shared/domain/paths';
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
