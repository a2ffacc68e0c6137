/**
 * Partner journals over HTTP: POST/GET /v1/pots/:potId/journal-mappings/:agencyId and GET
 * /v1/pots/:potId/journals/:agencyId (docs/pooled-fund-year.md, "Partner journals"). The Essex
 * scenario: council £300,000 and police £200,000 paid in 2025-26; probation a partner with no
 * stake; NHS Mid Essex registered, not a partner.
 */
import { describe, expect, it } from 'vitest';
import {
  allocate,
  contribute,
  describeReadRouteAuth,
  expectInvalid,
  expectProblem,
  expectRefused,
  expectWritten,
  useScenario,
  type Ctx,
  type Json,
} from './helpers.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const AFTER_YEAR_END = () => '2026-04-20T09:00:00.000Z';

const AGREEMENT = {
  reference: 'S75-ESSEX-2025',
  legalBasis: 's75-nhs-act-2006',
  startDate: '2025-04-01',
  poolManager: 'Director of Finance, Essex CC',
  scope: 'Reducing reoffending services',
  boardDecisionRef: 'HWB-2025-03',
  signedOn: '2025-03-20',
  spendTracking: true,
};

const LINES = {
  contribution: { costCentre: 'CC100', accountCode: '4010', description: 'BCF pooled fund' },
  expenditure: { costCentre: 'CC200', accountCode: '5200' },
  surplusShare: { costCentre: 'CC200', accountCode: '5290' },
  poolBalance: { costCentre: 'BS100', accountCode: '1450', description: '=SUM(A1:A9)' },
};

const mappingUrl = (c: Ctx, agencyId = 'essex-cc', potId = c.potId) =>
  `/v1/pots/${potId}/journal-mappings/${agencyId}`;
const journalUrl = (c: Ctx, agencyId = 'essex-cc', potId = c.potId) =>
  `/v1/pots/${potId}/journals/${agencyId}?financialYear=2025-26`;

const totalOf = (lines: Json[], side: 'debit' | 'credit') =>
  lines.reduce((acc, l) => acc + Math.round(Number(l[side]) * 100), 0);

/**
 * Agreement tracking spend; £400,000 allocated to the scenario's intervention (council 240,000,
 * police 160,000); £396,000 spent; 2025-26 settled: the underspend of £4,000 goes back to the
 * stakes 2,400 / 1,600.
 */
async function settledYear(c: Ctx): Promise<void> {
  expectWritten(await c.ledger.post(`/v1/pots/${c.potId}/agreements`, c.tokens.admin, AGREEMENT), [
    'version',
  ]);
  expectWritten(await allocate(c, '400000.00', { effectiveDate: '2025-05-01' }), [
    'allocationId',
    'fundingShares',
    'status',
  ]);
  expectWritten(
    await c.ledger.post(
      `/v1/pots/${c.potId}/interventions/${c.interventionId}/spend`,
      c.tokens.cc,
      {
        amount: '396000.00',
        effectiveDate: '2025-09-01',
        supplier: 'Care Co',
        invoiceRef: 'INV-1',
      },
    ),
    ['spendId'],
  );
  const settled = await c.ledger.post(
    `/v1/pots/${c.potId}/financial-years/2025-26/settle`,
    c.tokens.admin,
    {},
  );
  expect(settled.statusCode, settled.body).toBe(201);
}

