/**
 * The gate every historical answer goes through (the books asAt / atPosition, a pot's
 * statement): bounded, timed, and off the event loop, so a burst of them never stalls live
 * traffic (issue 13: thirty parallel asAt reads once held /health for forty seconds, because the
 * SQLite store reads synchronously and a fold never gave the event loop a turn).
 *
 * - At most MAX_CONCURRENT_HISTORICAL_FOLDS jobs run at once, each in a worker thread of its
 *   own with its own reading connection to the log (historyWorker.ts): the main thread only
 *   decodes the answer. Where no other thread can reach the log (an in-memory database,
 *   EventStoreDB) a job runs on the main thread instead, giving the event loop a turn every
 *   MAIN_THREAD_FOLD_SLICE_MS.
 * - At most MAX_HISTORICAL_QUEUE more wait, in arrival order; beyond that a request is refused
 *   at once, 503 HISTORY_BUSY with Retry-After: waiting longer would only pile up memory.
 * - Each job has a time budget, from the moment it is asked for (queueing included): past it
 *   the request answers 503 HISTORY_TIMEOUT and the work is abandoned (a queued job is dropped,
 *   a worker stops at its next turn and keeps its books waypoints, or is terminated and
 *   replaced when it does not stop within WORKER_ABANDON_GRACE_MS; a main-thread fold stops at
 *   its next turn).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ProjectionName, SomeProjections } from '../../projections/index.ts';
import type { PotStatement } from '../../projections/potStatement.ts';
import { createWaypointKeepers } from './booksWaypoints.ts';
import { runHistoryJob, type HistoryJob, type HistoryJobSource } from './historyFold.ts';
import type {
  HistoryAbandon,
  HistoryReply,
  HistoryRequest,
  HistoryWorkerData,
} from './historyWorker.ts';
import { LedgerError } from './ledgerError.ts';
import { decodeState } from './snapshots/stateCodec.ts';
import { StoreUnavailableError, type ReaderLocation } from '../store/eventStore.ts';

/**
 * Historical jobs running at once (worker threads, when the log can be reached from one): one
 * core is left to the live API, and never more than 2. On the 2-core benchmark machine one
 * worker answered as many historical reads as two (9.4/s vs 10/s) while live writes kept a
 * p99 of 30.5 ms instead of 43.5 ms (docs/performance.md).
 */
export const MAX_CONCURRENT_HISTORICAL_FOLDS = Math.max(1, Math.min(2, availableParallelism() - 1));
/** Historical jobs waiting for a turn; one more is refused HISTORY_BUSY. */
export const MAX_HISTORICAL_QUEUE = 16;
/** Time budget of one historical request, queueing included (LEDGER_HISTORY_BUDGET_MS). */
export const DEFAULT_HISTORY_BUDGET_MS = 15_000;
/** Retry-After on a HISTORY_BUSY or HISTORY_TIMEOUT answer. */
export const HISTORY_RETRY_AFTER_SECONDS = 5;
/** Main-thread folds (no worker possible) give the event loop a turn this often. */
export const MAIN_THREAD_FOLD_SLICE_MS = 5;
/** How long a worker asked to abandon a job has to stop before it is terminated. */
export const WORKER_ABANDON_GRACE_MS = 2_000;
/** Events per read of a main-thread fold: a synchronous store reads a page in one go. */
export const MAIN_THREAD_READ_BATCH_EVENTS = 500;

export type HistoryPoolSource = HistoryJobSource & {
  readonly readerLocation?: ReaderLocation | undefined;
};

export interface HistoryPoolOptions {
  readonly source: HistoryPoolSource;
  readonly budgetMs?: number;
  /** Events per read (tests use small pages); the store's maximum when absent. */
  readonly batchSize?: number;
}

/** What a job answers on the main thread: the books decoded, ready to read. */
export type HistoryAnswer =
  | {
      readonly kind: 'books';
      /** The projections the job named, and only those. */
      readonly projections: Partial<SomeProjections<ProjectionName>>;
      readonly position: bigint;
      readonly eventsFolded: number;
      /** Where the fold started: a books waypoint's position, or 0n (the start of the log). */
      readonly startedAfter: bigint;
    }
  | { readonly kind: 'statement'; readonly statement: PotStatement | null };

interface Executor {
  readonly where: 'worker' | 'main-thread';
  execute(job: HistoryJob, signal: AbortSignal): Promise<HistoryAnswer>;
  close(): Promise<void>;
}

