/**
 * Quarterly monitoring (#/pots/<id>/monitoring?financialYear=&quarter=): what a pool manager
 * takes to the board each quarter. Per scheme budget, actual, committed, forecast outturn,
 * variance and explanation, overspending schemes flagged; totals by funding source and scheme
 * type; contributions agreed, received and outstanding per partner; the same as CSV. On a
 * Better Care Fund pot, the year's required minimums against what was received (shortfalls
 * tagged) and the end-of-year return's two sheets as CSV.
 */
import { getJson, type BooksReading } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { formatLongDate, monitoringPeriod } from '../dates.ts';
import { asAtPanel, tableDownloads } from '../books.ts';
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
import { financialYearField, poolAnswer, poolHeader } from './poolFund.ts';

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
  let reading: BooksReading = { position: null, asAt: null };
  const report = await poolAnswer<MonitoringReport>(
    ctx,
    poolPaths.monitoring(potId, financialYear, quarter),
    header,
    (r) => (reading = r),
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
    asAtPanel(reading, today),
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
    tableDownloads(
      poolPaths.monitoring(potId, financialYear, quarter),
      csvFileName('monitoring', financialYear, quarter).replace(/\.csv$/, ''),
      ctx.session.token,
      'the monitoring report',
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
    ...bcfSection(ctx, potId, report),
  );
}

/** A Better Care Fund pot's minimums and its return's CSV sheets; nothing for any other pot. */
function bcfSection(ctx: PageContext, potId: string, report: MonitoringReport): (Node | string)[] {
  if (report.minimums === undefined) return [];
  return [
    h('h2', {}, 'Better Care Fund minimums'),
    report.minimums.length === 0
      ? h(
          'p',
          { 'data-testid': 'no-minimums' },
          `No minimums are recorded for ${report.financialYear}.`,
        )
      : table(
          `Each required minimum for ${report.financialYear} against what was received by ${formatLongDate(report.quarterEnd)}`,
          ['Funding stream', 'Paid by', 'Required', 'Received', 'Shortfall'],
          report.minimums.map((m) => [
            labelOf(FUNDING_SOURCE_LABELS, m.fundingStream),
            ctx.nameOf(m.agencyId),
            formatGbp(m.required),
            formatGbp(m.received),
            m.flagged
              ? h('span', {}, formatGbp(m.shortfall), ' ', tag('Shortfall', 'red'))
              : tag('Met', 'green'),
          ]),
          { numeric: [2, 3, 4] },
        ),
    h('h2', {}, 'End-of-year return'),
    h(
      'p',
      {},
      'Income by funding stream and expenditure by scheme type, funding stream and commissioner, planned against actual, one sheet at a time:',
    ),
    h(
      'div',
      { 'data-testid': 'bcf-return-income' },
      h('h3', {}, 'Income sheet'),
      csvDownload(
        poolPaths.bcfReturn(potId, report.financialYear, 'income'),
        csvFileName('bcf-return-income', report.financialYear),
        ctx.session.token,
      ),
    ),
    h(
      'div',
      { 'data-testid': 'bcf-return-expenditure' },
      h('h3', {}, 'Expenditure sheet'),
      csvDownload(
        poolPaths.bcfReturn(potId, report.financialYear, 'expenditure'),
        csvFileName('bcf-return-expenditure', report.financialYear),
        ctx.session.token,
      ),
    ),
  ];
}

function periodForm(
  potId: string,
  today: string,
  financialYear: string,
  quarter: number,
): HTMLFormElement {
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Choose the quarter' },
    financialYearField(today, financialYear, 5),
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
