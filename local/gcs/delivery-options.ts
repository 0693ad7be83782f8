/**
 * How the GCS stand-in retries CloudEvent deliveries (see events.ts): the options, their defaults, the
 * backoff they give, and the environment variable `npm start` reads them from.
 */

export interface DeliveryOptions {
  /** First backoff delay (default 1 s). */
  initialDelayMs?: number;
  /** The backoff doubles up to this (default 60 s). */
  maxDelayMs?: number;
  /** Each delay is shortened by a random part of up to this fraction of it (0-1, default 0.5). */
  jitter?: number;
  /** An event is retried until this long after it was published (or re-driven); default 24 h. */
  retryBudgetMs?: number;
  /** Attempts before giving up even within the budget (default: no limit). */
  maxAttempts?: number;
  /** Per-attempt timeout (default 60 s, the sync function's timeout). */
  timeoutMs?: number;
  /** Deliveries in flight at once, per target (default 16). */
  concurrency?: number;
}

export const DELIVERY_DEFAULTS: Required<DeliveryOptions> = {
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  jitter: 0.5,
  retryBudgetMs: 24 * 3600 * 1000,
  maxAttempts: Number.POSITIVE_INFINITY,
  timeoutMs: 60_000,
  concurrency: 16,
};

export function resolveDeliveryOptions(options: DeliveryOptions = {}): Required<DeliveryOptions> {
  const resolved = { ...DELIVERY_DEFAULTS };
  for (const [key, value] of Object.entries(options) as Array<[keyof DeliveryOptions, number | undefined]>) {
    if (value === undefined) continue;
    const valid =
      key === 'jitter'
        ? value >= 0 && value <= 1
        : key === 'concurrency' || key === 'maxAttempts'
          ? value >= 1
          : value >= 0;
    if (!valid || Number.isNaN(value)) throw new Error(`Invalid event delivery option ${key}: ${value}`);
    resolved[key] = value;
  }
  return resolved;
}

/** The wait after the `attempt`-th failed attempt (1-based): doubling, capped, with jitter. */
export function backoffDelay(options: Required<DeliveryOptions>, attempt: number, random = Math.random()) {
  const base = Math.min(options.initialDelayMs * 2 ** Math.min(attempt - 1, 40), options.maxDelayMs);
  return Math.round(base * (1 - options.jitter * random));
}

/** `GCS_EVENT_RETRY_BUDGET_SECONDS`: the retry budget of the local stack's GCS stand-in. */
export function deliveryOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DeliveryOptions {
  const raw = env.GCS_EVENT_RETRY_BUDGET_SECONDS;
  if (raw === undefined || raw === '') return {};
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`GCS_EVENT_RETRY_BUDGET_SECONDS must be a number of seconds >= 0, not "${raw}"`);
  }
  return { retryBudgetMs: seconds * 1000 };
}
