/**
 * Soak: BENCH_CONCURRENCY (default 8) closed-loop producers, each storing the standard artifact (push →
 * 2xx → row visible) and reading it back (`GET /api/artifacts/{id}`), for BENCH_SOAK_SECONDS (default 600)
 * of load per system, in slices of BENCH_SOAK_SLICE_SECONDS (default 10) alternating the systems (so the
 * wall time is that many seconds per system). Compares each system's first and last minute of load (its
 * first and last slices covering 60 s): throughput, latencies, CPU per op, and the RSS of every function
 * process at the end of its slices; a growing last/first is degradation. Ours/floor is paired per slice pair.
 *
 * Usage: `npm run bench:soak [-- --baseline <commit>]` (BENCH_WARMUP_ROUNDS unrecorded slice pairs first).
 */
import { randomUUID } from 'node:crypto';
import { pushBodies, standardArtifact } from './lib/artifact';
import { closedLoop, getOnce, push } from './lib/load';
import { memory } from './lib/proc';
import { printTable } from './lib/report';
import { alternate, CPU_PREFIX, format, type MetricSpec, type Workload } from './lib/rounds';
import { log, numberEnv, run, settings, withSystems } from './lib/session';
import { median, pairedRatios, percentile, type Spread } from './lib/stats';
import type { Label } from './lib/systems';

const MB = 1024 * 1024;

run(async () => {
  const s = settings();
  const soakSeconds = numberEnv('BENCH_SOAK_SECONDS', 600);
  const sliceSeconds = numberEnv('BENCH_SOAK_SLICE_SECONDS', 10);
  const c = Math.max(1, Math.round(numberEnv('BENCH_CONCURRENCY', 8)));
  const slices = Math.max(2, Math.ceil(soakSeconds / sliceSeconds));
  const window = Math.min(Math.floor(slices / 2), Math.max(1, Math.ceil(60 / sliceSeconds)));
  const artifact = standardArtifact();
  await withSystems(s, async (systems) => {
    const bodies = new Map(systems.map((sys) => [sys.label, pushBodies(artifact, sys.projectId)]));
    const metrics: MetricSpec[] = [
      { key: 'rate', label: 'stored+read/s', better: 'higher' },
      { key: 'visible50', label: 'push→visible p50 ms', better: 'lower' },
      { key: 'visible95', label: 'push→visible p95 ms', better: 'lower' },
      { key: 'get50', label: 'GET p50 ms', better: 'lower' },
      { key: 'get95', label: 'GET p95 ms', better: 'lower' },
    ];
    const workload: Workload = {
      name: `soak c=${c}`,
      metrics,
      async run(sys) {
        const visible: number[] = [];
        const gets: number[] = [];
        const loop = await closedLoop(c, sliceSeconds, async () => {
          const id = randomUUID();
          const started = performance.now();
          await push(sys.pushUrl, bodies.get(sys.label)!(id));
          visible.push((await sys.visibility.wait(id)) - started);
          gets.push((await getOnce(sys, `/api/artifacts/${id}`)).ms);
        });
        const values: Record<string, number> = {
          rate: (loop.ops * 1000) / loop.elapsedMs,
          visible50: percentile(visible, 50),
          visible95: percentile(visible, 95),
          get50: percentile(gets, 50),
          get95: percentile(gets, 95),
        };
        for (const [name, pid] of Object.entries(sys.functions)) values[`rss ${name}`] = memory(pid).rss / MB;
        return { ops: loop.ops, errors: loop.errors, values };
      },
    };
    log(`soak: ${slices} slices of ${sliceSeconds} s per system; first/last minute = ${window} slices each`);
    const results = await alternate(systems, [workload], {
      rounds: slices,
      warmupRounds: s.warmupRounds,
      log,
    });

    const perSystem = results.get(workload.name)!;
    const series = (label: Label, key: string) =>
      (perSystem.get(label) ?? []).map((v) => v[key] ?? Number.NaN);
    const first = (xs: number[]) => xs.slice(0, window);
    const last = (xs: number[]) => xs.slice(-window);
    const labels = systems.map((sys) => sys.label);
    const keys = new Set<string>();
    for (const values of perSystem.get('ours') ?? []) for (const k of Object.keys(values)) keys.add(k);
    for (const values of perSystem.get('floor') ?? []) for (const k of Object.keys(values)) keys.add(k);
    const rows: string[][] = [
      [
        '',
        ...labels.flatMap((l) => [`${l} first`, `${l} last`, `${l} last/first`]),
        'ours/floor first',
        'ours/floor last',
      ],
    ];
    const ratio = (x: Spread) =>
      x.n ? `${x.median.toFixed(2)} [${x.min.toFixed(2)}–${x.max.toFixed(2)}]` : '-';
    const extra = [...keys]
      .filter((k) => k.startsWith('rss ') || k.startsWith(CPU_PREFIX) || k === 'errors')
      .sort();
    for (const spec of [
      ...metrics,
      ...extra.map((key) => ({ key, label: key, better: 'lower', digits: 2 })),
    ]) {
      const cells = [spec.label];
      for (const l of labels) {
        const xs = series(l, spec.key);
        const a = median(first(xs));
        const b = median(last(xs));
        cells.push(format(a, spec.digits), format(b, spec.digits), format(b / a, 2));
      }
      const ours = series('ours', spec.key);
      const floor = series('floor', spec.key);
      cells.push(
        ratio(pairedRatios(first(ours), first(floor))),
        ratio(pairedRatios(last(ours), last(floor))),
      );
      rows.push(cells);
    }
    console.log(
      `\nbench:soak — ${slices} slices of ${sliceSeconds} s per system (c=${c}); first and last ${window} slices; medians`,
    );
    printTable(rows);
    console.log('rss <function> = MB resident at the end of a slice; cpu ms/op as in the other benchmarks.');
  });
});
