/**
 * `npm run bench [-- --quick] [-- --events N] [-- --big-pot-events N] [-- --seed N] [-- --runs N]
 * [-- --time-budget S] [-- --profile] [-- --rows id,id]`: measures the rows of issue 7's performance table on this
 * machine and prints measured vs target; the same goes to .bench/results.json. --quick (under a
 * minute once its data sets are cached) uses small data sets and fewer, shorter runs. --profile
 * runs every process of every row under --cpu-prof (.bench/profiles/<row>/) and prints each
 * row's top functions by self time.
 */
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../test/e2e/serverProcess.ts';
import { prepareDataSet, workingCopy, type DataSet } from './dataSet.ts';
import { historicalReadsRow } from './historicalReadsRow.ts';
import { historyLatencyRow } from './historyRow.ts';
import { POSTGRES_ROW_ID, postgresWritesRow } from './postgresWritesRow.ts';
import { describeMachine } from './machine.ts';
import { memoryRow } from './memoryRow.ts';
import { profileDir, resetProfiles, summariseProfileDir, type Profiling } from './profile.ts';
import { formatTable, writeJson, type Report, type Row } from './report.ts';
import {
  appendVsRawRows,
  FULL_LOG_EVENTS,
  httpRows,
  replayRow,
  sqlRebuildRow,
  startupRow,
  verifyRow,
  type ProfileDirs,
} from './rows.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    events: { type: 'string' },
    'big-pot-events': { type: 'string' },
    seed: { type: 'string', default: '7' },
    runs: { type: 'string' },
    'time-budget': { type: 'string' },
    profile: { type: 'boolean', default: false },
    rows: { type: 'string' },
    out: { type: 'string', default: join(REPO_ROOT, '.bench', 'results.json') },
  },
});

const whole = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.replace(/_/g, '')))
    throw new Error(`--${name} must be a whole number, got ${text}`);
  return Number(text.replace(/_/g, ''));
};

const quick = values.quick;
const events = whole('events', values.events, quick ? 10_000 : FULL_LOG_EVENTS);
const settings = {
  events,
  bigPotEvents: whole('big-pot-events', values['big-pot-events'], quick ? 10_000 : events),
  seed: whole('seed', values.seed, 7),
  runs: whole('runs', values.runs, quick ? 2 : 3),
  // Per data set. Generation stops after this long and says so; a set cut short is made again
  // by a later run with a larger budget. A million events through the command path takes
  // minutes (one fsync per transaction; fewer with group commit).
  timeBudgetMs: whole('time-budget', values['time-budget'], quick ? 120 : 3_600) * 1000,
  http: quick ? { durationS: 2, warmupS: 1, pots: 32 } : { durationS: 10, warmupS: 2, pots: 64 },
  history: quick
    ? { connections: 16, durationS: 2, warmupS: 1 }
    : { connections: 16, durationS: 10, warmupS: 2 },
  appendSizes: quick
    ? [
        { batchSize: 1, rows: 300 },
        { batchSize: 100, rows: 5_000 },
      ]
    : [
        { batchSize: 1, rows: 2_000 },
        { batchSize: 100, rows: 50_000 },
      ],
};

const startedAt = new Date();
const benchRoot = join(REPO_ROOT, '.bench');
const machine = describeMachine();
process.stderr.write(
  `potledger bench (${quick ? 'quick' : 'full'}${values.profile ? ', PROFILED' : ''}): ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}\n`,
);

const profiling: Profiling | undefined = values.profile
  ? { root: join(benchRoot, 'profiles') }
  : undefined;
if (profiling !== undefined) resetProfiles(profiling);
const profile: ProfileDirs = (rowId) =>
  profiling === undefined ? undefined : profileDir(profiling, rowId);

const describeSet = (dataSet: DataSet) =>
  process.stderr.write(
    `${dataSet.kind} data set: ${dataSet.events.toLocaleString('en-GB')} events, ${dataSet.pots} pots, ${dataSet.agencies} agencies` +
      (dataSet.reused
        ? ' (reused from an earlier run)'
        : ` (generated in ${dataSet.generatedInS} s, ${dataSet.commandsPerSecond} commands/s)`) +
      '\n',
  );
const dataRoot = join(benchRoot, 'data');
const mixed = await prepareDataSet({
  root: dataRoot,
  kind: 'mixed',
  seed: settings.seed,
  events: settings.events,
  timeBudgetMs: settings.timeBudgetMs,
});
describeSet(mixed);
// Only the write-latency row needs this set: if it cannot be made, that row says why and the
// others still run.
let bigPot: DataSet | Error;
try {
  bigPot = await prepareDataSet({
    root: dataRoot,
    kind: 'bigPot',
    seed: settings.seed,
    events: settings.bigPotEvents,
    timeBudgetMs: settings.timeBudgetMs,
  });
  describeSet(bigPot);
} catch (error) {
  bigPot = error as Error;
  process.stderr.write(`the bigPot data set could not be made: ${bigPot.message}\n`);
}

const workDir = join(benchRoot, 'work');
const dbPath = workingCopy(mixed, join(workDir, 'log'));

const rows: Row[] = [];
/** --rows httpMixed,startup: measure only the groups holding these rows (ids as in ORDER below). */
const onlyRows =
  values.rows === undefined ? undefined : new Set(values.rows.split(',').map((id) => id.trim()));
