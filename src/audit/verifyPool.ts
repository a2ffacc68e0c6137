/**
 * `potledger verify` on several threads. Recomputing each event's hash and Merkle leaf needs no
 * ordering (eventDigest.ts), so worker threads, each with its own reading connection to the log,
 * digest ranges of positions while the main thread checks the digests in log order with the one
 * verifier (logVerifier.ts: positions, each stream's revisions and previousHash chain, the log
 * chain, the tree). The first failure and its message are the same as verifying on one thread:
 * the ordered checks see the same events in the same order, and the digest is the same function.
 *
 * The main thread also digests ranges itself whenever the next range it needs is not back yet,
 * so on two cores one worker and the main thread both hash.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EventStore, ReaderLocation } from '../store/eventStore.ts';
import { digestColumns, forEachDigest, type DigestColumns } from './eventDigest.ts';
import type { createLogVerifier, VerifyFailure } from './logVerifier.ts';
import type { CloseRequest, DigestReply, DigestRequest, VerifyWorkerData } from './verifyWorker.ts';

/** Worker threads verify may start, whatever is asked for. */
export const MAX_VERIFY_WORKERS = 16;
/**
 * Worker threads by default: one fewer than the cores (the main thread digests too when it would
 * otherwise wait), at least one, at most 8.
 */
export const DEFAULT_VERIFY_WORKERS = Math.max(1, Math.min(8, availableParallelism() - 1));
/** Ranges sent to one worker before it has answered: one being digested, one waiting. */
const RANGES_QUEUED_PER_WORKER = 2;
/** Ranges the main thread digests ahead of the one it is checking, beyond those queued to workers. */
const MAX_RANGES_DIGESTED_AHEAD = 4;

/** LEDGER_VERIFY_WORKERS or --workers: a whole number 0..MAX_VERIFY_WORKERS; 0 verifies in-thread. */
export function parseVerifyWorkers(name: string, text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_VERIFY_WORKERS;
  if (!/^\d{1,3}$/.test(text) || Number(text) > MAX_VERIFY_WORKERS)
    throw new Error(`${name} must be a whole number from 0 to ${MAX_VERIFY_WORKERS}, got ${text}`);
  return Number(text);
}

export interface ParallelVerifyOptions {
  readonly store: Pick<EventStore, 'readAll' | 'headPosition'>;
  readonly location: ReaderLocation;
  readonly verifier: Pick<ReturnType<typeof createLogVerifier>, 'checkDigest'>;
  /** Worker threads, at least 1. */
  readonly workers: number;
  /** Positions per range (at most MAX_READ_ALL_BATCH_EVENTS). */
  readonly rangeEvents: number;
  /** Hears of each range once it is checked: the last position checked. */
  readonly onProgress?: (position: bigint) => void;
}

export interface ParallelVerifyResult {
  /** The last position checked and found sound; 0n for none. */
  readonly position: bigint;
  readonly failure?: VerifyFailure;
}

/** True when this module runs compiled (dist/, `npm run build`) rather than under tsx. */
const COMPILED = import.meta.url.endsWith('.js');

interface PoolWorker {
  readonly thread: Worker;
  /** Replies awaited, by request id. */
  readonly waiting: Map<number, (reply: DigestReply) => void>;
}

