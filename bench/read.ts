/**
 * Read benchmark: after storing BENCH_SEED_COUNT (default 110) standard artifacts in each system,
 * closed-loop readers at each concurrency:
 *
 * - `GET envelope c=N`: `GET /api/artifacts/{id}` (row + manifest, visuals as references), ids in turn;
 * - `GET inline c=N`: `GET /api/artifacts/{id}?visuals=inline` (the PNG put back as base64);
 * - `list 100 c=N`: `GET /api/artifacts?limit=100` (the newest 100 of the tenant's rows).
 *
 * Usage: `npm run bench:read [-- --baseline <commit>]`; BENCH_CONCURRENCY (default "8"), BENCH_SEED_COUNT,
 * and the settings of bench/lib/session.ts.
 */
import { pushBodies, standardArtifact } from './lib/artifact';
import { closedLoop, getOnce, seed } from './lib/load';
import { printLegend, printWorkload } from './lib/report';
import { alternate, type Workload } from './lib/rounds';
import { log, numberEnv, run, settings, withSystems } from './lib/session';
import { percentile } from './lib/stats';
import type { Label, System } from './lib/systems';

run(async () => {
  const s = settings();
  const seedCount = Math.max(100, Math.round(numberEnv('BENCH_SEED_COUNT', 110)));
  const levels = (process.env.BENCH_CONCURRENCY || '8').split(',').map(Number);
  if (levels.some((c) => !Number.isInteger(c) || c < 1))
    throw new Error('BENCH_CONCURRENCY: positive integers');
  const artifact = standardArtifact();
  await withSystems(s, async (systems) => {
    const ids = new Map<Label, string[]>();
    for (const sys of systems) {
      log(`seeding ${sys.label}: ${seedCount} artifacts`);
      ids.set(sys.label, await seed(sys, seedCount, pushBodies(artifact, sys.projectId)));
    }
    const reads = (name: string, c: number, path: (sys: System, i: number) => string): Workload => ({
      name: `${name} c=${c}`,
      metrics: [
        { key: 'rate', label: 'requests/s', better: 'higher' },
        { key: 'p50', label: 'p50 ms', better: 'lower' },
        { key: 'p95', label: 'p95 ms', better: 'lower' },
        { key: 'kb', label: 'KB per response', better: 'lower' },
      ],
      async run(sys) {
        const ms: number[] = [];
        let bytes = 0;
        let next = 0;
        const loop = await closedLoop(c, s.phaseSeconds, async () => {
          const r = await getOnce(sys, path(sys, next++));
          ms.push(r.ms);
          bytes = r.bytes;
        });
        return {
          ops: loop.ops,
          errors: loop.errors,
          values: {
            rate: (loop.ops * 1000) / loop.elapsedMs,
            p50: percentile(ms, 50),
            p95: percentile(ms, 95),
            kb: bytes / 1024,
          },
        };
      },
    });
    const idAt = (sys: System, i: number) => {
      const list = ids.get(sys.label)!;
      return list[i % list.length]!;
    };
    const workloads = levels.flatMap((c) => [
      reads('GET envelope', c, (sys, i) => `/api/artifacts/${idAt(sys, i)}`),
      reads('GET inline', c, (sys, i) => `/api/artifacts/${idAt(sys, i)}?visuals=inline`),
      reads('list 100', c, () => '/api/artifacts?limit=100'),
    ]);
    const results = await alternate(systems, workloads, { ...s, log });
    console.log(
      `\nbench:read — ${seedCount} artifacts per system; ${s.rounds} rounds of ${s.phaseSeconds} s per system and workload`,
    );
    for (const w of workloads) printWorkload(w, systems, results);
    printLegend(systems, s.rounds);
  });
});
