/**
 * What every benchmark shares: its settings from the environment and the command line, and a session that
 * starts the systems (ours, the floor, and in before/after mode the baseline commit from its own worktree),
 * hands them to the benchmark, and stops and removes everything at the end, Ctrl-C included.
 *
 *   BENCH_ROUNDS          recorded rounds (default 5)
 *   BENCH_WARMUP_ROUNDS   unrecorded rounds first (default 1)
 *   BENCH_PHASE_SECONDS   seconds each system runs each workload per round (default 5)
 *   BENCH_LOG_LEVEL       the functions' LOG_LEVEL (default INFO, as deployed)
 *   --baseline <commit>   or BENCH_BASELINE=<commit>: also run that commit's stack (before/after mode)
 *   BENCH_VERBOSE=1       the hosts' and functions' output on stderr
 */
import { checkoutBaseline, ROOT } from './baseline';
import { stopRespawned } from './respawn';
import { type Label, type System, startSystem } from './systems';

export interface Settings {
  rounds: number;
  warmupRounds: number;
  phaseSeconds: number;
  baseline?: string;
}

export function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
}

export function settings(argv: string[] = process.argv.slice(2)): Settings {
  let baseline = process.env.BENCH_BASELINE || undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--baseline') baseline = argv[++i];
    else if (arg.startsWith('--baseline=')) baseline = arg.slice('--baseline='.length);
    else throw new Error(`unknown argument ${arg} (only --baseline <commit>)`);
  }
  if (baseline === '') throw new Error('--baseline needs a commit');
  return {
    rounds: Math.max(1, Math.round(numberEnv('BENCH_ROUNDS', 5))),
    warmupRounds: Math.round(numberEnv('BENCH_WARMUP_ROUNDS', 1)),
    phaseSeconds: numberEnv('BENCH_PHASE_SECONDS', 5),
    ...(baseline ? { baseline } : {}),
  };
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Starts the systems, runs `body`, stops them; in before/after mode checks the baseline out first and
 * removes its worktree at the end. Order: ours, baseline, floor (the report's column order).
 */
export async function withSystems(s: Settings, body: (systems: System[]) => Promise<void>): Promise<void> {
  if (process.platform !== 'linux') throw new Error('the benchmarks read /proc: Linux only');
  const functionEnv = { LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'INFO' };
  const baseline = s.baseline ? checkoutBaseline(s.baseline, log) : undefined;
  const systems: System[] = [];
  const stopAll = async () => {
    await stopRespawned();
    await Promise.all(systems.splice(0).map((sys) => sys.stop().catch(() => {})));
    baseline?.remove();
  };
  const interrupted = () => {
    log('interrupted: stopping the systems');
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const wanted: Array<[Label, 'stack' | 'floor', string]> = [['ours', 'stack', ROOT]];
    if (baseline) wanted.push(['baseline', 'stack', baseline.dir]);
    wanted.push(['floor', 'floor', ROOT]);
    log(
      `starting ${wanted.map(([l]) => l).join(', ')} (builds the bundles, starts PostgreSQL and the stand-ins)`,
    );
    const started = await Promise.allSettled(
      wanted.map(([label, kind, root]) => startSystem(label, kind, root, functionEnv)),
    );
    for (const r of started) if (r.status === 'fulfilled') systems.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (baseline) log(`baseline = ${baseline.sha}`);
    await body(systems);
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    await stopAll();
  }
}

/** Runs a benchmark's main, printing an error and setting the exit code on failure. */
export function run(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  });
}
