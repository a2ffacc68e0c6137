/**
 * Cross-budget benefit flows: who invested, and into whose budget the benefits landed.
 * "£500 from my budget, £5,000 of benefit in yours" is the problem pooled budgets exist to
 * solve, so this is the matrix partners negotiate over.
 *
 * Figures are kept per pot, intervention and UK financial year, by the one rule of
 * reportingYear.ts: every entry, a reversal or retraction included, counts in the year of its
 * own effectiveDate. A closed year's figures therefore never move; a correction of it counts in
 * the year it is dated in and is listed there as a prior-period adjustment.
 *
 * A year-end settlement (FinancialYearSettled, dated 31 March of its year) changes who funds
 * each scheme, so it counts in `invested` of that year: the released underspend comes off each
 * partner's funding, the cover drawn from the stakes and the shares owed by the partners go on.
 * Outcomes recorded after it carry flows the decider split by that funding; nothing here
 * re-splits earlier flows.
 */
import { formatPence, formatRatio, fromPence, parsePence, type Pence } from '../events/money.ts';
import type { BenefitFlow, FundingShare } from '../events/pot.ts';
import { compareIds, comparePairs } from './ordering.ts';
import type { Projection } from './projection.ts';
import {
  priorPeriodAdjustmentOf,
  yearCountedIn,
  type MoneyEntry,
  type PriorPeriodAdjustmentLine,
} from './reportingYear.ts';

interface FlowFigures {
  readonly fromAgencyId: string;
  readonly toAgencyId: string;
  amount: Pence;
  cashableAmount: Pence;
}

/** The figures of one pot, intervention and financial year. */
interface Cell {
  readonly potId: string;
  readonly interventionId: string;
  readonly financialYear: string;
  /** keyed by `${fromAgencyId} ${toAgencyId}` (agency ids are slugs, so never contain a space). */
  readonly flows: Map<string, FlowFigures>;
  /** agencyId → net funding shares drawn from it. */
  readonly invested: Map<string, Pence>;
  /** Entries counted in this cell that correct a closed year, in log order. */
  readonly adjustments: PriorPeriodAdjustmentLine[];
}

export interface BenefitFlowsState {
  readonly cells: Map<string, Cell>;
  /** allocationId → financial year it counts in, until it is reversed (a second reversal stops the fold). */
  readonly allocationYears: Map<string, string>;
  /** outcomeId → financial year it counts in, until it is retracted. */
  readonly outcomeYears: Map<string, string>;
}

export interface FlowsScope {
  readonly potId?: string;
  readonly interventionId?: string;
  /** e.g. "2025-26" */
  readonly financialYear?: string;
}

export interface FlowRowView {
  readonly fromAgencyId: string;
  readonly toAgencyId: string;
  readonly amount: string;
  readonly cashableAmount: string;
}

export interface FlowAgencyView {
  readonly agencyId: string;
  readonly invested: string;
  /** Benefits its funding produced, for anyone (itself included). */
  readonly benefitsProduced: string;
  readonly benefitsReceived: string;
  /** benefitsProduced ÷ invested, 4 dp; null when it invested nothing. */
  readonly returnPerPound: string | null;
  /** Share of benefitsProduced that landed in OTHER agencies' budgets, 4 dp; null when it produced nothing. */
  readonly wrongPocketShare: string | null;
}

export interface FlowsMatrixView {
  readonly rows: readonly FlowRowView[];
  readonly agencies: readonly FlowAgencyView[];
  /** Allocations and outcomes in scope that correct a closed year (counted above), in log order. */
  readonly priorPeriodAdjustments: readonly PriorPeriodAdjustmentLine[];
}

