/**
 * A historical-fold worker thread (src/books/historyPool.ts starts it through historyWorkerBoot.mjs):
 * opens its own reading connection to the log, then runs one job at a time and posts the
 * answer back, starting each books fold from the worker's own books waypoints (booksWaypoints.ts)
 * rather than position 0. The books travel as snapshot-codec bytes (src/books/snapshots/stateCodec.ts), one
 * buffer per projection: money is Decimal objects, which a plain structured clone would turn
 * into bare records, and decoding is main-thread work, so only what a route reads is decoded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createWaypointKeepers, type WaypointKeepers } from './booksWaypoints.ts';
import { runHistoryJob, type HistoryJob, type HistoryJobSource } from './historyFold.ts';
import { encodeState } from './snapshots/stateCodec.ts';
import { StoreUnavailableError, type ReaderLocation } from '../store/eventStore.ts';
import { createPostgresEventStore } from '../store/postgres/postgresEventStore.ts';
import { createSqliteEventStore } from '../store/sqlite/sqliteEventStore.ts';

export interface HistoryWorkerData {
  readonly entry: string;
  readonly location: ReaderLocation;
  readonly batchSize?: number;
}

export interface HistoryRequest {
  readonly id: number;
  readonly job: HistoryJob;
}

/** Sent by the pool when a job's budget runs out: the worker stops it at its next turn. */
export interface HistoryAbandon {
  readonly abandon: number;
}

/**
 * A worker's folds give its own event loop a turn this often, so that an abandon message is
 * heard and the worker (and its books waypoints) can be kept instead of terminated.
 */
export const WORKER_FOLD_SLICE_MS = 50;

export type HistoryReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly kind: 'books';
      readonly position: bigint;
      readonly eventsFolded: number;
      readonly startedAfter: bigint;
      /** Each projection encoded on its own, so the main thread decodes only those a route reads. */
      readonly projections: Readonly<Record<string, Uint8Array>>;
    }
  | {
      readonly id: number;
      readonly ok: true;
      readonly kind: 'statement';
      readonly statement: unknown;
    }
  | {
      readonly id: number;
      readonly ok: false;
      readonly message: string;
      /** Set when the database could not be reached: the pool answers StoreUnavailableError. */
      readonly unavailableReason?: string;
    };

/** Connections a worker opens to PostgreSQL: it runs one job at a time. */
const WORKER_POSTGRES_POOL_SIZE = 1;

async function openReader(location: ReaderLocation): Promise<HistoryJobSource> {
  if (location.kind === 'sqlite') return createSqliteEventStore(location.path, { readOnly: true });
  return createPostgresEventStore(location.url, {
    schema: location.schema,
    poolSize: WORKER_POSTGRES_POOL_SIZE,
  });
}

async function answer(
  reader: () => Promise<HistoryJobSource>,
  request: HistoryRequest,
  batchSize: number | undefined,
  waypoints: WaypointKeepers,
  signal: AbortSignal,
): Promise<HistoryReply> {
  try {
    const source = await reader();
    signal.throwIfAborted();
    const pace = { sliceMs: WORKER_FOLD_SLICE_MS, signal };
    const result = await runHistoryJob(source, request.job, batchSize, pace, waypoints);
    if (result.kind === 'statement')
      return { id: request.id, ok: true, kind: 'statement', statement: result.statement };
    const projections: Record<string, Uint8Array> = {};
    for (const [name, state] of Object.entries(result.projections))
      projections[name] = encodeState(state);
    return {
      id: request.id,
      ok: true,
      kind: 'books',
      position: result.position,
      eventsFolded: result.eventsFolded,
      startedAfter: result.startedAfter,
      projections,
    };
  } catch (error) {
    return {
      id: request.id,
      ok: false,
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      ...(error instanceof StoreUnavailableError ? { unavailableReason: error.reason } : {}),
    };
  }
}

const port = parentPort;
if (port === null) throw new Error('historyWorker.ts runs only as a worker thread');
const data = workerData as HistoryWorkerData;
// Opened on the first request, and again on the next if the database could not be reached then:
// a worker started during a database restart must not fail every later request.
let opened: Promise<HistoryJobSource> | undefined;
const reader = (): Promise<HistoryJobSource> => {
  opened ??= openReader(data.location).catch((error: unknown) => {
    opened = undefined;
    throw error;
  });
  return opened;
};
// This worker's books waypoints, per set of projections asked for: kept between jobs, bounded
// (booksWaypoints.ts), gone with it.
const waypoints = createWaypointKeepers();
/** The job running now (one at a time) and how to abandon it. */
let running: { readonly id: number; readonly controller: AbortController } | undefined;
port.on('message', (message: HistoryRequest | HistoryAbandon) => {
  if ('abandon' in message) {
    if (running?.id === message.abandon)
      running.controller.abort(new Error('history budget exceeded'));
    return;
  }
  const request = message;
  running = { id: request.id, controller: new AbortController() };
  void answer(reader, request, data.batchSize, waypoints, running.controller.signal).then(
    (reply) => {
      if (running?.id === request.id) running = undefined;
      // Whole buffers move to the main thread instead of being copied.
      const buffers = reply.ok && reply.kind === 'books' ? Object.values(reply.projections) : [];
      const transfer = buffers
        .filter((bytes) => bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
        .map((bytes) => bytes.buffer as ArrayBuffer);
      port.postMessage(reply, transfer);
    },
  );
});
