/**
 * The unit-cost catalogue as GET /v1/unit-costs shows it: every code with its versions, the
 * latest in force and the earlier ones kept (superseded), with when and by whom each was added.
 */
import type { UnitCostAdded } from '../events/unitCost.ts';
import { compareIds } from './ordering.ts';
import type { Projection } from './projection.ts';

export interface UnitCostVersionView extends UnitCostAdded {
  /** The version that replaced this one, when it is no longer in force. */
  readonly supersededByVersion?: number;
  readonly addedAt: string;
  readonly addedBy: string;
  /** Log position of the event, as a digit string. */
  readonly position: string;
}

export interface UnitCostCatalogueState {
  /** Code → versions in order (index i holds version i + 1). */
  readonly entries: Map<string, UnitCostVersionView[]>;
}

export const unitCostCatalogueProjection: Projection<UnitCostCatalogueState> = {
  name: 'unitCostCatalogue',
  initialState: () => ({ entries: new Map() }),
  evolve(state, event) {
    if (event.type !== 'UnitCostAdded') return state;
    const versions = state.entries.get(event.data.code) ?? [];
    // The deciders number versions 1, 2, 3… in one stream per code; anything else is not their log.
    if (event.data.version !== versions.length + 1) {
      throw new Error(`invariant: unit cost ${event.data.code} version ${event.data.version} after ${versions.length} versions`);
    }
    const previous = versions[versions.length - 1];
    if (previous !== undefined) versions[versions.length - 1] = { ...previous, supersededByVersion: event.data.version };
    versions.push({ ...event.data, addedAt: event.metadata.recordedAt, addedBy: event.metadata.actor.sub, position: event.position.toString() });
    state.entries.set(event.data.code, versions);
    return state;
  },
};

/** The version in force of every code, by code; with `includeSuperseded`, every version. */
export function listUnitCosts(state: UnitCostCatalogueState, options: { includeSuperseded?: boolean } = {}): UnitCostVersionView[] {
  const codes = [...state.entries.keys()].sort(compareIds);
  return codes.flatMap((code) => {
    const versions = state.entries.get(code)!;
    return options.includeSuperseded === true ? versions : [versions[versions.length - 1]!];
  });
}

/** Every version of one code, oldest first, or null when the code was never added. */
export function unitCostHistory(state: UnitCostCatalogueState, code: string): UnitCostVersionView[] | null {
  return state.entries.get(code) ?? null;
}
