/**
 * A pot's reading pages: the statement for a financial year (#/pots/<id>/statement), its
 * exceptions (#/pots/<id>/exceptions) and the cost-benefit report (#/pots/<id>/cba), each
 * saying the position it reflects; the statement also reads as at a business date and downloads
 * as CSV and Excel. The price-index caveat of the cost-benefit report sits beside its figures,
 * since a reader who takes the table away must take the prices it is in with it.
 */
import type { AgreedContributionView } from '../../../projections/agreedContributions.ts';
import { ApiError, getJson, getJsonAsAt, query } from '../api.ts';
import { asAtPanel, tableDownloads } from '../books.ts';
import type { PageContext, PotView } from '../context.ts';
import { formatLongDate, settlementYear } from '../dates.ts';
import { h, link, table } from '../dom.ts';
import { todayIso } from '../forms.ts';
import { summaryList, tag } from '../govuk.ts';
import { formatGbp, formatReturnPerPound, formatShare } from '../money.ts';
import { financialYearField, potPagesNav } from './poolFund.ts';

type Page = 'statement' | 'exceptions' | 'cba';

/** The reading pages of a pot, as links: on the pot's page and at the top of each. */
export function reportsNav(potId: string, current?: Page): HTMLElement {
  return potPagesNav(potId, 'Reports', current, [
    ['statement', 'Statement'],
    ['exceptions', 'Exceptions'],
    ['cba', 'Cost-benefit report'],
  ]);
}

function header(pot: PotView, title: string, current: Page): HTMLElement[] {
  return [
    h('p', {}, link(`#/pots/${encodeURIComponent(pot.potId)}`, `← ${pot.name}`)),
    h('h1', {}, title),
    reportsNav(pot.potId, current),
  ];
}

/** The year picker; it keeps the page's other choices (asAt) in the route. */
function yearPicker(
  ctx: PageContext,
  potId: string,
  page: Page,
  financialYear: string,
  allowAll = false,
): HTMLFormElement {
  const choice = financialYearField(todayIso(), financialYear, 6);
  const select = choice.querySelector('select')!;
  if (allowAll)
    select.prepend(h('option', { value: '', selected: financialYear === '' }, 'All years'));
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Choose the financial year' },
    choice,
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams(ctx.params);
    if (select.value === '') params.delete('financialYear');
    else params.set('financialYear', select.value);
    const search = params.toString();
    window.location.hash = `#/pots/${encodeURIComponent(potId)}/${page}${search === '' ? '' : `?${search}`}`;
  });
  return form;
}

const potPath = (potId: string) => `/v1/pots/${encodeURIComponent(potId)}`;

// ---------------------------------------------------------------- statement

interface Statement {
  readonly period: { financialYear: string; from: string; to: string };
  readonly openingBalance: string;
  readonly contributions: { received: string; reversed: string; net: string };
  readonly allocations: { allocated: string; reversed: string; net: string };
  readonly returnedToPartners: string;
  readonly closingBalance: string;
  readonly partners: readonly {
    agencyId: string;
    openingStake: string;
    contributionsReceived: string;
    contributionsReversed: string;
    drawn: string;
    drawnReversed: string;
    returned: string;
    closingStake: string;
    shareOfClosingBalance: string | null;
  }[];
  readonly interventions: readonly {
    interventionId: string;
    name: string;
    leadAgencyId: string;
    netAllocated: string;
    outcomesRecorded: number;
    outcomesRetracted: number;
    netBenefits: string;
  }[];
  readonly reversals: readonly {
    eventId: string;
    type: string;
    effectiveDate: string;
    amount: string;
    reason: string | null;
    actor: string | null;
  }[];
  readonly yearClosed: boolean;
  readonly potClosedOn: string | null;
  readonly entriesInYear: number;
}

const REVERSAL_WORDS: Record<string, string> = {
  ContributionReversed: 'Contribution reversed',
  AllocationReversed: 'Allocation reversed',
  OutcomeRetracted: 'Outcome retracted',
};

