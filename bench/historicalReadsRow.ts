/**
 * Issue 13, item 1: "historical reads freeze the whole server". Live write p99 on an idle server
 * vs the same write load while HISTORICAL_READERS clients keep historical reads in flight
 * (GET /v1/pots?asAt=…&atPosition=… and the big pot's statement, every one a different point so
 * none is answered from the cache). The real server over a copy of the 'bigPot' data set; the
 * writes go to the fresh pot, the history is the big pot's.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { signToken } from '../src/auth/tokens.ts';
import { MAX_CONCURRENT_HISTORICAL_FOLDS, MAX_HISTORICAL_QUEUE } from '../src/books/historyPool.ts';
import { createSqliteEventStore } from '../src/store/sqlite/sqliteEventStore.ts';
import { freePort, startServer } from '../test/e2e/serverProcess.ts';
import { contributionMaker, financeOfficerTokens } from './contributionLoad.ts';
import type { DataSet } from './dataSet.ts';
import { describeStatuses, runLoad, type LoadResult } from './httpLoad.ts';
import { cpuProfEnv } from './profile.ts';
import { seededRandom } from './random.ts';
import { metric, type Row } from './report.ts';
import { CHILD_TIMEOUT_MS, repeat, SERVER_ENV, smallerLog, type ProfileDirs } from './rows.ts';

/** Clients each keeping one historical read in flight: the issue's attack used 30. */
export const HISTORICAL_READERS = 30;
/** A reader refused 503 waits this long before asking again (a polite client honours Retry-After; this one is impatient). */
const REFUSED_PAUSE_MS = 200;
/** The bound this row holds the server to: live write p99 under historical load at most this many times the idle p99. */
export const MAX_P99_RATIO_UNDER_HISTORY = 3;
/** Issue 18's bound on one historical answer (asAt mid-history), p99, asked alone. */
export const MAX_HISTORICAL_ANSWER_P99_MS = 500;
/** Historical reads asked one after another per run, each a new point, to time an answer alone. */
const SOLO_HISTORICAL_READS = 20;

export interface HistoricalReadsOptions {
  readonly dataDir: string;
  readonly dataSet: DataSet;
  readonly seed: number;
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly runs: number;
  readonly profile: ProfileDirs;
}

interface HistoricalTally {
  readonly statuses: Map<string, number>;
  answered: number;
  /** How long each answered (200) read took, queueing in the gate included. */
  readonly answerMs: number[];
}

/** The q-quantile (0..1) of `values` by nearest rank; NaN when there are none. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

async function timedGet(
  baseUrl: string,
  token: string,
  url: string,
): Promise<{ status: string; ms: number }> {
  const startedAt = performance.now();
  try {
    const response = await fetch(`${baseUrl}${url}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.arrayBuffer();
    return { status: String(response.status), ms: performance.now() - startedAt };
  } catch {
    return { status: 'errors', ms: performance.now() - startedAt };
  }
}

/** HISTORICAL_READERS closed loops of historical GETs until `stop` is set. */
async function historicalLoad(
  baseUrl: string,
  token: string,
  urls: () => string,
  tally: HistoricalTally,
  stop: { now: boolean },
): Promise<void> {
  const reader = async () => {
    while (!stop.now) {
      const { status, ms } = await timedGet(baseUrl, token, urls());
      tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
      if (status === '200') {
        tally.answered += 1;
        tally.answerMs.push(ms);
      } else await new Promise((resolve) => setTimeout(resolve, REFUSED_PAUSE_MS));
    }
  };
  await Promise.all(Array.from({ length: HISTORICAL_READERS }, reader));
}

