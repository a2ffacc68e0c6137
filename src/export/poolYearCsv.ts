/**
 * The pooled-fund year's CSV files, for a spreadsheet: the quarterly monitoring report and the
 * memorandum account. The HTTP API answers them (format=csv) and the inspectorate pack
 * (potledger audit-pack) holds the memorandum account, from the same code.
 */
import type { MemorandumAccount, MonitoringReport } from '../../projections/poolYearReports.ts';
import type { BcfReturn } from '../../projections/bcfReturn.ts';
import { csvDecimal, toCsv, type CsvValue } from './csv.ts';
import { tableCsv, type ColumnKind, type ExportTable } from './table.ts';

export const MONITORING_CSV_HEADER = [
  'row',
  'interventionId',
  'name',
  'schemeType',
  'fundingSource',
  'expenditure',
  'budget',
  'actual',
  'committed',
  'forecastOutturn',
  'variance',
  'forecastIsBudget',
  'overspent',
  'explanation',
] as const;

export const MEMORANDUM_CSV_HEADER = [
  'agencyId',
  'openingBalance',
  'contributions',
  'shareOfExpenditure',
  'shareOfDeficit',
  'shareOfSurplus',
  'returned',
  'riskSharePaid',
  'owedByPot',
  'owedToPot',
  'closingBalance',
  'carriedForward',
] as const;

const d = (amount: string): CsvValue => csvDecimal(amount);

/** A monitoring report as the reader is shown it: an explanation may be withheld (null). */
export type ReaderMonitoringReport = Omit<MonitoringReport, 'schemes'> & {
  schemes: readonly (Omit<MonitoringReport['schemes'][number], 'explanation'> & {
    explanation: string | null;
  })[];
};

const MONITORING_COLUMN_KINDS: Record<(typeof MONITORING_CSV_HEADER)[number], ColumnKind> = {
  row: 'text',
  interventionId: 'text',
  name: 'text',
  schemeType: 'text',
  fundingSource: 'text',
  expenditure: 'text',
  budget: 'money',
  actual: 'money',
  committed: 'money',
  forecastOutturn: 'money',
  variance: 'money',
  forecastIsBudget: 'text',
  overspent: 'text',
  explanation: 'text',
};

/** Monitoring, one row per scheme then a totals row; a withheld explanation stays empty. */
export function monitoringCsv(report: ReaderMonitoringReport): string {
  return tableCsv(monitoringTable(report));
}

/** The same rows as a table, for the workbook download. */
export function monitoringTable(report: ReaderMonitoringReport): ExportTable {
  const rows: CsvValue[][] = report.schemes.map((s) => [
    'scheme',
    s.interventionId,
    s.name,
    s.schemeType,
    s.fundingSource,
    s.expenditure,
    d(s.budget),
    d(s.actual),
    d(s.committed),
    d(s.forecastOutturn),
    d(s.variance),
    String(s.forecastIsBudget),
    String(s.overspent),
    s.explanation,
  ]);
  const t = report.totals;
  rows.push([
    'totals',
    null,
    null,
    null,
    null,
    null,
    d(t.budget),
    d(t.actual),
    d(t.committed),
    d(t.forecastOutturn),
    d(t.variance),
    null,
    null,
    null,
  ]);
  return {
    sheet: `Monitoring ${report.financialYear} Q${report.quarter}`,
    columns: MONITORING_CSV_HEADER.map((header) => ({
      header,
      kind: MONITORING_COLUMN_KINDS[header],
    })),
    rows,
  };
}

export function memorandumCsv(account: MemorandumAccount): string {
  return toCsv(
    MEMORANDUM_CSV_HEADER,
    account.partners.map((p) => [
      p.agencyId,
      ...MEMORANDUM_CSV_HEADER.slice(1).map((field) =>
        d(p[field as Exclude<typeof field, 'agencyId'>]),
      ),
    ]),
  );
}

export const BCF_INCOME_CSV_HEADER = ['row', 'fundingStream', 'planned', 'actual'] as const;
export const BCF_EXPENDITURE_CSV_HEADER = [
  'row',
  'schemeType',
  'fundingStream',
  'commissioner',
  'planned',
  'actual',
] as const;
export const BCF_RETURN_SHEETS = ['income', 'expenditure'] as const;
export type BcfReturnSheet = (typeof BCF_RETURN_SHEETS)[number];

/** One sheet of the Better Care Fund return: its rows, then a totals row. */
export function bcfReturnCsv(answer: BcfReturn, sheet: BcfReturnSheet): string {
  const t = answer.totals;
  if (sheet === 'income')
    return toCsv(BCF_INCOME_CSV_HEADER, [
      ...answer.income.map((r): CsvValue[] => [
        'income',
        r.fundingStream,
        d(r.planned),
        d(r.actual),
      ]),
      ['totals', null, d(t.incomePlanned), d(t.incomeActual)],
    ]);
  return toCsv(BCF_EXPENDITURE_CSV_HEADER, [
    ...answer.expenditure.map((r): CsvValue[] => [
      'expenditure',
      r.schemeType,
      r.fundingStream,
      r.commissioner,
      d(r.planned),
      d(r.actual),
    ]),
    ['totals', null, null, null, d(t.expenditurePlanned), d(t.expenditureActual)],
  ]);
}