describe('journal mappings', () => {
  const ctx = useScenario();

  it('an admin records version 1, the agency’s own finance officer version 2; every role reads them', async () => {
    const c = await ctx();
    expect(
      expectWritten(await c.ledger.post(mappingUrl(c), c.tokens.admin, { lines: LINES }), [
        'agencyId',
        'version',
      ]),
    ).toMatchObject({ agencyId: 'essex-cc', version: 1 });
    const v2 = expectWritten(
      await c.ledger.post(mappingUrl(c), c.tokens.cc, { lines: LINES, replaces: 1 }),
      ['agencyId', 'version', 'replaces'],
    );
    expect(v2).toMatchObject({ version: 2, replaces: 1 });
    for (const token of [
      c.tokens.admin,
      c.tokens.cc,
      c.tokens.police,
      c.tokens.nhs,
      c.tokens.auditor,
      c.tokens.reporter,
    ]) {
      const res = await c.ledger.get(mappingUrl(c), token);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.current).toMatchObject({ version: 2, lines: LINES, eventId: v2.eventId });
      expect(body.versions.map((v: Json) => v.version)).toEqual([1, 2]);
    }
    const audit = await c.ledger.get(`/v1/audit?potId=${c.potId}`, c.tokens.auditor);
    const summaries = (audit.json().entries as Json[]).slice(-2).map((e) => e.summary as string);
    expect(summaries[0]).toMatch(
      /^alice \(admin\) recorded journal mapping version 1 for Essex County Council in Essex Reducing Reoffending: 4 line types$/,
    );
    expect(summaries[1]).toMatch(
      /version 2 for Essex County Council .*: 4 line types, replacing version 1$/,
    );
    const none = (await c.ledger.get(mappingUrl(c, 'essex-police'), c.tokens.reporter)).json();
    expect(none).toMatchObject({ agencyId: 'essex-police', current: null, versions: [] });
  });

  it('403 FORBIDDEN for another partner’s, a non-partner’s finance officer, an auditor, a reporter; 401 without a token; nothing appended', async () => {
    const c = await ctx();
    for (const token of [c.tokens.police, c.tokens.nhs, c.tokens.auditor, c.tokens.reporter])
      await expectRefused(
        c.ledger,
        () => c.ledger.post(mappingUrl(c), token, { lines: LINES }),
        403,
        'FORBIDDEN',
      );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(mappingUrl(c), null, { lines: LINES }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('409 NOT_A_PARTNER, 409 JOURNAL_MAPPING_VERSION_CONFLICT, 404 NOT_FOUND, 400 VALIDATION_FAILED; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => c.ledger.post(mappingUrl(c, 'nhs-mid-essex'), c.tokens.admin, { lines: LINES }),
      409,
      'NOT_A_PARTNER',
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(mappingUrl(c), c.tokens.admin, { lines: LINES, replaces: 1 }),
      409,
      'JOURNAL_MAPPING_VERSION_CONFLICT',
    );
    expectWritten(await c.ledger.post(mappingUrl(c), c.tokens.cc, { lines: LINES }), [
      'agencyId',
      'version',
    ]);
    for (const replaces of [undefined, 2])
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(mappingUrl(c), c.tokens.cc, {
            lines: LINES,
            ...(replaces === undefined ? {} : { replaces }),
          }),
        409,
        'JOURNAL_MAPPING_VERSION_CONFLICT',
      );
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(mappingUrl(c, 'essex-cc', UNKNOWN_ULID), c.tokens.admin, { lines: LINES }),
      404,
      'NOT_FOUND',
    );
    await expectInvalid(
      c.ledger,
      () => c.ledger.post(mappingUrl(c), c.tokens.admin, { lines: { cash: LINES.contribution } }),
      'body.lines',
    );
    await expectInvalid(
      c.ledger,
      () => c.ledger.post(mappingUrl(c), c.tokens.admin, { lines: {} }),
      'body.lines',
    );
    expectProblem(
      await c.ledger.get(mappingUrl(c, 'essex-cc', UNKNOWN_ULID), c.tokens.admin),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await c.ledger.get(mappingUrl(c, 'nhs-mid-essex'), c.tokens.admin),
      409,
      'NOT_A_PARTNER',
    );
  });
});

