/**
 * Bad input, end to end (docs/design.md, "Bad input and failures"): every class of permanent error is acknowledged (2xx, so Pub/Sub does not
 * redeliver it forever), logged once with its stable error_code, and the message kept under quarantine/
 * with its error, so it can be replayed; nothing of it is stored. A transient failure is a 5xx instead.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreQuarantineRecord } from '../../shared/operations/quarantine';
import { startTestStack, type TestStack, waitFor } from '../support/stack';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const MAX_VISUAL_BYTES = 4096;

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ functionEnv: { MAX_VISUAL_BYTES: String(MAX_VISUAL_BYTES) } });
});
afterAll(async () => {
  await t?.stop();
});

const persist = { mode: 'persist' } as const;
const workflow = (tenant: string, extra: Record<string, unknown> = {}) => ({
  artifact_type: 'workflow',
  tenant_id: tenant,
  artifact: { workflow: { id: 'wf' }, ...extra },
  materialization: persist,
});

const bigPng = () => {
  const bytes = Buffer.alloc(MAX_VISUAL_BYTES + 100);
  Buffer.from(PNG, 'base64').copy(bytes);
  return bytes.toString('base64');
};

const CASES: Array<[string, string, () => unknown]> = [
  ['INVALID_JSON', 'data that is not JSON', () => '{"artifact_type": "workflow", '],
  [
    'INVALID_MESSAGE',
    'a schema violation (no tenant_id)',
    () => ({ artifact_type: 'workflow', artifact: {} }),
  ],
  ['INVALID_MESSAGE', 'an unknown top-level field', () => ({ ...workflow('bad-fields'), tenantId: 'x' })],
  [
    'INVALID_ARTIFACT',
    'a workflow without its workflow',
    () => ({ ...workflow('bad-artifact'), artifact: { steps: [] } }),
  ],
  ['UNSAFE_NAME', 'a tenant id that would escape its prefix', () => workflow('../other-tenant')],
  [
    'UNSAFE_NAME',
    'an artifact_type with a slash',
    () => ({ ...workflow('bad-type'), artifact_type: 'workflow/../x' }),
  ],
  [
    'UNSAFE_NAME',
    'a visual under a key that cannot name an object',
    () => workflow('bad-key', { 'a/b': { x_visual: { image_base64: PNG } } }),
  ],
  [
    'INVALID_BASE64',
    'a visual whose base64 is not strict',
    () => workflow('bad-b64', { workflow_visual: { image_base64: `${PNG}\n` } }),
  ],
  [
    'UNSUPPORTED_IMAGE',
    'a visual that is not an image',
    () =>
      workflow('bad-image', {
        workflow_visual: { image_base64: Buffer.from('%PDF-1.7 not an image').toString('base64') },
      }),
  ],
  [
    'PAYLOAD_TOO_LARGE',
    'a visual over MAX_VISUAL_BYTES',
    () => workflow('bad-size', { workflow_visual: { image_base64: bigPng() } }),
  ],
  [
    'STAGED_OBJECT_MISSING',
    'a claim check naming no staged object',
    () => ({ ...workflow('bad-ref'), artifact: undefined, artifact_ref: { name: 'missing.json' } }),
  ],
];

describe.each(CASES)('%s: %s', (code, _what, body) => {
  it('is acknowledged, logged with its code, quarantined with the message, and stores nothing', async () => {
    const { status, messageId } = await t.push(body());
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);
    const lines = t.logs('storeArtifact').filter((l) => l.message_id === messageId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ severity: 'WARNING', event: 'artifact.rejected', error_code: code });
    const path = lines[0]!.quarantine_path as string;
    expect(path).toMatch(/^quarantine\/\d{4}-\d{2}-\d{2}\/.+\.json$/);
    const object = await t.blobs.get(path);
    const record = JSON.parse(object!.bytes.toString('utf8')) as StoreQuarantineRecord;
    expect(record.error.code).toBe(code);
    expect(record.message.messageId).toBe(messageId);
    // The original bytes are kept, so the message can be replayed as it was.
    const original = body();
    expect(Buffer.from(record.message.data, 'base64').toString('utf8')).toBe(
      typeof original === 'string' ? original : JSON.stringify(original),
    );
    expect(await t.objects('artifacts/')).not.toContainEqual(
      expect.objectContaining({ name: expect.stringContaining('/bad-') }),
    );
  });
});

describe('conflicts', () => {
  it('ID_CONFLICT: different content under an existing id is refused and the original is kept', async () => {
    const tenant = 'conflict';
    const artifact_id = randomUUID();
    const first = await t.push({
      ...workflow(tenant, { workflow_visual: { image_base64: PNG } }),
      artifact_id,
    });
    expect(first.status).toBe(204);
    const row = await waitFor(
      () => t.metadata.get(artifact_id, tenant).then((r) => r ?? undefined),
      'first row',
    );
    const before = await t.objects(`artifacts/workflow/${tenant}/`);
    const second = await t.push({ ...workflow(tenant, { note: 'changed' }), artifact_id });
    expect(second.status).toBe(204);
    expect(t.logs('storeArtifact').find((l) => l.message_id === second.messageId)).toMatchObject({
      error_code: 'ID_CONFLICT',
    });
    expect(await t.objects(`artifacts/workflow/${tenant}/`)).toEqual(before);
    expect(await t.metadata.get(artifact_id, tenant)).toEqual(row);
  });

  it('a redelivered bad message is quarantined once', async () => {
    const messageId = `bad-${randomUUID()}`;
    for (let i = 0; i < 3; i++) expect((await t.push('not json', { messageId })).status).toBe(204);
    const quarantined = (await t.objects('quarantine/')).filter((o) => o.name.includes(messageId));
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]!.generation).toBeDefined();
  });
});
