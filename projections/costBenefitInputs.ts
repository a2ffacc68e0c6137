/**
 * What the cost-benefit report reads, per pot and intervention: the net funding (allocations
 * not reversed), the benefits recorded (outcomes not retracted), each with the financial year
 * of its effectiveDate, and the assumptions in force with who set them and why.
 *
 * A reversal undoes its original wholly (reversals undo whole entries). By the one rule of
 * reportingYear.ts it counts in the year it is dated in, so an undone entry is kept with its
 * undoing: a report for the original's year still counts it, one for the reversal's year counts
 * it negative, and one spanning both (or every year) nets them to nothing.
 *
 * A year-end settlement moves an intervention's funding (released underspend off, cover and
 * the partners' shares on): its net change is kept per year and counts in cost like an entry.
 *
 * Amounts are whole pence (`Pence`, bigint, issue 18), turned back into Decimal only where the
 * report computes with rates (projections/costBenefit.ts). bigint rather than a JS number: one
 * entry fits a number (at most £1 trillion, 10^14 pence < 2^53), but a settlement's net change
 * is a sum of lines, and one type for every amount keeps the report's arithmetic in one kind.
 * The state is compact where that is free: a benefit line keeps its agency, pence and
 * cashable flag rather than the event's object; financial years and agency ids are interned, so
 * a million entries share a few dozen strings; an outcome without valuation lines shares one
 * empty list.
 */
import type { Actor } from '../events/index.ts';
import { parsePence, sumPence, type Pence } from '../events/money.ts';
import type { OutcomeValuationLine } from '../events/unitCost.ts';
import type { InterventionAssumptionsSet } from '../events/interventionAssumptions.ts';
import { interned } from './interned.ts';
import type { Projection } from './projection.ts';
import {
  priorPeriodAdjustmentOf,
  yearCountedIn,
  type PriorPeriodAdjustmentLine,
} from './reportingYear.ts';

export interface AssumptionsInForce {
  readonly values: Omit<InterventionAssumptionsSet, 'potId' | 'interventionId'>;
  readonly eventId: string;
  readonly recordedAt: string;
  readonly actor: Actor;
}

/** One benefit line of an outcome, as recorded, in pence. */
export interface BenefitInputs {
  readonly agencyId: string;
  readonly amount: Pence;
  readonly cashable: boolean;
}

export interface OutcomeInputs {
  readonly benefits: readonly BenefitInputs[];
  readonly lines: readonly OutcomeValuationLine[];
  readonly financialYear: string;
}

/** The reversal or retraction of an entry: it counts in its own year, which may not be the entry's. */
export interface Undoing {
  readonly eventId: string;
  readonly financialYear: string;
  readonly priorPeriodAdjustment?: string;
}

export interface InterventionInputs {
  readonly interventionId: string;
  readonly name: string;
  readonly leadAgencyId: string;
  /**
   * Financial year it counts in → allocationId → amount: by year, so an allocation, the entry a
   * pot holds most of, costs a map slot and its pence rather than an object as well.
   */
  readonly allocations: Map<string, Map<string, Pence>>;
  /** allocationId → what was allocated, in which year, and the reversal that undid it, with the year that counts in. */
  readonly reversedAllocations: Map<
    string,
    { readonly amount: Pence; readonly financialYear: string; readonly reversal: Undoing }
  >;
  /**
   * outcomeId → its benefit lines, the valuation lines of the part recorded by quantity (in
   * their entries' price years; absent for outcomes given only in pounds) and the financial
   * year they count in.
   */
  readonly outcomes: Map<string, OutcomeInputs>;
  /** outcomeId → a retracted outcome, as recorded, and the retraction, with the year that counts in. */
  readonly retractedOutcomes: Map<string, OutcomeInputs & { readonly retraction: Undoing }>;
  /**
   * financial year → what its settlement changed the intervention's funding by (cover + shares −
   * released underspend, all partners), and the settlement's event. It counts in cost of the year
   * it is dated in (31 March of the settled year), like any entry.
   */
  readonly settlements: Map<string, { readonly amount: Pence; readonly eventId: string }>;
  /** Allocations, outcomes and their undoings that correct a closed year, in log order. */
  readonly adjustments: PriorPeriodAdjustmentLine[];
  assumptions: AssumptionsInForce | null;
  /** Paid outcome claims, in the order they were paid. */
  readonly outcomePayments: OutcomePaymentInputs[];
  /** How many times assumptions have been set (each one an event in the pot's history). */
  assumptionChanges: number;
}

