/** The lockfile of a bundle (our own lockfile's closure of its dependencies), and installing it by links. */
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type LockEntry, ROOT, readJson } from './project';

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
