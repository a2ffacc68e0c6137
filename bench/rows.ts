/**
 * How each row of the table is measured. Every function runs the real thing (the server over
 * loopback, the potledger CLI, the store) `runs` times and answers a Row with medians.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { signToken } from '../src/auth/tokens.ts';
import { createSqliteEventStore } from '../src/store/sqlite/sqliteEventStore.ts';
import type { RecordedEvent } from '../src/store/eventStore.ts';
import { freePort, REPO_ROOT, startServer } from '../test/e2e/serverProcess.ts';
import { cliArgs, runChild, scriptArgs } from './child.ts';
import type { DataSet } from './dataSet.ts';
import { generateLedgerData, type GeneratedPot } from './generate.ts';
import { describeStatuses, runLoad, type LoadRequest, type LoadResult } from './httpLoad.ts';
import { cpuProfEnv, profileHere } from './profile.ts';
import { pick, seededRandom } from './random.ts';
import { compareAppendWithRaw } from './rawInsert.ts';
import { metric, type Row } from './report.ts';

export const CHILD_TIMEOUT_MS = 30 * 60_000;
export const SERVER_ENV = { LEDGER_WRITE_RATE_LIMIT: 'off' };
export const FULL_LOG_EVENTS = 1_000_000;
/** The rows the issue sets on a 1,000,000-event log say so when they ran on less. */
export const smallerLog = (events: number) =>
  events < FULL_LOG_EVENTS ? { smallerLog: events } : {};
const storeEnv = (path: string) => ({
  LEDGER_STORE: `sqlite:${path}`,
  LEDGER_READ_MODELS: `sqlite:${path}`,
});
/** Where a row's processes write their CPU profiles (--profile), by row id; undefined: no profiling. */
export type ProfileDirs = (rowId: string) => string | undefined;

function reportedRate(output: string): number {
  const match = /\((\d+) events\/s\)/.exec(output);
  return match === null ? NaN : Number(match[1]);
}

export async function repeat<T>(
  runs: number,
  label: string,
  once: (run: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  for (let run = 0; run < runs; run++) {
    process.stderr.write(`  ${label}: run ${run + 1}/${runs}\n`);
    results.push(await once(run));
  }
  return results;
}

/** Every projection folded in memory from the whole log, in a child whose peak RSS we read. */
export async function replayRow(
  dbPath: string,
  dataSet: DataSet,
  runs: number,
  profile: ProfileDirs,
): Promise<Row> {
  const results = await repeat(runs, 'replay', async () => {
    const child = await runChild(
      scriptArgs('bench/replayChild.ts'),
      { ...storeEnv(dbPath), ...cpuProfEnv(profile('replay')) },
      CHILD_TIMEOUT_MS,
    );
    if (child.code !== 0) throw new Error(`replayChild failed (${child.code}):\n${child.stderr}`);
    const answer = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
      eventsPerSecond: number;
      peakRssMiB: number;
    };
    return { rate: answer.eventsPerSecond, rss: Math.max(answer.peakRssMiB, child.peakRssMiB) };
  });
  return {
    id: 'replay',
    ...smallerLog(dataSet.events),
    figure: `rebuild of all projections by replay (${dataSet.events.toLocaleString('en-GB')} events)`,
    metrics: [
      metric(
        'rate',
        'events/s',
        results.map((r) => r.rate),
        { min: 200_000 },
      ),
      metric(
        'peak RSS',
        'MiB',
        results.map((r) => r.rss),
        { max: 1024 },
      ),
    ],
    note: 'bench/replayChild.ts in its own process: readAll pages of FOLD_PAGE_EVENTS (1,000) → asLedgerEnvelope → createLedgerBooks().evolve, timed inside the child; peak RSS is VmHWM of the whole child (tsx and the open store included).',
  };
}

