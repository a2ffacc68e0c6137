/**
 * The cross-budget flows report, against figures worked out by hand:
 *
 *   contributions  council £300,000, police £200,000          (stakes 3:2)
 *   allocation     £100,000 on 2025-05-01 (FY 2025-26)        council £60,000, police £40,000
 *   outcome A      2026-03-31 (FY 2025-26, the last day)      police £30,000 cashable, NHS £20,000
 *                  non-cashable, council £10,000 cashable; each line split 60/40:
 *                  cc→police 18,000  cc→NHS 12,000  cc→cc 6,000
 *                  police→police 12,000  police→NHS 8,000  police→cc 4,000
 *   outcome B      2026-04-01 (FY 2026-27, the first day)     NHS £1,000.01 non-cashable:
 *                  100,001p × 0.6 = 60,000.6p, × 0.4 = 40,000.4p → the penny goes to the council:
 *                  cc→NHS 600.01  police→NHS 400.00
 */
import { describe, expect, it } from 'vitest';
import {
  allocate,
  describeMinPosition,
  describeReadRouteAuth,
  expectProblem,
  expectValidation,
  expectWritten,
  head,
  recordOutcome,
  useScenario,
  type Ctx,
} from './helpers.ts';

async function handComputedExample(c: Ctx) {
  expectWritten(await allocate(c, '100000.00', { effectiveDate: '2025-05-01' }), [
    'allocationId',
    'status',
    'fundingShares',
  ]);
  const a = expectWritten(await recordOutcome(c, { effectiveDate: '2026-03-31' }), [
    'outcomeId',
    'flows',
  ]);
  const b = expectWritten(
    await recordOutcome(c, {
      effectiveDate: '2026-04-01',
      benefits: [{ agencyId: 'nhs-mid-essex', amount: '1000.01', cashable: false }],
    }),
    ['outcomeId', 'flows'],
  );
  expect(b.flows).toEqual([
    { fromAgencyId: 'essex-cc', toAgencyId: 'nhs-mid-essex', amount: '600.01', cashable: false },
    {
      fromAgencyId: 'essex-police',
      toAgencyId: 'nhs-mid-essex',
      amount: '400.00',
      cashable: false,
    },
  ]);
  return { a, b };
}