export const benefitFlowsProjection: Projection<BenefitFlowsState> = {
  name: 'benefitFlows',
  initialState: () => ({ cells: new Map(), allocationYears: new Map(), outcomeYears: new Map() }),
  evolve(state, event) {
    switch (event.type) {
      case 'FundsAllocated': {
        const { allocationId } = event.data;
        if (state.allocationYears.has(allocationId))
          throw new Error(`invariant: allocation ${allocationId} recorded twice`);
        state.allocationYears.set(allocationId, yearCountedIn(event.data));
        addInvestment(cellFor(state, event), event.data.fundingShares, 1n);
        return state;
      }
      case 'AllocationReversed':
        takeYear(state.allocationYears, event.data.allocationId, 'allocation');
        addInvestment(cellFor(state, event), event.data.fundingShares, -1n);
        return state;
      case 'OutcomeRecorded': {
        const { outcomeId } = event.data;
        if (state.outcomeYears.has(outcomeId))
          throw new Error(`invariant: outcome ${outcomeId} recorded twice`);
        state.outcomeYears.set(outcomeId, yearCountedIn(event.data));
        addFlows(cellFor(state, event), event.data.flows, 1n);
        return state;
      }
      case 'OutcomeRetracted':
        takeYear(state.outcomeYears, event.data.outcomeId, 'outcome');
        addFlows(cellFor(state, event), event.data.flows, -1n);
        return state;
      case 'FinancialYearSettled': {
        const d = event.data;
        const year = yearCountedIn(d);
        for (const scheme of d.schemes) {
          const cell = cellOf(state, d.potId, scheme.interventionId, year);
          addInvestment(cell, scheme.released, -1n);
          addInvestment(cell, scheme.covered, 1n);
          addInvestment(cell, scheme.shared, 1n);
        }
        return state;
      }
      default:
        return state;
    }
  },
};

/** The cell an entry counts in (its own year), noting it there when it corrects a closed year. */
function cellFor(
  state: BenefitFlowsState,
  event: Extract<
    MoneyEntry,
    { type: 'FundsAllocated' | 'AllocationReversed' | 'OutcomeRecorded' | 'OutcomeRetracted' }
  >,
): Cell {
  const cell = cellOf(
    state,
    event.data.potId,
    event.data.interventionId,
    yearCountedIn(event.data),
  );
  const adjustment = priorPeriodAdjustmentOf(event);
  if (adjustment !== null) cell.adjustments.push(adjustment);
  return cell;
}

/** Forgets the original once undone, so a second reversal of it stops the fold. */
function takeYear(years: Map<string, string>, id: string, what: string): string {
  const year = years.get(id);
  if (year === undefined)
    throw new Error(`invariant: reversal of ${what} ${id}, which is unknown or already reversed`);
  years.delete(id);
  return year;
}

function cellOf(
  state: BenefitFlowsState,
  potId: string,
  interventionId: string,
  financialYear: string,
): Cell {
  const key = `${potId} ${interventionId} ${financialYear}`;
  let cell = state.cells.get(key);
  if (cell === undefined) {
    cell = {
      potId,
      interventionId,
      financialYear,
      flows: new Map(),
      invested: new Map(),
      adjustments: [],
    };
    state.cells.set(key, cell);
  }
  return cell;
}

function addInvestment(cell: Cell, shares: readonly FundingShare[], direction: 1n | -1n): void {
  for (const share of shares) {
    const before = cell.invested.get(share.agencyId) ?? 0n;
    cell.invested.set(share.agencyId, before + parsePence(share.amount) * direction);
  }
}

function addFlows(cell: Cell, flows: readonly BenefitFlow[], direction: 1n | -1n): void {
  for (const flow of flows) {
    const key = `${flow.fromAgencyId} ${flow.toAgencyId}`;
    let figures = cell.flows.get(key);
    if (figures === undefined) {
      figures = {
        fromAgencyId: flow.fromAgencyId,
        toAgencyId: flow.toAgencyId,
        amount: 0n,
        cashableAmount: 0n,
      };
      cell.flows.set(key, figures);
    }
    const amount = parsePence(flow.amount) * direction;
    figures.amount += amount;
    if (flow.cashable) figures.cashableAmount += amount;
  }
}

