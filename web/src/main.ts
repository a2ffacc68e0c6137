/**
 * The potledger dashboard: hash routes (#/pots, #/pots/<id>, #/pots/<id>/pool,
 * #/pots/<id>/monitoring, #/pots/<id>/settlement, #/pots/<id>/memorandum, #/pots/<id>/claims,
 * #/pots/<id>/statement, #/pots/<id>/exceptions, #/pots/<id>/cba,
 * #/flows,
 * #/agencies, #/agencies/<id>, #/audit, #/setup, #/signin), so the server only serves static files.
 */
import 'govuk-frontend/dist/govuk/govuk-frontend.min.css';
import { createAll, ServiceNavigation } from 'govuk-frontend';
import './style.css';
import { ApiError, getJson } from './api.ts';
import { disposeCharts } from './charts.ts';
import type { AgencyView, PageContext } from './context.ts';
import { h } from './dom.ts';
import { agenciesPage, agencyPage } from './pages/agencies.ts';
import { auditPage } from './pages/audit.ts';
import { claimsPage } from './pages/claims.ts';
import { flowsPage } from './pages/flows.ts';
import { memorandumPage } from './pages/memorandum.ts';
import { monitoringPage } from './pages/monitoring.ts';
import { poolFundPage } from './pages/poolFund.ts';
import { potPage, potsPage } from './pages/pots.ts';
import { costBenefitPage, exceptionsPage, statementPage } from './pages/potReports.ts';
import { settlementPage } from './pages/settlement.ts';
import { setupPage } from './pages/setup.ts';
import { signInPage } from './pages/signin.ts';
import { details } from './govuk.ts';
import { applyGovukClasses } from './govukClasses.ts';
import { plainWords } from './problems.ts';
import { forgetReceiptUnlessOn } from './receipts.ts';
import { currentSession, isSingleSignOn, signOut, type Session } from './session.ts';
import { can } from './token.ts';

const main = document.getElementById('page')!;
applyGovukClasses(main);
// GOV.UK Frontend's script-dependent styles apply under this class; the service navigation's
// mobile menu is its one component with behaviour in the static page.
document.body.classList.add('govuk-frontend-supported');
createAll(ServiceNavigation);
const header = document.getElementById('session')!;
const nav = document.getElementById('nav')!;

function renderChrome(session: Session | null): void {
  if (session === null) {
    header.replaceChildren();
    nav.replaceChildren();
    return;
  }
  const { claims } = session;
  const expires =
    claims.exp === undefined
      ? ''
      : ` · until ${new Date(claims.exp * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`;
  const out = h(
    'button',
    { type: 'button', class: 'govuk-button govuk-button--secondary potledger-signout' },
    'Sign out',
  );
  out.addEventListener('click', () => {
    // Signed in through the organisation's provider: sign out there too (/auth/logout).
    const singleSignOn = isSingleSignOn();
    signOut();
    if (singleSignOn) window.location.assign('/auth/logout');
    else window.location.hash = '#/signin';
  });
  header.replaceChildren(
    h(
      'span',
      { 'data-testid': 'who', class: 'potledger-who' },
      `${claims.sub} · `,
      h('strong', { 'data-testid': 'role' }, claims.role),
      // The id until the agency directory has loaded, then the agency's name (route()).
      claims.agency === undefined
        ? ''
        : h('span', { 'data-testid': 'who-agency' }, ` · ${claims.agency}`),
      expires,
    ),
    out,
  );
  const items: [string, string][] = [
    ['#/pots', 'Pots'],
    ['#/flows', 'Benefit flows'],
    ['#/agencies', 'Agencies'],
  ];
  if (can.readAudit(claims)) items.push(['#/audit', 'Audit trail']);
  if (can.setUp(claims)) items.push(['#/setup', 'Set up']);
  const current = window.location.hash.split('?')[0] ?? '';
  nav.replaceChildren(
    ...items.map(([href, text]) => {
      const active = current.startsWith(href);
      return h(
        'li',
        {
          class: `govuk-service-navigation__item${active ? ' govuk-service-navigation__item--active' : ''}`,
        },
        h(
          'a',
          {
            href,
            class: 'govuk-service-navigation__link',
            'aria-current': active ? 'page' : undefined,
          },
          active ? h('strong', { class: 'govuk-service-navigation__active-fallback' }, text) : text,
        ),
      );
    }),
  );
}

