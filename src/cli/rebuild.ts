/**
 * `potledger rebuild [--projection NAME]`: empties the SQL read models (one projection's tables,
 * or all) and writes them again by replaying the whole log through fresh in-memory books —
 * after an upgrade that changes a projection, or when someone has edited the tables by hand.
 *
 * Each transaction (up to REBUILD_TRANSACTION_EVENTS events) carries its checkpoint, so a rebuild that is interrupted leaves
 * consistent tables at a lower checkpoint, and the server (or another rebuild) carries on from
 * there. Run it with the server stopped: a server writing the same tables notices the reset
 * checkpoint, stops writing them and asks for a restart.
 */
import { Command, Option } from 'commander';
import { createLedgerBooks } from '../../projections/index.ts';
import { readConfig } from '../app/config.ts';
import { FOLD_PAGE_EVENTS, foldLog } from '../books/foldLog.ts';
import {
  openReadModelWriter,
  redactUrl,
  resolveReadModelsUrl,
} from '../books/sqlMirror/openReadModels.ts';
import type { ReadModelWriter } from '../books/sqlMirror/readModelWriter.ts';
import {
  parseReadModelProjection,
  READ_MODEL_PROJECTIONS,
  type ReadModelProjection,
} from '../books/sqlMirror/tables.ts';
import { MAX_READ_ALL_BATCH_EVENTS, type EventStore } from '../store/eventStore.ts';
import { openEventStore } from '../store/openStore.ts';
import { counted } from './counted.ts';
import { eventsPerSecond, positionProgress } from './progress.ts';

/** Events read and folded per page: the fold's own page (why it is not larger: foldLog.ts). */
export const REBUILD_BATCH_EVENTS = FOLD_PAGE_EVENTS;
/**
 * Events folded per transaction: pots, balances and flows are rewritten whole by every
 * transaction that touches them, so fewer, larger transactions write far fewer rows. An
 * interrupted rebuild still leaves consistent tables at the last one's checkpoint.
 */
export const REBUILD_TRANSACTION_EVENTS = 100_000;

export interface RebuildOptions {
  readonly storeUrl: string;
  readonly readModelsUrl: string;
  /** One projection's name (see READ_MODEL_PROJECTIONS); all when absent. */
  readonly projection?: string;
  /** Where progress and the summary line go (stderr for the CLI). */
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  readonly batchEvents?: number;
  /** Events per transaction (at least batchEvents); by default batchEvents when that is given, else REBUILD_TRANSACTION_EVENTS. */
  readonly transactionEvents?: number;
}

export interface RebuildResult {
  readonly projections: readonly ReadModelProjection[];
  readonly events: number;
  /** The checkpoint every rebuilt projection now has. */
  readonly position: bigint;
  readonly elapsedMs: number;
  readonly eventsPerSecond: number;
}

export async function rebuildReadModels(options: RebuildOptions): Promise<RebuildResult> {
  // Refuse a wrong name before touching anything.
  const projections: readonly ReadModelProjection[] =
    options.projection === undefined
      ? READ_MODEL_PROJECTIONS
      : [parseReadModelProjection(options.projection)];
  const batchEvents = options.batchEvents ?? REBUILD_BATCH_EVENTS;
  if (
    !Number.isInteger(batchEvents) ||
    batchEvents < 1 ||
    batchEvents > MAX_READ_ALL_BATCH_EVENTS
  ) {
    throw new RangeError(`batchEvents must be an integer from 1 to ${MAX_READ_ALL_BATCH_EVENTS}`);
  }

  const store = await openEventStore(options.storeUrl);
  try {
    const writer = await openReadModelWriter(options.readModelsUrl, { projections });
    let result: RebuildResult;
    try {
      result = await replayInto(
        writer,
        store,
        projections,
        batchEvents,
        Math.max(
          batchEvents,
          options.transactionEvents ??
            (options.batchEvents === undefined ? REBUILD_TRANSACTION_EVENTS : batchEvents),
        ),
        options.stream,
      );
    } catch (error) {
      // Closing tries the owed batch once more; if that fails too, this first error is the one to report.
      await writer.close().catch(() => undefined);
      throw error;
    }
    await writer.close();
    options.stream.write(
      `rebuilt ${projections.join(', ')} in ${redactUrl(options.readModelsUrl)}: ` +
        `${counted(Number(result.events), 'event')} in ${(result.elapsedMs / 1000).toFixed(1)} s (${result.eventsPerSecond} events/s), checkpoint ${result.position}\n`,
    );
    return result;
  } finally {
    await store.close();
  }
}

async function replayInto(
  writer: ReadModelWriter,
  store: EventStore,
  projections: readonly ReadModelProjection[],
  batchEvents: number,
  transactionEvents: number,
  stream: RebuildOptions['stream'],
): Promise<RebuildResult> {
  await writer.reset(projections);
  const startedAt = Date.now();
  const progress = positionProgress(stream, await store.headPosition(), 'rebuilding read models');
  let folded;
  try {
    folded = await foldLog(
      store,
      {
        batchSize: batchEvents,
        mirrorTransactionEvents: transactionEvents,
        onProgress: ({ position, eventsRead }) =>
          progress.update(position, eventsRead, Date.now() - startedAt),
      },
      { books: createLedgerBooks(), sqlMirror: writer },
    );
  } finally {
    progress.stop();
  }
  const { position, eventsRead: events } = folded;
  const elapsedMs = Date.now() - startedAt;
  return {
    projections,
    events,
    position,
    elapsedMs,
    eventsPerSecond: eventsPerSecond(events, elapsedMs),
  };
}

/** Adds `rebuild` to the potledger CLI. */
export function registerRebuildCommand(program: Command): Command {
  return program
    .command('rebuild')
    .description(
      'empty the SQL read models and write them again from the whole log (stop the server first)',
    )
    .addOption(
      new Option('--projection <name>', "rebuild only this projection's tables").choices([
        ...READ_MODEL_PROJECTIONS,
      ]),
    )
    .action(async (options: { projection?: string }) => {
      const config = readConfig();
      const readModelsUrl = resolveReadModelsUrl(config.storeUrl);
      if (readModelsUrl === null) {
        throw new Error(
          `no SQL read models for LEDGER_STORE ${redactUrl(config.storeUrl)}: set LEDGER_READ_MODELS=sqlite:<path> or postgres://…`,
        );
      }
      await rebuildReadModels({
        storeUrl: config.storeUrl,
        readModelsUrl,
        ...(options.projection === undefined ? {} : { projection: options.projection }),
        stream: process.stderr,
      });
    });
}
