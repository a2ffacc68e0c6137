/**
 * The books as they stood. UK local-audit law asks for records that show the financial position
 * "at any time", so every GET that reads the books can ask for:
 *
 *   atPosition=P  what the ledger knew when log position P was written: every event at or
 *                 before P, folded as the live books folded them then;
 *   asAt=D        the books by business date: every event (up to atPosition, or up to the live
 *                 books' position) except those whose `data.effectiveDate` is after D. Events
 *                 without an effective date (registrations, pots opened, partners joined,
 *                 interventions defined, and any later structural event) always count.
 *
 * The filter reads `data.effectiveDate` whatever the event type, so a new event type that has
 * one is filtered by it, and one that has none always counts, without a change here.
 *
 * A filtered history is one no live command sequence wrote, so every projection must fold it:
 * structural events are never filtered out, so no entry names an unknown pot, partner or
 * intervention; a reversal is never dated before the entry it undoes (reverseEntry.ts), so it
 * never counts without it (benefitFlows asserts that); order is kept, so positions still rise.
 * What remains is a stake below zero (an allocation dated before the contribution it drew on):
 * the pot summary shows it as it is (stakesMayBeNegative) instead of stopping.
 *
 * Cost: an uncached answer folds the log from the newest books waypoint that can stand for its
 * start (src/books/booksWaypoints.ts: the books folded unfiltered up to a position, taken every
 * BOOKS_WAYPOINT_EVERY_EVENTS events by the worker that builds the answer) to the position asked
 * for; from position 0 only while none can (counted by foldsFromLogStart). The fold runs through the history pool (src/books/historyPool.ts): in a worker thread with
 * its own connection to the log, at most MAX_CONCURRENT_HISTORICAL_FOLDS at once, at most
 * MAX_HISTORICAL_QUEUE waiting (more are refused 503 HISTORY_BUSY) and each within a time
 * budget (503 HISTORY_TIMEOUT past it), so a burst of historical reads never stalls the live
 * API. A pot's statement (statementFor) goes through the same gate. Answers are cached (LRU,
 * bounded by count and by the events folded into them): a key names a position, and the events
 * at or before a position never change, so a cached answer never goes stale. An asAt without
 * atPosition is keyed by the live position it was built at, and the next write makes a new key.
 */
import { LRUCache } from 'lru-cache';
import {
  projectionNames,
  type ProjectionName,
  type SomeProjections,
} from '../../projections/index.ts';
import type { PotStatement } from '../../projections/potStatement.ts';
import { createHistoryPool, type HistoryPoolSource } from './historyPool.ts';
import { LedgerError } from './ledgerError.ts';
import type { EventStore } from '../store/eventStore.ts';

export {
  ALL_PROJECTIONS,
  emptyBooksByEffectiveDate,
  endOfAppendAt,
  foldHistory,
  isDatedAfter,
  type FoldedHistory,
} from './historyFold.ts';
export { MAX_CONCURRENT_HISTORICAL_FOLDS, MAX_HISTORICAL_QUEUE } from './historyPool.ts';

/** Most historical answers kept at once. */
export const MAX_HISTORICAL_BOOKS_CACHED = 16;
/**
 * Most events folded into the cached answers, summed over them: a memory bound (each cached
 * answer holds books of its own, roughly as large as the live books at that point).
 */
export const MAX_HISTORICAL_CACHED_EVENTS = 500_000;

export interface PointInTime {
  /** A business date, YYYY-MM-DD (already validated). */
  readonly asAt?: string | undefined;
  readonly atPosition?: bigint | undefined;
}

export interface BooksQuery extends PointInTime {
  readonly minPosition?: bigint | undefined;
}

/** Books to answer from, and what they are. */
export interface BooksAnswer<K extends ProjectionName = ProjectionName> {
  /**
   * The states to read with the projections' query functions; never written to. Only those the
   * question named: a historical answer folds no other (the live books hold them all).
   */
  readonly projections: Readonly<SomeProjections<K>>;
  /** The log position the answer reflects (the Ledger-Position header). */
  readonly position: bigint;
  /** The business date the answer is as at (the Ledger-As-At header), when one was asked for. */
  readonly asAt?: string;
}

export type HistorySource = Pick<EventStore, 'readAll' | 'readStream' | 'headPosition'> &
  HistoryPoolSource;

export interface StatementQuery {
  readonly potId: string;
  readonly financialYear: string;
  readonly asAt?: string | undefined;
  /** The last log position the statement reflects (already the end of an append). */
  readonly upTo: bigint;
}

