/**
 * Agency directory: the agencies an admin has registered, as GET /v1/agencies lists them.
 * The HTTP layer also asks it whether an agency exists before answering 404.
 */
import type { AgencyKind } from '../events/primitives.ts';
import { compareIds } from './ordering.ts';
import type { Projection } from './projection.ts';

export interface AgencyView {
  readonly agencyId: string;
  readonly name: string;
  readonly kind: AgencyKind;
  /** Server time the registration was recorded (metadata.recordedAt). */
  readonly registeredAt: string;
  /** Log position of the registration, as a digit string. */
  readonly position: string;
}

export interface AgencyDirectoryState {
  readonly agencies: Map<string, AgencyView>;
}

export const agencyDirectoryProjection: Projection<AgencyDirectoryState> = {
  name: 'agencyDirectory',
  initialState: () => ({ agencies: new Map() }),
  evolve(state, event) {
    if (event.type !== 'AgencyRegistered') return state;
    const { agencyId, name, kind } = event.data;
    // The agency stream is created with expected revision no-stream, so a second
    // registration of the same id means the log is not what the deciders wrote.
    if (state.agencies.has(agencyId))
      throw new Error(`invariant: agency ${agencyId} registered twice`);
    state.agencies.set(agencyId, {
      agencyId,
      name,
      kind,
      registeredAt: event.metadata.recordedAt,
      position: event.position.toString(),
    });
    return state;
  },
};

/** Every registered agency, by agencyId. */
export function listAgencies(state: AgencyDirectoryState): AgencyView[] {
  return [...state.agencies.values()].sort((a, b) => compareIds(a.agencyId, b.agencyId));
}

export function getAgency(state: AgencyDirectoryState, agencyId: string): AgencyView | null {
  return state.agencies.get(agencyId) ?? null;
}
