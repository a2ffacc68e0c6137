/**
 * Better Care Fund pots over HTTP: POST /v1/pots/:potId/bcf-minimums, contributions naming their
 * stream, the minimums in monitoring, and GET /v1/pots/:potId/bcf-return (JSON and CSV per sheet),
 * whose totals equal the Q4 monitoring report's.
 */
import { describe, expect, it } from 'vitest';
import {
  describeReadRouteAuth,
  expectProblem,
  expectWritten,
  head,
  useScenario,
  type Ctx,
} from './helpers.ts';
import { BCF_MINIMUMS, openBcfPot } from './bcfFixtures.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

/** A BCF year: streams paid in, two schemes (one split between commissioners), spend. */
async function bcfYear(c: Ctx): Promise<string> {
  const potId = await openBcfPot(c);
  expectWritten(
    await c.ledger.post(`/v1/pots/${potId}/bcf-minimums`, c.tokens.admin, BCF_MINIMUMS),
    ['financialYear', 'version'],
  );
  for (const [token, agencyId, amount, fundingStream] of [
    [c.tokens.police, 'essex-police', '50000.00', 'nhs-minimum'],
    [c.tokens.cc, 'essex-cc', '20000.00', 'dfg'],
    [c.tokens.cc, 'essex-cc', '10000.00', 'additional-la'],
  ] as const)
    expectWritten(
      await c.ledger.post(`/v1/pots/${potId}/contributions`, token, {
        agencyId,
        amount,
        effectiveDate: '2025-05-01',
        reference: `BCF-${fundingStream}`,
        fundingStream,
      }),
      ['contributionId'],
    );
  const schemes = [
    [
      'Reablement in a person\u2019s own home',
      'nhs-minimum',
      '45000.00',
      '40000.01',
      [
        { agencyId: 'essex-cc', percent: '66.67' },
        { agencyId: 'essex-police', percent: '33.33' },
      ],
    ],
    ['DFG related schemes', 'dfg', '20000.00', '21000.00', undefined],
  ] as const;
  for (const [schemeType, fundingSource, budget, spend, commissioner] of schemes) {
    const intervention = expectWritten(
      await c.ledger.post(`/v1/pots/${potId}/interventions`, c.tokens.admin, {
        name: schemeType,
        leadAgencyId: 'essex-cc',
      }),
      ['interventionId'],
    );
    const id = intervention.interventionId as string;
    expectWritten(
      await c.ledger.post(`/v1/pots/${potId}/interventions/${id}/scheme`, c.tokens.admin, {
        schemeType,
        fundingSource,
        recurrent: true,
        expenditure: fundingSource === 'dfg' ? 'capital' : 'revenue',
        ...(commissioner === undefined ? {} : { commissioner }),
      }),
      ['interventionId'],
    );
    const allocated = await c.ledger.post(`/v1/pots/${potId}/allocations`, c.tokens.admin, {
      interventionId: id,
      amount: budget,
      effectiveDate: '2025-05-02',
      reason: 'BCF plan 2025-26',
    });
    expect(allocated.statusCode, allocated.body).toBe(201);
    expectWritten(
      await c.ledger.post(`/v1/pots/${potId}/interventions/${id}/spend`, c.tokens.admin, {
        amount: spend,
        effectiveDate: '2025-09-30',
        supplier: 'Provider',
        invoiceRef: `INV-${fundingSource}`,
      }),
      fundingSource === 'dfg' ? ['overspend', 'spendId'] : ['spendId'],
    );
  }
  return potId;
}

