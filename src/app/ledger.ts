/**
 * The core of the ledger, without HTTP: one event store, the write path, and the books kept
 * current beside it (with the Merkle log and the SQL mirror, all folded by src/books/foldLog.ts),
 * books snapshots, and the books as they stood. The server
 * (src/app/servedLedger.ts puts src/http/server.ts in front of it), the tests and anything else
 * that needs a running ledger build it here, so what is tested is what runs.
 */
import { statSync } from 'node:fs';
import { createLedgerBooks } from '../../projections/index.ts';
import type { MerkleLog } from '../audit/merkleLog.ts';
import { openMerkleLog } from '../audit/storeMerkleLog.ts';
import { createCommandHandler } from '../writePath/commandHandler.ts';
import type { StreamSnapshots } from '../writePath/streamSnapshot.ts';
import { createLedgerCommands, type LedgerCommands } from '../writePath/ledgerCommands.ts';
import { foldEvents, foldLog, type FoldSinks } from '../books/foldLog.ts';
import { createHistoricalBooks, type HistoricalBooks } from '../books/historicalBooks.ts';
import { LedgerError } from '../books/ledgerError.ts';
import {
  createProjectionRunner,
  MAX_MIN_POSITION_WAIT_MS,
  type RunnerProgress,
} from '../books/projectionRunner.ts';
import type { ReadModelWriter } from '../books/sqlMirror/readModelWriter.ts';
import {
  createSnapshotSchedule,
  type SnapshotPolicy,
} from '../books/snapshots/snapshotSchedule.ts';
import {
  anchorOf,
  listSnapshots,
  type BooksSnapshots,
  type LoadedBooksSnapshot,
  type SavedSnapshot,
} from '../books/snapshots/booksSnapshots.ts';
import {
  MAX_READ_ALL_BATCH_EVENTS,
  type EventStore,
  type RecordedEvent,
} from '../store/eventStore.ts';
import { createValuationReader } from '../writePath/valuationReader.ts';
import type { GroupCommitObserver } from '../writePath/groupCommit.ts';

export interface LedgerOptions {
  readonly store: EventStore;
  readonly clock?: () => string;
  /** Progress of the start-up replay (the log after the snapshot, or the whole log). */
  readonly onReplayProgress?: (progress: RunnerProgress) => void;
  readonly onProjectionFailure?: (error: unknown) => void;
  /** SQL read models kept behind the books (openReadModelWriter); none when absent. */
  readonly readModels?: ReadModelWriter;
  /**
   * Books snapshots (src/books/snapshots/booksSnapshots.ts): start from the newest valid one and fold
   * only the log after it, and take new ones as the books move. None when absent.
   */
  readonly snapshots?: BooksSnapshots;
  /** When to take books snapshots; src/books/snapshots/snapshotSchedule.ts has the defaults. */
  readonly snapshotPolicy?: Partial<SnapshotPolicy>;
  /** What happened to snapshots: which one was used (or why none), and each one taken. */
  readonly onSnapshot?: (report: SnapshotReport) => void;
  /**
   * Aggregate snapshots for the write path (src/books/snapshots/streamSnapshots.ts), so a cold pot with
   * a long history starts from its last snapshot instead of folding its whole stream. None when absent.
   */
  readonly streamSnapshots?: StreamSnapshots;
  /** Time budget of one historical request, ms (LEDGER_HISTORY_BUDGET_MS); src/books/historyPool.ts has the default. */
  readonly historyBudgetMs?: number;
}

export type SnapshotReport =
  | { readonly kind: 'loaded'; readonly snapshot: Omit<LoadedBooksSnapshot, 'content'> }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'saved'; readonly snapshot: Omit<SavedSnapshot, 'written'> }
  | { readonly kind: 'failed'; readonly error: unknown };

export interface Ledger {
  readonly store: EventStore;
  /** The commands, through the write path (decide, append, with retries and idempotency). */
  readonly commands: LedgerCommands;
  readonly books: ReturnType<typeof createLedgerBooks>;
  readonly runner: ReturnType<typeof createProjectionRunner>;
  /** The log as an RFC 6962 Merkle tree, as far as the books have folded it. */
  readonly merkleLog: MerkleLog;
  /** The books as they stood (asAt / atPosition), folded from the log on demand and cached. */
  readonly historical: HistoricalBooks;
  /**
   * Waits (bounded) until the books have folded `minPosition`; refuses (LedgerError) when the
   * books stopped, the position is beyond the log, or the wait runs out.
   */
  readYourWrites(minPosition: bigint | undefined): Promise<void>;
  /** The write path's optimistic-concurrency retries since start. */
  writeStats(): {
    readonly appendConflictsRetried: bigint;
    readonly appendConflictsGivenUp: bigint;
  };
  /** Watches group commits (batch sizes, store failures) until the returned function is called. */
  observeGroupCommits(observer: GroupCommitObserver): () => void;
  /** The newest books snapshot this process loaded or took: its position and when it was taken (ms since epoch); undefined when none. */
  lastSnapshot(): { readonly position: bigint; readonly takenAtMs: number } | undefined;
  /** Takes a books snapshot now, when snapshots are on; settles once it is written (or failed). */
  snapshotNow(): Promise<void>;
  close(): Promise<void>;
}

