/**
 * Books waypoints: the books folded unfiltered up to a log position P, encoded with the snapshot
 * codec and kept by whoever builds historical answers (each history worker keeps its own), so an
 * answer starts from the newest waypoint that can stand for its start instead of position 0.
 * ("Checkpoint" means only the Merkle checkpoint an auditor saves; see docs/architecture.md.)
 *
 * - atPosition = Q starts from the newest waypoint at or before Q: the events up to P are the
 *   same events, folded the same way, whatever is asked after them.
 * - asAt = D (up to Q) filters by effective date (countedAsAt, historyFold.ts). An unfiltered
 *   fold up to P equals the filtered one only when the filter left nothing out up to P: no
 *   event up to P dated after D (then no request up to P is dated after D either, so no decision
 *   is dropped, and countedAsAt starts empty at P as it would have stood there). Each waypoint
 *   records the latest effective date folded up to it; D may start from it when that is ≤ D.
 *   Such books take the filtered fold's `stakesMayBeNegative` flag (emptyBooksByEffectiveDate).
 * - Taken every BOOKS_WAYPOINT_EVERY_EVENTS events as the log grows: before a job folds to Q,
 *   the log is folded on unfiltered from the newest waypoint towards Q, keeping one at the end
 *   of each page that brings that many new events (extend). A job so pays for the log's growth
 *   once, not on every question.
 * - Bounded by count and bytes (MAX_BOOKS_WAYPOINTS, MAX_BOOKS_WAYPOINT_BYTES). Past either,
 *   the waypoint whose removal leaves the smallest gap between its neighbours goes, never the
 *   newest (the one the next extension starts from): the ones kept stay spread over the whole
 *   log, further apart as it grows. Books that alone outgrow the byte bound are not kept, and
 *   no more are taken (later books are only larger): answers then start from those kept, or 0.
 */
import {
  allProjections,
  createSomeBooks,
  initialStatesOf,
  projectionNames,
  type ProjectionName,
  type SomeBooksState,
  type SomeProjections,
} from '../../projections/index.ts';
import {
  MAX_READ_ALL_BATCH_EVENTS,
  effectiveDateColumn,
  type EventStore,
  type RecordedEvent,
} from '../store/eventStore.ts';
import { foldLog, type FoldPace } from './foldLog.ts';
import { decodeState, encodeState } from './snapshots/stateCodec.ts';

/** Events between two waypoints as the log grows (at the end of the page that reaches it). */
export const BOOKS_WAYPOINT_EVERY_EVENTS = 5_000;
/** Most waypoints one keeper holds. */
export const MAX_BOOKS_WAYPOINTS = 64;
/** Most bytes of encoded books one keeper holds, summed over its waypoints. */
export const MAX_BOOKS_WAYPOINT_BYTES = 256 * 1024 * 1024;
/**
 * Bytes of books encoded per event folded, at most, while extending: after a waypoint of B bytes
 * the next is taken only MAX_WAYPOINT_BYTES_PER_EVENT / B events later (and never sooner than
 * everyEvents). Encoding costs about as much per byte as reading costs per event's 300-odd bytes,
 * so taking waypoints stays a fraction of the fold it saves, however large the books grow;
 * without it a keeper re-encoded books of tens of MB every 5,000 events.
 */
export const MAX_WAYPOINT_BYTES_PER_EVENT = 256;
/**
 * Sets of projections one worker keeps waypoints for (a route asks for one set; the routes ask
 * for a handful): past it the set asked for least recently goes, with its waypoints.
 */
export const MAX_WAYPOINT_SETS = 4;

export interface BooksWaypoint {
  /** The last log position folded into the books. */
  readonly position: bigint;
  /** The latest `data.effectiveDate` of any event up to `position`; '' when none had one. */
  readonly latestEffectiveDate: string;
  /** Ledger events the books folded up to `position` (the answer's size, as historyFold counts it). */
  readonly eventsFolded: number;
  /** The books, LedgerBooksState through encodeState. */
  readonly bytes: Uint8Array;
}

export interface WaypointLimits {
  readonly everyEvents: number;
  readonly maxCount: number;
  readonly maxBytes: number;
  /** Bytes of books encoded per event folded while extending (MAX_WAYPOINT_BYTES_PER_EVENT). */
  readonly maxBytesPerEvent: number;
}

export interface WaypointOptions<K extends ProjectionName> extends Partial<WaypointLimits> {
  /** The projections the waypoints hold (every one when absent). */
  readonly projections?: readonly K[];
}

/** Where an answer's fold starts: decoded books of its own, ready to fold on. */
export interface FoldStart<K extends ProjectionName = ProjectionName> {
  readonly books: SomeBooksState<K>;
  readonly position: bigint;
  readonly eventsFolded: number;
}

