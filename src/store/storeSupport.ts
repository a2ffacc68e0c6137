/**
 * Pieces every event store adapter needs in the same form: the expected-revision rule, the
 * JSON text an event is stored as, and how a subscription's follow loop is started.
 */
import type { ExpectedRevision, NewEvent, Subscription } from './eventStore.ts';

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
}

/** The JSON text an event is stored as; refuses data or metadata that are not JSON values. */
export function serialiseEvent(event: NewEvent): SerialisedEvent {
  const data = JSON.stringify(event.data);
  const metadata = JSON.stringify(event.metadata);
  if (data === undefined || metadata === undefined) {
    throw new TypeError(`event ${event.eventId}: data and metadata must be JSON values`);
  }
  return { eventId: event.eventId, type: event.type, data, metadata };
}

/**
 * Runs a subscription's follow loop on a later tick (onBatch must never run inside the caller's
 * subscribe() call). A loop that fails closes the subscription and goes to onError; without
 * one it is rethrown, loudly, as an unhandled rejection.
 */
export function startFollowing(subscription: Subscription, follow: () => Promise<void>, onError: ((error: unknown) => void) | undefined): void {
  void Promise.resolve()
    .then(follow)
    .catch((error: unknown) => {
      subscription.close();
      if (onError === undefined) throw error;
      onError(error);
    });
}
