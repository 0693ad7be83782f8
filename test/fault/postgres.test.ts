/**
 * Fault (b): the database stops answering (SIGSTOP of the whole server for 10 s), then is killed (SIGKILL)
 * and restarted, while 50 stores are delivered as Pub/Sub would (redelivered until acknowledged). Nothing
 * acknowledged may be lost, and nothing may be acknowledged that did not happen. Ends with the audit.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../local/net';
import { type RunningPostgres, startEmbeddedPostgres } from '../../local/postgres';
import { reconcile } from '../../shared/operations/reconcile';
import { mapLimit } from '../../shared/platform/concurrency';
import { startTestStack, type TestStack } from '../support/stack';
import { audit, deliverUntilAcked, expectClean, report } from './support/audit';
import { pngBase64 } from './support/documents';
import { postmasterPid, signalTree } from './support/processes';

let t: TestStack;
let pg: RunningPostgres;
let dir: string;
let port: number;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'artifact-store-fault-pg-'));
  port = await freePort();
  pg = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port, quiet: true });
  t = await startTestStack({ databaseUrl: pg.url });
}, 180_000);
afterAll(async () => {
  await t?.stop();
  await pg?.stop().catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('50 stores while the database is frozen for 10 s, then killed and restarted: nothing acknowledged is lost', async () => {
  const tenant = `fault-b-${randomUUID().slice(0, 8)}`;
  const expected = new Map<string, Record<string, unknown>>();
  const timeline: string[] = [];
  const faults = (async () => {
    await sleep(1_000);
    const pid = postmasterPid(join(dir, 'data'));
    signalTree(pid, 'SIGSTOP');
    timeline.push(`frozen at ${expected.size} acknowledged`);
    await sleep(10_000);
    signalTree(pid, 'SIGCONT');
    timeline.push(`thawed at ${expected.size}`);
    await sleep(2_000);
    signalTree(postmasterPid(join(dir, 'data')), 'SIGKILL');
    timeline.push(`killed at ${expected.size}`);
    await sleep(1_000);
    // The killed server's handle still owns its run directory (binaries mirrored for the postgres user).
    await pg.stop();
    pg = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port, quiet: true });
    timeline.push(`restarted at ${expected.size}`);
  })();
  const deliveries = await mapLimit(
    Array.from({ length: 50 }, (_, i) => i),
    4,
    async (i) => {
      await sleep(i * 150); // spread over the faults
      const artifact = { poc: { n: i }, poc_visual: { image_base64: pngBase64(400 + i) } };
      const delivery = await deliverUntilAcked(
        t,
        { artifact_type: 'poc', tenant_id: tenant, artifact, materialization: { mode: 'persist' } },
        `b-${randomUUID()}`,
      );
      expect(['artifact.stored', 'artifact.already_stored']).toContain(delivery.outcome.event);
      expected.set(String(delivery.outcome.artifact_id), artifact);
      return delivery;
    },
  );
  await faults;
  await t.stack.eventsIdle();
  const reconciled = await reconcile({ blobs: t.blobs, metadata: t.metadata }, { tenant, graceMinutes: 0 });
  const result = await audit(t, tenant, expected);
  const redelivered = deliveries.filter((d) => d.attempts > 1).length;
  report(
    'b: database frozen 10 s, then killed and restarted',
    result,
    reconciled,
    `${redelivered} messages redelivered; ${timeline.join(', ')}`,
  );
  expect(redelivered).toBeGreaterThan(0);
  expectClean(result);
}, 600_000);