const DEFAULT_LIMITS: WaypointLimits = {
  everyEvents: BOOKS_WAYPOINT_EVERY_EVENTS,
  maxCount: MAX_BOOKS_WAYPOINTS,
  maxBytes: MAX_BOOKS_WAYPOINT_BYTES,
  maxBytesPerEvent: MAX_WAYPOINT_BYTES_PER_EVENT,
};

/**
 * Books of their own from a waypoint. decodeState copies every typed array out of the bytes it
 * reads (stateCodec.ts), so folding on from them never writes into the waypoint itself.
 */
function booksFrom<K extends ProjectionName>(waypoint: BooksWaypoint): SomeBooksState<K> {
  return decodeState(waypoint.bytes) as SomeBooksState<K>;
}

export function createBooksWaypoints<K extends ProjectionName = ProjectionName>(
  options: WaypointOptions<K> = {},
) {
  const { everyEvents, maxCount, maxBytes, maxBytesPerEvent } = { ...DEFAULT_LIMITS, ...options };
  const names = projectionNames(
    options.projections ?? (Object.keys(allProjections) as ProjectionName[] as K[]),
  );
  /** In log order. */
  const kept: BooksWaypoint[] = [];
  let bytesKept = 0;
  /** Set once one waypoint alone outgrew maxBytes: later ones only grow, so none is taken. */
  let outgrown = false;

  function evictOne(): void {
    // Never the newest while there is another: the next extension starts from it.
    if (kept.length === 1) {
      bytesKept -= kept.pop()!.bytes.byteLength;
      return;
    }
    let victim = 0;
    let smallestGap: bigint | undefined;
    for (let i = 0; i < kept.length - 1; i++) {
      const gap = kept[i + 1]!.position - (i === 0 ? 0n : kept[i - 1]!.position);
      if (smallestGap === undefined || gap < smallestGap) {
        smallestGap = gap;
        victim = i;
      }
    }
    bytesKept -= kept.splice(victim, 1)[0]!.bytes.byteLength;
  }

  function keep(waypoint: BooksWaypoint): void {
    if (waypoint.bytes.byteLength > maxBytes) {
      outgrown = true;
      return;
    }
    kept.push(waypoint);
    bytesKept += waypoint.bytes.byteLength;
    while (kept.length > maxCount || (bytesKept > maxBytes && kept.length > 0)) evictOne();
  }

  function newest(): BooksWaypoint | undefined {
    return kept[kept.length - 1];
  }

  function spacingAfter(waypoint: BooksWaypoint | undefined): number {
    const bytes = waypoint?.bytes.byteLength ?? 0;
    return Math.max(everyEvents, Math.ceil(bytes / maxBytesPerEvent));
  }

  return {
    /**
     * Decoded books to start the fold to `atPosition` (as at `asAt`) from: the newest waypoint
     * that can stand for it, undefined when none can (fold from position 0).
     */
    startFor(point: {
      readonly asAt?: string | undefined;
      readonly atPosition: bigint;
    }): FoldStart<K> | undefined {
      const { asAt, atPosition } = point;
      for (let i = kept.length - 1; i >= 0; i--) {
        const waypoint = kept[i]!;
        if (waypoint.position > atPosition) continue;
        if (asAt !== undefined && waypoint.latestEffectiveDate > asAt) continue;
        const books = booksFrom<K>(waypoint);
        const projections = books.projections as Partial<SomeProjections<'potSummary'>>;
        if (asAt !== undefined && projections.potSummary !== undefined)
          projections.potSummary = { ...projections.potSummary, stakesMayBeNegative: true };
        return { books, position: waypoint.position, eventsFolded: waypoint.eventsFolded };
      }
      return undefined;
    },

    /**
     * Folds the log on, unfiltered, from the newest waypoint towards `upTo`, keeping a waypoint
     * at the end of each page that brings `everyEvents` events since the last one. Nothing to do
     * while `upTo` is fewer than `everyEvents` positions past the newest.
     *
     * With `asAt`, stops after the first page that holds an event dated after it: no waypoint
     * past that can stand for asAt, so a question as at a date mid-history folds (here) only
     * the events up to where the log's dates pass it, never the whole log. The bound on the
     * first such question is then about one fold of the events it counts (the fold from 0 it
     * would make without waypoints), and later ones start from these waypoints.
     */
    async extend(
      source: Pick<EventStore, 'readAll'>,
      upTo: bigint,
      batchSize?: number,
      pace: FoldPace = {},
      asAt?: string,
    ): Promise<void> {
      const from = newest();
      if (outgrown || upTo - (from?.position ?? 0n) < BigInt(everyEvents)) return;
      if (asAt !== undefined && from !== undefined && from.latestEffectiveDate > asAt) return;
      /** Set once a page held an event dated after asAt: the fold reads no further. */
      let passedAsAt = false;
      const books = createSomeBooks(
        names,
        from === undefined
          ? { projections: initialStatesOf(names), position: 0n }
          : booksFrom<K>(from),
      );
      /** Events until the next waypoint: the spacing, or longer after large books (see above). */
      let spacing = spacingAfter(from);
      let latestEffectiveDate = from?.latestEffectiveDate ?? '';
      let eventsFolded = from?.eventsFolded ?? 0;
      let sinceLast = 0;
      const pages = (events: readonly RecordedEvent[]): void => {
        for (const event of events) {
          const date = effectiveDateColumn(event.data);
          if (date !== null && date > latestEffectiveDate) latestEffectiveDate = date;
        }
        if (asAt !== undefined && latestEffectiveDate > asAt) passedAsAt = true;
        sinceLast += events.length;
        if (sinceLast < spacing) return;
        sinceLast = 0;
        const state: SomeBooksState<K> = { projections: books.state, position: books.position };
        const waypoint: BooksWaypoint = {
          // Past any events at the page's end the books do not fold (a key claim).
          position: events[events.length - 1]!.position,
          latestEffectiveDate,
          eventsFolded,
          bytes: encodeState(state),
        };
        spacing = spacingAfter(waypoint);
        keep(waypoint);
      };
      // The books count only ledger events; a page's others (a key claim) are not in them.
      const counted = {
        get state() {
          return books.state;
        },
        get position() {
          return books.position;
        },
        evolve: (envelope: Parameters<typeof books.evolve>[0]) => {
          books.evolve(envelope);
          eventsFolded += 1;
        },
      };
      // An empty page ends a fold: once past asAt, the reads come back empty.
      const reads: Pick<EventStore, 'readAll'> = {
        readAll: async (after, limit) => (passedAsAt ? [] : source.readAll(after, limit)),
      };
      await foldLog(
        reads,
        {
          from: from?.position ?? 0n,
          to: upTo,
          // Pages no longer than the spacing: a waypoint is taken at the end of a page.
          batchSize: Math.min(batchSize ?? MAX_READ_ALL_BATCH_EVENTS, everyEvents),
          pace,
        },
        { books: counted, pages },
      );
    },

    /** The projections these waypoints hold, in LedgerProjections order. */
    projections(): readonly K[] {
      return names;
    },

    /** The waypoints kept, in log order, and their bytes: for tests and operators. */
    kept(): readonly BooksWaypoint[] {
      return [...kept];
    },
    bytesKept(): number {
      return bytesKept;
    },
    /** True once the books outgrew MAX_BOOKS_WAYPOINT_BYTES: answers fold from the kept ones or 0. */
    outgrown(): boolean {
      return outgrown;
    },
  };
}

