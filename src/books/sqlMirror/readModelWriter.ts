/**
 * Keeps the SQL read models in step with the in-memory books.
 *
 * After the books fold a batch, `applyBatch` notes which keys the batch touched and the writer
 * copies exactly those rows out of the books and upserts them, together with each projection's
 * checkpoint, in ONE transaction. So the tables always show the books as at their checkpoint:
 * a crash loses a whole transaction or none of it, and on restart the runner folds the log from
 * the start while the writer skips every event at or below a projection's checkpoint — nothing
 * is applied twice or skipped. Rows are current states, not increments, so even a replayed
 * write would leave them right; the audit trail is keyed by position.
 *
 * Several servers on one PostgreSQL database each keep these tables: every write moves the
 * checkpoints by compare-and-set in the same transaction as its rows, so of two writers only one
 * commits a given move, and the other takes the newer checkpoint as its own (adoptCheckpoints).
 *
 * Writes run behind the books, one transaction at a time; batches that arrive while one is in
 * flight are merged into the next. Live, the server does not write each page as it comes
 * (applyCoalesced): the pages of READ_MODEL_FLUSH_INTERVAL_MS, or of MAX_READ_MODEL_OWED_EVENTS
 * events, whichever comes first, share one transaction, so rows that every page touches (pots,
 * balances, flows) are written once for them all. The tables then stand at most that far behind
 * the books, always whole: their checkpoint still names exactly the events they hold. Contract:
 * call applyBatch (or applyCoalesced) in the same synchronous turn as the fold, so the books
 * never hold an event the writer has not been told about.
 */
import { asLedgerEnvelope, type Envelope } from '../../../events/index.ts';
import type { LedgerProjections } from '../../../projections/index.ts';
import type { RecordedEvent } from '../../store/eventStore.ts';
import { emptyDirtyKeys, mergeDirtyKeys, noteEvent, rowsOf, type DirtyKeys } from './changes.ts';
import {
  CheckpointConflictError,
  type CheckpointMove,
  type SqlDialect,
  type SqlTarget,
} from './sqlTarget.ts';
import { READ_MODEL_PROJECTIONS, tablesOf, type ReadModelProjection } from './tables.ts';

/** First wait before a failed write is tried again (live use). */
export const READ_MODEL_RETRY_DELAY_MS = 1_000;
/** Times one flush takes another writer's checkpoints and tries again before reporting. */
export const MAX_CHECKPOINT_ADOPTIONS = 20;
/** Longest wait between retries while the database stays unreachable. */
export const MAX_READ_MODEL_RETRY_DELAY_MS = 60_000;
/** Live: the longest the tables wait behind the books for a transaction (applyCoalesced). */
export const READ_MODEL_FLUSH_INTERVAL_MS = 50;
/** Live: events owed that start a transaction at once, without waiting out the interval. */
export const MAX_READ_MODEL_OWED_EVENTS = 2_000;
/**
 * The most events a live writer holds for audit-trail rows it still owes (the trail keeps no
 * entry text in memory). While the SQL database is down the owed events would otherwise grow
 * with every write; past this many the writer lets them go and, once the database is back,
 * reads that range back from the store (ReadModelWriterOptions.readEvents) before writing.
 */
export const MAX_HELD_AUDIT_EVENTS = 20_000;

export interface ReadModelWriterOptions {
  /** The projections this writer keeps; every one by default. */
  readonly projections?: readonly ReadModelProjection[];
  /**
   * Live use (the server): every failed write is reported here and retried in the background
   * with backoff, and applyBatch's promise never rejects — reporting tables lagging must not
   * stop the ledger. Without it (rebuild, tests) a failed write rejects applyBatch/flush.
   */
  readonly onError?: (error: unknown) => void;
  /** Wall clock for rm_checkpoints.updated_at; ISO-8601 UTC. */
  readonly clock?: () => string;
  /**
   * Reads the log's events at positions `from`..`through` (inclusive, in order) back from the
   * store. With it the writer holds at most MAX_HELD_AUDIT_EVENTS owed events and reads any it
   * let go; without it (rebuild, tests: each transaction covers a bounded number of pages) it
   * holds every owed event.
   */
  readonly readEvents?: (from: bigint, through: bigint) => Promise<readonly RecordedEvent[]>;
  /** MAX_HELD_AUDIT_EVENTS unless set (tests set a small one). */
  readonly maxHeldAuditEvents?: number;
}

