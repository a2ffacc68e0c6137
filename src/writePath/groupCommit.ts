/**
 * Group commit: appends that arrive together (in the same turn of the event loop, or while the
 * previous group was being written) go to the store in one appendBatch, so one transaction and
 * one fsync carry them all. Each request is still checked against its own expected revision
 * and answered on its own.
 */
import type {
  AppendRequest,
  AppendResult,
  EventStore,
  RecordedEvent,
} from '../store/eventStore.ts';

/** Most events one group may carry: bounds how long one commit holds the event loop. */
export const MAX_GROUP_COMMIT_EVENTS = 1_000;

/** A request whose decision was built on events that did not commit: refused without being written. */
export class StaleDecisionError extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId}: the command was decided on events that were not committed`);
  }
}

interface Queued {
  readonly request: AppendRequest;
  /** Asked just before the group is written: true when the request must not be written at all. */
  readonly isStale: () => boolean;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitStats {
  groups: bigint;
  requests: bigint;
}

/** Told of every group written (or refused by the store): the metrics' batch sizes and store errors. */
export interface GroupCommitObserver {
  readonly committed?: (group: { readonly requests: number; readonly events: number }) => void;
  readonly storeFailed?: (error: unknown) => void;
  /**
   * The events the group wrote, in the order of its requests, each with its stream revision,
   * position and (from a store that keeps one) log hash, as a read of the log would give them.
   * Told before any request of the group is answered; must not throw.
   */
  readonly appended?: (events: readonly RecordedEvent[]) => void;
}

/** The events a group wrote, as the store recorded them. */
function recordedEvents(
  group: readonly Queued[],
  outcomes: readonly (AppendResult | Error | undefined)[],
): RecordedEvent[] {
  const recorded: RecordedEvent[] = [];
  for (const [i, item] of group.entries()) {
    const outcome = outcomes[i];
    if (outcome === undefined || outcome instanceof Error) continue;
    const { streamId, events } = item.request;
    const firstRevision = outcome.lastRevision - BigInt(events.length - 1);
    for (const [j, event] of events.entries()) {
      const logHash = outcome.logHashes?.[j];
      // The fields in the order the stores read them back, so the books see one shape.
      const common = {
        position: outcome.positions[j]!,
        eventId: event.eventId,
        streamId,
        streamRevision: firstRevision + BigInt(j),
        type: event.type,
        data: event.data,
        metadata: event.metadata,
      };
      recorded.push(logHash === undefined ? common : { ...common, logHash });
    }
  }
  return recorded;
}

export function createGroupCommitter(
  store: Pick<EventStore, 'appendBatch'>,
  maxGroupEvents: number = MAX_GROUP_COMMIT_EVENTS,
) {
  let queue: Queued[] = [];
  let scheduled = false;
  let writing = false;
  const stats: GroupCommitStats = { groups: 0n, requests: 0n };
  const observers = new Set<GroupCommitObserver>();

  function schedule(): void {
    if (scheduled || writing || queue.length === 0) return;
    scheduled = true;
    // setImmediate, not a microtask: every request whose I/O arrived in this turn is decided
    // (through promise chains) before the group is cut.
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  }

  /** Takes the oldest requests up to the event bound (always at least one). */
  function takeGroup(): Queued[] {
    let events = 0;
    let count = 0;
    while (count < queue.length) {
      const size = queue[count]!.request.events.length;
      if (count > 0 && events + size > maxGroupEvents) break;
      events += size;
      count += 1;
    }
    const group = queue.slice(0, count);
    queue = queue.slice(count);
    return group;
  }

  function purge(streamIds: ReadonlySet<string>): void {
    const kept: Queued[] = [];
    for (const item of queue) {
      if (streamIds.has(item.request.streamId))
        item.reject(new StaleDecisionError(item.request.streamId));
      else kept.push(item);
    }
    queue = kept;
  }

  async function flush(): Promise<void> {
    writing = true;
    try {
      const taken = takeGroup();
      const group: Queued[] = [];
      for (const item of taken) {
        if (item.isStale()) item.reject(new StaleDecisionError(item.request.streamId));
        else group.push(item);
      }
      if (group.length === 0) return;
      stats.groups += 1n;
      stats.requests += BigInt(group.length);
      let outcomes;
      try {
        outcomes = await store.appendBatch(group.map((item) => item.request));
      } catch (error) {
        for (const observer of observers) observer.storeFailed?.(error);
        // Nothing of the group was written: every request in it gets the store's error.
        for (const item of group) item.reject(error);
        purge(new Set(group.map((item) => item.request.streamId)));
        return;
      }
      const committed = {
        requests: group.length,
        events: group.reduce((sum, item) => sum + item.request.events.length, 0),
      };
      for (const observer of observers) observer.committed?.(committed);
      // Handed on before any answer goes out, so the live books hold a write once it is answered.
      const appended = [...observers].filter((observer) => observer.appended !== undefined);
      if (appended.length > 0) {
        const events = recordedEvents(group, outcomes);
        if (events.length > 0) for (const observer of appended) observer.appended!(events);
      }
      const failedStreams = new Set<string>();
      for (const [i, item] of group.entries()) {
        const outcome =
          outcomes[i] ??
          new Error('invariant: appendBatch answered fewer requests than it was given');
        if (outcome instanceof Error) {
          item.reject(outcome);
          failedStreams.add(item.request.streamId);
        } else {
          item.resolve(outcome);
        }
      }
      // Whatever is still queued for those streams was decided before the failure was known,
      // possibly on the events that just failed: it goes back to be decided again.
      if (failedStreams.size > 0) purge(failedStreams);
    } finally {
      writing = false;
      schedule();
    }
  }

  return {
    /** Queues one stream's append for the next group; settles once the group is committed. */
    submit(request: AppendRequest, isStale: () => boolean = () => false): Promise<AppendResult> {
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ request, isStale, resolve, reject });
        schedule();
      });
    },
    stats: (): Readonly<GroupCommitStats> => ({ ...stats }),
    /** Adds an observer until the returned function is called. */
    observe(observer: GroupCommitObserver): () => void {
      observers.add(observer);
      return () => observers.delete(observer);
    },
  };
}

export type GroupCommitter = ReturnType<typeof createGroupCommitter>;
