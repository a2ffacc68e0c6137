/**
 * The cost-benefit report. The worked example is the one in docs/finance-officers.md: every figure is
 * recomputed here by hand, with the arithmetic written out (decimal.js directly, not the
 * report's own code), so the test fails if the report ever stops following the method.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  costBenefitReport,
  type CostBenefitReport,
  type CostBenefitScope,
} from '../../projections/costBenefit.ts';
import { readDeflatorFile } from '../../src/unitCosts/unitCostFile.ts';
import { costBenefitInputsProjection } from '../../projections/costBenefitInputs.ts';
import { foldAll } from '../../projections/projection.ts';
import { ACTORS, benefit, createHistory, flow } from './envelopes.ts';

/** The shipped series (data/deflators.json), as the route and the CLI load it. */
const DEFLATORS = readDeflatorFile();
const CC = 'essex-cc';
const POLICE = 'essex-police';
const NHS = 'nhs-mid-essex';

/** Falls prevention: £20,000 funded (council £12,000, police £8,000); £30,000 of gross benefit. */
function fallsPrevention(o: { assumptions?: boolean } = {}) {
  const h = createHistory();
  const pot = h.openPot({
    name: 'Tri-borough Falls',
    area: 'West London',
    hostAgencyId: CC,
    partnerAgencyIds: [CC, POLICE],
  });
  const potId = pot.data.potId;
  h.contribute(potId, CC, '12000.00', '2025-04-10', 'PO-1');
  h.contribute(potId, POLICE, '8000.00', '2025-04-10', 'PO-2');
  const intervention = h.defineIntervention(potId, 'Falls prevention', CC);
  const interventionId = intervention.data.interventionId;
  const allocation = h.allocate(
    potId,
    interventionId,
    { [CC]: '12000.00', [POLICE]: '8000.00' },
    '2025-05-01',
    'Grab rails',
  );
  const outcome = h.recordOutcome(potId, interventionId, {
    description: 'Hip fractures avoided',
    effectiveDate: '2025-10-01',
    benefits: [benefit(NHS, '24000.00', true), benefit(CC, '6000.00', false)],
    flows: [
      flow(CC, CC, '3600.00', false),
      flow(CC, NHS, '14400.00', true),
      flow(POLICE, CC, '2400.00', false),
      flow(POLICE, NHS, '9600.00', true),
    ],
  });
  if (o.assumptions !== false) {
    h.append(
      {
        type: 'InterventionAssumptionsSet',
        data: {
          potId,
          interventionId,
          deadweightPercent: '20',
          attributionPercent: '75',
          optimismBiasPercent: '10',
          benefitProfile: ['100', '60', '30'],
          reason: 'Evaluation 2025',
        },
      },
      { actor: ACTORS.carol },
    );
  }
  return { h, potId, interventionId, allocation, outcome };
}

function reportOf(
  h: ReturnType<typeof createHistory>,
  potId: string,
  scope: CostBenefitScope = {},
): CostBenefitReport {
  const report = costBenefitReport(
    foldAll(costBenefitInputsProjection, h.events),
    potId,
    scope,
    DEFLATORS,
  );
  if (report === null || report === 'unknown-intervention' || 'refusal' in report)
    throw new Error(`no report: ${JSON.stringify(report)}`);
  return report;
}

const pence = (d: Decimal): string => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);

