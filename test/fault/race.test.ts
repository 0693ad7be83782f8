/**
 * Fault (d): the race of issue 8.1, 50 rounds. A = {workflow_visual S, large_visual L of 6 MB} and B = {S}
 * under one id, 30 ms apart: one wins, the other is ID_CONFLICT, and the loser never deletes what the
 * winner references. Reconcile removes the loser's leftovers. Ends with the audit.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reconcile } from '../../shared/operations/reconcile';
import { startTestStack, type TestStack } from '../support/stack';
import { audit, deliverUntilAcked, expectClean, report } from './support/audit';
import { pngBase64 } from './support/documents';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

it('50 rounds of A {S, 6 MB L} against B {S} under one id: every winner reads back exactly', async () => {
  const tenant = `fault-d-${randomUUID().slice(0, 8)}`;
  const small = pngBase64(4_000);
  const large = pngBase64(6 * 1024 * 1024);
  const expected = new Map<string, Record<string, unknown>>();
  const winners = { a: 0, b: 0 };
  for (let round = 0; round < 50; round++) {
    const artifact_id = randomUUID();
    const a = {
      workflow: { round, side: 'a' },
      workflow_visual: { image_base64: small },
      large_visual: { image_base64: large },
    };
    const b = { workflow: { round, side: 'b' }, workflow_visual: { image_base64: small } };
    const request = (artifact: Record<string, unknown>) => ({
      artifact_type: 'workflow',
      tenant_id: tenant,
      artifact_id,
      artifact,
      materialization: { mode: 'persist' },
    });
    const first = deliverUntilAcked(t, request(a), `d-${randomUUID()}`);
    await new Promise((r) => setTimeout(r, 30));
    const [da, db] = await Promise.all([first, deliverUntilAcked(t, request(b), `d-${randomUUID()}`)]);
    const events = [da.outcome.event, db.outcome.event].sort();
    expect(events).toEqual(['artifact.rejected', 'artifact.stored']);
    const winner = da.outcome.event === 'artifact.stored' ? 'a' : 'b';
    winners[winner]++;
    expected.set(artifact_id, winner === 'a' ? a : b);
  }
  await t.stack.eventsIdle();
  const reconciled = await reconcile({ blobs: t.blobs, metadata: t.metadata }, { tenant, graceMinutes: 0 });
  const result = await audit(t, tenant, expected);
  report('d: race A{S,L} vs B{S}, 50 rounds', result, reconciled, `A won ${winners.a}, B won ${winners.b}`);
  expectClean(result);
}, 600_000);
