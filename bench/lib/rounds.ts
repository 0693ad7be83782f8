/**
 * Alternation: every workload runs on every system in each round, the systems' order rotating from round to
 * round (A B, B A, A B, ...; with three: A B C, B C A, C A B), so that drift and neighbours' load on a
 * shared machine hit all of them alike. Ratios are then paired within a round (report.ts). Each phase also
 * records the server CPU its system used per operation, process by process, from /proc.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSnapshot, type Label, type System } from './systems';

export interface MetricSpec {
  key: string;
  label: string;
  /** Which way is better, printed beside the ratio. */
  better: 'higher' | 'lower';
  digits?: number;
}

export interface PhaseOutcome {
  /** Operations the CPU is divided by. */
  ops: number;
  errors: number;
  values: Record<string, number>;
}

export interface Workload {
  name: string;
  metrics: MetricSpec[];
  /** Before the phase's CPU window (e.g. a fresh process). */
  prepare?(system: System, round: number): Promise<void>;
  run(system: System, round: number): Promise<PhaseOutcome>;
}

/** Per workload, per system: one record of values per round. */
export type Results = Map<string, Map<Label, Array<Record<string, number>>>>;

export const CPU_PREFIX = 'cpu ms/op ';

export interface AlternateOptions {
  rounds: number;
  /** Unrecorded rounds first (JIT, caches, connection pools). */
  warmupRounds: number;
  /** Pause after each phase, inside its CPU window, for trailing work (events, logs) to finish. */
  settleMs?: number;
  log?: (line: string) => void;
}

export function orderFor<T>(systems: readonly T[], round: number): T[] {
  const k = round % systems.length;
  return [...systems.slice(k), ...systems.slice(0, k)];
}

/** One phase: the workload on one system, with its CPU per operation. */
export async function measurePhase(
  system: System,
  workload: Workload,
  round: number,
  settleMs: number,
): Promise<PhaseOutcome> {
  await workload.prepare?.(system, round);
  const before = cpuSnapshot(system);
  const outcome = await workload.run(system, round);
  await sleep(settleMs);
  const after = cpuSnapshot(system);
  for (const [name, pid] of Object.entries(system.functions)) {
    if (!Number.isFinite(after[name]!)) {
      throw new Error(
        `${system.label}: ${name} (pid ${pid}) is gone: it crashed or was killed (BENCH_VERBOSE=1 shows its output)`,
      );
    }
  }
  const values: Record<string, number> = { ...outcome.values, errors: outcome.errors };
  let functions = 0;
  let all = 0;
  for (const [proc, ms] of Object.entries(after)) {
    const used = ms - before[proc]!;
    values[`${CPU_PREFIX}${proc}`] = used / outcome.ops;
    all += used;
    if (proc in system.functions) functions += used;
  }
  values[`${CPU_PREFIX}functions`] = functions / outcome.ops;
  values[`${CPU_PREFIX}all`] = all / outcome.ops;
  return { ...outcome, values };
}

export async function alternate(
  systems: readonly System[],
  workloads: readonly Workload[],
  options: AlternateOptions,
): Promise<Results> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const results: Results = new Map(
    workloads.map((w) => [w.name, new Map(systems.map((s) => [s.label, []]))]),
  );
  const total = options.warmupRounds + options.rounds;
  for (let r = 0; r < total; r++) {
    const warmup = r < options.warmupRounds;
    for (const workload of workloads) {
      for (const system of orderFor(systems, r)) {
        const outcome = await measurePhase(system, workload, r, options.settleMs ?? 500);
        const head = workload.metrics[0]!;
        log(
          `${warmup ? 'warm-up' : `round ${r - options.warmupRounds + 1}/${options.rounds}`} ${workload.name} ` +
            `${system.label}: ${head.label} ${format(outcome.values[head.key], head.digits)}, ` +
            `${outcome.ops} ops, ${outcome.errors} errors`,
        );
        if (!warmup) results.get(workload.name)!.get(system.label)!.push(outcome.values);
      }
    }
  }
  return results;
}

export function format(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value.toFixed(digits);
}
