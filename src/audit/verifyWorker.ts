/**
 * A verify worker thread (src/audit/verifyPool.ts starts it): opens its own reading connection
 * to the log, then for each request reads one range of positions and posts back the events'
 * digests (eventDigest.ts): the content hash checked and the Merkle leaf, the order-free half of
 * verification. Nothing here depends on what came before the range.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  StoreUnavailableError,
  type EventStore,
  type ReaderLocation,
} from '../store/eventStore.ts';
import { createSqliteEventStore } from '../store/sqlite/sqliteEventStore.ts';
import { digestColumns, transferables, type DigestColumns } from './eventDigest.ts';

export interface VerifyWorkerData {
  readonly entry: string;
  readonly location: ReaderLocation;
}

/** Digest the events at positions after `after`, up to and including `through`. */
export interface DigestRequest {
  readonly id: number;
  readonly after: bigint;
  readonly through: bigint;
}

/** The pool is done with this worker: it closes its connection and ends. */
export interface CloseRequest {
  readonly close: true;
}

export type DigestReply =
  | { readonly id: number; readonly ok: true; readonly columns: DigestColumns }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** Connections a worker opens to PostgreSQL: it reads one range at a time. */
const WORKER_POSTGRES_POOL_SIZE = 1;

type Reader = Pick<EventStore, 'readAll' | 'close'>;

async function openReader(location: ReaderLocation): Promise<Reader> {
  if (location.kind === 'sqlite') return createSqliteEventStore(location.path, { readOnly: true });
  // Loaded only when needed: a worker's start-up (compiling under tsx) is part of every verify.
  const { createPostgresEventStore } = await import('../store/postgres/postgresEventStore.ts');
  return createPostgresEventStore(location.url, {
    schema: location.schema,
    poolSize: WORKER_POSTGRES_POOL_SIZE,
  });
}

async function answer(reader: Promise<Reader>, request: DigestRequest): Promise<DigestReply> {
  try {
    // A range holds at most through − after events (positions are distinct whole numbers), so one
    // read of that many after `after` covers it; anything past `through` is a later range's.
    const limit = Number(request.through - request.after);
    const events = (await (await reader).readAll(request.after, limit)).filter(
      (event) => event.position <= request.through,
    );
    return { id: request.id, ok: true, columns: digestColumns(events) };
  } catch (error) {
    const message =
      error instanceof StoreUnavailableError
        ? `the store could not be reached: ${error.reason}`
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    return { id: request.id, ok: false, message };
  }
}

const port = parentPort;
if (port === null) throw new Error('verifyWorker.ts runs only as a worker thread');
const data = workerData as VerifyWorkerData;
const reader = openReader(data.location);
// An unhandled rejection would end the thread before it could say why; each answer reports it.
reader.catch(() => undefined);
port.on('message', (request: DigestRequest | CloseRequest) => {
  if ('close' in request) {
    void reader
      .then((opened) => opened.close())
      .catch(() => undefined)
      .finally(() => port.close());
    return;
  }
  void answer(reader, request).then((reply) =>
    port.postMessage(reply, reply.ok ? transferables(reply.columns) : []),
  );
});
