/** One delivery attempt of a CloudEvent: an HTTP POST, and what its answer means. */
import type { PendingEvent } from './event-files';

export interface AttemptResult {
  /** `retry`: 5xx, 408, 409, 429, a timeout or no connection; `reject`: any other non-2xx answer. */
  outcome: 'delivered' | 'retry' | 'reject';
  status?: number;
  /** Why there was no answer (a connection error code, or the timeout). */
  error?: string;
}

/** Eventarc's transient errors: 408, 409, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 409 || status === 429;
}

export async function postEvent(
  event: PendingEvent,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<AttemptResult> {
  try {
    const response = await fetch(event.target, {
      method: 'POST',
      headers: event.headers,
      body: JSON.stringify(event.body),
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    await response.arrayBuffer().catch(() => undefined);
    const status = response.status;
    if (status >= 200 && status < 300) return { outcome: 'delivered', status };
    return { outcome: isRetryableStatus(status) ? 'retry' : 'reject', status };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const error = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.name);
    return { outcome: 'retry', error: error || String(err) };
  }
}