export interface ReadModelWriter {
  readonly dialect: SqlDialect;
  readonly projections: readonly ReadModelProjection[];
  /** The committed checkpoint of each projection this writer keeps. */
  checkpoints(): ReadonlyMap<ReadModelProjection, bigint>;
  /**
   * Call right after folding `events` into the books, with the books' state. Resolves once a
   * transaction covering the batch has committed.
   */
  applyBatch(events: readonly RecordedEvent[], books: LedgerProjections): Promise<void>;
  /**
   * As applyBatch, for live use where nothing waits for the tables: the transaction that covers
   * the batch starts within READ_MODEL_FLUSH_INTERVAL_MS of the first batch owed, or at once when
   * MAX_READ_MODEL_OWED_EVENTS are owed, and carries every batch noted by then. A failure goes to
   * onError (and is retried); without onError, the next flush() or close() reports it.
   */
  applyCoalesced(events: readonly RecordedEvent[], books: LedgerProjections): void;
  /**
   * As applyBatch, but only notes what the batch owes: nothing is written until flush() (or a
   * later applyBatch). A rebuild folds several pages per transaction this way, so rows that
   * every page touches (pots, balances, flows) are written once per transaction, not per page.
   */
  noteBatch(events: readonly RecordedEvent[], books: LedgerProjections): void;
  /** Writes whatever is still owed (after a failure); resolves when nothing is. */
  flush(): Promise<void>;
  /** Empties the projections' tables and sets their checkpoints to 0. Only before the first batch. */
  reset(projections?: readonly ReadModelProjection[]): Promise<void>;
  /** Writes what is owed (best effort in live use), then closes the connection. */
  close(): Promise<void>;
}

