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
 * Cost: an uncached answer folds the log from its start to the position asked for, O(history)
 * in time, page by page (MAX_READ_ALL_BATCH_EVENTS, yielding between pages) and at most
 * MAX_CONCURRENT_HISTORICAL_FOLDS at a time, so a burst of historical reads queues instead of
 * starving the live API. Answers are cached (LRU, bounded by count and by the events folded
 * into them): a key names a position, and the events at or before a position never change, so
 * a cached answer never goes stale. An asAt without atPosition is keyed by the live position it
 * was built at, and the next write makes a new key.
 * TODO(issue 7): an atPosition at or after a kept books snapshot (src/snapshots/) could start
 * from it instead of position 0 (decode the file afresh: the live books move on). Not done: an
 * asAt filters every event by date, so it can never start from one, and the only snapshots
 * kept are the newest two, which a historical question rarely lands after; decoding one costs
 * about as much memory as the live books.
 */
import { LRUCache } from 'lru-cache';
import { asLedgerEnvelope, type Envelope } from '../events/index.ts';
import { ledgerBooksProjection, potSummaryProjection, type LedgerBooksState, type LedgerProjections } from '../projections/index.ts';
import { httpProblem } from './http/errors.ts';
import { MAX_READ_ALL_BATCH_EVENTS, type EventStore } from './store/eventStore.ts';

/** Most historical answers kept at once. */
export const MAX_HISTORICAL_BOOKS_CACHED = 16;
/**
 * Most events folded into the cached answers, summed over them: a memory bound (each cached
 * answer holds books of its own, roughly as large as the live books at that point).
 */
export const MAX_HISTORICAL_CACHED_EVENTS = 500_000;
/** Historical folds running at once; more wait their turn (each is CPU-bound between pages). */
export const MAX_CONCURRENT_HISTORICAL_FOLDS = 2;

export interface PointInTime {
  /** A business date, YYYY-MM-DD (already validated). */
  readonly asAt?: string | undefined;
  readonly atPosition?: bigint | undefined;
}

export interface BooksQuery extends PointInTime {
  readonly minPosition?: bigint | undefined;
}

/** Books to answer from, and what they are. */
export interface BooksAnswer {
  /** The states to read with the projections' query functions; never written to. */
  readonly projections: Readonly<LedgerProjections>;
  /** The log position the answer reflects (the Ledger-Position header). */
  readonly position: bigint;
  /** The business date the answer is as at (the Ledger-As-At header), when one was asked for. */
  readonly asAt?: string;
}

export type HistorySource = Pick<EventStore, 'readAll' | 'headPosition'>;

/** True when the event carries a business date after `asAt` (ISO dates compare as text). */
export function isDatedAfter(event: { readonly data: unknown }, asAt: string): boolean {
  const data = event.data;
  if (typeof data !== 'object' || data === null || !('effectiveDate' in data)) return false;
  const effectiveDate = (data as { effectiveDate: unknown }).effectiveDate;
  return typeof effectiveDate === 'string' && effectiveDate > asAt;
}

/**
 * Empty books for a history filtered by effective date: such a history can hold an allocation
 * without the later-dated contribution it drew on, so the pot summary shows the negative stake
 * instead of stopping (see projections/potSummary.ts).
 */
export function emptyBooksByEffectiveDate(): LedgerBooksState {
  const books = ledgerBooksProjection.initialState();
  books.projections.potSummary = { ...potSummaryProjection.initialState(), stakesMayBeNegative: true };
  return books;
}

export interface FoldedHistory {
  readonly books: LedgerBooksState;
  /** Events folded (those the asAt filter skipped not counted): the size of the answer. */
  readonly eventsFolded: number;
}

/** Folds the log from its start through `atPosition`, skipping events dated after `asAt`. */
export async function foldHistory(
  source: Pick<EventStore, 'readAll'>,
  point: { readonly asAt?: string; readonly atPosition: bigint },
  batchSize: number = MAX_READ_ALL_BATCH_EVENTS,
): Promise<FoldedHistory> {
  const { asAt, atPosition } = point;
  let books = asAt === undefined ? ledgerBooksProjection.initialState() : emptyBooksByEffectiveDate();
  let eventsFolded = 0;
  let after = 0n;
  // A request dated after asAt does not count, so neither do the decisions on it (an approval,
  // a rejection, an attempt at self-approval carry no date of their own).
  const requestsLeftOut = new Set<string>();
  while (after < atPosition) {
    const page = await source.readAll(after, batchSize);
    for (const event of page) {
      if (event.position > atPosition) return { books, eventsFolded };
      const envelope = asLedgerEnvelope(event);
      if (envelope === null) continue;
      if (asAt !== undefined && isDatedAfter(envelope, asAt)) {
        if (envelope.type === 'AllocationRequested') requestsLeftOut.add(envelope.data.allocationId);
        continue;
      }
      if (requestsLeftOut.size > 0 && decidesRequest(envelope) && requestsLeftOut.has(envelope.data.allocationId)) continue;
      books = ledgerBooksProjection.evolve(books, envelope);
      eventsFolded += 1;
    }
    if (page.length < batchSize) break;
    after = page[page.length - 1]!.position;
  }
  return { books, eventsFolded };
}

