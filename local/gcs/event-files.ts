/**
 * The GCS stand-in's event records on disk, beside the bucket, so that no event is lost with the process:
 *
 *   {dataDir}/pending-events/{target}/{ce-id}.json            queued, in flight or retrying (written when
 *                                                           published, removed once delivered or given up)
 *   {dataDir}/dead-letter/{target}/{yyyy-mm-dd}/{ce-id}.json  given up on (day of giving up, UTC)
 *
 * `{target}` is the target's host and port (`127.0.0.1-8082`, plus its path when not `/`). Each file is one
 * JSON record: the target URL, the `ce-*` headers and JSON body exactly as posted, the publish order and
 * times; a dead letter adds why it was given up, the attempts, the last status or error and their times.
 * Files are written to a temporary name and renamed, so a crash never leaves half a record.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** One event as queued for a target. */
export interface PendingEvent {
  /** The target URL. */
  target: string;
  /** `ce-id`; a redelivery keeps it. */
  id: string;
  /** The object name: events with the same key are delivered one after another, in `seq` order. */
  key: string;
  /** Publish order within this data directory. */
  seq: number;
  /** The HTTP headers posted (binary content mode). */
  headers: Record<string, string>;
  /** The JSON body posted (the object resource). */
  body: unknown;
  publishedAt: string;
  /** Start of the retry budget: the publish, or the last re-drive of a dead letter. */
  budgetFrom: string;
}

export type GiveUpReason = 'rejected' | 'retry budget exhausted' | 'attempts exhausted';

export interface DeadLetter extends PendingEvent {
  reason: GiveUpReason;
  attempts: number;
  /** The last HTTP status answered, if any. */
  lastStatus?: number;
  /** The last connection error or timeout, if the last attempt got no answer. */
  lastError?: string;
  firstAttemptAt?: string;
  lastAttemptAt?: string;
  deadLetteredAt: string;
}

/** A record as read back, with the file it came from. */
export type Stored<T> = T & { file: string };

export const PENDING_DIR = 'pending-events';
export const DEAD_LETTER_DIR = 'dead-letter';

/** The directory name of a target: host-port, and the path when it is not `/`. */
export function targetKey(target: string): string {
  const url = new URL(target);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const path = url.pathname.replace(/^\/+|\/+$/g, '');
  return `${url.hostname}-${port}${path ? `-${path}` : ''}`.replace(/[^A-Za-z0-9.-]+/g, '_');
}

export class EventFiles {
  readonly pendingDir: string;
  readonly deadLetterDir: string;

  constructor(dataDir: string) {
    this.pendingDir = join(dataDir, PENDING_DIR);
    this.deadLetterDir = join(dataDir, DEAD_LETTER_DIR);
  }

  pendingFile(event: Pick<PendingEvent, 'target' | 'id'>): string {
    return join(this.pendingDir, targetKey(event.target), `${event.id}.json`);
  }

  writePending(event: PendingEvent): Promise<void> {
    return writeRecord(this.pendingFile(event), event);
  }

  removePending(event: Pick<PendingEvent, 'target' | 'id'>): Promise<void> {
    return rm(this.pendingFile(event), { force: true });
  }

  /** Removes a record read back (a re-driven dead letter, a pending event moved to another target). */
  remove(file: string): Promise<void> {
    return rm(file, { force: true });
  }

  /** Writes a dead letter; resolves with its file. */
  async writeDeadLetter(letter: DeadLetter): Promise<string> {
    const day = letter.deadLetteredAt.slice(0, 10);
    const file = join(this.deadLetterDir, targetKey(letter.target), day, `${letter.id}.json`);
    await writeRecord(file, letter);
    return file;
  }

  /** Pending events, in publish order, and the files that are not readable records. */
  async readPending(): Promise<{ events: Array<Stored<PendingEvent>>; unreadable: string[] }> {
    const { records, unreadable } = await readRecords<PendingEvent>(this.pendingDir);
    return { events: records.sort((a, b) => a.seq - b.seq), unreadable };
  }

  /** Dead letters, oldest first. */
  async readDeadLetters(): Promise<Array<Stored<DeadLetter>>> {
    const { records } = await readRecords<DeadLetter>(this.deadLetterDir);
    return records.sort((a, b) => a.deadLetteredAt.localeCompare(b.deadLetteredAt) || a.seq - b.seq);
  }
}

async function writeRecord(file: string, record: object): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, file);
}

async function readRecords<T extends PendingEvent>(
  dir: string,
): Promise<{ records: Array<Stored<T>>; unreadable: string[] }> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], unreadable: [] };
    throw err;
  }
  const records: Array<Stored<T>> = [];
  const unreadable: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = join(dir, name);
    try {
      const record = JSON.parse(await readFile(file, 'utf8')) as T;
      if (!isPendingEvent(record)) throw new Error('not an event record');
      records.push({ ...record, file });
    } catch {
      unreadable.push(file);
    }
  }
  return { records, unreadable };
}

function isPendingEvent(value: unknown): value is PendingEvent {
  const r = value as Partial<PendingEvent> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.target === 'string' &&
    typeof r.id === 'string' &&
    typeof r.key === 'string' &&
    typeof r.seq === 'number' &&
    typeof r.headers === 'object' &&
    r.headers !== null &&
    typeof r.publishedAt === 'string' &&
    typeof r.budgetFrom === 'string'
  );
}