describe('partner journals', () => {
  const ctx = useScenario({ clock: AFTER_YEAR_END });

  it('without a mapping: the line types as codes, mapped false and a note; debits equal credits; every role reads it', async () => {
    const c = await ctx();
    for (const token of [
      c.tokens.admin,
      c.tokens.cc,
      c.tokens.police,
      c.tokens.nhs,
      c.tokens.auditor,
      c.tokens.reporter,
    ]) {
      const res = await c.ledger.get(journalUrl(c), token);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['ledger-position']).toMatch(/^\d+$/);
    }
    const j = (await c.ledger.get(journalUrl(c), c.tokens.cc)).json();
    expect(j).toMatchObject({
      agencyId: 'essex-cc',
      mapped: false,
      mappingVersion: null,
      totals: { debit: '300000.00', credit: '300000.00' },
    });
    expect(j.note).toContain('no journal mapping');
    expect(j.lines).toEqual([
      {
        lineType: 'contribution',
        description: 'Contributions to the pooled fund',
        costCentre: '',
        accountCode: 'contribution',
        debit: '0.00',
        credit: '300000.00',
      },
      {
        lineType: 'poolBalance',
        description: 'Balance held in the pooled fund',
        costCentre: '',
        accountCode: 'poolBalance',
        debit: '300000.00',
        credit: '0.00',
      },
    ]);
    const probation = (await c.ledger.get(journalUrl(c, 'essex-probation'), c.tokens.cc)).json();
    expect(probation).toMatchObject({ lines: [], totals: { debit: '0.00', credit: '0.00' } });
  });

  it('a settled year, mapped: expenditure by scheme before the settlement, the surplus share, the pool balance; equal to the memorandum', async () => {
    const c = await ctx();
    await settledYear(c);
    expectWritten(await c.ledger.post(mappingUrl(c), c.tokens.cc, { lines: LINES }), [
      'agencyId',
      'version',
    ]);
    const j = (await c.ledger.get(journalUrl(c), c.tokens.auditor)).json();
    expect(j).toMatchObject({
      settled: true,
      mapped: true,
      mappingVersion: 1,
      unmappedLineTypes: [],
      note: null,
      totals: { debit: '302400.00', credit: '302400.00' },
    });
    expect(
      j.lines.map((l: Json) => [l.lineType, l.costCentre, l.accountCode, l.debit, l.credit]),
    ).toEqual([
      ['contribution', 'CC100', '4010', '0.00', '300000.00'],
      ['expenditure', 'CC200', '5200', '240000.00', '0.00'],
      ['surplusShare', 'CC200', '5290', '0.00', '2400.00'],
      ['poolBalance', 'BS100', '1450', '62400.00', '0.00'],
    ]);
    expect(j.lines[1].schemeId).toBe(c.interventionId);
    expect(j.lines[1].description).toMatch(/^Share of pooled fund expenditure: /);
    expect(totalOf(j.lines, 'debit')).toBe(totalOf(j.lines, 'credit'));
    const memo = (
      await c.ledger.get(`/v1/pots/${c.potId}/memorandum?financialYear=2025-26`, c.tokens.admin)
    ).json();
    const line = memo.partners.find((p: Json) => p.agencyId === 'essex-cc');
    expect(j.memorandum).toEqual(line);
    expect(line).toMatchObject({ shareOfExpenditure: '237600.00', shareOfSurplus: '2400.00' });
  });

  it('a deficit covered from the stakes and shared, then the risk share paid the next year', async () => {
    const c = await ctx();
    // The settlement tests' year: A £400,000 (council 240,000), B £99,000 (council 59,400);
    // spend A £396,000, B £106,500. Settled: A's £4,000 released (council 2,400); B's £7,500
    // covered £5,000 from the stakes (council 3,000) and shared £2,500 (council 1,500).
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/agreements`, c.tokens.admin, AGREEMENT),
      ['version'],
    );
    const b = await c.ledger.post(`/v1/pots/${c.potId}/interventions`, c.tokens.cc, {
      name: 'Reablement at home',
      leadAgencyId: 'essex-police',
    });
    expect(b.statusCode, b.body).toBe(201);
    const bId = b.json().interventionId as string;
    for (const [interventionId, amount] of [
      [c.interventionId, '400000.00'],
      [bId, '99000.00'],
    ] as const)
      expectWritten(await allocate(c, amount, { interventionId }), [
        'allocationId',
        'fundingShares',
        'status',
      ]);
    for (const [interventionId, amount] of [
      [c.interventionId, '396000.00'],
      [bId, '106500.00'],
    ] as const) {
      const res = await c.ledger.post(
        `/v1/pots/${c.potId}/interventions/${interventionId}/spend`,
        c.tokens.admin,
        { amount, effectiveDate: '2025-09-01', supplier: 'Acme', invoiceRef: `INV-${amount}` },
      );
      expect(res.statusCode, res.body).toBe(201);
    }
    const settled = await c.ledger.post(
      `/v1/pots/${c.potId}/financial-years/2025-26/settle`,
      c.tokens.admin,
      {},
    );
    expect(settled.statusCode, settled.body).toBe(201);
    const j = (await c.ledger.get(journalUrl(c), c.tokens.cc)).json();
    const rows = (lines: Json[]) =>
      lines.map((l: Json) => [l.lineType, l.schemeId ?? null, l.debit, l.credit]);
    const [first, second] = [c.interventionId, bId].sort();
    const expenditure = new Map([
      [c.interventionId, '240000.00'],
      [bId, '62400.00'],
    ]);
    // Closing −1,500.00 (owes the pot 1,500.00, holds nothing): poolBalance moves by nothing.
    expect(rows(j.lines)).toEqual([
      ['contribution', null, '0.00', '300000.00'],
      ['expenditure', first, expenditure.get(first!), '0.00'],
      ['expenditure', second, expenditure.get(second!), '0.00'],
      ['deficitShare', null, '1500.00', '0.00'],
      ['surplusShare', null, '0.00', '2400.00'],
      ['owedToPot', null, '0.00', '1500.00'],
    ]);
    expect(j.totals).toEqual({ debit: '303900.00', credit: '303900.00' });
    expect(j.memorandum).toMatchObject({
      shareOfExpenditure: '301500.00',
      shareOfDeficit: '1500.00',
      closingBalance: '-1500.00',
      owedToPot: '1500.00',
    });
    const paid = await contribute(c, c.tokens.cc, 'essex-cc', '1500.00', {
      effectiveDate: '2026-04-11',
      riskShareFor: '2025-26',
    });
    expect(paid.statusCode, paid.body).toBe(201);
    const next = (
      await c.ledger.get(`/v1/pots/${c.potId}/journals/essex-cc?financialYear=2026-27`, c.tokens.cc)
    ).json();
    expect(rows(next.lines)).toEqual([
      ['riskSharePaid', null, '0.00', '1500.00'],
      ['owedToPot', null, '1500.00', '0.00'],
    ]);
  });

  it('CSV by format=csv and by Accept: text/csv: BOM, CRLF, formulas defused, plain decimals, debits = credits', async () => {
    const c = await ctx();
    await settledYear(c);
    expectWritten(await c.ledger.post(mappingUrl(c), c.tokens.admin, { lines: LINES }), [
      'agencyId',
      'version',
    ]);
    for (const res of [
      await c.ledger.get(`${journalUrl(c)}&format=csv`, c.tokens.reporter),
      await c.ledger.get(journalUrl(c), c.tokens.cc, { accept: 'text/csv' }),
    ]) {
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toContain('journal-essex-cc-2025-26.csv');
      expect(res.body.startsWith('\uFEFF')).toBe(true);
      expect(res.body.endsWith('\r\n')).toBe(true);
      const rows = res.body.slice(1).trimEnd().split('\r\n');
      expect(rows[0]).toBe(
        'financialYear,agencyId,lineType,schemeId,costCentre,accountCode,description,debit,credit',
      );
      expect(rows).toHaveLength(5);
      expect(rows[4]).toBe("2025-26,essex-cc,poolBalance,,BS100,1450,'=SUM(A1:A9),62400.00,0.00");
      const cells = rows.slice(1).map((r) => r.split(','));
      const sumOf = (i: number) => cells.reduce((a, r) => a + Math.round(Number(r.at(i)) * 100), 0);
      expect(sumOf(-2)).toBe(sumOf(-1));
      expect(sumOf(-2)).toBe(30240000);
    }
  });

  it('404 NOT_FOUND for an unknown pot; 409 NOT_A_PARTNER for an agency not a partner; 400 without a financial year or with a bad format', async () => {
    const c = await ctx();
    expectProblem(
      await c.ledger.get(journalUrl(c, 'essex-cc', UNKNOWN_ULID), c.tokens.admin),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await c.ledger.get(journalUrl(c, 'nhs-mid-essex'), c.tokens.admin),
      409,
      'NOT_A_PARTNER',
    );
    for (const url of [
      `/v1/pots/${c.potId}/journals/essex-cc`,
      `/v1/pots/${c.potId}/journals/essex-cc?financialYear=2025`,
      `${journalUrl(c)}&format=xml`,
      `/v1/pots/${c.potId}/journals/Not_A_Slug?financialYear=2025-26`,
    ])
      expectProblem(await c.ledger.get(url, c.tokens.admin), 400, 'VALIDATION_FAILED');
  });

  it('point in time: asAt before the contributions shows an empty journal', async () => {
    const c = await ctx();
    const res = await c.ledger.get(`${journalUrl(c)}&asAt=2025-04-01`, c.tokens.admin);
    expect(res.headers['ledger-as-at']).toBe('2025-04-01');
    expect(res.json()).toMatchObject({ lines: [], totals: { debit: '0.00', credit: '0.00' } });
  });
});

describeReadRouteAuth('GET /v1/pots/:potId/journals/:agencyId', (c) => journalUrl(c));
describeReadRouteAuth('GET /v1/pots/:potId/journal-mappings/:agencyId', (c) => mappingUrl(c));
