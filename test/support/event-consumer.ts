/**
 * A consumer of the store's events, as a downstream service would run one: it pulls its subscription in a
 * loop, and on the first delivery of each event_id runs `check` (is the fact the event announces readable
 * right now?) before acknowledging. An event is listed in `received` only once it has been checked, so a test
 * that waits for an event knows its check ran before whatever the test does next.
 */
import type { ArtifactEvent } from '../../shared/domain/artifact-events';
import type { EventSubscription, ReceivedEvent } from './event-subscription';
import { waitFor } from './stack';

export interface EventConsumer {
  /** Every delivery, duplicates included, in arrival order. */
  received: ReceivedEvent[];
  /** What `check` found wrong, one line per event. */
  problems: string[];
  /** Resolves when `count` deliveries matching `match` have been received (and checked). */
  waitFor(what: string, match: (e: ArtifactEvent) => boolean, count?: number): Promise<ArtifactEvent>;
  /** Resolves once nothing has been received for `ms`. */
  quiet(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/** `check` answers null when the fact is readable, else what is wrong. */
export function startEventConsumer(
  subscription: EventSubscription,
  check: (event: ArtifactEvent) => Promise<string | null>,
): EventConsumer {
  const received: ReceivedEvent[] = [];
  const problems: string[] = [];
  const checked = new Set<string>();
  let lastAt = Date.now();
  let running = true;
  const loop = (async () => {
    while (running) {
      let batch: ReceivedEvent[] = [];
      try {
        batch = await subscription.pull();
      } catch (err) {
        problems.push(`pull failed: ${String(err)}`);
      }
      for (const delivery of batch) {
        const event = delivery.body;
        if (!checked.has(event.event_id)) {
          checked.add(event.event_id);
          const problem = await check(event).catch((err: unknown) => `check failed: ${String(err)}`);
          if (problem) problems.push(`${event.event} ${event.artifact_id}: ${problem}`);
        }
        received.push(delivery);
        lastAt = Date.now();
      }
      await subscription
        .acknowledge(batch.map((d) => d.ackId))
        .catch((err: unknown) => problems.push(`acknowledge failed: ${String(err)}`));
      if (batch.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    received,
    problems,
    waitFor: (what, match, count = 1) =>
      waitFor(
        async () => {
          const found = received.filter((d) => match(d.body));
          return found.length >= count ? found[0]!.body : undefined;
        },
        what,
        30_000,
      ),
    async quiet(ms) {
      await waitFor(async () => Date.now() - lastAt >= ms, `${ms} ms without an event`, 60_000);
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
