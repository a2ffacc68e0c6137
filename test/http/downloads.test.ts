/**
 * Downloads of the tables a finance officer takes away — the pot, flows, balances, the
 * statement, monitoring — as CSV and as an Excel workbook (format=csv|xlsx, or Accept). The
 * workbooks are read back with exceljs: amounts are numbers with the £ format, the totals are
 * the JSON answer's, agencies are named, and a figures-only reader's file names nobody.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { POUNDS_NUMBER_FORMAT, XLSX_CONTENT_TYPE } from '../../src/export/xlsx.ts';
import {
  allocate,
  contribute,
  expectProblem,
  expectWritten,
  recordOutcome,
  useSharedScenario,
  type Ctx,
  type Response,
} from './helpers.ts';

/** The reason the fixture writes names a person, so a leaked reason is a leaked name. */
const REASON = 'Paid twice, spotted by pete';
const PERSON = /\b(alice|bob|carol|ivy|rita|nina|pete)\b/;

const ctx = useSharedScenario({
  prepare: async (c) => {
    const twice = expectWritten(await contribute(c, c.tokens.police, 'essex-police', '1000.00'), [
      'contributionId',
    ]);
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.police, {
        eventId: twice.eventId,
        reason: REASON,
        effectiveDate: '2025-06-02',
      }),
      ['amount', 'reversedEventId', 'type'],
    );
    expectWritten(await allocate(c, '100000.00'), ['allocationId', 'fundingShares', 'status']);
    expectWritten(await recordOutcome(c), ['outcomeId', 'flows']);
  },
});

const urls = (c: Ctx) => ({
  pot: `/v1/pots/${c.potId}`,
  flows: `/v1/flows?potId=${c.potId}&financialYear=2025-26`,
  balances: '/v1/agencies/essex-cc/balances',
  statement: `/v1/pots/${c.potId}/statement?financialYear=2025-26`,
  monitoring: `/v1/pots/${c.potId}/monitoring?financialYear=2025-26&quarter=2`,
});

const withFormat = (url: string, format: string) =>
  `${url}${url.includes('?') ? '&' : '?'}format=${format}`;

type Cell = ExcelJS.CellValue;

/** Every worksheet of an answer, as rows of cell values (row 1 the header). */
async function sheetsOf(
  res: Response,
): Promise<Map<string, { rows: Cell[][]; sheet: ExcelJS.Worksheet }>> {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe(XLSX_CONTENT_TYPE);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  const sheets = new Map<string, { rows: Cell[][]; sheet: ExcelJS.Worksheet }>();
  workbook.eachSheet((sheet) => {
    const rows: Cell[][] = [];
    sheet.eachRow((row) => rows.push((row.values as Cell[]).slice(1)));
    sheets.set(sheet.name, { rows, sheet });
  });
  return sheets;
}

/** The row whose first cells are `start`, as a record keyed by the header. */
function rowOf(rows: Cell[][], ...start: Cell[]): Record<string, Cell> {
  const row = rows.find((r) => start.every((value, i) => r[i] === value));
  expect(row, `a row starting ${start.join(', ')}`).toBeDefined();
  return Object.fromEntries(rows[0]!.map((header, i) => [String(header), row![i] ?? null]));
}

const pounds = (text: string) => Number(text);

