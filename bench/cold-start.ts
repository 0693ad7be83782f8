/**
 * Cold start of each function bundle against a bare functions-framework function that requires the same SDKs
 * directly from node_modules, over repeated fresh `node` processes.
 *
 * Each sample is one new process that requires the framework, loads the function folder with the framework's
 * own loader (as the Functions runtime does) and finds the function registered; it reports the time from its
 * first line to the registration ("load+register"). The process's wall time (spawn to exit, Node's own boot
 * included) is reported too. Bundles run from a folder outside the repository whose node_modules holds only
 * what their package-lock.json installs, as in Cloud Functions; baselines run inside the repository. Each
 * bundle is timed twice: without ARTIFACT_EVENTS_TOPIC, and with it ("events on", as Terraform deploys the
 * store, sync and API functions: the topic's full path; docs/design.md, "Events").
 *
 * Usage: `npm run bench:cold-start [-- --variants]`
 *   COLD_START_RUNS            samples per case (default 15)
 *   COLD_START_FUNCTIONS_DIR   function folders to build (default functions/)
 *   --variants        also time a minified bundle and a bundle run with --enable-source-maps
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BundleInfo, build, linkDependencies, probeFunction, ROOT } from '../scripts/build';

/** The SDKs a baseline requires, when the bundle contains them. */
const SDKS = ['@google-cloud/storage', '@supabase/supabase-js', 'zod', 'jose'];

/** A configuration every function accepts (they validate theirs while loading). */
const ENV: NodeJS.ProcessEnv = {
  GOOGLE_CLOUD_PROJECT: 'bench-project',
  ARTIFACT_BUCKET: 'bench-artifacts',
  SUPABASE_URL: 'https://bench.supabase.co',
  SUPABASE_SERVICE_ROLE_KEY: 'bench-service-role-key-0123456789abcdef',
  SUPABASE_JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789',
  TENANT_CLAIM: 'app_metadata.tenant_id',
  CORS_ORIGINS: '',
  VISUAL_URL_MODE: 'signed',
  MATERIALIZATION_POLICY: readFileSync(
    join(ROOT, 'shared', 'domain', 'default-materialization-policy.json'),
    'utf8',
  ),
};

/** ENV with the events topic set, as deployed (reconcileArtifacts ignores it). */
const EVENTS_ENV: NodeJS.ProcessEnv = {
  ...ENV,
  ARTIFACT_EVENTS_TOPIC: 'projects/bench-project/topics/artifact-store-events',
};

interface Case {
  fn: string;
  label: string;
  dir: string;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  total: number[];
  wall: number[];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** A bare function folder: the framework, the bundle's SDKs required directly, one registration. */
function writeBaseline(dir: string, bundle: BundleInfo, signatureType: string): void {
  mkdirSync(dir, { recursive: true });
  const sdks = SDKS.filter((s) => bundle.packages.includes(s));
  const register =
    signatureType === 'http'
      ? `functions.http(${JSON.stringify(bundle.name)}, (req, res) => res.end());`
      : `functions.cloudEvent(${JSON.stringify(bundle.name)}, () => {});`;
  const code = [
    "const functions = require('@google-cloud/functions-framework');",
    ...sdks.map((s) => `require(${JSON.stringify(s)});`),
    register,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'index.js'), code);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ main: 'index.js', type: 'commonjs' }));
}

