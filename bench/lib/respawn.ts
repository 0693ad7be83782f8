/**
 * A fresh process for one function, started exactly like the one running: same command line, environment
 * and working directory (read from /proc/<pid>/cmdline, environ, cwd), same port, after the old one has
 * exited. Works for any commit's stack without knowing how it configures its functions. Used to measure
 * memory from a clean start; the new process's output is discarded and it is stopped at exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`respawned function is not listening on ${port} after ${timeoutMs} ms`);
}

export interface RespawnOptions {
  /** Node flags before the script (bench/profile.ts: `--cpu-prof`, `--expose-gc`, a preload). */
  nodeFlags?: string[];
  /** Variables added to the copied environment. */
  env?: Record<string, string>;
}

/** Replaces the function process `pid` by a fresh identical one; resolves with the new pid. */
export async function respawn(pid: number, options: RespawnOptions = {}): Promise<number> {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  // The original was spawned with an IPC channel (local/function-process.ts); this one has none, and an
  // inherited NODE_CHANNEL_FD would make its `process.send` write to a descriptor that is no channel.
  delete env.NODE_CHANNEL_FD;
  delete env.NODE_CHANNEL_SERIALIZATION_MODE;
  Object.assign(env, options.env);
  const cwd = readlinkSync(`/proc/${pid}/cwd`);
  const port = Number(env.PORT ?? /--port=(\d+)/.exec(argv.join(' '))?.[1]);
  if (!port) throw new Error(`respawn: no port in the environment or command line of ${pid}`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; alive(pid) && i < 100; i++) await sleep(50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  const child = spawn(argv[0]!, [...(options.nodeFlags ?? []), ...argv.slice(1)], {
    env,
    cwd,
    stdio: 'ignore',
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await listening(port, 20_000);
  return child.pid!;
}

/** Stops the processes started by respawn() (the hosts know nothing of them). */
export async function stopRespawned(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 3000).unref();
        }),
    ),
  );
}
