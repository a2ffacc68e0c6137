/**
 * How every event store adapter's subscriptions follow the log, in the same form: the start
 * check, delivering a batch exactly once, the pause a wake-up ends, the follow loop's start,
 * and the set of open subscriptions that closing the store closes.
 */
import type { RecordedEvent, Subscription } from './eventStore.ts';

/** Refuses a negative log position as the place to read or subscribe after. */
export function checkAfterPosition(afterPosition: bigint): void {
  if (afterPosition < 0n) throw new RangeError(`afterPosition must be >= 0, got ${afterPosition}`);
}

/**
 * Hands a batch read after `cursor` to onBatch and returns the new cursor. The cursor moves only
 * once the consumer has taken the batch, so each event goes out exactly once; a batch that would
 * deliver an event twice stops the subscription loudly instead.
 */
export async function deliverAfter(
  cursor: bigint,
  batch: RecordedEvent[],
  onBatch: (events: RecordedEvent[]) => Promise<void> | void,
): Promise<bigint> {
  if (batch[0]!.position <= cursor) {
    throw new Error(
      `subscription read position ${batch[0]!.position} at or before cursor ${cursor}`,
    );
  }
  await onBatch(batch);
  return batch[batch.length - 1]!.position;
}

/** A follow loop's pause: sleep() lasts until wake() or the timeout, whichever comes first. */
export interface Sleeper {
  /** `unref`: the timer alone does not keep the process alive (a poll that is only a safety net). */
  sleep(ms: number, options?: { readonly unref?: boolean }): Promise<void>;
  /** Ends the sleep under way, if any; a wake-up while nobody sleeps is not remembered. */
  wake(): void;
}

export function createSleeper(): Sleeper {
  let wakeSleeper: (() => void) | undefined;
  return {
    sleep(ms, options = {}) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => wakeSleeper?.(), ms);
        if (options.unref === true) timer.unref();
        wakeSleeper = () => {
          clearTimeout(timer);
          wakeSleeper = undefined;
          resolve();
        };
      });
    },
    wake() {
      wakeSleeper?.();
    },
  };
}

/**
 * Runs a subscription's follow loop on a later tick (onBatch must never run inside the caller's
 * subscribe() call). A loop that fails closes the subscription and goes to onError; without
 * one it is rethrown, loudly, as an unhandled rejection. With `quietOnceClosed`, a failure of a
 * loop whose subscription was already closed (a read cut short by close()) is not reported.
 */
export function startFollowing(
  subscription: Subscription,
  follow: () => Promise<void>,
  onError: ((error: unknown) => void) | undefined,
  quietOnceClosed?: () => boolean,
): void {
  void Promise.resolve()
    .then(follow)
    .catch((error: unknown) => {
      const alreadyClosed = quietOnceClosed?.() === true;
      subscription.close();
      if (alreadyClosed) return;
      if (onError === undefined) throw error;
      onError(error);
    });
}

/** One open subscription as its follow loop sees it. */
export interface FollowedSubscription {
  readonly subscription: Subscription;
  /** The loop's pause; close() ends it at once. */
  readonly sleeper: Sleeper;
  isStopped(): boolean;
}

/** The subscriptions a store has open, so that closing the store closes every one. */
export interface OpenSubscriptions {
  /** Opens one; `onClose` runs once, when it is closed (by its consumer or by closeAll). */
  open(onClose: () => void): FollowedSubscription;
  closeAll(): void;
}

export function createOpenSubscriptions(): OpenSubscriptions {
  const opened = new Set<Subscription>();
  return {
    open(onClose) {
      let stopped = false;
      const sleeper = createSleeper();
      const subscription: Subscription = {
        close() {
          if (stopped) return;
          stopped = true;
          opened.delete(subscription);
          onClose();
          sleeper.wake();
        },
      };
      opened.add(subscription);
      return { subscription, sleeper, isStopped: () => stopped };
    },
    closeAll() {
      for (const subscription of [...opened]) subscription.close();
    },
  };
}
