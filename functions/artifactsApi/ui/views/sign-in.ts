/** Token entry: paste a JWT; it goes to this tab's session storage only (session.ts). */
import { h } from '../dom';
import { checkPastedToken } from '../session';

export function signInView(message: string | null, onToken: (token: string) => void): HTMLElement {
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'token-help',
    required: true,
  });
  const problem = h('p', { class: 'field-error', id: 'token-error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'sign-in-form', novalidate: true },
    h('label', { for: 'token' }, 'Access token (JWT)'),
    input,
    problem,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const checked = checkPastedToken(input.value);
    if ('error' in checked) {
      problem.textContent = checked.error;
      problem.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    onToken(checked.token);
  });
  return h(
    'section',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', tabindex: '-1' }, 'Sign in'),
    message ? h('p', { class: 'notice', role: 'alert', id: 'sign-in-message' }, message) : null,
    h(
      'p',
      { id: 'token-help' },
      "Paste a token for your tenant: the API reads the tenant from it. Locally, `npm start` prints a link that signs you in. The token stays in this tab's session storage and is forgotten when the tab closes.",
    ),
    form,
  );
}
