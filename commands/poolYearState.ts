/**
 * The pooled-fund year's part of the pot aggregate (../shared/POOLED-FUND-YEAR.md): the
 * agreement in force, scheme details, spend, commitments and forecasts, each scheme's figures
 * per financial year, the settled years and the partners' risk-share debts.
 *
 * A year's figures follow the one year rule (projections/reportingYear.ts): an entry counts in
 * the financial year of its own effective date, a reversal in the year it is dated in.
 */
import type {
  AgreementRecorded,
  FinancialYearSettled,
  OverspendRule,
  SchemeDetailsRecorded,
  UnderspendRule,
} from '../events/poolYear.ts';
import { money, ZERO, type Money } from '../events/money.ts';
import { financialYearOf } from '../events/primitives.ts';

export interface AgreementVersion {
  readonly version: number;
  readonly eventId: string;
  readonly reference: string;
  readonly boardDecisionRef: string;
  readonly spendTracking: boolean;
  readonly overspend: OverspendRule;
  readonly underspend: UnderspendRule;
  readonly data: AgreementRecorded;
}

export interface SpendRecord {
  readonly eventId: string;
  readonly interventionId: string;
  readonly amount: Money;
  readonly effectiveDate: string;
  readonly commitmentId?: string;
  /** What the spend released of its commitment. */
  readonly commitmentReleased: Money;
  reversed: boolean;
}

export interface CommitmentRecord {
  readonly eventId: string;
  readonly interventionId: string;
  readonly amount: Money;
  readonly effectiveDate: string;
  /** Raised − released − spent against − cancelled. */
  outstanding: Money;
  reversed: boolean;
}

export interface ForecastRecord {
  readonly eventId: string;
  readonly interventionId: string;
  readonly financialYear: string;
  readonly quarter: number;
  withdrawn: boolean;
}

/** One scheme's figures in one financial year. */
export interface SchemeYear {
  /** Net allocations dated in the year. */
  budget: Money;
  /** Each partner's net funding dated in the year (allocation shares less reversals). */
  readonly funding: Map<string, Money>;
  /** Net spend dated in the year. */
  spent: Money;
  /** Outstanding commitments raised in the year. */
  committed: Money;
}

export interface YearFigures {
  readonly schemes: Map<string, SchemeYear>;
  /** Each partner's net contributions dated in the year (risk-share payments not included). */
  readonly contributions: Map<string, Money>;
}

export interface PoolYearState {
  agreement: AgreementVersion | null;
  readonly schemes: Map<string, SchemeDetailsRecorded>;
  readonly spends: Map<string, SpendRecord>;
  readonly commitments: Map<string, CommitmentRecord>;
  readonly forecasts: Map<string, ForecastRecord>;
  readonly years: Map<string, YearFigures>;
  /** Settled financial years: the FinancialYearSettled's event id. */
  readonly settled: Map<string, string>;
  /** Outstanding risk-share debts, by financial year then partner. */
  readonly debts: Map<string, Map<string, Money>>;
  /** Better Care Fund minimums recorded, by financial year: the version in force and its event. */
  readonly bcfMinimums: Map<string, { readonly version: number; readonly eventId: string }>;
}

export function initialPoolYearState(): PoolYearState {
  return {
    agreement: null,
    schemes: new Map(),
    spends: new Map(),
    commitments: new Map(),
    forecasts: new Map(),
    years: new Map(),
    settled: new Map(),
    debts: new Map(),
    bcfMinimums: new Map(),
  };
}

/** The Health and Wellbeing Board area when the agreement in force makes the pot a Better Care Fund pot. */
export function betterCareFundOf(state: PoolYearState): string | null {
  return state.agreement?.data.betterCareFund?.healthAndWellbeingBoard ?? null;
}

/** Whether the pot tracks spend against scheme budgets (an agreement with spendTracking on). */
export function tracksSpend(state: PoolYearState): boolean {
  return state.agreement?.spendTracking === true;
}

