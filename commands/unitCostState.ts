/**
 * The state of one unit-cost code, folded from its stream: every version in order. The version
 * in force is the latest; earlier ones stay, superseded, because outcomes valued with them
 * still name them.
 */
import type { UnitCostAdded, UnitCostEvent } from '../events/unitCost.ts';

export interface UnitCostState {
  /** Versions in the order they were added: versions[i].version === i + 1. */
  readonly versions: UnitCostAdded[];
}

export const initialUnitCostState = (): UnitCostState => ({ versions: [] });

export function evolveUnitCost(state: UnitCostState, event: UnitCostEvent): UnitCostState {
  switch (event.type) {
    case 'UnitCostAdded': {
      // The deciders number versions 1, 2, 3…; anything else means the stream is not theirs.
      if (event.data.version !== state.versions.length + 1) {
        throw new Error(
          `invariant: unit cost ${event.data.code} version ${event.data.version} follows ${state.versions.length}`,
        );
      }
      state.versions.push(event.data);
      return state;
    }
  }
}

/** The version in force, or undefined when the code has never been added. */
export function currentUnitCost(state: UnitCostState): UnitCostAdded | undefined {
  return state.versions[state.versions.length - 1];
}