describe('Better Care Fund pots over HTTP', () => {
  const ctx = useScenario();

  it('the return: income by stream, expenditure split by commissioner; totals equal Q4 monitoring; CSV per sheet', async () => {
    const c = await ctx();
    const potId = await bcfYear(c);
    const res = await c.ledger.get(
      `/v1/pots/${potId}/bcf-return?financialYear=2025-26`,
      c.tokens.reporter,
    );
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.healthAndWellbeingBoard).toBe('Mid Essex');
    expect(r.income).toEqual([
      { fundingStream: 'additional-la', planned: '0.00', actual: '10000.00' },
      { fundingStream: 'dfg', planned: '20000.00', actual: '20000.00' },
      { fundingStream: 'nhs-minimum', planned: '60000.00', actual: '50000.00' },
    ]);
    expect(r.expenditure).toEqual([
      {
        schemeType: 'DFG related schemes',
        fundingStream: 'dfg',
        commissioner: 'essex-cc',
        planned: '20000.00',
        actual: '21000.00',
      },
      {
        schemeType: 'Reablement in a person\u2019s own home',
        fundingStream: 'nhs-minimum',
        commissioner: 'essex-cc',
        planned: '30001.50',
        actual: '26668.01',
      },
      {
        schemeType: 'Reablement in a person\u2019s own home',
        fundingStream: 'nhs-minimum',
        commissioner: 'essex-police',
        planned: '14998.50',
        actual: '13332.00',
      },
    ]);
    const mon = (
      await c.ledger.get(
        `/v1/pots/${potId}/monitoring?financialYear=2025-26&quarter=4`,
        c.tokens.admin,
      )
    ).json();
    expect(r.totals).toEqual({
      incomePlanned: '80000.00',
      incomeActual: '80000.00',
      expenditurePlanned: mon.totals.budget,
      expenditureActual: mon.totals.actual,
    });
    expect(mon.minimums).toEqual([
      {
        fundingStream: 'nhs-minimum',
        agencyId: 'essex-police',
        required: '60000.00',
        received: '50000.00',
        shortfall: '10000.00',
        flagged: true,
      },
      {
        fundingStream: 'dfg',
        agencyId: 'essex-cc',
        required: '20000.00',
        received: '20000.00',
        shortfall: '0.00',
        flagged: false,
      },
    ]);
    const income = await c.ledger.get(
      `/v1/pots/${potId}/bcf-return?financialYear=2025-26&format=csv&sheet=income`,
      c.tokens.auditor,
    );
    expect(income.statusCode, income.body).toBe(200);
    expect(income.headers['content-type']).toMatch(/^text\/csv/);
    const lines = income.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('row,fundingStream,planned,actual');
    expect(lines.at(-1)).toBe('totals,,80000.00,80000.00');
    const exp = await c.ledger.get(
      `/v1/pots/${potId}/bcf-return?financialYear=2025-26&sheet=expenditure`,
      c.tokens.cc,
      { accept: 'text/csv' },
    );
    expect(exp.statusCode, exp.body).toBe(200);
    expect(exp.body.trim().split('\r\n').at(-1)).toBe(
      `totals,,,,${mon.totals.budget},${mon.totals.actual}`,
    );
  });

  it('200 for every role; a non-BCF pot\u2019s monitoring has no minimums', async () => {
    const c = await ctx();
    const potId = await openBcfPot(c);
    for (const token of [
      c.tokens.admin,
      c.tokens.cc,
      c.tokens.nhs,
      c.tokens.auditor,
      c.tokens.reporter,
    ]) {
      const res = await c.ledger.get(`/v1/pots/${potId}/bcf-return?financialYear=2025-26`, token);
      expect(res.statusCode, res.body).toBe(200);
    }
    const mon = (
      await c.ledger.get(
        `/v1/pots/${c.potId}/monitoring?financialYear=2025-26&quarter=4`,
        c.tokens.admin,
      )
    ).json();
    expect(mon.minimums).toBeUndefined();
  });

  it('refusals: stream missing, stream on a non-BCF pot, minimums by a non-admin, on a non-BCF pot, naming a stranger; the return\u2019s codes', async () => {
    const c = await ctx();
    const potId = await openBcfPot(c);
    const before = await head(c.ledger);
    const contribution = {
      agencyId: 'essex-cc',
      amount: '1.00',
      effectiveDate: '2025-05-01',
      reference: 'X',
    };
    expectProblem(
      await c.ledger.post(`/v1/pots/${potId}/contributions`, c.tokens.cc, contribution),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await c.ledger.post(`/v1/pots/${c.potId}/contributions`, c.tokens.cc, {
        ...contribution,
        fundingStream: 'dfg',
      }),
      409,
      'NOT_A_BCF_POT',
    );
    expectProblem(
      await c.ledger.post(`/v1/pots/${potId}/bcf-minimums`, c.tokens.cc, BCF_MINIMUMS),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await c.ledger.post(`/v1/pots/${c.potId}/bcf-minimums`, c.tokens.admin, BCF_MINIMUMS),
      409,
      'NOT_A_BCF_POT',
    );
    expectProblem(
      await c.ledger.post(`/v1/pots/${potId}/bcf-minimums`, c.tokens.admin, {
        financialYear: '2025-26',
        minimums: [
          { fundingStream: 'la-bcf', agencyId: 'nhs-mid-essex', amount: '1.00', source: 'x' },
        ],
      }),
      409,
      'NOT_A_PARTNER',
    );
    expectProblem(
      await c.ledger.post(`/v1/pots/${potId}/bcf-minimums`, c.tokens.admin, {
        financialYear: '2025-26',
        minimums: [{ ...BCF_MINIMUMS.minimums[0], fundingStream: 'discharge' }],
      }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await c.ledger.post(`/v1/pots/${potId}/bcf-minimums`, c.tokens.admin, {
        financialYear: '2025-26',
        minimums: [BCF_MINIMUMS.minimums[0], BCF_MINIMUMS.minimums[0]],
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(await head(c.ledger)).toBe(before);
    const first = expectWritten(
      await c.ledger.post(`/v1/pots/${potId}/bcf-minimums`, c.tokens.admin, BCF_MINIMUMS),
      ['financialYear', 'version'],
    );
    expect(first.version).toBe(1);
    const second = expectWritten(
      await c.ledger.post(`/v1/pots/${potId}/bcf-minimums`, c.tokens.admin, BCF_MINIMUMS),
      ['financialYear', 'replaces', 'version'],
    );
    expect(second).toMatchObject({ version: 2, replaces: 1 });
    const url = (p: string, q = 'financialYear=2025-26') => `/v1/pots/${p}/bcf-return?${q}`;
    expectProblem(await c.ledger.get(url(UNKNOWN_ULID), c.tokens.admin), 404, 'NOT_FOUND');
    expectProblem(await c.ledger.get(url(c.potId), c.tokens.admin), 409, 'NOT_A_BCF_POT');
    for (const q of [
      '',
      'financialYear=2025',
      'financialYear=2025-26&format=csv',
      'financialYear=2025-26&format=csv&sheet=summary',
    ])
      expectProblem(await c.ledger.get(url(potId, q), c.tokens.admin), 400, 'VALIDATION_FAILED');
  });
});

describeReadRouteAuth(
  'GET /v1/pots/:potId/bcf-return',
  (c) => `/v1/pots/${c.potId}/bcf-return?financialYear=2025-26`,
);
