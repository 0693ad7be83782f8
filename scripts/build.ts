/**
 * Builds one deployable bundle per function: `functions/<name>/index.ts` → `dist/functions/<name>/`:
 *
 * - `index.js`: esbuild bundle (platform node, target node22, CommonJS — Google's client libraries `require`
 *   JSON files and use dynamic `require`, which ESM bundles break). Everything the function imports is inlined
 *   except `@google-cloud/functions-framework`: the function registers itself in the framework instance the
 *   runtime loads, so a second, bundled copy would hold the registration where the runtime never looks.
 * - `index.js.map`: external source map (with sources content) for mapping a Cloud Logging stack trace back to
 *   the TypeScript with any source-map tool. Not linked from the bundle, so the runtime never reads it.
 * - `package.json`: `main`, `engines`, and the framework as the only dependency, at our exact version.
 * - `package-lock.json`: the framework's dependency closure copied from our lockfile, so Cloud Build runs
 *   `npm ci` and installs exactly the versions our tests ran with.
 *
 * The build fails when a bundle contains `@google-cloud/pubsub` (only the producer publishes), anything under
 * `local/` (local stand-ins), a devDependency, or a copy of the framework, or when it leaves a module other
 * than the framework, a Node built-in or a known optional require to run time. It prints each bundle's size.
 *
 * Minify: off. Stack traces in Cloud Logging then carry real function names and lines that read like the
 * source (esbuild heads each module with a `// shared/foo.ts` comment). Minifying halves the bytes (3.1 to
 * 1.5 MiB) but did not move the cold start beyond noise (`npm run bench:cold-start -- --variants`), and the
 * archive is zipped anyway.
 * Source maps: written, not linked. Linking them and running with `--enable-source-maps` gives TypeScript
 * positions in traces but cost ~80-90 ms more per cold start in the same benchmark (Node parses the 5.7 MiB
 * map while loading); decode offline instead.
 *
 * CLI: `npm run build` (`tsx scripts/build.ts`); exit code 1 on failure.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { isEntryPoint } from './entry-point';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const FRAMEWORK = '@google-cloud/functions-framework';

export interface BuildOptions {
  /** Folder holding one sub-folder per function, each with an `index.ts` (default: `functions/`). */
  functionsDir?: string;
  /** Where `<name>/index.js` etc. are written (default: `dist/functions/`). */
  outDir?: string;
  /** Only these functions (default: every folder of functionsDir). */
  only?: string[];
  /** Receives the size table and warnings (default: stdout); pass `() => {}` for silence. */
  log?: (line: string) => void;
  /** For comparisons only (bench/cold-start.ts --variants); deployments use the defaults. */
  minify?: boolean;
  /** `external` (default): map written, not linked. `linked`: the bundle names its map. */
  sourcemap?: 'external' | 'linked';
}

export interface BundleInfo {
  /** Folder name = registered function name, e.g. `storeArtifact`. */
  name: string;
  /** Absolute path of the bundle's folder (the deployable source). */
  dir: string;
  /** Absolute path of `index.js`. */
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Source files inlined in the bundle, relative to the repository, `/`-separated. */
  inputs: string[];
  /** npm packages inlined in the bundle (by name). */
  packages: string[];
  /** Modules left to `require` at run time (the framework and Node built-ins). */
  externals: string[];
}

/** What must never be inside a function bundle, with the reason given when it is. */
interface Forbidden {
  test: (input: string) => boolean;
  why: string;
}

interface RootPackageJson {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * Packages a bundled library may `require` without their being installed: each such require sits in a
 * try/catch of the library and is optional. Any other module left external fails the build.
 */
export const OPTIONAL_REQUIRES: Record<string, string> = {
  encoding: 'node-fetch (via the Google auth stack) tries it for non-UTF-8 bodies',
  'supports-color': 'debug tries it for coloured output',
};

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Function folders of `dir`: every sub-folder with an `index.ts`, sorted. */
export function listFunctions(dir: string = join(ROOT, 'functions')): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
}