describe('cost-benefit report: the worked example, recomputed by hand', () => {
  const { h, potId } = fallsPrevention();
  const report = reportOf(h, potId);
  const falls = report.interventions[0]!;

  // Gross: NHS £24,000 cashable + council £6,000 non-cashable.
  const gross = new Decimal('24000.00').plus('6000.00'); // 30,000.00
  // Deadweight 20%, attribution 75%, optimism bias 10%.
  const netOfDeadweight = gross.times(new Decimal(1).minus('0.20')); // 24,000
  const afterAttribution = netOfDeadweight.times('0.75'); // 18,000
  const adjusted = afterAttribution.times(new Decimal(1).minus('0.10')); // 16,200
  // Profile 100% / 60% / 30%, discounted at 3.5%: year 0 ÷ 1, year 1 ÷ 1.035, year 2 ÷ 1.035² = 1.071225.
  const year0 = adjusted.times('1.00'); // 16,200
  const year1 = adjusted.times('0.60'); // 9,720
  const year2 = adjusted.times('0.30'); // 4,860
  const pv0 = year0;
  const pv1 = year1.dividedBy('1.035'); // 9,391.3043…
  const pv2 = year2.dividedBy('1.071225'); // 4,536.8620…
  const pv = pv0.plus(pv1).plus(pv2); // 30,128.1663…
  const cost = new Decimal('20000.00');

  it('takes the gross benefits from the outcomes, cashable and non-cashable apart', () => {
    expect(falls.grossBenefits).toMatchObject({
      total: '30000.00',
      cashable: '24000.00',
      nonCashable: '6000.00',
    });
    expect(falls.assumptions).toMatchObject({
      source: 'set',
      setBy: 'carol',
      deadweightPercent: '20',
      reason: 'Evaluation 2025',
      changes: 1,
    });
  });

  it('nets off deadweight, applies attribution, then the optimism-bias correction', () => {
    expect(falls.netOfDeadweight.value).toBe(pence(netOfDeadweight));
    expect(falls.netOfDeadweight.value).toBe('24000.00');
    expect(falls.netOfDeadweight.inputs).toEqual({
      grossBenefits: '30000.00',
      deadweightPercent: '20',
    });
    expect(falls.afterAttribution.value).toBe('18000.00');
    expect(falls.afterAttribution.value).toBe(pence(afterAttribution));
    expect(falls.adjustedAnnualBenefit.value).toBe('16200.00');
    expect(falls.adjustedAnnualBenefit.value).toBe(pence(adjusted));
  });

  it('profiles the benefit over the years and discounts each year at 3.5%', () => {
    expect(
      falls.years.map((y) => [
        y.year,
        y.profilePercent,
        y.benefit.value,
        y.discountFactor,
        y.presentValue.value,
      ]),
    ).toEqual([
      [0, '100', pence(year0), '1.0000000000', pence(pv0)],
      [1, '60', pence(year1), new Decimal(1).dividedBy('1.035').toFixed(10), pence(pv1)],
      [2, '30', pence(year2), new Decimal(1).dividedBy('1.071225').toFixed(10), pence(pv2)],
    ]);
    expect(falls.years.map((y) => y.presentValue.value)).toEqual([
      '16200.00',
      '9391.30',
      '4536.86',
    ]);
    expect(falls.years.map((y) => y.cumulativePresentValue)).toEqual([
      '16200.00',
      '25591.30',
      '30128.17',
    ]);
  });

  it('gives PV of benefits, net present budget impact, return on investment and payback year', () => {
    expect(falls.presentValueOfBenefits.value).toBe(pence(pv));
    expect(falls.presentValueOfBenefits.value).toBe('30128.17');
    expect(falls.presentValueOfBenefits.exact).toBe(pv.toFixed(10));
    expect(falls.cost.value).toBe('20000.00');
    expect(falls.netPresentBudgetImpact.value).toBe(pence(pv.minus(cost)));
    expect(falls.netPresentBudgetImpact.value).toBe('10128.17');
    expect(falls.financialReturnOnInvestment.value).toBe(pv.dividedBy(cost).toFixed(4));
    expect(falls.financialReturnOnInvestment.value).toBe('1.5064');
    // Cumulative PV: 16,200.00 after year 0 (< 20,000), 25,591.30 after year 1 (≥ 20,000).
    expect(falls.paybackYear.value).toBe(1);
  });

  it('shares the PV between who benefits in proportion to their gross: NHS 80% cashable, council 20% non-cashable', () => {
    // 30,128.17 × 24,000/30,000 = 24,102.536 → 24,102.54; the council gets the rest, 6,025.63.
    expect(falls.presentValueOfBenefits.cashable).toBe('24102.54');
    expect(falls.presentValueOfBenefits.nonCashable).toBe('6025.63');
    expect(falls.whoBenefits).toMatchObject([
      {
        agencyId: CC,
        grossCashable: '0.00',
        grossNonCashable: '6000.00',
        presentValueCashable: '0.00',
        presentValueNonCashable: '6025.63',
      },
      {
        agencyId: NHS,
        grossCashable: '24000.00',
        grossNonCashable: '0.00',
        presentValueCashable: '24102.54',
        presentValueNonCashable: '0.00',
      },
    ]);
  });

  it('totals the pot: one intervention, so the same figures', () => {
    expect(report.pot.presentValueOfBenefits.value).toBe('30128.17');
    expect(report.pot.netPresentBudgetImpact.value).toBe('10128.17');
    expect(report.pot.paybackYear.value).toBe(1);
    const money = (rows: typeof falls.whoBenefits) =>
      rows.map(
        ({
          agencyId,
          grossCashable,
          grossNonCashable,
          presentValueCashable,
          presentValueNonCashable,
        }) => ({
          agencyId,
          grossCashable,
          grossNonCashable,
          presentValueCashable,
          presentValueNonCashable,
        }),
      );
    expect(money(report.pot.whoBenefits)).toEqual(money(falls.whoBenefits));
  });
});

