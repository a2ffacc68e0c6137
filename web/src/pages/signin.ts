/**
 * Sign-in: paste a token (from `npx potledger token …`), or, on a development server, ask it
 * for one. The dashboard only decodes the token to show who you are; the API checks it. The
 * development form is shown only where the server has the development route (it has none in
 * production mode), so nobody is offered a sign-in that cannot work.
 */
import { ApiError, getJson, postJson } from '../api.ts';
import { field, h, options, showFieldError } from '../dom.ts';
import { plainWords } from '../problems.ts';
import { signIn } from '../session.ts';

const ROLES = ['admin', 'finance-officer', 'auditor', 'reporter'];

/**
 * Whether this server mints development tokens. An empty request is refused as invalid (400)
 * where the route exists, and is not found (404) on a production server; nothing is minted.
 */
async function devSignInAvailable(): Promise<boolean> {
  try {
    await postJson('/dev/token', null, {});
    return true;
  } catch (error) {
    return error instanceof ApiError && error.problem.status === 400;
  }
}

export async function signInPage(
  main: HTMLElement,
  params: URLSearchParams,
  onSignedIn: () => void,
): Promise<void> {
  const paste = h(
    'form',
    { 'aria-label': 'Sign in with a token' },
    field(
      'Token',
      h('textarea', { name: 'token', rows: 4, spellcheck: 'false', autocomplete: 'off' }),
      'Mint one with: npx potledger token --sub alice --role admin',
    ),
    h('button', { type: 'submit', class: 'govuk-button' }, 'Sign in'),
  );
  paste.addEventListener('submit', (event) => {
    event.preventDefault();
    void useToken(paste, (paste.elements.namedItem('token') as HTMLTextAreaElement).value, 'token');
  });

  const dev = h(
    'form',
    { 'aria-label': 'Development sign-in' },
    h(
      'p',
      { class: 'hint' },
      'Development servers only (NODE_ENV is not production): the server mints a token for any user and role. It answers only on this machine.',
    ),
    field(
      'User name',
      h('input', { name: 'sub', type: 'text', value: 'alice', autocomplete: 'off' }),
    ),
    field(
      'Role',
      h('select', { name: 'role' }, ...options(ROLES.map((r) => ({ value: r, label: r })))),
    ),
    field(
      'Agency (finance officers)',
      h('input', {
        name: 'agency',
        type: 'text',
        placeholder: 'essex-police',
        autocomplete: 'off',
      }),
    ),
    h(
      'button',
      { type: 'submit', class: 'govuk-button govuk-button--secondary' },
      'Get a development token',
    ),
  );
  dev.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name: string) => (dev.elements.namedItem(name) as HTMLInputElement).value.trim();
    showFieldError(dev, 'sub', null);
    postJson('/dev/token', null, {
      sub: value('sub'),
      role: value('role'),
      ...(value('agency') === '' ? {} : { agency: value('agency') }),
    })
      .then((answer) => useToken(dev, String(answer.token), 'sub'))
      .catch((error: unknown) => {
        if (!(error instanceof ApiError)) throw error;
        const message =
          error.problem.code === 'NOT_FOUND'
            ? 'This server has no development sign-in (it runs in production mode). Paste a token instead.'
            : plainWords(error.problem);
        showFieldError(dev, 'sub', message);
      });
  });

  async function useToken(form: HTMLFormElement, token: string, fieldName: string): Promise<void> {
    const session = signIn(token);
    if (session === null) {
      showFieldError(form, fieldName, 'That is not a potledger token, or it has expired.');
      return;
    }
    try {
      // One real call, so a token signed with another server's secret is caught here.
      await getJson('/v1/agencies', session.token);
    } catch (error) {
      if (error instanceof ApiError) {
        showFieldError(form, fieldName, plainWords(error.problem));
        return;
      }
      throw error;
    }
    onSignedIn();
  }

  const withDev = await devSignInAvailable();
  main.replaceChildren(
    h('h1', {}, 'Sign in'),
    params.get('expired') === null
      ? ''
      : h(
          'p',
          { class: 'form-error', role: 'alert' },
          'Your sign-in expired or was refused. Sign in again.',
        ),
    paste,
    withDev ? h('h2', {}, 'Development sign-in') : '',
    withDev ? dev : '',
  );
}
