/**
 * The pooled fund of a pot (#/pots/<id>/pool): the agreement register (the version in force
 * and every version with its board decision) and the pool manager's forms: the agreement or a
 * variation, scheme details, spend, commitments and forecasts.
 */
import { ApiError, getJson, query, type Written, getJsonAsAt, type BooksReading } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { financialYearChoices, formatLongDate, formatLongDateTime } from '../dates.ts';
import { field, h, link, options, table } from '../dom.ts';
import { summaryList, tag, warningText } from '../govuk.ts';
import {
  LEGAL_BASIS_LABELS,
  UNDERSPEND_RULE_LABELS,
  agreementRow,
  overspendRuleText,
  overspendWarning,
  poolPaths,
  type Agreement,
  type AgreementsAnswer,
  type OverspendFlag,
} from '../poolYear.ts';
import { can } from '../token.ts';
import {
  agreementForm,
  forecastForm,
  raiseCommitmentForm,
  releaseCommitmentForm,
  schemeForm,
  spendForm,
} from './poolForms.ts';

/** The pooled-fund pages of a pot, as links: on the pot's page and at the top of each. */
export function poolNav(potId: string, current?: string): HTMLElement {
  return potPagesNav(potId, 'Pooled fund', current, [
    ['pool', 'Agreement and schemes'],
    ['monitoring', 'Quarterly monitoring'],
    ['settlement', 'Year-end settlement'],
    ['memorandum', 'Memorandum account'],
    ['claims', 'Outcome payments'],
  ]);
}

/** Links to a group of a pot's pages (#/pots/<id>/<page>), the one being read marked current. */
export function potPagesNav(
  potId: string,
  label: string,
  current: string | undefined,
  items: readonly (readonly [page: string, text: string])[],
): HTMLElement {
  return h(
    'nav',
    { class: 'pool-nav', 'aria-label': label },
    h(
      'ul',
      {},
      ...items.map(([page, text]) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href: `#/pots/${encodeURIComponent(potId)}/${page}`,
              'aria-current': page === current ? 'page' : undefined,
            },
            text,
          ),
        ),
      ),
    ),
  );
}

/** The heading block of every pooled-fund page. */
/**
 * The financial-year select of the pooled-fund pages' pickers: the last `count` years up to
 * today's, and the year shown even when it is older.
 */
export function financialYearField(today: string, financialYear: string, count: number) {
  const years = financialYearChoices(today, count);
  if (!years.includes(financialYear)) years.push(financialYear);
  return field(
    'Financial year',
    h(
      'select',
      { name: 'financialYear' },
      ...options(
        years.map((y) => ({ value: y, label: y })),
        financialYear,
      ),
    ),
  );
}

export function poolHeader(pot: PotView, title: string, current: string): HTMLElement[] {
  return [
    h('p', {}, link(`#/pots/${encodeURIComponent(pot.potId)}`, `← ${pot.name}`)),
    h('h1', {}, title),
    poolNav(pot.potId, current),
  ];
}

/**
 * A pooled-fund answer, or null with the page saying why when the server has none: a 404 from a
 * server without the pooled-fund routes, or a year with nothing to show.
 */
export async function poolAnswer<T>(
  ctx: PageContext,
  path: string,
  shown: HTMLElement[],
  onReading?: (reading: BooksReading) => void,
): Promise<T | null> {
  try {
    const { body, reading } = await getJsonAsAt<T>(path, ctx.session.token);
    onReading?.(reading);
    return body;
  } catch (error) {
    if (error instanceof ApiError && error.problem.status === 404) {
      ctx.main.replaceChildren(
        ...shown,
        h(
          'p',
          { class: 'form-error', role: 'alert' },
          `Not found: ${error.problem.detail ?? 'this server does not offer the pooled-fund year for this pot'}.`,
        ),
      );
      return null;
    }
    throw error;
  }
}