/** The first route of a page load leaves focus where the browser put it. */
let firstRoute = true;

async function route(): Promise<void> {
  disposeCharts();
  const [path = '', search = ''] = window.location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(search);
  const session = currentSession();
  forgetReceiptUnlessOn(`#${path}`);
  renderChrome(session);
  if (session === null || path === '/signin') {
    if (session !== null) {
      window.location.hash = '#/pots';
      return;
    }
    await signInPage(main, params, () => (window.location.hash = '#/pots'));
    return;
  }
  main.replaceChildren(h('p', { role: 'status', class: 'govuk-body' }, 'Loading…'));
  try {
    const { agencies } = await getJson<{ agencies: AgencyView[] }>('/v1/agencies', session.token);
    const nameOf = (id: string) => agencies.find((a) => a.agencyId === id)?.name ?? id;
    const whoAgency = header.querySelector('[data-testid="who-agency"]');
    if (whoAgency !== null && session.claims.agency !== undefined)
      whoAgency.textContent = ` · ${nameOf(session.claims.agency)}`;
    const ctx: PageContext = { session, main, nameOf, agencies, params };
    const parts = path.split('/').filter((p) => p !== '');
    const poolPages = {
      pool: poolFundPage,
      monitoring: monitoringPage,
      settlement: settlementPage,
      memorandum: memorandumPage,
      claims: claimsPage,
      statement: statementPage,
      exceptions: exceptionsPage,
      cba: costBenefitPage,
    } as const;
    const poolPage =
      parts[0] === 'pots' && parts[2] !== undefined && parts[2] in poolPages
        ? poolPages[parts[2] as keyof typeof poolPages]
        : undefined;
    if (poolPage !== undefined && parts[1] !== undefined)
      await poolPage(ctx, decodeURIComponent(parts[1]));
    else if (parts[0] === 'pots' && parts[1] !== undefined)
      await potPage(ctx, decodeURIComponent(parts[1]));
    else if (parts[0] === 'flows') await flowsPage(ctx);
    else if (parts[0] === 'agencies' && parts[1] !== undefined)
      await agencyPage(ctx, decodeURIComponent(parts[1]));
    else if (parts[0] === 'agencies') await agenciesPage(ctx);
    else if (parts[0] === 'audit' && can.readAudit(session.claims)) await auditPage(ctx);
    else if (parts[0] === 'setup') await setupPage(ctx);
    else await potsPage(ctx);
  } catch (error) {
    const message = error instanceof ApiError ? plainWords(error.problem) : String(error);
    main.replaceChildren(
      h('h1', { class: 'govuk-heading-l' }, 'Something went wrong'),
      h('p', { class: 'govuk-body form-error', role: 'alert' }, message),
      error instanceof ApiError
        ? details(
            'Technical detail',
            h('code', {}, `${error.problem.code}: ${error.problem.detail ?? ''}`),
          )
        : '',
    );
  }
  // After a navigation, focus moves to the new page's heading so keyboard and screen-reader
  // users start there; on the first load the browser starts at the top (the skip link).
  const heading = main.querySelector<HTMLElement>('h1');
  heading?.setAttribute('tabindex', '-1');
  if (!firstRoute) heading?.focus({ preventScroll: true });
  firstRoute = false;
}

// The skip link must not change the hash: here the hash is the page's route.
const mainElement = document.getElementById('main')!;
document.querySelector('.govuk-skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  mainElement.focus();
});
window.addEventListener('hashchange', () => void route());
void route();
