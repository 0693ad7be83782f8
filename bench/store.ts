/**
 * Store benchmark: the standard artifact (~76 KB workflow JSON + one ~30 KB PNG, bench/lib/artifact.ts)
 * pushed as Pub/Sub push deliveries, fresh id each, by closed-loop producers at each concurrency:
 *
 * - `push→visible c=N`: each producer pushes, waits for the 2xx, then for the row to be visible in the
 *   database (ours: project_files, written by the sync function after the manifest's event; the floor: its
 *   own row, written before its 2xx), then pushes the next. Throughput, latencies to 2xx and to visible.
 * - `push→2xx c=N`: each producer pushes again as soon as the previous push is acknowledged; the rows are
 *   awaited after the phase (drain time), inside its CPU window.
 *
 * Every phase alternates ours and the floor (and the baseline with --baseline); see docs/benchmarks.md.
 * Usage: `npm run bench:store [-- --baseline <commit>]`; BENCH_CONCURRENCY (default "1,8") and the
 * settings of bench/lib/session.ts.
 */
import { randomUUID } from 'node:crypto';
import { pushBodies, standardArtifact } from './lib/artifact';
import { closedLoop, push, storeOnce } from './lib/load';
import { printLegend, printWorkload } from './lib/report';
import { alternate, type Workload } from './lib/rounds';
import { log, run, settings, withSystems } from './lib/session';
import { percentile } from './lib/stats';
import type { System } from './lib/systems';

function concurrencies(): number[] {
  const list = (process.env.BENCH_CONCURRENCY || '1,8').split(',').map((c) => Number(c.trim()));
  if (list.some((c) => !Number.isInteger(c) || c < 1))
    throw new Error('BENCH_CONCURRENCY: positive integers');
  return list;
}

run(async () => {
  const s = settings();
  const artifact = standardArtifact();
  await withSystems(s, async (systems) => {
    const bodies = new Map(systems.map((sys) => [sys.label, pushBodies(artifact, sys.projectId)]));
    const bodyFor = (sys: System) => bodies.get(sys.label)!;
    const workloads: Workload[] = [];
    for (const c of concurrencies()) {
      workloads.push({
        name: `push→visible c=${c}`,
        metrics: [
          { key: 'rate', label: 'stored/s', better: 'higher' },
          { key: 'visible50', label: 'push→visible p50 ms', better: 'lower' },
          { key: 'visible95', label: 'push→visible p95 ms', better: 'lower' },
          { key: 'ack50', label: 'push→2xx p50 ms', better: 'lower' },
        ],
        async run(sys) {
          const visible: number[] = [];
          const ack: number[] = [];
          const loop = await closedLoop(c, s.phaseSeconds, async () => {
            const t = await storeOnce(sys, bodyFor(sys));
            visible.push(t.visibleMs);
            ack.push(t.ackMs);
          });
          return {
            ops: loop.ops,
            errors: loop.errors,
            values: {
              rate: (loop.ops * 1000) / loop.elapsedMs,
              visible50: percentile(visible, 50),
              visible95: percentile(visible, 95),
              ack50: percentile(ack, 50),
            },
          };
        },
      });
      workloads.push({
        name: `push→2xx c=${c}`,
        metrics: [
          { key: 'rate', label: 'acknowledged/s', better: 'higher' },
          { key: 'ack50', label: 'push→2xx p50 ms', better: 'lower' },
          { key: 'ack95', label: 'push→2xx p95 ms', better: 'lower' },
          { key: 'drain', label: 'last 2xx→all visible ms', better: 'lower', digits: 0 },
        ],
        async run(sys) {
          const ack: number[] = [];
          const ids: string[] = [];
          const loop = await closedLoop(c, s.phaseSeconds, async () => {
            const id = randomUUID();
            ids.push(id);
            const started = performance.now();
            ack.push((await push(sys.pushUrl, bodyFor(sys)(id))) - started);
          });
          const drainStart = performance.now();
          await Promise.all(ids.map((id) => sys.visibility.wait(id).catch(() => {})));
          return {
            ops: loop.ops,
            errors: loop.errors,
            values: {
              rate: (loop.ops * 1000) / loop.elapsedMs,
              ack50: percentile(ack, 50),
              ack95: percentile(ack, 95),
              drain: performance.now() - drainStart,
            },
          };
        },
      });
    }
    const results = await alternate(systems, workloads, { ...s, log });
    console.log(`\nbench:store — ${s.rounds} rounds of ${s.phaseSeconds} s per system and workload`);
    for (const w of workloads) printWorkload(w, systems, results);
    printLegend(systems, s.rounds);
  });
});