describe('downloads: .xlsx', () => {
  it('the pot: each partner’s stake by name, amounts as £ numbers, totals equal to the JSON', async () => {
    const c = await ctx();
    const json = (await c.ledger.get(urls(c).pot, c.tokens.reporter)).json();
    const res = await c.ledger.get(withFormat(urls(c).pot, 'xlsx'), c.tokens.reporter);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="pot-${c.potId}.xlsx"`);
    const sheets = await sheetsOf(res);
    expect([...sheets.keys()]).toEqual(['Stakes', 'Interventions']);
    const stakes = sheets.get('Stakes')!;
    expect(stakes.rows[0]).toEqual([
      'row',
      'agencyId',
      'agencyName',
      'contributed',
      'drawn',
      'returned',
      'stake',
    ]);
    const police = rowOf(stakes.rows, 'partner', 'essex-police');
    const policeJson = json.partners.find(
      (p: { agencyId: string }) => p.agencyId === 'essex-police',
    );
    expect(police).toEqual({
      row: 'partner',
      agencyId: 'essex-police',
      agencyName: 'Essex Police',
      contributed: pounds(policeJson.contributed),
      drawn: pounds(policeJson.drawn),
      returned: 0,
      stake: pounds(policeJson.stake),
    });
    expect(rowOf(stakes.rows, 'totals')).toMatchObject({
      contributed: pounds(json.contributed),
      drawn: pounds(json.allocated),
      stake: pounds(json.available),
    });
    // Money cells carry the pound format; the header row is text.
    expect(stakes.sheet.getCell('D2').numFmt).toBe(POUNDS_NUMBER_FORMAT);
    expect(stakes.sheet.getCell('G4').numFmt).toBe(POUNDS_NUMBER_FORMAT);
    expect(typeof stakes.sheet.getCell('D1').value).toBe('string');
    const interventions = sheets.get('Interventions')!;
    expect(rowOf(interventions.rows, 'intervention', c.interventionId)).toMatchObject({
      name: 'Employment support for ex-offenders',
      leadAgencyId: 'essex-probation',
      leadAgencyName: 'Essex Probation',
      funded: 100000,
      benefits: 60000,
    });
  });

  it('flows: investor → beneficiary by name, the total equal to the JSON rows’ sum; ratios to 4 places', async () => {
    const c = await ctx();
    const json = (await c.ledger.get(urls(c).flows, c.tokens.reporter)).json();
    const sheets = await sheetsOf(
      await c.ledger.get(urls(c).flows, c.tokens.reporter, { accept: XLSX_CONTENT_TYPE }),
    );
    const flows = sheets.get('Flows')!.rows;
    expect(flows.length).toBe(json.rows.length + 2);
    const total = json.rows.reduce(
      (sum: number, r: { amount: string }) => sum + Number(r.amount),
      0,
    );
    expect(rowOf(flows, 'totals').amount).toBe(total);
    expect(total).toBe(60000);
    expect(flows.some((r) => r[2] === 'Essex County Council' && r[4] === 'Essex Police')).toBe(
      true,
    );
    const agencies = sheets.get('Agencies')!;
    const council = json.agencies.find((a: { agencyId: string }) => a.agencyId === 'essex-cc');
    expect(rowOf(agencies.rows, 'essex-cc')).toMatchObject({
      agencyName: 'Essex County Council',
      invested: pounds(council.invested),
      returnPerPound: Number(council.returnPerPound),
    });
    expect(agencies.sheet.getCell('F2').numFmt).toBe('0.0000');
  });

  it('balances: a row per pot by name, then the total, net fiscal position beside the unspent stake', async () => {
    const c = await ctx();
    const json = (await c.ledger.get(urls(c).balances, c.tokens.reporter)).json();
    const sheets = await sheetsOf(
      await c.ledger.get(withFormat(urls(c).balances, 'xlsx'), c.tokens.reporter),
    );
    const rows = sheets.get('Balances')!.rows;
    expect(rowOf(rows, 'pot', c.potId).potName).toBe('Essex Reducing Reoffending');
    expect(rowOf(rows, 'total')).toMatchObject({
      contributed: pounds(json.total.contributed),
      stake: pounds(json.total.stake),
      netFiscalPosition: pounds(json.total.netFiscalPosition),
      netFiscalPositionOnMoneySpent: pounds(json.total.netFiscalPositionOnMoneySpent),
    });
    expect(pounds(json.total.netFiscalPosition)).toBeLessThan(0);
  });

  it('the statement: one row per figure, the closing balance equal to the JSON, agencies named', async () => {
    const c = await ctx();
    const json = (await c.ledger.get(urls(c).statement, c.tokens.admin)).json();
    const res = await c.ledger.get(withFormat(urls(c).statement, 'xlsx'), c.tokens.admin);
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="statement-${c.potId}-2025-26.xlsx"`,
    );
    const rows = (await sheetsOf(res)).get('Statement')!.rows;
    expect(rowOf(rows, 'balance', 'closing balance').amount).toBe(pounds(json.closingBalance));
    expect(rowOf(rows, 'contributions', 'received', 'essex-police').agencyName).toBe(
      'Essex Police',
    );
    const reversal = rowOf(rows, 'reversals', 'ContributionReversed');
    expect(reversal).toMatchObject({
      agencyId: 'essex-police',
      agencyName: 'Essex Police',
      amount: 1000,
    });
    expect(String(reversal.note)).toContain(REASON);
  });

  it('monitoring: one row per scheme then the totals, equal to the JSON', async () => {
    const c = await ctx();
    const json = (await c.ledger.get(urls(c).monitoring, c.tokens.reporter)).json();
    const res = await c.ledger.get(withFormat(urls(c).monitoring, 'xlsx'), c.tokens.reporter);
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="monitoring-2025-26-q2.xlsx"',
    );
    const rows = (await sheetsOf(res)).get('Monitoring 2025-26 Q2')!.rows;
    expect(rowOf(rows, 'totals')).toMatchObject({
      budget: pounds(json.totals.budget),
      actual: pounds(json.totals.actual),
      variance: pounds(json.totals.variance),
    });
    expect(rowOf(rows, 'scheme', c.interventionId).name).toBe(
      'Employment support for ex-offenders',
    );
  });

  it('every role reads every download; a figures-only reader’s file names nobody and gives no reason', async () => {
    const c = await ctx();
    const figuresOnly = new Set([c.tokens.reporter, c.tokens.nhs]);
    for (const token of [
      c.tokens.admin,
      c.tokens.cc,
      c.tokens.nhs,
      c.tokens.auditor,
      c.tokens.reporter,
    ]) {
      for (const [name, url] of Object.entries(urls(c))) {
        const sheets = await sheetsOf(await c.ledger.get(withFormat(url, 'xlsx'), token));
        const text = [...sheets.values()]
          .flatMap((s) => s.rows.flat())
          .map((cell) => String(cell))
          .join('\n');
        if (figuresOnly.has(token)) expect(text, name).not.toMatch(PERSON);
        if (name === 'statement') expect(text.includes(REASON)).toBe(!figuresOnly.has(token));
      }
    }
  });
});