export async function statementPage(ctx: PageContext, potId: string): Promise<void> {
  const today = todayIso();
  const financialYear = settlementYear(today, ctx.params.get('financialYear'));
  const asAt = ctx.params.get('asAt') ?? undefined;
  const token = ctx.session.token;
  const pot = await getJson<PotView>(potPath(potId), token);
  const path = `${potPath(potId)}/statement${query({ financialYear, asAt })}`;
  const { body: s, reading } = await getJsonAsAt<Statement>(path, token);
  const withheld = 'Withheld';
  ctx.main.replaceChildren(
    ...header(pot, `${pot.name}: statement ${financialYear}`, 'statement'),
    yearPicker(ctx, potId, 'statement', financialYear),
    asAtPanel(reading, today, { chooseDate: true, params: ctx.params }),
    h(
      'p',
      {},
      `${formatLongDate(s.period.from)} to ${formatLongDate(s.period.to)} · ${s.entriesInYear} entries in the year · `,
      s.yearClosed ? tag('Year closed', 'grey') : tag('Year open', 'blue'),
    ),
    tableDownloads(path, `statement-${potId}-${financialYear}`, token, 'the statement'),
    summaryList(
      [
        ['Opening balance', formatGbp(s.openingBalance)],
        ['Contributions received', formatGbp(s.contributions.received)],
        ['Contributions reversed', formatGbp(s.contributions.reversed)],
        ['Allocated to interventions', formatGbp(s.allocations.allocated)],
        ['Allocations reversed', formatGbp(s.allocations.reversed)],
        ['Returned to partners', formatGbp(s.returnedToPartners)],
        ['Closing balance', formatGbp(s.closingBalance)],
      ],
      { 'data-testid': 'statement-figures' },
    ),
    table(
      'Each partner: opening stake, movements in the year, closing stake and share of the closing balance',
      [
        'Partner',
        'Opening stake',
        'Contributed',
        'Contributions reversed',
        'Drawn',
        'Drawn, reversed',
        'Returned',
        'Closing stake',
        'Share',
      ],
      s.partners.map((p) => [
        ctx.nameOf(p.agencyId),
        formatGbp(p.openingStake),
        formatGbp(p.contributionsReceived),
        formatGbp(p.contributionsReversed),
        formatGbp(p.drawn),
        formatGbp(p.drawnReversed),
        formatGbp(p.returned),
        formatGbp(p.closingStake),
        formatShare(p.shareOfClosingBalance),
      ]),
      { numeric: [1, 2, 3, 4, 5, 6, 7, 8] },
    ),
    table(
      'Interventions in the year: net allocations, outcomes and net benefits',
      ['Intervention', 'Lead agency', 'Net allocated', 'Outcomes', 'Net benefits'],
      s.interventions.map((i) => [
        i.name,
        ctx.nameOf(i.leadAgencyId),
        formatGbp(i.netAllocated),
        `${i.outcomesRecorded - i.outcomesRetracted}`,
        formatGbp(i.netBenefits),
      ]),
      { numeric: [2, 3, 4] },
    ),
    s.reversals.length === 0
      ? h('p', {}, 'No reversals in the year.')
      : table(
          'Reversals in the year: what was undone, when, by whom and why',
          ['What', 'Date', 'Amount', 'By', 'Reason'],
          s.reversals.map((r) => [
            REVERSAL_WORDS[r.type] ?? r.type,
            formatLongDate(r.effectiveDate),
            formatGbp(r.amount),
            r.actor ?? withheld,
            r.reason ?? withheld,
          ]),
          { numeric: [2] },
        ),
  );
}

// ---------------------------------------------------------------- exceptions

interface ExceptionEntry {
  readonly eventId: string;
  readonly kind: 'reversal' | 'rejected-approval' | 'self-approval-attempt';
  readonly date: string;
  readonly amount: string | null;
  readonly reason: string | null;
  readonly summary: string;
}