function inScope(cell: Cell, scope: FlowsScope): boolean {
  return (
    (scope.potId === undefined || cell.potId === scope.potId) &&
    (scope.interventionId === undefined || cell.interventionId === scope.interventionId) &&
    (scope.financialYear === undefined || cell.financialYear === scope.financialYear)
  );
}

function hasFigures(cell: Cell): boolean {
  for (const invested of cell.invested.values()) if (invested !== 0n) return true;
  for (const flow of cell.flows.values()) if (flow.amount !== 0n) return true;
  return false;
}

interface AgencyTotals {
  invested: Pence;
  produced: Pence;
  producedForOthers: Pence;
  received: Pence;
}

/** The investor → beneficiary matrix and per-agency totals, summed over every cell in scope. */
export function flowsMatrix(state: BenefitFlowsState, scope: FlowsScope = {}): FlowsMatrixView {
  const rows = new Map<string, FlowFigures>();
  const agencies = new Map<string, AgencyTotals>();
  const adjustments: PriorPeriodAdjustmentLine[] = [];
  const totalsOf = (agencyId: string): AgencyTotals => {
    let totals = agencies.get(agencyId);
    if (totals === undefined) {
      totals = { invested: 0n, produced: 0n, producedForOthers: 0n, received: 0n };
      agencies.set(agencyId, totals);
    }
    return totals;
  };

  for (const cell of state.cells.values()) {
    if (!inScope(cell, scope)) continue;
    adjustments.push(...cell.adjustments);
    for (const [agencyId, invested] of cell.invested) {
      const totals = totalsOf(agencyId);
      totals.invested += invested;
    }
    for (const [key, flow] of cell.flows) {
      const row = rows.get(key) ?? { ...flow, amount: 0n, cashableAmount: 0n };
      row.amount += flow.amount;
      row.cashableAmount += flow.cashableAmount;
      rows.set(key, row);
      const from = totalsOf(flow.fromAgencyId);
      from.produced += flow.amount;
      if (flow.fromAgencyId !== flow.toAgencyId) from.producedForOthers += flow.amount;
      const to = totalsOf(flow.toAgencyId);
      to.received += flow.amount;
    }
  }

  return {
    rows: [...rows.values()]
      .filter((row) => row.amount !== 0n)
      .sort((a, b) => comparePairs([a.fromAgencyId, a.toAgencyId], [b.fromAgencyId, b.toAgencyId]))
      .map((row) => ({
        fromAgencyId: row.fromAgencyId,
        toAgencyId: row.toAgencyId,
        amount: formatPence(row.amount),
        cashableAmount: formatPence(row.cashableAmount),
      })),
    agencies: [...agencies]
      .filter(([, t]) => t.invested !== 0n || t.produced !== 0n || t.received !== 0n)
      .sort(([a], [b]) => compareIds(a, b))
      .map(([agencyId, t]) => ({
        agencyId,
        invested: formatPence(t.invested),
        benefitsProduced: formatPence(t.produced),
        benefitsReceived: formatPence(t.received),
        returnPerPound: formatRatio(fromPence(t.produced), fromPence(t.invested)),
        wrongPocketShare: formatRatio(fromPence(t.producedForOthers), fromPence(t.produced)),
      })),
    priorPeriodAdjustments: adjustments.sort((a, b) =>
      BigInt(a.position) < BigInt(b.position) ? -1 : 1,
    ),
  };
}

/** Financial years with any net figure (in one pot, or anywhere), oldest first. */
export function financialYearsOf(state: BenefitFlowsState, potId?: string): string[] {
  const years = new Set<string>();
  for (const cell of state.cells.values()) {
    if ((potId === undefined || cell.potId === potId) && hasFigures(cell))
      years.add(cell.financialYear);
  }
  return [...years].sort(compareIds);
}
