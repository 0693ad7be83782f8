/** The repository as the build sees it: where it is, its function folders, its packages and framework pin. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FRAMEWORK = '@google-cloud/functions-framework';

export interface RootPackageJson {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

export function readJson<T>(file: string): T {
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
