/**
 * foldLog's page size (FOLD_PAGE_EVENTS, or the caller's batchSize) decides only how the log is
 * read, never what the books become: folding a log in pages of any size gives, byte for byte,
 * the books a fold of the whole log in one page gives — the snapshot codec's bytes, the state
 * written out in full, and the position.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../events/index.ts';
import { createLedgerBooks } from '../../projections/index.ts';
import { FOLD_PAGE_EVENTS, foldLog } from '../../src/books/foldLog.ts';
import { encodeState } from '../../src/books/snapshots/stateCodec.ts';
import {
  MAX_READ_ALL_BATCH_EVENTS,
  type EventStore,
  type RecordedEvent,
} from '../../src/store/eventStore.ts';
import { historyOf, opsWithPoolYearArbitrary } from '../projections/randomHistory.ts';

/** A store over `events` that serves at most `limit` after `after`, as readAll does. */
function sourceOf(events: readonly Envelope[]): Pick<EventStore, 'readAll'> {
  return {
    async readAll(after, limit) {
      return events.filter((e) => e.position > after).slice(0, limit) as unknown as RecordedEvent[];
    },
  };
}

async function foldedIn(events: readonly Envelope[], batchSize: number | undefined) {
  const books = createLedgerBooks();
  const result = await foldLog(sourceOf(events), batchSize === undefined ? {} : { batchSize }, {
    books,
  });
  return { books, result };
}

describe('foldLog page size', () => {
  it('is smaller than the largest page a store serves, and a whole number of events', () => {
    expect(Number.isInteger(FOLD_PAGE_EVENTS)).toBe(true);
    expect(FOLD_PAGE_EVENTS).toBeGreaterThan(0);
    expect(FOLD_PAGE_EVENTS).toBeLessThanOrEqual(MAX_READ_ALL_BATCH_EVENTS);
  });

  it('property: for random histories and page sizes, the books are byte-identical to a fold of the whole log in one page', async () => {
    await fc.assert(
      fc.asyncProperty(
        opsWithPoolYearArbitrary,
        fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
        async (ops, batchSize) => {
          const { events } = historyOf(ops);
          const paged = await foldedIn(events, batchSize);
          const whole = await foldedIn(events, MAX_READ_ALL_BATCH_EVENTS);
          expect(paged.result.eventsRead).toBe(events.length);
          expect(paged.result.position).toBe(whole.result.position);
          expect(paged.books.position).toBe(whole.books.position);
          expect(encodeState(paged.books.state).equals(encodeState(whole.books.state))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  }, 240_000);
});