/**
 * SQL mirror tables whose position (rm_checkpoints) is past the end of the log were written from other events (the
 * event store was restored from an older backup, or replaced): nothing would ever correct them.
 */
async function refuseReadModelsAheadOfLog(options: LedgerOptions): Promise<void> {
  if (options.readModels === undefined) return;
  const head = await options.store.headPosition();
  for (const [projection, position] of options.readModels.checkpoints()) {
    if (position > head) {
      throw new Error(
        `SQL mirror table set ${projection} is at log position ${position} but the event log ends at ${head}: the events were restored or replaced; run \`potledger rebuild\` before starting`,
      );
    }
  }
}

/**
 * The newest books snapshot that is valid for this store and not ahead of the SQL read models
 * (they could not catch up from it), or undefined: then the ledger folds the whole log.
 */
async function loadSnapshot(options: LedgerOptions): Promise<LoadedBooksSnapshot | undefined> {
  if (options.snapshots === undefined) return undefined;
  const readModelPositions =
    options.readModels === undefined ? [] : [...options.readModels.checkpoints().values()];
  const maxPosition =
    readModelPositions.length === 0
      ? undefined
      : readModelPositions.reduce((a, b) => (a < b ? a : b));
  const loaded = await options.snapshots.load(
    options.store,
    maxPosition === undefined ? {} : { maxPosition },
  );
  if (loaded === undefined) {
    // Only a snapshot that was there and could not be used is worth a warning; a first start
    // simply has none yet, and an empty log has nothing to fold at all.
    const found = listSnapshots(options.snapshots.dir).length;
    if (found > 0)
      options.onSnapshot?.({
        kind: 'skipped',
        reason: `no valid snapshot (${found} found, none usable): folding the whole log`,
      });
    else if ((await options.store.headPosition()) > 0n)
      options.onSnapshot?.({
        kind: 'skipped',
        reason: 'no books snapshot yet: folding the whole log',
      });
  } else {
    const { content: _content, ...snapshot } = loaded;
    options.onSnapshot?.({ kind: 'loaded', snapshot });
  }
  return loaded;
}

/**
 * Builds the ledger: the books from the newest valid snapshot (when snapshots are on) plus the
 * log after it, or from the whole log, before answering anything; then the runner follows
 * appends from there, handed this process's own appends by the write path.
 */