export async function verifyRow(
  dbPath: string,
  dataSet: DataSet,
  runs: number,
  profile: ProfileDirs,
): Promise<Row> {
  const results = await repeat(runs, 'potledger verify', async () => {
    const child = await runChild(
      cliArgs('verify'),
      { ...storeEnv(dbPath), ...cpuProfEnv(profile('verify')) },
      CHILD_TIMEOUT_MS,
    );
    if (child.code !== 0)
      throw new Error(`potledger verify failed (${child.code}):\n${child.stdout}${child.stderr}`);
    return { rate: reportedRate(child.stdout), wallS: child.wallMs / 1000 };
  });
  return {
    id: 'verify',
    ...smallerLog(dataSet.events),
    figure: `potledger verify (${dataSet.events.toLocaleString('en-GB')} events)`,
    metrics: [
      metric(
        'rate',
        'events/s',
        results.map((r) => r.rate),
        // Issue 18's row (issue 7 asked 200,000/s of one thread).
        { min: 150_000 },
      ),
      metric(
        'wall',
        's',
        results.map((r) => r.wallS),
      ),
    ],
    note: 'the real CLI (bin/potledger.js verify), its default worker threads (cores − 1) recomputing hashes: every event hash, chain link and the Merkle tree; rate as the CLI reports it (its own timer), wall includes process start and tsx.',
  };
}

export async function sqlRebuildRow(
  dbPath: string,
  dataSet: DataSet,
  runs: number,
  profile: ProfileDirs,
): Promise<Row> {
  const results = await repeat(runs, 'potledger rebuild', async () => {
    const child = await runChild(
      cliArgs('rebuild'),
      { ...storeEnv(dbPath), ...cpuProfEnv(profile('sqlRebuild')) },
      CHILD_TIMEOUT_MS,
    );
    if (child.code !== 0)
      throw new Error(`potledger rebuild failed (${child.code}):\n${child.stdout}${child.stderr}`);
    return { rate: reportedRate(child.stderr), wallS: child.wallMs / 1000, rss: child.peakRssMiB };
  });
  return {
    id: 'sqlRebuild',
    ...smallerLog(dataSet.events),
    figure: `potledger rebuild into SQL read models (${dataSet.events.toLocaleString('en-GB')} events)`,
    metrics: [
      metric(
        'rate',
        'events/s',
        results.map((r) => r.rate),
        { min: 50_000 },
      ),
      metric(
        'wall',
        's',
        results.map((r) => r.wallS),
      ),
      metric(
        'peak RSS',
        'MiB',
        results.map((r) => r.rss),
      ),
    ],
    note: "the real CLI (bin/potledger.js rebuild), SQLite read models in the store file (the default): resets every projection's tables and replays; rate as the CLI reports it.",
  };
}

