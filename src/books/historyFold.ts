/**
 * The work behind a historical answer, wherever it runs: in a worker thread (historyWorker.ts,
 * the usual case) or, where no other thread can reach the log, on the main thread in slices
 * that give the event loop back every few milliseconds (src/books/historyPool.ts).
 *
 * Two kinds of work: the books as they stood (a fold of the global log, filtered by business
 * date; see historicalBooks.ts for what asAt and atPosition mean) and a pot's statement for a
 * financial year (a fold of the pot's own stream, projections/potStatement.ts).
 */
import { asLedgerEnvelope, potStreamId, type Envelope } from '../../events/index.ts';
import {
  allProjections,
  createSomeBooks,
  initialStatesOf,
  ledgerBooksProjection,
  potSummaryProjection,
  projectionNames,
  type LedgerBooksState,
  type ProjectionName,
  type SomeBooksState,
  type SomeProjections,
} from '../../projections/index.ts';
import { potStatement, type PotStatement } from '../../projections/potStatement.ts';
import {
  MAX_READ_ALL_BATCH_EVENTS,
  effectiveDateColumn,
  type EventStore,
} from '../store/eventStore.ts';
import type { BooksWaypoints, WaypointKeepers } from './booksWaypoints.ts';
import { foldLog, pacer, type FoldPace } from './foldLog.ts';

export type { FoldPace } from './foldLog.ts';

/** True when the event carries a business date after `asAt` (ISO dates compare as text). */
export function isDatedAfter(event: { readonly data: unknown }, asAt: string): boolean {
  const effectiveDate = effectiveDateColumn(event.data);
  return effectiveDate !== null && effectiveDate > asAt;
}

/**
 * Empty books for a history filtered by effective date: such a history can hold an allocation
 * without the later-dated contribution it drew on, so the pot summary shows the negative stake
 * instead of stopping (see projections/potSummary.ts).
 */
export function emptyBooksByEffectiveDate(): LedgerBooksState {
  const books = ledgerBooksProjection.initialState();
  books.projections.potSummary = {
    ...potSummaryProjection.initialState(),
    stakesMayBeNegative: true,
  };
  return books;
}

/** Every projection's name, in LedgerProjections order: what an answer folds unless told less. */
export const ALL_PROJECTIONS = projectionNames(Object.keys(allProjections) as ProjectionName[]);

/** Empty books of these projections for a history filtered by effective date (as above). */
function emptySomeBooksByEffectiveDate<K extends ProjectionName>(
  names: readonly K[],
): SomeBooksState<K> {
  const projections = initialStatesOf(names);
  if ('potSummary' in projections)
    (projections as SomeProjections<'potSummary'>).potSummary = {
      ...potSummaryProjection.initialState(),
      stakesMayBeNegative: true,
    };
  return { projections, position: 0n };
}

export interface FoldedHistory<K extends ProjectionName = ProjectionName> {
  readonly books: SomeBooksState<K>;
  /** Events folded (those the asAt filter skipped not counted): the size of the answer. */
  readonly eventsFolded: number;
  /** The position the fold started after: a books waypoint's, or 0n (the start of the log). */
  readonly startedAfter: bigint;
}

/**
 * Which events a history as at `asAt` counts: none dated after it, and none of the decisions on a
 * request dated after it (an approval, a rejection, an attempt at self-approval carry no date of
 * their own). Stateful: give it the events in log order, once each.
 */
export function countedAsAt(asAt: string): (envelope: Envelope) => boolean {
  const requestsLeftOut = new Set<string>();
  return (envelope) => {
    if (isDatedAfter(envelope, asAt)) {
      if (envelope.type === 'AllocationRequested') requestsLeftOut.add(envelope.data.allocationId);
      return false;
    }
    return !(
      requestsLeftOut.size > 0 &&
      decidesRequest(envelope) &&
      requestsLeftOut.has(envelope.data.allocationId)
    );
  };
}

