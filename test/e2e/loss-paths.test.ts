/**
 * The ways a hostile tester made the store lose or misreport data (issue 8), each replayed end to end
 * through the real stack: what is acknowledged as stored comes back exactly; what is refused is quarantined
 * with its code; nothing else changes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeManifestMetadata } from '../../shared/domain/manifest-metadata';
import { manifestPath } from '../../shared/domain/paths';
import type { StoreRequestInput } from '../../shared/domain/store-request';
import { sha256Hex } from '../../shared/domain/visuals';
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

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (bytes: number) => Buffer.concat([PNG_SIGNATURE, randomBytes(bytes)]).toString('base64');

const rowOf = (id: string, tenant: string) =>
  waitFor(() => t.metadata.get(id, tenant).then((r) => r ?? undefined), `row of ${id}`);

/** The storeArtifact log line that says how a message ended. */
const outcomeOf = (messageId: string) =>
  waitFor(
    async () =>
      t
        .logs('storeArtifact')
        .find(
          (l) =>
            l.message_id === messageId &&
            typeof l.event === 'string' &&
            [
              'artifact.stored',
              'artifact.already_stored',
              'artifact.rejected',
              'artifact.ephemeral',
            ].includes(l.event),
        ),
    `outcome of ${messageId}`,
  );

const persist = { mode: 'persist' as const };

describe('a losing attempt never deletes what the winner references (issue 8.1)', () => {
  it('A {S, 6 MB L} and B {S}, same id, 30 ms apart: the winner reads back exactly, 8 rounds', async () => {
    const tenant = 'race-visuals';
    const small = png(2_000);
    for (let round = 0; round < 8; round++) {
      const artifact_id = randomUUID();
      const a = {
        artifact_type: 'workflow',
        tenant_id: tenant,
        artifact_id,
        artifact: {
          workflow: { round, side: 'a' },
          workflow_visual: { image_base64: small },
          large_visual: { image_base64: png(6 * 1024 * 1024) },
        },
        materialization: persist,
      };
      const b = {
        artifact_type: 'workflow',
        tenant_id: tenant,
        artifact_id,
        artifact: { workflow: { round, side: 'b' }, workflow_visual: { image_base64: small } },
        materialization: persist,
      };
      const pushA = t.push(a);
      await new Promise((r) => setTimeout(r, 30));
      const [ra, rb] = await Promise.all([pushA, t.push(b)]);
      expect(ra.status).toBeLessThan(300);
      expect(rb.status).toBeLessThan(300);
      const [oa, ob] = await Promise.all([outcomeOf(ra.messageId), outcomeOf(rb.messageId)]);
      const events = [oa.event, ob.event].sort();
      expect(events).toEqual(['artifact.rejected', 'artifact.stored']);
      const winner = oa.event === 'artifact.stored' ? a : b;
      expect(oa.event === 'artifact.rejected' ? oa : ob).toMatchObject({ error_code: 'ID_CONFLICT' });
      await rowOf(artifact_id, tenant);
      const inline = await t.api(`/api/artifacts/${artifact_id}?visuals=inline`, { tenant });
      expect(inline.status).toBe(200);
      expect((await inline.json()).artifact).toEqual(winner.artifact);
      const visual = await t.api(`/api/artifacts/${artifact_id}/visuals/workflow_visual`, { tenant });
      expect(visual.status).toBe(200);
      expect(Buffer.from(await visual.arrayBuffer()).toString('base64')).toBe(small);
    }
  });
});

