/**
 * Printing: per workload, each metric's median over the rounds for each system, and the ratios paired
 * within rounds (ours/floor, and ours/baseline in before/after mode) as `median [min–max]`; then the
 * server CPU per operation of every process.
 */
import { CPU_PREFIX, format, type MetricSpec, type Results, type Workload } from './rounds';
import { median, pairedRatios, type Spread } from './stats';
import type { Label, System } from './systems';

export function printTable(rows: string[][], out: (line: string) => void = console.log): void {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  for (const r of rows) {
    out(
      r
        .map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!)))
        .join('  ')
        .trimEnd(),
    );
  }
}

function ratio(s: Spread): string {
  if (s.n === 0) return '-';
  return `${s.median.toFixed(2)} [${s.min.toFixed(2)}–${s.max.toFixed(2)}]`;
}

function series(results: Results, workload: string, label: Label, key: string): number[] {
  return (results.get(workload)?.get(label) ?? []).map((v) => v[key] ?? Number.NaN);
}

export function printWorkload(
  workload: Pick<Workload, 'name' | 'metrics'>,
  systems: readonly System[],
  results: Results,
  out: (line: string) => void = console.log,
): void {
  const labels = systems.map((s) => s.label);
  const hasBaseline = labels.includes('baseline');
  const header = ['', ...labels, 'ours/floor'];
  if (hasBaseline) header.push('ours/baseline');
  const rows: string[][] = [header];
  const row = (spec: MetricSpec, withRatio: boolean) => {
    const cells = [`${spec.label}${withRatio ? (spec.better === 'higher' ? ' (↑)' : ' (↓)') : ''}`];
    for (const label of labels)
      cells.push(format(median(series(results, workload.name, label, spec.key)), spec.digits));
    const ours = series(results, workload.name, 'ours', spec.key);
    cells.push(withRatio ? ratio(pairedRatios(ours, series(results, workload.name, 'floor', spec.key))) : '');
    if (hasBaseline) {
      cells.push(
        withRatio ? ratio(pairedRatios(ours, series(results, workload.name, 'baseline', spec.key))) : '',
      );
    }
    rows.push(cells);
  };
  for (const spec of workload.metrics) row(spec, true);
  row({ key: 'errors', label: 'errors (retried or failed ops)', better: 'lower', digits: 0 }, false);
  const procs = new Set<string>();
  for (const label of labels) {
    for (const values of results.get(workload.name)?.get(label) ?? []) {
      for (const key of Object.keys(values))
        if (key.startsWith(CPU_PREFIX)) procs.add(key.slice(CPU_PREFIX.length));
    }
  }
  const shared = ['functions', 'all', 'stand-ins', 'postgres'];
  for (const proc of [
    ...[...procs].filter((p) => !shared.includes(p)).sort(),
    ...shared.filter((p) => procs.has(p)),
  ]) {
    row(
      { key: `${CPU_PREFIX}${proc}`, label: `CPU ms/op ${proc}`, better: 'lower', digits: 2 },
      shared.includes(proc),
    );
  }
  out(`\n${workload.name}`);
  printTable(rows, out);
}

export function printLegend(
  systems: readonly System[],
  rounds: number,
  out: (line: string) => void = console.log,
) {
  out(
    `\nColumns: median over ${rounds} rounds per system; ratios = ours value / other value of the same metric,` +
      ' paired within each round, median [min–max]. (↑) higher is better, (↓) lower is better.' +
      ' CPU ms/op = utime+stime of each server process over the phase / operations' +
      ' (functions = the function processes; stand-ins = the host process running the GCS and PostgREST' +
      ' stand-ins; postgres = the server and its backends; all = their sum).',
  );
  for (const s of systems) out(`  ${s.label}: ${describe(s)}`);
}

function describe(s: System): string {
  const fns = Object.entries(s.functions)
    .map(([n, p]) => `${n} pid ${p}`)
    .join(', ');
  return `${fns}; stand-ins pid ${s.hostPid}${s.postgresPid ? `; postgres pid ${s.postgresPid}` : ''}`;
}