/**
 * Event types countedAsAt must see even when dated after asAt: a request left out, whose
 * undated decisions it then leaves out too.
 */
const SEEN_WHATEVER_THEIR_DATE: readonly string[] = ['AllocationRequested'];

/**
 * The reads of a fold as at `asAt` up to `upTo`: where the store keeps each event's effective
 * date in a column (readAllAsAt), only the events countedAsAt can count or must see come back,
 * and the others are never parsed; countedAsAt still filters what comes back, so the books are
 * those a read of every event gives.
 */
function readsAsAt(
  source: Pick<EventStore, 'readAll' | 'readAllAsAt'>,
  asAt: string | undefined,
  upTo: bigint,
): Pick<EventStore, 'readAll'> {
  const readAllAsAt = source.readAllAsAt?.bind(source);
  if (asAt === undefined || readAllAsAt === undefined) return source;
  return {
    readAll: (afterPosition, limit) =>
      readAllAsAt({ afterPosition, upTo, limit, asAt, keepTypes: SEEN_WHATEVER_THEIR_DATE }),
  };
}

/**
 * Folds the log through `atPosition`, skipping events dated after `asAt`: from the newest books
 * waypoint that can stand for the start of that fold (booksWaypoints.ts), else from the start.
 */
export async function foldHistory<K extends ProjectionName = ProjectionName>(
  source: Pick<EventStore, 'readAll' | 'readAllAsAt'>,
  point: {
    readonly asAt?: string | undefined;
    readonly atPosition: bigint;
    /** The projections to fold (every one when absent); the waypoints must hold the same. */
    readonly projections?: readonly K[];
  },
  batchSize: number = MAX_READ_ALL_BATCH_EVENTS,
  pace: FoldPace = {},
  waypoints?: Pick<BooksWaypoints<K>, 'startFor'>,
): Promise<FoldedHistory<K>> {
  const { asAt, atPosition } = point;
  const names = projectionNames(point.projections ?? (ALL_PROJECTIONS as K[]));
  const start = waypoints?.startFor(point);
  const books = createSomeBooks(
    names,
    start?.books ??
      (asAt === undefined
        ? { projections: initialStatesOf(names), position: 0n }
        : emptySomeBooksByEffectiveDate(names)),
  );
  const { eventsFolded } = await foldLog(
    readsAsAt(source, asAt, atPosition),
    {
      from: start?.position ?? 0n,
      to: atPosition,
      batchSize,
      pace,
      ...(asAt === undefined ? {} : { filter: countedAsAt(asAt) }),
    },
    { books },
  );
  return {
    books: { projections: books.state, position: books.position },
    eventsFolded: (start?.eventsFolded ?? 0) + eventsFolded,
    startedAfter: start?.position ?? 0n,
  };
}

function decidesRequest(
  event: Envelope,
): event is Extract<
  Envelope,
  { type: 'AllocationApproved' | 'AllocationRejected' | 'SelfApprovalAttempted' }
> {
  return (
    event.type === 'AllocationApproved' ||
    event.type === 'AllocationRejected' ||
    event.type === 'SelfApprovalAttempted'
  );
}

/** Events one command appends at once: far fewer than this (an approval writes two). */
const MAX_EVENTS_PER_APPEND = 64;

/**
 * The position that ends the append `atPosition` falls in. One command's events are appended
 * together (an approval and the allocation it authorises), so the ledger never stood between
 * them: an answer "at" a position inside an append is the answer at the end of it.
 */
export async function endOfAppendAt(
  source: Pick<EventStore, 'readAll'>,
  atPosition: bigint,
): Promise<bigint> {
  if (atPosition === 0n) return 0n;
  const page = await source.readAll(atPosition - 1n, MAX_EVENTS_PER_APPEND);
  const at = page[0];
  if (at === undefined || at.position !== atPosition) return atPosition;
  let end = at.position;
  for (const next of page.slice(1)) {
    if (
      next.streamId !== at.streamId ||
      next.metadata.commandId !== at.metadata.commandId ||
      next.metadata.actor.sub !== at.metadata.actor.sub
    )
      break;
    end = next.position;
  }
  return end;
}

