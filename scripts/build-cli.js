/**
 * The artifact-store CLI as an ESM bundle in dist/cli/ (esbuild, like the function bundles of build.ts):
 * `artifact-store.js` plus chunks loaded only by the commands that need them, npm packages left to
 * node_modules. bin/artifact-store.js runs it, building it first when it is missing or older than any of its
 * sources (`inputs.json` lists them with the build's start time), so `npx artifact-store` works right after
 * `npm install` / `npm ci` in a fresh clone, and after every edit or `git pull`, without a build step to
 * remember. Plain JavaScript: it runs before any TypeScript tooling is loaded.
 *
 * `node scripts/build-cli.js` builds it explicitly.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const CLI_DIST = join(ROOT, 'dist', 'cli');
const ENTRY = 'cli/artifact-store.ts';

/** Why the bundle in `outDir` must be (re)built, or undefined when it is up to date. */
export function staleReason(outDir = CLI_DIST, root = ROOT) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(outDir, 'inputs.json'), 'utf8'));
  } catch {
    return 'not built yet';
  }
  if (!existsSync(join(outDir, 'artifact-store.js'))) return 'not built yet';
  for (const input of manifest.inputs) {
    let mtime;
    try {
      mtime = statSync(join(root, input)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (mtime > manifest.builtAt) return `${input} changed`;
  }
  return undefined;
}

/** Builds the bundle into `outDir` (written beside it, then moved into place). */
export async function buildCli(outDir = CLI_DIST) {
  const esbuild = await import('esbuild');
  const builtAt = Date.now(); // a source edited while building counts as newer
  const staging = `${outDir}.${process.pid}.${builtAt}`;
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [ENTRY],
      outdir: staging,
      entryNames: '[name]',
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).filter((i) => !i.includes('node_modules/'));
    writeFileSync(join(staging, 'inputs.json'), `${JSON.stringify({ builtAt, inputs }, null, 2)}\n`);
    const old = `${outDir}.old.${process.pid}`;
    try {
      renameSync(outDir, old);
    } catch {}
    try {
      renameSync(staging, outDir);
    } catch {
      // Another process put its (equivalent) build in place meanwhile: keep it.
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return join(outDir, 'artifact-store.js');
}

/** The bundle's path, built first when stale; `onBuild` hears why it is being built. */
export async function ensureCliBundle(onBuild = () => {}) {
  const reason = staleReason();
  if (reason) {
    onBuild(reason);
    return buildCli();
  }
  return join(CLI_DIST, 'artifact-store.js');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = await buildCli();
  process.stdout.write(`built ${file}\n`);
}
