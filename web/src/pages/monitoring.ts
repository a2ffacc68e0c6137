/**
 * Quarterly monitoring (#/pots/<id>/monitoring?financialYear=&quarter=): what a pool manager
 * takes to the board each quarter. Per scheme budget, actual, committed, forecast outturn,
 * variance and explanation, overspending schemes flagged; totals by funding source and scheme
 * type; contributions agreed, received and outstanding per partner; the same as CSV.
 */
import { getJson } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { financialYearChoices, formatLongDate, monitoringPeriod } from '../dates.ts';
import { field, h, link, options, table } from '../dom.ts';
import { todayIso } from '../forms.ts';
import { csvDownload, tag, warningText } from '../govuk.ts';
import { formatGbp } from '../money.ts';
import {
  FUNDING_SOURCE_LABELS,
  csvFileName,
  formatSigned,
  labelOf,
  overspendHeadline,
  poolPaths,
  varianceText,
  type MonitoringReport,
} from '../poolYear.ts';
import { poolAnswer, poolHeader } from './poolFund.ts';

const FIGURES = ['Budget', 'Actual', 'Committed', 'Forecast outturn', 'Variance'];
const figures = (f: {
  budget: string;
  actual: string;
  committed: string;
  forecastOutturn: string;
  variance: string;
}) => [
  formatSigned(f.budget),
  formatSigned(f.actual),
  formatSigned(f.committed),
  formatSigned(f.forecastOutturn),
  varianceText(f.variance),
];

export async function monitoringPage(ctx: PageContext, potId: string): Promise<void> {
  const today = todayIso();
  const { financialYear, quarter } = monitoringPeriod(today, {
    financialYear: ctx.params.get('financialYear'),
    quarter: ctx.params.get('quarter'),
  });
  const pot = await getJson<PotView>(`/v1/pots/${encodeURIComponent(potId)}`, ctx.session.token);
  const header = [
    ...poolHeader(pot, `${pot.name}: quarterly monitoring`, 'monitoring'),
    periodForm(potId, today, financialYear, quarter),
  ];
  const report = await poolAnswer<MonitoringReport>(
    ctx,
    poolPaths.monitoring(potId, financialYear, quarter),
    header,
  );
  if (report === null) return;
  const withheld = (
    (report as MonitoringReport & { redacted?: readonly string[] }).redacted ?? []
  ).includes('schemes[].explanation');
  const headline = overspendHeadline(report);
  const n = FIGURES.length;
  const numeric = Array.from({ length: n }, (_, i) => i + 1);

  ctx.main.replaceChildren(
    ...header,
    h(
      'h2',
      { 'data-testid': 'period' },
      `${report.financialYear}, quarter ${report.quarter}: to ${formatLongDate(report.quarterEnd)}`,
    ),
    report.spendTracking
      ? ''
      : h(
          'p',
          {},
          'Spend tracking is off for this pot: actual spend and commitments are not recorded, so they show as £0.00.',
        ),
    headline === null
      ? h(
          'p',
          { 'data-testid': 'no-overspend' },
          'No scheme is overspending at the end of this quarter.',
        )
      : warningText(headline, { 'data-testid': 'overspend-headline' }),
    csvDownload(
      poolPaths.monitoring(potId, financialYear, quarter, true),
      csvFileName('monitoring', financialYear, quarter),
      ctx.session.token,
    ),
    h('h2', {}, 'Schemes'),
    table(
      `Each scheme at the end of quarter ${report.quarter}: budget, actual spend, outstanding commitments, forecast outturn and variance`,
      ['Scheme', 'Funding source', ...FIGURES, 'Explanation'],
      report.schemes.map((s) => [
        h(
          'span',
          {},
          s.name,
          s.overspent ? tag('Overspending', 'red') : '',
          s.schemeType === null ? '' : h('span', { class: 'hint' }, h('br'), s.schemeType),
        ),
        labelOf(FUNDING_SOURCE_LABELS, s.fundingSource),
        ...figures(s).slice(0, 3),
        s.forecastIsBudget
          ? h(
              'span',
              {},
              formatSigned(s.forecastOutturn),
              h('br'),
              h('span', { class: 'hint' }, 'no forecast: the budget'),
            )
          : formatSigned(s.forecastOutturn),
        varianceText(s.variance),
        // null with `redacted`: the API withheld what people wrote from this role (figures only).
        s.explanation ?? (withheld ? 'withheld' : ''),
      ]),
      {
        numeric: numeric.map((i) => i + 1),
        footer: ['Total', '', ...figures(report.totals), ''],
      },
    ),
    h('h2', {}, 'By funding source'),
    table(
      'Totals by funding source',
      ['Funding source', ...FIGURES],
      report.byFundingSource.map((f) => [
        labelOf(FUNDING_SOURCE_LABELS, f.fundingSource),
        ...figures(f),
      ]),
      { numeric, footer: ['Total', ...figures(report.totals)] },
    ),
    h('h2', {}, 'By scheme type'),
    table(
      'Totals by scheme type',
      ['Scheme type', ...FIGURES],
      report.bySchemeType.map((f) => [
        f.schemeType === 'unclassified' ? 'Not classified' : f.schemeType,
        ...figures(f),
      ]),
      { numeric, footer: ['Total', ...figures(report.totals)] },
    ),
    h('h2', {}, 'Contributions'),
    table(
      `Each partner’s contributions for ${report.financialYear}: agreed, received by ${formatLongDate(report.quarterEnd)}, and outstanding`,
      ['Partner', 'Agreed', 'Received', 'Outstanding'],
      report.contributions.map((c) => [
        link(`#/agencies/${encodeURIComponent(c.agencyId)}`, ctx.nameOf(c.agencyId)),
        formatGbp(c.agreed),
        formatGbp(c.received),
        formatGbp(c.outstanding),
      ]),
      { numeric: [1, 2, 3] },
    ),
  );
}

function periodForm(
  potId: string,
  today: string,
  financialYear: string,
  quarter: number,
): HTMLFormElement {
  const years = financialYearChoices(today, 5);
  if (!years.includes(financialYear)) years.push(financialYear);
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Choose the quarter' },
    field(
      'Financial year',
      h(
        'select',
        { name: 'financialYear' },
        ...options(
          years.map((y) => ({ value: y, label: y })),
          financialYear,
        ),
      ),
    ),
    field(
      'Quarter',
      h(
        'select',
        { name: 'quarter' },
        ...options(
          [
            { value: '1', label: 'Quarter 1 (April to June)' },
            { value: '2', label: 'Quarter 2 (July to September)' },
            { value: '3', label: 'Quarter 3 (October to December)' },
            { value: '4', label: 'Quarter 4 (January to March)' },
          ],
          String(quarter),
        ),
      ),
    ),
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const fy = (form.elements.namedItem('financialYear') as HTMLSelectElement).value;
    const q = (form.elements.namedItem('quarter') as HTMLSelectElement).value;
    window.location.hash = `#/pots/${encodeURIComponent(potId)}/monitoring?financialYear=${fy}&quarter=${q}`;
  });
  return form;
}
