/**
 * Failures of the local stack that a person can act on: one line saying what is wrong and what to do, printed
 * as is by `npm start` and the test setup (never a raw stack).
 */
export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';

  constructor(what: string, todo?: string) {
    super(todo ? `${what}; ${todo}` : what);
  }
}

/** Thrown when a start is cancelled (Ctrl-C while starting). */
export class StartCancelled extends Error {
  override readonly name = 'StartCancelled';

  constructor() {
    super('start cancelled');
  }
}

/** Throws StartCancelled when `signal` has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StartCancelled();
}

/** One line for any error: a LocalStackError's message, else the first line of the message (no stack). */
export function oneLine(err: unknown): string {
  if (err instanceof Error) {
    const first = err.message.split('\n').find((line) => line.trim()) ?? err.name;
    return err instanceof LocalStackError
      ? first
      : `${first.trim()}${err.name === 'Error' ? '' : ` (${err.name})`}`;
  }
  return String(err);
}
