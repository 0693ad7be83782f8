/**
 * The deliveries to one target (see events.ts): one lane per object, so the events of an object go one
 * after another in publish order, while up to `concurrency` objects are in flight at once. An event waiting
 * for its backoff holds its lane but no slot, so a failing object never delays the others.
 */
import { backoffDelay, type DeliveryOptions } from './delivery-options';
import type { DeadLetter, EventFiles, GiveUpReason, PendingEvent } from './event-files';
import { type AttemptResult, postEvent } from './post-event';

export interface QueueHost {
  readonly options: Required<DeliveryOptions>;
  readonly files: EventFiles;
  readonly signal: AbortSignal;
  log(line: string): void;
  /** Keeps `work` until close() (it must not reject). */
  track(work: Promise<unknown>): void;
  /** A delivery was settled (delivered or given up, its files written). */
  settled(outcome: 'delivered' | 'dead-lettered'): void;
}

interface Delivery {
  event: PendingEvent;
  /** Its pending file being written (never rejects). */
  persisted: Promise<void>;
  state: 'queued' | 'in flight' | 'retrying';
  attempts: number;
  firstAttemptAt?: string;
  lastAttemptAt?: string;
  lastStatus?: number;
  lastError?: string;
}

export interface QueueCounts {
  queued: number;
  inFlight: number;
  retrying: number;
}

export class TargetQueue {
  /** Per object, its deliveries in publish order; the first one is being delivered (or waits for a slot). */
  private readonly lanes = new Map<string, Delivery[]>();
  /** Lane heads waiting for a slot, in the order they became ready. */
  private readonly ready: Delivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  /** Deliveries decided but whose files are still being written. */
  private settling = 0;
  private closed = false;

  constructor(
    readonly target: string,
    private readonly host: QueueHost,
  ) {}

  /** Something is queued, in flight, retrying or being written. */
  get busy(): boolean {
    return this.lanes.size > 0 || this.settling > 0;
  }

  counts(): QueueCounts {
    const counts = { queued: 0, inFlight: 0, retrying: 0 };
    for (const lane of this.lanes.values())
      for (const d of lane) {
        if (d.state === 'in flight') counts.inFlight++;
        else if (d.state === 'retrying') counts.retrying++;
        else counts.queued++;
      }
    return counts;
  }

  /** Queues `event` (for this target) behind the events of the same object. */
  push(event: PendingEvent, persisted: Promise<void>): void {
    if (this.closed) return;
    const delivery: Delivery = { event, persisted, state: 'queued', attempts: 0 };
    const lane = this.lanes.get(event.key);
    if (lane) {
      lane.push(delivery);
      return;
    }
    this.lanes.set(event.key, [delivery]);
    this.ready.push(delivery);
    this.pump();
  }

  /** Stops: timers cleared, nothing more attempted. Returns how many events were not delivered. */
  close(): number {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    let undelivered = 0;
    for (const lane of this.lanes.values()) undelivered += lane.length;
    this.lanes.clear();
    this.ready.length = 0;
    return undelivered;
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.host.options.concurrency && this.ready.length > 0) {
      const delivery = this.ready.shift()!;
      this.inFlight++;
      this.host.track(this.attempt(delivery));
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    d.state = 'in flight';
    d.attempts++;
    const now = new Date().toISOString();
    d.firstAttemptAt ??= now;
    d.lastAttemptAt = now;
    const result = await postEvent(d.event, this.host.options.timeoutMs, this.host.signal);
    this.inFlight--;
    d.lastStatus = result.status;
    d.lastError = result.error;
    if (this.closed) {
      // Stopping: what was delivered is done; anything else stays in pending-events for the next start.
      if (result.outcome === 'delivered') this.host.track(this.removePending(d));
      return;
    }
    if (result.outcome === 'delivered') {
      if (d.attempts > 1) this.host.log(`${describe(d)} delivered on attempt ${d.attempts}`);
      this.settle(d, 'delivered', () => this.removePending(d));
    } else if (result.outcome === 'reject') {
      this.giveUp(d, 'rejected', result);
    } else {
      this.retryLater(d, result);
    }
    this.pump();
  }

  private retryLater(d: Delivery, result: AttemptResult): void {
    const { options } = this.host;
    const remaining = Date.parse(d.event.budgetFrom) + options.retryBudgetMs - Date.now();
    if (d.attempts >= options.maxAttempts || remaining <= 0) {
      this.giveUp(d, remaining <= 0 ? 'retry budget exhausted' : 'attempts exhausted', result);
      return;
    }
    if (d.attempts === 1) this.host.log(`${describe(d)} failed (${detail(result)}); retrying with backoff`);
    d.state = 'retrying';
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.ready.push(d);
        this.pump();
      },
      Math.min(backoffDelay(options, d.attempts), remaining),
    );
    this.timers.add(timer);
  }

  private giveUp(d: Delivery, reason: GiveUpReason, result: AttemptResult): void {
    const letter: DeadLetter = {
      ...d.event,
      reason,
      attempts: d.attempts,
      lastStatus: d.lastStatus,
      lastError: d.lastError,
      firstAttemptAt: d.firstAttemptAt,
      lastAttemptAt: d.lastAttemptAt,
      deadLetteredAt: new Date().toISOString(),
    };
    this.settle(d, 'dead-lettered', async () => {
      await d.persisted;
      const file = await this.host.files.writeDeadLetter(letter);
      await this.host.files.removePending(d.event);
      this.host.log(
        `${describe(d)} given up (${reason}, ${d.attempts} attempt(s), last ${detail(result)}): dead letter ${file}`,
      );
    });
  }

  /** Ends `d`'s turn: the next event of its object becomes ready; `files` records the outcome on disk. */
  private settle(d: Delivery, outcome: 'delivered' | 'dead-lettered', files: () => Promise<void>): void {
    const lane = this.lanes.get(d.event.key)!;
    lane.shift();
    if (lane.length > 0) this.ready.push(lane[0]!);
    else this.lanes.delete(d.event.key);
    this.settling++;
    this.host.track(
      files()
        .catch((err: unknown) =>
          this.host.log(`${describe(d)}: could not record it as ${outcome}: ${(err as Error).message}`),
        )
        .finally(() => {
          this.settling--;
          this.host.settled(outcome);
        }),
    );
  }

  private async removePending(d: Delivery): Promise<void> {
    await d.persisted;
    await this.host.files.removePending(d.event);
  }
}

function describe(d: Delivery): string {
  const type = (d.event.headers['ce-type'] ?? '').replace('google.cloud.storage.object.v1.', '');
  return `event ${type} objects/${d.event.key} (ce-id ${d.event.id}) to ${d.event.target}`;
}

function detail(result: AttemptResult): string {
  return result.status !== undefined ? `HTTP ${result.status}` : (result.error ?? 'no answer');
}
