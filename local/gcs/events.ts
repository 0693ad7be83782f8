/**
 * CloudEvent delivery, as Eventarc delivers GCS events to a gen2 function: an HTTP POST in binary content
 * mode (`ce-*` headers, the StorageObjectData resource as the JSON body; cloud-event.ts) to each target URL.
 * At least once, never silently dropped:
 *
 * - In order per object, objects in parallel. Per target, the events of one object name are delivered one
 *   after another in publish order (a later one waits until the earlier one is delivered or given up), while
 *   up to `concurrency` (16) objects are in flight at once. An event waiting for a retry holds back only the
 *   events of its own object (delivery-queue.ts).
 * - Retries: 5xx, 408, 409 and 429 answers, timeouts (60 s) and connection errors are retried with
 *   exponential backoff and jitter, 1 s doubling up to 60 s, each wait shortened at random by up to half,
 *   until the retry budget runs out: 24 h after the publish, as Eventarc keeps an event, or
 *   `GCS_EVENT_RETRY_BUDGET_SECONDS` under `npm start` (delivery-options.ts). A retried event keeps its
 *   `ce-id`, as a redelivery does.
 * - Dead letters: an event whose budget runs out, or that gets any other non-2xx answer (not retried), is
 *   written to `{dataDir}/dead-letter/{target}/{yyyy-mm-dd}/{ce-id}.json` with the headers, body, attempts
 *   and last answer (event-files.ts); `redeliverDeadLetters()` re-drives them with a fresh budget.
 * - Restarts: each event is written to `{dataDir}/pending-events/` when published and removed once delivered
 *   or dead-lettered. Events still pending when the stand-in stops (or crashes) are queued again, in order,
 *   when it starts on the same data directory: to the same target if it is still configured, else to the
 *   targets configured now (a restarted stack may run the sync function on another port). An event is
 *   attempted at least once after a start, even if its budget ran out meanwhile.
 */

import { cloudEventHeaders, type StorageCloudEvent } from './cloud-event';
import { type DeliveryOptions, resolveDeliveryOptions } from './delivery-options';
import { TargetQueue } from './delivery-queue';
import { type DeadLetter, EventFiles, type PendingEvent, type Stored } from './event-files';

export type { DeliveryOptions } from './delivery-options';
export type { DeadLetter } from './event-files';

export interface EventStats {
  /** Waiting for their first attempt (for a slot, or behind an earlier event of their object). */
  queued: number;
  inFlight: number;
  /** Failed at least once, waiting for the next attempt. */
  retrying: number;
  /** Delivered since the stand-in started. */
  delivered: number;
  /** Dead letters in the dead-letter folder. */
  deadLettered: number;
}

/** What tools and tests see of the delivery. */
export interface EventDelivery {
  /** Resolves when no event is queued, in flight or waiting for a retry (dead letters do not count). */
  idle(): Promise<void>;
  stats(): EventStats;
  /** The dead letters on disk, oldest first, each with its `file`. */
  deadLetters(): Promise<Array<Stored<DeadLetter>>>;
  /** Queues the dead letters again (all, or those with these `ce-id`s), with a fresh retry budget. */
  redeliverDeadLetters(ids?: string[]): Promise<number>;
}

/** Fans events out to the targets, keeps them on disk until they are delivered or dead-lettered. */
export class EventDispatcher implements EventDelivery {
  readonly options: Required<DeliveryOptions>;
  readonly files: EventFiles;
  private readonly queues: TargetQueue[];
  private readonly abort = new AbortController();
  private readonly work = new Set<Promise<unknown>>();
  private idleWaiters: Array<() => void> = [];
  private seq = 0;
  private delivered = 0;
  private deadLettered = 0;
  private closed = false;

  /** Opens the dispatcher on `dataDir`, queueing again what the last run left pending. */
  static async open(
    dataDir: string,
    targets: string[],
    log: (line: string) => void,
    options: DeliveryOptions = {},
  ): Promise<EventDispatcher> {
    const dispatcher = new EventDispatcher(dataDir, targets, log, options);
    await dispatcher.resume();
    return dispatcher;
  }

  private constructor(
    dataDir: string,
    targets: string[],
    readonly log: (line: string) => void,
    options: DeliveryOptions,
  ) {
    this.options = resolveDeliveryOptions(options);
    this.files = new EventFiles(dataDir);
    const host = {
      options: this.options,
      files: this.files,
      signal: this.abort.signal,
      log,
      track: (work: Promise<unknown>) => this.track(work),
      settled: (outcome: 'delivered' | 'dead-lettered') => {
        if (outcome === 'delivered') this.delivered++;
        else this.deadLettered++;
        this.checkIdle();
      },
    };
    this.queues = [...new Set(targets)].map((url) => new TargetQueue(url, host));
  }