/** A paid outcome claim (payment by results): the cost side of the outcome it evidences. */
export interface OutcomePaymentInputs {
  readonly claimId: string;
  readonly code: string;
  readonly amount: string;
  readonly paidOn: string;
  readonly financialYear: string;
  readonly outcomeId?: string;
}

export interface PotInputs {
  readonly potId: string;
  readonly name: string;
  /** Outcome claims not yet paid: claimId → what was claimed, until ClaimPaid moves it to its intervention. */
  readonly claims: Map<string, { readonly code: string; readonly outcomeId?: string }>;
  /** Interventions in the order they were defined. */
  readonly interventions: Map<string, InterventionInputs>;
}

export interface CostBenefitInputsState {
  readonly pots: Map<string, PotInputs>;
}

export const costBenefitInputsProjection: Projection<CostBenefitInputsState> = {
  name: 'costBenefitInputs',
  initialState: () => ({ pots: new Map() }),
  evolve(state, event) {
    switch (event.type) {
      case 'PotOpened':
        state.pots.set(event.data.potId, {
          potId: event.data.potId,
          name: event.data.name,
          claims: new Map(),
          interventions: new Map(),
        });
        return state;
      case 'InterventionDefined':
        potOf(state, event.data.potId).interventions.set(event.data.interventionId, {
          interventionId: event.data.interventionId,
          name: event.data.name,
          leadAgencyId: event.data.leadAgencyId,
          allocations: new Map(),
          reversedAllocations: new Map(),
          outcomes: new Map(),
          retractedOutcomes: new Map(),
          settlements: new Map(),
          adjustments: [],
          assumptions: null,
          outcomePayments: [],
          assumptionChanges: 0,
        });
        return state;
      case 'FundsAllocated': {
        const intervention = interventionOf(state, event.data.potId, event.data.interventionId);
        const financialYear = yearOf(event.data);
        let ofYear = intervention.allocations.get(financialYear);
        if (ofYear === undefined) {
          ofYear = new Map();
          intervention.allocations.set(financialYear, ofYear);
        }
        ofYear.set(event.data.allocationId, parsePence(event.data.amount));
        noteAdjustment(intervention, event);
        return state;
      }
      case 'AllocationReversed': {
        const intervention = interventionOf(state, event.data.potId, event.data.interventionId);
        const original = takeAllocation(intervention, event.data.allocationId);
        intervention.reversedAllocations.set(event.data.allocationId, {
          ...original,
          reversal: undoingOf(event),
        });
        noteAdjustment(intervention, event);
        return state;
      }
      case 'OutcomeRecorded': {
        const intervention = interventionOf(state, event.data.potId, event.data.interventionId);
        intervention.outcomes.set(event.data.outcomeId, {
          benefits: event.data.benefits.map((b) => ({
            agencyId: interned(b.agencyId),
            amount: parsePence(b.amount),
            cashable: b.cashable,
          })),
          lines: event.data.lines ?? NO_LINES,
          financialYear: yearOf(event.data),
        });
        noteAdjustment(intervention, event);
        return state;
      }
      case 'OutcomeRetracted': {
        const intervention = interventionOf(state, event.data.potId, event.data.interventionId);
        const original = take(intervention.outcomes, event.data.outcomeId, 'outcome');
        intervention.retractedOutcomes.set(event.data.outcomeId, {
          ...original,
          retraction: undoingOf(event),
        });
        noteAdjustment(intervention, event);
        return state;
      }
      case 'FinancialYearSettled': {
        const d = event.data;
        for (const scheme of d.schemes) {
          const intervention = interventionOf(state, d.potId, scheme.interventionId);
          const moved =
            sumPence([...scheme.covered, ...scheme.shared].map((l) => parsePence(l.amount))) -
            sumPence(scheme.released.map((l) => parsePence(l.amount)));
          if (intervention.settlements.has(yearCountedIn(d)))
            throw new Error(
              `invariant: ${d.financialYear} of pot ${d.potId} settled twice (event ${event.eventId})`,
            );
          intervention.settlements.set(yearCountedIn(d), { amount: moved, eventId: event.eventId });
        }
        return state;
      }
      case 'OutcomeClaimed':
        potOf(state, event.data.potId).claims.set(event.data.claimId, {
          code: event.data.code,
          ...(event.data.outcomeId === undefined ? {} : { outcomeId: event.data.outcomeId }),
        });
        return state;
      case 'ClaimRejected':
        potOf(state, event.data.potId).claims.delete(event.data.claimId);
        return state;
      case 'ClaimPaid': {
        const d = event.data;
        const pot = potOf(state, d.potId);
        const claim = pot.claims.get(d.claimId);
        if (claim === undefined)
          throw new Error(`invariant: payment of unknown claim ${d.claimId}`);
        pot.claims.delete(d.claimId);
        interventionOf(state, d.potId, d.interventionId).outcomePayments.push({
          claimId: d.claimId,
          code: claim.code,
          amount: d.amount,
          paidOn: d.effectiveDate,
          financialYear: yearOf(d),
          ...(claim.outcomeId === undefined ? {} : { outcomeId: claim.outcomeId }),
        });
        return state;
      }
      case 'InterventionAssumptionsSet': {
        const { potId, interventionId, ...values } = event.data;
        const intervention = interventionOf(state, potId, interventionId);
        intervention.assumptions = {
          values,
          eventId: event.eventId,
          recordedAt: event.metadata.recordedAt,
          actor: event.metadata.actor,
        };
        intervention.assumptionChanges += 1;
        return state;
      }
      default:
        return state;
    }
  },
};