async function flows(c: Ctx, query: string, token: string = c.tokens.reporter) {
  const res = await c.ledger.get(
    `/v1/flows?minPosition=${await head(c.ledger)}${query === '' ? '' : `&${query}`}`,
    token,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('GET /v1/flows', () => {
  const ctx = useScenario();

  it('all years: the investor → beneficiary matrix, return per pound and wrong-pocket share', async () => {
    const c = await ctx();
    await handComputedExample(c);
    const all = await flows(c, `potId=${c.potId}`);
    expect(all).toEqual({
      rows: [
        {
          fromAgencyId: 'essex-cc',
          toAgencyId: 'essex-cc',
          amount: '6000.00',
          cashableAmount: '6000.00',
        },
        {
          fromAgencyId: 'essex-cc',
          toAgencyId: 'essex-police',
          amount: '18000.00',
          cashableAmount: '18000.00',
        },
        {
          fromAgencyId: 'essex-cc',
          toAgencyId: 'nhs-mid-essex',
          amount: '12600.01',
          cashableAmount: '0.00',
        },
        {
          fromAgencyId: 'essex-police',
          toAgencyId: 'essex-cc',
          amount: '4000.00',
          cashableAmount: '4000.00',
        },
        {
          fromAgencyId: 'essex-police',
          toAgencyId: 'essex-police',
          amount: '12000.00',
          cashableAmount: '12000.00',
        },
        {
          fromAgencyId: 'essex-police',
          toAgencyId: 'nhs-mid-essex',
          amount: '8400.00',
          cashableAmount: '0.00',
        },
      ],
      agencies: [
        // produced 36,600.01 / invested 60,000 = 0.6100; others' share 30,600.01 / 36,600.01 = 0.8361
        {
          agencyId: 'essex-cc',
          invested: '60000.00',
          benefitsProduced: '36600.01',
          benefitsReceived: '10000.00',
          returnPerPound: '0.6100',
          wrongPocketShare: '0.8361',
        },
        // produced 24,400 / 40,000 = 0.6100; others' share 12,400 / 24,400 = 0.5082
        {
          agencyId: 'essex-police',
          invested: '40000.00',
          benefitsProduced: '24400.00',
          benefitsReceived: '30000.00',
          returnPerPound: '0.6100',
          wrongPocketShare: '0.5082',
        },
        {
          agencyId: 'nhs-mid-essex',
          invested: '0.00',
          benefitsProduced: '0.00',
          benefitsReceived: '21000.01',
          returnPerPound: null,
          wrongPocketShare: null,
        },
      ],
      priorPeriodAdjustments: [],
    });
    // Without a pot filter the answer is the same: there is only one pot with flows.
    expect(await flows(c, '')).toEqual(all);
  });

  it('financialYear 2025-26 holds the allocation and the outcome of 31 March, not the one of 1 April', async () => {
    const c = await ctx();
    await handComputedExample(c);
    expect(await flows(c, `potId=${c.potId}&financialYear=2025-26`)).toEqual({
      rows: [
        {
          fromAgencyId: 'essex-cc',
          toAgencyId: 'essex-cc',
          amount: '6000.00',
          cashableAmount: '6000.00',
        },
        {
          fromAgencyId: 'essex-cc',
          toAgencyId: 'essex-police',
          amount: '18000.00',
          cashableAmount: '18000.00',
        },
        {
          fromAgencyId: 'essex-cc',
          toAgencyId: 'nhs-mid-essex',
          amount: '12000.00',
          cashableAmount: '0.00',
        },
        {
          fromAgencyId: 'essex-police',
          toAgencyId: 'essex-cc',
          amount: '4000.00',
          cashableAmount: '4000.00',
        },
        {
          fromAgencyId: 'essex-police',
          toAgencyId: 'essex-police',
          amount: '12000.00',
          cashableAmount: '12000.00',
        },
        {
          fromAgencyId: 'essex-police',
          toAgencyId: 'nhs-mid-essex',
          amount: '8000.00',
          cashableAmount: '0.00',
        },
      ],
      agencies: [
        {
          agencyId: 'essex-cc',
          invested: '60000.00',
          benefitsProduced: '36000.00',
          benefitsReceived: '10000.00',
          returnPerPound: '0.6000',
          wrongPocketShare: '0.8333',
        },
        {
          agencyId: 'essex-police',
          invested: '40000.00',
          benefitsProduced: '24000.00',
          benefitsReceived: '30000.00',
          returnPerPound: '0.6000',
          wrongPocketShare: '0.5000',
        },
        {
          agencyId: 'nhs-mid-essex',
          invested: '0.00',
          benefitsProduced: '0.00',
          benefitsReceived: '20000.00',
          returnPerPound: null,
          wrongPocketShare: null,
        },
      ],
      priorPeriodAdjustments: [],
    });
  });

  it('financialYear 2026-27 holds only the outcome of 1 April; nothing invested that year gives a null return', async () => {
    const c = await ctx();
    await handComputedExample(c);
    expect(await flows(c, 'financialYear=2026-27')).toEqual({
      rows: [
        {
          fromAgencyId: 'essex-cc',
          toAgencyId: 'nhs-mid-essex',
          amount: '600.01',
          cashableAmount: '0.00',
        },
        {
          fromAgencyId: 'essex-police',
          toAgencyId: 'nhs-mid-essex',
          amount: '400.00',
          cashableAmount: '0.00',
        },
      ],
      agencies: [
        {
          agencyId: 'essex-cc',
          invested: '0.00',
          benefitsProduced: '600.01',
          benefitsReceived: '0.00',
          returnPerPound: null,
          wrongPocketShare: '1.0000',
        },
        {
          agencyId: 'essex-police',
          invested: '0.00',
          benefitsProduced: '400.00',
          benefitsReceived: '0.00',
          returnPerPound: null,
          wrongPocketShare: '1.0000',
        },
        {
          agencyId: 'nhs-mid-essex',
          invested: '0.00',
          benefitsProduced: '0.00',
          benefitsReceived: '1000.01',
          returnPerPound: null,
          wrongPocketShare: null,
        },
      ],
      priorPeriodAdjustments: [],
    });
  });

  it('a year with nothing in it, another pot, and an unknown pot are empty', async () => {
    const c = await ctx();
    await handComputedExample(c);
    expect(await flows(c, 'financialYear=2024-25')).toEqual({
      rows: [],
      agencies: [],
      priorPeriodAdjustments: [],
    });
    const other = expectWritten(
      await c.ledger.post('/v1/pots', c.tokens.admin, {
        name: 'Other',
        area: 'Essex',
        hostAgencyId: 'essex-cc',
      }),
      ['potId'],
    );
    expect(await flows(c, `potId=${other.potId}`)).toEqual({
      rows: [],
      agencies: [],
      priorPeriodAdjustments: [],
    });
    expect(await flows(c, 'potId=01ARZ3NDEKTSV4RRFFQ69G5FAV')).toEqual({
      rows: [],
      agencies: [],
      priorPeriodAdjustments: [],
    });
  });

  it('rows and agencies whose figures net to zero are left out', async () => {
    const c = await ctx();
    const { b } = await handComputedExample(c);
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.admin, {
        eventId: b.eventId,
        reason: 'Double counted',
      }),
      ['type', 'reversedEventId'],
    );
    expect(await flows(c, 'financialYear=2026-27')).toEqual({
      rows: [],
      agencies: [],
      priorPeriodAdjustments: [],
    });
    const all = await flows(c, '');
    expect(all.rows).toHaveLength(6);
    expect(
      all.rows.find(
        (r: { toAgencyId: string; fromAgencyId: string }) =>
          r.fromAgencyId === 'essex-cc' && r.toAgencyId === 'nhs-mid-essex',
      ).amount,
    ).toBe('12000.00');
    for (const row of all.rows) expect(row.amount).not.toBe('0.00');
  });

  it('is readable by every role', async () => {
    const c = await ctx();
    for (const token of [
      c.tokens.admin,
      c.tokens.cc,
      c.tokens.nhs,
      c.tokens.auditor,
      c.tokens.reporter,
    ]) {
      expect((await c.ledger.get('/v1/flows', token)).statusCode).toBe(200);
    }
  });

  it('400 VALIDATION_FAILED for a financial year that is not one', async () => {
    const c = await ctx();
    for (const bad of [
      '2025-27',
      '2025-25',
      '2025',
      '25-26',
      '2025-2026',
      '2025/26',
      'FY2025-26',
      '',
    ]) {
      expectValidation(
        await c.ledger.get(`/v1/flows?financialYear=${encodeURIComponent(bad)}`, c.tokens.reporter),
        'querystring.financialYear',
      );
    }
    // 1999-00 wraps the century correctly, so it is a real financial year.
    expect(
      (await c.ledger.get('/v1/flows?financialYear=1999-00', c.tokens.reporter)).statusCode,
    ).toBe(200);
  });

  it('400 VALIDATION_FAILED for a potId that is not a ULID', async () => {
    const c = await ctx();
    expectValidation(
      await c.ledger.get('/v1/flows?potId=essex', c.tokens.reporter),
      'querystring.potId',
    );
    expectProblem(
      await c.ledger.get('/v1/flows?potId=essex', c.tokens.reporter),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('interventionId narrows the flows to one intervention (the dashboard draws its Sankey from these)', async () => {
    const c = await ctx();
    await handComputedExample(c);
    const second = expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/interventions`, c.tokens.admin, {
        name: 'Second',
        leadAgencyId: 'essex-police',
      }),
      ['interventionId'],
    );
    expectWritten(await allocate(c, '5000.00', { interventionId: second.interventionId }), [
      'allocationId',
      'fundingShares',
      'status',
    ]);
    expectWritten(
      await recordOutcome(
        c,
        { benefits: [{ agencyId: 'nhs-mid-essex', amount: '500.00', cashable: true }] },
        c.tokens.admin,
        String(second.interventionId),
      ),
      ['outcomeId', 'flows'],
    );
    // Stakes after the first allocation: council 240,000, police 160,000 (3:2), so 300 / 200.
    expect(await flows(c, `potId=${c.potId}&interventionId=${second.interventionId}`)).toEqual({
      rows: [
        {
          fromAgencyId: 'essex-cc',
          toAgencyId: 'nhs-mid-essex',
          amount: '300.00',
          cashableAmount: '300.00',
        },
        {
          fromAgencyId: 'essex-police',
          toAgencyId: 'nhs-mid-essex',
          amount: '200.00',
          cashableAmount: '200.00',
        },
      ],
      agencies: [
        {
          agencyId: 'essex-cc',
          invested: '3000.00',
          benefitsProduced: '300.00',
          benefitsReceived: '0.00',
          returnPerPound: '0.1000',
          wrongPocketShare: '1.0000',
        },
        {
          agencyId: 'essex-police',
          invested: '2000.00',
          benefitsProduced: '200.00',
          benefitsReceived: '0.00',
          returnPerPound: '0.1000',
          wrongPocketShare: '1.0000',
        },
        {
          agencyId: 'nhs-mid-essex',
          invested: '0.00',
          benefitsProduced: '0.00',
          benefitsReceived: '500.00',
          returnPerPound: null,
          wrongPocketShare: null,
        },
      ],
      priorPeriodAdjustments: [],
    });
    // The first intervention's figures are the hand-computed ones, untouched by the second.
    const first = await flows(c, `interventionId=${c.interventionId}`);
    expect(
      first.rows.find(
        (r: { fromAgencyId: string; toAgencyId: string }) =>
          r.fromAgencyId === 'essex-cc' && r.toAgencyId === 'nhs-mid-essex',
      ).amount,
    ).toBe('12600.01');
    expectValidation(
      await c.ledger.get('/v1/flows?interventionId=not-a-ulid', c.tokens.reporter),
      'querystring.interventionId',
    );
  });

  describeReadRouteAuth('GET /v1/flows', () => '/v1/flows');
  describeMinPosition('GET /v1/flows', () => '/v1/flows');
});
