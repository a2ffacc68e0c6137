/**
 * When books snapshots are taken: after enough events once the ledger is idle, after many live
 * events regardless, at shutdown when anything is new — and never for a start-up replay alone
 * while traffic flows, nor twice for the same position.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSnapshotSchedule } from '../../../src/books/snapshots/snapshotSchedule.ts';
import type {
  BooksSnapshotContent,
  BooksSnapshots,
  SnapshotAnchor,
} from '../../../src/books/snapshots/booksSnapshots.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setUp(startedFrom = 0n) {
  let position = startedFrom;
  const saved: bigint[] = [];
  const snapshots: BooksSnapshots = {
    dir: '/nowhere',
    save: (_content: BooksSnapshotContent, anchor: SnapshotAnchor) => {
      saved.push(anchor.position);
      return { position: anchor.position, bytes: 1, encodeMs: 0, written: Promise.resolve() };
    },
    load: () => Promise.resolve(undefined),
  };
  const snapshotSchedule = createSnapshotSchedule({
    snapshots,
    startedFrom,
    policy: { everyEvents: 100, idleMs: 2_000, forceEvents: 1_000, checkIntervalMs: 500 },
    capture: () =>
      position === 0n
        ? undefined
        : {
            content: {} as BooksSnapshotContent,
            anchor: { position, eventId: `e${position}`, hash: null, logHash: null },
          },
  });
  const fold = (events: number) => {
    position += BigInt(events);
    snapshotSchedule.noteFolded(events);
  };
  return { snapshotSchedule, saved, fold };
}

describe('books snapshot schedule', () => {
  it('snapshots once enough events were folded and the ledger has been idle', async () => {
    const { snapshotSchedule, saved, fold } = setUp();
    snapshotSchedule.start();
    fold(50);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(saved).toEqual([]);
    fold(60);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(saved).toEqual([110n]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(saved).toEqual([110n]);
    await snapshotSchedule.stop(true);
    expect(saved).toEqual([110n]);
  });

  it('snapshots a busy ledger after many live events, but not for a long start-up replay alone', async () => {
    const { snapshotSchedule, saved, fold } = setUp();
    fold(5_000); // the start-up replay
    snapshotSchedule.start();
    for (let i = 0; i < 9; i++) {
      fold(100);
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(saved).toEqual([]);
    fold(100);
    await vi.advanceTimersByTimeAsync(500);
    expect(saved).toEqual([6_000n]);
  });

  it('snapshots at shutdown only when something is new since the snapshot it started from', async () => {
    const same = setUp(300n);
    same.snapshotSchedule.start();
    await same.snapshotSchedule.stop(true);
    expect(same.saved).toEqual([]);
    const moved = setUp(300n);
    moved.snapshotSchedule.start();
    moved.fold(1);
    await moved.snapshotSchedule.stop(true);
    expect(moved.saved).toEqual([301n]);
  });
});
