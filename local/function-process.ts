/**
 * One Cloud Function under functions-framework in its own process, from its deployable bundle
 * (dist/functions/{name}), with its real registration and middleware, as Cloud Run would run it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
/** The framework's own entry point, as its `functions-framework` bin runs it. */
const FRAMEWORK_MAIN = join(dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');

export interface FunctionProcess {
  name: string;
  url: string;
  /** OS process id of the functions-framework process (benchmarks read its /proc/<pid>/status). */
  pid: number | undefined;
  /** Recent output lines (stdout and stderr), newest last. */
  lines: string[];
  stop(): Promise<void>;
}

export interface FunctionProcessOptions {
  name: string;
  port: number;
  env: Record<string, string>;
  distDir?: string;
  /** Called with each output line. */
  onLine?: (name: string, line: string) => void;
  keepLines?: number;
}

export async function waitForPort(
  port: number,
  host = '127.0.0.1',
  timeoutMs = 20_000,
  alive?: () => boolean,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (alive && !alive()) throw new Error(`process exited before listening on ${port}`);
    const ok = await new Promise<boolean>((done) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
}

export async function startFunctionProcess(options: FunctionProcessOptions): Promise<FunctionProcess> {
  const source = resolve(options.distDir ?? 'dist/functions', options.name);
  const child: ChildProcess = spawn(
    process.execPath,
    [FRAMEWORK_MAIN, `--target=${options.name}`, `--source=${source}`, `--port=${options.port}`],
    { env: { ...options.env, PORT: String(options.port) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const keep = options.keepLines ?? 2000;
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > keep) lines.shift();
      options.onLine?.(options.name, line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  // Should the parent die without stopping us (a crash, a SIGKILL of the parent only), take the child along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const exit = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      done();
    }),
  );
  try {
    await waitForPort(options.port, '127.0.0.1', 20_000, () => !exited);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(
      `${options.name} did not start: ${(err as Error).message}\n${lines.slice(-20).join('\n')}`,
    );
  }
  return {
    name: options.name,
    url: `http://127.0.0.1:${options.port}`,
    pid: child.pid,
    lines,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(timer);
    },
  };
}
