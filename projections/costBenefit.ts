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
 * Prices: benefits valued from the unit-cost catalogue (outcome lines by quantity) are priced
 * in their entries' price years; before anything is added up each line is restated in the
 * report's base year with the GDP-deflator series it is given (uprate / uprateSplit, the
 * catalogue's own rule). Benefits given directly in pounds carry no price year and are taken as
 * already in base-year prices. The series is passed in: this module reads nothing from disk.
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
  formatPence,
  formatRatio,
  fromPence,
  money,
  percentToFraction,
  power,
  roundToPence,
  splitSignedByWeights,
  sum,
  sumPence,
  ZERO,
} from '../events/money.ts';
import { DEFAULT_ASSUMPTIONS } from '../events/interventionAssumptions.ts';
import type { OutcomeValuationLine } from '../events/unitCost.ts';
import { uprateSplit, type DeflatorSeries } from '../events/uprating.ts';
import type {
  BenefitInputs,
  CostBenefitInputsState,
  InterventionInputs,
  OutcomeInputs,
  Undoing,
} from './costBenefitInputs.ts';
import { compareIds } from './ordering.ts';
import { countsIn, type PriorPeriodAdjustmentLine } from './reportingYear.ts';

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
  /** Exact PV ÷ gross for this agency, to EXACT_DECIMAL_PLACES places ("n/a" with no gross). */
  readonly shareFactor: string;
  readonly formula: string;
  readonly inputs: Readonly<Record<string, string>>;
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

/** One outcome line valued from the catalogue, restated in the base year. */
export interface UpratedLineView {
  readonly unitCostCode: string;
  readonly version: number;
  readonly quantity: string;
  readonly unitAmount: string;
  /** quantity × unit amount, in the entry's price year, as the outcome recorded it. */
  readonly amount: string;
  readonly fromYear: string;
  readonly toYear: string;
  readonly fromIndex: string;
  readonly toIndex: string;
  /** amount × toIndex ÷ fromIndex, rounded half-up to the penny. */
  readonly upratedAmount: string;
  /** Each part as recorded, and uprated: the uprated amount split by largest remainder in the recorded parts' proportions. */
  readonly parts: readonly {
    readonly agencyId: string;
    readonly cashable: boolean;
    readonly amount: string;
    readonly upratedAmount: string;
  }[];
}

/** One outcome's benefits in base-year prices: what it was given in pounds plus its uprated lines. */
export interface OutcomeBenefitView {
  readonly outcomeId: string;
  /** The year the outcome is dated in. */
  readonly financialYear: string;
  /**
   * In base-year prices: Σ inPounds + Σ lines' upratedAmount; negative when what counts here is
   * the outcome's retraction (dated in the report's year, the outcome in an earlier one).
   */
  readonly amount: string;
  /** On a negative row only: the retraction that counts here, and the closed year it corrects, if any. */
  readonly retraction?: {
    readonly eventId: string;
    readonly financialYear: string;
    readonly priorPeriodAdjustment?: string;
  };
  /** Benefits given directly in pounds: no price year, taken as already in base-year prices. */
  readonly inPounds: readonly {
    readonly agencyId: string;
    readonly cashable: boolean;
    readonly amount: string;
  }[];
  readonly lines: readonly UpratedLineView[];
}

export interface GrossView extends Figure {
  readonly total: string;
  readonly cashable: string;
  readonly nonCashable: string;
  /** Per outcome (an intervention's view only): the valuation behind each input. */
  readonly outcomes?: readonly OutcomeBenefitView[];
}

/**
 * Outcome payments (payment by results) of an intervention in scope: paid claims, each next to
 * the outcome it evidences when it names one. They are spend from the intervention's funding,
 * so they are already inside `cost` (net funding allocated), never added to it again.
 */
export interface OutcomePaymentsView {
  readonly paid: string;
  readonly claims: readonly {
    readonly claimId: string;
    readonly code: string;
    readonly amount: string;
    readonly paidOn: string;
    readonly financialYear: string;
    readonly outcomeId?: string;
  }[];
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
  readonly presentValueOfBenefits: Figure & {
    readonly cashable: string;
    readonly nonCashable: string;
  };
  readonly cost: Figure;
  readonly netPresentBudgetImpact: Figure;
  readonly financialReturnOnInvestment: ReturnView;
  readonly paybackYear: PaybackView;
  readonly whoBenefits: readonly WhoBenefitsRow[];
  /** Present only for an intervention with outcome payments in scope. */
  readonly outcomePayments?: OutcomePaymentsView;
}

