import { describe, expect, it } from 'vitest';
import { HIP, hipFractureBody } from '../unitCosts/fixtures.ts';
import {
  allEvents,
  allocate,
  describeMinPosition,
  describeReadRouteAuth,
  describeWriteRouteRefusals,
  expectInvalid,
  expectProblem,
  expectRefused,
  expectValidation,
  expectWritten,
  head,
  recordOutcome,
  useScenario,
  type Ctx,
} from './helpers.ts';

const UNKNOWN = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const assumptionsUrl = (potId: string, interventionId: string) =>
  `/v1/pots/${potId}/interventions/${interventionId}/assumptions`;
const cbaUrl = (potId: string, query = '') => `/v1/pots/${potId}/cba${query}`;
const ASSUMPTIONS = {
  deadweightPercent: '25',
  attributionPercent: '80',
  optimismBiasPercent: '10',
  benefitProfile: ['100', '50'],
  reason: 'Evaluation 2025, table 3',
};

/** £100,000 allocated to employment support and £60,000 of benefits (police £30,000 and council £10,000 cashable, NHS £20,000 not). */
async function fundAndRecord(c: Ctx): Promise<void> {
  expectWritten(await allocate(c, '100000.00'), ['allocationId', 'fundingShares', 'status']);
  expectWritten(await recordOutcome(c), ['outcomeId', 'flows']);
}

