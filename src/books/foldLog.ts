/**
 * One fold of the log. Everything the ledger keeps beside the log is folded from it here and
 * nowhere else: the books (projections/), the Merkle log (src/audit/merkleLog.ts) and the SQL
 * mirror (src/books/sqlMirror/). They move together, event by event, in one synchronous turn per
 * page, so none of them ever stands at a position another has not reached: a books snapshot of
 * the two in-memory ones is consistent, and the mirror copies its rows out of exactly the books
 * that folded its page. (Which stream a caller's key belongs to is not folded: the store's
 * command keys answer it, EventStore.commandKeyStream.)
 *
 * foldLog pages through the log (the server's start-up replay, `potledger rebuild`, the CLI's
 * read-only books, `verify` and `audit-pack`, historical answers, tests); foldEvents folds one
 * page that arrived some other way (the projection runner following live appends). A caller
 * passes the sinks it keeps; the rest are not folded.
 */
import { asLedgerEnvelope, type Envelope } from '../../events/index.ts';
import { allProjections, type LedgerBooks, type SomeBooks } from '../../projections/index.ts';
import type { MerkleLog } from '../audit/merkleLog.ts';
import type { VerifyFailure } from '../audit/logVerifier.ts';
import type { EventStore, RecordedEvent } from '../store/eventStore.ts';
import type { ReadModelWriter } from './sqlMirror/readModelWriter.ts';

/** What the log is folded into; each one is optional. */
export interface FoldSinks {
  /**
   * The books (all projections, or some of them for a historical answer): every ledger event
   * (asLedgerEnvelope) that passes the fold's filter. The SQL mirror needs all of them.
   */
  readonly books?: LedgerBooks | SomeBooks<never>;
  /** The whole log as an RFC 6962 tree: every event is a leaf, in log order. */
  readonly merkleLog?: Pick<MerkleLog, 'append'>;
  /** The SQL mirror: told of each page after the books folded it, with the books' state. */
  readonly sqlMirror?: Pick<
    ReadModelWriter,
    'applyBatch' | 'applyCoalesced' | 'noteBatch' | 'flush'
  >;
  /** Anything else that wants each page once it is folded (a CLI picking one pot's events). */
  readonly pages?: (events: readonly RecordedEvent[]) => void;
}

/**
 * How a fold shares its thread: `sliceMs` of work, then the event loop gets a turn (none when
 * absent: a worker thread has nothing else to serve); `signal` abandons the fold at the next turn.
 */
export interface FoldPace {
  readonly sliceMs?: number;
  readonly signal?: AbortSignal;
}

export interface FoldProgress {
  /** The last position folded. */
  readonly position: bigint;
  /** Events read and folded so far (those a filter kept from the books included). */
  readonly eventsRead: number;
  readonly elapsedMs: number;
}

export interface FoldLogOptions {
  /** Fold the events after this position (a snapshot's anchor); 0n, the start of the log, when absent. */
  readonly from?: bigint;
  /** Fold up to and including this position; to the end of the log when absent. */
  readonly to?: bigint;
  /** Events per read (FOLD_PAGE_EVENTS when absent; at most MAX_READ_ALL_BATCH_EVENTS). */
  readonly batchSize?: number;
  readonly pace?: FoldPace;
  /**
   * Which ledger events the books fold (a history as at a business date leaves some out). Only
   * for a fold whose one sink is the books: the other sinks stand for the log as it is.
   */
  readonly filter?: (envelope: Envelope) => boolean;
  /**
   * Checks each event before any sink sees it (the log verifier, src/audit/logVerifier.ts); the
   * fold stops at the first that fails, folding only the events before it.
   */
  readonly verify?: (event: RecordedEvent) => VerifyFailure | null;
  /**
   * Events per SQL mirror transaction: pages are noted and written together once this many are
   * folded (a rebuild rewrites fewer rows so). Absent: each page is written, and waited for, on its own.
   */
  readonly mirrorTransactionEvents?: number;
  /** Hears of each page once it is folded (and, with the SQL mirror, written when waited for). */
  readonly onProgress?: (progress: FoldProgress) => void;
}

export interface FoldLogResult {
  /** The last position folded; `from` when there was nothing to fold. */
  readonly position: bigint;
  readonly eventsRead: number;
  /** Ledger events the books folded (a filter's rejects not counted). */
  readonly eventsFolded: number;
  /** Where verification failed; the fold stopped there. */
  readonly failure?: VerifyFailure;
}

/**
 * Events per read when the caller names none. Smaller than a store's largest page
 * (MAX_READ_ALL_BATCH_EVENTS, 10,000) on purpose: a page is parsed whole before it is folded, and
 * 10,000 parsed events outlive V8's young generation, so every page was copied by scavenges and
 * promoted to the old generation before it became garbage. Pages of 1,000 die young: measured
 * on the 200,000-event bench log, 264 MB promoted instead of 480 MB and about 15% less CPU per
 * event for the same books (docs/performance.md, "Issue 18, fourth round: replay").
 */
export const FOLD_PAGE_EVENTS = 1_000;

/** Events between two looks at the clock while folding on a shared thread. */
const EVENTS_PER_PACE_CHECK = 64;