export interface PotCbaView {
  readonly grossBenefits: GrossView;
  readonly presentValueOfBenefits: Figure & {
    readonly cashable: string;
    readonly nonCashable: string;
  };
  readonly cost: Figure;
  readonly netPresentBudgetImpact: Figure;
  readonly financialReturnOnInvestment: ReturnView;
  readonly paybackYear: PaybackView;
  readonly whoBenefits: readonly WhoBenefitsRow[];
}

export interface PricesView {
  /** The financial year whose prices every benefit valued from the catalogue is restated in. */
  readonly baseYear: string;
  /** Why this base year: asked for, the report's financial year, or the latest year the series covers. */
  readonly baseYearSource: 'asked' | 'financial-year' | 'latest-in-series';
  readonly deflator: string;
  readonly baseYearIndex: string;
  readonly rule: string;
}

export interface CostBenefitReport {
  readonly potId: string;
  readonly name: string;
  readonly scope: {
    readonly interventionId?: string;
    readonly financialYear?: string;
    readonly baseYear?: string;
  };
  readonly method: {
    readonly discountRatePercent: string;
    readonly exactDecimalPlaces: number;
    readonly rounding: string;
    readonly prices: PricesView;
  };
  readonly interventions: readonly InterventionCbaView[];
  readonly pot: PotCbaView;
  /** Allocations, outcomes and their undoings in scope that correct a closed year (counted above), in log order. */
  readonly priorPeriodAdjustments: readonly PriorPeriodAdjustmentLine[];
}

export interface CostBenefitScope {
  readonly interventionId?: string;
  /** Only entries dated in this financial year; a reversal or retraction counts in the year it is dated in. */
  readonly financialYear?: string;
  /**
   * The year whose prices catalogue-valued benefits are restated in. Default: `financialYear`
   * when given and the series covers it, else the latest year the series covers.
   */
  readonly baseYear?: string;
}

/** The deflator series the report uprates with (data/deflators.json, loaded by the caller). */
export type Deflators = Pick<DeflatorSeries, 'name' | 'index'>;

