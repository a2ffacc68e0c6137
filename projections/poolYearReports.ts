/**
 * The pooled-fund year's reports (docs/pooled-fund-year.md, "Answers"), pure functions of the
 * poolYear books (projections/poolYear.ts): the agreement versions, the quarterly monitoring
 * report and the memorandum account each partner puts in its own accounts.
 * Which years track spend: tracksSpendIn (projections/poolYear.ts).
 */
import type { Money } from '../events/money.ts';
import { formatAmount, fromPence, money, ZERO } from '../events/money.ts';
import { quarterEnd } from '../events/poolYear.ts';
import { compareIds } from './ordering.ts';
import {
  isBetterCareFund,
  tracksSpendIn,
  type AgreementVersionView,
  type PoolYearPot,
  type PoolYearState,
  type YearBooks,
} from './poolYear.ts';

export { tracksSpendIn };

export const UNCLASSIFIED = 'unclassified';

export interface AgreementsView {
  readonly potId: string;
  readonly current: AgreementVersionView | null;
  readonly versions: readonly AgreementVersionView[];
}

/** GET …/agreements: every version in the order recorded; the last is in force. Null: no such pot. */
export function agreementsOf(state: PoolYearState, potId: string): AgreementsView | null {
  const pot = state.pots.get(potId);
  if (pot === undefined) return null;
  return { potId, current: pot.agreements.at(-1) ?? null, versions: [...pot.agreements] };
}

// ---- quarterly monitoring --------------------------------------------------------------------

interface Figures {
  budget: Money;
  actual: Money;
  committed: Money;
  forecastOutturn: Money;
}

type FiguresView = { [K in keyof Figures]: string } & { readonly variance: string };

export interface MonitoringSchemeView extends FiguresView {
  readonly interventionId: string;
  readonly name: string;
  readonly schemeType: string | null;
  readonly fundingSource: string | null;
  readonly expenditure: string | null;
  readonly forecastIsBudget: boolean;
  readonly explanation: string | null;
  readonly overspent: boolean;
}

export interface MonitoringReport {
  readonly potId: string;
  readonly financialYear: string;
  readonly quarter: number;
  readonly quarterEnd: string;
  readonly spendTracking: boolean;
  readonly schemes: readonly MonitoringSchemeView[];
  readonly totals: FiguresView;
  readonly byFundingSource: readonly (FiguresView & { readonly fundingSource: string })[];
  readonly bySchemeType: readonly (FiguresView & { readonly schemeType: string })[];
  readonly contributions: readonly {
    readonly agencyId: string;
    readonly agreed: string;
    readonly received: string;
    readonly outstanding: string;
  }[];
  readonly overspends: readonly {
    readonly interventionId: string;
    readonly name: string;
    readonly budget: string;
    readonly actual: string;
    readonly committed: string;
    readonly overBy: string;
  }[];
  /** Better Care Fund pots only: each required minimum against what was received to the quarter's end. */
  readonly minimums?: readonly BcfMinimumRow[];
}

export interface BcfMinimumRow {
  readonly fundingStream: string;
  readonly agencyId: string;
  readonly required: string;
  readonly received: string;
  readonly shortfall: string;
  readonly flagged: boolean;
}

const zeroFigures = (): Figures => ({
  budget: ZERO,
  actual: ZERO,
  committed: ZERO,
  forecastOutturn: ZERO,
});

function addFigures(into: Figures, figures: Figures): void {
  into.budget = into.budget.plus(figures.budget);
  into.actual = into.actual.plus(figures.actual);
  into.committed = into.committed.plus(figures.committed);
  into.forecastOutturn = into.forecastOutturn.plus(figures.forecastOutturn);
}

function figuresView(f: Figures): FiguresView {
  return {
    budget: formatAmount(f.budget),
    actual: formatAmount(f.actual),
    committed: formatAmount(f.committed),
    forecastOutturn: formatAmount(f.forecastOutturn),
    variance: formatAmount(f.forecastOutturn.minus(f.budget)),
  };
}

/** The latest forecast (by log position) for the scheme and year at a quarter ≤ `quarter`, not withdrawn. */
function latestForecast(
  pot: PoolYearPot,
  interventionId: string,
  financialYear: string,
  quarter: number,
): { forecastOutturn: string; explanation: string | null } | null {
  let latest: { position: bigint; forecastOutturn: string; explanation: string | null } | null =
    null;
  for (const f of pot.forecasts.values()) {
    if (f.withdrawn || f.interventionId !== interventionId) continue;
    if (f.financialYear !== financialYear || f.quarter > quarter) continue;
    if (latest === null || f.position > latest.position) latest = f;
  }
  return latest;
}

/** The schemes a year's report lists: entries dated in it, commitments raised in it, or a forecast for it. */
export function schemeIdsOf(pot: PoolYearPot, financialYear: string): string[] {
  const ids = new Set(pot.years.get(financialYear)?.schemes.keys() ?? []);
  for (const f of pot.forecasts.values())
    if (f.financialYear === financialYear) ids.add(f.interventionId);
  return [...ids].sort(compareIds);
}

/** One scheme's figures to the quarter's end (actual = budget where the year does not track spend). */
export function schemeFigures(
  year: YearBooks | undefined,
  interventionId: string,
  end: string,
  tracked: boolean,
): Omit<Figures, 'forecastOutturn'> {
  // The books keep whole pence; the answer is built in Decimal from the sums.
  let budget = 0n;
  let actual = 0n;
  let committed = 0n;
  for (const [date, m] of year?.schemes.get(interventionId)?.byDate ?? []) {
    if (date > end) continue;
    budget += m.budget;
    actual += m.spent;
    committed += m.committed;
  }
  return tracked
    ? { budget: fromPence(budget), actual: fromPence(actual), committed: fromPence(committed) }
    : { budget: fromPence(budget), actual: fromPence(budget), committed: ZERO };
}

