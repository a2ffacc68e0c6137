/**
 * `npm run bench [-- --quick] [-- --events N] [-- --seed N] [-- --runs N]`: measures the rows of
 * issue 7's performance table on this machine and prints measured vs target; the same goes to
 * .bench/results.json. --quick (under a minute) uses a small data set and fewer, shorter runs.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../test/e2e/serverProcess.ts';
import { prepareDataSet, workingCopy } from './dataSet.ts';
import { describeMachine } from './machine.ts';
import { formatTable, writeJson, type Report, type Row } from './report.ts';
import { appendVsRawRows, historyLatencyRow, httpRows, replayRow, sqlRebuildRow, startupRow, verifyRow } from './rows.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    events: { type: 'string' },
    seed: { type: 'string', default: '7' },
    runs: { type: 'string' },
    'time-budget': { type: 'string' },
    out: { type: 'string', default: join(REPO_ROOT, '.bench', 'results.json') },
  },
});

const whole = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.replace(/_/g, ''))) throw new Error(`--${name} must be a whole number, got ${text}`);
  return Number(text.replace(/_/g, ''));
};

const quick = values.quick;
const FULL_EVENTS = 1_000_000;
const settings = {
  events: whole('events', values.events, quick ? 10_000 : FULL_EVENTS),
  seed: whole('seed', values.seed, 7),
  runs: whole('runs', values.runs, quick ? 2 : 3),
  // Full mode stops generating after this long and says so: the command path writes a few
  // thousand events a second here, so a million would take far more than a few minutes.
  timeBudgetMs: whole('time-budget', values['time-budget'], quick ? 60 : 240) * 1000,
  http: quick ? { durationMs: 3_000, warmupMs: 500, pots: 32 } : { durationMs: 10_000, warmupMs: 2_000, pots: 64 },
  appendSizes: quick
    ? [{ batchSize: 1, rows: 300 }, { batchSize: 100, rows: 5_000 }]
    : [{ batchSize: 1, rows: 2_000 }, { batchSize: 100, rows: 50_000 }],
};

const startedAt = new Date();
const benchRoot = join(REPO_ROOT, '.bench');
const machine = describeMachine();
process.stderr.write(`potledger bench (${quick ? 'quick' : 'full'}): ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}\n`);

const dataSet = await prepareDataSet({ root: join(benchRoot, 'data'), seed: settings.seed, events: settings.events, timeBudgetMs: settings.timeBudgetMs });
process.stderr.write(
  `data set: ${dataSet.events.toLocaleString('en-GB')} events, ${dataSet.pots} pots, ${dataSet.agencies} agencies` +
    (dataSet.reused ? ' (reused from an earlier run)' : ` (generated in ${dataSet.generatedInS} s, ${dataSet.commandsPerSecond} commands/s)`) +
    '\n',
);
const workDir = join(benchRoot, 'work');
const dbPath = workingCopy(dataSet, join(workDir, 'log'));

const rows: Row[] = [];
/** A row that fails is reported as such; the others still run. */
async function measure(ids: readonly string[], figure: string, run: () => Promise<Row | Row[]>): Promise<void> {
  try {
    const measured = await run();
    rows.push(...(Array.isArray(measured) ? measured : [measured]));
  } catch (error) {
    process.stderr.write(`  ${figure} FAILED: ${(error as Error).message.slice(0, 2_000)}\n`);
    for (const id of ids) rows.push({ id, figure, metrics: [], note: '', notMeasured: `failed: ${(error as Error).message.split('\n')[0]}` });
  }
}
await measure(['replay'], 'rebuild of all projections by replay', () => replayRow(dbPath, dataSet, settings.runs));
await measure(['verify'], 'potledger verify', () => verifyRow(dbPath, dataSet, settings.runs));
await measure(['sqlRebuild'], 'potledger rebuild into SQL read models', () => sqlRebuildRow(dbPath, dataSet, settings.runs));
await measure(['startup'], 'start-up to healthy', () => startupRow(join(workDir, 'log'), dataSet, settings.runs, join(workDir, 'empty')));
await measure(['appendVsRaw1', 'appendVsRaw100'], 'append path vs raw better-sqlite3', () =>
  appendVsRawRows(dbPath, join(workDir, 'inserts'), settings.appendSizes, settings.runs),
);
await measure(['httpMixed', 'httpHot'], 'HTTP contributions', () =>
  httpRows({ dataDir: join(workDir, 'http'), seed: settings.seed, connections: 64, runs: settings.runs, ...settings.http }),
);
rows.push(historyLatencyRow);

const ORDER = ['httpMixed', 'httpHot', 'historyLatency', 'replay', 'sqlRebuild', 'startup', 'verify', 'appendVsRaw1', 'appendVsRaw100'];
rows.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));

const shortOfTarget = dataSet.events < FULL_EVENTS;
const report: Report = {
  startedAt: startedAt.toISOString(),
  mode: quick ? 'quick' : 'full',
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  machine,
  dataSet: {
    events: dataSet.events,
    requested: dataSet.requestedEvents,
    pots: dataSet.pots,
    agencies: dataSet.agencies,
    seed: dataSet.seed,
    ...(shortOfTarget
      ? {
          note: dataSet.stoppedByTimeBudget
            ? `FEWER THAN THE ISSUE'S 1,000,000 EVENTS: generation stopped by its ${settings.timeBudgetMs / 1000} s budget`
            : `fewer than the issue's 1,000,000 events (${quick ? '--quick' : '--events'}): the 1,000,000-event rows are measured on this smaller log`,
        }
      : {}),
  },
  rows,
  durationS: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
};
process.stdout.write(`\n${formatTable(report)}\n`);
writeJson(values.out!, report);
process.stdout.write(`results written to ${values.out}\n`);
