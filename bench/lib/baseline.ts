/**
 * Before/after mode: a given commit checked out in a git worktree of its own under the system's temporary
 * directory, beside this checkout, so its stack runs its own code in the same run as ours. node_modules is
 * a symlink to ours when both package-lock.json files are identical, else installed there with `npm ci`.
 * The worktree (and its registration in git) is removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BaselineCheckout {
  sha: string;
  dir: string;
  /** How node_modules got there: `symlink` or `npm ci`. */
  modules: 'symlink' | 'npm ci';
  remove(): void;
}

function git(args: string[], cwd = ROOT): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function removeWorktree(dir: string): void {
  // Unlink the node_modules symlink first, so nothing can ever recurse into our own node_modules.
  const modules = join(dir, 'node_modules');
  try {
    if (lstatSync(modules).isSymbolicLink()) unlinkSync(modules);
  } catch {
    // not there
  }
  try {
    git(['worktree', 'remove', '--force', dir]);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
  try {
    git(['worktree', 'prune']);
  } catch {
    // best effort
  }
}

export function checkoutBaseline(commit: string, log: (line: string) => void): BaselineCheckout {
  const sha = git(['rev-parse', '--verify', `${commit}^{commit}`]);
  const dir = join(tmpdir(), `artifact-store-bench-baseline-${sha.slice(0, 12)}`);
  if (existsSync(dir)) removeWorktree(dir); // left over by an interrupted run
  git(['worktree', 'add', '--detach', dir, sha]);
  let modules: BaselineCheckout['modules'] = 'symlink';
  try {
    const same =
      readFileSync(join(ROOT, 'package-lock.json'), 'utf8') ===
      readFileSync(join(dir, 'package-lock.json'), 'utf8');
    if (same) {
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    } else {
      modules = 'npm ci';
      log(`baseline ${sha.slice(0, 12)}: package-lock.json differs, running npm ci there`);
      execFileSync('npm', ['ci', '--no-audit', '--no-fund'], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
  } catch (err) {
    removeWorktree(dir);
    throw err;
  }
  log(`baseline ${sha.slice(0, 12)} checked out in ${dir} (node_modules: ${modules})`);
  return { sha, dir, modules, remove: () => removeWorktree(dir) };
}
