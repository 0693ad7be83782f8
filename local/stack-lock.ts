/**
 * One local stack per data directory: `{dataDir}/stack.json` holds the running stack's pid and, once it is
 * up, its URLs and effective materialization policy (read by the CLI). A second start on the same directory
 * while the first runs is refused, naming it; a file left by a stack that died is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './postgres-runtime';
import { LocalStackError } from './stack-error';

export interface StackState {
  pid: number;
  started_at: string;
  /** Set once the stack is up. */
  urls?: Record<string, string>;
  /** The materialization policy the store function runs with, as JSON (absent: the shipped default). */
  materialization_policy?: string;
  materialization_policy_file?: string;
}

export const stackStateFile = (dataDir: string) => join(dataDir, 'stack.json');

/** The state of the stack running on `dataDir`, or undefined when none runs there. */
export function readStackState(dataDir: string): StackState | undefined {
  try {
    const state = JSON.parse(readFileSync(stackStateFile(dataDir), 'utf8')) as StackState;
    return typeof state.pid === 'number' && isAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

export interface StackLock {
  update(fields: Partial<StackState>): void;
  release(): void;
}

export function acquireStackLock(dataDir: string): StackLock {
  const file = stackStateFile(dataDir);
  const running = readStackState(dataDir);
  if (running && running.pid !== process.pid) {
    const api = running.urls?.api ? ` (its API at ${running.urls.api})` : '';
    throw new LocalStackError(
      `another local stack (pid ${running.pid}) is already running on ${dataDir}${api}`,
      'use that one, stop it first (Ctrl-C in its terminal), or set LOCAL_DATA_DIR to another directory',
    );
  }
  let state: StackState = { pid: process.pid, started_at: new Date().toISOString() };
  const write = () => writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  write();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as StackState).pid === process.pid)
        rmSync(file, { force: true });
    } catch {}
  };
  process.once('exit', release);
  return {
    update(fields) {
      state = { ...state, ...fields };
      write();
    },
    release,
  };
}
