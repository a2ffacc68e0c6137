/**
 * The memorandum statement as one table a spreadsheet can total: one row per figure. Served by
 * GET /v1/pots/:potId/statement (format=csv or xlsx) and written into the inspectorate pack
 * (statement.csv), from the same rows.
 *
 * Columns: the agency a figure belongs to (id and name: a partner's contribution, stake or
 * benefit, the contributor of a reversed contribution), and for an intervention's rows its lead
 * agency in a column of its own (the lead agency leads the work; the money is the pot's, not
 * the lead's). A reversal's note gives its reason only when the reader may see reasons (the
 * statement passed in is the reader's view, with reasons withheld as null).
 */
import type { PotStatement } from '../../projections/potStatement.ts';
import { csvDecimal, type CsvValue } from './csv.ts';
import { columns, type ExportTable } from './table.ts';

export const STATEMENT_COLUMNS = columns([
  ['section', 'text'],
  ['item', 'text'],
  ['agencyId', 'text'],
  ['agencyName', 'text'],
  ['leadAgencyId', 'text'],
  ['leadAgencyName', 'text'],
  ['amount', 'money'],
  ['note', 'text'],
]);

/** A statement reversal line as the reader is shown it: reason and actor may be withheld. */
type ReaderStatement = Omit<PotStatement, 'reversals'> & {
  readonly reversals: readonly (Omit<PotStatement['reversals'][number], 'reason' | 'actor'> & {
    readonly reason: string | null;
  })[];
};

export function statementTable(
  statement: ReaderStatement,
  nameOf: (agencyId: string) => string | null,
): ExportTable {
  const rows: CsvValue[][] = [];
  const row = (
    section: string,
    item: string,
    agencyId: string | null,
    amount: string | null,
    note: string | null = null,
    leadAgencyId: string | null = null,
  ) =>
    rows.push([
      section,
      item,
      agencyId,
      agencyId === null ? null : nameOf(agencyId),
      leadAgencyId,
      leadAgencyId === null ? null : nameOf(leadAgencyId),
      amount === null ? null : csvDecimal(amount),
      note,
    ]);
  row(
    'balance',
    'opening balance',
    null,
    statement.openingBalance,
    `as at ${statement.period.from}`,
  );
  for (const p of statement.partners) {
    row('contributions', 'received', p.agencyId, p.contributionsReceived);
    row('contributions', 'reversed', p.agencyId, p.contributionsReversed);
  }
  row('contributions', 'net', null, statement.contributions.net);
  for (const i of statement.interventions) {
    const lead = i.leadAgencyId;
    row('allocations', `allocated to ${i.name}`, null, i.allocated, i.interventionId, lead);
    row(
      'allocations',
      `reversed from ${i.name}`,
      null,
      i.allocationsReversed,
      i.interventionId,
      lead,
    );
  }
  row('allocations', 'net', null, statement.allocations.net);
  row('returns', 'returned to partners on closing the pot', null, statement.returnedToPartners);
  row('balance', 'closing balance', null, statement.closingBalance, `as at ${statement.period.to}`);
  // Each partner from opening to closing stake, so a spreadsheet can add the rows up.
  for (const p of statement.partners) {
    row('partner stakes', 'opening stake', p.agencyId, p.openingStake);
    row('partner stakes', 'plus contributions received', p.agencyId, p.contributionsReceived);
    row('partner stakes', 'less contributions reversed', p.agencyId, p.contributionsReversed);
    row('partner stakes', 'less drawn by allocations', p.agencyId, p.drawn);
    row('partner stakes', 'plus returned by allocation reversals', p.agencyId, p.drawnReversed);
    row('partner stakes', 'less returned on closing the pot', p.agencyId, p.returned);
    row(
      'partner stakes',
      'closing stake',
      p.agencyId,
      p.closingStake,
      p.shareOfClosingBalance === null ? null : `share ${p.shareOfClosingBalance}`,
    );
  }
  for (const i of statement.interventions)
    row(
      'outcomes',
      `net benefits of ${i.name}`,
      null,
      i.netBenefits,
      `${i.outcomesRecorded} recorded, ${i.outcomesRetracted} retracted`,
      i.leadAgencyId,
    );
  for (const b of statement.benefitsByAgency) {
    row('benefits by agency', 'cashable', b.agencyId, b.cashable);
    row('benefits by agency', 'non-cashable', b.agencyId, b.nonCashable);
  }
  const leadOf = (interventionId: string | null) =>
    statement.interventions.find((i) => i.interventionId === interventionId)?.leadAgencyId ?? null;
  for (const r of statement.reversals)
    row(
      'reversals',
      r.type,
      r.agencyId,
      r.amount,
      `${r.effectiveDate}${r.reason === null ? '' : ` ${r.reason}`} (event ${r.reversedEventId})`,
      leadOf(r.interventionId),
    );
  for (const a of statement.priorPeriodAdjustments) {
    if (a.amount !== null)
      row(
        'prior-period adjustments',
        `${a.type} for ${a.forFinancialYear}`,
        null,
        a.amount,
        `${a.effectiveDate} (event ${a.eventId})`,
      );
  }
  row(
    'status',
    statement.yearClosed ? 'year closed' : 'year open',
    null,
    null,
    statement.potClosedOn === null ? null : `pot closed on ${statement.potClosedOn}`,
  );
  return { sheet: 'Statement', columns: STATEMENT_COLUMNS, rows };
}
