/**
 * The cost-benefit report (HM Treasury Green Book / New Economy (GMCA) CBA model), made from
 * the ledger's own records so the figures a place board sees are the audited ones.
 *
 * Per intervention: gross benefits (outcomes not retracted, by beneficiary agency, cashable and
 * non-cashable apart) → × (1 − deadweight) → × attribution → × (1 − optimism bias) = the
 * adjusted annual benefit → profiled over the years (year k counts profile[k] % of it) →
 * discounted at 3.5% a year (year 0 undiscounted, year k divided by 1.035^k) → present value
 * of benefits. Cost = net funding allocated. Net present budget impact = PV − cost; financial
 * return on investment = PV ÷ cost; payback year = first year the cumulative PV reaches cost.
 *
 * Rounding: every working value stays Decimal at full precision (40 significant digits) through
 * the chain; each figure is rounded to pence once, for display, from its own exact value (so
 * year rows rounded one by one may differ from the rounded total by a penny, and `exact`
 * shows why). The who-benefits table is the one split: the rounded present values are split
 * across cashable / non-cashable and then across agencies by largest remainder, so its rows
 * add up to the totals exactly.
 */
import type { Money } from '../events/money.ts';
import {
  exact,
  formatAmount,
  formatExact,
  formatRatio,
  money,
  percentToFraction,
  power,
  roundToPence,
  splitByWeights,
  sum,
  ZERO,
} from '../events/money.ts';
import { DEFAULT_ASSUMPTIONS } from '../events/interventionAssumptions.ts';
import type { CostBenefitInputsState, InterventionInputs } from './costBenefitInputs.ts';
import { compareIds } from './ordering.ts';

/** HM Treasury Green Book social time preference rate, years 0–30. */
export const DISCOUNT_RATE_PERCENT = '3.5';
/** Working values written out for the reader to this many decimal places. */
export const EXACT_DECIMAL_PLACES = 10;

/** A figure with what it is made of, so an auditor can recompute it by hand. */
export interface Figure {
  /** Rounded to pence (half away from zero), once, from `exact`. */
  readonly value: string;
  /** The working value before rounding, to EXACT_DECIMAL_PLACES places. */
  readonly exact: string;
  readonly formula: string;
  readonly inputs: Readonly<Record<string, string>>;
}

export interface AssumptionsView {
  readonly deadweightPercent: string;
  readonly attributionPercent: string;
  readonly optimismBiasPercent: string;
  readonly benefitProfile: readonly string[];
  /** 'default' until someone sets them: deadweight 0, attribution 100, optimism bias 0, profile [100]. */
  readonly source: 'default' | 'set';
  readonly setAt?: string;
  readonly setBy?: string;
  readonly eventId?: string;
  readonly reason?: string;
  /** How many times they have been set. */
  readonly changes: number;
}

export interface YearView {
  /** 0 is the year the benefit is recorded in. */
  readonly year: number;
  readonly profilePercent: string;
  readonly benefit: Figure;
  /** 1 ÷ 1.035^year, to EXACT_DECIMAL_PLACES places. */
  readonly discountFactor: string;
  readonly presentValue: Figure;
  /** Rounded from the exact running total. */
  readonly cumulativePresentValue: string;
}

export interface WhoBenefitsRow {
  readonly agencyId: string;
  readonly grossCashable: string;
  readonly grossNonCashable: string;
  readonly presentValueCashable: string;
  readonly presentValueNonCashable: string;
}

export interface ReturnView {
  /** PV of benefits ÷ cost to 4 places; null ("n/a") when the cost is zero. */
  readonly value: string | null;
  readonly formula: string;
  readonly inputs: Readonly<Record<string, string>>;
}

export interface PaybackView {
  /** First year whose cumulative PV of benefits reaches the cost; null when none does, or nothing was spent. */
  readonly value: number | null;
  readonly formula: string;
  readonly inputs: Readonly<Record<string, string>>;
}

export interface GrossView {
  readonly total: string;
  readonly cashable: string;
  readonly nonCashable: string;
}

export interface InterventionCbaView {
  readonly interventionId: string;
  readonly name: string;
  readonly leadAgencyId: string;
  readonly assumptions: AssumptionsView;
  readonly grossBenefits: GrossView;
  readonly netOfDeadweight: Figure;
  readonly afterAttribution: Figure;
  readonly adjustedAnnualBenefit: Figure;
  readonly years: readonly YearView[];
  readonly presentValueOfBenefits: Figure & { readonly cashable: string; readonly nonCashable: string };
  readonly cost: Figure;
  readonly netPresentBudgetImpact: Figure;
  readonly financialReturnOnInvestment: ReturnView;
  readonly paybackYear: PaybackView;
  readonly whoBenefits: readonly WhoBenefitsRow[];
}