function decidesRequest(event: Envelope): event is Extract<Envelope, { type: 'AllocationApproved' | 'AllocationRejected' | 'SelfApprovalAttempted' }> {
  return event.type === 'AllocationApproved' || event.type === 'AllocationRejected' || event.type === 'SelfApprovalAttempted';
}

/** Events one command appends at once: far fewer than this (an approval writes two). */
const MAX_EVENTS_PER_APPEND = 64;

/**
 * The position that ends the append `atPosition` falls in. One command's events are appended
 * together (an approval and the allocation it authorises), so the ledger never stood between
 * them: an answer "at" a position inside an append is the answer at the end of it.
 */
export async function endOfAppendAt(source: Pick<EventStore, 'readAll'>, atPosition: bigint): Promise<bigint> {
  if (atPosition === 0n) return 0n;
  const page = await source.readAll(atPosition - 1n, MAX_EVENTS_PER_APPEND);
  const at = page[0];
  if (at === undefined || at.position !== atPosition) return atPosition;
  let end = at.position;
  for (const next of page.slice(1)) {
    if (next.streamId !== at.streamId || next.metadata.commandId !== at.metadata.commandId || next.metadata.actor.sub !== at.metadata.actor.sub) break;
    end = next.position;
  }
  return end;
}

export interface HistoricalBooksOptions {
  readonly source: HistorySource;
  /** The live books and the log position they have folded: today's answer. */
  readonly live: () => BooksAnswer;
  /** Waits (bounded) until the live books have folded `minPosition`; refuses when they cannot. */
  readonly readYourWrites: (minPosition: bigint | undefined) => Promise<void>;
  readonly batchSize?: number;
}

interface FoldPoint {
  readonly asAt?: string;
  readonly atPosition: bigint;
  readonly snapToAppend: boolean;
}

interface CachedAnswer {
  readonly answer: BooksAnswer;
  readonly eventsFolded: number;
}

export function createHistoricalBooks(options: HistoricalBooksOptions) {
  const { source } = options;
  const limit = createConcurrencyLimit(MAX_CONCURRENT_HISTORICAL_FOLDS);
  let foldsRun = 0;

  async function fold(asked: FoldPoint): Promise<CachedAnswer> {
    foldsRun += 1;
    const point = asked.snapToAppend ? { ...asked, atPosition: await endOfAppendAt(source, asked.atPosition) } : asked;
    const { books, eventsFolded } = await foldHistory(source, point, options.batchSize);
    const answer: BooksAnswer = {
      projections: books.projections,
      position: point.atPosition,
      ...(point.asAt === undefined ? {} : { asAt: point.asAt }),
    };
    return { answer, eventsFolded };
  }

  // fetch() also shares one fold between concurrent requests for the same key.
  const cache = new LRUCache<string, CachedAnswer, FoldPoint>({
    max: MAX_HISTORICAL_BOOKS_CACHED,
    maxSize: MAX_HISTORICAL_CACHED_EVENTS,
    sizeCalculation: (value) => Math.max(1, value.eventsFolded),
    // An answer evicted while it is still being built is still returned to its callers.
    ignoreFetchAbort: true,
    fetchMethod: (_key, _stale, { context }) => limit(() => fold(context)),
  });

  return {
    /** The books a GET answers from: live with neither asAt nor atPosition, else as they stood. */
    async booksFor(query: BooksQuery): Promise<BooksAnswer> {
      await options.readYourWrites(query.minPosition);
      const { asAt, atPosition } = query;
      if (asAt === undefined && atPosition === undefined) return options.live();
      if (atPosition !== undefined) {
        const head = await source.headPosition();
        if (atPosition > head) throw httpProblem('VALIDATION_FAILED', `atPosition ${atPosition} is beyond the end of the log (${head})`);
      }
      const point = {
        ...(asAt === undefined ? {} : { asAt }),
        atPosition: atPosition ?? options.live().position,
        // A position a client names may fall inside an append; the live books' never does.
        snapToAppend: atPosition !== undefined,
      };
      const key = `${point.asAt ?? '-'}@${point.atPosition}`;
      const cached = await cache.fetch(key, { context: point });
      // fetch resolves undefined only if the entry was dropped mid-fold without its value.
      return (cached ?? (await limit(() => fold(point)))).answer;
    },

    /** Folds run since start (cache misses): for tests and operators. */
    foldsRun(): number {
      return foldsRun;
    },
  };
}

export type HistoricalBooks = ReturnType<typeof createHistoricalBooks>;

/** Runs at most `max` tasks at once, the rest in arrival order. */
function createConcurrencyLimit(max: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next === undefined) running -= 1;
      else next();
    }
  };
}
