/**
 * One Cloud Function under functions-framework in its own process, from its deployable bundle
 * (dist/functions/{name}), with its real registration and middleware, as Cloud Run would run it. A preload
 * (function-listen.cjs) binds it to the local bind host and reports over IPC when *it* listens: a port held
 * by another process is never mistaken for the function (that child fails with EADDRINUSE instead, and the
 * error says which port and variable). After the start, `exited` reports an exit nobody asked for.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStackError, StartCancelled } from './stack-error';

const require = createRequire(import.meta.url);
/** The framework's own entry point, as its `functions-framework` bin runs it. */
const FRAMEWORK_MAIN = join(dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');
const PRELOAD = fileURLToPath(new URL('./function-listen.cjs', import.meta.url));

export interface FunctionProcess {
  name: string;
  url: string;
  /** OS process id of the functions-framework process (benchmarks read its /proc/<pid>/status). */
  pid: number | undefined;
  /** Recent output lines (stdout and stderr), newest last. */
  lines: string[];
  /** Resolves, with the reason, if the process exits without stop() having been called. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface FunctionProcessOptions {
  name: string;
  port: number;
  env: Record<string, string>;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** The variable that sets this port, for error messages (e.g. ARTIFACTS_API_PORT). */
  portVar?: string;
  distDir?: string;
  /** Called with each output line. */
  onLine?: (name: string, line: string) => void;
  keepLines?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function startFunctionProcess(options: FunctionProcessOptions): Promise<FunctionProcess> {
  const source = resolve(options.distDir ?? 'dist/functions', options.name);
  const host = options.host ?? '127.0.0.1';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--require',
      PRELOAD,
      FRAMEWORK_MAIN,
      `--target=${options.name}`,
      `--source=${source}`,
      `--port=${options.port}`,
    ],
    {
      env: { ...options.env, PORT: String(options.port), LOCAL_BIND_HOST: host },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true, // its own process group: Ctrl-C in the terminal is the stack's to handle
    },
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
  let stopping = false;
  // Should the parent die without stopping us, take the child along (it also exits when IPC closes).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exit = new Promise<{ code: number | null; signal: string | null }>((done) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      done({ code, signal });
    }),
  );
  const listening = new Promise<void>((done) => {
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message?.type === 'listening' && message.port === options.port) done();
    });
  });
  const spawnError = new Promise<Error>((done) => child.once('error', done));

  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const outcome = await Promise.race([
    listening.then(() => 'listening' as const),
    exit.then((e) => ({ exited: e })),
    spawnError.then((err) => ({ error: err })),
    new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), timeoutMs);
    }),
    new Promise<'cancelled'>((done) => {
      onAbort = () => done('cancelled');
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onAbort) options.signal?.removeEventListener('abort', onAbort);

  const stop = async () => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exit;
    clearTimeout(kill);
  };
  if (outcome !== 'listening') {
    await stop();
    if (outcome === 'cancelled') throw new StartCancelled();
    throw startFailure(options, host, outcome, lines, timeoutMs);
  }
  return {
    name: options.name,
    url: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${options.port}`,
    pid: child.pid,
    lines,
    exited: exit.then(
      (e) =>
        new Promise<string>((done) => {
          if (!stopping) done(`${options.name} exited (${e.signal ?? `code ${e.code}`}): ${lastLine(lines)}`);
        }),
    ),
    stop,
  };
}

function startFailure(
  options: FunctionProcessOptions,
  host: string,
  outcome: 'timeout' | { exited: { code: number | null; signal: string | null } } | { error: Error },
  lines: string[],
  timeoutMs: number,
): Error {
  const where = `${host}:${options.port}`;
  if (lines.some((l) => l.includes('EADDRINUSE'))) {
    return new LocalStackError(
      `${options.name} could not listen on ${where}: the port is in use by another process`,
      `free it or set ${options.portVar ?? 'its port variable'}`,
    );
  }
  if (outcome === 'timeout') {
    return new LocalStackError(
      `${options.name} did not listen on ${where} within ${timeoutMs / 1000} s`,
      lastLine(lines),
    );
  }
  if ('error' in outcome)
    return new LocalStackError(`${options.name} could not be started: ${outcome.error.message}`);
  const how = outcome.exited.signal ?? `code ${outcome.exited.code}`;
  return new LocalStackError(
    `${options.name} exited before listening (${how}): ${lastLine(lines)}`,
    'see its output above',
  );
}

/** The most telling output line: the last error-looking one, else the last. */
function lastLine(lines: string[]): string {
  return (
    [...lines]
      .reverse()
      .find((l) => /error|cannot|invalid|missing/i.test(l))
      ?.trim() ??
    lines.at(-1)?.trim() ??
    'no output'
  );
}