/** A function to call often while folding: it yields when the slice is used up. */
export function pacer(pace: FoldPace): (work: number) => Promise<void> | undefined {
  const { sliceMs, signal } = pace;
  if (sliceMs === undefined) return () => undefined;
  let sliceStartedAt = performance.now();
  let sinceCheck = 0;
  return (work) => {
    sinceCheck += work;
    if (sinceCheck < EVENTS_PER_PACE_CHECK) return undefined;
    sinceCheck = 0;
    if (performance.now() - sliceStartedAt < sliceMs) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      signal?.throwIfAborted();
      sliceStartedAt = performance.now();
    });
  };
}

/** The books the SQL mirror copies from: every projection, never some of them. */
function wholeBooks(sinks: FoldSinks): LedgerBooks {
  const books = sinks.books;
  if (books === undefined || !Object.keys(allProjections).every((name) => name in books.state))
    throw new Error('the SQL mirror copies its rows out of the whole books: fold every projection');
  return books as LedgerBooks;
}

/** Folds one event into the in-memory sinks; true when the books folded it. */
function foldEvent(
  event: RecordedEvent,
  sinks: FoldSinks,
  filter: FoldLogOptions['filter'],
): boolean {
  sinks.merkleLog?.append(event);
  if (sinks.books === undefined) return false;
  const envelope = asLedgerEnvelope(event);
  if (envelope === null || (filter !== undefined && !filter(envelope))) return false;
  sinks.books.evolve(envelope);
  return true;
}

/**
 * Folds one page (in log order, after everything folded before) into every sink, in one
 * synchronous turn. With `mirror` 'write', returns the SQL mirror's write of the page, when
 * there is a mirror: the caller decides whether to wait for it; with 'coalesce' (live pages, which
 * nothing waits for), the page joins the mirror's next coalesced transaction.
 */
export function foldEvents(
  events: readonly RecordedEvent[],
  sinks: FoldSinks,
  mirror: 'write' | 'coalesce' = 'write',
): Promise<void> | undefined {
  for (const event of events) foldEvent(event, sinks, undefined);
  sinks.pages?.(events);
  if (sinks.sqlMirror === undefined || sinks.books === undefined) return undefined;
  const books = wholeBooks(sinks);
  if (mirror === 'write') return sinks.sqlMirror.applyBatch(events, books.state);
  sinks.sqlMirror.applyCoalesced(events, books.state);
  return undefined;
}

/** Pages through the log from `from` to `to`, folding every event into the sinks. */
export async function foldLog(
  store: Pick<EventStore, 'readAll'>,
  options: FoldLogOptions,
  sinks: FoldSinks,
): Promise<FoldLogResult> {
  const { to, filter, verify } = options;
  const batchSize = options.batchSize ?? FOLD_PAGE_EVENTS;
  if (filter !== undefined && (sinks.merkleLog !== undefined || sinks.sqlMirror !== undefined)) {
    throw new Error(
      'a filtered fold folds only the books: the Merkle log and SQL mirror stand for the whole log',
    );
  }
  if (sinks.sqlMirror !== undefined && sinks.books === undefined)
    throw new Error('the SQL mirror copies its rows out of the books: fold them too');
  const mirrored = sinks.sqlMirror === undefined ? undefined : wholeBooks(sinks);
  const paced = pacer(options.pace ?? {});
  const startedAt = Date.now();
  let position = options.from ?? 0n;
  let eventsRead = 0;
  let eventsFolded = 0;
  /** Events noted to the SQL mirror since its last transaction. */
  let unwritten = 0;
  let failure: VerifyFailure | undefined;

  while (to === undefined || position < to) {
    const page = await store.readAll(position, batchSize);
    if (page.length === 0) break;
    let folded = 0;
    let reachedEnd = false;
    for (const event of page) {
      if (to !== undefined && event.position > to) {
        reachedEnd = true;
        break;
      }
      failure = verify?.(event) ?? undefined;
      if (failure !== undefined) {
        reachedEnd = true;
        break;
      }
      const turn = paced(1);
      if (turn !== undefined) await turn;
      if (foldEvent(event, sinks, filter)) eventsFolded += 1;
      folded += 1;
    }
    const events = folded === page.length ? page : page.slice(0, folded);
    if (events.length > 0) {
      sinks.pages?.(events);
      if (sinks.sqlMirror !== undefined) {
        if (options.mirrorTransactionEvents === undefined)
          await sinks.sqlMirror.applyBatch(events, mirrored!.state);
        else {
          sinks.sqlMirror.noteBatch(events, mirrored!.state);
          unwritten += events.length;
          if (unwritten >= options.mirrorTransactionEvents) {
            await sinks.sqlMirror.flush();
            unwritten = 0;
          }
        }
      }
      position = events[events.length - 1]!.position;
      eventsRead += events.length;
      if (failure === undefined)
        options.onProgress?.({ position, eventsRead, elapsedMs: Date.now() - startedAt });
    }
    // A short page is the end of the log as it was when read; without a `to`, read on until a
    // page comes back empty, so events appended meanwhile are folded too.
    if (reachedEnd || (to !== undefined && page.length < batchSize)) break;
  }
  if (
    sinks.sqlMirror !== undefined &&
    options.mirrorTransactionEvents !== undefined &&
    failure === undefined
  )
    await sinks.sqlMirror.flush();
  return { position, eventsRead, eventsFolded, ...(failure === undefined ? {} : { failure }) };
}
