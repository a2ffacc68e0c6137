/**
 * A partner's journal as CSV (docs/pooled-fund-year.md, "Partner journals"): one row per line,
 * ready to load into the partner's finance system or open in a spreadsheet (byte order mark,
 * CRLF, text defused, amounts as plain decimals). No totals row, so the debit column sums to
 * the credit column.
 */
import type { PartnerJournal } from '../../projections/partnerJournal.ts';
import { csvDecimal, toCsv } from './csv.ts';

export const JOURNAL_CSV_HEADER = [
  'financialYear',
  'agencyId',
  'lineType',
  'schemeId',
  'costCentre',
  'accountCode',
  'description',
  'debit',
  'credit',
] as const;

export function journalCsv(journal: PartnerJournal): string {
  return toCsv(
    JOURNAL_CSV_HEADER,
    journal.lines.map((line) => [
      journal.financialYear,
      journal.agencyId,
      line.lineType,
      line.schemeId ?? null,
      line.costCentre,
      line.accountCode,
      line.description,
      csvDecimal(line.debit),
      csvDecimal(line.credit),
    ]),
  );
}