interface Task {
  readonly job: HistoryJob;
  readonly controller: AbortController;
  readonly resolve: (answer: HistoryAnswer) => void;
  readonly reject: (error: unknown) => void;
  started: boolean;
  settled: boolean;
  timer?: NodeJS.Timeout;
}

export function createHistoryPool(options: HistoryPoolOptions) {
  const budgetMs = options.budgetMs ?? DEFAULT_HISTORY_BUDGET_MS;
  const location = options.source.readerLocation;
  const executor =
    location === undefined
      ? mainThreadExecutor(options.source, options.batchSize)
      : workerExecutor(location, options.batchSize);
  const waiting: Task[] = [];
  let running = 0;
  let accepted = 0;
  let closed = false;

  function settle(task: Task, outcome: { answer: HistoryAnswer } | { error: unknown }): void {
    if (task.settled) return;
    task.settled = true;
    clearTimeout(task.timer);
    if ('answer' in outcome) task.resolve(outcome.answer);
    else task.reject(outcome.error);
  }

  function start(task: Task): void {
    running += 1;
    task.started = true;
    executor
      .execute(task.job, task.controller.signal)
      .then(
        (answer) => settle(task, { answer }),
        (error: unknown) => settle(task, { error }),
      )
      // The slot frees only once the work has really stopped, abandoned or not.
      .finally(() => {
        running -= 1;
        const next = waiting.shift();
        if (next !== undefined) start(next);
      });
  }

  function expire(task: Task): void {
    settle(task, {
      error: new LedgerError(
        'HISTORY_TIMEOUT',
        `the historical answer took longer than its budget of ${budgetMs} ms and was abandoned; ask again later, or for a point whose answer is cached`,
        HISTORY_RETRY_AFTER_SECONDS,
      ),
    });
    if (task.started) task.controller.abort(new Error('history budget exceeded'));
    else waiting.splice(waiting.indexOf(task), 1);
  }

  return {
    /** Where jobs run: worker threads, or the main thread in slices. */
    where: executor.where,

    /** Runs one job through the gate; refuses HISTORY_BUSY at once when the queue is full. */
    run(job: HistoryJob): Promise<HistoryAnswer> {
      if (closed)
        return Promise.reject(
          new LedgerError(
            'HISTORY_BUSY',
            'the server is shutting down',
            HISTORY_RETRY_AFTER_SECONDS,
          ),
        );
      if (running >= MAX_CONCURRENT_HISTORICAL_FOLDS && waiting.length >= MAX_HISTORICAL_QUEUE) {
        return Promise.reject(
          new LedgerError(
            'HISTORY_BUSY',
            `${MAX_CONCURRENT_HISTORICAL_FOLDS} historical answers are being built and ${MAX_HISTORICAL_QUEUE} more are waiting; ask again later`,
            HISTORY_RETRY_AFTER_SECONDS,
          ),
        );
      }
      accepted += 1;
      return new Promise<HistoryAnswer>((resolve, reject) => {
        const task: Task = {
          job,
          controller: new AbortController(),
          resolve,
          reject,
          started: false,
          settled: false,
        };
        task.timer = setTimeout(() => expire(task), budgetMs);
        if (running < MAX_CONCURRENT_HISTORICAL_FOLDS) start(task);
        else waiting.push(task);
      });
    },

    /** Jobs running and waiting now, and accepted since start: for tests and operators. */
    load(): { readonly running: number; readonly waiting: number; readonly accepted: number } {
      return { running, waiting: waiting.length, accepted };
    },

    async close(): Promise<void> {
      closed = true;
      for (const task of waiting.splice(0))
        settle(task, {
          error: new LedgerError(
            'HISTORY_BUSY',
            'the server is shutting down',
            HISTORY_RETRY_AFTER_SECONDS,
          ),
        });
      await executor.close();
    },
  };
}

export type HistoryPool = ReturnType<typeof createHistoryPool>;

/** No other thread can reach the log: fold here, a slice at a time. */
function mainThreadExecutor(source: HistoryJobSource, batchSize: number | undefined): Executor {
  const waypoints = createWaypointKeepers();
  return {
    where: 'main-thread',
    async execute(job, signal) {
      const pace = { sliceMs: MAIN_THREAD_FOLD_SLICE_MS, signal };
      const pageSize = batchSize ?? MAIN_THREAD_READ_BATCH_EVENTS;
      return runHistoryJob(source, job, pageSize, pace, waypoints);
    },
    async close() {},
  };
}