export interface StatementPoint {
  readonly potId: string;
  readonly financialYear: string;
  /** The year so far, as at this business date (the statement is by effective date already). */
  readonly asAt?: string | undefined;
  /** The last log position the statement reflects (already the end of an append). */
  readonly upTo: bigint;
}

/** The pot's statement from its own stream up to `upTo`; null when the pot did not exist then. */
export async function statementAt(
  source: Pick<EventStore, 'readStream'>,
  point: StatementPoint,
  batchSize: number = MAX_READ_ALL_BATCH_EVENTS,
  pace: FoldPace = {},
): Promise<PotStatement | null> {
  const { potId, financialYear, asAt, upTo } = point;
  const paced = pacer(pace);
  const envelopes: Envelope[] = [];
  let fromRevision = 0n;
  reading: for (;;) {
    const page = await source.readStream(potStreamId(potId), fromRevision, batchSize);
    for (const event of page) {
      if (event.position > upTo) break reading;
      const turn = paced(1);
      if (turn !== undefined) await turn;
      const envelope = asLedgerEnvelope(event);
      if (envelope !== null && !(asAt !== undefined && isDatedAfter(envelope, asAt)))
        envelopes.push(envelope);
    }
    if (page.length < batchSize) break;
    fromRevision = page[page.length - 1]!.streamRevision + 1n;
  }
  return potStatement(envelopes, potId, financialYear);
}

/** One piece of historical work, as it crosses to a worker thread (structured clone). */
export type HistoryJob =
  | {
      readonly kind: 'books';
      readonly asAt?: string;
      readonly atPosition: bigint;
      readonly snapToAppend: boolean;
      /** The projections the answer needs (a route's): only those are folded and sent back. */
      readonly projections: readonly ProjectionName[];
    }
  | ({ readonly kind: 'statement' } & StatementPoint);

export interface BooksJobResult {
  readonly kind: 'books';
  /** The projections the job named, and only those. */
  readonly projections: Partial<SomeProjections<ProjectionName>>;
  /** The position the answer reflects (atPosition moved to the end of its append when asked). */
  readonly position: bigint;
  readonly eventsFolded: number;
  /** Where the fold started: a books waypoint's position, or 0n when none could stand for it. */
  readonly startedAfter: bigint;
}

export interface StatementJobResult {
  readonly kind: 'statement';
  readonly statement: PotStatement | null;
}

export type HistoryJobResult = BooksJobResult | StatementJobResult;

export type HistoryJobSource = Pick<EventStore, 'readAll' | 'readAllAsAt' | 'readStream'>;

/**
 * Runs one job. With `keepers` (each history worker keeps its own), a books job first brings the
 * waypoints of its projections up to the position asked for, then folds from the best of them.
 */
export async function runHistoryJob(
  source: HistoryJobSource,
  job: HistoryJob,
  batchSize?: number,
  pace: FoldPace = {},
  keepers?: WaypointKeepers,
): Promise<HistoryJobResult> {
  if (job.kind === 'statement')
    return { kind: 'statement', statement: await statementAt(source, job, batchSize, pace) };
  const atPosition = job.snapToAppend
    ? await endOfAppendAt(source, job.atPosition)
    : job.atPosition;
  const waypoints = keepers?.for(job.projections);
  await waypoints?.extend(source, atPosition, batchSize, pace, job.asAt);
  const { books, eventsFolded, startedAfter } = await foldHistory(
    source,
    { asAt: job.asAt, atPosition, projections: job.projections },
    batchSize,
    pace,
    waypoints,
  );
  return {
    kind: 'books',
    projections: books.projections,
    position: atPosition,
    eventsFolded,
    startedAfter,
  };
}