export function yearFigures(state: PoolYearState, financialYear: string): YearFigures {
  let year = state.years.get(financialYear);
  if (year === undefined) {
    year = { schemes: new Map(), contributions: new Map() };
    state.years.set(financialYear, year);
  }
  return year;
}

export function schemeYear(
  state: PoolYearState,
  financialYear: string,
  interventionId: string,
): SchemeYear {
  const year = yearFigures(state, financialYear);
  let scheme = year.schemes.get(interventionId);
  if (scheme === undefined) {
    scheme = { budget: ZERO, funding: new Map(), spent: ZERO, committed: ZERO };
    year.schemes.set(interventionId, scheme);
  }
  return scheme;
}

/** A scheme's figures in a year without creating them (zeros when it has none). */
export function peekSchemeYear(
  state: PoolYearState,
  financialYear: string,
  interventionId: string,
): SchemeYear {
  return (
    state.years.get(financialYear)?.schemes.get(interventionId) ?? {
      budget: ZERO,
      funding: new Map(),
      spent: ZERO,
      committed: ZERO,
    }
  );
}

/** Budget − spent − outstanding commitments of the scheme in the year. */
export function remainingBudget(figures: SchemeYear): Money {
  return figures.budget.minus(figures.spent).minus(figures.committed);
}

export function addTo(map: Map<string, Money>, key: string, delta: Money): void {
  map.set(key, (map.get(key) ?? ZERO).plus(delta));
}

/** What a partner still owes the pot for a settled year. */
export function debtOf(state: PoolYearState, financialYear: string, agencyId: string): Money {
  return state.debts.get(financialYear)?.get(agencyId) ?? ZERO;
}

// ---- hooks the pot's money events call -----------------------------------------------------

export function noteAllocation(
  state: PoolYearState,
  effectiveDate: string,
  interventionId: string,
  amount: Money,
  shares: readonly { agencyId: string; amount: string }[],
  sign: 1 | -1,
): void {
  const figures = schemeYear(state, financialYearOf(effectiveDate), interventionId);
  figures.budget = figures.budget.plus(sign === 1 ? amount : amount.negated());
  for (const share of shares) {
    const value = money(share.amount);
    addTo(figures.funding, share.agencyId, sign === 1 ? value : value.negated());
  }
}

export function noteContribution(
  state: PoolYearState,
  effectiveDate: string,
  agencyId: string,
  amount: Money,
): void {
  addTo(yearFigures(state, financialYearOf(effectiveDate)).contributions, agencyId, amount);
}

export function noteRiskSharePayment(
  state: PoolYearState,
  financialYear: string,
  agencyId: string,
  amount: Money,
): void {
  const debts = state.debts.get(financialYear);
  const owed = debts?.get(agencyId);
  if (debts === undefined || owed === undefined || amount.gt(owed))
    throw new Error(
      `invariant: risk-share payment of ${amount.toFixed(2)} by ${agencyId} for ${financialYear} exceeds its debt`,
    );
  debts.set(agencyId, owed.minus(amount));
}

export function noteRiskSharePaymentReversed(
  state: PoolYearState,
  financialYear: string,
  agencyId: string,
  amount: Money,
): void {
  let debts = state.debts.get(financialYear);
  if (debts === undefined) {
    debts = new Map();
    state.debts.set(financialYear, debts);
  }
  addTo(debts, agencyId, amount);
}

/** The settled event's effect on the year's figures and the debts (stakes and funding: potState). */
export function noteSettlement(
  state: PoolYearState,
  eventId: string,
  data: FinancialYearSettled,
): void {
  state.settled.set(data.financialYear, eventId);
  const debts = new Map<string, Money>();
  for (const owed of data.owedByPartners) addTo(debts, owed.agencyId, money(owed.amount));
  state.debts.set(data.financialYear, debts);
  for (const scheme of data.schemes) {
    const figures = schemeYear(state, data.financialYear, scheme.interventionId);
    for (const line of scheme.released)
      addTo(figures.funding, line.agencyId, money(line.amount).negated());
    for (const line of [...scheme.covered, ...scheme.shared])
      addTo(figures.funding, line.agencyId, money(line.amount));
  }
}
