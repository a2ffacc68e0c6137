/**
 * Keeps the live books current by following the store's global log from a position — never by
 * the write path poking them. It starts where the start-up fold (foldLog, from the newest books
 * snapshot or from 0) ended, then follows live appends. Readers can wait for a position to be folded (read-your-writes through minPosition).
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
  readonly store: EventStore;
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

export function createProjectionRunner(options: ProjectionRunnerOptions) {
  const { store } = options;
  let position = options.fromPosition ?? 0n;
  let subscription: Subscription | undefined;
  let failure: unknown;
  const waiters = new Set<{ target: bigint; resolve: (reached: boolean) => void }>();

  function notify(): void {
    for (const waiter of waiters) {
      if (position >= waiter.target) {
        waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }

  return {
    /** Starts following; resolves once everything in the log at start time is folded. */
    async start(): Promise<void> {
      const headAtStart = await store.headPosition();
      const startedAt = Date.now();
      let eventsFolded = 0;
      const caughtUp = new Promise<void>((resolve, reject) => {
        if (position >= headAtStart) resolve();
        subscription = store.subscribe(
          position,
          async (events) => {
            try {
              await options.apply(events);
            } catch (error) {
              // Stop here and report once; the subscription needs no error of its own.
              failure = error;
              subscription?.close();
              reject(error);
              options.onFailure?.(error);
              return;
            }
            position = events[events.length - 1]!.position;
            eventsFolded += events.length;
            options.onProgress?.({
              position,
              headAtStart,
              eventsFolded,
              elapsedMs: Date.now() - startedAt,
            });
            notify();
            if (position >= headAtStart) resolve();
          },
          {
            onError: (error) => {
              if (failure !== undefined) return;
              failure = error;
              reject(error);
              options.onFailure?.(error);
            },
          },
        );
      });
      await caughtUp;
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
      subscription?.close();
      for (const waiter of waiters) waiter.resolve(false);
      waiters.clear();
    },
  };
}

export type ProjectionRunner = ReturnType<typeof createProjectionRunner>;