function groupRows<K extends string>(
  key: K,
  groups: Map<string, Figures>,
): (FiguresView & { readonly [P in K]: string })[] {
  return [...groups.entries()]
    .sort(([a], [b]) => compareIds(a, b))
    .map(
      ([group, f]) => ({ [key]: group, ...figuresView(f) }) as FiguresView & { [P in K]: string },
    );
}

function addToGroup(groups: Map<string, Figures>, group: string, figures: Figures): void {
  let into = groups.get(group);
  if (into === undefined) {
    into = zeroFigures();
    groups.set(group, into);
  }
  addFigures(into, figures);
}

/** GET …/monitoring: the quarter's report (docs/pooled-fund-year.md). Null: no such pot. */
export function monitoringReport(
  state: PoolYearState,
  potId: string,
  financialYear: string,
  quarter: number,
): MonitoringReport | null {
  const pot = state.pots.get(potId);
  if (pot === undefined) return null;
  const end = quarterEnd(financialYear, quarter);
  const tracked = tracksSpendIn(pot, financialYear);
  const year = pot.years.get(financialYear);
  const totals = zeroFigures();
  const byFundingSource = new Map<string, Figures>();
  const bySchemeType = new Map<string, Figures>();
  const schemes: MonitoringSchemeView[] = [];
  const overspends: MonitoringReport['overspends'][number][] = [];
  for (const interventionId of schemeIdsOf(pot, financialYear)) {
    const base = schemeFigures(year, interventionId, end, tracked);
    const forecast = latestForecast(pot, interventionId, financialYear, quarter);
    const figures: Figures = {
      ...base,
      forecastOutturn: forecast === null ? base.budget : money(forecast.forecastOutturn),
    };
    const details = pot.schemes.get(interventionId);
    const name = pot.interventions.get(interventionId)?.name ?? interventionId;
    const overspent = figures.actual.plus(figures.committed).gt(figures.budget);
    schemes.push({
      interventionId,
      name,
      schemeType: details?.schemeType ?? null,
      fundingSource: details?.fundingSource ?? null,
      expenditure: details?.expenditure ?? null,
      ...figuresView(figures),
      forecastIsBudget: forecast === null,
      explanation: forecast?.explanation ?? null,
      overspent,
    });
    if (overspent)
      overspends.push({
        interventionId,
        name,
        budget: formatAmount(figures.budget),
        actual: formatAmount(figures.actual),
        committed: formatAmount(figures.committed),
        overBy: formatAmount(figures.actual.plus(figures.committed).minus(figures.budget)),
      });
    addFigures(totals, figures);
    addToGroup(byFundingSource, details?.fundingSource ?? UNCLASSIFIED, figures);
    addToGroup(bySchemeType, details?.schemeType ?? UNCLASSIFIED, figures);
  }
  return {
    potId,
    financialYear,
    quarter,
    quarterEnd: end,
    spendTracking: tracked,
    schemes,
    totals: figuresView(totals),
    byFundingSource: groupRows('fundingSource', byFundingSource),
    bySchemeType: groupRows('schemeType', bySchemeType),
    contributions: contributionRows(pot, year, financialYear, end),
    overspends,
    ...(isBetterCareFund(pot) ? { minimums: minimumRows(pot, year, financialYear, end) } : {}),
  };
}

/** A stream's contributions from one agency dated in the year up to `end`. */
export function streamReceived(
  year: YearBooks | undefined,
  fundingStream: string,
  agencyId: string,
  end: string,
): Money {
  let received = 0n;
  for (const [date, amount] of year?.streams.get(`${fundingStream} ${agencyId}`)?.byDate ?? [])
    if (date <= end) received += amount;
  return fromPence(received);
}

/** The year's minimums in force, as recorded (stream, then agency), against what was received. */
function minimumRows(
  pot: PoolYearPot,
  year: YearBooks | undefined,
  financialYear: string,
  end: string,
): BcfMinimumRow[] {
  return (pot.bcfMinimums.get(financialYear)?.minimums ?? []).map((m) => {
    const required = money(m.amount);
    const received = streamReceived(year, m.fundingStream, m.agencyId, end);
    const shortfall = required.minus(received);
    return {
      fundingStream: m.fundingStream,
      agencyId: m.agencyId,
      required: formatAmount(required),
      received: formatAmount(received),
      shortfall: formatAmount(shortfall.gt(0) ? shortfall : ZERO),
      flagged: shortfall.gt(0),
    };
  });
}

function contributionRows(
  pot: PoolYearPot,
  year: YearBooks | undefined,
  financialYear: string,
  end: string,
): MonitoringReport['contributions'][number][] {
  return [...pot.partners].sort(compareIds).map((agencyId) => {
    const agreed = fromPence(
      pot.agreed.agreements.get(`${financialYear} ${agencyId}`)?.agreed ?? 0n,
    );
    let receivedPence = 0n;
    for (const [date, amount] of year?.partners.get(agencyId)?.contributionsByDate ?? [])
      if (date <= end) receivedPence += amount;
    const received = fromPence(receivedPence);
    const outstanding = agreed.minus(received);
    return {
      agencyId,
      agreed: formatAmount(agreed),
      received: formatAmount(received),
      outstanding: formatAmount(outstanding.gt(0) ? outstanding : ZERO),
    };
  });
}

export { memorandumAccount } from './poolYearMemorandum.ts';
export type { MemorandumAccount } from './poolYearMemorandum.ts';