export interface PotCbaView {
  readonly grossBenefits: GrossView;
  readonly presentValueOfBenefits: Figure & { readonly cashable: string; readonly nonCashable: string };
  readonly cost: Figure;
  readonly netPresentBudgetImpact: Figure;
  readonly financialReturnOnInvestment: ReturnView;
  readonly paybackYear: PaybackView;
  readonly whoBenefits: readonly WhoBenefitsRow[];
}

export interface CostBenefitReport {
  readonly potId: string;
  readonly name: string;
  readonly scope: { readonly interventionId?: string; readonly financialYear?: string };
  readonly method: { readonly discountRatePercent: string; readonly exactDecimalPlaces: number; readonly rounding: string };
  readonly interventions: readonly InterventionCbaView[];
  readonly pot: PotCbaView;
}

export interface CostBenefitScope {
  readonly interventionId?: string;
  /** Only allocations and outcomes dated in this financial year (reversals count in their original's year). */
  readonly financialYear?: string;
}

/** Exact per-agency gross and present values, for the who-benefits tables. */
interface AgencyExact {
  grossCashable: Money;
  grossNonCashable: Money;
  pvCashable: Money;
  pvNonCashable: Money;
}

interface InterventionExact {
  readonly view: InterventionCbaView;
  readonly gross: { total: Money; cashable: Money; nonCashable: Money };
  readonly pv: Money;
  readonly cost: Money;
  readonly pvByYear: readonly Money[];
  readonly agencies: Map<string, AgencyExact>;
}

const ONE = exact(1);
const DISCOUNT_BASE = ONE.plus(percentToFraction(DISCOUNT_RATE_PERCENT));

/** 1 ÷ 1.035^year: year 0 is undiscounted. */
export function discountFactor(year: number): Money {
  return ONE.dividedBy(power(DISCOUNT_BASE, year));
}

/**
 * The report for a pot (all its interventions, or one), or null when the pot does not exist;
 * 'unknown-intervention' when the scope names an intervention the pot does not have.
 */
export function costBenefitReport(state: CostBenefitInputsState, potId: string, scope: CostBenefitScope = {}): CostBenefitReport | 'unknown-intervention' | null {
  const pot = state.pots.get(potId);
  if (pot === undefined) return null;
  let interventions = [...pot.interventions.values()];
  if (scope.interventionId !== undefined) {
    interventions = interventions.filter((i) => i.interventionId === scope.interventionId);
    if (interventions.length === 0) return 'unknown-intervention';
  }
  const computed = interventions.map((i) => interventionReport(i, scope.financialYear));
  return {
    potId,
    name: pot.name,
    scope: { ...scope },
    method: {
      discountRatePercent: DISCOUNT_RATE_PERCENT,
      exactDecimalPlaces: EXACT_DECIMAL_PLACES,
      rounding: 'exact Decimal through the chain; each figure rounded to pence once, half away from zero; who-benefits rows split by largest remainder',
    },
    interventions: computed.map((c) => c.view),
    pot: potTotals(computed),
  };
}