export async function historicalReadsRow(options: HistoricalReadsOptions): Promise<Row> {
  const { bigPot, freshPot } = options.dataSet;
  if (bigPot === undefined || freshPot === undefined)
    throw new Error('historicalReadsRow needs a bigPot data set');
  const store = createSqliteEventStore(join(options.dataDir, 'ledger.db'));
  const head = await store.headPosition();
  await store.close();

  const jwtSecret = randomBytes(32).toString('hex');
  const reporter = signToken(jwtSecret, { sub: 'bench-reporter', role: 'reporter' });
  const tokens = financeOfficerTokens(jwtSecret, freshPot.partnerAgencyIds);
  const write = contributionMaker(tokens, seededRandom(options.seed + 3), 'HISTORICAL')(freshPot);
  let asked = 0;
  // A different point every time (atPosition walks back from the head): no answer comes from the cache.
  const historicalUrl = (): string => {
    asked += 1;
    const atPosition = head - BigInt(asked % Number(head > 1_000n ? 1_000n : head));
    if (asked % 3 === 0)
      return `/v1/pots/${bigPot.potId}/statement?financialYear=2025-26&atPosition=${atPosition}`;
    const month = String(1 + (asked % 12)).padStart(2, '0');
    return `/v1/pots?asAt=2025-${month}-15&atPosition=${atPosition}`;
  };

  // asAt in the middle of the big pot's history (its effective dates run through 2025-26 as the
  // log grows), up to a different position each time: what issue 18's row times.
  let soloAsked = 0;
  const midHistoryUrl = (): string => {
    soloAsked += 1;
    const atPosition = head - BigInt((soloAsked * 7) % Number(head > 1_000n ? 1_000n : head));
    return `/v1/pots?asAt=2025-10-01&atPosition=${atPosition}`;
  };

  const port = await freePort();
  const server = await startServer({
    port,
    dataDir: options.dataDir,
    jwtSecret,
    env: { ...SERVER_ENV, ...cpuProfEnv(options.profile('historicalReads')) },
    startTimeoutMs: CHILD_TIMEOUT_MS,
    stopTimeoutMs: CHILD_TIMEOUT_MS,
    // The sources under tsx, as the profiles (cpuProfEnv) map back to them.
    compiled: false,
  });
  const load = (durationS: number) =>
    runLoad({ baseUrl: server.baseUrl, connections: options.connections, durationS, next: write });
  let results: Array<{
    idle: LoadResult;
    loaded: LoadResult;
    historical: HistoricalTally;
    healthMs: number;
    soloMs: number[];
    soloStatuses: string[];
  }>;
  try {
    process.stderr.write(`  historical reads: ${options.warmupS} s warm-up\n`);
    await load(options.warmupS);
    results = await repeat(
      options.runs,
      `write load idle, then with ${HISTORICAL_READERS} historical readers`,
      async () => {
        const idle = await load(options.durationS);
        const historical: HistoricalTally = { statuses: new Map(), answered: 0, answerMs: [] };
        const stop = { now: false };
        const readers = historicalLoad(server.baseUrl, reporter, historicalUrl, historical, stop);
        // Let the historical readers fill the gate before the writes are timed.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const healthStarted = performance.now();
        await (await fetch(`${server.baseUrl}/health`)).arrayBuffer();
        const healthMs = Math.round(performance.now() - healthStarted);
        const loaded = await load(options.durationS);
        stop.now = true;
        await readers;
        const soloMs: number[] = [];
        const soloStatuses: string[] = [];
        for (let i = 0; i < SOLO_HISTORICAL_READS; i++) {
          const { status, ms } = await timedGet(server.baseUrl, reporter, midHistoryUrl());
          soloStatuses.push(status);
          if (status === '200') soloMs.push(ms);
        }
        return { idle, loaded, historical, healthMs, soloMs, soloStatuses };
      },
    );
  } finally {
    await server.stop();
  }
  const historicalStatuses = new Map<string, number>();
  for (const r of results)
    for (const [s, k] of r.historical.statuses)
      historicalStatuses.set(s, (historicalStatuses.get(s) ?? 0) + k);
  return {
    id: 'historicalReads',
    ...smallerLog(options.dataSet.events),
    figure: `live write p99, idle vs ${HISTORICAL_READERS} parallel historical reads (${options.dataSet.events.toLocaleString('en-GB')} events)`,
    metrics: [
      metric(
        'p99 ratio loaded/idle',
        '×',
        results.map((r) => Math.round((r.loaded.p99Ms / r.idle.p99Ms) * 100) / 100),
        { max: MAX_P99_RATIO_UNDER_HISTORY },
      ),
      metric(
        'write p99 idle',
        'ms',
        results.map((r) => r.idle.p99Ms),
      ),
      metric(
        'write p99 under historical reads',
        'ms',
        results.map((r) => r.loaded.p99Ms),
      ),
      metric(
        'write max under historical reads',
        'ms',
        results.map((r) => r.loaded.maxMs),
      ),
      metric(
        'write rate idle',
        'commands/s',
        results.map((r) => r.idle.perSecond),
      ),
      metric(
        'write rate under historical reads',
        'commands/s',
        results.map((r) => r.loaded.perSecond),
      ),
      metric(
        '/health under historical reads',
        'ms',
        results.map((r) => r.healthMs),
      ),
      metric(
        'historical answer alone (asAt mid-history) p50',
        'ms',
        results.map((r) => Math.round(quantile(r.soloMs, 0.5))),
      ),
      metric(
        'historical answer alone (asAt mid-history) p99',
        'ms',
        results.map((r) => Math.round(quantile(r.soloMs, 0.99))),
        { max: MAX_HISTORICAL_ANSWER_P99_MS },
      ),
      metric(
        'historical answer under the readers p50 (gate queue included)',
        'ms',
        results.map((r) => Math.round(quantile(r.historical.answerMs, 0.5))),
      ),
      metric(
        'historical answer under the readers p99 (gate queue included)',
        'ms',
        results.map((r) => Math.round(quantile(r.historical.answerMs, 0.99))),
      ),
      metric(
        'historical answers',
        '/s',
        results.map(
          (r) => Math.round((r.historical.answered / (options.durationS + 0.5)) * 10) / 10,
        ),
      ),
    ],
    note:
      `a ${options.dataSet.kind} data set (${options.dataSet.events.toLocaleString('en-GB')} events, nearly all on one pot); server from startServer with LEDGER_WRITE_RATE_LIMIT=off. ` +
      `Per run: autocannon ${options.connections} connections for ${options.durationS} s of contributions to the fresh pot on the idle server; then ${HISTORICAL_READERS} closed-loop clients each keep one historical GET in flight ` +
      `(two in three GET /v1/pots?asAt=…&atPosition=…, one in three the big pot's statement at an atPosition; every one a new point, never cached; a 503 waits ${REFUSED_PAUSE_MS} ms), 0.5 s to fill the gate, one timed GET /health, and the same write load again; then, with no other load, ${SOLO_HISTORICAL_READS} GET /v1/pots?asAt=2025-10-01&atPosition=… one after another, each a new position near the head, timed alone. ` +
      `The gate admits ${MAX_CONCURRENT_HISTORICAL_FOLDS} worker-thread folds and ${MAX_HISTORICAL_QUEUE} waiting; the rest are 503 HISTORY_BUSY. Load generators run in the bench process on the same machine. ` +
      `Writes idle: ${describeStatuses(results.map((r) => r.idle))}; under history: ${describeStatuses(results.map((r) => r.loaded))}; historical: ${[...historicalStatuses].map(([s, k]) => `${k} × ${s}`).join(', ')}; alone: ${results.flatMap((r) => r.soloStatuses).filter((s) => s === '200').length} of ${results.length * SOLO_HISTORICAL_READS} answered 200.`,
  };
}