describe('cost-benefit report: what counts', () => {
  it('uses the documented defaults until assumptions are set: the gross, counted once, undiscounted', () => {
    const { h, potId } = fallsPrevention({ assumptions: false });
    const falls = reportOf(h, potId).interventions[0]!;
    expect(falls.assumptions).toEqual({
      deadweightPercent: '0',
      attributionPercent: '100',
      optimismBiasPercent: '0',
      benefitProfile: ['100'],
      source: 'default',
      changes: 0,
    });
    expect(falls.presentValueOfBenefits.value).toBe('30000.00');
    expect(falls.netPresentBudgetImpact.value).toBe('10000.00');
    expect(falls.financialReturnOnInvestment.value).toBe('1.5000');
    expect(falls.paybackYear.value).toBe(0);
  });

  it('uses the latest assumptions and counts how often they changed', () => {
    const { h, potId, interventionId } = fallsPrevention();
    h.append({
      type: 'InterventionAssumptionsSet',
      data: {
        potId,
        interventionId,
        deadweightPercent: '50',
        attributionPercent: '100',
        optimismBiasPercent: '0',
        benefitProfile: ['100'],
        reason: 'Peer review',
      },
    });
    const falls = reportOf(h, potId).interventions[0]!;
    expect(falls.assumptions).toMatchObject({
      deadweightPercent: '50',
      reason: 'Peer review',
      changes: 2,
    });
    expect(falls.presentValueOfBenefits.value).toBe('15000.00');
  });

  it('leaves out a retracted outcome and a reversed allocation; ROI is n/a and payback null when nothing is spent', () => {
    const { h, potId, allocation, outcome } = fallsPrevention();
    h.retractOutcome(outcome, 'Evidence withdrawn', '2025-11-01');
    h.reverseAllocation(allocation, 'Wrong intervention', '2025-11-01');
    const falls = reportOf(h, potId).interventions[0]!;
    expect(falls.grossBenefits.total).toBe('0.00');
    expect(falls.presentValueOfBenefits.value).toBe('0.00');
    expect(falls.cost.value).toBe('0.00');
    expect(falls.financialReturnOnInvestment.value).toBeNull();
    expect(falls.paybackYear.value).toBeNull();
    expect(falls.whoBenefits).toEqual([]);
  });

  it('never pays back when the PV stays below the cost', () => {
    const { h, potId, interventionId } = fallsPrevention();
    h.allocate(potId, interventionId, { [CC]: '20000.00' }, '2025-06-01', 'More rails');
    const falls = reportOf(h, potId).interventions[0]!;
    expect(falls.cost.value).toBe('40000.00');
    expect(falls.netPresentBudgetImpact.value).toBe('-9871.83');
    expect(falls.paybackYear.value).toBeNull();
  });

  it('with a financial year, counts only allocations and outcomes dated in it', () => {
    const { h, potId, interventionId } = fallsPrevention({ assumptions: false });
    h.allocate(potId, interventionId, { [CC]: '1000.00' }, '2026-05-01', 'Year two');
    h.recordOutcome(potId, interventionId, {
      description: 'Year two',
      effectiveDate: '2026-06-01',
      benefits: [benefit(NHS, '500.00', true)],
      flows: [flow(CC, NHS, '500.00', true)],
    });
    const yearOne = reportOf(h, potId, { financialYear: '2025-26' }).interventions[0]!;
    expect([yearOne.cost.value, yearOne.grossBenefits.total]).toEqual(['20000.00', '30000.00']);
    const yearTwo = reportOf(h, potId, { financialYear: '2026-27' }).interventions[0]!;
    expect([yearTwo.cost.value, yearTwo.grossBenefits.total]).toEqual(['1000.00', '500.00']);
    const all = reportOf(h, potId).interventions[0]!;
    expect([all.cost.value, all.grossBenefits.total]).toEqual(['21000.00', '30500.00']);
  });

  it('sums interventions into pot totals, with the who-benefits rows adding up to the totals exactly', () => {
    const { h, potId } = fallsPrevention();
    const second = h.defineIntervention(potId, 'Home from hospital', POLICE);
    const id2 = second.data.interventionId;
    h.allocate(potId, id2, { [CC]: '0.01', [POLICE]: '0.02' }, '2025-05-01', 'Pilot');
    h.recordOutcome(potId, id2, {
      description: 'Bed days saved',
      effectiveDate: '2025-10-01',
      benefits: [benefit(NHS, '100.00', false), benefit(CC, '33.33', true)],
      flows: [
        flow(CC, CC, '11.11', true),
        flow(CC, NHS, '33.33', false),
        flow(POLICE, CC, '22.22', true),
        flow(POLICE, NHS, '66.67', false),
      ],
    });
    h.append({
      type: 'InterventionAssumptionsSet',
      data: {
        potId,
        interventionId: id2,
        deadweightPercent: '33.33',
        attributionPercent: '66.67',
        optimismBiasPercent: '15',
        benefitProfile: ['50', '50', '50', '50', '50'],
        reason: 'Pilot',
      },
    });
    const report = reportOf(h, potId);
    const [a, b] = report.interventions;
    const exactTotal = new Decimal(a!.presentValueOfBenefits.exact).plus(
      b!.presentValueOfBenefits.exact,
    );
    // Rounded once from the exact total, not summed from rounded parts.
    expect(report.pot.presentValueOfBenefits.value).toBe(pence(exactTotal));
    expect(report.pot.cost.value).toBe('20000.03');
    const rows = report.pot.whoBenefits;
    const add = (values: string[]) => values.reduce((s, v) => s.plus(v), new Decimal(0)).toFixed(2);
    expect(add(rows.map((r) => r.presentValueCashable))).toBe(
      report.pot.presentValueOfBenefits.cashable,
    );
    expect(add(rows.map((r) => r.presentValueNonCashable))).toBe(
      report.pot.presentValueOfBenefits.nonCashable,
    );
    expect(
      add([
        report.pot.presentValueOfBenefits.cashable,
        report.pot.presentValueOfBenefits.nonCashable,
      ]),
    ).toBe(report.pot.presentValueOfBenefits.value);
  });

  it('answers null for an unknown pot and says so for an intervention the pot does not have', () => {
    const { h, potId, interventionId } = fallsPrevention();
    const state = foldAll(costBenefitInputsProjection, h.events);
    expect(costBenefitReport(state, '01ARZ3NDEKTSV4RRFFQ69G5FAV', {}, DEFLATORS)).toBeNull();
    expect(
      costBenefitReport(state, potId, { interventionId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }, DEFLATORS),
    ).toBe('unknown-intervention');
    expect(costBenefitReport(state, potId, { interventionId }, DEFLATORS)).toMatchObject({
      interventions: [{ interventionId }],
    });
  });
});