/** Why a report cannot be made in the prices asked for; the route answers 400 with `detail`. */
export interface PricesRefusal {
  readonly refusal: 'base-year-not-covered' | 'price-year-not-covered';
  readonly detail: string;
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

/** The years a series covers, oldest first (financial years sort as text). */
export function coveredYears(deflators: Deflators): string[] {
  return Object.keys(deflators.index).sort();
}

/** The base year a report uses: asked for, else the report's financial year if covered, else the series' latest. */
export function baseYearOf(
  scope: CostBenefitScope,
  deflators: Deflators,
): { year: string; source: PricesView['baseYearSource'] } {
  if (scope.baseYear !== undefined) return { year: scope.baseYear, source: 'asked' };
  if (scope.financialYear !== undefined && deflators.index[scope.financialYear] !== undefined)
    return { year: scope.financialYear, source: 'financial-year' };
  return { year: coveredYears(deflators).at(-1)!, source: 'latest-in-series' };
}

/**
 * The report for a pot (all its interventions, or one), or null when the pot does not exist;
 * 'unknown-intervention' when the scope names an intervention the pot does not have; a
 * PricesRefusal when the base year, or the price year of an outcome line in scope, is not in
 * the deflator series (nothing is added up in mixed prices).
 */
export function costBenefitReport(
  state: CostBenefitInputsState,
  potId: string,
  scope: CostBenefitScope,
  deflators: Deflators,
): CostBenefitReport | PricesRefusal | 'unknown-intervention' | null {
  const pot = state.pots.get(potId);
  if (pot === undefined) return null;
  let interventions = [...pot.interventions.values()];
  if (scope.interventionId !== undefined) {
    interventions = interventions.filter((i) => i.interventionId === scope.interventionId);
    if (interventions.length === 0) return 'unknown-intervention';
  }
  const covers = `the deflator series covers ${coveredYears(deflators).join(', ')}`;
  const base = baseYearOf(scope, deflators);
  if (deflators.index[base.year] === undefined) {
    return {
      refusal: 'base-year-not-covered',
      detail: `baseYear ${base.year} cannot be used: ${covers}`,
    };
  }
  const unpriced = new Set<string>();
  for (const i of interventions) {
    for (const { outcome } of outcomesCounted(i, scope.financialYear)) {
      for (const line of outcome.lines)
        if (deflators.index[line.priceYear] === undefined)
          unpriced.add(`${line.unitCostCode} (${line.priceYear})`);
    }
  }
  if (unpriced.size > 0) {
    return {
      refusal: 'price-year-not-covered',
      detail: `outcome lines priced in years the deflator series does not cover cannot be restated in ${base.year} prices: ${[...unpriced].sort().join(', ')}; ${covers}`,
    };
  }
  const computed = interventions.map((i) =>
    interventionReport(i, scope.financialYear, deflators, base.year),
  );
  return {
    potId,
    name: pot.name,
    scope: { ...scope },
    method: {
      discountRatePercent: DISCOUNT_RATE_PERCENT,
      exactDecimalPlaces: EXACT_DECIMAL_PLACES,
      rounding:
        'exact Decimal through the chain; each figure rounded to pence once, half away from zero; who-benefits rows split by largest remainder',
      prices: {
        baseYear: base.year,
        baseYearSource: base.source,
        deflator: deflators.name,
        baseYearIndex: deflators.index[base.year]!,
        rule:
          'benefits valued from the unit-cost catalogue are restated in base-year prices before they are added: amount × index(base year) ÷ index(price year), ' +
          'rounded half-up to the penny, parts by largest remainder; benefits given directly in pounds have no price year and are taken as already in base-year prices',
      },
    },
    interventions: computed.map((c) => c.view),
    pot: potTotals(computed),
    priorPeriodAdjustments: interventions
      .flatMap((i) => i.adjustments.filter((a) => countsIn(a, scope.financialYear)))
      .sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1)),
  };
}

/** Counts in the report's year (every year when none is asked for). */
function inYearOf(financialYear: string | undefined): (year: string) => boolean {
  return (year) => financialYear === undefined || year === financialYear;
}

/**
 * The outcomes that count in the year, each with its sign: an outcome counts in its own year
 * and its retraction, negative, in the retraction's; where both count (one year, or every
 * year) they cancel and neither is listed.
 */
function outcomesCounted(intervention: InterventionInputs, financialYear: string | undefined) {
  const inYear = inYearOf(financialYear);
  const counted: {
    outcomeId: string;
    outcome: OutcomeInputs;
    sign: 1 | -1;
    retraction?: Undoing;
  }[] = [];
  for (const [outcomeId, outcome] of intervention.outcomes)
    if (inYear(outcome.financialYear)) counted.push({ outcomeId, outcome, sign: 1 });
  for (const [outcomeId, { retraction, ...outcome }] of intervention.retractedOutcomes) {
    const original = inYear(outcome.financialYear);
    const undone = inYear(retraction.financialYear);
    // The outcome alone counts as if never retracted: the retraction, later, is not named.
    if (original !== undone)
      counted.push({
        outcomeId,
        outcome,
        ...(original ? { sign: 1 as const } : { sign: -1 as const, retraction }),
      });
  }
  // By outcome id (ULIDs, in the order they were recorded), retracted since or not.
  return counted.sort((a, b) => compareIds(a.outcomeId, b.outcomeId));
}

