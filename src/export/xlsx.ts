/**
 * Tables as an Excel workbook (.xlsx, written by exceljs), one worksheet per table, for a
 * finance officer who wants to add the figures up rather than retype them.
 *
 * - Amounts are numbers with a pound format (`"£"#,##0.00;-"£"#,##0.00`), so they sum and sort
 *   as money; the ledger's own totals are written as numbers too (not formulas), so the file
 *   says exactly what the JSON answer says. An amount is at most £1,000,000,000,000.00, 15
 *   significant digits, which a spreadsheet's double holds to the penny.
 * - Ratios are numbers to 4 places, counts whole numbers.
 * - Business dates (`YYYY-MM-DD` columns) are real dates shown as "14 April 2025"; dates inside
 *   free text (a note "as at 2025-04-01") stay ISO text.
 * - Text is written as text: a workbook cell holds a formula only when it is written as one, so
 *   a stored reason reading `=HYPERLINK(…)` is shown, never run (no leading quote is needed, as
 *   it is in CSV). Hidden characters are made visible, as in the CSV.
 */
import ExcelJS from 'exceljs';
import { revealHiddenCharacters } from '../../events/hiddenCharacters.ts';
import type { CsvValue } from './csv.ts';
import type { ColumnKind, ExportTable } from './table.ts';

export const XLSX_CONTENT_TYPE =
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const POUNDS_NUMBER_FORMAT = '"£"#,##0.00;-"£"#,##0.00';
export const RATIO_NUMBER_FORMAT = '0.0000';
export const COUNT_NUMBER_FORMAT = '0';
export const DATE_NUMBER_FORMAT = 'd mmmm yyyy';
/** Excel's own limit on rows in a worksheet, less the header row. */
export const MAX_XLSX_ROWS = 1_048_575;
const MAX_SHEET_NAME_CHARS = 31;
const MAX_COLUMN_WIDTH_CHARS = 60;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

const FORMATS: Record<ColumnKind, string | undefined> = {
  text: undefined,
  money: POUNDS_NUMBER_FORMAT,
  ratio: RATIO_NUMBER_FORMAT,
  count: COUNT_NUMBER_FORMAT,
  date: DATE_NUMBER_FORMAT,
};

function cellValue(kind: ColumnKind, value: CsvValue): string | number | Date | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return Number(value.decimal);
  if (kind === 'date') {
    const match = DATE_PATTERN.exec(value);
    if (match !== null) return new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!));
  }
  return revealHiddenCharacters(value);
}

function displayWidth(value: string | number | Date | null, kind: ColumnKind): number {
  if (value === null) return 0;
  if (kind === 'date') return 17;
  if (typeof value === 'number') return value.toFixed(2).length + 4;
  return String(value).length;
}

/** The workbook's bytes: one worksheet per table, header row bold and frozen. */
export async function toXlsx(tables: readonly ExportTable[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'potledger';
  for (const table of tables) {
    if (table.rows.length > MAX_XLSX_ROWS)
      throw new RangeError(`${table.rows.length} rows: a worksheet holds at most ${MAX_XLSX_ROWS}`);
    const sheet = workbook.addWorksheet(table.sheet.slice(0, MAX_SHEET_NAME_CHARS), {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    const widths = table.columns.map((c) => c.header.length);
    sheet.addRow(table.columns.map((c) => c.header)).font = { bold: true };
    for (const row of table.rows) {
      if (row.length !== table.columns.length)
        throw new RangeError(
          `a row has ${row.length} cells; the table has ${table.columns.length} columns`,
        );
      const values = row.map((cell, i) => cellValue(table.columns[i]!.kind, cell));
      values.forEach((v, i) => {
        widths[i] = Math.max(widths[i]!, displayWidth(v, table.columns[i]!.kind));
      });
      sheet.addRow(values);
    }
    table.columns.forEach((column, i) => {
      const sheetColumn = sheet.getColumn(i + 1);
      sheetColumn.width = Math.min(widths[i]! + 2, MAX_COLUMN_WIDTH_CHARS);
      const format = FORMATS[column.kind];
      if (format !== undefined)
        sheetColumn.eachCell((cell, rowNumber) => {
          if (rowNumber > 1) cell.numFmt = format;
        });
    });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