export async function createReadModelWriter(
  target: SqlTarget,
  options: ReadModelWriterOptions = {},
): Promise<ReadModelWriter> {
  const projections = [...new Set(options.projections ?? READ_MODEL_PROJECTIONS)];
  const clock = options.clock ?? (() => new Date().toISOString());
  const { onError } = options;

  await target.migrate();
  const committed = await target.readCheckpoints(projections);

  let dirty: DirtyKeys = emptyDirtyKeys();
  /** Last position the caller folded into the books and passed to applyBatch. */
  let appliedPosition = 0n;
  let books: LedgerProjections | undefined;
  /** Set once another writer moved a checkpoint: no write is safe after that. */
  let stoppedBy: CheckpointConflictError | undefined;
  let stopReported = false;
  let closed = false;
  /** Settles when the last requested flush has; never rejects. */
  let chain: Promise<void> = Promise.resolve();
  /** A flush requested but not yet started: later batches join it. */
  let queued: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  /** The coalesced transaction waiting out its interval (applyCoalesced). */
  let coalesceTimer: NodeJS.Timeout | undefined;
  /** Events noted since the last transaction took what was owed. */
  let owedEvents = 0;
  let retryDelayMs = READ_MODEL_RETRY_DELAY_MS;

  const committedOf = (projection: ReadModelProjection): bigint => committed.get(projection)!;

  async function runFlush(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await writeOwed();
        return;
      } catch (error) {
        if (!(error instanceof CheckpointConflictError) || attempt >= MAX_CHECKPOINT_ADOPTIONS)
          throw error;
        if (!(await adoptCheckpoints(error))) throw error;
      }
    }
  }

  /**
   * Another server following the same log (several API processes on one PostgreSQL database)
   * moved the checkpoints forward: its rows are the books as at its checkpoint, which are the
   * same books this writer folds, so take its checkpoints as committed. What this writer still
   * owes (every key touched since its own older checkpoint, a superset of what the other has
   * not written) is then written on top, against the new checkpoints; when the other is as far
   * as this writer or further, nothing is owed. A checkpoint that moved BACKWARDS (a rebuild reset
   * the tables) or projections split between the two cases cannot be adopted: stop, as before.
   */
  async function adoptCheckpoints(conflict: CheckpointConflictError): Promise<boolean> {
    const stored = await target.readCheckpoints(projections);
    const movedBack = projections.some((p) => stored.get(p)! < committedOf(p));
    const ahead = projections.filter((p) => stored.get(p)! >= appliedPosition);
    if (movedBack || (ahead.length > 0 && ahead.length < projections.length)) {
      stoppedBy = conflict;
      return false;
    }
    for (const projection of projections) committed.set(projection, stored.get(projection)!);
    if (ahead.length === projections.length) dirty = emptyDirtyKeys();
    return true;
  }

  async function writeOwed(): Promise<void> {
    if (stoppedBy !== undefined) throw stoppedBy;
    if (books === undefined) return;
    // The only await before the commit, and first: from here on nothing is noted until the
    // transaction is under way, so the moves and rows below describe one position.
    await readBackLetGoEvents();
    const moves: CheckpointMove[] = projections
      .filter((projection) => appliedPosition > committedOf(projection))
      .map((projection) => ({
        projection,
        expected: committedOf(projection),
        position: appliedPosition,
      }));
    // Rows are only ever written with a checkpoint move, which is what makes two writers safe:
    // with no move (another writer is as far), whatever was noted is already in the tables.
    if (moves.length === 0) {
      dirty = emptyDirtyKeys();
      return;
    }

    // Everything from the read-back to the commit runs in one synchronous turn, so the rows are
    // the books exactly as at appliedPosition, whatever the runner folds while the transaction is
    // in flight.
    const taken = dirty;
    dirty = emptyDirtyKeys();
    owedEvents = 0;
    try {
      await target.commit({
        upserts: rowsOf(taken, books),
        checkpoints: moves,
        updatedAt: clock(),
      });
    } catch (error) {
      // Nothing was written: owe the same rows again (merged with any noted since).
      mergeDirtyKeys(taken, dirty);
      dirty = taken;
      letGoOfAuditEventsOverTheLimit();
      throw error;
    }
    for (const move of moves) committed.set(move.projection, move.position);
  }

  /** Bounds what an outage of the SQL database costs: the owed range is re-read, not held. */
  function letGoOfAuditEventsOverTheLimit(): void {
    const limit = options.maxHeldAuditEvents ?? MAX_HELD_AUDIT_EVENTS;
    if (options.readEvents === undefined || dirty.auditEvents.length <= limit) return;
    dirty.auditUnreadThrough = dirty.auditEvents[dirty.auditEvents.length - 1]!.position;
    dirty.auditEvents = [];
  }

  /**
   * Reads back the owed events the writer let go. Runs before the synchronous turn that builds
   * the rows; if more were let go while it read, it reads again (the range only grows).
   */
  async function readBackLetGoEvents(): Promise<void> {
    for (;;) {
      const from = dirty.auditFrom;
      const through = dirty.auditUnreadThrough;
      if (from === undefined || through === undefined) return;
      const read: Envelope[] = [];
      for (const event of await options.readEvents!(from, through)) {
        const envelope = asLedgerEnvelope(event);
        if (envelope !== null && event.position >= from && event.position <= through)
          read.push(envelope);
      }
      // The keys may have been taken or reset meanwhile (a checkpoint adopted): read again.
      if (dirty.auditFrom !== from || dirty.auditUnreadThrough !== through) continue;
      dirty.auditEvents = read.concat(dirty.auditEvents);
      dirty.auditUnreadThrough = undefined;
      return;
    }
  }

  function onFailure(error: unknown): void {
    // Once stopped, every later flush fails the same way: say so once.
    if (error === stoppedBy) {
      if (stopReported) return;
      stopReported = true;
    }
    onError!(error);
    if (stoppedBy !== undefined || closed || retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void requestFlush();
    }, retryDelayMs);
    // A pending retry is never a reason to keep the process alive.
    retryTimer.unref();
    retryDelayMs = Math.min(retryDelayMs * 2, MAX_READ_MODEL_RETRY_DELAY_MS);
  }

  function requestFlush(): Promise<void> {
    // A flush asked for now also writes whatever was waiting out its interval.
    if (coalesceTimer !== undefined) clearTimeout(coalesceTimer);
    coalesceTimer = undefined;
    if (queued !== undefined) return queued;
    const attempt = chain.then(() => {
      queued = undefined;
      return runFlush();
    });
    const settled = attempt.then(
      () => {
        retryDelayMs = READ_MODEL_RETRY_DELAY_MS;
      },
      (error: unknown) => {
        if (onError === undefined) throw error;
        onFailure(error);
      },
    );
    chain = settled.catch(() => undefined);
    queued = settled;
    return settled;
  }

  /** Notes the keys `events` (just folded into `latestBooks`) touch; writes nothing. */
  function note(events: readonly RecordedEvent[], latestBooks: LedgerProjections): void {
    if (closed) throw new Error('read-model writer is closed');
    const first = events[0];
    if (first === undefined) return;
    // A batch at or before one already applied means the books were folded twice or rebuilt
    // under this writer: its notion of what is owed would be wrong.
    if (first.position <= appliedPosition) {
      throw new Error(
        `invariant: read-model writer at position ${appliedPosition} was given a batch starting at ${first.position}`,
      );
    }
    for (const event of events) {
      const envelope = asLedgerEnvelope(event);
      if (envelope === null) continue;
      noteEvent(
        dirty,
        envelope,
        (projection) => committed.has(projection) && event.position > committedOf(projection),
      );
    }
    appliedPosition = events[events.length - 1]!.position;
    books = latestBooks;
    letGoOfAuditEventsOverTheLimit();
    owedEvents += events.length;
  }

  return {
    dialect: target.dialect,
    projections,

    checkpoints() {
      return new Map(committed);
    },

    applyBatch(events, latestBooks) {
      if (closed) throw new Error('read-model writer is closed');
      if (events.length === 0) return Promise.resolve();
      note(events, latestBooks);
      // While a retry is pending (the database is failing), batches only add to what it will
      // write, rather than each failing and being reported on its own.
      if (retryTimer !== undefined) return Promise.resolve();
      return requestFlush();
    },

    applyCoalesced(events, latestBooks) {
      if (closed) throw new Error('read-model writer is closed');
      if (events.length === 0) return;
      note(events, latestBooks);
      if (retryTimer !== undefined) return;
      if (owedEvents >= MAX_READ_MODEL_OWED_EVENTS) {
        requestFlush().catch(() => undefined);
        return;
      }
      if (coalesceTimer !== undefined) return;
      coalesceTimer = setTimeout(() => {
        coalesceTimer = undefined;
        requestFlush().catch(() => undefined);
      }, READ_MODEL_FLUSH_INTERVAL_MS);
    },

    noteBatch(events, latestBooks) {
      note(events, latestBooks);
    },

    flush() {
      return requestFlush();
    },

    async reset(only = projections) {
      if (appliedPosition !== 0n)
        throw new Error('read models can only be reset before the writer has applied a batch');
      for (const projection of only) {
        if (!committed.has(projection))
          throw new Error(`read-model writer does not keep ${projection}`);
      }
      await target.reset(only, only.flatMap(tablesOf), clock());
      for (const projection of only) committed.set(projection, 0n);
    },

    async close() {
      if (closed) return;
      // Closed first: a failure of the last flush below must not schedule a retry.
      closed = true;
      if (coalesceTimer !== undefined) clearTimeout(coalesceTimer);
      coalesceTimer = undefined;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      try {
        if (stoppedBy === undefined) await requestFlush();
      } finally {
        await chain;
        await target.close();
      }
    },
  };
}
