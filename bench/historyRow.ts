/**
 * "Write latency on a pot with 1,000,000 events vs a fresh pot, p99 within 1.5×": the real
 * server over a copy of a 'bigPot' data set (one pot holding the history, a fresh pot beside
 * it). Start the server; time the first contribution to the big pot (its aggregate is cold:
 * no command has touched it in this process); warm up both pots; then per run the same
 * autocannon load (same connections, same duration) on the big pot, then on the fresh pot.
 * The ratio is big p99 ÷ fresh p99 of the same run, median over runs.
 */
import { randomBytes } from 'node:crypto';
import { freePort, startServer } from '../test/e2e/serverProcess.ts';
import { contributionMaker, financeOfficerTokens } from './contributionLoad.ts';
import type { DataSet } from './dataSet.ts';
import { describeStatuses, runLoad, type LoadRequest, type LoadResult } from './httpLoad.ts';
import { cpuProfEnv } from './profile.ts';
import { seededRandom } from './random.ts';
import { metric, type Row } from './report.ts';
import { CHILD_TIMEOUT_MS, repeat, SERVER_ENV, smallerLog, type ProfileDirs } from './rows.ts';

export interface HistoryOptions {
  /** The server's data directory, holding a working copy of the data set as ledger.db. */
  readonly dataDir: string;
  readonly dataSet: DataSet;
  readonly seed: number;
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly runs: number;
  readonly profile: ProfileDirs;
}

interface HistoryRun {
  readonly big: LoadResult;
  readonly fresh: LoadResult;
}

export async function historyLatencyRow(options: HistoryOptions): Promise<Row> {
  const { bigPot, freshPot } = options.dataSet;
  if (bigPot === undefined || freshPot === undefined)
    throw new Error('historyLatencyRow needs a bigPot data set');
  const jwtSecret = randomBytes(32).toString('hex');
  const tokens = financeOfficerTokens(jwtSecret, [
    ...bigPot.partnerAgencyIds,
    ...freshPot.partnerAgencyIds,
  ]);
  const contribution = contributionMaker(tokens, seededRandom(options.seed + 2), 'HISTORY');
  const toBig = contribution(bigPot);
  const toFresh = contribution(freshPot);

  const port = await freePort();
  const server = await startServer({
    port,
    dataDir: options.dataDir,
    jwtSecret,
    env: { ...SERVER_ENV, ...cpuProfEnv(options.profile('historyLatency')) },
    startTimeoutMs: CHILD_TIMEOUT_MS,
    // The sources under tsx, as the profiles (cpuProfEnv) map back to them.
    compiled: false,
  });
  let coldFirstWriteMs: number;
  let results: HistoryRun[];
  try {
    const first = toBig();
    const started = performance.now();
    const answer = await fetch(`${server.baseUrl}${first.path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.token}`, 'content-type': 'application/json' },
      body: first.body,
    });
    await answer.arrayBuffer();
    coldFirstWriteMs = Math.round(performance.now() - started);
    if (!answer.ok) throw new Error(`the first write to the big pot answered ${answer.status}`);
    const load = (next: () => LoadRequest, durationS: number) =>
      runLoad({ baseUrl: server.baseUrl, connections: options.connections, durationS, next });
    process.stderr.write(`  write latency: ${options.warmupS} s warm-up on each pot\n`);
    await load(toBig, options.warmupS);
    await load(toFresh, options.warmupS);
    results = await repeat(options.runs, 'write latency, big pot then fresh pot', async () => ({
      big: await load(toBig, options.durationS),
      fresh: await load(toFresh, options.durationS),
    }));
  } finally {
    await server.stop();
  }
  const bigEvents = options.dataSet.events;
  return {
    id: 'historyLatency',
    ...smallerLog(bigEvents),
    figure: `write p99 on a pot with ${bigEvents.toLocaleString('en-GB')} events in the log vs a fresh pot`,
    metrics: [
      metric(
        'p99 ratio big/fresh',
        '×',
        results.map((r) => Math.round((r.big.p99Ms / r.fresh.p99Ms) * 100) / 100),
        { max: 1.5 },
      ),
      metric(
        'p99 big pot',
        'ms',
        results.map((r) => r.big.p99Ms),
      ),
      metric(
        'p99 fresh pot',
        'ms',
        results.map((r) => r.fresh.p99Ms),
      ),
      metric(
        'rate big pot',
        'commands/s',
        results.map((r) => r.big.perSecond),
      ),
      metric(
        'rate fresh pot',
        'commands/s',
        results.map((r) => r.fresh.perSecond),
      ),
      metric('cold first write, big pot', 'ms', [coldFirstWriteMs]),
    ],
    note:
      `a ${options.dataSet.kind} data set: ${bigEvents.toLocaleString('en-GB')} events, nearly all on one pot (contributions, allocations, outcomes), plus a fresh pot with only its opening and interventions. ` +
      `Start the server (startServer, LEDGER_WRITE_RATE_LIMIT=off); time one contribution to the big pot right after /health (cold aggregate: no command has touched the pot in this process; one figure, no target); ` +
      `warm up ${options.warmupS} s on each pot; then ${options.runs} run(s) of: autocannon ${options.connections} connections for ${options.durationS} s on the big pot, then the same on the fresh pot; ratio = big p99 / fresh p99 of the same run. ` +
      `Each run adds a few thousand events to both pots, so the fresh pot is "fresh" only relatively. autocannon runs on the same machine. ` +
      `Answers big pot: ${describeStatuses(results.map((r) => r.big))}; fresh pot: ${describeStatuses(results.map((r) => r.fresh))}.`,
  };
}
