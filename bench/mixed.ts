/**
 * Mixed load and fairness: BENCH_MIXED_GETS (default 200) closed-loop readers of `GET /api/artifacts/{id}`
 * (ids of BENCH_SEED_COUNT stored artifacts in turn) and BENCH_MIXED_STORES (default 50) closed-loop
 * producers (push → 2xx → row visible) at once, for BENCH_MIXED_SECONDS (default 20) per system and round.
 * Latency percentiles of each kind, and how many requests waited longer than BENCH_SLOW_MS (default 3000):
 * a fair server serves everyone a little slower rather than some not at all. With more readers than the
 * machine serves per second, every request queues (Little's law: latency ≈ readers / throughput), so
 * read the count together with max / p50, which stays near 1 when nobody is starved.
 *
 * Usage: `npm run bench:mixed [-- --baseline <commit>]` and the settings of bench/lib/session.ts (rounds).
 * CPU per op divides by all operations, reads and stores together.
 */
import { pushBodies, standardArtifact } from './lib/artifact';
import { closedLoop, getOnce, seed, storeOnce } from './lib/load';
import { printLegend, printWorkload } from './lib/report';
import { alternate, type Workload } from './lib/rounds';
import { log, numberEnv, run, settings, withSystems } from './lib/session';
import { summarize } from './lib/stats';
import type { Label } from './lib/systems';

run(async () => {
  const s = settings();
  const gets = Math.round(numberEnv('BENCH_MIXED_GETS', 200));
  const stores = Math.round(numberEnv('BENCH_MIXED_STORES', 50));
  const seconds = numberEnv('BENCH_MIXED_SECONDS', 20);
  const slowMs = numberEnv('BENCH_SLOW_MS', 3000);
  const seedCount = Math.round(numberEnv('BENCH_SEED_COUNT', 110));
  const artifact = standardArtifact();
  await withSystems(s, async (systems) => {
    const ids = new Map<Label, string[]>();
    const bodies = new Map(systems.map((sys) => [sys.label, pushBodies(artifact, sys.projectId)]));
    for (const sys of systems) {
      log(`seeding ${sys.label}: ${seedCount} artifacts`);
      ids.set(sys.label, await seed(sys, seedCount, bodies.get(sys.label)!));
    }
    const workload: Workload = {
      name: `${gets} GETs + ${stores} stores, ${seconds} s`,
      metrics: [
        { key: 'getRate', label: 'GET requests/s', better: 'higher' },
        { key: 'get50', label: 'GET p50 ms', better: 'lower' },
        { key: 'get95', label: 'GET p95 ms', better: 'lower' },
        { key: 'get99', label: 'GET p99 ms', better: 'lower' },
        { key: 'getMax', label: 'GET max ms', better: 'lower', digits: 0 },
        { key: 'getSlow', label: `GETs waiting > ${slowMs} ms`, better: 'lower', digits: 0 },
        { key: 'getSpread', label: 'GET max / p50', better: 'lower', digits: 2 },
        { key: 'storeRate', label: 'stored/s', better: 'higher' },
        { key: 'store50', label: 'push→visible p50 ms', better: 'lower' },
        { key: 'store95', label: 'push→visible p95 ms', better: 'lower' },
        { key: 'store99', label: 'push→visible p99 ms', better: 'lower' },
        { key: 'storeMax', label: 'push→visible max ms', better: 'lower', digits: 0 },
        { key: 'storeSlow', label: `stores waiting > ${slowMs} ms`, better: 'lower', digits: 0 },
        { key: 'storeSpread', label: 'push→visible max / p50', better: 'lower', digits: 2 },
      ],
      async run(sys) {
        const list = ids.get(sys.label)!;
        const getMs: number[] = [];
        const storeMs: number[] = [];
        let next = 0;
        const [reads, writes] = await Promise.all([
          closedLoop(gets, seconds, async () => {
            getMs.push((await getOnce(sys, `/api/artifacts/${list[next++ % list.length]}`)).ms);
          }),
          closedLoop(stores, seconds, async () => {
            storeMs.push((await storeOnce(sys, bodies.get(sys.label)!)).visibleMs);
          }),
        ]);
        const g = summarize(getMs);
        const w = summarize(storeMs);
        return {
          ops: reads.ops + writes.ops,
          errors: reads.errors + writes.errors,
          values: {
            getRate: (reads.ops * 1000) / reads.elapsedMs,
            get50: g.p50,
            get95: g.p95,
            get99: g.p99,
            getMax: g.max,
            getSlow: getMs.filter((ms) => ms > slowMs).length,
            getSpread: g.max / g.p50,
            storeRate: (writes.ops * 1000) / writes.elapsedMs,
            store50: w.p50,
            store95: w.p95,
            store99: w.p99,
            storeMax: w.max,
            storeSlow: storeMs.filter((ms) => ms > slowMs).length,
            storeSpread: w.max / w.p50,
          },
        };
      },
    };
    const results = await alternate(systems, [workload], { ...s, log, settleMs: 1000 });
    console.log(`\nbench:mixed — ${s.rounds} rounds`);
    printWorkload(workload, systems, results);
    printLegend(systems, s.rounds);
  });
});
