/**
 * Where PostgreSQL runs from when the `postgres` user (we being root) cannot reach the checkout: a directory
 * of this run under os.tmpdir() (`artifact-store-pg-*`, mode 0755) holding the mirrored binaries and, for a
 * cluster that must outlive the run (`npm start`'s `.local/postgres`), the cluster itself, moved there for
 * the run and moved back at stop. Nothing stays in the temporary folder after a stop:
 * - `remove()` puts a moved cluster back, then deletes the directory; it also runs on process exit;
 * - a run killed outright (SIGKILL) leaves `{cluster}.relocated` beside where the cluster belongs: the next
 *   start stops the server it left running and moves the cluster back (`recoverRelocated`), and removes the
 *   directories of runs whose process is gone (`sweepStale`).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStackError } from './stack-error';

const PREFIX = 'artifact-store-pg-';
const OWNER_FILE = 'owner.json';

/** Whether process `pid` exists and is not a zombie (a killed process its reaper has not collected yet). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux'; // no /proc: trust kill(0)
  }
};

/** A new run directory (mode 0755) under `base` (default os.tmpdir()), recording this process as owner. */
export function createRuntimeDir(base: string = tmpdir()): string {
  const dir = mkdtempSync(join(base, PREFIX));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid }));
  return dir;
}

/** Moves a directory; across file systems, copies it (ownership and modes kept) and removes the source. */
export function moveDir(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    execFileSync('cp', ['-a', from, to], { stdio: 'pipe' });
    rmSync(from, { recursive: true, force: true });
  }
}

const markerOf = (cluster: string) => `${cluster}.relocated`;

/** Moves `cluster` into `runtimeDir/data` for this run, leaving a marker where it belongs. */
export function relocate(cluster: string, runtimeDir: string): string {
  const to = join(runtimeDir, 'data');
  writeFileSync(markerOf(cluster), JSON.stringify({ pid: process.pid, to }));
  if (existsSync(cluster)) moveDir(cluster, to);
  return to;
}

/** Moves a relocated cluster back where it belongs and removes the marker. */
export function restore(cluster: string, to: string): void {
  if (existsSync(to) && !existsSync(cluster)) moveDir(to, cluster);
  rmSync(markerOf(cluster), { force: true });
}

/**
 * A cluster left relocated by a run that is gone: its server stopped, the cluster moved back. A run still
 * alive holds it: that is an error naming the process.
 */
export async function recoverRelocated(cluster: string, onLine: (line: string) => void): Promise<void> {
  const marker = markerOf(cluster);
  if (!existsSync(marker)) return;
  let recorded: { pid?: number; to?: string } = {};
  try {
    recorded = JSON.parse(readFileSync(marker, 'utf8')) as typeof recorded;
  } catch {
    // unreadable marker: treat as stale
  }
  if (recorded.pid && isAlive(recorded.pid)) {
    throw new LocalStackError(
      `the PostgreSQL cluster ${cluster} is in use by ${recorded.pid === process.pid ? 'this process already' : `another local stack (pid ${recorded.pid})`}`,
      'stop that one first (Ctrl-C in its terminal), or set LOCAL_DATA_DIR to another directory',
    );
  }
  if (recorded.to && existsSync(recorded.to)) {
    await stopOrphanServer(recorded.to, onLine, { ownerGone: true });
    onLine(`moving the cluster an interrupted run left in ${recorded.to} back to ${cluster}`);
    restore(cluster, recorded.to);
  } else {
    rmSync(marker, { force: true });
  }
}

/** Removes run directories under `base` whose owning process is gone (and that hold no cluster). */
export function sweepStale(base: string = tmpdir()): void {
  let entries: string[];
  try {
    entries = readdirSync(base).filter((e) => e.startsWith(PREFIX));
  } catch {
    return;
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  for (const entry of entries) {
    const dir = join(base, entry);
    try {
      if (uid !== undefined && statSync(dir).uid !== uid) continue;
      const owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as { pid?: number };
      if (owner.pid && isAlive(owner.pid)) continue;
      // A cluster in it is recovered by recoverRelocated (from its marker), never deleted here.
      if (existsSync(join(dir, 'data'))) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // not ours, or half-created: leave it
    }
  }
}

/**
 * Stops a postmaster still running in `cluster` (its postmaster.pid names it) whose owner is gone: known to
 * be (`ownerGone`), or seen to be (the postmaster was re-parented away from the node process that started
 * it, Linux). A server some live process still runs is left alone: its own "lock file already exists" error
 * then says so.
 */
export async function stopOrphanServer(
  cluster: string,
  onLine: (line: string) => void,
  options: { ownerGone?: boolean } = {},
): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('postgres')) return; // the pid was reused by something else
    if (!options.ownerGone && !orphaned(pid)) return;
  } catch {
    if (!options.ownerGone) return; // no /proc (macOS): cannot tell, leave it
  }
  onLine(`stopping the PostgreSQL (pid ${pid}) an earlier run left running in ${cluster}`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
}

/** Whether `pid`'s parent is no longer a node process (the one that started it died; init adopted it). */
function orphaned(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  if (ppid <= 1) return true;
  try {
    return !/\bnode\b/.test(readFileSync(`/proc/${ppid}/cmdline`, 'utf8').replaceAll('\0', ' '));
  } catch {
    return true;
  }
}