describe('downloads: CSV', () => {
  it('the pot, flows, balances and the statement as CSV attachments (format=csv or Accept)', async () => {
    const c = await ctx();
    const expected: Record<string, [string, string]> = {
      pot: [`pot-${c.potId}.csv`, 'row,agencyId,agencyName,contributed,drawn,returned,stake'],
      flows: [
        `flows-pot-${c.potId}-2025-26.csv`,
        'row,fromAgencyId,fromAgencyName,toAgencyId,toAgencyName,amount,cashableAmount',
      ],
      balances: [
        'balances-essex-cc.csv',
        'row,potId,potName,contributed,drawn,returned,stake,benefitsReceived,benefitsReceivedCashable,benefitsReceivedNonCashable,benefitsProducedForOthers,netFiscalPosition,netFiscalPositionOnMoneySpent',
      ],
      statement: [
        `statement-${c.potId}-2025-26.csv`,
        'section,item,agencyId,agencyName,leadAgencyId,leadAgencyName,amount,note',
      ],
      monitoring: ['monitoring-2025-26-q2.csv', 'row,interventionId,name,schemeType'],
    };
    for (const [name, url] of Object.entries(urls(c))) {
      const [filename, header] = expected[name]!;
      for (const res of [
        await c.ledger.get(withFormat(url, 'csv'), c.tokens.reporter),
        await c.ledger.get(url, c.tokens.reporter, { accept: 'text/csv' }),
      ]) {
        expect(res.statusCode, res.body).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/csv/);
        expect(res.headers['content-disposition']).toBe(`attachment; filename="${filename}"`);
        expect(res.body.startsWith(`\uFEFF${header}`), `${name}: ${res.body.slice(0, 200)}`).toBe(
          true,
        );
      }
    }
    const pot = await c.ledger.get(withFormat(urls(c).pot, 'csv'), c.tokens.reporter);
    expect(pot.body).toContain('partner,essex-police,Essex Police,200000.00,');
    // format wins over Accept; JSON stays the default.
    const json = await c.ledger.get(withFormat(urls(c).pot, 'json'), c.tokens.reporter, {
      accept: 'text/csv',
    });
    expect(json.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('downloads: refusals are problem+json, never a file', () => {
  it('400 VALIDATION_FAILED for an unknown format', async () => {
    const c = await ctx();
    for (const url of Object.values(urls(c)))
      expectProblem(
        await c.ledger.get(withFormat(url, 'pdf'), c.tokens.reporter),
        400,
        'VALIDATION_FAILED',
      );
  });

  it('401 UNAUTHENTICATED without a token', async () => {
    const c = await ctx();
    for (const url of Object.values(urls(c)))
      expectProblem(await c.ledger.get(withFormat(url, 'xlsx'), null), 401, 'UNAUTHENTICATED');
  });

  it('404 NOT_FOUND for a pot or an agency that does not exist', async () => {
    const c = await ctx();
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    for (const url of [
      `/v1/pots/${unknown}?format=xlsx`,
      `/v1/pots/${unknown}/statement?financialYear=2025-26&format=xlsx`,
      `/v1/pots/${unknown}/monitoring?financialYear=2025-26&quarter=1&format=csv`,
      '/v1/agencies/nobody-here/balances?format=xlsx',
    ])
      expectProblem(await c.ledger.get(url, c.tokens.reporter), 404, 'NOT_FOUND');
  });
});
