/**
 * Fault (c): the sync function is down longer than the object events' retry budget while 20 artifacts are
 * stored, so every finalize event is given up (dead-lettered by the GCS stand-in, as Eventarc would after
 * its budget). Reconcile then records what the events never did. Ends with the audit.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reconcile } from '../../shared/operations/reconcile';
import { mapLimit } from '../../shared/platform/concurrency';
import { startTestStack, type TestStack } from '../support/stack';
import { audit, deliverUntilAcked, expectClean, report } from './support/audit';
import { pngBase64 } from './support/documents';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({
    gcsEventDelivery: { initialDelayMs: 100, maxDelayMs: 500, retryBudgetMs: 3_000 },
  });
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

it('20 stores while the sync function is down past the retry budget: reconcile repairs all of them', async () => {
  const tenant = `fault-c-${randomUUID().slice(0, 8)}`;
  await t.stack.functions.syncArtifactMetadata.stop();
  const expected = new Map<string, Record<string, unknown>>();
  await mapLimit(
    Array.from({ length: 20 }, (_, i) => i),
    4,
    async (i) => {
      const artifact = { roadmap: { phase: i }, roadmap_visual: { image_base64: pngBase64(300 + i) } };
      const delivery = await deliverUntilAcked(
        t,
        { artifact_type: 'roadmap', tenant_id: tenant, artifact, materialization: { mode: 'persist' } },
        `c-${randomUUID()}`,
      );
      expect(delivery.outcome.event).toBe('artifact.stored');
      expected.set(String(delivery.outcome.artifact_id), artifact);
    },
  );
  await t.stack.eventsIdle();
  const deadLettered = t.stack.gcsEvents.stats().deadLettered;
  const before = await audit(t, tenant, expected);
  expect(before.rows).toBe(0); // the drift is real: no event reached the database
  expect(deadLettered).toBeGreaterThanOrEqual(40); // a manifest and a visual per artifact, none delivered
  const reconciled = await reconcile({ blobs: t.blobs, metadata: t.metadata }, { tenant, graceMinutes: 0 });
  expect(reconciled.recorded).toBe(20);
  const result = await audit(t, tenant, expected);
  report(
    'c: sync down past the retry budget',
    result,
    reconciled,
    `${deadLettered} events dead-lettered, rows before reconcile ${before.rows}`,
  );
  expectClean(result);
}, 600_000);