async function cba(c: Ctx, query = '', token: string = c.tokens.reporter) {
  const res = await c.ledger.get(
    cbaUrl(c.potId, `${query}${query === '' ? '?' : '&'}minPosition=${await head(c.ledger)}`),
    token,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('POST /v1/pots/:potId/interventions/:interventionId/assumptions', () => {
  const ctx = useScenario({ prepare: fundAndRecord });

  it('201 for an admin and for a partner finance officer; each change is an event, the latest is in force', async () => {
    const c = await ctx();
    const first = expectWritten(
      await c.ledger.post(assumptionsUrl(c.potId, c.interventionId), c.tokens.police, ASSUMPTIONS),
      ['interventionId'],
    );
    expect(first.interventionId).toBe(c.interventionId);
    expectWritten(
      await c.ledger.post(assumptionsUrl(c.potId, c.interventionId), c.tokens.admin, {
        ...ASSUMPTIONS,
        deadweightPercent: '30',
        reason: 'Peer review',
      }),
      ['interventionId'],
    );
    const events = (await allEvents(c.ledger)).filter(
      (e) => e.type === 'InterventionAssumptionsSet',
    );
    expect(events.map((e) => [e.data.deadweightPercent, e.metadata.actor.sub])).toEqual([
      ['25', 'bob'],
      ['30', 'alice'],
    ]);
    const report = await cba(c, '', c.tokens.auditor);
    expect(report.interventions[0].assumptions).toMatchObject({
      deadweightPercent: '30',
      source: 'set',
      setBy: 'alice',
      reason: 'Peer review',
      changes: 2,
    });
    expect(report.redacted).toBeUndefined();
    // Partners read their pot in full; a reporter and a non-partner read the figures, the person and the reason withheld.
    expect((await cba(c, '', c.tokens.police)).interventions[0].assumptions).toMatchObject({
      setBy: 'alice',
      reason: 'Peer review',
    });
    for (const token of [c.tokens.reporter, c.tokens.nhs]) {
      const figures = await cba(c, '', token);
      expect(figures.interventions[0].assumptions).toMatchObject({
        deadweightPercent: '30',
        source: 'set',
        setBy: null,
        reason: null,
        changes: 2,
      });
      expect(figures.redacted).toEqual([
        'interventions[].assumptions.reason',
        'interventions[].assumptions.setBy',
      ]);
      expect(figures.pot).toEqual(report.pot);
    }
  });

  it('404 NOT_FOUND for an unknown intervention or pot; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => c.ledger.post(assumptionsUrl(c.potId, UNKNOWN), c.tokens.admin, ASSUMPTIONS),
      404,
      'NOT_FOUND',
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(assumptionsUrl(UNKNOWN, c.interventionId), c.tokens.admin, ASSUMPTIONS),
      404,
      'NOT_FOUND',
    );
  });

  it('the same Idempotency-Key and body answers the original and appends nothing; another body is IDEMPOTENCY_KEY_REUSED', async () => {
    const c = await ctx();
    const headers = { 'idempotency-key': 'assumptions-employment-1' };
    const first = expectWritten(
      await c.ledger.post(
        assumptionsUrl(c.potId, c.interventionId),
        c.tokens.admin,
        ASSUMPTIONS,
        headers,
      ),
      ['interventionId'],
    );
    const before = await head(c.ledger);
    const again = await c.ledger.post(
      assumptionsUrl(c.potId, c.interventionId),
      c.tokens.admin,
      ASSUMPTIONS,
      headers,
    );
    expect(again.json()).toEqual(first);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await head(c.ledger)).toBe(before);
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(
          assumptionsUrl(c.potId, c.interventionId),
          c.tokens.admin,
          { ...ASSUMPTIONS, deadweightPercent: '1' },
          headers,
        ),
      409,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  describe('400 VALIDATION_FAILED, nothing appended', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'deadweight over 100',
        { ...ASSUMPTIONS, deadweightPercent: '100.01' },
        'body.deadweightPercent',
      ],
      [
        'attribution negative',
        { ...ASSUMPTIONS, attributionPercent: '-5' },
        'body.attributionPercent',
      ],
      [
        'optimism bias with 3 decimals',
        { ...ASSUMPTIONS, optimismBiasPercent: '12.345' },
        'body.optimismBiasPercent',
      ],
      [
        'a percentage as a number',
        { ...ASSUMPTIONS, deadweightPercent: 20 },
        'body.deadweightPercent',
      ],
      ['empty profile', { ...ASSUMPTIONS, benefitProfile: [] }, 'body.benefitProfile'],
      [
        'profile over 10 years',
        { ...ASSUMPTIONS, benefitProfile: Array(11).fill('10') },
        'body.benefitProfile',
      ],
      [
        'profile entry over 100',
        { ...ASSUMPTIONS, benefitProfile: ['100', '150'] },
        'body.benefitProfile',
      ],
      ['reason missing', { ...ASSUMPTIONS, reason: undefined }, 'body.reason'],
      ['unknown field', { ...ASSUMPTIONS, discountRate: '5' }, 'body'],
    ];
    for (const [name, body, path] of cases) {
      it(name, async () => {
        const c = await ctx();
        await expectInvalid(
          c.ledger,
          () => c.ledger.post(assumptionsUrl(c.potId, c.interventionId), c.tokens.admin, body),
          path,
        );
      });
    }
    it('interventionId not a ULID', async () => {
      const c = await ctx();
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(assumptionsUrl(c.potId, 'falls'), c.tokens.admin, ASSUMPTIONS),
        'params.interventionId',
      );
    });
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/interventions/:interventionId/assumptions',
    url: (c) => assumptionsUrl(c.potId, c.interventionId),
    body: () => ASSUMPTIONS,
    allowed: (c) => c.tokens.police,
    claims: { role: 'finance-officer', agency: 'essex-police' },
    forbidden: [
      { who: 'a finance officer of a non-partner', token: (c) => c.tokens.nhs },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: ['interventionId'],
  });
});

