/**
 * The sign-in mapping as the API applies it and GET /v1/sign-in-mapping shows it: every version
 * recorded, the latest in force, with when, by whom and why each was changed.
 */
import type { SignInMappingChanged } from '../events/signInMapping.ts';
import type { Projection } from './projection.ts';

export interface SignInMappingVersionView extends SignInMappingChanged {
  readonly eventId: string;
  readonly changedAt: string;
  readonly changedBy: string;
  /** Log position of the event, as a digit string. */
  readonly position: string;
}

export interface SignInMappingProjectionState {
  /** Versions in order (index i holds version i + 1). */
  readonly versions: SignInMappingVersionView[];
}

export const signInMappingProjection: Projection<SignInMappingProjectionState> = {
  name: 'signInMapping',
  initialState: () => ({ versions: [] }),
  evolve(state, event) {
    if (event.type !== 'SignInMappingChanged') return state;
    if (event.data.version !== state.versions.length + 1)
      throw new Error(
        `invariant: sign-in mapping version ${event.data.version} after ${state.versions.length} versions`,
      );
    state.versions.push({
      ...event.data,
      eventId: event.eventId,
      changedAt: event.metadata.recordedAt,
      changedBy: event.metadata.actor.sub,
      position: event.position.toString(),
    });
    return state;
  },
};

/** The version in force, or undefined before any change (the configured default applies). */
export function signInMappingInForce(
  state: SignInMappingProjectionState,
): SignInMappingVersionView | undefined {
  return state.versions.at(-1);
}