  /** Queues `event` for every target; resolves once it is on disk (never rejects). */
  publish(event: StorageCloudEvent): Promise<void> {
    // After close (an upload that ended while the stand-in stopped) the event is only kept for the next start.
    if (this.queues.length === 0) return Promise.resolve();
    const now = new Date().toISOString();
    const base = {
      id: event.id,
      key: event.subject.replace(/^objects\//, ''),
      seq: ++this.seq,
      headers: cloudEventHeaders(event),
      body: event.data,
      publishedAt: now,
      budgetFrom: now,
    };
    return Promise.all(
      this.queues.map((queue) => this.enqueue(queue, { ...base, target: queue.target })),
    ).then(() => undefined);
  }

  idle(): Promise<void> {
    if (this.closed || !this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): EventStats {
    const stats = {
      queued: 0,
      inFlight: 0,
      retrying: 0,
      delivered: this.delivered,
      deadLettered: this.deadLettered,
    };
    for (const queue of this.queues) {
      const counts = queue.counts();
      stats.queued += counts.queued;
      stats.inFlight += counts.inFlight;
      stats.retrying += counts.retrying;
    }
    return stats;
  }

  deadLetters(): Promise<Array<Stored<DeadLetter>>> {
    return this.files.readDeadLetters();
  }

  async redeliverDeadLetters(ids?: string[]): Promise<number> {
    const wanted = ids && new Set(ids);
    let count = 0;
    for (const letter of await this.files.readDeadLetters()) {
      if (this.closed) break;
      if (wanted && !wanted.has(letter.id)) continue;
      const queues = this.destinations(letter.target);
      if (queues.length === 0) continue;
      const now = new Date().toISOString();
      const event: PendingEvent = { ...pendingPart(letter), seq: ++this.seq, budgetFrom: now };
      await Promise.all(queues.map((queue) => this.enqueue(queue, { ...event, target: queue.target })));
      await this.files.remove(letter.file);
      this.deadLettered--;
      count++;
    }
    if (count > 0) this.log(`re-driving ${count} dead letter(s)`);
    return count;
  }

  /**
   * Stops delivering: in-flight requests are aborted; what is not delivered stays in pending-events for the
   * next start. Resolves once every file write is done.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.abort.abort();
      const undelivered = this.queues.reduce((n, queue) => n + queue.close(), 0);
      if (undelivered > 0)
        this.log(
          `stopped with ${undelivered} undelivered event(s), kept in ${this.files.pendingDir} for the next start`,
        );
      this.checkIdle();
    }
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  private get busy(): boolean {
    return this.queues.some((queue) => queue.busy);
  }

  private checkIdle(): void {
    if (!this.closed && this.busy) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => this.log(`event delivery: ${(err as Error).message}`));
    this.work.add(tracked);
    void tracked.finally(() => this.work.delete(tracked));
  }

  /** Writes `event`'s pending file and queues it; resolves once the file is written (never rejects). */
  private enqueue(queue: TargetQueue, event: PendingEvent, onDisk = false): Promise<void> {
    const persisted = onDisk
      ? Promise.resolve()
      : this.files
          .writePending(event)
          .catch((err: unknown) =>
            this.log(
              `event ${event.id} could not be kept in ${this.files.pendingDir} (${(err as Error).message}); ` +
                'it is still delivered, but would be lost if the stand-in stopped first',
            ),
          );
    this.track(persisted);
    queue.push(event, persisted);
    return persisted;
  }

  /** The queue of `target` if it is still configured, else every configured one. */
  private destinations(target: string): TargetQueue[] {
    const same = this.queues.find((queue) => queue.target === target);
    return same ? [same] : this.queues;
  }

  /** Queues again, in publish order, the events the last run left pending. */
  private async resume(): Promise<void> {
    const { events, unreadable } = await this.files.readPending();
    for (const file of unreadable) this.log(`pending event ${file} is not readable; left in place`);
    this.deadLettered = (await this.files.readDeadLetters()).length;
    if (events.length === 0) return;
    if (this.queues.length === 0) {
      this.log(
        `${events.length} pending event(s) kept in ${this.files.pendingDir}: no event target configured`,
      );
      return;
    }
    this.seq = events.reduce((max, event) => Math.max(max, event.seq), 0);
    const seen = new Set<string>();
    for (const stored of events) {
      const event = pendingPart(stored);
      const queues = this.destinations(event.target);
      const writes = queues
        .filter((queue) => !seen.has(`${queue.target} ${event.id}`))
        .map((queue) => {
          seen.add(`${queue.target} ${event.id}`);
          return this.enqueue(queue, { ...event, target: queue.target }, queue.target === event.target);
        });
      // Moved to another target: the old file goes once the new one is written.
      if (!queues.some((queue) => queue.target === event.target))
        this.track(Promise.all(writes).then(() => this.files.remove(stored.file)));
    }
    this.log(`re-queued ${events.length} event(s) left pending by the last run`);
  }
}

/** The pending-event fields of a stored record (without a dead letter's outcome or the file name). */
function pendingPart(record: PendingEvent): PendingEvent {
  const { target, id, key, seq, headers, body, publishedAt, budgetFrom } = record;
  return { target, id, key, seq, headers, body, publishedAt, budgetFrom };
}
