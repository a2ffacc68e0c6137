/**
 * When the ledger takes a books snapshot. Encoding the books holds the event loop (about a
 * second per million events folded: see docs/performance.md), so a write that
 * arrives meanwhile waits. Hence snapshots are taken
 *   - when the ledger is idle: at least SNAPSHOT_EVERY_EVENTS folded since the last one, and
 *     nothing folded for SNAPSHOT_IDLE_MS;
 *   - regardless, once SNAPSHOT_FORCE_EVENTS have been folded live (after start-up) since the
 *     last one, so a server that is never idle still restarts in bounded time — but a long
 *     start-up replay alone never forces one onto the first minutes of traffic;
 *   - at graceful shutdown (SIGINT/SIGTERM), when anything was folded since the last one.
 */
import type {
  BooksSnapshotContent,
  BooksSnapshots,
  SavedSnapshot,
  SnapshotAnchor,
} from './booksSnapshots.ts';

export const SNAPSHOT_EVERY_EVENTS = 10_000;
export const SNAPSHOT_IDLE_MS = 2_000;
export const SNAPSHOT_FORCE_EVENTS = 500_000;
export const SNAPSHOT_CHECK_INTERVAL_MS = 1_000;

export interface SnapshotPolicy {
  readonly everyEvents: number;
  readonly idleMs: number;
  readonly forceEvents: number;
  readonly checkIntervalMs: number;
}

export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicy = {
  everyEvents: SNAPSHOT_EVERY_EVENTS,
  idleMs: SNAPSHOT_IDLE_MS,
  forceEvents: SNAPSHOT_FORCE_EVENTS,
  checkIntervalMs: SNAPSHOT_CHECK_INTERVAL_MS,
};

export interface SnapshotScheduleOptions {
  readonly snapshots: BooksSnapshots;
  /** What to save, as of now; undefined when nothing has been folded yet. */
  readonly capture: () => { content: BooksSnapshotContent; anchor: SnapshotAnchor } | undefined;
  /** Position of the snapshot the books started from (0n when none). */
  readonly startedFrom: bigint;
  readonly policy?: Partial<SnapshotPolicy>;
  readonly onSaved?: (saved: SavedSnapshot) => void;
  readonly onError?: (error: unknown) => void;
}

export function createSnapshotSchedule(options: SnapshotScheduleOptions) {
  const policy = { ...DEFAULT_SNAPSHOT_POLICY, ...options.policy };
  let savedPosition = options.startedFrom;
  let foldedSinceSave = 0;
  let liveFoldedSinceSave = 0;
  let started = false;
  let lastFoldAt = 0;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function saveNow(): Promise<void> {
    if (inFlight !== undefined) return inFlight;
    let captured;
    let saved: SavedSnapshot;
    try {
      captured = options.capture();
      if (captured === undefined || captured.anchor.position <= savedPosition)
        return Promise.resolve();
      saved = options.snapshots.save(captured.content, captured.anchor);
    } catch (error) {
      options.onError?.(error);
      // Encoding failed for a reason a retry will not cure soon: wait for as many events again.
      foldedSinceSave = 0;
      liveFoldedSinceSave = 0;
      return Promise.resolve();
    }
    const position = saved.position;
    foldedSinceSave = 0;
    liveFoldedSinceSave = 0;
    inFlight = saved.written.then(
      () => {
        savedPosition = position;
        options.onSaved?.(saved);
      },
      (error: unknown) => options.onError?.(error),
    );
    inFlight = inFlight.finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function check(): void {
    if (inFlight !== undefined || foldedSinceSave === 0) return;
    const idle = Date.now() - lastFoldAt >= policy.idleMs;
    if (
      liveFoldedSinceSave >= policy.forceEvents ||
      (idle && foldedSinceSave >= policy.everyEvents)
    )
      void saveNow();
  }

  return {
    /** Call after each batch the books fold. */
    noteFolded(events: number): void {
      foldedSinceSave += events;
      if (started) liveFoldedSinceSave += events;
      lastFoldAt = Date.now();
    },
    start(): void {
      started = true;
      timer ??= setInterval(check, policy.checkIntervalMs);
      // A pending snapshot is no reason to keep the process alive.
      timer.unref();
    },
    /** Stops the timer; with `final`, saves what was folded since the last snapshot first. */
    async stop(final: boolean): Promise<void> {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (inFlight !== undefined) await inFlight;
      if (final) await saveNow();
    },
    /** Takes a snapshot now (tests, tools); settles when it is written or failed. */
    saveNow,
  };
}

export type SnapshotSchedule = ReturnType<typeof createSnapshotSchedule>;