/** The outcome's benefits in base-year prices, per agency and cashable, with the working. */
function outcomeInBaseYear(
  outcomeId: string,
  outcome: {
    readonly benefits: readonly BenefitInputs[];
    readonly lines: readonly OutcomeValuationLine[];
    readonly financialYear: string;
  },
  deflators: Deflators,
  baseYear: string,
): { view: OutcomeBenefitView; parts: { agencyId: string; cashable: boolean; amount: Money }[] } {
  const keyOf = (agencyId: string, cashable: boolean) => `${agencyId}\u0000${cashable}`;
  // The event's benefits are the pounds given plus the lines' parts: what the lines account
  // for is taken off, and the rest was given in pounds.
  const inPounds = new Map<string, { agencyId: string; cashable: boolean; amount: Money }>();
  for (const b of outcome.benefits) {
    const key = keyOf(b.agencyId, b.cashable);
    const row = inPounds.get(key) ?? { agencyId: b.agencyId, cashable: b.cashable, amount: ZERO };
    row.amount = row.amount.plus(fromPence(b.amount));
    inPounds.set(key, row);
  }
  const parts: { agencyId: string; cashable: boolean; amount: Money }[] = [];
  const lines: UpratedLineView[] = outcome.lines.map((line) => {
    for (const part of line.split) {
      // A part that rounded to nothing has no benefit line (the decider leaves zero parts out).
      if (money(part.amount).isZero()) continue;
      const row = inPounds.get(keyOf(part.agencyId, part.cashable));
      if (row === undefined)
        throw new Error(
          `invariant: outcome ${outcomeId} has a line part for ${part.agencyId} with no benefit`,
        );
      row.amount = row.amount.minus(money(part.amount));
    }
    // Zero parts (a split that rounded to nothing) stay zero and take no weight.
    const weighted = line.split
      .map((part, index) => ({ key: `p${String(index).padStart(2, '0')}`, part }))
      .filter((w) => money(w.part.amount).gt(0));
    const uprated = uprateSplit(
      line.amount,
      weighted.map((w) => ({ key: w.key, amount: w.part.amount })),
      line.priceYear,
      baseYear,
      deflators,
    );
    const upratedByKey = new Map(uprated.parts.map((p) => [p.key, p.amount]));
    const partViews = line.split.map((part, index) => {
      const upratedAmount = upratedByKey.get(`p${String(index).padStart(2, '0')}`) ?? '0.00';
      parts.push({
        agencyId: part.agencyId,
        cashable: part.cashable,
        amount: money(upratedAmount),
      });
      return {
        agencyId: part.agencyId,
        cashable: part.cashable,
        amount: part.amount,
        upratedAmount,
      };
    });
    return {
      unitCostCode: line.unitCostCode,
      version: line.version,
      quantity: line.quantity,
      unitAmount: line.unitAmount,
      amount: line.amount,
      fromYear: line.priceYear,
      toYear: baseYear,
      fromIndex: deflators.index[line.priceYear]!,
      toIndex: deflators.index[baseYear]!,
      upratedAmount: uprated.total,
      parts: partViews,
    };
  });
  const pounds = [...inPounds.values()].filter((row) => {
    if (row.amount.isNegative())
      throw new Error(
        `invariant: outcome ${outcomeId}'s line parts exceed its benefits for ${row.agencyId}`,
      );
    return row.amount.gt(0);
  });
  parts.push(...pounds);
  return {
    view: {
      outcomeId,
      financialYear: outcome.financialYear,
      amount: formatAmount(sum(parts.map((p) => p.amount))),
      inPounds: pounds.map((p) => ({
        agencyId: p.agencyId,
        cashable: p.cashable,
        amount: formatAmount(p.amount),
      })),
      lines,
    },
    parts,
  };
}

function outcomePaymentsOf(
  intervention: InterventionInputs,
  inYear: (year: string) => boolean,
): { outcomePayments?: OutcomePaymentsView } {
  const claims = intervention.outcomePayments.filter((p) => inYear(p.financialYear));
  if (claims.length === 0) return {};
  return {
    outcomePayments: {
      paid: formatAmount(sum(claims.map((c) => money(c.amount)))),
      claims: claims.map((c) => ({ ...c })),
    },
  };
}