describe('GET /v1/pots/:potId/cba', () => {
  const ctx = useScenario({ prepare: fundAndRecord });

  it('200 with the defaults marked as such until assumptions are set: gross counted once, undiscounted', async () => {
    const c = await ctx();
    const report = await cba(c);
    const employment = report.interventions[0];
    expect(employment.assumptions).toEqual({
      deadweightPercent: '0',
      attributionPercent: '100',
      optimismBiasPercent: '0',
      benefitProfile: ['100'],
      source: 'default',
      changes: 0,
    });
    expect(employment.grossBenefits).toMatchObject({
      total: '60000.00',
      cashable: '40000.00',
      nonCashable: '20000.00',
    });
    expect(employment.presentValueOfBenefits).toMatchObject({
      value: '60000.00',
      cashable: '40000.00',
      nonCashable: '20000.00',
    });
    expect(employment.cost.value).toBe('100000.00');
    expect(employment.netPresentBudgetImpact.value).toBe('-40000.00');
    expect(employment.financialReturnOnInvestment.value).toBe('0.6000');
    expect(employment.paybackYear.value).toBeNull();
  });

  it('follows the method once assumptions are set, every figure with formula and inputs; readable by a reporter, an auditor and a non-partner', async () => {
    const c = await ctx();
    expectWritten(
      await c.ledger.post(assumptionsUrl(c.potId, c.interventionId), c.tokens.cc, ASSUMPTIONS),
      ['interventionId'],
    );
    const report = await cba(c);
    const e = report.interventions[0];
    // 60,000 × (1 − 0.25) = 45,000; × 0.80 = 36,000; × (1 − 0.10) = 32,400.
    expect([
      e.netOfDeadweight.value,
      e.afterAttribution.value,
      e.adjustedAnnualBenefit.value,
    ]).toEqual(['45000.00', '36000.00', '32400.00']);
    expect(e.netOfDeadweight).toMatchObject({
      formula: expect.stringContaining('deadweight'),
      inputs: { grossBenefits: '60000.00', deadweightPercent: '25' },
    });
    // Year 0: 32,400 undiscounted; year 1: 16,200 ÷ 1.035 = 15,652.17.
    expect(
      e.years.map((y: { benefit: { value: string }; presentValue: { value: string } }) => [
        y.benefit.value,
        y.presentValue.value,
      ]),
    ).toEqual([
      ['32400.00', '32400.00'],
      ['16200.00', '15652.17'],
    ]);
    expect(e.presentValueOfBenefits).toMatchObject({
      value: '48052.17',
      cashable: '32034.78',
      nonCashable: '16017.39',
    });
    expect(e.netPresentBudgetImpact.value).toBe('-51947.83');
    expect(e.financialReturnOnInvestment.value).toBe('0.4805');
    expect(e.paybackYear.value).toBeNull();
    const rows = Object.fromEntries(
      e.whoBenefits.map((r: { agencyId: string }) => [r.agencyId, r]),
    );
    expect(rows['nhs-mid-essex']).toMatchObject({
      agencyId: 'nhs-mid-essex',
      grossCashable: '0.00',
      grossNonCashable: '20000.00',
      presentValueCashable: '0.00',
      presentValueNonCashable: '16017.39',
    });
    // £32,034.78 cashable split 1 : 3 between council and police = 8,008.695 and 24,026.085: a half penny each way.
    expect(
      (
        Number(rows['essex-cc'].presentValueCashable) * 100 +
        Number(rows['essex-police'].presentValueCashable) * 100
      ).toFixed(0),
    ).toBe('3203478');
    expect(Math.abs(Number(rows['essex-cc'].presentValueCashable) - 8008.695)).toBeLessThan(0.01);
    expect(report.pot.presentValueOfBenefits.value).toBe('48052.17');
    for (const token of [c.tokens.auditor, c.tokens.nhs, c.tokens.admin, c.tokens.police]) {
      expect((await cba(c, '', token)).pot.presentValueOfBenefits.value).toBe('48052.17');
    }
  });

  it('?interventionId= narrows to one intervention; ?financialYear= to what is dated in that year', async () => {
    const c = await ctx();
    const other = expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/interventions`, c.tokens.admin, {
        name: 'Falls',
        leadAgencyId: 'essex-cc',
      }),
      ['interventionId'],
    );
    const narrowed = await cba(c, `?interventionId=${c.interventionId}`);
    expect(narrowed.interventions.map((i: { interventionId: string }) => i.interventionId)).toEqual(
      [c.interventionId],
    );
    expect(narrowed.scope).toEqual({ interventionId: c.interventionId });
    const all = await cba(c);
    expect(all.interventions.map((i: { interventionId: string }) => i.interventionId)).toEqual([
      c.interventionId,
      other.interventionId,
    ]);
    // The allocation (2025-05-01) and the outcome (2025-09-30) are both in 2025-26.
    expect((await cba(c, '?financialYear=2025-26')).pot.cost.value).toBe('100000.00');
    const nextYear = await cba(c, '?financialYear=2026-27');
    expect([nextYear.pot.cost.value, nextYear.pot.presentValueOfBenefits.value]).toEqual([
      '0.00',
      '0.00',
    ]);
    expect(nextYear.pot.financialReturnOnInvestment.value).toBeNull();
  });

  it('404 NOT_FOUND for an unknown pot or an intervention the pot does not have', async () => {
    const c = await ctx();
    expectProblem(await c.ledger.get(cbaUrl(UNKNOWN), c.tokens.reporter), 404, 'NOT_FOUND');
    expectProblem(
      await c.ledger.get(cbaUrl(c.potId, `?interventionId=${UNKNOWN}`), c.tokens.reporter),
      404,
      'NOT_FOUND',
    );
  });

  it('400 VALIDATION_FAILED for a malformed potId, interventionId or financialYear', async () => {
    const c = await ctx();
    expectValidation(await c.ledger.get(cbaUrl('essex'), c.tokens.reporter), 'params.potId');
    expectValidation(
      await c.ledger.get(cbaUrl(c.potId, '?interventionId=falls'), c.tokens.reporter),
      'querystring.interventionId',
    );
    expectValidation(
      await c.ledger.get(cbaUrl(c.potId, '?financialYear=2025-27'), c.tokens.reporter),
      'querystring.financialYear',
    );
  });
});

describe('GET /v1/pots/:potId/cba?baseYear=', () => {
  const ctx = useScenario({
    prepare: async (c) => {
      expectWritten(await c.ledger.post('/v1/unit-costs', c.tokens.admin, hipFractureBody()), [
        'code',
        'version',
      ]);
      expectWritten(await allocate(c, '100000.00'), ['allocationId', 'fundingShares', 'status']);
      const line = { unitCostCode: HIP, quantity: '2', beneficiaries: { health: 'nhs-mid-essex' } };
      expectWritten(await recordOutcome(c, { benefits: undefined, lines: [line] }), [
        'outcomeId',
        'flows',
        'lines',
      ]);
    },
  });

  it("restates the outcome's lines in the base year asked for, with the years and indices; the default and a refusal say which years", async () => {
    const c = await ctx();
    const report = await cba(c, '?baseYear=2023-24');
    expect(report.method.prices).toMatchObject({
      baseYear: '2023-24',
      baseYearSource: 'asked',
      baseYearIndex: '106.5',
    });
    // 25,400.00 × 106.5 ÷ 74.6 = 36,261.39.
    expect(report.pot.grossBenefits.total).toBe('36261.39');
    expect(report.interventions[0].grossBenefits.outcomes[0].lines[0]).toMatchObject({
      fromYear: '2008-09',
      toYear: '2023-24',
      fromIndex: '74.6',
      toIndex: '106.5',
      amount: '25400.00',
      upratedAmount: '36261.39',
    });
    expect((await cba(c, '?baseYear=2008-09')).pot.grossBenefits.total).toBe('25400.00');
    expect((await cba(c)).method.prices).toMatchObject({
      baseYear: '2025-26',
      baseYearSource: 'latest-in-series',
    });
    const refused = expectProblem(
      await c.ledger.get(cbaUrl(c.potId, '?baseYear=1990-91'), c.tokens.reporter),
      400,
      'VALIDATION_FAILED',
    );
    expect(refused.detail).toContain('2005-06');
  });
});

describe('GET /v1/pots/:potId/cba: shared checks', () => {
  describeReadRouteAuth('GET /v1/pots/:potId/cba', (c) => cbaUrl(c.potId));
  describeMinPosition('GET /v1/pots/:potId/cba', (c) => cbaUrl(c.potId));
});