describe('cost-benefit report: benefits valued from the catalogue are restated in one base year', () => {
  /** Falls prevention again, its outcome now 2 hip fractures at 2008-09 prices plus £1,000 given in pounds. */
  function byQuantity() {
    const { h, potId, interventionId, outcome } = fallsPrevention({ assumptions: false });
    const hipFractures = h.recordOutcome(potId, interventionId, {
      description: '2 hip fractures avoided, and police time',
      effectiveDate: '2025-11-01',
      benefits: [
        benefit(CC, '5400.00', true),
        benefit(NHS, '20000.00', false),
        benefit(POLICE, '1000.00', false),
      ],
      flows: [
        flow(CC, CC, '3240.00', true),
        flow(CC, NHS, '12000.00', false),
        flow(CC, POLICE, '600.00', false),
        flow(POLICE, CC, '2160.00', true),
        flow(POLICE, NHS, '8000.00', false),
        flow(POLICE, POLICE, '400.00', false),
      ],
      lines: [
        {
          unitCostCode: 'HEALTH-HIP-FRACTURE',
          version: 1,
          priceYear: '2008-09',
          unit: 'per incident',
          quantity: '2',
          unitAmount: '12700.00',
          amount: '25400.00',
          split: [
            {
              agencyKind: 'health',
              agencyId: NHS,
              cashable: false,
              unitAmount: '10000.00',
              amount: '20000.00',
            },
            {
              agencyKind: 'council',
              agencyId: CC,
              cashable: true,
              unitAmount: '2700.00',
              amount: '5400.00',
            },
          ],
        },
      ],
    });
    return {
      h,
      potId,
      outcomeId: hipFractures.data.outcomeId,
      inPoundsOutcomeId: outcome.data.outcomeId,
    };
  }

  it('uprates each line by the deflator (2008-09 → 2023-24: × 106.5 ÷ 74.6) and takes pounds as given, showing years and indices', () => {
    const { h, potId, outcomeId, inPoundsOutcomeId } = byQuantity();
    const report = reportOf(h, potId, { baseYear: '2023-24' });
    const falls = report.interventions[0]!;
    // By hand: 25,400 × 106.5 ÷ 74.6 = 36,261.394… → 36,261.39; parts 20,000 : 5,400 by largest remainder.
    const uprated = new Decimal('25400.00').times('106.5').dividedBy('74.6');
    expect(pence(uprated)).toBe('36261.39');
    const nhsExact = new Decimal('36261.39').times(20000).dividedBy(25400); // 28,552.2756… → floor 28,552.27, remainder .56
    const ccExact = new Decimal('36261.39').times(5400).dividedBy(25400); // 7,709.1144… → floor 7,709.11, remainder .44
    expect([nhsExact.toFixed(4), ccExact.toFixed(4)]).toEqual(['28552.2756', '7709.1144']);
    // One penny left over goes to the larger remainder (NHS): 28,552.28 + 7,709.11 = 36,261.39.
    const line = falls.grossBenefits.outcomes!.find((o) => o.outcomeId === outcomeId)!;
    expect(line.lines).toEqual([
      {
        unitCostCode: 'HEALTH-HIP-FRACTURE',
        version: 1,
        quantity: '2',
        unitAmount: '12700.00',
        amount: '25400.00',
        fromYear: '2008-09',
        toYear: '2023-24',
        fromIndex: '74.6',
        toIndex: '106.5',
        upratedAmount: '36261.39',
        parts: [
          { agencyId: NHS, cashable: false, amount: '20000.00', upratedAmount: '28552.28' },
          { agencyId: CC, cashable: true, amount: '5400.00', upratedAmount: '7709.11' },
        ],
      },
    ]);
    expect(line.inPounds).toEqual([{ agencyId: POLICE, cashable: false, amount: '1000.00' }]);
    expect(line.amount).toBe('37261.39');
    // The first outcome (£24,000 + £6,000 in pounds) is unchanged; the gross adds both in 2023-24 prices.
    expect(falls.grossBenefits.inputs).toEqual({
      [`outcome:${inPoundsOutcomeId}`]: '30000.00',
      [`outcome:${outcomeId}`]: '37261.39',
    });
    expect(falls.grossBenefits).toMatchObject({
      total: '67261.39',
      cashable: pence(new Decimal(24000).plus('7709.11')),
      nonCashable: pence(new Decimal(6000).plus('28552.28').plus(1000)),
    });
    expect(report.method.prices).toMatchObject({
      baseYear: '2023-24',
      baseYearSource: 'asked',
      baseYearIndex: '106.5',
    });
  });

  it('defaults to the financial year asked for, else the latest year of the series; refuses years the series does not cover', () => {
    const { h, potId } = byQuantity();
    expect(reportOf(h, potId, { financialYear: '2025-26' }).method.prices).toMatchObject({
      baseYear: '2025-26',
      baseYearSource: 'financial-year',
    });
    expect(reportOf(h, potId).method.prices).toMatchObject({
      baseYear: '2025-26',
      baseYearSource: 'latest-in-series',
    });
    const state = foldAll(costBenefitInputsProjection, h.events);
    expect(costBenefitReport(state, potId, { baseYear: '1990-91' }, DEFLATORS)).toMatchObject({
      refusal: 'base-year-not-covered',
      detail: expect.stringContaining('2005-06'),
    });
    const { ['2008-09']: _gone, ...index } = DEFLATORS.index;
    expect(
      costBenefitReport(state, potId, { baseYear: '2023-24' }, { name: 'short', index }),
    ).toMatchObject({
      refusal: 'price-year-not-covered',
      detail: expect.stringContaining('HEALTH-HIP-FRACTURE (2008-09)'),
    });
  });

  it('a line part that rounded to nothing (and so has no benefit line) is valued at nothing', () => {
    const { h, potId, interventionId } = fallsPrevention({ assumptions: false });
    h.recordOutcome(potId, interventionId, {
      description: 'A hundredth of a unit',
      effectiveDate: '2025-11-01',
      benefits: [benefit(NHS, '0.01', false)],
      flows: [flow(CC, NHS, '0.01', false)],
      lines: [
        {
          unitCostCode: 'TINY',
          version: 1,
          priceYear: '2008-09',
          unit: 'per unit',
          quantity: '0.01',
          unitAmount: '1.00',
          amount: '0.01',
          split: [
            {
              agencyKind: 'health',
              agencyId: NHS,
              cashable: false,
              unitAmount: '0.99',
              amount: '0.01',
            },
            {
              agencyKind: 'council',
              agencyId: CC,
              cashable: true,
              unitAmount: '0.01',
              amount: '0.00',
            },
          ],
        },
      ],
    });
    const falls = reportOf(h, potId, { baseYear: '2008-09' }).interventions[0]!;
    expect(falls.grossBenefits.total).toBe('30000.01');
    expect(
      falls.grossBenefits.outcomes!.at(-1)!.lines[0]!.parts.map((p) => p.upratedAmount),
    ).toEqual(['0.01', '0.00']);
  });

  it('in the price year of the lines, nothing changes', () => {
    const { h, potId } = byQuantity();
    expect(reportOf(h, potId, { baseYear: '2008-09' }).interventions[0]!.grossBenefits.total).toBe(
      '56400.00',
    );
  });
});

