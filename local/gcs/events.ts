/**
 * CloudEvent delivery, as Eventarc delivers GCS events to a gen2 function: an HTTP POST in binary content
 * mode (`ce-*` headers, the StorageObjectData resource as the JSON body) to each target URL.
 *
 * Delivery is asynchronous and in order per target: one queue per target, the head event retried with
 * exponential backoff (100 ms doubling, capped at 5 s, 20 attempts) while the receiver answers 5xx, 429 or
 * 408, times out, or cannot be reached; dropped with a log line on any other 4xx, or when the attempts run
 * out. A retried event keeps its `ce-id`, as a redelivery does.
 */

export const FINALIZED = 'google.cloud.storage.object.v1.finalized';
export const DELETED = 'google.cloud.storage.object.v1.deleted';

export interface StorageCloudEvent {
  id: string;
  type: typeof FINALIZED | typeof DELETED;
  /** `//storage.googleapis.com/projects/_/buckets/{bucket}` */
  source: string;
  /** `objects/{name}` */
  subject: string;
  /** RFC 3339 */
  time: string;
  bucket: string;
  /** The object resource (StorageObjectData). */
  data: unknown;
}

export interface DeliveryOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  maxAttempts?: number;
  /** Per-attempt timeout. */
  timeoutMs?: number;
}

/**
 * A CloudEvents HTTP binding (1.0.2, 3.1.3.2) header value: space, '"', '%' and everything outside printable
 * ASCII are percent-encoded as UTF-8.
 */
export function encodeHeaderValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f && ch !== '"' && ch !== '%') out += ch;
    else
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The HTTP headers of `event` in binary content mode. */
export function cloudEventHeaders(event: StorageCloudEvent): Record<string, string> {
  return {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': event.id,
    'ce-source': encodeHeaderValue(event.source),
    'ce-type': event.type,
    'ce-subject': encodeHeaderValue(event.subject),
    'ce-time': event.time,
    'ce-bucket': encodeHeaderValue(event.bucket),
  };
}

let sequence = 0;
/** Numeric ids like Eventarc's (Pub/Sub message ids), unique within and across runs. */
export function newEventId(): string {
  sequence = (sequence + 1) % 1000;
  return `${Date.now()}${String(sequence).padStart(3, '0')}${Math.floor(Math.random() * 1000)
    .toString()
    .padStart(3, '0')}`;
}

type Outcome = 'delivered' | 'retry' | 'drop';

class TargetQueue {
  private readonly queue: StorageCloudEvent[] = [];
  private running = false;

  constructor(
    private readonly url: string,
    private readonly dispatcher: EventDispatcher,
  ) {}

  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  push(event: StorageCloudEvent): void {
    this.queue.push(event);
    if (!this.running) {
      this.running = true;
      void this.run();
    }
  }

  clear(): number {
    const dropped = this.queue.length;
    this.queue.length = 0;
    return dropped;
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.dispatcher.closed) {
        const event = this.queue[0]!;
        await this.deliver(event);
        if (this.queue[0] === event) this.queue.shift();
      }
    } finally {
      this.running = false;
      this.dispatcher.checkIdle();
    }
  }

  private async deliver(event: StorageCloudEvent): Promise<void> {
    const { initialDelayMs, maxDelayMs, maxAttempts } = this.dispatcher.options;
    const what = `${event.type.slice('google.cloud.storage.object.v1.'.length)} ${event.subject} (ce-id ${event.id})`;
    let delay = initialDelayMs;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const { outcome, detail } = await this.attempt(event);
      if (this.dispatcher.closed) return;
      if (outcome === 'delivered') {
        if (attempt > 1) this.dispatcher.log(`event ${what} delivered to ${this.url} on attempt ${attempt}`);
        return;
      }
      if (outcome === 'drop') {
        this.dispatcher.log(`event ${what} dropped: ${this.url} answered ${detail} (not retried)`);
        return;
      }
      if (attempt === maxAttempts) break;
      if (attempt === 1) this.dispatcher.log(`event ${what} to ${this.url} failed (${detail}); retrying`);
      await this.dispatcher.sleep(delay);
      delay = Math.min(delay * 2, maxDelayMs);
    }
    this.dispatcher.log(`event ${what} dropped: ${this.url} still failing after ${maxAttempts} attempts`);
  }

  private async attempt(event: StorageCloudEvent): Promise<{ outcome: Outcome; detail: string }> {
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: cloudEventHeaders(event),
        body: JSON.stringify(event.data),
        signal: AbortSignal.any([
          this.dispatcher.abortSignal,
          AbortSignal.timeout(this.dispatcher.options.timeoutMs),
        ]),
      });
      await response.arrayBuffer().catch(() => undefined);
      const status = response.status;
      if (status >= 200 && status < 300) return { outcome: 'delivered', detail: String(status) };
      if (status >= 500 || status === 429 || status === 408)
        return { outcome: 'retry', detail: String(status) };
      return { outcome: 'drop', detail: String(status) };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      return { outcome: 'retry', detail: cause?.code ?? (err as Error).name ?? String(err) };
    }
  }
}

/** Fans events out to the targets and tracks when everything has been delivered or dropped. */
export class EventDispatcher {
  readonly options: Required<DeliveryOptions>;
  closed = false;
  private readonly queues: TargetQueue[];
  private readonly abort = new AbortController();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    targets: string[],
    readonly log: (line: string) => void,
    options: DeliveryOptions = {},
  ) {
    this.options = {
      initialDelayMs: options.initialDelayMs ?? 100,
      maxDelayMs: options.maxDelayMs ?? 5000,
      maxAttempts: options.maxAttempts ?? 20,
      timeoutMs: options.timeoutMs ?? 10_000,
    };
    this.queues = targets.map((url) => new TargetQueue(url, this));
  }

  get abortSignal(): AbortSignal {
    return this.abort.signal;
  }

  publish(event: StorageCloudEvent): void {
    if (this.closed) return;
    for (const queue of this.queues) queue.push(event);
  }

  /** Resolves when no event is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (!this.queues.some((q) => q.busy)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  checkIdle(): void {
    if (this.queues.some((q) => q.busy)) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  /** Stops delivering: in-flight requests are aborted, queued and retrying events are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.timers.clear();
    const dropped = this.queues.reduce((n, q) => n + q.clear(), 0);
    if (dropped > 0) this.log(`stopped with ${dropped} undelivered event(s)`);
    this.checkIdle();
  }
}
