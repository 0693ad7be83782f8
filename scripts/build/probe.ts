/** Loading a bundle the way the Functions runtime does, in a fresh process (tests and the cold-start bench). */
import { spawnSync } from 'node:child_process';
import { FRAMEWORK } from './project';

export interface ProbeResult {
  /** The registered function's signature type (`http`, `cloudevent`, `event`), or null if none was found. */
  signatureType: string | null;
  /** True when the function registered itself (`functions.http/cloudEvent`) rather than being an export. */
  declarative: boolean;
  /** Milliseconds, inside the process: requiring the framework; loading the function module; both. */
  frameworkMs: number;
  loadMs: number;
  totalMs: number;
  /** Milliseconds from spawning `node` to its exit. */
  wallMs: number;
  stderr: string;
}

/**
 * Runs in a fresh `node`: requires the framework (as the runtime has it loaded before user code), then loads
 * the function folder with the framework's own loader (package.json `main`, CommonJS or ESM, as in Cloud
 * Functions) and asks the framework's registry for `target`. Prints one JSON line.
 */
const PROBE = `
const t0 = process.hrtime.bigint();
const path = require('node:path');
const [dir, target] = process.argv.slice(1);
const entry = require.resolve('${FRAMEWORK}', { paths: [dir] });
require(entry);
const t1 = process.hrtime.bigint();
const src = path.dirname(entry);
require(path.join(src, 'loader.js')).getUserFunction(dir, target, 'http').then((loaded) => {
  const t2 = process.hrtime.bigint();
  const registered = require(path.join(src, 'function_registry.js')).getRegisteredFunction(target);
  const ms = (a, b) => Number(b - a) / 1e6;
  process.stdout.write(JSON.stringify({
    signatureType: loaded ? loaded.signatureType : null,
    declarative: Boolean(registered),
    frameworkMs: ms(t0, t1), loadMs: ms(t1, t2), totalMs: ms(t0, t2),
  }));
}, (error) => { console.error(error); process.exitCode = 1; });
`;

/**
 * Loads a function folder in a fresh process the way the Functions runtime does and reports what got
 * registered under `target`, with timings. `env` replaces the environment (PATH is kept).
 */
export function probeFunction(
  dir: string,
  target: string,
  options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
): ProbeResult {
  const env = { PATH: process.env.PATH, ...(options.env ?? process.env) };
  const started = performance.now();
  const run = spawnSync(process.execPath, [...(options.nodeArgs ?? []), '-e', PROBE, dir, target], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const wallMs = performance.now() - started;
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !line.startsWith('{')) {
    throw new Error(
      `loading ${dir} (${target}) failed with exit code ${run.status}: ${run.stderr || run.stdout}`,
    );
  }
  return { ...(JSON.parse(line) as Omit<ProbeResult, 'wallMs' | 'stderr'>), wallMs, stderr: run.stderr };
}