export async function createLedger(options: LedgerOptions): Promise<Ledger> {
  const { store } = options;
  await refuseReadModelsAheadOfLog(options);
  const snapshot = await loadSnapshot(options);
  // For the metrics' snapshot age: the loaded snapshot counts from the time its file was written.
  let lastSnapshot: { position: bigint; takenAtMs: number } | undefined =
    snapshot === undefined
      ? undefined
      : { position: snapshot.anchor.position, takenAtMs: fileTimeMs(snapshot.file) };
  const books = createLedgerBooks(snapshot?.content.books);
  // The whole log as an RFC 6962 Merkle tree, for the audit checkpoint and proof routes: every
  // event is a leaf, appended in log order as it is folded. Memory per event: a quarter of a byte
  // where positions are dense (the store answers the rest, src/audit/storeMerkleLog.ts); else
  // about 64 bytes of hashes and 8 of position in flat arrays, plus an event id → index entry.
  const merkleLog = openMerkleLog(store, snapshot?.content.merkle);
  // The last event folded: a snapshot names it, so a later start can check the store still has it.
  let lastFolded: RecordedEvent | undefined;
  const snapshots = options.snapshots;
  const snapshotSchedule =
    snapshots === undefined
      ? undefined
      : createSnapshotSchedule({
          snapshots,
          startedFrom: snapshot?.anchor.position ?? 0n,
          ...(options.snapshotPolicy === undefined ? {} : { policy: options.snapshotPolicy }),
          capture: () =>
            lastFolded === undefined
              ? undefined
              : {
                  content: {
                    books: { projections: books.state, position: books.position },
                    merkle: merkleLog.exportState(),
                  },
                  anchor: anchorOf(lastFolded),
                },
          onSaved: ({ written: _written, ...saved }) => {
            lastSnapshot = { position: saved.position, takenAtMs: Date.now() };
            options.onSnapshot?.({ kind: 'saved', snapshot: saved });
          },
          onError: (error) => options.onSnapshot?.({ kind: 'failed', error }),
        });
  const sinks: FoldSinks = {
    books,
    merkleLog,
    ...(options.readModels === undefined ? {} : { sqlMirror: options.readModels }),
    pages: (events) => {
      lastFolded = events[events.length - 1];
      snapshotSchedule?.noteFolded(events.length);
    },
  };

  // The start-up replay: the log as it stands now, after the snapshot. Each page waits for its
  // SQL mirror transaction, so a long backlog is written page by page rather than merged into
  // one huge transaction.
  const from = snapshot?.anchor.position ?? 0n;
  const headAtStart = await store.headPosition();
  let replayed: bigint;
  try {
    const onReplayProgress = options.onReplayProgress;
    const replay = await foldLog(
      store,
      {
        from,
        to: headAtStart,
        // With the SQL mirror behind, every page is one mirror transaction that rewrites the pots,
        // balances and flows it touched: keep those pages as large as the store serves. Without
        // one, the fold's smaller default page leaves less garbage to promote (foldLog.ts).
        ...(sinks.sqlMirror === undefined ? {} : { batchSize: MAX_READ_ALL_BATCH_EVENTS }),
        ...(onReplayProgress === undefined
          ? {}
          : {
              onProgress: ({ position, eventsRead, elapsedMs }) =>
                onReplayProgress({ position, headAtStart, eventsFolded: eventsRead, elapsedMs }),
            }),
      },
      sinks,
    );
    replayed = replay.position;
  } catch (error) {
    // The books can no longer be trusted: the owner must stop, as when the runner fails.
    options.onProjectionFailure?.(error);
    throw error;
  }

  // True while the runner catches up with what was appended during the replay (another server
  // on the same PostgreSQL database): each page still waits for its SQL mirror transaction.
  let catchingUp = true;
  const runner = createProjectionRunner({
    store,
    fromPosition: replayed,
    // In the same synchronous turn as the fold: the mirror notes the rows this page touched and
    // writes them (with its checkpoint) in one transaction behind. Once live, the books never
    // wait for the reporting database, and the pages of a few milliseconds share a transaction
    // (READ_MODEL_FLUSH_INTERVAL_MS).
    apply: (events) =>
      catchingUp ? foldEvents(events, sinks) : foldEvents(events, sinks, 'coalesce'),
    onFailure: options.onProjectionFailure ?? (() => undefined),
  });
  await runner.start();
  catchingUp = false;
  snapshotSchedule?.start();

  const handler = createCommandHandler({
    store,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.streamSnapshots === undefined ? {} : { streamSnapshots: options.streamSnapshots }),
  });
  const commands = createLedgerCommands(handler, undefined, createValuationReader(store));
  // What this process appends goes to the books straight from the write path, not read back
  // from the store; the runner's subscription still reads whatever it is not handed in order.
  handler.observeGroupCommits({ appended: (events) => void runner.handOver(events) });

  async function readYourWrites(minPosition: bigint | undefined): Promise<void> {
    if (minPosition === undefined || runner.position() >= minPosition) return;
    if (runner.failure() !== undefined)
      throw new LedgerError(
        'PROJECTION_LAGGING',
        'the books stopped on an error; an operator must look',
      );
    if (minPosition > (await store.headPosition())) {
      throw new LedgerError(
        'VALIDATION_FAILED',
        `minPosition ${minPosition} is beyond the end of the log`,
      );
    }
    if (!(await runner.waitFor(minPosition, MAX_MIN_POSITION_WAIT_MS))) {
      throw new LedgerError(
        'PROJECTION_LAGGING',
        `the books had not reached position ${minPosition} within ${MAX_MIN_POSITION_WAIT_MS} ms`,
      );
    }
  }

  // Today's books unless a GET asks for asAt or atPosition; then folded afresh from the log.
  const historical = createHistoricalBooks({
    source: store,
    // A getter: the position is read when the answer is labelled, in the same step as the books.
    live: () => ({
      projections: books.state,
      get position() {
        return books.position;
      },
    }),
    readYourWrites,
    ...(options.historyBudgetMs === undefined ? {} : { budgetMs: options.historyBudgetMs }),
  });

  return {
    store,
    commands,
    books,
    runner,
    merkleLog,
    historical,
    readYourWrites,
    writeStats: () => handler.stats(),
    observeGroupCommits: handler.observeGroupCommits,
    lastSnapshot: () => lastSnapshot,
    snapshotNow: () => snapshotSchedule?.saveNow() ?? Promise.resolve(),
    async close() {
      await historical.close();
      runner.stop();
      // Nothing folds any more: the final snapshot is of the books as they end.
      await snapshotSchedule?.stop(runner.failure() === undefined);
      await options.readModels?.close();
      await store.close();
    },
  };
}

/** When a file was last written, ms since epoch; now when it cannot be read (it was just loaded). */
function fileTimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}