describe('cost-benefit report: every figure can be recomputed from its inputs alone', () => {
  it('cost from its allocations (a reversed one named and counted 0.00), gross from its outcomes, who-benefits from gross × share factor', () => {
    const { h, potId, interventionId } = fallsPrevention();
    const extra = h.allocate(
      potId,
      interventionId,
      { [POLICE]: '500.00' },
      '2025-06-01',
      'Mistake',
    );
    h.reverseAllocation(extra, 'Wrong intervention', '2025-06-02');
    const falls = reportOf(h, potId).interventions[0]!;
    const add = (values: readonly string[]) => values.reduce((s, v) => s.plus(v), new Decimal(0));

    const costInputs = falls.cost.inputs;
    const allocationKeys = Object.keys(costInputs).filter((k) => k.startsWith('allocation:'));
    expect(allocationKeys).toHaveLength(2);
    expect(costInputs[`allocation:${extra.data.allocationId}`]).toBe('0.00');
    expect(costInputs[`reversed:${extra.data.allocationId}`]).toContain(
      '500.00 allocated, reversed in full',
    );
    expect(add(allocationKeys.map((k) => costInputs[k]!)).toFixed(2)).toBe(falls.cost.value);

    expect(add(Object.values(falls.grossBenefits.inputs)).toFixed(2)).toBe(
      falls.grossBenefits.value,
    );
    for (const o of falls.grossBenefits.outcomes!) {
      expect(
        add([...o.inPounds.map((p) => p.amount), ...o.lines.map((l) => l.upratedAmount)]).toFixed(
          2,
        ),
      ).toBe(o.amount);
      expect(falls.grossBenefits.inputs[`outcome:${o.outcomeId}`]).toBe(o.amount);
    }

    // Each row's exact PV is its gross × the share factor; the rounded totals split by largest remainder give the rows.
    for (const row of falls.whoBenefits) {
      const factor = new Decimal(row.shareFactor);
      expect(new Decimal(row.inputs.grossCashable!).times(factor).toFixed(2)).toBe(
        new Decimal(row.inputs.presentValueCashableExact!).toFixed(2),
      );
      expect(new Decimal(row.inputs.grossNonCashable!).times(factor).toFixed(2)).toBe(
        new Decimal(row.inputs.presentValueNonCashableExact!).toFixed(2),
      );
      expect(row.formula).toContain('largest remainder');
    }
    // The share factor itself: (1 − 20%) × 75% × (1 − 10%) × (1 + 0.6 ÷ 1.035 + 0.3 ÷ 1.071225).
    const share = new Decimal(0.8)
      .times(0.75)
      .times(0.9)
      .times(
        new Decimal(1)
          .plus(new Decimal('0.6').dividedBy('1.035'))
          .plus(new Decimal('0.3').dividedBy('1.071225')),
      );
    expect(falls.whoBenefits[0]!.shareFactor).toBe(share.toFixed(10));
  });
});
