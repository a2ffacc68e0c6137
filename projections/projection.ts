/**
 * A projection is a pure fold over the global log: the same events always give the same books.
 *
 * For speed over long histories, `evolve` owns the state it is given: it may update it in place
 * and returns the state to use next. Callers never keep a state they have passed to evolve.
 * No I/O, no clock: everything a projection shows comes from the events.
 */
import type { Envelope } from '../events/index.ts';

export interface Projection<S> {
  readonly name: string;
  initialState(): S;
  evolve(state: S, event: Envelope): S;
}

/** Folds a whole history from scratch: what a rebuild does. */
export function foldAll<S>(projection: Projection<S>, events: Iterable<Envelope>): S {
  let state = projection.initialState();
  for (const event of events) state = projection.evolve(state, event);
  return state;
}
