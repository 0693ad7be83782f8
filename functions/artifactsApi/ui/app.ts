/**
 * The app: shows the sign-in page while there is no token, else the place the URL fragment names
 * (route.ts). Each place is a view with its own lifetime: leaving it aborts its requests and revokes its
 * object URLs. A 401 from any request forgets the token and goes back to sign-in, saying why; the place
 * stays in the URL, so signing in again returns there.
 */
import { ApiError, createApi, isAbort } from './api';
import { h } from './dom';
import { listHash, parseRoute } from './route';
import { adoptFragmentToken, claimsOf, clearToken, readToken, saveToken } from './session';
import { artifactView } from './views/artifact';
import type { ViewContext } from './views/context';
import { listView } from './views/list';
import { signInView } from './views/sign-in';
import { errorBox } from './views/status';

interface Current {
  abort: AbortController;
  leave: Array<() => void>;
}

export function startApp(): void {
  adoptFragmentToken();
  const main = document.getElementById('main')!;
  const who = document.getElementById('who')!;
  const signOutButton = document.getElementById('sign-out') as HTMLButtonElement;
  const live = document.getElementById('live')!;
  const api = createApi(readToken);
  let current: Current | null = null;
  let notice: string | null = null;
  let listHref = '#/';

  const leave = () => {
    if (!current) return;
    current.abort.abort();
    for (const fn of current.leave.splice(0)) fn();
    current = null;
  };

  const signOut = (message: string) => {
    clearToken();
    notice = message;
    render();
  };

  const header = (token: string | null) => {
    signOutButton.hidden = token === null;
    if (!token) {
      who.replaceChildren();
      return;
    }
    const claims = claimsOf(token);
    who.replaceChildren(
      claims.tenant ? h('span', {}, 'Tenant ', h('strong', { id: 'tenant' }, claims.tenant)) : '',
      claims.expiresAt
        ? h('span', { class: 'muted' }, ` · token expires ${claims.expiresAt.toLocaleString()}`)
        : '',
    );
  };

  const focusHeading = () => main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });

  function render(): void {
    leave();
    const token = readToken();
    header(token);
    document.title = 'Artifacts';
    if (!token) {
      main.replaceChildren(
        signInView(notice, (t) => {
          saveToken(t);
          notice = null;
          render();
        }),
      );
      (main.querySelector('#sign-in-message')
        ? main.querySelector<HTMLElement>('h1')
        : main.querySelector<HTMLElement>('#token')
      )?.focus();
      return;
    }
    const abort = new AbortController();
    const view: Current = { abort, leave: [] };
    current = view;
    const ctx: ViewContext = {
      api,
      signal: abort.signal,
      listHref,
      onLeave: (fn) => view.leave.push(fn),
      announce: (text) => {
        live.textContent = text;
      },
      fail(err, into, retry) {
        if (isAbort(err) || abort.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) {
          signOut(
            `You were signed out: ${err.problem?.detail ?? 'the token was refused'}. Paste a new token.`,
          );
          return;
        }
        into.replaceChildren(errorBox(err, retry));
      },
    };
    const route = parseRoute(location.hash);
    if (route.view === 'list') {
      listHref = listHash(route.filters, route.limit);
      main.replaceChildren(listView(ctx, route.filters, route.limit));
      focusHeading();
    } else if (route.view === 'artifact') {
      main.replaceChildren(artifactView(ctx, route));
    } else {
      main.replaceChildren(
        h('h1', { tabindex: '-1' }, 'Nothing here'),
        h(
          'p',
          {},
          'This address names no page of the browser. ',
          h('a', { href: '#/' }, 'See all artifacts'),
        ),
      );
      focusHeading();
    }
  }

  window.addEventListener('hashchange', () => {
    // A link carrying a token (#token=...) may also be followed in an open tab.
    if (adoptFragmentToken()) notice = null;
    render();
  });
  signOutButton.addEventListener('click', () => signOut('Signed out.'));
  render();
}