function startWorker(location: ReaderLocation): PoolWorker {
  const workerData: VerifyWorkerData = {
    entry: new URL(`./verifyWorker.${COMPILED ? 'js' : 'ts'}`, import.meta.url).href,
    location,
  };
  // Compiled (dist/), the worker is plain JavaScript; from the sources it boots tsx first
  // (the historical-fold workers' boot file does exactly that for any entry point).
  const thread = new Worker(
    COMPILED
      ? new URL(workerData.entry)
      : new URL('../books/historyWorkerBoot.mjs', import.meta.url),
    { workerData },
  );
  const waiting = new Map<number, (reply: DigestReply) => void>();
  const failAll = (message: string): void => {
    for (const [id, resolve] of waiting) resolve({ id, ok: false, message });
    waiting.clear();
  };
  thread.on('message', (reply: DigestReply) => {
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  thread.on('error', (error) => failAll(`a verify worker failed: ${error.message}`));
  thread.on('exit', (code) => failAll(`a verify worker stopped (exit code ${code})`));
  return { thread, waiting };
}

async function stopWorker(worker: PoolWorker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.thread.once('exit', () => resolve()));
  worker.thread.postMessage({ close: true } satisfies CloseRequest);
  await exited;
}

interface Range {
  readonly after: bigint;
  readonly through: bigint;
  /** Its digests: being worked out by a worker, or ready. */
  digests?: Promise<DigestColumns> | DigestColumns;
}

/** Reads and digests a range on this thread. */
async function digestHere(
  store: Pick<EventStore, 'readAll'>,
  range: Range,
): Promise<DigestColumns> {
  const limit = Number(range.through - range.after);
  const events = await store.readAll(range.after, limit);
  return digestColumns(events.filter((event) => event.position <= range.through));
}

/**
 * Verifies the log up to the head it has when called, in ranges of `rangeEvents` positions
 * digested in parallel and checked in order; the caller reads on from the returned position
 * (events appended meanwhile) on its own thread.
 */
export async function verifyInParallel(
  options: ParallelVerifyOptions,
): Promise<ParallelVerifyResult> {
  const { store, verifier, rangeEvents } = options;
  if (!Number.isSafeInteger(options.workers) || options.workers < 1)
    throw new RangeError(`verifyInParallel needs at least one worker, got ${options.workers}`);
  const head = await store.headPosition();
  const ranges: Range[] = [];
  for (let after = 0n; after < head; after += BigInt(rangeEvents)) {
    const through = after + BigInt(rangeEvents);
    ranges.push({ after, through: through < head ? through : head });
  }
  const workers = Array.from({ length: Math.min(options.workers, ranges.length) }, () =>
    startWorker(options.location),
  );
  let nextRequestId = 0;
  let nextToStart = 0;

  function send(worker: PoolWorker, range: Range): void {
    const id = (nextRequestId += 1);
    const digests = new Promise<DigestColumns>((resolve, reject) => {
      worker.waiting.set(id, (reply) =>
        reply.ok ? resolve(reply.columns) : reject(new Error(reply.message)),
      );
    });
    range.digests = digests;
    // Once back, the digests are a plain value, so the loop below can tell ready from pending.
    // Checked in order later; until then a failure must not be an unhandled rejection.
    digests.then(
      (columns) => {
        if (range.digests === digests) range.digests = columns;
      },
      () => undefined,
    );
    worker.thread.postMessage({
      id,
      after: range.after,
      through: range.through,
    } satisfies DigestRequest);
  }

  function keepWorkersBusy(): void {
    for (const worker of workers) {
      while (worker.waiting.size < RANGES_QUEUED_PER_WORKER && nextToStart < ranges.length)
        send(worker, ranges[nextToStart++]!);
    }
  }

  /** The digests of range `next`, digesting later ranges here while a worker works on it. */
  async function digestsOf(next: number): Promise<DigestColumns> {
    const range = ranges[next]!;
    const aheadLimit = next + workers.length * RANGES_QUEUED_PER_WORKER + MAX_RANGES_DIGESTED_AHEAD;
    for (;;) {
      keepWorkersBusy();
      const digests = range.digests;
      if (digests !== undefined && !(digests instanceof Promise)) return digests;
      if (digests === undefined) {
        // No worker had room for it (ranges start in order, so it is the next to start).
        nextToStart = next + 1;
        return digestHere(store, range);
      }
      if (nextToStart >= ranges.length || nextToStart >= aheadLimit) return digests;
      const spare = ranges[nextToStart++]!;
      spare.digests = await digestHere(store, spare);
      // A turn of the event loop: the workers' replies (and their next ranges) get through.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  let position = 0n;
  try {
    for (let next = 0; next < ranges.length; next++) {
      const columns = await digestsOf(next);
      ranges[next]!.digests = undefined;
      const failure = forEachDigest(columns, (digest) => verifier.checkDigest(digest));
      if (failure !== null) return { position, failure };
      if (columns.count > 0) position = columns.positions[columns.count - 1]!;
      options.onProgress?.(position);
    }
    return { position };
  } finally {
    await Promise.all(workers.map(stopWorker));
  }
}