function interventionReport(
  intervention: InterventionInputs,
  financialYear: string | undefined,
  deflators: Deflators,
  baseYear: string,
): InterventionExact {
  const inYear = inYearOf(financialYear);
  const assumptions = assumptionsOf(intervention);
  const deadweight = percentToFraction(assumptions.deadweightPercent);
  const attribution = percentToFraction(assumptions.attributionPercent);
  const optimismBias = percentToFraction(assumptions.optimismBiasPercent);

  const agencies = new Map<string, AgencyExact>();
  const outcomeViews: OutcomeBenefitView[] = [];
  for (const { outcomeId, outcome, sign, retraction } of outcomesCounted(
    intervention,
    financialYear,
  )) {
    const valued = outcomeInBaseYear(outcomeId, outcome, deflators, baseYear);
    const amount = money(valued.view.amount).times(sign);
    outcomeViews.push({
      ...valued.view,
      amount: formatAmount(amount),
      ...(retraction === undefined ? {} : { retraction }),
    });
    for (const part of valued.parts) {
      const b = { ...part, amount: part.amount.times(sign) };
      let row = agencies.get(b.agencyId);
      if (row === undefined) {
        row = {
          grossCashable: ZERO,
          grossNonCashable: ZERO,
          pvCashable: ZERO,
          pvNonCashable: ZERO,
        };
        agencies.set(b.agencyId, row);
      }
      if (b.cashable) row.grossCashable = row.grossCashable.plus(b.amount);
      else row.grossNonCashable = row.grossNonCashable.plus(b.amount);
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
      benefit: figure(benefit, 'adjusted annual benefit × profile %', {
        adjustedAnnualBenefit: ex(adjusted),
        profilePercent: percent,
      }),
      discountFactor: ex(factor),
      presentValue: figure(pv, `benefit ÷ 1.035^${year}`, {
        benefit: ex(benefit),
        discountFactor: ex(factor),
      }),
      cumulativePresentValue: formatAmount(roundToPence(cumulative)),
    });
  });
  const pv = cumulative;
  // Each agency's share of the PV is its gross times the same factor the total went through.
  const factor = ONE.minus(deadweight)
    .times(attribution)
    .times(ONE.minus(optimismBias))
    .times(pvFactorSum);
  for (const row of agencies.values()) {
    row.pvCashable = row.grossCashable.times(factor);
    row.pvNonCashable = row.grossNonCashable.times(factor);
  }

  const allocations = [...intervention.allocations]
    .filter(([financialYear]) => inYear(financialYear))
    .flatMap(([, ofYear]) => [...ofYear]);
  // Reversed allocations are named so the reader sees why they count as they do: nothing where
  // the allocation and its reversal both count, the amount in the allocation's year, and minus
  // the amount in the reversal's year.
  // By allocation id (ULIDs, in the order they were made), whether reversed since or not, so a
  // year's answer reads the same before and after a later reversal.
  // Cost is a sum of whole-pence entries (no rates), so it is added in pence.
  const costLines: [string, [string, string][]][] = allocations.map(([id, amount]) => [
    id,
    [[`allocation:${id}`, formatPence(amount)]],
  ]);
  let costPence = sumPence(allocations.map(([, amount]) => amount));
  for (const [id, r] of intervention.reversedAllocations) {
    const original = inYear(r.financialYear);
    const undone = inYear(r.reversal.financialYear);
    if (!original && !undone) continue;
    const counted = original && undone ? 0n : original ? r.amount : -r.amount;
    costPence += counted;
    const lines: [string, string][] = [[`allocation:${id}`, formatPence(counted)]];
    // A reversal counted in a later year is not named here: a year's answer never changes for
    // anything dated after it.
    if (undone) {
      const label =
        r.reversal.priorPeriodAdjustment === undefined
          ? ''
          : `, a prior-period adjustment for ${r.reversal.priorPeriodAdjustment}`;
      lines.push([
        `reversed:${id}`,
        original
          ? `${formatPence(r.amount)} allocated, reversed in full by event ${r.reversal.eventId}`
          : `reversal by event ${r.reversal.eventId} of ${formatPence(r.amount)} allocated in ${r.financialYear}${label}`,
      ]);
    }
    costLines.push([id, lines]);
  }
  // Year-end settlements in scope: what each changed the intervention's funding by.
  const settlementLines: [string, string][] = [];
  for (const [financialYear, settled] of [...intervention.settlements].sort(([a], [b]) =>
    compareIds(a, b),
  )) {
    if (!inYear(financialYear)) continue;
    costPence += settled.amount;
    settlementLines.push([`settlement:${financialYear}`, formatPence(settled.amount)]);
  }
  const cost = fromPence(costPence);
  const costInputs: Record<string, string> = Object.fromEntries([
    ...costLines.sort(([a], [b]) => compareIds(a, b)).flatMap(([, lines]) => lines),
    ...settlementLines,
  ]);
  const exactCashable = grossCashable.times(factor);
  const exactNonCashable = grossNonCashable.times(factor);
  const headline = headlineFigures(pv, cost, pvByYear, exactCashable, exactNonCashable);
  const view: InterventionCbaView = {
    interventionId: intervention.interventionId,
    name: intervention.name,
    leadAgencyId: intervention.leadAgencyId,
    assumptions,
    grossBenefits: {
      ...figure(
        gross,
        `Σ over outcomes of their benefits in ${baseYear} prices (lines by quantity uprated; amounts in pounds as given)`,
        Object.fromEntries(outcomeViews.map((o) => [`outcome:${o.outcomeId}`, o.amount])),
      ),
      total: formatAmount(gross),
      cashable: formatAmount(grossCashable),
      nonCashable: formatAmount(grossNonCashable),
      outcomes: outcomeViews,
    },
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
    cost: {
      ...headline.cost,
      formula:
        "Σ over allocations counted in scope, less the reversals counted in it (an allocation and its reversal both in scope count 0.00), plus what each year-end settlement in scope changed the funding by (cover and partners' shares less released underspend); not discounted",
      inputs: costInputs,
    },
    whoBenefits: whoBenefitsRows(agencies, headline.presentValueOfBenefits, {
      shareFactor: factor,
      working: `(1 − ${assumptions.deadweightPercent}%) × ${assumptions.attributionPercent}% × (1 − ${assumptions.optimismBiasPercent}%) × Σ over years of profile % ÷ 1.035^year`,
    }),
    ...outcomePaymentsOf(intervention, inYear),
  };
  return {
    view,
    gross: { total: gross, cashable: grossCashable, nonCashable: grossNonCashable },
    pv,
    cost,
    pvByYear,
    agencies,
  };
}