function potOf(state: CostBenefitInputsState, potId: string): PotInputs {
  const pot = state.pots.get(potId);
  if (pot === undefined) throw new Error(`invariant: unknown pot ${potId}`);
  return pot;
}

function interventionOf(
  state: CostBenefitInputsState,
  potId: string,
  interventionId: string,
): InterventionInputs {
  const intervention = potOf(state, potId).interventions.get(interventionId);
  if (intervention === undefined)
    throw new Error(`invariant: intervention ${interventionId} is not defined in pot ${potId}`);
  return intervention;
}

function take<T>(entries: Map<string, T>, id: string, what: string): T {
  const entry = entries.get(id);
  if (entry === undefined)
    throw new Error(`invariant: reversal of ${what} ${id}, which is unknown or already reversed`);
  entries.delete(id);
  return entry;
}

/** An allocation being reversed, out of the year it counts in (a handful of years to look in). */
function takeAllocation(
  intervention: InterventionInputs,
  allocationId: string,
): { readonly amount: Pence; readonly financialYear: string } {
  for (const [financialYear, ofYear] of intervention.allocations) {
    const amount = ofYear.get(allocationId);
    if (amount === undefined) continue;
    ofYear.delete(allocationId);
    if (ofYear.size === 0) intervention.allocations.delete(financialYear);
    return { amount, financialYear };
  }
  throw new Error(
    `invariant: reversal of allocation ${allocationId}, which is unknown or already reversed`,
  );
}

type Entry = Extract<
  Parameters<typeof priorPeriodAdjustmentOf>[0],
  { type: 'FundsAllocated' | 'AllocationReversed' | 'OutcomeRecorded' | 'OutcomeRetracted' }
>;

function undoingOf(
  event: Extract<Entry, { type: 'AllocationReversed' | 'OutcomeRetracted' }>,
): Undoing {
  const label = event.data.priorPeriodAdjustment;
  return {
    eventId: event.eventId,
    financialYear: yearOf(event.data),
    ...(label === undefined ? {} : { priorPeriodAdjustment: label }),
  };
}

function noteAdjustment(intervention: InterventionInputs, event: Entry): void {
  const adjustment = priorPeriodAdjustmentOf(event);
  if (adjustment !== null) intervention.adjustments.push(adjustment);
}

const NO_LINES: readonly OutcomeValuationLine[] = Object.freeze([]);

function yearOf(entry: { readonly effectiveDate: string }): string {
  return interned(yearCountedIn(entry));
}