export async function poolFundPage(
  ctx: PageContext,
  potId: string,
  after?: { written: Written; form: string; interventionId?: string },
): Promise<void> {
  const pot = await getJson<PotView>(
    `/v1/pots/${encodeURIComponent(potId)}${query({ minPosition: after?.written.position })}`,
    ctx.session.token,
  );
  const header = poolHeader(pot, `${pot.name}: pooled fund`, 'pool');
  const agreements = await poolAnswer<AgreementsAnswer>(ctx, poolPaths.agreements(potId), header);
  if (agreements === null) return;
  const claims = ctx.session.claims;
  const handlers = {
    onWritten: (written: Written, what: { form: string; interventionId?: string }) =>
      void poolFundPage(ctx, potId, { written, ...what }),
  };
  const current = agreements.current;
  const tracking = current?.spendTracking === true;
  const isHostOfficer = claims.role === 'finance-officer' && claims.agency === pot.hostAgencyId;
  const forms: HTMLElement[] = [];
  if (claims.role === 'admin') forms.push(agreementForm(ctx, pot, agreements, handlers));
  if (pot.interventions.length > 0) {
    if (claims.role === 'admin' || isHostOfficer) forms.push(schemeForm(ctx, pot, handlers));
    if (tracking && can.manageMoney(claims))
      forms.push(
        spendForm(ctx, pot, handlers),
        raiseCommitmentForm(ctx, pot, handlers),
        releaseCommitmentForm(ctx, pot, handlers),
        forecastForm(ctx, pot, handlers),
      );
  }

  ctx.main.replaceChildren(
    ...header,
    after === undefined ? '' : writtenNotice(pot, after),
    h('h2', {}, 'The agreement in force'),
    current === null
      ? h(
          'p',
          { 'data-testid': 'no-agreement' },
          'No agreement is recorded. Until one is, the pot works as before: an allocation counts as money spent.',
        )
      : agreementSummary(ctx, current),
    h('h2', {}, 'Register of versions'),
    table(
      'Every version of the agreement, with the board decision that approved it',
      ['Version', 'Reference', 'Board decision', 'Signed on', 'Runs', 'Replaces'],
      [...agreements.versions].reverse().map(agreementRow),
    ),
    h('h2', {}, 'Record'),
    current !== null && !tracking
      ? h(
          'p',
          {},
          'Spend tracking is off in the agreement, so spend, commitments and forecasts are not recorded for this pot.',
        )
      : '',
    pot.interventions.length === 0
      ? h(
          'p',
          {},
          'Define an intervention on the pot’s page first: each scheme is an intervention.',
        )
      : '',
    forms.length === 0
      ? h('p', {}, 'Your role has nothing to record here.')
      : h('div', { class: 'forms' }, ...forms),
  );
}

function agreementSummary(ctx: PageContext, a: Agreement): HTMLElement {
  return summaryList(
    [
      [
        'Version',
        `Version ${a.version}${a.replaces === undefined ? '' : `, replacing version ${a.replaces.version}`}`,
      ],
      ['Reference', a.reference],
      ['Legal basis', LEGAL_BASIS_LABELS[a.legalBasis] ?? a.legalBasis],
      ['Pool manager', a.poolManager],
      ['Scope', a.scope],
      ['Board decision', a.boardDecisionRef],
      ['Signed on', formatLongDate(a.signedOn)],
      [
        'Runs',
        `From ${formatLongDate(a.startDate)}${a.endDate === undefined ? ', no end date' : ` to ${formatLongDate(a.endDate)}`}`,
      ],
      ['Spend tracking', a.spendTracking ? 'On' : 'Off'],
      [
        'Overspends',
        h('ul', {}, ...overspendRuleText(a.overspend, ctx.nameOf).map((t) => h('li', {}, t))),
      ],
      ['Underspends', UNDERSPEND_RULE_LABELS[a.underspend] ?? a.underspend],
      ['Recorded', formatLongDateTime(a.recordedAt)],
    ],
    { 'data-testid': 'agreement-current' },
  );
}

/** What the last write said: an overspend warning, a new commitment's id, or that it was recorded. */
function writtenNotice(
  pot: PotView,
  after: { written: Written; form: string; interventionId?: string },
): HTMLElement {
  const { written } = after;
  const scheme =
    pot.interventions.find((i) => i.interventionId === after.interventionId)?.name ?? 'the scheme';
  const overspend = written.overspend as OverspendFlag | undefined;
  const parts: (HTMLElement | string)[] = [];
  if (overspend !== undefined)
    parts.push(
      warningText(overspendWarning(overspend, scheme), { 'data-testid': 'overspend-warning' }),
    );
  const what: Record<string, string> = {
    agreement: `Agreement version ${String(written.version ?? '')} recorded.`,
    scheme: `Scheme details recorded for ${scheme}.`,
    spend: `Spend recorded against ${scheme}${typeof written.spendId === 'string' ? ` (spend id ${written.spendId})` : ''}.`,
    commitment: `Commitment raised on ${scheme}${typeof written.commitmentId === 'string' ? `: its id is ${written.commitmentId}` : ''}.`,
    release: `Commitment released on ${scheme}.`,
    forecast: `Forecast recorded for ${scheme}.`,
  };
  return h(
    'div',
    { role: overspend === undefined ? 'status' : 'alert', 'data-testid': 'written' },
    ...parts,
    h(
      'p',
      {},
      overspend === undefined ? '' : tag('Overspend', 'red'),
      ' ',
      what[after.form] ?? 'Recorded.',
      ` Event ${written.eventId}.`,
    ),
  );
}
