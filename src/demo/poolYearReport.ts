/**
 * The pooled-fund year demo's words: Q1–Q4 monitoring, the settlement step by step, what each
 * partner owed and paid, and the memorandum account's reconciliation. Pure functions from the
 * scenario's record (the API's answers) to text.
 */
import { formatAmount, formatPounds, money, sum } from '../../events/money.ts';
import { renderTable } from './flowsTable.ts';
import { counted } from '../cli/counted.ts';
import { BCF_SOURCE, POOL_SCHEMES, POOL_YEAR, type PoolYearRecord } from './poolYearScenario.ts';

const pounds = (amount: string | undefined): string =>
  amount === undefined ? '-' : formatPounds(money(amount));
const right = (header: string) => ({ header, align: 'right' as const });

export function renderPoolYear(
  record: PoolYearRecord,
  nameOf: (agencyId: string) => string,
): string {
  const schemeName = (interventionId: string) =>
    POOL_SCHEMES.find((s) => record.interventionIds[s.key] === interventionId)?.name ??
    interventionId;
  const sections: string[] = [];
  sections.push(
    `Agreement version ${record.agreementVersion}: spend tracked, overspend warned, covered from the pot, then shared pro rata to ${POOL_YEAR} contributions, ${nameOf('nhs-mid-essex')} capped; underspend carried forward.`,
  );
  if (record.overspendFlags.length > 0)
    sections.push(
      `Overspends flagged as the invoices were paid: ${record.overspendFlags.map((f) => `${f.invoiceRef} over by ${pounds(f.overBy)}`).join('; ')}.`,
    );
  for (const report of record.monitoring) {
    sections.push(
      `Monitoring ${POOL_YEAR} Q${report.quarter} (GET …/monitoring?financialYear=${POOL_YEAR}&quarter=${report.quarter}):\n` +
        indent(
          renderTable(
            [
              { header: 'Scheme', align: 'left' },
              right('Budget'),
              right('Actual'),
              right('Committed'),
              right('Forecast'),
              right('Variance'),
              { header: 'Flag', align: 'left' },
            ],
            [
              ...report.schemes.map((s) => [
                schemeName(s.interventionId),
                pounds(s.budget),
                pounds(s.actual),
                pounds(s.committed),
                pounds(s.forecastOutturn),
                pounds(s.variance),
                s.overspent ? 'OVERSPENT' : '',
              ]),
              [
                'Total',
                pounds(report.totals.budget),
                pounds(report.totals.actual),
                pounds(report.totals.committed),
                pounds(report.totals.forecastOutturn),
                pounds(report.totals.variance),
                '',
              ],
            ],
            { footerRows: 1 },
          ),
        ),
    );
  }
  const s = record.settlement;
  const { eventId: _eventId, position: _position, ...settled } = s;
  const previewAgrees = JSON.stringify(settled) === JSON.stringify(record.preview);
  const lines = (parts: readonly { agencyId: string; amount: string }[]) =>
    parts.length === 0
      ? '-'
      : parts.map((p) => `${nameOf(p.agencyId)} ${pounds(p.amount)}`).join(', ');
  sections.push(
    `Year-end settlement ${POOL_YEAR} (POST …/financial-years/${POOL_YEAR}/settle; ${previewAgrees ? 'the preview answered the same' : 'THE PREVIEW ANSWERED DIFFERENTLY'}):\n` +
      s.schemes
        .map(
          (scheme) =>
            `  ${schemeName(scheme.interventionId)}: budget ${pounds(scheme.budget)}, spent ${pounds(scheme.spent)}` +
            (money(scheme.underspend).gt(0)
              ? `, underspend ${pounds(scheme.underspend)} released: ${lines(scheme.released)}`
              : '') +
            (money(scheme.overspend).gt(0)
              ? `, overspend ${pounds(scheme.overspend)}: covered from the pot ${lines(scheme.covered)}; shared ${lines(scheme.shared)}`
              : ''),
        )
        .join('\n') +
      `\n  Owed by the partners: ${lines(s.owedByPartners)}\n  Paid (contributions marked riskShareFor ${POOL_YEAR}): ${lines(record.payments)}`,
  );
  const m = record.memorandum.reconciliation;
  const line = (p: Record<string, unknown>, field: string) =>
    pounds(p[field] as string | undefined);
  sections.push(
    `Memorandum account ${POOL_YEAR} (GET …/memorandum?financialYear=${POOL_YEAR}), each partner's note at 31 March:\n` +
      indent(
        renderTable(
          [
            { header: 'Partner', align: 'left' },
            right('Contributions'),
            right('Share of expenditure'),
            right('Share of deficit'),
            right('Owed to the pot'),
            right('Closing balance'),
          ],
          record.memorandum.partners.map((p) => [
            nameOf(p.agencyId as string),
            line(p, 'contributions'),
            line(p, 'shareOfExpenditure'),
            line(p, 'shareOfDeficit'),
            line(p, 'owedToPot'),
            line(p, 'closingBalance'),
          ]),
        ),
      ) +
      `\n  Closing balance from the partners' lines ${pounds(m.closingBalanceFromPartners)}, from the pot's own cash ${pounds(m.closingBalanceFromPot)}: ${m.agrees ? 'they agree' : 'THEY DO NOT AGREE'}.`,
  );
  const q4 = record.monitoring.at(-1);
  if (q4?.minimums !== undefined)
    sections.push(
      `Better Care Fund minimums at Q4 (${BCF_SOURCE}):\n` +
        q4.minimums
          .map(
            (row) =>
              `  ${row.fundingStream} from ${nameOf(row.agencyId)}: required ${pounds(row.required)}, received ${pounds(row.received)}` +
              (row.flagged ? `, SHORTFALL ${pounds(row.shortfall)}` : ''),
          )
          .join('\n'),
    );
  const r = record.bcfReturn;
  sections.push(
    `Better Care Fund end-of-year return ${POOL_YEAR}, ${r.healthAndWellbeingBoard} HWB (GET …/bcf-return?financialYear=${POOL_YEAR}; CSV per sheet with format=csv&sheet=income|expenditure):\n` +
      r.income
        .map(
          (row) =>
            `  income ${row.fundingStream}: planned ${pounds(row.planned)}, actual ${pounds(row.actual)}`,
        )
        .join('\n') +
      `\n  Totals: income planned ${pounds(r.totals.incomePlanned)}, actual ${pounds(r.totals.incomeActual)}; expenditure planned ${pounds(r.totals.expenditurePlanned)}, actual ${pounds(r.totals.expenditureActual)}` +
      (q4 === undefined
        ? ''
        : ` (Q4 monitoring: budget ${pounds(q4.totals.budget!)}, actual ${pounds(q4.totals.actual!)}: ${q4.totals.budget === r.totals.expenditurePlanned && q4.totals.actual === r.totals.expenditureActual ? 'they agree' : 'THEY DO NOT AGREE'})`),
  );
  sections.push(
    `Partner journals ${POOL_YEAR} (GET …/journals/:agencyId?financialYear=${POOL_YEAR}, or potledger journals; CSV with format=csv):\n` +
      record.journals
        .map((j) => {
          const m = j.memorandum as Record<string, string>;
          const debit = (type: string) =>
            sum(
              j.lines
                .filter((l) => l.lineType === type)
                .map((l) => money(l.debit).minus(money(l.credit))),
            );
          const expenditure = debit('expenditure')
            .plus(debit('deficitShare'))
            .plus(debit('surplusShare'));
          const agrees =
            j.totals.debit === j.totals.credit &&
            formatAmount(expenditure) === m.shareOfExpenditure &&
            formatAmount(debit('contribution').negated()) === m.contributions;
          return (
            `  ${nameOf(j.agencyId)}: ${counted(j.lines.length, 'line')}, ${j.mapped ? 'on its own ledger codes' : 'coded by line type (no mapping)'}; ` +
            `debits ${pounds(j.totals.debit)} = credits ${pounds(j.totals.credit)}; ` +
            `expenditure ${pounds(formatAmount(expenditure))} and contributions ${pounds(m.contributions)} as in its memorandum line: ${agrees ? 'they agree' : 'THEY DO NOT AGREE'}`
          );
        })
        .join('\n'),
  );
  return `${sections.join('\n\n')}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
}
