/**
 * functions-framework runs every request inside a Node `domain` of its own (to turn an exception thrown in a
 * callback into a 500 for that request). Two costs follow for a handler that keeps running inside it:
 *
 * - every async resource created during the request, long-lived ones included, is stamped with the domain:
 *   a pooled keep-alive socket to Cloud Storage or PostgREST, its timer, a parser from the free list. The
 *   domain's error listener holds the request, its `rawBody` and its parsed body. So each such resource keeps
 *   the whole push it was created under alive for as long as it lives: a 27 MB push stays in memory after
 *   it was answered, and a long run holds a hundred pushes nobody references (bench:profile, heap snapshot);
 * - every promise of the request enters and leaves the domain (~8% of the functions' CPU).
 *
 * `outsideRequestDomain` runs the handler with the domain exited: what it creates belongs to no request. The
 * framework still answers with the handler's result or rejection (its own promise stays in the domain). An
 * exception thrown in a callback, outside any promise, no longer becomes a 500 for one request: it reaches
 * the framework's process-wide handler, which answers 500 and restarts the instance (the delivery is
 * retried), as for any function without domains. Our handlers reject, they do not throw into callbacks.
 */
import type { Domain } from 'node:domain';

export function outsideRequestDomain<A extends unknown[], R>(
  handler: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return (...args: A) => {
    const domain = (process as { domain?: Domain | null }).domain;
    if (!domain) return handler(...args);
    domain.exit();
    try {
      return handler(...args);
    } finally {
      domain.enter();
    }
  };
}
