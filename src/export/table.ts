/**
 * A table a finance officer takes away: named columns, each of one kind, and rows of cells.
 * One table gives both downloads, so the CSV and the .xlsx of an answer never differ: the CSV
 * (csv.ts: quoting, formula defusing) and the workbook (xlsx.ts: numbers with a £ format).
 */
import { toCsv, type CsvValue } from './csv.ts';

/**
 * What a column holds. `money`: an amount (a plain decimal, `csvDecimal`), written to a
 * workbook as a number in pounds; `ratio`: a decimal ratio (4 dp); `count`: a whole number;
 * `date`: a `YYYY-MM-DD` business date; `text`: anything else.
 */
export type ColumnKind = 'text' | 'money' | 'ratio' | 'count' | 'date';

export interface ExportColumn {
  readonly header: string;
  readonly kind: ColumnKind;
}

export interface ExportTable {
  /** The worksheet's name (at most 31 characters, as Excel allows). */
  readonly sheet: string;
  readonly columns: readonly ExportColumn[];
  readonly rows: readonly (readonly CsvValue[])[];
}

/** Columns from [header, kind] pairs, the way the table builders write them. */
export function columns(
  pairs: readonly (readonly [header: string, kind: ColumnKind])[],
): ExportColumn[] {
  return pairs.map(([header, kind]) => ({ header, kind }));
}

/** The table as a CSV file (a CSV holds one table: a download of several gives the first). */
export function tableCsv(table: ExportTable): string {
  return toCsv(
    table.columns.map((c) => c.header),
    table.rows,
  );
}