function interventionReport(intervention: InterventionInputs, financialYear: string | undefined): InterventionExact {
  const inYear = (fy: string): boolean => financialYear === undefined || fy === financialYear;
  const assumptions = assumptionsOf(intervention);
  const deadweight = percentToFraction(assumptions.deadweightPercent);
  const attribution = percentToFraction(assumptions.attributionPercent);
  const optimismBias = percentToFraction(assumptions.optimismBiasPercent);

  const agencies = new Map<string, AgencyExact>();
  for (const outcome of intervention.outcomes.values()) {
    if (!inYear(outcome.financialYear)) continue;
    for (const b of outcome.benefits) {
      let row = agencies.get(b.agencyId);
      if (row === undefined) {
        row = { grossCashable: ZERO, grossNonCashable: ZERO, pvCashable: ZERO, pvNonCashable: ZERO };
        agencies.set(b.agencyId, row);
      }
      if (b.cashable) row.grossCashable = row.grossCashable.plus(money(b.amount));
      else row.grossNonCashable = row.grossNonCashable.plus(money(b.amount));
    }
  }
  const grossCashable = sum([...agencies.values()].map((a) => a.grossCashable));
  const grossNonCashable = sum([...agencies.values()].map((a) => a.grossNonCashable));
  const gross = grossCashable.plus(grossNonCashable);

  const netOfDeadweight = gross.times(ONE.minus(deadweight));
  const afterAttribution = netOfDeadweight.times(attribution);
  const adjusted = afterAttribution.times(ONE.minus(optimismBias));

  const years: YearView[] = [];
  const pvByYear: Money[] = [];
  let cumulative = ZERO;
  let pvFactorSum = ZERO;
  assumptions.benefitProfile.forEach((percent, year) => {
    const share = percentToFraction(percent);
    const benefit = adjusted.times(share);
    const factor = discountFactor(year);
    const pv = benefit.times(factor);
    pvFactorSum = pvFactorSum.plus(share.times(factor));
    cumulative = cumulative.plus(pv);
    pvByYear.push(pv);
    years.push({
      year,
      profilePercent: percent,
      benefit: figure(benefit, 'adjusted annual benefit × profile %', { adjustedAnnualBenefit: ex(adjusted), profilePercent: percent }),
      discountFactor: ex(factor),
      presentValue: figure(pv, `benefit ÷ 1.035^${year}`, { benefit: ex(benefit), discountFactor: ex(factor) }),
      cumulativePresentValue: formatAmount(roundToPence(cumulative)),
    });
  });
  const pv = cumulative;
  // Each agency's share of the PV is its gross times the same factor the total went through.
  const factor = ONE.minus(deadweight).times(attribution).times(ONE.minus(optimismBias)).times(pvFactorSum);
  for (const row of agencies.values()) {
    row.pvCashable = row.grossCashable.times(factor);
    row.pvNonCashable = row.grossNonCashable.times(factor);
  }

  const cost = sum([...intervention.allocations.values()].filter((a) => inYear(a.financialYear)).map((a) => a.amount));
  const headline = headlineFigures(pv, cost, pvByYear, grossCashable, grossNonCashable);
  const view: InterventionCbaView = {
    interventionId: intervention.interventionId,
    name: intervention.name,
    leadAgencyId: intervention.leadAgencyId,
    assumptions,
    grossBenefits: { total: formatAmount(gross), cashable: formatAmount(grossCashable), nonCashable: formatAmount(grossNonCashable) },
    netOfDeadweight: figure(netOfDeadweight, 'gross benefits × (1 − deadweight %)', {
      grossBenefits: formatAmount(gross),
      deadweightPercent: assumptions.deadweightPercent,
    }),
    afterAttribution: figure(afterAttribution, 'net of deadweight × attribution %', {
      netOfDeadweight: ex(netOfDeadweight),
      attributionPercent: assumptions.attributionPercent,
    }),
    adjustedAnnualBenefit: figure(adjusted, 'after attribution × (1 − optimism bias %)', {
      afterAttribution: ex(afterAttribution),
      optimismBiasPercent: assumptions.optimismBiasPercent,
    }),
    years,
    ...headline,
    whoBenefits: whoBenefitsRows(agencies, headline.presentValueOfBenefits),
  };
  return { view, gross: { total: gross, cashable: grossCashable, nonCashable: grossNonCashable }, pv, cost, pvByYear, agencies };
}

function headlineFigures(pv: Money, cost: Money, pvByYear: readonly Money[], grossCashable: Money, grossNonCashable: Money) {
  const pvRounded = roundToPence(pv);
  const [pvCashable, pvNonCashable] = splitCashable(pvRounded, grossCashable, grossNonCashable);
  const npbi = pv.minus(cost);
  return {
    presentValueOfBenefits: {
      ...figure(pv, 'Σ over years of benefit ÷ 1.035^year', Object.fromEntries(pvByYear.map((v, year) => [`year${year}`, ex(v)]))),
      cashable: formatAmount(pvCashable),
      nonCashable: formatAmount(pvNonCashable),
    },
    cost: figure(cost, 'net funding allocated (allocations less reversals); not discounted', {}),
    netPresentBudgetImpact: figure(npbi, 'present value of benefits − cost', { presentValueOfBenefits: ex(pv), cost: formatAmount(cost) }),
    financialReturnOnInvestment: {
      value: formatRatio(pv, cost),
      formula: 'present value of benefits ÷ cost (n/a when the cost is zero)',
      inputs: { presentValueOfBenefits: ex(pv), cost: formatAmount(cost) },
    },
    paybackYear: paybackOf(pvByYear, cost),
  };
}

function paybackOf(pvByYear: readonly Money[], cost: Money): PaybackView {
  const inputs: Record<string, string> = { cost: formatAmount(cost) };
  let cumulative = ZERO;
  let value: number | null = null;
  pvByYear.forEach((pv, year) => {
    cumulative = cumulative.plus(pv);
    inputs[`cumulativeYear${year}`] = ex(cumulative);
    if (value === null && cost.gt(0) && cumulative.gte(cost)) value = year;
  });
  return { value, formula: 'first year whose cumulative present value of benefits ≥ cost; null when none does or the cost is zero', inputs };
}

/** Splits rounded PV into cashable and non-cashable in proportion to the gross (largest remainder). */
function splitCashable(pvRounded: Money, cashableWeight: Money, nonCashableWeight: Money): [Money, Money] {
  if (cashableWeight.plus(nonCashableWeight).isZero()) return [ZERO, ZERO];
  const [c, n] = splitByWeights(pvRounded, [
    { key: 'cashable', weight: cashableWeight },
    { key: 'nonCashable', weight: nonCashableWeight },
  ]);
  return [c!.amount, n!.amount];
}

