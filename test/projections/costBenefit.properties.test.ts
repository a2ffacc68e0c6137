/**
 * Properties of the cost-benefit arithmetic, checked against closed forms computed here with
 * decimal.js directly (never the report's own helpers): discounting, the annuity of a flat
 * profile, splits that sum exactly, and neutral assumptions that leave the gross unchanged.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatAmount,
  formatExact,
  money,
  roundToPence,
  splitByWeights,
} from '../../events/money.ts';
import { costBenefitReport, type CostBenefitReport } from '../../projections/costBenefit.ts';
import { costBenefitInputsProjection } from '../../projections/costBenefitInputs.ts';
import { foldAll } from '../../projections/projection.ts';
import { uprate } from '../../events/uprating.ts';
import { readDeflatorFile } from '../../src/unitCosts/unitCostFile.ts';
import { benefit, createHistory, flow } from './envelopes.ts';

const DEFLATORS = readDeflatorFile();

const D = Decimal.clone({ precision: 60 });
const V = new D(1).dividedBy('1.035');
const RUNS = 150;

const penceArb = fc.bigInt({ min: 1n, max: 10n ** 11n });
const percentArb = fc
  .integer({ min: 0, max: 10_000 })
  .map((hundredths) => new D(hundredths).dividedBy(100).toString());
const pounds = (p: bigint): string => `${p / 100n}.${(p % 100n).toString().padStart(2, '0')}`;

interface Case {
  cashablePence: bigint;
  nonCashablePence: bigint;
  deadweight: string;
  attribution: string;
  optimismBias: string;
  profile: string[];
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  cashablePence: penceArb,
  nonCashablePence: penceArb,
  deadweight: percentArb,
  attribution: percentArb,
  optimismBias: percentArb,
  profile: fc.array(percentArb, { minLength: 1, maxLength: 10 }),
});

function reportFor(c: Case): CostBenefitReport['interventions'][number] {
  const h = createHistory();
  const potId = h.openPot({ name: 'P', area: 'A', hostAgencyId: 'cc', partnerAgencyIds: ['cc'] })
    .data.potId;
  h.contribute(potId, 'cc', '100.00', '2025-04-10', 'PO');
  const interventionId = h.defineIntervention(potId, 'I', 'cc').data.interventionId;
  h.allocate(potId, interventionId, { cc: '100.00' }, '2025-05-01', 'r');
  h.recordOutcome(potId, interventionId, {
    description: 'o',
    effectiveDate: '2025-10-01',
    benefits: [
      benefit('nhs', pounds(c.cashablePence), true),
      benefit('police', pounds(c.nonCashablePence), false),
    ],
    flows: [
      flow('cc', 'nhs', pounds(c.cashablePence), true),
      flow('cc', 'police', pounds(c.nonCashablePence), false),
    ],
  });
  h.append({
    type: 'InterventionAssumptionsSet',
    data: {
      potId,
      interventionId,
      deadweightPercent: c.deadweight,
      attributionPercent: c.attribution,
      optimismBiasPercent: c.optimismBias,
      benefitProfile: c.profile,
      reason: 'property',
    },
  });
  const report = costBenefitReport(
    foldAll(costBenefitInputsProjection, h.events),
    potId,
    {},
    DEFLATORS,
  );
  if (report === null || report === 'unknown-intervention' || 'refusal' in report)
    throw new Error('no report');
  return report.interventions[0]!;
}

const adjustedOf = (c: Case) =>
  new D(pounds(c.cashablePence + c.nonCashablePence))
    .times(new D(1).minus(new D(c.deadweight).dividedBy(100)))
    .times(new D(c.attribution).dividedBy(100))
    .times(new D(1).minus(new D(c.optimismBias).dividedBy(100)));

const penceOf = (d: Decimal): string => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);

describe('cost-benefit arithmetic: properties', () => {
  it('discounting matches the closed form Σ b · p_k / 1.035^k', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const b = adjustedOf(c);
        const closedForm = c.profile.reduce(
          (total, p, k) =>
            total.plus(b.times(new D(p).dividedBy(100)).dividedBy(new D('1.035').pow(k))),
          new D(0),
        );
        const report = reportFor(c);
        expect(
          new D(report.presentValueOfBenefits.exact).minus(closedForm).abs().lte('1e-10'),
        ).toBe(true);
        expect(report.presentValueOfBenefits.value).toBe(penceOf(closedForm));
      }),
      { numRuns: RUNS },
    );
  });

  it("a flat profile's present value is the annuity b · p · (1 − v^n) / (1 − v), v = 1/1.035", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 10 }), percentArb, (c, years, p) => {
        const flat = { ...c, profile: Array<string>(years).fill(p) };
        const annuity = adjustedOf(flat)
          .times(new D(p).dividedBy(100))
          .times(new D(1).minus(V.pow(years)))
          .dividedBy(new D(1).minus(V));
        const report = reportFor(flat);
        expect(new D(report.presentValueOfBenefits.exact).minus(annuity).abs().lte('1e-10')).toBe(
          true,
        );
        expect(report.presentValueOfBenefits.value).toBe(penceOf(annuity));
      }),
      { numRuns: RUNS },
    );
  });

  it('zero deadweight, 100% attribution and zero optimism bias leave the gross unchanged', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const neutral = {
          ...c,
          deadweight: '0',
          attribution: '100',
          optimismBias: '0',
          profile: ['100'],
        };
        const report = reportFor(neutral);
        const gross = pounds(c.cashablePence + c.nonCashablePence);
        expect([
          report.netOfDeadweight.value,
          report.afterAttribution.value,
          report.adjustedAnnualBenefit.value,
        ]).toEqual([gross, gross, gross]);
        expect(report.presentValueOfBenefits.value).toBe(gross);
        expect(report.presentValueOfBenefits.cashable).toBe(pounds(c.cashablePence));
        expect(report.presentValueOfBenefits.nonCashable).toBe(pounds(c.nonCashablePence));
      }),
      { numRuns: RUNS },
    );
  });

  it('the who-benefits rows add up exactly to the present value, cashable and non-cashable', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const report = reportFor(c);
        const pv = report.presentValueOfBenefits;
        const add = (xs: string[]) => xs.reduce((t, x) => t.plus(x), new D(0)).toFixed(2);
        expect(add([pv.cashable, pv.nonCashable])).toBe(pv.value);
        expect(add(report.whoBenefits.map((r) => r.presentValueCashable))).toBe(pv.cashable);
        expect(add(report.whoBenefits.map((r) => r.presentValueNonCashable))).toBe(pv.nonCashable);
      }),
      { numRuns: RUNS },
    );
  });

  it('splitByWeights: parts sum to the total exactly, each within a penny of its exact share', () => {
    const weightArb = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 20 }))
      .map(([n, scale]) => new D(n.toString()).dividedBy(new D(10).pow(scale)));
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }),
        fc
          .array(weightArb, { minLength: 1, maxLength: 12 })
          .filter((ws) => ws.some((w) => w.gt(0))),
        (totalPence, weights) => {
          const total = new D(totalPence.toString()).dividedBy(100);
          const keyed = weights.map((w, i) => ({
            key: `k${String(i).padStart(2, '0')}`,
            weight: money(w.toString()),
          }));
          const parts = splitByWeights(money(total.toFixed(2)), keyed);
          const W = weights.reduce((s, w) => s.plus(w), new D(0));
          expect(parts.reduce((s, p) => s.plus(p.amount.toString()), new D(0)).toFixed(2)).toBe(
            total.toFixed(2),
          );
          parts.forEach((part, i) => {
            const share = total.times(weights[i]!).dividedBy(W);
            expect(new D(part.amount.toString()).minus(share).abs().lt('0.01')).toBe(true);
            expect(part.amount.times(100).isInteger()).toBe(true);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('cost-benefit display helpers', () => {
  it('round half away from zero, and never show a negative zero', () => {
    expect(formatAmount(roundToPence(money('2.345')))).toBe('2.35');
    expect(formatAmount(roundToPence(money('-2.345')))).toBe('-2.35');
    expect(formatAmount(roundToPence(money('-0.004')))).toBe('0.00');
    expect(formatExact(money('-0.00000000000001'), 10)).toBe('0.0000000000');
    expect(formatExact(money('1').dividedBy(3), 10)).toBe('0.3333333333');
  });
});

describe('cost-benefit report: uprating outcome lines (properties)', () => {
  const YEARS = Object.keys(DEFLATORS.index).sort();
  const yearArb = fc.constantFrom(...YEARS);
  const AGENCIES = [
    { agencyId: 'nhs', agencyKind: 'health', cashable: false },
    { agencyId: 'cc', agencyKind: 'council', cashable: true },
    { agencyId: 'police', agencyKind: 'police', cashable: false },
  ] as const;
  const lineArb = fc.record({
    priceYear: yearArb,
    partsPence: fc.array(fc.bigInt({ min: 1n, max: 10n ** 9n }), { minLength: 1, maxLength: 3 }),
  });

  function reportWithLines(lines: { priceYear: string; partsPence: bigint[] }[], baseYear: string) {
    const h = createHistory();
    const potId = h.openPot({ name: 'P', area: 'A', hostAgencyId: 'cc', partnerAgencyIds: ['cc'] })
      .data.potId;
    h.contribute(potId, 'cc', '100.00', '2025-04-10', 'PO');
    const interventionId = h.defineIntervention(potId, 'I', 'cc').data.interventionId;
    h.allocate(potId, interventionId, { cc: '100.00' }, '2025-05-01', 'r');
    const valuation = lines.map((l, n) => {
      const total = l.partsPence.reduce((a, b) => a + b, 0n);
      return {
        unitCostCode: `CODE-${n}`,
        version: 1,
        priceYear: l.priceYear,
        unit: 'per unit',
        quantity: '1',
        unitAmount: pounds(total),
        amount: pounds(total),
        split: l.partsPence.map((p, i) => ({
          ...AGENCIES[i]!,
          unitAmount: pounds(p),
          amount: pounds(p),
        })),
      };
    });
    const byAgency = new Map<string, { agencyId: string; cashable: boolean; pence: bigint }>();
    for (const line of valuation)
      for (const part of line.split) {
        const row = byAgency.get(part.agencyId) ?? {
          agencyId: part.agencyId,
          cashable: part.cashable,
          pence: 0n,
        };
        row.pence += BigInt(new D(part.amount).times(100).toFixed(0));
        byAgency.set(part.agencyId, row);
      }
    const benefits = [...byAgency.values()].map((b) =>
      benefit(b.agencyId, pounds(b.pence), b.cashable),
    );
    h.recordOutcome(potId, interventionId, {
      description: 'o',
      effectiveDate: '2025-10-01',
      benefits,
      flows: benefits.map((b) => flow('cc', b.agencyId, b.amount, b.cashable)),
      lines: valuation,
    });
    const report = costBenefitReport(
      foldAll(costBenefitInputsProjection, h.events),
      potId,
      { baseYear },
      DEFLATORS,
    );
    if (report === null || report === 'unknown-intervention' || 'refusal' in report)
      throw new Error('no report');
    return { report, valuation };
  }

  it('uprating to the year the lines are priced in changes nothing', () => {
    fc.assert(
      fc.property(yearArb, fc.array(lineArb, { minLength: 1, maxLength: 4 }), (year, lines) => {
        const samePrices = lines.map((l) => ({ ...l, priceYear: year }));
        const { report, valuation } = reportWithLines(samePrices, year);
        const recorded = valuation.reduce((s, l) => s.plus(l.amount), new D(0)).toFixed(2);
        expect(report.interventions[0]!.grossBenefits.total).toBe(recorded);
      }),
      { numRuns: RUNS },
    );
  });

  it('the uprated gross is Σ uprate(line) over the lines, and the cashable / non-cashable parts add up to it', () => {
    fc.assert(
      fc.property(yearArb, fc.array(lineArb, { minLength: 1, maxLength: 4 }), (baseYear, lines) => {
        const { report, valuation } = reportWithLines(lines, baseYear);
        const gross = report.interventions[0]!.grossBenefits;
        const expected = valuation
          .reduce((s, l) => s.plus(uprate(l.amount, l.priceYear, baseYear, DEFLATORS)), new D(0))
          .toFixed(2);
        expect(gross.total).toBe(expected);
        expect(new D(gross.cashable).plus(gross.nonCashable).toFixed(2)).toBe(expected);
      }),
      { numRuns: RUNS },
    );
  });
});