export interface HistoricalBooksOptions {
  readonly source: HistorySource;
  /** The live books and the log position they have folded: today's answer. */
  readonly live: () => BooksAnswer;
  /** Waits (bounded) until the live books have folded `minPosition`; refuses when they cannot. */
  readonly readYourWrites: (minPosition: bigint | undefined) => Promise<void>;
  readonly batchSize?: number;
  /** Time budget of one historical request (DEFAULT_HISTORY_BUDGET_MS when absent). */
  readonly budgetMs?: number;
}

interface FoldPoint {
  readonly asAt?: string;
  readonly atPosition: bigint;
  readonly snapToAppend: boolean;
  readonly projections: readonly ProjectionName[];
}

interface CachedAnswer {
  readonly answer: BooksAnswer<ProjectionName>;
  readonly eventsFolded: number;
}

export function createHistoricalBooks(options: HistoricalBooksOptions) {
  const { source } = options;
  const pool = createHistoryPool({
    source,
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
  });
  let foldsRun = 0;
  let foldsFromLogStart = 0;

  async function fold(point: FoldPoint): Promise<CachedAnswer> {
    foldsRun += 1;
    const result = await pool.run({ kind: 'books', ...point });
    if (result.kind !== 'books')
      throw new Error('the history pool answered a books job with a statement');
    // No books waypoint could stand for the start (none yet, or every one holds an event dated
    // after asAt): the fold read the log from position 0.
    if (result.startedAfter === 0n && result.position > 0n) foldsFromLogStart += 1;
    const missing = point.projections.filter((name) => !(name in result.projections));
    if (missing.length > 0)
      throw new Error(`the history pool answered without the projections ${missing.join(', ')}`);
    const answer: BooksAnswer<ProjectionName> = {
      // Every name the point asked for is there (checked above); a reader is typed to those.
      projections: result.projections as SomeProjections<ProjectionName>,
      position: result.position,
      ...(point.asAt === undefined ? {} : { asAt: point.asAt }),
    };
    return { answer, eventsFolded: result.eventsFolded };
  }

  // fetch() also shares one fold between concurrent requests for the same key (and its budget).
  const cache = new LRUCache<string, CachedAnswer, FoldPoint>({
    max: MAX_HISTORICAL_BOOKS_CACHED,
    maxSize: MAX_HISTORICAL_CACHED_EVENTS,
    sizeCalculation: (value) => Math.max(1, value.eventsFolded),
    // An answer evicted while it is still being built is still returned to its callers.
    ignoreFetchAbort: true,
    fetchMethod: (_key, _stale, { context }) => fold(context),
  });

  return {
    /**
     * The books a GET answers from: live with neither asAt nor atPosition, else as they stood,
     * folding only the projections `needs` names (the answer is typed to those alone).
     */
    async booksFor<K extends ProjectionName>(
      query: BooksQuery,
      needs: readonly K[],
    ): Promise<BooksAnswer<K>> {
      await options.readYourWrites(query.minPosition);
      const { asAt, atPosition } = query;
      if (asAt === undefined && atPosition === undefined) return options.live();
      if (atPosition !== undefined) {
        const head = await source.headPosition();
        if (atPosition > head)
          throw new LedgerError(
            'VALIDATION_FAILED',
            `atPosition ${atPosition} is beyond the end of the log (${head})`,
          );
      }
      const point = {
        ...(asAt === undefined ? {} : { asAt }),
        atPosition: atPosition ?? options.live().position,
        // A position a client names may fall inside an append; the live books' never does.
        snapToAppend: atPosition !== undefined,
        projections: projectionNames(needs),
      };
      const key = `${point.asAt ?? '-'}@${point.atPosition}:${point.projections.join('+')}`;
      const cached = await cache.fetch(key, { context: point });
      // fetch resolves undefined only if the entry was dropped mid-fold without its value.
      return (cached ?? (await fold(point))).answer;
    },

    /** A pot's statement as at a position (null: no such pot then), through the same gate. */
    async statementFor(query: StatementQuery): Promise<PotStatement | null> {
      const result = await pool.run({ kind: 'statement', ...query });
      if (result.kind !== 'statement')
        throw new Error('the history pool answered a statement job with books');
      return result.statement;
    },

    /** Folds run since start (cache misses): for tests and operators. */
    foldsRun(): number {
      return foldsRun;
    },

    /**
     * Folds run since start that found no books waypoint to start from and read the log from
     * position 0 (booksWaypoints.ts): for tests and operators.
     */
    foldsFromLogStart(): number {
      return foldsFromLogStart;
    },

    /** Where historical work runs, and how much is running and waiting: for tests and operators. */
    pool: { where: pool.where, load: pool.load },

    /** Stops the worker threads; waiting requests are refused. */
    close(): Promise<void> {
      return pool.close();
    },
  };
}

export type HistoricalBooks = ReturnType<typeof createHistoricalBooks>;