const EXCEPTION_KINDS: Record<ExceptionEntry['kind'], string> = {
  reversal: 'Reversal',
  'rejected-approval': 'Rejected approval',
  'self-approval-attempt': 'Self-approval attempt',
};

export async function exceptionsPage(ctx: PageContext, potId: string): Promise<void> {
  const token = ctx.session.token;
  const financialYear = ctx.params.get('financialYear') ?? '';
  const asAt = ctx.params.get('asAt') ?? undefined;
  const pot = await getJson<PotView>(potPath(potId), token);
  const heading = header(pot, `${pot.name}: exceptions`, 'exceptions');
  let answer;
  try {
    answer = await getJsonAsAt<{ exceptions: readonly ExceptionEntry[] }>(
      `${potPath(potId)}/exceptions${query({ financialYear, asAt })}`,
      token,
    );
  } catch (error) {
    if (!(error instanceof ApiError) || error.problem.code !== 'FORBIDDEN') throw error;
    // The list names people and their conduct: the API keeps it to the pot's own people.
    ctx.main.replaceChildren(
      ...heading,
      h(
        'p',
        { 'data-testid': 'exceptions-forbidden' },
        'The exceptions name people and their reasons, so only auditors, admins and finance officers of this pot’s partners can read them.',
      ),
    );
    return;
  }
  const { body, reading } = answer;
  ctx.main.replaceChildren(
    ...heading,
    h(
      'p',
      {},
      'Every reversal, rejected approval and attempted self-approval of this pot: what an auditor looks at first.',
    ),
    yearPicker(ctx, potId, 'exceptions', financialYear, true),
    asAtPanel(reading, todayIso(), { chooseDate: true, params: ctx.params }),
    body.exceptions.length === 0
      ? h('p', { 'data-testid': 'no-exceptions' }, 'No exceptions for this pot.')
      : table(
          'Exceptions, in log order',
          ['Date', 'Kind', 'What happened', 'Amount', 'Reason', 'Event id'],
          body.exceptions.map((e) => [
            formatLongDate(e.date),
            tag(EXCEPTION_KINDS[e.kind], e.kind === 'reversal' ? 'grey' : 'red'),
            e.summary,
            e.amount === null ? '' : formatGbp(e.amount),
            e.reason ?? '',
            h('code', {}, e.eventId),
          ]),
          { numeric: [3] },
        ),
  );
}

// ---------------------------------------------------------------- cost-benefit

interface Figure {
  readonly value: string;
}
interface Headline {
  readonly grossBenefits: Figure;
  readonly presentValueOfBenefits: Figure;
  readonly cost: Figure;
  readonly netPresentBudgetImpact: Figure;
  readonly financialReturnOnInvestment: { value: string | null };
  readonly paybackYear: { value: number | null };
  readonly whoBenefits: readonly {
    agencyId: string;
    grossCashable: string;
    grossNonCashable: string;
    presentValueCashable: string;
    presentValueNonCashable: string;
  }[];
}
export interface CostBenefitReport {
  readonly method: {
    readonly discountRatePercent: string;
    readonly prices: {
      baseYear: string;
      baseYearSource: 'asked' | 'financial-year' | 'latest-in-series';
      deflator: string;
      baseYearIndex: string;
    };
  };
  readonly interventions: readonly (Headline & { interventionId: string; name: string })[];
  readonly pot: Headline;
}

/**
 * The price basis of a cost-benefit report in words, shown beside its figures: which prices
 * they are in, by which index, and that benefits given in pounds are not restated.
 */
export function priceCaveat(report: CostBenefitReport): string {
  const p = report.method.prices;
  const why =
    p.baseYearSource === 'asked'
      ? 'as asked'
      : p.baseYearSource === 'financial-year'
        ? 'the year reported on'
        : `the latest year the index covers`;
  return (
    `All amounts are in ${p.baseYear} prices (${why}). Benefits valued from the unit-cost catalogue ` +
    `are restated from their price year with the ${p.deflator} (${p.baseYear} = ${p.baseYearIndex}); ` +
    `benefits recorded directly in pounds are taken as already in ${p.baseYear} prices. ` +
    `Present values are discounted at ${report.method.discountRatePercent}% a year.`
  );
}

