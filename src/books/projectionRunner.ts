/**
 * Keeps the live books current by following the store's global log from a position — never by
 * the write path poking them. It starts where the start-up fold (foldLog, from the newest books
 * snapshot or from 0) ended, then follows live appends. Readers can wait for a position to be
 * folded (read-your-writes through minPosition).
 *
 * The write path of this process may also hand over the events it has just appended (handOver),
 * with their positions, so the runner folds them without reading them back from the store. The
 * store's subscription stays the source of truth: a handed page is folded only when it continues
 * the books exactly (its first event right after the last one folded, no gap inside); anything
 * else (another process appended in between, pages out of order, a page while one is being
 * folded) is left to the subscription, which reads after whatever the runner holds. Events the
 * runner already holds are skipped whichever way they come, so each is folded exactly once.
 */
import type { EventStore, RecordedEvent, Subscription } from '../store/eventStore.ts';

/** The longest a GET waits for the books to reach its minPosition. */
export const MAX_MIN_POSITION_WAIT_MS = 5_000;

export interface RunnerProgress {
  readonly position: bigint;
  readonly headAtStart: bigint;
  readonly eventsFolded: number;
  readonly elapsedMs: number;
}

export interface ProjectionRunnerOptions {
  readonly store: Pick<
    EventStore,
    'headPosition' | 'subscribe' | 'positionsContiguous' | 'logChained'
  >;
  /**
   * Folds one batch into the books; must not throw for any event the ledger wrote. May return
   * a promise (work that follows the fold, e.g. writing the SQL mirror): the next batch waits.
   */
  readonly apply: (events: readonly RecordedEvent[]) => void | Promise<void>;
  /** Start after this position (the books' checkpoint); 0n rebuilds from the start of the log. */
  readonly fromPosition?: bigint;
  readonly onProgress?: (progress: RunnerProgress) => void;
  /** A fold that throws means the books can no longer be trusted: the owner must stop. */
  readonly onFailure?: (error: unknown) => void;
}

/** The events of `events` after `position`, when they follow it with no gap; undefined when not. */
function continuation(
  events: readonly RecordedEvent[],
  position: bigint,
): readonly RecordedEvent[] | undefined {
  let first = 0;
  while (first < events.length && events[first]!.position <= position) first += 1;
  let expected = position + 1n;
  for (let i = first; i < events.length; i++) {
    if (events[i]!.position !== expected) return undefined;
    expected += 1n;
  }
  return first === 0 ? events : events.slice(first);
}

export function createProjectionRunner(options: ProjectionRunnerOptions) {
  const { store } = options;
  let position = options.fromPosition ?? 0n;
  let subscription: Subscription | undefined;
  let failure: unknown;
  let stopped = false;
  /** A page whose apply returned a promise, until it settles: nothing else folds meanwhile. */
  let inFlight: Promise<void> | undefined;
  let eventsFolded = 0;
  let startedAt = 0;
  let headAtStart = 0n;
  let caughtUp: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const waiters = new Set<{ target: bigint; resolve: (reached: boolean) => void }>();

  function notify(): void {
    for (const waiter of waiters) {
      if (position >= waiter.target) {
        waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }

  function folded(events: readonly RecordedEvent[]): void {
    position = events[events.length - 1]!.position;
    eventsFolded += events.length;
    options.onProgress?.({
      position,
      headAtStart,
      eventsFolded,
      elapsedMs: Date.now() - startedAt,
    });
    notify();
    if (position >= headAtStart) caughtUp?.resolve();
  }

  /** Stops here and reports once; the subscription needs no error of its own. */
  function failWith(error: unknown): void {
    if (failure !== undefined) return;
    failure = error;
    subscription?.close();
    caughtUp?.reject(error);
    options.onFailure?.(error);
  }

  /** Folds a page that continues the books exactly; settles (never rejects) when it is folded. */
  function fold(events: readonly RecordedEvent[]): Promise<void> | undefined {
    let pending: void | Promise<void>;
    try {
      pending = options.apply(events);
    } catch (error) {
      failWith(error);
      return undefined;
    }
    if (pending === undefined) {
      folded(events);
      return undefined;
    }
    inFlight = pending.then(
      () => {
        inFlight = undefined;
        folded(events);
      },
      (error: unknown) => {
        inFlight = undefined;
        failWith(error);
      },
    );
    return inFlight;
  }

  /** A page from the store's subscription: whatever of it the runner does not hold yet. */
  async function foldSubscribed(events: readonly RecordedEvent[]): Promise<void> {
    while (inFlight !== undefined) await inFlight;
    if (failure !== undefined) return;
    let first = 0;
    while (first < events.length && events[first]!.position <= position) first += 1;
    if (first === events.length) return;
    await fold(first === 0 ? events : events.slice(first));
  }

  return {
    /** Starts following; resolves once everything in the log at start time is folded. */
    async start(): Promise<void> {
      headAtStart = await store.headPosition();
      startedAt = Date.now();
      const started = new Promise<void>((resolve, reject) => {
        caughtUp = { resolve, reject };
        if (position >= headAtStart) resolve();
        subscription = store.subscribe(position, foldSubscribed, {
          onError: failWith,
          heldThrough: () => position,
        });
      });
      await started;
    },

    /**
     * The events the write path of this process has just appended, in log order with their
     * positions (and log hashes, from a store that keeps them). Folds them now when they continue
     * the books exactly; otherwise leaves them to the subscription. True when the runner has
     * taken them (folded now, being folded, or held before), false when the subscription will
     * read them.
     */
    handOver(events: readonly RecordedEvent[]): boolean {
      if (subscription === undefined || stopped || failure !== undefined) return false;
      if (inFlight !== undefined || !store.positionsContiguous || events.length === 0) return false;
      // A snapshot names its last event by log hash: an event without one must come from the store.
      if (store.logChained && events.some((event) => event.logHash === undefined)) return false;
      const fresh = continuation(events, position);
      if (fresh === undefined) return false;
      if (fresh.length > 0) void fold(fresh);
      return failure === undefined;
    },

    position(): bigint {
      return position;
    },

    failure(): unknown {
      return failure;
    },

    /** Resolves true once `target` is folded, false if it is not within `timeoutMs`. */
    waitFor(target: bigint, timeoutMs: number = MAX_MIN_POSITION_WAIT_MS): Promise<boolean> {
      if (position >= target) return Promise.resolve(true);
      return new Promise((resolve) => {
        const waiter = {
          target,
          resolve: (reached: boolean) => {
            clearTimeout(timer);
            resolve(reached);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          resolve(false);
        }, timeoutMs);
        waiters.add(waiter);
      });
    },

    stop(): void {
      stopped = true;
      subscription?.close();
      for (const waiter of waiters) waiter.resolve(false);
      waiters.clear();
    },
  };
}

export type ProjectionRunner = ReturnType<typeof createProjectionRunner>;