describe('one id, one type (issue 8.2)', () => {
  it('a sop stored under the id of a workflow of the same tenant is ID_CONFLICT; the workflow is untouched', async () => {
    const tenant = 'same-id-other-type';
    const artifact_id = randomUUID();
    await t.publish(sample('workflow', tenant, { artifact_id }));
    const before = await rowOf(artifact_id, tenant);
    const objectsBefore = await t.objects(`artifacts/workflow/${tenant}/`);
    const { status, messageId } = await t.push(sample('sop', tenant, { artifact_id }));
    expect(status).toBeLessThan(300);
    expect(await outcomeOf(messageId)).toMatchObject({
      event: 'artifact.rejected',
      error_code: 'ID_CONFLICT',
    });
    expect(await t.objects(`artifacts/sop/${tenant}/`)).toEqual([]);
    expect(await t.objects(`artifacts/workflow/${tenant}/`)).toEqual(objectsBefore);
    expect(await t.metadata.get(artifact_id, tenant)).toEqual(before);
  });
});

describe('text the database would refuse (issue 8.3)', () => {
  it('a NUL in metadata is refused by the store (INVALID_MESSAGE), with nothing written', async () => {
    const artifact_id = randomUUID();
    const { messageId } = await t.push(
      sample('poc', 'nul-tenant', { artifact_id, metadata: { ui_name: 'a\u0000b' } }),
    );
    expect(await outcomeOf(messageId)).toMatchObject({
      event: 'artifact.rejected',
      error_code: 'INVALID_MESSAGE',
    });
    expect(await t.objects('artifacts/poc/nul-tenant/')).toEqual([]);
  });

  it('a manifest whose row the database refuses is quarantined by the sync function, which answers 2xx and goes on', async () => {
    const key = { artifact_type: 'poc', tenant_id: 'nul-sync', artifact_id: randomUUID() };
    const bytes = Buffer.from('{"poc":{}}');
    // Written past the store, as an older version of it would have: GCS metadata may hold a NUL, Postgres not.
    await t.blobs.putIfAbsent(manifestPath(key), bytes, {
      contentType: 'application/json',
      metadata: encodeManifestMetadata({
        ...key,
        sha256: sha256Hex(bytes),
        user_id: null,
        ui_name: 'a\u0000b',
        execution_id: null,
        session_id: null,
        extra: {},
        materialization: {
          mode: 'persist',
          source: 'override',
          rule_index: null,
          retention_days: null,
          reason: null,
        },
        expires_at: null,
      }),
    });
    const quarantined = await waitFor(async () => {
      const records = await t.quarantined('quarantine/sync/');
      return records.find((r) => r.record.event?.name === manifestPath(key));
    }, 'sync quarantine record');
    expect(quarantined.record).toMatchObject({
      error: { code: 'INVALID_ROW' },
      function: 'syncArtifactMetadata',
    });
    // Events behind it are not held up: the next artifact is readable at once.
    const next = await t.publish(sample('poc', 'nul-sync'));
    await rowOf(next.artifact_id, 'nul-sync');
  });
});

describe('deliveries without data (issue 8.5)', () => {
  it('attribute-only messages are quarantined under their real message ids, attributes kept, none colliding', async () => {
    const ids = [`attr-only-${randomUUID()}`, `attr-only-${randomUUID()}`];
    for (const [i, messageId] of ids.entries()) {
      const status = await t.pushRaw({
        message: {
          data: '',
          attributes: { tenant_id: 'attrs', n: String(i) },
          messageId,
          publishTime: new Date().toISOString(),
        },
        subscription: 'projects/test-project/subscriptions/e2e',
      });
      expect(status).toBeLessThan(300);
    }
    const records = await t.quarantined();
    for (const [i, messageId] of ids.entries()) {
      const found = records.find((r) => r.record.message?.messageId === messageId);
      expect(found?.name).toMatch(new RegExp(`/${messageId}\\.json$`));
      expect(found?.record).toMatchObject({
        error: { code: 'INVALID_MESSAGE' },
        message: { attributes: { tenant_id: 'attrs', n: String(i) } },
      });
    }
    expect(records.some((r) => r.name.includes('undefined'))).toBe(false);
  });

  it('a push without any message is quarantined under a name derived from its content, once per content', async () => {
    const before = (await t.quarantined()).length;
    for (const body of [{ subscription: 'a' }, { subscription: 'b' }, { subscription: 'a' }]) {
      expect(await t.pushRaw(body)).toBeLessThan(300);
    }
    const after = await t.quarantined();
    expect(after.length - before).toBe(2);
    const added = after.filter(
      (r) => r.record.message?.subscription === 'a' || r.record.message?.subscription === 'b',
    );
    expect(added.map((r) => r.record.message.subscription).sort()).toEqual(['a', 'b']);
    for (const r of added) expect(r.name).toMatch(/\/no-message-id-[0-9a-f]{16}\.json$/);
  });
});

