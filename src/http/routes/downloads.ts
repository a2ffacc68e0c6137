/**
 * Downloads of the tables a finance officer takes away (the pot, flows, balances, the statement,
 * monitoring): JSON by default; CSV with `format=csv` or `Accept: text/csv`; an Excel workbook
 * with `format=xlsx` or `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`.
 * `format` wins over Accept. A download is an attachment with a file name, built from the very
 * answer the JSON gives the same reader (the read policy already applied).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CSV_CONTENT_TYPE } from '../../export/csv.ts';
import { tableCsv, type ExportTable } from '../../export/table.ts';
import { toXlsx, XLSX_CONTENT_TYPE } from '../../export/xlsx.ts';

export type DownloadFormat = 'json' | 'csv' | 'xlsx';

export const DownloadQuery = {
  format: z
    .enum(['json', 'csv', 'xlsx'])
    .optional()
    .describe(
      'csv or xlsx (an Excel workbook, amounts as £ numbers) to download the table; or send Accept: text/csv or the xlsx media type',
    ),
};

export const DOWNLOAD_PRODUCES = ['application/json', 'text/csv', XLSX_CONTENT_TYPE];

const ACCEPTS_XLSX = /\bapplication\/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet\b/i;
const ACCEPTS_CSV = /\btext\/csv\b/i;

export function wantedFormat(
  request: FastifyRequest,
  format: DownloadFormat | undefined,
): DownloadFormat {
  if (format !== undefined) return format;
  const accept = request.headers.accept ?? '';
  if (ACCEPTS_XLSX.test(accept)) return 'xlsx';
  if (ACCEPTS_CSV.test(accept)) return 'csv';
  return 'json';
}

/**
 * Sends the tables as `<basename>.csv` (the first table: a CSV holds one) or `<basename>.xlsx`
 * (one worksheet per table).
 */
export async function sendTables(
  reply: FastifyReply,
  format: 'csv' | 'xlsx',
  basename: string,
  tables: readonly ExportTable[],
): Promise<FastifyReply> {
  const first = tables[0];
  if (first === undefined) throw new Error('invariant: a download with no table');
  const body = format === 'csv' ? tableCsv(first) : await toXlsx(tables);
  return reply
    .type(format === 'csv' ? CSV_CONTENT_TYPE : XLSX_CONTENT_TYPE)
    .header('content-disposition', `attachment; filename="${basename}.${format}"`)
    .send(body);
}
