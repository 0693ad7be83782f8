/** Bundling one function folder into a deployable bundle (see scripts/build.ts for what a bundle is). */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { buildBrowserApp, hasBrowserApp } from './browser-app';
import type { BundleInfo } from './bundle-info';
import { BUILTINS, forbiddenInputs, OPTIONAL_REQUIRES } from './forbidden';
import { lockfileFor } from './lockfile';
import {
  FRAMEWORK,
  frameworkVersion,
  type LockEntry,
  listFunctions,
  packageOf,
  ROOT,
  type RootPackageJson,
  readJson,
} from './project';
import { formatSizes } from './report';

export type { BundleInfo };

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

/** Moves `from` to `to`, replacing what was there; the old folder is gone only once the new one is in place. */
function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

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
      // A function with a web app (ui/main.ts) carries it inside its bundle (scripts/build/browser-app.ts).
      const app = hasBrowserApp(join(functionsDir, name))
        ? await buildBrowserApp(root, join(functionsDir, name))
        : undefined;
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
          define: {
            'import.meta.url': '__bundleImportMetaUrl',
            ...(app ? { __BROWSER_ASSETS__: JSON.stringify(app.assets) } : {}),
          },
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
        // `<define:...>` entries are esbuild's stand-ins for defined constants (the web app), not files.
        inputs = Object.keys(output.inputs)
          .filter((i) => !i.startsWith('<define:'))
          .map((i) => relative(root, resolve(root, i)).split(sep).join('/'));
        inputs = [...new Set([...inputs, ...(app?.inputs ?? [])])].sort();
        for (const input of inputs) {
          const rule = forbidden.find((f) => f.test(input));
          if (rule) throw new Error(`build: the ${name} bundle contains ${input}: ${rule.why}`);
        }
        externals = new Set<string>();
        for (const meta of Object.values(result.metafile.inputs)) {
          for (const imp of meta.imports) {
            if (imp.external && !imp.path.startsWith('<define:')) externals.add(imp.path);
          }
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
        ...(app ? { browser: app.files } : {}),
      };
    }),
  );

  log(formatSizes(bundles));
  return bundles;
}