describe('a deleted event is checked against the bucket (issue 8.6)', () => {
  it('a deleted event for the live generation leaves the row live', async () => {
    const tenant = 'bogus-delete';
    const published = await t.publish(sample('roadmap', tenant));
    const row = await rowOf(published.artifact_id, tenant);
    const res = await fetch(`${t.stack.urls.sync}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': randomUUID(),
        'ce-source': `//storage.googleapis.com/projects/_/buckets/${t.stack.options.bucket}`,
        'ce-type': 'google.cloud.storage.object.v1.deleted',
        'ce-subject': `objects/${row.file_path}`,
      },
      body: JSON.stringify({
        bucket: t.stack.options.bucket,
        name: row.file_path,
        generation: row.metadata.generation,
      }),
    });
    expect(res.status).toBeLessThan(300);
    expect(await t.metadata.get(published.artifact_id, tenant)).toEqual(row);
  });
});

describe('every request is validated, whatever the policy decides (issue 8.7)', () => {
  it('an ephemeral request with bad base64 is quarantined as INVALID_BASE64, not acknowledged as ephemeral', async () => {
    const { messageId } = await t.push({
      artifact_type: 'workflow',
      tenant_id: 'ephemeral-bad',
      artifact: { workflow: {}, workflow_visual: { image_base64: 'not base64!' } },
    });
    expect(await outcomeOf(messageId)).toMatchObject({
      event: 'artifact.rejected',
      error_code: 'INVALID_BASE64',
    });
  });
});

describe('numbers (issue 8.8)', () => {
  it.each([
    ['9007199254740993', '9007199254740992'],
    ['1e400', 'null'],
  ])('%s is refused with UNSAFE_NUMBER, naming what it would have read back as', async (number, readBack) => {
    const text = `{"artifact_type":"poc","tenant_id":"numbers","artifact_id":"${randomUUID()}","materialization":{"mode":"persist"},"artifact":{"poc":{"n":${number}}}}`;
    const { messageId } = await t.push(text);
    const outcome = await outcomeOf(messageId);
    expect(outcome).toMatchObject({ event: 'artifact.rejected', error_code: 'UNSAFE_NUMBER' });
    expect(outcome.error).toContain(`read back as ${readBack}`);
  });

  it('numbers a double holds come back exactly as sent', async () => {
    const artifact = { poc: { big: 9007199254740991, tiny: 5e-324, third: 0.1, neg: -0.5, e: 1e21 } };
    const published = await t.publish({
      artifact_type: 'poc',
      tenant_id: 'numbers',
      artifact,
      materialization: persist,
    });
    await rowOf(published.artifact_id, 'numbers');
    const res = await t.api(`/api/artifacts/${published.artifact_id}?visuals=inline`, { tenant: 'numbers' });
    expect((await res.json()).artifact).toEqual(artifact);
  });
});

describe('schemas do not guess (issue 8.9)', () => {
  it('a solution whose synthesis is a string is stored', async () => {
    const published = await t.publish({
      artifact_type: 'solution',
      tenant_id: 'open-shapes',
      artifact: { synthesis: 'a plain text synthesis', content_summary: null },
      materialization: persist,
    });
    const row = await rowOf(published.artifact_id, 'open-shapes');
    expect(row.artifact_type).toBe('solution');
  });
});
