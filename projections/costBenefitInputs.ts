/**
 * What the cost-benefit report reads, per pot and intervention: the net funding (allocations
 * not reversed), the benefits recorded (outcomes not retracted), each with the financial year
 * of its effectiveDate, and the assumptions in force with who set them and why.
 *
 * A reversal removes its original wholly (reversals undo whole entries), so what is kept is
 * always net, and counts in the original's year, as in the benefit-flows projection.
 */
import type { Actor } from '../events/index.ts';
import type { Money } from '../events/money.ts';
import { money } from '../events/money.ts';
import type { Benefit } from '../events/pot.ts';
import type { OutcomeValuationLine } from '../events/unitCost.ts';
import type { InterventionAssumptionsSet } from '../events/interventionAssumptions.ts';
import { financialYearOf } from '../events/primitives.ts';
import type { Projection } from './projection.ts';

export interface AssumptionsInForce {
  readonly values: Omit<InterventionAssumptionsSet, 'potId' | 'interventionId'>;
  readonly eventId: string;
  readonly recordedAt: string;
  readonly actor: Actor;
}

export interface InterventionInputs {
  readonly interventionId: string;
  readonly name: string;
  readonly leadAgencyId: string;
  /** allocationId → net amount and the financial year it counts in. */
  readonly allocations: Map<string, { readonly amount: Money; readonly financialYear: string }>;
  /** allocationId → what was allocated and the reversal that undid it, so the cost's inputs can name it. */
  readonly reversedAllocations: Map<string, { readonly amount: Money; readonly financialYear: string; readonly reversalEventId: string }>;
  /**
   * outcomeId → its benefit lines, the valuation lines of the part recorded by quantity (in
   * their entries' price years; absent for outcomes given only in pounds) and the financial
   * year they count in.
   */
  readonly outcomes: Map<string, { readonly benefits: readonly Benefit[]; readonly lines: readonly OutcomeValuationLine[]; readonly financialYear: string }>;
  assumptions: AssumptionsInForce | null;
  /** How many times assumptions have been set (each one an event in the pot's history). */
  assumptionChanges: number;
}

export interface PotInputs {
  readonly potId: string;
  readonly name: string;
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
        state.pots.set(event.data.potId, { potId: event.data.potId, name: event.data.name, interventions: new Map() });
        return state;
      case 'InterventionDefined':
        potOf(state, event.data.potId).interventions.set(event.data.interventionId, {
          interventionId: event.data.interventionId,
          name: event.data.name,
          leadAgencyId: event.data.leadAgencyId,
          allocations: new Map(),
          reversedAllocations: new Map(),
          outcomes: new Map(),
          assumptions: null,
          assumptionChanges: 0,
        });
        return state;
      case 'FundsAllocated':
        interventionOf(state, event.data.potId, event.data.interventionId).allocations.set(event.data.allocationId, {
          amount: money(event.data.amount),
          financialYear: financialYearOf(event.data.effectiveDate),
        });
        return state;
      case 'AllocationReversed': {
        const intervention = interventionOf(state, event.data.potId, event.data.interventionId);
        const original = intervention.allocations.get(event.data.allocationId);
        forget(intervention.allocations, event.data.allocationId, 'allocation');
        intervention.reversedAllocations.set(event.data.allocationId, { ...original!, reversalEventId: event.eventId });
        return state;
      }
      case 'OutcomeRecorded':
        interventionOf(state, event.data.potId, event.data.interventionId).outcomes.set(event.data.outcomeId, {
          benefits: event.data.benefits,
          lines: event.data.lines ?? [],
          financialYear: financialYearOf(event.data.effectiveDate),
        });
        return state;
      case 'OutcomeRetracted':
        forget(interventionOf(state, event.data.potId, event.data.interventionId).outcomes, event.data.outcomeId, 'outcome');
        return state;
      case 'InterventionAssumptionsSet': {
        const { potId, interventionId, ...values } = event.data;
        const intervention = interventionOf(state, potId, interventionId);
        intervention.assumptions = { values, eventId: event.eventId, recordedAt: event.metadata.recordedAt, actor: event.metadata.actor };
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

function interventionOf(state: CostBenefitInputsState, potId: string, interventionId: string): InterventionInputs {
  const intervention = potOf(state, potId).interventions.get(interventionId);
  if (intervention === undefined) throw new Error(`invariant: intervention ${interventionId} is not defined in pot ${potId}`);
  return intervention;
}

function forget(entries: Map<string, unknown>, id: string, what: string): void {
  if (!entries.delete(id)) throw new Error(`invariant: reversal of ${what} ${id}, which is unknown or already reversed`);
}