/** Spawn → GET /health answers 200, as test/e2e/serverProcess.ts startServer does it. */
/** The compiled build, made now if the sources changed since the last one (bin/compiled.js). */
function ensureCompiled(): void {
  const result = spawnSync(process.execPath, ['bin/compiled.js', 'ensure'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error('the compiled build failed (node bin/compiled.js ensure)');
}

async function timeStartup(
  dataDir: string,
  profileDir: string | undefined,
  compiled = false,
): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const server = await startServer({
    compiled,
    port,
    dataDir,
    jwtSecret: randomBytes(32).toString('hex'),
    env: { ...SERVER_ENV, ...cpuProfEnv(profileDir) },
    startTimeoutMs: CHILD_TIMEOUT_MS,
    stopTimeoutMs: CHILD_TIMEOUT_MS,
  });
  const ms = performance.now() - started;
  await server.stop();
  return ms / 1000;
}

export async function startupRow(
  dataDir: string,
  dataSet: DataSet,
  runs: number,
  emptyDir: string,
  profile: ProfileDirs,
): Promise<Row> {
  rmSync(emptyDir, { recursive: true, force: true });
  mkdirSync(emptyDir, { recursive: true });
  const empty = await repeat(1, 'start-up, empty store', () => timeStartup(emptyDir, undefined));
  // What `npm start` and the image run: the compiled build with plain node, no tsx.
  ensureCompiled();
  const emptyCompiled = await repeat(runs, 'start-up, empty store, compiled', () => {
    rmSync(emptyDir, { recursive: true, force: true });
    mkdirSync(emptyDir, { recursive: true });
    return timeStartup(emptyDir, undefined, true);
  });
  // Cold: no books snapshot, so the server folds the whole log (and writes a snapshot as it
  // stops). Then the runs that count: start from that checkpoint and fold only what follows it.
  rmSync(join(dataDir, 'snapshots'), { recursive: true, force: true });
  const cold = await repeat(
    1,
    `start-up, ${dataSet.events} events, no snapshot (full replay)`,
    () => timeStartup(dataDir, undefined),
  );
  const full = await repeat(
    runs,
    `start-up, ${dataSet.events} events, from the books snapshot`,
    () => timeStartup(dataDir, profile('startup')),
  );
  return {
    id: 'startup',
    ...smallerLog(dataSet.events),
    figure: `start-up to healthy with ${dataSet.events.toLocaleString('en-GB')} events`,
    metrics: [
      metric('from snapshot', 's', full, { max: 3 }),
      metric('no snapshot (full replay)', 's', cold),
      metric('empty store', 's', empty),
      metric('empty store, compiled (npm start)', 's', emptyCompiled),
    ],
    note: 'snapshots on (the default, <data dir>/snapshots): the first start has none and folds the whole log, then writes one at SIGTERM; the measured runs start from it. Spawn `node --import tsx src/app/main.ts` (startServer from test/e2e/serverProcess.ts) until GET /health is 200, polled every 150 ms, on the data set after the `potledger rebuild` row (SQL read models at the head); whatever the server does at start-up on that store (replay, checkpoints) is in the figure, and so is the fixed cost of node + tsx, which the empty-store figure shows; the compiled figure is the same empty store started as `npm start` and the image do (`node dist/src/app/main.js`, no tsx).',
  };
}

export async function appendVsRawRows(
  dbPath: string,
  workDir: string,
  sizes: readonly { batchSize: number; rows: number }[],
  runs: number,
  profile: ProfileDirs,
): Promise<Row[]> {
  const store = createSqliteEventStore(dbPath);
  const source: RecordedEvent[] = [];
  const needed = Math.max(...sizes.map((s) => s.rows));
  while (source.length < needed) {
    const page = await store.readAll(source.at(-1)?.position ?? 0n, 10_000);
    if (page.length === 0) break;
    source.push(...page);
  }
  await store.close();
  mkdirSync(workDir, { recursive: true });
  const rows: Row[] = [];
  for (const { batchSize, rows: count } of sizes) {
    const id = `appendVsRaw${batchSize}`;
    const results = await repeat(runs, `append vs raw, batch ${batchSize}`, () =>
      profileHere(profile(id), id, () =>
        compareAppendWithRaw(source.slice(0, count), batchSize, workDir),
      ),
    );
    rows.push({
      id,
      figure: `append path vs raw better-sqlite3, batches of ${batchSize}`,
      metrics: [
        metric(
          'ratio',
          '× raw',
          results.map((r) => r.ratio),
          { min: 0.5 },
        ),
        metric(
          'append',
          'rows/s',
          results.map((r) => r.appendRowsPerSecond),
        ),
        metric(
          'raw',
          'rows/s',
          results.map((r) => r.rawRowsPerSecond),
        ),
      ],
      note: `${results[0]?.rows ?? 0} events of the data set: SqliteEventStore.append (one call per batch, a new stream each) vs a prepared INSERT of the same rows into the same schema (WAL, synchronous=FULL), one transaction per batch, in this process (in --profile mode profiled through the inspector, raw inserts included).`,
    });
  }
  return rows;
}

export interface HttpOptions {
  readonly dataDir: string;
  readonly seed: number;
  readonly pots: number;
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly runs: number;
  readonly profile: ProfileDirs;
}

/**
 * Contributions over HTTP, `connections` connections: spread over every pot, then all on one
 * hot pot, each row on its own server process (so each has its own profile) over the same store.
 */
export async function httpRows(options: HttpOptions): Promise<Row[]> {
  rmSync(options.dataDir, { recursive: true, force: true });
  mkdirSync(options.dataDir, { recursive: true });
  const store = createSqliteEventStore(join(options.dataDir, 'ledger.db'));
  const data = await generateLedgerData({
    store,
    seed: options.seed,
    pots: options.pots,
    events: 0,
  });
  await store.close();
  const jwtSecret = randomBytes(32).toString('hex');
  const tokens = new Map<string, string>();
  for (const agency of data.agencies)
    tokens.set(
      agency.agencyId,
      signToken(jwtSecret, {
        sub: `bench-${agency.agencyId}`,
        role: 'finance-officer',
        agency: agency.agencyId,
      }),
    );
  const random = seededRandom(options.seed + 1);
  let n = 0;
  const contribution = (pot: GeneratedPot): LoadRequest => {
    const agencyId = pick(random, pot.partnerAgencyIds);
    n += 1;
    return {
      path: `/v1/pots/${pot.potId}/contributions`,
      token: tokens.get(agencyId)!,
      body: JSON.stringify({
        agencyId,
        amount: `${100 + (n % 900)}.00`,
        effectiveDate: '2025-06-30',
        reference: `LOAD-${n}`,
      }),
    };
  };
  const onServer = async (
    id: string,
    label: string,
    next: () => LoadRequest,
  ): Promise<LoadResult[]> => {
    const port = await freePort();
    const server = await startServer({
      port,
      dataDir: options.dataDir,
      jwtSecret,
      env: { ...SERVER_ENV, ...cpuProfEnv(options.profile(id)) },
      startTimeoutMs: CHILD_TIMEOUT_MS,
    });
    try {
      process.stderr.write(`  ${label}: ${options.warmupS} s warm-up\n`);
      await runLoad({
        baseUrl: server.baseUrl,
        connections: options.connections,
        durationS: options.warmupS,
        next,
      });
      return await repeat(options.runs, label, () =>
        runLoad({
          baseUrl: server.baseUrl,
          connections: options.connections,
          durationS: options.durationS,
          next,
          serverPid: server.pid,
        }),
      );
    } finally {
      await server.stop();
    }
  };
  const mixed = await onServer('httpMixed', 'HTTP contributions, mixed pots', () =>
    contribution(pick(random, data.pots)),
  );
  const hotPot = data.pots[0]!;
  const hot = await onServer('httpHot', 'HTTP contributions, one hot pot', () =>
    contribution(hotPot),
  );
  const common =
    `autocannon ${options.connections} connections, closed loop, ${options.durationS} s per run after a ${options.warmupS} s warm-up on a freshly started server; ` +
    'finance-officer tokens, POST /v1/pots/:potId/contributions, each request its own body and reference (no Idempotency-Key); ' +
    'server from startServer (test/e2e/serverProcess.ts) with LEDGER_WRITE_RATE_LIMIT=off, SQLite WAL synchronous=FULL; ' +
    'rate = 2xx answers / run time. autocannon runs in the bench process ON THE SAME 2-CORE MACHINE as the server (its CPU share is a metric)';
  const rowFor = (
    id: string,
    figure: string,
    results: LoadResult[],
    rateTarget: number,
    p99Target: number | undefined,
    what: string,
  ): Row => ({
    id,
    figure,
    metrics: [
      metric(
        'rate',
        'commands/s',
        results.map((r) => r.perSecond),
        { min: rateTarget },
      ),
      metric(
        'p50',
        'ms',
        results.map((r) => r.p50Ms),
      ),
      metric(
        'p99',
        'ms',
        results.map((r) => r.p99Ms),
        p99Target === undefined ? undefined : { max: p99Target },
      ),
      metric(
        'load generator CPU',
        '% of a core',
        results.map((r) => r.generatorCpuPercent),
      ),
      metric(
        'server CPU per command',
        'ms',
        results.map((r) => r.serverCpuMsPerCommand),
      ),
    ],
    note: `${common}; ${what}; server CPU per command = the server process's user + system time over the run (/proc) / 2xx answers. Answers: ${describeStatuses(results)}.`,
  });
  return [
    rowFor(
      'httpMixed',
      `HTTP contributions, ${options.connections} connections, mixed pots`,
      mixed,
      3_000,
      50,
      `each request to one of ${data.pots.length} pots at random`,
    ),
    rowFor(
      'httpHot',
      `HTTP contributions, ${options.connections} connections, one hot pot`,
      hot,
      2_000,
      undefined,
      'every request to the same pot',
    ),
  ];
}