/** A row that fails is reported as such, with why; the others still run. */
async function measure(
  ids: readonly string[],
  figure: string,
  run: () => Promise<Row | Row[]>,
): Promise<void> {
  if (onlyRows !== undefined && !ids.some((id) => onlyRows.has(id))) return;
  let measured: Row[];
  const rowStartedAt = performance.now();
  try {
    const answer = await run();
    measured = Array.isArray(answer) ? answer : [answer];
  } catch (error) {
    process.stderr.write(`  ${figure} FAILED: ${(error as Error).message.slice(0, 2_000)}\n`);
    measured = ids.map((id) => ({
      id,
      figure,
      metrics: [],
      note: '',
      notMeasured: `failed: ${(error as Error).message.split('\n')[0]}`,
    }));
  }
  process.stderr.write(
    `  ${figure}: ${Math.round((performance.now() - rowStartedAt) / 100) / 10} s\n`,
  );
  for (const row of measured) {
    const dir = profile(row.id);
    rows.push(dir === undefined ? row : { ...row, profile: summariseProfileDir(dir) });
  }
}
await measure(['httpMixed', 'httpHot'], 'HTTP contributions', () =>
  httpRows({
    dataDir: join(workDir, 'http'),
    seed: settings.seed,
    connections: 64,
    runs: settings.runs,
    profile,
    ...settings.http,
  }),
);
await measure([POSTGRES_ROW_ID], 'HTTP contributions, PostgreSQL store', () =>
  postgresWritesRow({
    dataDir: join(workDir, 'httpPostgres'),
    seed: settings.seed,
    connections: 64,
    runs: settings.runs,
    profile,
    durationS: settings.http.durationS,
    warmupS: settings.http.warmupS,
  }),
);
await measure(['historyLatency'], 'write p99 on a big pot vs a fresh pot', () => {
  if (bigPot instanceof Error)
    throw new Error(
      `no bigPot data set (${settings.bigPotEvents} events asked for): ${bigPot.message}`,
    );
  const historyDir = join(workDir, 'history');
  workingCopy(bigPot, historyDir);
  return historyLatencyRow({
    dataDir: historyDir,
    dataSet: bigPot,
    seed: settings.seed,
    runs: settings.runs,
    profile,
    ...settings.history,
  });
});
await measure(['historicalReads'], 'live write p99 under parallel historical reads', () => {
  if (bigPot instanceof Error)
    throw new Error(
      `no bigPot data set (${settings.bigPotEvents} events asked for): ${bigPot.message}`,
    );
  const historicalDir = join(workDir, 'historical');
  workingCopy(bigPot, historicalDir);
  return historicalReadsRow({
    dataDir: historicalDir,
    dataSet: bigPot,
    seed: settings.seed,
    runs: settings.runs,
    profile,
    ...settings.history,
  });
});
await measure(['replay'], 'rebuild of all projections by replay', () =>
  replayRow(dbPath, mixed, settings.runs, profile),
);
await measure(['verify'], 'potledger verify', () =>
  verifyRow(dbPath, mixed, settings.runs, profile),
);
await measure(['sqlRebuild'], 'potledger rebuild into SQL read models', () =>
  sqlRebuildRow(dbPath, mixed, settings.runs, profile),
);
await measure(['startup'], 'start-up to healthy', () =>
  startupRow(join(workDir, 'log'), mixed, settings.runs, join(workDir, 'empty'), profile),
);
await measure(['memory'], 'resident memory', () =>
  memoryRow({
    dataDir: dirname(workingCopy(mixed, join(workDir, 'memory'))),
    dataSet: mixed,
    seed: settings.seed,
    runs: settings.runs,
  }),
);
await measure(['appendVsRaw1', 'appendVsRaw100'], 'append path vs raw better-sqlite3', () =>
  appendVsRawRows(dbPath, join(workDir, 'inserts'), settings.appendSizes, settings.runs, profile),
);

const ORDER = [
  'httpMixed',
  'httpHot',
  POSTGRES_ROW_ID,
  'historyLatency',
  'historicalReads',
  'replay',
  'sqlRebuild',
  'startup',
  'memory',
  'verify',
  'appendVsRaw1',
  'appendVsRaw100',
];
rows.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));

function dataSetSummary(dataSet: DataSet): Record<string, unknown> {
  const short = dataSet.events < FULL_LOG_EVENTS;
  return {
    events: dataSet.events,
    requested: dataSet.requestedEvents,
    pots: dataSet.pots,
    agencies: dataSet.agencies,
    seed: dataSet.seed,
    ...(dataSet.reused
      ? { reused: true }
      : { generatedInS: dataSet.generatedInS, commandsPerSecond: dataSet.commandsPerSecond }),
    ...(short
      ? {
          note: dataSet.stoppedByTimeBudget
            ? `FEWER THAN THE ISSUE'S 1,000,000 EVENTS: generation stopped by its ${dataSet.timeBudgetMs / 1000} s budget`
            : `fewer than the issue's 1,000,000 events (${quick ? '--quick' : 'asked for'}): its rows are measured on this smaller log and say so`,
        }
      : {}),
  };
}

const report: Report = {
  startedAt: startedAt.toISOString(),
  mode: quick ? 'quick' : 'full',
  profiled: profiling !== undefined,
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  machine,
  dataSets: {
    mixed: dataSetSummary(mixed),
    bigPot: bigPot instanceof Error ? { failed: bigPot.message } : dataSetSummary(bigPot),
  },
  rows,
  durationS: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
};
process.stdout.write(`\n${formatTable(report)}\n`);
writeJson(values.out!, report);
process.stdout.write(`results written to ${values.out}\n`);
