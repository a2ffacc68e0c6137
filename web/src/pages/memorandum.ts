/**
 * The memorandum account (#/pots/<id>/memorandum?financialYear=): the pooled budget note each
 * partner puts in its accounts. Per partner lines, expenditure by scheme with each partner's
 * funding of it, the totals, and the closing balance reached two independent ways.
 */
import { getJson, type BooksReading } from '../api.ts';
import { asAtPanel } from '../books.ts';
import type { PageContext, PotView } from '../context.ts';
import { settlementYear } from '../dates.ts';
import { h, table } from '../dom.ts';
import { todayIso } from '../forms.ts';
import { csvDownload, summaryList, tag, warningText } from '../govuk.ts';
import {
  csvFileName,
  formatSigned,
  poolPaths,
  reconciliationText,
  type Memorandum,
} from '../poolYear.ts';
import { poolAnswer, poolHeader } from './poolFund.ts';
import { yearForm } from './settlement.ts';

export async function memorandumPage(ctx: PageContext, potId: string): Promise<void> {
  const today = todayIso();
  const financialYear = settlementYear(today, ctx.params.get('financialYear'));
  const pot = await getJson<PotView>(`/v1/pots/${encodeURIComponent(potId)}`, ctx.session.token);
  const header = [
    ...poolHeader(pot, `${pot.name}: memorandum account`, 'memorandum'),
    yearForm(potId, 'memorandum', today, financialYear),
  ];
  let reading: BooksReading = { position: null, asAt: null };
  const memo = await poolAnswer<Memorandum>(
    ctx,
    poolPaths.memorandum(potId, financialYear),
    header,
    (r) => (reading = r),
  );
  if (memo === null) return;
  const r = memo.reconciliation;
  const partnerColumns: [string, (p: Memorandum['partners'][number]) => string][] = [
    ['Opening balance', (p) => p.openingBalance],
    ['Contributions', (p) => p.contributions],
    ['Share of expenditure', (p) => p.shareOfExpenditure],
    ['Share of deficit', (p) => p.shareOfDeficit],
    ['Share of surplus', (p) => p.shareOfSurplus],
    ['Returned', (p) => p.returned],
    ['Risk share paid', (p) => p.riskSharePaid],
    ['Owed by the pot', (p) => p.owedByPot],
    ['Owed to the pot', (p) => p.owedToPot],
    ['Closing balance', (p) => p.closingBalance],
    ['Carried forward', (p) => p.carriedForward],
  ];
  const partnerIds = [
    ...new Set(memo.expenditureByScheme.flatMap((s) => s.funding.map((f) => f.agencyId))),
  ];

  ctx.main.replaceChildren(
    ...header,
    asAtPanel(reading, today),
    h(
      'h2',
      {},
      `${memo.financialYear}`,
      memo.settled ? tag('Settled', 'green') : tag('Not settled yet', 'grey'),
    ),
    memo.settled
      ? h(
          'p',
          {},
          `From the settlement recorded as event ${memo.settlementEventId ?? ''}. Hosted by ${ctx.nameOf(memo.hostAgencyId)}, which keeps the pool’s accounts.`,
        )
      : h(
          'p',
          {},
          `The year is not settled, so these are the figures to date: shares of any surplus or deficit follow from the settlement. Hosted by ${ctx.nameOf(memo.hostAgencyId)}.`,
        ),
    csvDownload(
      poolPaths.memorandum(potId, financialYear, true),
      csvFileName('memorandum', financialYear),
      ctx.session.token,
    ),
    h('h2', {}, 'Reconciliation'),
    r.agrees
      ? ''
      : warningText(reconciliationText(memo), { 'data-testid': 'reconciliation-warning' }),
    summaryList(
      [
        ['Closing balance from the partners’ lines', formatSigned(r.closingBalanceFromPartners)],
        ['Closing balance from the pot’s own totals', formatSigned(r.closingBalanceFromPot)],
        ['Agreed', r.agrees ? tag('Agrees', 'green') : tag('Does not agree', 'red')],
      ],
      { 'data-testid': 'reconciliation' },
    ),
    r.agrees ? h('p', {}, reconciliationText(memo)) : '',
    h('h2', {}, 'Each partner'),
    table(
      `Memorandum account for ${memo.financialYear}: each partner’s lines`,
      ['Partner', ...partnerColumns.map(([label]) => label)],
      memo.partners.map((p) => [
        ctx.nameOf(p.agencyId),
        ...partnerColumns.map(([, pick]) => formatSigned(pick(p))),
      ]),
      { numeric: partnerColumns.map((_, i) => i + 1) },
    ),
    h('h2', {}, 'Expenditure by scheme'),
    table(
      `Expenditure by scheme in ${memo.financialYear}, and each partner’s funding of it`,
      ['Scheme', 'Spent', ...partnerIds.map((id) => ctx.nameOf(id))],
      memo.expenditureByScheme.map((s) => [
        s.name,
        formatSigned(s.spent),
        ...partnerIds.map((id) =>
          formatSigned(s.funding.find((f) => f.agencyId === id)?.amount ?? '0.00'),
        ),
      ]),
      { numeric: [1, ...partnerIds.map((_, i) => i + 2)] },
    ),
    h('h2', {}, 'Totals'),
    summaryList([
      ['Opening balance', formatSigned(memo.totals.openingBalance)],
      ['Contributions', formatSigned(memo.totals.contributions)],
      ['Expenditure', formatSigned(memo.totals.expenditure)],
      ['Returned', formatSigned(memo.totals.returned)],
      ['Risk share paid', formatSigned(memo.totals.riskSharePaid)],
      ['Closing balance', formatSigned(memo.totals.closingBalance)],
    ]),
  );
}