export type BooksWaypoints<K extends ProjectionName = ProjectionName> = ReturnType<
  typeof createBooksWaypoints<K>
>;

/**
 * One worker's waypoints, a keeper per set of projections asked for (a historical answer folds
 * only the projections its route reads, so its waypoints hold only those): at most
 * MAX_WAYPOINT_SETS sets, each bounded by MAX_BOOKS_WAYPOINT_BYTES / MAX_WAYPOINT_SETS, so one
 * worker never holds more than MAX_BOOKS_WAYPOINT_BYTES of them.
 */
export function createWaypointKeepers(limits: Partial<WaypointLimits> = {}) {
  // Each keeper holds the set its key names; `for` hands it back typed to that set.
  const keepers = new Map<string, unknown>();
  const maxBytes = Math.floor((limits.maxBytes ?? MAX_BOOKS_WAYPOINT_BYTES) / MAX_WAYPOINT_SETS);
  return {
    /** The keeper for these projections, made on first use; the least recently used goes past the bound. */
    for<K extends ProjectionName>(projections: readonly K[]): BooksWaypoints<K> {
      const names = projectionNames(projections);
      const key = names.join('+');
      let keeper = keepers.get(key) as BooksWaypoints<K> | undefined;
      if (keeper === undefined) {
        keeper = createBooksWaypoints({ ...limits, maxBytes, projections: names });
        if (keepers.size >= MAX_WAYPOINT_SETS) keepers.delete(keepers.keys().next().value!);
      } else keepers.delete(key);
      keepers.set(key, keeper);
      return keeper;
    },
    /** The sets kept, least recently used first: for tests and operators. */
    sets(): readonly string[] {
      return [...keepers.keys()];
    },
  };
}

export type WaypointKeepers = ReturnType<typeof createWaypointKeepers>;
