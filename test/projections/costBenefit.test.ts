/**
 * The cost-benefit report. The worked example is the one in the README: every figure is
 * recomputed here by hand, with the arithmetic written out (decimal.js directly, not the
 * report's own code), so the test fails if the report ever stops following the method.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { costBenefitReport, type CostBenefitReport } from '../../projections/costBenefit.ts';
import { costBenefitInputsProjection } from '../../projections/costBenefitInputs.ts';
import { foldAll } from '../../projections/projection.ts';
import { ACTORS, benefit, createHistory, flow } from './envelopes.ts';

const CC = 'essex-cc';
const POLICE = 'essex-police';
const NHS = 'nhs-mid-essex';

/** Falls prevention: £20,000 funded (council £12,000, police £8,000); £30,000 of gross benefit. */
function fallsPrevention(o: { assumptions?: boolean } = {}) {
  const h = createHistory();
  const pot = h.openPot({ name: 'Tri-borough Falls', area: 'West London', hostAgencyId: CC, partnerAgencyIds: [CC, POLICE] });
  const potId = pot.data.potId;
  h.contribute(potId, CC, '12000.00', '2025-04-10', 'PO-1');
  h.contribute(potId, POLICE, '8000.00', '2025-04-10', 'PO-2');
  const intervention = h.defineIntervention(potId, 'Falls prevention', CC);
  const interventionId = intervention.data.interventionId;
  const allocation = h.allocate(potId, interventionId, { [CC]: '12000.00', [POLICE]: '8000.00' }, '2025-05-01', 'Grab rails');
  const outcome = h.recordOutcome(potId, interventionId, {
    description: 'Hip fractures avoided',
    effectiveDate: '2025-10-01',
    benefits: [benefit(NHS, '24000.00', true), benefit(CC, '6000.00', false)],
    flows: [flow(CC, CC, '3600.00', false), flow(CC, NHS, '14400.00', true), flow(POLICE, CC, '2400.00', false), flow(POLICE, NHS, '9600.00', true)],
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

function reportOf(h: ReturnType<typeof createHistory>, potId: string, scope = {}): CostBenefitReport {
  const report = costBenefitReport(foldAll(costBenefitInputsProjection, h.events), potId, scope);
  if (report === null || report === 'unknown-intervention') throw new Error(`no report: ${String(report)}`);
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
    expect(falls.grossBenefits).toEqual({ total: '30000.00', cashable: '24000.00', nonCashable: '6000.00' });
    expect(falls.assumptions).toMatchObject({ source: 'set', setBy: 'carol', deadweightPercent: '20', reason: 'Evaluation 2025', changes: 1 });
  });

  it('nets off deadweight, applies attribution, then the optimism-bias correction', () => {
    expect(falls.netOfDeadweight.value).toBe(pence(netOfDeadweight));
    expect(falls.netOfDeadweight.value).toBe('24000.00');
    expect(falls.netOfDeadweight.inputs).toEqual({ grossBenefits: '30000.00', deadweightPercent: '20' });
    expect(falls.afterAttribution.value).toBe('18000.00');
    expect(falls.afterAttribution.value).toBe(pence(afterAttribution));
    expect(falls.adjustedAnnualBenefit.value).toBe('16200.00');
    expect(falls.adjustedAnnualBenefit.value).toBe(pence(adjusted));
  });

  it('profiles the benefit over the years and discounts each year at 3.5%', () => {
    expect(falls.years.map((y) => [y.year, y.profilePercent, y.benefit.value, y.discountFactor, y.presentValue.value])).toEqual([
      [0, '100', pence(year0), '1.0000000000', pence(pv0)],
      [1, '60', pence(year1), new Decimal(1).dividedBy('1.035').toFixed(10), pence(pv1)],
      [2, '30', pence(year2), new Decimal(1).dividedBy('1.071225').toFixed(10), pence(pv2)],
    ]);
    expect(falls.years.map((y) => y.presentValue.value)).toEqual(['16200.00', '9391.30', '4536.86']);
    expect(falls.years.map((y) => y.cumulativePresentValue)).toEqual(['16200.00', '25591.30', '30128.17']);
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
    expect(falls.whoBenefits).toEqual([
      { agencyId: CC, grossCashable: '0.00', grossNonCashable: '6000.00', presentValueCashable: '0.00', presentValueNonCashable: '6025.63' },
      { agencyId: NHS, grossCashable: '24000.00', grossNonCashable: '0.00', presentValueCashable: '24102.54', presentValueNonCashable: '0.00' },
    ]);
  });

  it('totals the pot: one intervention, so the same figures', () => {
    expect(report.pot.presentValueOfBenefits.value).toBe('30128.17');
    expect(report.pot.netPresentBudgetImpact.value).toBe('10128.17');
    expect(report.pot.paybackYear.value).toBe(1);
    expect(report.pot.whoBenefits).toEqual(falls.whoBenefits);
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
      data: { potId, interventionId, deadweightPercent: '50', attributionPercent: '100', optimismBiasPercent: '0', benefitProfile: ['100'], reason: 'Peer review' },
    });
    const falls = reportOf(h, potId).interventions[0]!;
    expect(falls.assumptions).toMatchObject({ deadweightPercent: '50', reason: 'Peer review', changes: 2 });
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
      flows: [flow(CC, CC, '11.11', true), flow(CC, NHS, '33.33', false), flow(POLICE, CC, '22.22', true), flow(POLICE, NHS, '66.67', false)],
    });
    h.append({
      type: 'InterventionAssumptionsSet',
      data: { potId, interventionId: id2, deadweightPercent: '33.33', attributionPercent: '66.67', optimismBiasPercent: '15', benefitProfile: ['50', '50', '50', '50', '50'], reason: 'Pilot' },
    });
    const report = reportOf(h, potId);
    const [a, b] = report.interventions;
    const exactTotal = new Decimal(a!.presentValueOfBenefits.exact).plus(b!.presentValueOfBenefits.exact);
    // Rounded once from the exact total, not summed from rounded parts.
    expect(report.pot.presentValueOfBenefits.value).toBe(pence(exactTotal));
    expect(report.pot.cost.value).toBe('20000.03');
    const rows = report.pot.whoBenefits;
    const add = (values: string[]) => values.reduce((s, v) => s.plus(v), new Decimal(0)).toFixed(2);
    expect(add(rows.map((r) => r.presentValueCashable))).toBe(report.pot.presentValueOfBenefits.cashable);
    expect(add(rows.map((r) => r.presentValueNonCashable))).toBe(report.pot.presentValueOfBenefits.nonCashable);
    expect(add([report.pot.presentValueOfBenefits.cashable, report.pot.presentValueOfBenefits.nonCashable])).toBe(report.pot.presentValueOfBenefits.value);
  });

  it('answers null for an unknown pot and says so for an intervention the pot does not have', () => {
    const { h, potId, interventionId } = fallsPrevention();
    const state = foldAll(costBenefitInputsProjection, h.events);
    expect(costBenefitReport(state, '01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBeNull();
    expect(costBenefitReport(state, potId, { interventionId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).toBe('unknown-intervention');
    expect(costBenefitReport(state, potId, { interventionId })).toMatchObject({ interventions: [{ interventionId }] });
  });
});
