/**
 * Sign-in through the organisation's identity provider (OpenID Connect). The server runs the
 * authorization-code flow with PKCE (src/http/plugins/oidcLogin.ts) and sends the browser back
 * to #/signin?handoff=<id>; the handoff is traded, once, for the access token and the role it
 * maps to. Shown only when the server says single sign-on is configured (GET /auth/config).
 */
import { ApiError, postJson } from './api.ts';
import { h } from './dom.ts';
import { plainWords } from './problems.ts';
import { signInWithClaims } from './session.ts';

const ERRORS: Readonly<Record<string, string>> = {
  no_role:
    'You signed in, but none of your groups gives you a role in potledger. Ask an admin to map one.',
  token_refused: 'Your organisation signed you in, but the ledger refused the token it issued.',
  exchange_failed: 'The sign-in could not be completed. Try again.',
  access_denied: 'The sign-in was cancelled.',
};

export function singleSignOnSection(params: URLSearchParams, onSignedIn: () => void): HTMLElement {
  const section = h('section', { 'aria-label': 'Sign in with your organisation', hidden: true });
  const status = h('p', { role: 'status' });
  const handoff = params.get('handoff');
  const error = params.get('error');
  if (handoff !== null) {
    section.hidden = false;
    status.textContent = 'Signing you in…';
    section.append(status);
    postJson('/auth/session', null, { handoff })
      .then((answer) => {
        const session = signInWithClaims(String(answer.accessToken), {
          sub: String(answer.sub),
          role: String(answer.role),
          ...(typeof answer.agency === 'string' ? { agency: answer.agency } : {}),
          exp: Number(answer.exp),
        });
        if (session === null) throw new Error('the token has already expired');
        // Drop the used handoff from the address.
        window.history.replaceState(null, '', '#/signin');
        onSignedIn();
      })
      .catch((failure: unknown) => {
        status.setAttribute('role', 'alert');
        status.className = 'form-error';
        status.textContent =
          failure instanceof ApiError
            ? `${plainWords(failure.problem)} (${failure.problem.detail ?? ''})`
            : String(failure);
      });
  }
  fetch('/auth/config')
    .then(async (response) => {
      if (!response.ok) return;
      const { oidc } = (await response.json()) as { oidc?: boolean };
      if (oidc !== true) return;
      section.hidden = false;
      section.append(
        error === null
          ? ''
          : h(
              'p',
              { class: 'form-error', role: 'alert' },
              ERRORS[error] ?? `The sign-in failed (${error}).`,
            ),
        h('a', { class: 'button', href: '/auth/login' }, 'Sign in'),
        h('p', { class: 'hint' }, 'With your organisation account (single sign-on).'),
      );
    })
    .catch(() => undefined);
  return section;
}
