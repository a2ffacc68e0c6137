/**
 * The composition root: one event store, the write path, the books kept current by the
 * projection runner, and the HTTP app over them. main.ts, the tests and the CLI all build the
 * ledger here, so what is tested is what runs.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { asLedgerEnvelope, type IdempotencyKeyClaimed } from '../../events/index.ts';
import { createLedgerBooks } from '../../projections/index.ts';
import { createMerkleLog } from '../audit/merkleLog.ts';
import { commandScopeKey, createCommandHandler } from '../writePath/commandHandler.ts';
import type { StreamSnapshots } from '../writePath/streamSnapshot.ts';
import { buildApp } from '../http/app.ts';
import type { ServerLimits } from '../http/plugins/serverLimits.ts';
import { httpProblem } from '../http/plugins/errors.ts';
import { createLedgerCommands } from '../writePath/ledgerCommands.ts';
import { createHistoricalBooks, type HistoricalBooks } from '../books/historicalBooks.ts';
import { createProjectionRunner, MAX_MIN_POSITION_WAIT_MS, type RunnerProgress } from '../books/projectionRunner.ts';
import type { ReadModelWriter } from '../books/sqlMirror/readModelWriter.ts';
import { createBooksCheckpointer, type CheckpointPolicy } from '../books/snapshots/booksCheckpointer.ts';
import { anchorOf, type BooksSnapshots, type LoadedBooksSnapshot, type SavedSnapshot } from '../books/snapshots/booksSnapshots.ts';
import type { EventStore, RecordedEvent } from '../store/eventStore.ts';
import { createValuationReader } from '../writePath/valuationReader.ts';

export interface LedgerOptions {
  readonly store: EventStore;
  readonly jwtSecret: string;
  readonly logger?: FastifyServerOptions['logger'];
  readonly clock?: () => string;
  readonly onReplayProgress?: (progress: RunnerProgress) => void;
  readonly onProjectionFailure?: (error: unknown) => void;
  /** SQL read models kept behind the books (openReadModelWriter); none when absent. */
  readonly readModels?: ReadModelWriter;
  /** Browser origins allowed to call the API (CORS); none when absent. */
  readonly corsOrigins?: readonly string[];
  /** Writes one caller may make per minute; unlimited when absent. */
  readonly writesPerMinute?: number;
  /** Serve POST /dev/token (development only: see src/http/plugins/devToken.ts). */
  readonly devTokens?: boolean;
  /** Timeouts and the connection cap; src/http/plugins/serverLimits.ts has the defaults. */
  readonly serverLimits?: Partial<ServerLimits>;
  /**
   * Books snapshots (src/books/snapshots/booksSnapshots.ts): start from the newest valid one and fold
   * only the log after it, and take new ones as the books move. None when absent.
   */
  readonly snapshots?: BooksSnapshots;
  /** When to take books snapshots; src/books/snapshots/booksCheckpointer.ts has the defaults. */
  readonly snapshotPolicy?: Partial<CheckpointPolicy>;
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
  readonly app: FastifyInstance;
  readonly store: EventStore;
  readonly books: ReturnType<typeof createLedgerBooks>;
  readonly runner: ReturnType<typeof createProjectionRunner>;
  /** The books as they stood (asAt / atPosition), folded from the log on demand and cached. */
  readonly historical: HistoricalBooks;
  /** Takes a books snapshot now, when snapshots are on; settles once it is written (or failed). */
  snapshotNow(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Read models whose checkpoint is past the end of the log were written from other events (the
 * event store was restored from an older backup, or replaced): nothing would ever correct them.
 */
async function refuseReadModelsAheadOfLog(options: LedgerOptions): Promise<void> {
  if (options.readModels === undefined) return;
  const head = await options.store.headPosition();
  for (const [projection, position] of options.readModels.checkpoints()) {
    if (position > head) {
      throw new Error(
        `read model ${projection} is at log position ${position} but the event log ends at ${head}: the events were restored or replaced; run \`potledger rebuild\` before starting`,
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
  const readModelPositions = options.readModels === undefined ? [] : [...options.readModels.checkpoints().values()];
  const maxPosition = readModelPositions.length === 0 ? undefined : readModelPositions.reduce((a, b) => (a < b ? a : b));
  const loaded = await options.snapshots.load(options.store, maxPosition === undefined ? {} : { maxPosition });
  if (loaded === undefined) options.onSnapshot?.({ kind: 'skipped', reason: 'no valid snapshot: folding the whole log' });
  else {
    const { content: _content, ...snapshot } = loaded;
    options.onSnapshot?.({ kind: 'loaded', snapshot });
  }
  return loaded;
}

/**
 * Builds the ledger: the books from the newest valid snapshot (when snapshots are on) plus the
 * log after it, or from the whole log, before answering anything.
 */
export async function createLedger(options: LedgerOptions): Promise<Ledger> {
  const { store } = options;
  await refuseReadModelsAheadOfLog(options);
  const snapshot = await loadSnapshot(options);
  const books = createLedgerBooks(snapshot?.content.books);
  // (Caller, key) → the stream it belongs to, shared with the write path so it can refuse a
  // caller's key reused on another stream (keys are scoped to their caller: commandScopeKey).
  // A Map of every command costs memory linear in the log.
  const commandStreams = snapshot?.content.commandStreams ?? new Map<string, string>();
  // True while the start-up replay folds the log that was there before the server started.
  let catchingUp = true;
  // The whole log as an RFC 6962 Merkle tree, for the audit checkpoint and proof routes: every
  // event is a leaf, appended in log order as it is folded. Memory per event: about 64 bytes of
  // hashes and 8 of position in flat arrays, plus an entry in the event id → leaf index map.
  const merkleLog = createMerkleLog(snapshot?.content.merkle);
  // The last event folded: a snapshot names it, so a later start can check the store still has it.
  let lastFolded: RecordedEvent | undefined;
  const snapshots = options.snapshots;
  const checkpointer =
    snapshots === undefined
      ? undefined
      : createBooksCheckpointer({
          snapshots,
          startedFrom: snapshot?.anchor.position ?? 0n,
          ...(options.snapshotPolicy === undefined ? {} : { policy: options.snapshotPolicy }),
          capture: () =>
            lastFolded === undefined
              ? undefined
              : {
                  content: { books: { projections: books.state, position: books.position }, merkle: merkleLog.exportState(), commandStreams },
                  anchor: anchorOf(lastFolded),
                },
          onSaved: ({ written: _written, ...saved }) => options.onSnapshot?.({ kind: 'saved', snapshot: saved }),
          onError: (error) => options.onSnapshot?.({ kind: 'failed', error }),
        });
  const runner = createProjectionRunner({
    store,
    ...(snapshot === undefined ? {} : { fromPosition: snapshot.anchor.position }),
    apply: (events) => {
      for (const event of events) {
        // A claimed key belongs to the stream the claim creates, not to the claim's own stream.
        const streamId = event.type === 'IdempotencyKeyClaimed' ? (event.data as IdempotencyKeyClaimed).targetStreamId : event.streamId;
        const scope = commandScopeKey(event.metadata.actor.sub, event.metadata.commandId);
        if (!commandStreams.has(scope)) commandStreams.set(scope, streamId);
        merkleLog.append(event);
        const envelope = asLedgerEnvelope(event);
        if (envelope !== null) books.evolve(envelope);
      }
      lastFolded = events[events.length - 1];
      checkpointer?.noteFolded(events.length);
      // In the same synchronous turn as the fold: the writer copies the rows this batch touched
      // out of the books now, and writes them (with its checkpoint) in one transaction behind.
      // While the start-up replay catches up, each batch waits for its commit, so a long backlog
      // is written batch by batch rather than merged into one huge transaction; once live, the
      // books never wait for the reporting database.
      if (options.readModels === undefined) return;
      const written = options.readModels.applyBatch(events, books.state);
      if (catchingUp) return written;
    },
    ...(options.onReplayProgress === undefined ? {} : { onProgress: options.onReplayProgress }),
    onFailure: options.onProjectionFailure ?? (() => undefined),
  });
  await runner.start();
  catchingUp = false;
  checkpointer?.start();

  const handler = createCommandHandler({
    store,
    commandStreams,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.streamSnapshots === undefined ? {} : { streamSnapshots: options.streamSnapshots }),
  });
  const commands = createLedgerCommands(handler, undefined, createValuationReader(store));

  async function readYourWrites(minPosition: bigint | undefined): Promise<void> {
    if (minPosition === undefined || runner.position() >= minPosition) return;
    if (runner.failure() !== undefined) throw httpProblem('PROJECTION_LAGGING', 'the books stopped on an error; an operator must look');
    if (minPosition > (await store.headPosition())) {
      throw httpProblem('VALIDATION_FAILED', `minPosition ${minPosition} is beyond the end of the log`);
    }
    if (!(await runner.waitFor(minPosition, MAX_MIN_POSITION_WAIT_MS))) {
      throw httpProblem('PROJECTION_LAGGING', `the books had not reached position ${minPosition} within ${MAX_MIN_POSITION_WAIT_MS} ms`);
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

  const app = await buildApp({
    store,
    commands,
    books: () => books.state,
    readYourWrites,
    booksFor: historical.booksFor,
    statementFor: historical.statementFor,
    projectionPosition: () => runner.position(),
    merkleLog,
    writeStats: () => handler.stats(),
    jwtSecret: options.jwtSecret,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
    ...(options.writesPerMinute === undefined ? {} : { writesPerMinute: options.writesPerMinute }),
    ...(options.devTokens === undefined ? {} : { devTokens: options.devTokens }),
    ...(options.serverLimits === undefined ? {} : { serverLimits: options.serverLimits }),
  });

  return {
    app,
    store,
    books,
    runner,
    historical,
    snapshotNow: () => checkpointer?.saveNow() ?? Promise.resolve(),
    async close() {
      await app.close();
      await historical.close();
      runner.stop();
      // Nothing folds any more: the final snapshot is of the books as they end.
      await checkpointer?.stop(runner.failure() === undefined);
      await options.readModels?.close();
      await store.close();
    },
  };
}
