/**
 * The audit trail builds its entries from the stored events (EventStore.readPositions); a test
 * that folds events in memory answers the same pages from the events it folded: foldTrail (or
 * withEvents for a trail folded elsewhere) remembers them beside the state, and auditEntries
 * here reads a page synchronously from them.
 */
import type { Envelope } from '../../events/index.ts';
import {
  auditEntriesFrom,
  auditEntryAt as entryAt,
  auditTrailProjection,
  type AuditPage,
  type AuditQuery,
  type AuditTrailState,
} from '../../projections/auditTrail.ts';
import { columnAt } from '../../projections/columns.ts';
import { foldAll } from '../../projections/projection.ts';

const eventsOfTrail = new WeakMap<AuditTrailState, Map<bigint, Envelope>>();

export function eventsByPosition(
  events: Iterable<{ readonly position: bigint }>,
): Map<bigint, Envelope> {
  return new Map([...events].map((event) => [event.position, event as Envelope]));
}

/** `state`, remembered as folded from `events` (and possibly more: later calls add to them). */
export function withEvents<S extends AuditTrailState>(
  state: S,
  events: Iterable<{ readonly position: bigint }>,
): S {
  const known = eventsOfTrail.get(state) ?? new Map<bigint, Envelope>();
  for (const [position, event] of eventsByPosition(events)) known.set(position, event);
  eventsOfTrail.set(state, known);
  return state;
}

export function foldTrail(events: readonly Envelope[]): AuditTrailState {
  return withEvents(foldAll(auditTrailProjection, events), events);
}

function eventsOf(state: AuditTrailState): Map<bigint, Envelope> {
  const events = eventsOfTrail.get(state);
  if (events === undefined)
    throw new Error('test: this audit trail was not folded through foldTrail/withEvents');
  return events;
}

export function auditEntries(state: AuditTrailState, query: AuditQuery): AuditPage {
  return auditEntriesFrom(state, query, eventsOf(state));
}

export function auditEntryAt(state: AuditTrailState, i: number) {
  return entryAt(state, i, eventsOf(state).get(columnAt(state.positions, i))!);
}
