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

/** Where a follow loop reads after: its cursor, or what the consumer already holds when further. */
export function furthest(cursor: bigint, heldThrough: (() => bigint) | undefined): bigint {
  const held = heldThrough?.();
  return held !== undefined && held > cursor ? held : cursor;
}

/** A follow loop's pause: sleep() lasts until wake() or the timeout, whichever comes first. */
export interface Sleeper {
  /** `unref`: the timer alone does not keep the process alive (a poll that is only a safety net). */
  sleep(ms: number, options?: { readonly unref?: boolean }): Promise<void>;
  /**
   * Ends the sleep under way, if any, on the next turn of the event loop; a wake-up while nobody
   * sleeps is not remembered. Not at once: an append wakes its subscriptions inside the store's
   * append, and the rest of the appender's turn (the write path handing its events to the
   * in-process runner, other appends of the same turn) comes first, so the loop's one read then
   * finds what is left to read.
   */
  wake(): void;
}

export function createSleeper(): Sleeper {
  let endSleep: (() => void) | undefined;
  return {
    sleep(ms, options = {}) {
      return new Promise<void>((resolve) => {
        const end = (): void => {
          clearTimeout(timer);
          // A late wake-up of an ended sleep must not end the next one.
          if (endSleep === end) endSleep = undefined;
          resolve();
        };
        const timer = setTimeout(end, ms);
        if (options.unref === true) timer.unref();
        endSleep = end;
      });
    },
    wake() {
      const end = endSleep;
      if (end !== undefined) setImmediate(end);
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