function headlineFigures(
  pv: Money,
  cost: Money,
  pvByYear: readonly Money[],
  grossCashable: Money,
  grossNonCashable: Money,
) {
  const pvRounded = roundToPence(pv);
  const [pvCashable, pvNonCashable] = splitCashable(pvRounded, grossCashable, grossNonCashable);
  const npbi = pv.minus(cost);
  return {
    presentValueOfBenefits: {
      ...figure(
        pv,
        'Σ over years of benefit ÷ 1.035^year',
        Object.fromEntries(pvByYear.map((v, year) => [`year${year}`, ex(v)])),
      ),
      cashable: formatAmount(pvCashable),
      nonCashable: formatAmount(pvNonCashable),
    },
    cost: figure(cost, 'net funding allocated (allocations less reversals); not discounted', {}),
    netPresentBudgetImpact: figure(npbi, 'present value of benefits − cost', {
      presentValueOfBenefits: ex(pv),
      cost: formatAmount(cost),
    }),
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
  return {
    value,
    formula:
      'first year whose cumulative present value of benefits ≥ cost; null when none does or the cost is zero',
    inputs,
  };
}

/**
 * Splits rounded PV into cashable and non-cashable by their exact present values (largest
 * remainder); the two may have opposite signs when a retraction counts in the year.
 */
function splitCashable(
  pvRounded: Money,
  cashableWeight: Money,
  nonCashableWeight: Money,
): [Money, Money] {
  if (cashableWeight.isZero() && nonCashableWeight.isZero()) return [ZERO, ZERO];
  const [c, n] = splitSignedByWeights(pvRounded, [
    { key: 'cashable', weight: cashableWeight },
    { key: 'nonCashable', weight: nonCashableWeight },
  ]);
  return [c!.amount, n!.amount];
}

/**
 * Each row's exact PV is its gross × the share factor (the intervention's, or at pot level the
 * sum of its interventions' exact PVs); the rounded PV totals are then split across the rows by
 * largest remainder in proportion to those exact values, so the rows add up to the totals.
 */
function whoBenefitsRows(
  agencies: Map<string, AgencyExact>,
  pv: { cashable: string; nonCashable: string },
  share?: { shareFactor: Money; working: string },
  perIntervention?: ReadonlyMap<string, ReadonlyMap<string, AgencyExact>>,
): WhoBenefitsRow[] {
  const ids = [...agencies.keys()].sort(compareIds);
  const split = (total: string, weightOf: (a: AgencyExact) => Money): Map<string, Money> => {
    const weights = ids.map((id) => ({ key: id, weight: weightOf(agencies.get(id)!) }));
    if (weights.every((w) => w.weight.isZero())) return new Map(ids.map((id) => [id, ZERO]));
    return new Map(splitSignedByWeights(money(total), weights).map((p) => [p.key, p.amount]));
  };
  const cashable = split(pv.cashable, (a) => a.pvCashable);
  const nonCashable = split(pv.nonCashable, (a) => a.pvNonCashable);
  const splitRule = `rows' PV: the rounded PV totals (cashable ${pv.cashable}, non-cashable ${pv.nonCashable}) split across the agencies by largest remainder in proportion to each row's exact PV`;
  return ids.map((id) => {
    const a = agencies.get(id)!;
    const gross = a.grossCashable.plus(a.grossNonCashable);
    const factor =
      share?.shareFactor ??
      (gross.isZero() ? null : a.pvCashable.plus(a.pvNonCashable).dividedBy(gross));
    const inputs: Record<string, string> = {
      grossCashable: formatAmount(a.grossCashable),
      grossNonCashable: formatAmount(a.grossNonCashable),
      presentValueCashableExact: ex(a.pvCashable),
      presentValueNonCashableExact: ex(a.pvNonCashable),
      totalPresentValueCashable: pv.cashable,
      totalPresentValueNonCashable: pv.nonCashable,
    };
    if (share !== undefined) inputs.shareFactor = ex(share.shareFactor);
    for (const [interventionId, rows] of perIntervention ?? []) {
      const row = rows.get(id);
      if (row === undefined) continue;
      inputs[`${interventionId}.presentValueCashableExact`] = ex(row.pvCashable);
      inputs[`${interventionId}.presentValueNonCashableExact`] = ex(row.pvNonCashable);
    }
    return {
      agencyId: id,
      grossCashable: formatAmount(a.grossCashable),
      grossNonCashable: formatAmount(a.grossNonCashable),
      presentValueCashable: formatAmount(cashable.get(id)!),
      presentValueNonCashable: formatAmount(nonCashable.get(id)!),
      shareFactor: factor === null ? 'n/a' : ex(factor),
      formula:
        share !== undefined
          ? `exact PV = gross × share factor, share factor = ${share.working}; ${splitRule}`
          : `exact PV = Σ over interventions of the row's exact PV (share factor = that ÷ gross); ${splitRule}`,
      inputs,
    };
  });
}

function potTotals(computed: readonly InterventionExact[]): PotCbaView {
  const pv = sum(computed.map((c) => c.pv));
  const cost = sum(computed.map((c) => c.cost));
  const grossCashable = sum(computed.map((c) => c.gross.cashable));
  const grossNonCashable = sum(computed.map((c) => c.gross.nonCashable));
  const maxYears = Math.max(0, ...computed.map((c) => c.pvByYear.length));
  const pvByYear = Array.from({ length: maxYears }, (_, year) =>
    sum(computed.map((c) => c.pvByYear[year] ?? ZERO)),
  );
  const agencies = new Map<string, AgencyExact>();
  for (const c of computed) {
    for (const [id, a] of c.agencies) {
      const row = agencies.get(id) ?? {
        grossCashable: ZERO,
        grossNonCashable: ZERO,
        pvCashable: ZERO,
        pvNonCashable: ZERO,
      };
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
      ...figure(
        grossCashable.plus(grossNonCashable),
        "Σ over interventions of their gross benefits (each in the report's base-year prices)",
        Object.fromEntries(
          computed.map((c) => [c.view.interventionId, formatAmount(c.gross.total)]),
        ),
      ),
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
    cost: {
      ...headline.cost,
      formula: 'Σ over interventions of their cost',
      inputs: Object.fromEntries(
        computed.map((c) => [c.view.interventionId, formatAmount(c.cost)]),
      ),
    },
    whoBenefits: whoBenefitsRows(
      agencies,
      headline.presentValueOfBenefits,
      undefined,
      new Map(computed.map((c) => [c.view.interventionId, c.agencies])),
    ),
  };
}

function assumptionsOf(intervention: InterventionInputs): AssumptionsView {
  const set = intervention.assumptions;
  if (set === null)
    return {
      ...DEFAULT_ASSUMPTIONS,
      benefitProfile: [...DEFAULT_ASSUMPTIONS.benefitProfile],
      source: 'default',
      changes: 0,
    };
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
