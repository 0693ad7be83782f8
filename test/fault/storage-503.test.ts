/**
 * Fault (a): 20% of the functions' requests to storage fail with 503, half before reaching it and half
 * after it did the work, during 50 stores delivered as Pub/Sub would (redelivered until acknowledged).
 * Ends with the audit: every acknowledged store readable exactly, as many manifests and rows, no orphan.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reconcile } from '../../shared/operations/reconcile';
import { mapLimit } from '../../shared/platform/concurrency';
import { startTestStack, type TestStack } from '../support/stack';
import { audit, deliverUntilAcked, expectClean, report } from './support/audit';
import { pngBase64 } from './support/documents';
import { type FlakyProxy, startFlakyProxy } from './support/flaky-proxy';

let t: TestStack;
let proxy: FlakyProxy;

beforeAll(async () => {
  proxy = await startFlakyProxy(0.2);
  t = await startTestStack({ functionEnv: { GCS_API_ENDPOINT: proxy.url } });
  proxy.setTarget(t.stack.urls.gcs);
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await proxy?.close();
});

it('50 stores through a storage that fails 20% of requests: all acknowledged, all readable, nothing orphaned', async () => {
  const tenant = `fault-a-${randomUUID().slice(0, 8)}`;
  const expected = new Map<string, Record<string, unknown>>();
  const deliveries = await mapLimit(
    Array.from({ length: 50 }, (_, i) => i),
    8,
    async (i) => {
      const artifact = {
        workflow: { n: i, steps: ['a', 'b'] },
        workflow_visual: { image_base64: pngBase64(500 + i) },
        components: { state: { chart_visual: { image_base64: pngBase64(700 + i) } } },
      };
      const delivery = await deliverUntilAcked(
        t,
        { artifact_type: 'workflow', tenant_id: tenant, artifact, materialization: { mode: 'persist' } },
        `a-${randomUUID()}`,
      );
      if (['artifact.stored', 'artifact.already_stored'].includes(String(delivery.outcome.event))) {
        expected.set(String(delivery.outcome.artifact_id), artifact);
      }
      return delivery;
    },
  );
  proxy.heal();
  await t.stack.eventsIdle();
  const reconciled = await reconcile({ blobs: t.blobs, metadata: t.metadata }, { tenant, graceMinutes: 0 });
  const result = await audit(t, tenant, expected);
  const redelivered = deliveries.filter((d) => d.attempts > 1).length;
  report(
    'a: storage 503 (20%)',
    result,
    reconciled,
    `seed ${proxy.seed}, injected ${proxy.counts.failedBefore} before + ${proxy.counts.failedAfter} after forwarding of ${proxy.counts.failedBefore + proxy.counts.failedAfter + proxy.counts.forwarded} requests, ${redelivered} messages redelivered`,
  );
  expect(expected.size).toBe(50);
  expect(proxy.counts.failedBefore + proxy.counts.failedAfter).toBeGreaterThan(10);
  expectClean(result);
}, 600_000);