async function main(): Promise<void> {
  const runs = Number(process.env.COLD_START_RUNS ?? 15);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('COLD_START_RUNS must be a positive integer');
  const variants = process.argv.includes('--variants');

  const work = mkdtempSync(join(tmpdir(), 'artifact-store-cold-start-'));
  // Baselines resolve the SDKs from the repository's node_modules, so they live inside it (dist/ is ignored).
  const baselineRoot = join(ROOT, 'dist', '.cold-start-baseline');
  try {
    const functionsDir = process.env.COLD_START_FUNCTIONS_DIR || undefined;
    const bundles = await build({ functionsDir, outDir: join(work, 'bundles'), log: () => {} });
    for (const b of bundles) linkDependencies(b.dir);
    const cases: Case[] = [];
    for (const b of bundles) {
      const probe = probeFunction(b.dir, b.name, { env: ENV });
      if (!probe.signatureType || !probe.declarative) {
        throw new Error(`${b.name}: the bundle did not register ${b.name}\n${probe.stderr}`);
      }
      const baselineDir = join(baselineRoot, b.name);
      writeBaseline(baselineDir, b, probe.signatureType);
      cases.push({ fn: b.name, label: 'bundle', dir: b.dir, total: [], wall: [] });
      cases.push({
        fn: b.name,
        label: 'bundle, events on',
        dir: b.dir,
        env: EVENTS_ENV,
        total: [],
        wall: [],
      });
      cases.push({ fn: b.name, label: 'baseline', dir: baselineDir, total: [], wall: [] });
    }
    if (variants) {
      const minified = await build({
        functionsDir,
        outDir: join(work, 'minified'),
        minify: true,
        log: () => {},
      });
      const mapped = await build({
        functionsDir,
        outDir: join(work, 'mapped'),
        sourcemap: 'linked',
        log: () => {},
      });
      for (const b of [...minified, ...mapped]) linkDependencies(b.dir);
      for (const b of minified)
        cases.push({ fn: b.name, label: 'bundle, minified', dir: b.dir, total: [], wall: [] });
      for (const b of mapped) {
        const nodeArgs = ['--enable-source-maps'];
        cases.push({
          fn: b.name,
          label: 'bundle, source maps on',
          dir: b.dir,
          nodeArgs,
          total: [],
          wall: [],
        });
      }
      const size = (list: BundleInfo[]) =>
        list.map((b) => `${b.name} ${(b.bytes / 1024).toFixed(0)} KiB`).join(', ');
      console.log(`minified sizes: ${size(minified)}; unminified: ${size(bundles)}`);
    }

    // One unmeasured run per case fills the file cache; then the cases take turns, so drift hits all alike.
    for (const c of cases) probeFunction(c.dir, c.fn, { env: c.env ?? ENV, nodeArgs: c.nodeArgs });
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        const r = probeFunction(c.dir, c.fn, { env: c.env ?? ENV, nodeArgs: c.nodeArgs });
        if (!r.declarative) throw new Error(`${c.fn} (${c.label}) stopped registering\n${r.stderr}`);
        c.total.push(r.totalMs);
        c.wall.push(r.wallMs);
      }
    }

    const ms = (v: number) => v.toFixed(1);
    const rows: string[][] = [
      ['function', 'case', 'load+register median', 'p90', 'process wall median', 'p90', 'vs baseline'],
    ];
    for (const fn of bundles.map((b) => b.name)) {
      const baseline = cases.find((c) => c.fn === fn && c.label === 'baseline')!;
      for (const c of cases.filter((x) => x.fn === fn)) {
        const ratio = percentile(c.total, 50) / percentile(baseline.total, 50);
        const wallRatio = percentile(c.wall, 50) / percentile(baseline.wall, 50);
        rows.push([
          fn,
          c.label,
          ms(percentile(c.total, 50)),
          ms(percentile(c.total, 90)),
          ms(percentile(c.wall, 50)),
          ms(percentile(c.wall, 90)),
          c === baseline ? '' : `${ratio.toFixed(2)}x (wall ${wallRatio.toFixed(2)}x)`,
        ]);
      }
    }
    const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
    console.log(`cold start: ${runs} fresh processes per case, node ${process.version}, times in ms`);
    for (const r of rows) {
      console.log(
        r
          .map((cell, col) =>
            col < 2 || col === r.length - 1 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!),
          )
          .join('  ')
          .trimEnd(),
      );
    }
    console.log(
      'baseline = functions-framework + the same SDKs required directly from node_modules, registering a no-op;' +
        ' ratio = bundle median / baseline median',
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(baselineRoot, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