const headlineCells = (x: Headline) => [
  formatGbp(x.grossBenefits.value),
  formatGbp(x.presentValueOfBenefits.value),
  formatGbp(x.cost.value),
  formatGbp(x.netPresentBudgetImpact.value),
  formatReturnPerPound(x.financialReturnOnInvestment.value),
  x.paybackYear.value === null ? 'Not reached' : `Year ${x.paybackYear.value}`,
];

export async function costBenefitPage(ctx: PageContext, potId: string): Promise<void> {
  const token = ctx.session.token;
  const financialYear = ctx.params.get('financialYear') ?? '';
  const asAt = ctx.params.get('asAt') ?? undefined;
  const pot = await getJson<PotView>(potPath(potId), token);
  const { body: report, reading } = await getJsonAsAt<CostBenefitReport>(
    `${potPath(potId)}/cba${query({ financialYear, asAt })}`,
    token,
  );
  const caveat = () =>
    h('div', { class: 'govuk-inset-text', 'data-testid': 'price-caveat' }, priceCaveat(report));
  ctx.main.replaceChildren(
    ...header(pot, `${pot.name}: cost-benefit report`, 'cba'),
    yearPicker(ctx, potId, 'cba', financialYear, true),
    asAtPanel(reading, todayIso(), { chooseDate: true, params: ctx.params }),
    h('h2', {}, 'Costs and benefits by intervention'),
    caveat(),
    table(
      `Costs and benefits in ${report.method.prices.baseYear} prices: gross and present value of benefits, cost, net present budget impact, return per £1 and payback`,
      [
        'Intervention',
        'Gross benefits',
        'Present value',
        'Cost',
        'Net present budget impact',
        'Return per £1',
        'Payback',
      ],
      report.interventions.map((i) => [i.name, ...headlineCells(i)]),
      { numeric: [1, 2, 3, 4, 5], footer: ['Whole pot', ...headlineCells(report.pot)] },
    ),
    h('h2', {}, 'Who benefits'),
    caveat(),
    table(
      `Benefits by the agency they land with, in ${report.method.prices.baseYear} prices`,
      [
        'Agency',
        'Gross cashable',
        'Gross non-cashable',
        'Present value cashable',
        'Present value non-cashable',
      ],
      report.pot.whoBenefits.map((w) => [
        ctx.nameOf(w.agencyId),
        formatGbp(w.grossCashable),
        formatGbp(w.grossNonCashable),
        formatGbp(w.presentValueCashable),
        formatGbp(w.presentValueNonCashable),
      ]),
      { numeric: [1, 2, 3, 4] },
    ),
  );
}

// ---------------------------------------------------------------- on the pot's page

/** Agreed against received contributions per partner and year (the board's figures). */
export function agreedContributions(
  ctx: PageContext,
  rows: readonly AgreedContributionView[] | undefined,
): HTMLElement {
  const section = h(
    'section',
    { 'aria-labelledby': 'agreed-heading' },
    h('h2', { id: 'agreed-heading' }, 'Agreed and received contributions'),
  );
  if (rows === undefined || rows.length === 0) {
    section.append(
      h('p', {}, 'No contributions have been agreed for this pot yet (an admin records them).'),
    );
    return section;
  }
  section.append(
    table(
      'Each partner’s agreed contribution for the year against what it has paid in',
      ['Partner', 'Year', 'Agreed', 'Received', 'Outstanding', 'Overpaid', 'Board decision'],
      rows.map((r) => [
        ctx.nameOf(r.agencyId),
        r.financialYear,
        formatGbp(r.agreed),
        formatGbp(r.received),
        formatGbp(r.outstanding),
        formatGbp(r.overpaid),
        r.boardDecisionRef,
      ]),
      { numeric: [2, 3, 4, 5] },
    ),
  );
  return section;
}
