/** What the app hands each view: the API, the view's lifetime, and one way to report failures. */
import type { Api } from '../api';

export interface ViewContext {
  api: Api;
  /** Aborted when the view is left: its requests are cancelled. */
  signal: AbortSignal;
  /** Shows `err` in `into` (with Retry when it may help); a 401 goes back to sign-in, an abort shows nothing. */
  fail(err: unknown, into: HTMLElement, retry?: () => void): void;
  /** Runs `fn` when the view is left (object URLs are revoked so). */
  onLeave(fn: () => void): void;
  /** Says `text` to screen readers (a polite live region). */
  announce(text: string): void;
  /** The list as it was last shown (its filters), for "back to the list". */
  listHref: string;
}