function whoBenefitsRows(agencies: Map<string, AgencyExact>, pv: { cashable: string; nonCashable: string }): WhoBenefitsRow[] {
  const ids = [...agencies.keys()].sort(compareIds);
  const split = (total: string, weightOf: (a: AgencyExact) => Money): Map<string, Money> => {
    const weights = ids.map((id) => ({ key: id, weight: weightOf(agencies.get(id)!) }));
    if (weights.every((w) => w.weight.isZero())) return new Map(ids.map((id) => [id, ZERO]));
    return new Map(splitByWeights(money(total), weights).map((p) => [p.key, p.amount]));
  };
  const cashable = split(pv.cashable, (a) => a.pvCashable);
  const nonCashable = split(pv.nonCashable, (a) => a.pvNonCashable);
  return ids.map((id) => {
    const a = agencies.get(id)!;
    return {
      agencyId: id,
      grossCashable: formatAmount(a.grossCashable),
      grossNonCashable: formatAmount(a.grossNonCashable),
      presentValueCashable: formatAmount(cashable.get(id)!),
      presentValueNonCashable: formatAmount(nonCashable.get(id)!),
    };
  });
}

function potTotals(computed: readonly InterventionExact[]): PotCbaView {
  const pv = sum(computed.map((c) => c.pv));
  const cost = sum(computed.map((c) => c.cost));
  const grossCashable = sum(computed.map((c) => c.gross.cashable));
  const grossNonCashable = sum(computed.map((c) => c.gross.nonCashable));
  const maxYears = Math.max(0, ...computed.map((c) => c.pvByYear.length));
  const pvByYear = Array.from({ length: maxYears }, (_, year) => sum(computed.map((c) => c.pvByYear[year] ?? ZERO)));
  const agencies = new Map<string, AgencyExact>();
  for (const c of computed) {
    for (const [id, a] of c.agencies) {
      const row = agencies.get(id) ?? { grossCashable: ZERO, grossNonCashable: ZERO, pvCashable: ZERO, pvNonCashable: ZERO };
      row.grossCashable = row.grossCashable.plus(a.grossCashable);
      row.grossNonCashable = row.grossNonCashable.plus(a.grossNonCashable);
      row.pvCashable = row.pvCashable.plus(a.pvCashable);
      row.pvNonCashable = row.pvNonCashable.plus(a.pvNonCashable);
      agencies.set(id, row);
    }
  }
  // The pot's PV is split into cashable and non-cashable by the exact PVs, not the gross: each
  // intervention's assumptions weigh its cashable and non-cashable benefits differently.
  const pvCashableExact = sum([...agencies.values()].map((a) => a.pvCashable));
  const pvNonCashableExact = sum([...agencies.values()].map((a) => a.pvNonCashable));
  const headline = headlineFigures(pv, cost, pvByYear, pvCashableExact, pvNonCashableExact);
  return {
    grossBenefits: {
      total: formatAmount(grossCashable.plus(grossNonCashable)),
      cashable: formatAmount(grossCashable),
      nonCashable: formatAmount(grossNonCashable),
    },
    ...headline,
    presentValueOfBenefits: {
      ...headline.presentValueOfBenefits,
      formula: 'Σ over interventions of their present value of benefits',
      inputs: Object.fromEntries(computed.map((c) => [c.view.interventionId, ex(c.pv)])),
    },
    cost: { ...headline.cost, formula: 'Σ over interventions of their cost', inputs: Object.fromEntries(computed.map((c) => [c.view.interventionId, formatAmount(c.cost)])) },
    whoBenefits: whoBenefitsRows(agencies, headline.presentValueOfBenefits),
  };
}

function assumptionsOf(intervention: InterventionInputs): AssumptionsView {
  const set = intervention.assumptions;
  if (set === null) return { ...DEFAULT_ASSUMPTIONS, benefitProfile: [...DEFAULT_ASSUMPTIONS.benefitProfile], source: 'default', changes: 0 };
  return {
    deadweightPercent: set.values.deadweightPercent,
    attributionPercent: set.values.attributionPercent,
    optimismBiasPercent: set.values.optimismBiasPercent,
    benefitProfile: [...set.values.benefitProfile],
    source: 'set',
    setAt: set.recordedAt,
    setBy: set.actor.sub,
    eventId: set.eventId,
    reason: set.values.reason,
    changes: intervention.assumptionChanges,
  };
}

function figure(value: Money, formula: string, inputs: Record<string, string>): Figure {
  return { value: formatAmount(roundToPence(value)), exact: ex(value), formula, inputs };
}

function ex(value: Money): string {
  return formatExact(value, EXACT_DECIMAL_PLACES);
}
