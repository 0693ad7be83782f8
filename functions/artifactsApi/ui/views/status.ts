/** Loading and error states, the same everywhere: a status line while waiting, a problem with a way on. */
import { ApiError } from '../api';
import { h } from '../dom';

export function loading(text: string): HTMLElement {
  return h(
    'p',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    text,
  );
}

function describe(err: unknown): { title: string; detail: string; retry: boolean } {
  if (!(err instanceof ApiError)) {
    return {
      title: 'Something went wrong',
      detail: err instanceof Error ? err.message : String(err),
      retry: true,
    };
  }
  const detail = err.problem?.detail ?? err.message;
  if (err.status === 0)
    return { title: 'The API cannot be reached', detail: 'Check the connection and retry.', retry: true };
  if (err.status === 404)
    return {
      title: 'Not found',
      detail: `${detail}. It may have been deleted or expired, or belong to another tenant.`,
      retry: false,
    };
  if (err.status === 400) return { title: 'Bad request', detail, retry: false };
  if (err.status >= 500) {
    const id = err.problem?.request_id ? ` (request ${err.problem.request_id})` : '';
    return { title: `The server could not answer (${err.status})`, detail: `${detail}${id}`, retry: true };
  }
  return { title: `Error ${err.status}`, detail, retry: false };
}

/** An error box (role alert) saying what failed, with Retry when retrying can help. */
export function errorBox(err: unknown, retry?: () => void): HTMLElement {
  const { title, detail, retry: canRetry } = describe(err);
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('p', { class: 'error-title' }, title),
    h('p', {}, detail),
    canRetry && retry ? h('button', { type: 'button', onclick: retry }, 'Retry') : null,
  );
}
