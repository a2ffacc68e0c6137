/**
 * Pieces every event store adapter needs in the same form: the expected-revision rule, the
 * JSON text an event is stored as, and the page size readAll serves. How a subscription
 * follows the log is in following.ts.
 */
import {
  effectiveDateColumn,
  MAX_READ_ALL_BATCH_EVENTS,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from './eventStore.ts';

/** Whether a stream at `actual` satisfies the caller's expected revision. */
export function revisionMatches(expected: ExpectedRevision, actual: bigint | 'no-stream'): boolean {
  if (expected === 'any') return true;
  if (expected === 'no-stream') return actual === 'no-stream';
  return actual === expected;
}

export interface SerialisedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  /** data.effectiveDate when it is a string (the effective_date column), else null. */
  readonly effectiveDate: string | null;
}

/** The JSON text an event is stored as; refuses data or metadata that are not JSON values. */
export function serialiseEvent(event: NewEvent): SerialisedEvent {
  const data = JSON.stringify(event.data);
  const metadata = JSON.stringify(event.metadata);
  if (data === undefined || metadata === undefined) {
    throw new TypeError(`event ${event.eventId}: data and metadata must be JSON values`);
  }
  return {
    eventId: event.eventId,
    type: event.type,
    data,
    metadata,
    effectiveDate: effectiveDateColumn(event.data),
  };
}

/** The page size readAll serves: a whole number from 1 to MAX_READ_ALL_BATCH_EVENTS. */
export function clampReadAllLimit(limit: number): number {
  if (Number.isNaN(limit)) throw new RangeError('readAll limit must be a number');
  return Math.min(MAX_READ_ALL_BATCH_EVENTS, Math.max(1, Math.trunc(limit)));
}

/**
 * The log's events at positions `from`..`through` (inclusive), in order, read page by page
 * (MAX_READ_ALL_BATCH_EVENTS at a time) with readAll.
 */
export async function readLogRange(
  store: Pick<EventStore, 'readAll'>,
  from: bigint,
  through: bigint,
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (let after = from - 1n; after < through;) {
    const page = await store.readAll(after, MAX_READ_ALL_BATCH_EVENTS);
    if (page.length === 0) break;
    for (const event of page) if (event.position <= through) events.push(event);
    after = page[page.length - 1]!.position;
  }
  return events;
}
