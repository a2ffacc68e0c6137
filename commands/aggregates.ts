/**
 * The write path's aggregates: for each kind of stream a command is decided on, the state a
 * fresh stream starts from and how each of its events changes it.
 */
import type { AgencyEvent } from '../events/agency.ts';
import type { PotEvent } from '../events/pot.ts';
import type { UnitCostEvent } from '../events/unitCost.ts';
import { evolvePot, initialPotState, type PotState } from './potState.ts';
import { evolveAgency, initialAgencyState, type AgencyState } from './registerAgency.ts';
import { evolveUnitCost, initialUnitCostState, type UnitCostState } from './unitCostState.ts';
import type { SignInMappingEvent } from '../events/signInMapping.ts';
import {
  evolveSignInMapping,
  initialSignInMappingState,
  type SignInMappingState,
} from './changeSignInMapping.ts';

export interface Aggregate<S, E extends { type: string; data: unknown }> {
  initialState(): S;
  evolve(state: S, event: E & { eventId: string }): S;
}

export const potAggregate: Aggregate<PotState, PotEvent> = {
  initialState: initialPotState,
  evolve: evolvePot,
};
export const agencyAggregate: Aggregate<AgencyState, AgencyEvent> = {
  initialState: initialAgencyState,
  evolve: evolveAgency,
};
export const unitCostAggregate: Aggregate<UnitCostState, UnitCostEvent> = {
  initialState: initialUnitCostState,
  evolve: evolveUnitCost,
};
export const signInMappingAggregate: Aggregate<SignInMappingState, SignInMappingEvent> = {
  initialState: initialSignInMappingState,
  evolve: evolveSignInMapping,
};