/** The package an input path belongs to (`node_modules/@scope/name/...` → `@scope/name`), if any. */
export function packageOf(input: string): string | undefined {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** The exact framework version to deploy: our package.json's pin, which must match what is installed. */
export function frameworkVersion(root: string = ROOT): string {
  const spec = readJson<RootPackageJson>(join(root, 'package.json')).dependencies?.[FRAMEWORK];
  const installed = readJson<{ version: string }>(
    join(root, 'node_modules', FRAMEWORK, 'package.json'),
  ).version;
  if (!spec) throw new Error(`build: ${FRAMEWORK} is not a dependency in package.json`);
  if (!/^\d+\.\d+\.\d+$/.test(spec)) {
    throw new Error(`build: pin ${FRAMEWORK} to an exact version in package.json (found "${spec}")`);
  }
  if (spec !== installed) {
    throw new Error(
      `build: package.json pins ${FRAMEWORK} ${spec} but ${installed} is installed; run npm ci`,
    );
  }
  return spec;
}

function forbiddenInputs(root: string): Forbidden[] {
  const pkg = readJson<RootPackageJson>(join(root, 'package.json'));
  const devOnly = Object.keys(pkg.devDependencies ?? {}).filter((d) => !pkg.dependencies?.[d]);
  return [
    {
      test: (i) => packageOf(i) === '@google-cloud/pubsub',
      why: 'the Pub/Sub client belongs to the producer (shared/publish*, CLI), never to a function',
    },
    {
      test: (i) => i === 'local' || i.startsWith('local/'),
      why: 'local/ holds stand-ins for the local stack only',
    },
    {
      test: (i) => packageOf(i) === FRAMEWORK,
      why: 'the framework must stay external: the runtime registers functions in its own copy',
    },
    {
      test: (i) => devOnly.includes(packageOf(i) ?? ''),
      why: 'devDependencies are not installed in production',
    },
  ];
}

/** Parent install location of a lockfile path: `node_modules/a/node_modules/b` → `node_modules/a`. */
function parentLocation(location: string): string {
  const at = location.lastIndexOf('/node_modules/');
  return at < 0 ? '' : location.slice(0, at);
}

/**
 * A package-lock.json (v3) for a package depending only on `deps`: the closure of those dependencies as our
 * own lockfile resolved them (same versions, same integrity hashes, same layout).
 */
export function lockfileFor(
  manifest: { name: string; version: string; dependencies: Record<string, string>; engines?: object },
  rootLock: { packages: Record<string, LockEntry> },
): object {
  const all = rootLock.packages;
  const picked = new Map<string, LockEntry>();
  const resolveFrom = (from: string, dep: string): string | undefined => {
    for (let base = from; ; base = parentLocation(base)) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${dep}`;
      if (all[candidate]) return candidate;
      if (!base) return undefined;
    }
  };
  const visit = (from: string, dep: string, optional: boolean): void => {
    const location = resolveFrom(from, dep);
    if (!location) {
      if (optional) return;
      throw new Error(
        `build: the lockfile has no ${dep} reachable from ${from || 'the root'}; run npm install`,
      );
    }
    if (picked.has(location)) return;
    const { dev: _dev, devOptional: _devOptional, ...entry } = all[location]!;
    picked.set(location, entry);
    for (const d of Object.keys(entry.dependencies ?? {})) visit(location, d, false);
    for (const d of Object.keys(entry.optionalDependencies ?? {})) visit(location, d, true);
    for (const d of Object.keys(entry.peerDependencies ?? {})) {
      visit(location, d, entry.peerDependenciesMeta?.[d]?.optional ?? true);
    }
  };
  for (const dep of Object.keys(manifest.dependencies)) visit('', dep, false);
  const packages: Record<string, unknown> = {
    '': {
      name: manifest.name,
      version: manifest.version,
      dependencies: manifest.dependencies,
      ...(manifest.engines ? { engines: manifest.engines } : {}),
    },
  };
  for (const location of [...picked.keys()].sort()) packages[location] = picked.get(location);
  return { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages };
}

/** Moves `from` to `to`, replacing what was there; the old folder is gone only once the new one is in place. */
function replaceDir(from: string, to: string): void {
  const old = `${from}.old`;
  try {
    renameSync(to, old);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    renameSync(from, to);
  } catch (error) {
    // Another build put its (identical) bundle in place between our two renames: keep that one.
    if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    rmSync(from, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The client libraries worth naming in the size table (the rest are their dependencies). */
const SDKS = ['@google-cloud/pubsub', '@google-cloud/storage', '@supabase/supabase-js', 'jose', 'zod'];

/** The size table `npm run build` prints. */
export function formatSizes(bundles: BundleInfo[]): string {
  const sdks = (b: BundleInfo) => b.packages.filter((p) => SDKS.includes(p)).join(' ') || '-';
  const rows = [
    ['function', 'index.js', 'gzip', 'modules', 'packages', 'SDKs inside'],
    ...bundles.map((b) => [
      b.name,
      formatKiB(b.bytes),
      formatKiB(b.gzipBytes),
      String(b.inputs.length),
      String(b.packages.length),
      sdks(b),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) =>
          c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * Makes a bundle folder runnable the way Cloud Build installs it: `node_modules/` holding exactly the
 * packages of its package-lock.json, linked from this repository's node_modules (same versions). A bundle
 * placed outside the repository then resolves nothing else, so a module missing from the bundle shows up.
 */
export function linkDependencies(bundleDir: string, root: string = ROOT): string[] {
  const lock = readJson<{ packages: Record<string, unknown> }>(join(bundleDir, 'package-lock.json'));
  const linked: string[] = [];
  for (const location of Object.keys(lock.packages)) {
    // Top-level entries only: nested ones live inside the linked package folders.
    if (!location.startsWith('node_modules/') || location.indexOf('/node_modules/') >= 0) continue;
    const target = join(root, location);
    if (!existsSync(target))
      throw new Error(`build: ${location} is in the lockfile but not installed; run npm ci`);
    const link = join(bundleDir, location);
    mkdirSync(dirname(link), { recursive: true });
    rmSync(link, { recursive: true, force: true });
    symlinkSync(target, link, 'dir');
    linked.push(location.slice('node_modules/'.length));
  }
  return linked;
}

/** Builds every function (or `options.only`); rejects, naming function and input, on a forbidden input. */
export async function build(options: BuildOptions = {}): Promise<BundleInfo[]> {
  const root = ROOT;
  const functionsDir = resolve(options.functionsDir ?? join(root, 'functions'));
  const outDir = resolve(options.outDir ?? join(root, 'dist', 'functions'));
  const log = options.log ?? ((line: string) => console.log(line));
  const names = options.only ?? listFunctions(functionsDir);
  if (names.length === 0)
    throw new Error(`build: no functions found in ${functionsDir} (expected <name>/index.ts)`);

  const pkg = readJson<RootPackageJson>(join(root, 'package.json'));
  const rootLock = readJson<{ packages: Record<string, LockEntry> }>(join(root, 'package-lock.json'));
  const version = frameworkVersion(root);
  const forbidden = forbiddenInputs(root);

  const bundles = await Promise.all(
    names.map(async (name): Promise<BundleInfo> => {
      const entry = join(functionsDir, name, 'index.ts');
      if (!existsSync(entry)) throw new Error(`build: ${entry} does not exist`);
      const dir = join(outDir, name);
      // Written beside the final folder, then moved into place: a concurrent build (the test setup, the
      // local stack, npm run build) never sees, or removes, a half-written bundle of another.
      const staging = join(outDir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}`);
      const file = join(staging, 'index.js');

      let inputs: string[];
      let externals: Set<string>;
      let code: Buffer;
      try {
        const result = await esbuild.build({
          absWorkingDir: root,
          entryPoints: [entry],
          outfile: file,
          bundle: true,
          platform: 'node',
          target: 'node22',
          format: 'cjs',
          external: [FRAMEWORK],
          minify: options.minify ?? false,
          // Written next to the bundle but not linked: Node never reads it unless asked (see header).
          sourcemap: options.sourcemap ?? 'external',
          sourcesContent: true,
          // Modules written as ESM may read import.meta.url; in a CommonJS bundle it is the bundle's own URL.
          define: { 'import.meta.url': '__bundleImportMetaUrl' },
          banner: { js: 'const __bundleImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
          metafile: true,
          logLevel: 'silent',
          write: true,
        });
        for (const w of result.warnings) {
          const where = w.location ? `${w.location.file}:${w.location.line}: ` : '';
          log(`warning (${name}): ${where}${w.text}`);
        }

        const output = Object.entries(result.metafile.outputs).find(
          ([out]) => resolve(root, out) === file,
        )?.[1];
        if (!output) throw new Error(`build: esbuild wrote no ${file}`);
        inputs = Object.keys(output.inputs)
          .map((i) => relative(root, resolve(root, i)).split(sep).join('/'))
          .sort();
        for (const input of inputs) {
          const rule = forbidden.find((f) => f.test(input));
          if (rule) throw new Error(`build: the ${name} bundle contains ${input}: ${rule.why}`);
        }
        externals = new Set<string>();
        for (const meta of Object.values(result.metafile.inputs)) {
          for (const imp of meta.imports) if (imp.external) externals.add(imp.path);
        }
        for (const ext of externals) {
          if (ext !== FRAMEWORK && !BUILTINS.has(ext) && !(ext in OPTIONAL_REQUIRES)) {
            throw new Error(
              `build: the ${name} bundle leaves "${ext}" to be required at run time, but only ${FRAMEWORK} is installed; bundle it, or if the library requires it optionally (in a try/catch), add it to OPTIONAL_REQUIRES`,
            );
          }
        }

        const manifest = {
          name: `artifact-store-${kebab(name)}`,
          version: pkg.version ?? '0.0.0',
          private: true,
          description: `Cloud Function ${name} (bundled by scripts/build.ts)`,
          main: 'index.js',
          type: 'commonjs',
          engines: { node: '>=22' },
          dependencies: { [FRAMEWORK]: version },
        };
        writeFileSync(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
        const lock = lockfileFor(manifest, rootLock);
        writeFileSync(join(staging, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
        code = readFileSync(file);
        replaceDir(staging, dir);
      } catch (error) {
        rmSync(staging, { recursive: true, force: true });
        throw error;
      }

      return {
        name,
        dir,
        file: join(dir, 'index.js'),
        bytes: code.length,
        gzipBytes: gzipSync(code).length,
        inputs,
        packages: [...new Set(inputs.map(packageOf).filter((p): p is string => p !== undefined))].sort(),
        externals: [...externals].sort(),
      };
    }),
  );

  log(formatSizes(bundles));
  return bundles;
}

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

if (isEntryPoint(import.meta.url)) {
  const started = performance.now();
  build()
    .then((bundles) => {
      const where = relative(process.cwd(), dirname(bundles[0]!.dir)) || '.';
      console.log(
        `built ${bundles.length} bundles in ${where}/ in ${Math.round(performance.now() - started)} ms`,
      );
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
