/**
 * Peak RSS benchmark: one ~20 MB artifact (the standard workflow + 20 PNGs of ~750 KB, bench/lib/artifact.ts)
 * stored per phase, and the store function's memory read from its /proc/<pid>/status:
 *
 * - `staged`: the document uploaded first to `staging/{tenant}/{id}.json` (claim check, as publishArtifact
 *   does above 8 MB), the push naming it (`artifact_ref`);
 * - `inline`: the whole document in the push (~27 MB of base64 in the push body).
 *
 * Each phase starts a fresh store function process (bench/lib/respawn.ts: same command, environment and
 * port) and warms it with one standard artifact, so earlier phases leave nothing behind. Then its peak
 * (VmHWM) is reset to its current RSS (`clear_refs` = 5), the push sent; once the row is visible the peak is
 * read, and BENCH_RSS_SETTLE_SECONDS (default 5) later the RSS again: what the store kept. Figures are growth
 * over the RSS just before the push, in MB and as a multiple of the document's size.
 *
 * Usage: `npm run bench:rss [-- --baseline <commit>]` (BENCH_ROUNDS, default 5, stores per mode and system).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { largeArtifact, pushBodies, standardArtifact } from './lib/artifact';
import { largePushBody, push, storeOnce } from './lib/load';
import { memory, resetPeak } from './lib/proc';
import { printLegend, printWorkload } from './lib/report';
import { respawn } from './lib/respawn';
import { alternate, type PhaseOutcome, type Workload } from './lib/rounds';
import { log, numberEnv, run, settings, withSystems } from './lib/session';
import type { System } from './lib/systems';

const MB = 1024 * 1024;

run(async () => {
  const s = settings();
  const settleMs = numberEnv('BENCH_RSS_SETTLE_SECONDS', 5) * 1000;
  const artifact = largeArtifact();
  const document = Buffer.from(JSON.stringify(artifact));
  log(`artifact: ${(document.length / MB).toFixed(1)} MB of JSON`);
  const small = standardArtifact();

  /** A fresh store function, warmed by one standard artifact. */
  async function fresh(sys: System): Promise<void> {
    sys.functions[sys.storeFunction] = await respawn(sys.functions[sys.storeFunction]!);
    await storeOnce(sys, pushBodies(small, sys.projectId));
  }

  async function storeLarge(sys: System, staged: boolean): Promise<PhaseOutcome> {
    const id = randomUUID();
    const body = await largePushBody(sys, id, artifact, document, staged);
    const pid = sys.functions[sys.storeFunction]!;
    const before = memory(pid).rss;
    resetPeak(pid);
    const started = performance.now();
    await push(sys.pushUrl, body);
    await sys.visibility.wait(id);
    const ms = performance.now() - started;
    const peak = memory(pid).hwm;
    await sleep(settleMs);
    const after = memory(pid).rss;
    return {
      ops: 1,
      errors: 0,
      values: {
        ms,
        before: before / MB,
        growth: (peak - before) / MB,
        multiple: (peak - before) / document.length,
        kept: (after - before) / MB,
      },
    };
  }

  const metrics: Workload['metrics'] = [
    { key: 'growth', label: 'peak RSS growth MB', better: 'lower' },
    { key: 'multiple', label: 'peak growth / document size', better: 'lower', digits: 2 },
    { key: 'kept', label: `RSS kept ${settleMs / 1000} s later MB`, better: 'lower' },
    { key: 'before', label: 'RSS before MB', better: 'lower' },
    { key: 'ms', label: 'push→visible ms', better: 'lower', digits: 0 },
  ];
  const workloads: Workload[] = [
    { name: '20 MB staged (claim check)', metrics, prepare: fresh, run: (sys) => storeLarge(sys, true) },
    { name: '20 MB inline', metrics, prepare: fresh, run: (sys) => storeLarge(sys, false) },
  ];
  await withSystems(s, async (systems) => {
    const results = await alternate(systems, workloads, { ...s, log });
    console.log(
      `\nbench:rss — the store function's memory (ours: storeArtifact, floor: floorStore), ${s.rounds} stores per mode and system`,
    );
    for (const w of workloads) printWorkload(w, systems, results);
    printLegend(systems, s.rounds);
  });
});