/**
 * The projections of a worker's answer, each decoded the first time a route reads it: decoding
 * is main-thread work (tens of ms for the audit trail of a long log), and a route reads one or two.
 */
function decodeOnRead(
  encoded: Readonly<Record<string, Uint8Array>>,
): Partial<SomeProjections<ProjectionName>> {
  const projections = {};
  for (const [name, bytes] of Object.entries(encoded)) {
    let decoded: { readonly state: unknown } | undefined;
    Object.defineProperty(projections, name, {
      enumerable: true,
      get: () => (decoded ??= { state: decodeState(bytes) }).state,
    });
  }
  return projections;
}

/** True when this module runs compiled (dist/, `npm run build`) rather than under tsx. */
const COMPILED = import.meta.url.endsWith('.js');

/** One worker thread per running job, kept for the next one; a worker abandoned mid-job is terminated. */
function workerExecutor(location: ReaderLocation, batchSize: number | undefined): Executor {
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  let nextId = 0;

  function discard(worker: Worker): void {
    all.delete(worker);
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  }

  function spawn(): Worker {
    const workerData: HistoryWorkerData = {
      entry: new URL(`./historyWorker.${COMPILED ? 'js' : 'ts'}`, import.meta.url).href,
      location,
      ...(batchSize === undefined ? {} : { batchSize }),
    };
    // Compiled (dist/), the worker is plain JavaScript; from the sources it boots tsx first.
    const worker = new Worker(
      COMPILED ? new URL(workerData.entry) : new URL('./historyWorkerBoot.mjs', import.meta.url),
      { workerData },
    );
    // A worker that fails between jobs is dropped; the next job starts a new one.
    worker.on('error', () => discard(worker));
    worker.on('exit', () => discard(worker));
    // An idle worker must not keep a finished process (a CLI, a test) alive.
    worker.unref();
    all.add(worker);
    return worker;
  }

  return {
    where: 'worker',
    execute(job, signal) {
      const worker = idle.pop() ?? spawn();
      const id = (nextId += 1);
      return new Promise<HistoryAnswer>((resolve, reject) => {
        let grace: NodeJS.Timeout | undefined;
        const done = (): void => {
          clearTimeout(grace);
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          signal.removeEventListener('abort', onAbort);
        };
        const onMessage = (reply: HistoryReply): void => {
          if (reply.id !== id) return;
          done();
          idle.push(worker);
          if (!reply.ok)
            reject(
              reply.unavailableReason === undefined
                ? new Error(`historical fold failed in its worker: ${reply.message}`)
                : new StoreUnavailableError(reply.unavailableReason),
            );
          else if (reply.kind === 'statement')
            resolve({ kind: 'statement', statement: reply.statement as PotStatement | null });
          else
            resolve({
              kind: 'books',
              projections: decodeOnRead(reply.projections),
              position: reply.position,
              eventsFolded: reply.eventsFolded,
              startedAfter: reply.startedAfter,
            });
        };
        const onError = (error: Error): void => {
          done();
          reject(error);
        };
        const onExit = (code: number): void => {
          done();
          reject(
            new Error(`a historical-fold worker stopped (exit code ${code}) before it answered`),
          );
        };
        const onAbort = (): void => {
          // Asked to stop at its next turn, the worker keeps its books waypoints; one that does
          // not answer within WORKER_ABANDON_GRACE_MS is terminated. Either way the slot frees
          // only once the work has stopped.
          signal.removeEventListener('abort', onAbort);
          worker.off('message', onMessage);
          const onStopped = (reply: HistoryReply): void => {
            if (reply.id !== id) return;
            done();
            worker.off('message', onStopped);
            idle.push(worker);
            reject(signal.reason);
          };
          grace = setTimeout(() => {
            worker.off('message', onStopped);
            done();
            discard(worker);
            void worker.terminate().then(
              () => reject(signal.reason),
              () => reject(signal.reason),
            );
          }, WORKER_ABANDON_GRACE_MS);
          worker.on('message', onStopped);
          const abandon: HistoryAbandon = { abandon: id };
          worker.postMessage(abandon);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        signal.addEventListener('abort', onAbort, { once: true });
        const request: HistoryRequest = { id, job };
        worker.postMessage(request);
      });
    },
    async close() {
      await Promise.all([...all].map((worker) => worker.terminate()));
      all.clear();
      idle.length = 0;
    },
  };
}
