/**
 * Issue 18's PostgreSQL row: durable contributions over HTTP, 64 connections over 8 pots, on a
 * server whose event store (and SQL read models, by default the same database) is PostgreSQL.
 * Needs LEDGER_BENCH_PG_URL (a server where the user may CREATE DATABASE); without it the row
 * says why it was not measured. Each run of the row works in a throw-away database.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import pg from 'pg';
import { ulid } from 'ulid';
import { createPostgresEventStore } from '../src/store/postgres/postgresEventStore.ts';
import { freePort, startServer } from '../test/e2e/serverProcess.ts';
import { contributionMaker, financeOfficerTokens } from './contributionLoad.ts';
import { generateLedgerData } from './generate.ts';
import { describeStatuses, runLoad, type LoadResult } from './httpLoad.ts';
import { cpuProfEnv } from './profile.ts';
import { pick, seededRandom } from './random.ts';
import { metric, type Row } from './report.ts';
import { CHILD_TIMEOUT_MS, repeat, SERVER_ENV, type ProfileDirs } from './rows.ts';

export const BENCH_PG_URL_ENV = 'LEDGER_BENCH_PG_URL';
export const POSTGRES_ROW_ID = 'httpPostgres';
/** Issue 18: "64 connections, durable contributions over 8 pots". */
export const POSTGRES_ROW_POTS = 8;
const RATE_TARGET_PER_S = 2_000;
const P99_TARGET_MS = 100;
const FIGURE = 'HTTP contributions, PostgreSQL store';

export interface PostgresWritesOptions {
  readonly dataDir: string;
  readonly seed: number;
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly runs: number;
  readonly profile: ProfileDirs;
}

export async function postgresWritesRow(options: PostgresWritesOptions): Promise<Row> {
  const serverUrl = process.env[BENCH_PG_URL_ENV]?.trim();
  if (serverUrl === undefined || serverUrl === '') {
    const reason = `${BENCH_PG_URL_ENV} is not set (e.g. ${BENCH_PG_URL_ENV}=postgres://postgres@127.0.0.1:5432/postgres)`;
    process.stderr.write(`  ${FIGURE}: SKIPPED, ${reason}\n`);
    return { id: POSTGRES_ROW_ID, figure: FIGURE, metrics: [], note: '', notMeasured: reason };
  }
  rmSync(options.dataDir, { recursive: true, force: true });
  mkdirSync(options.dataDir, { recursive: true });
  const databaseName = `potledger_bench_${ulid().toLowerCase()}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${databaseName}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  const databaseUrl = url.toString();
  try {
    const store = await createPostgresEventStore(databaseUrl);
    const data = await generateLedgerData({
      store,
      seed: options.seed,
      pots: POSTGRES_ROW_POTS,
      events: 0,
    }).finally(() => store.close());
    const jwtSecret = randomBytes(32).toString('hex');
    const tokens = financeOfficerTokens(
      jwtSecret,
      data.agencies.map((a) => a.agencyId),
    );
    const random = seededRandom(options.seed + 2);
    const contributionTo = contributionMaker(tokens, random, 'PG-LOAD');
    const next = () => contributionTo(pick(random, data.pots))();
    const results = await onServer(options, jwtSecret, databaseUrl, next);
    return {
      id: POSTGRES_ROW_ID,
      figure: `${FIGURE}, ${options.connections} connections, ${POSTGRES_ROW_POTS} pots`,
      metrics: [
        metric(
          'rate',
          'commands/s',
          results.map((r) => r.perSecond),
          { min: RATE_TARGET_PER_S },
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
          { max: P99_TARGET_MS },
        ),
        metric(
          'load generator CPU',
          '% of a core',
          results.map((r) => r.generatorCpuPercent),
        ),
      ],
      note:
        `autocannon ${options.connections} connections, closed loop, ${options.durationS} s per run after a ${options.warmupS} s warm-up on a freshly started server; ` +
        `finance-officer tokens, POST /v1/pots/:potId/contributions to one of ${POSTGRES_ROW_POTS} pots at random, each its own body and reference; ` +
        `LEDGER_STORE=${redacted(serverUrl)} (a throw-away database; SQL read models in the same database), LEDGER_WRITE_RATE_LIMIT=off, the server's own PostgreSQL settings (synchronous_commit as configured); ` +
        `rate = 2xx answers / run time. PostgreSQL, the server and autocannon share THIS MACHINE's cores. Answers: ${describeStatuses(results)}.`,
    };
  } finally {
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  }
}

async function onServer(
  options: PostgresWritesOptions,
  jwtSecret: string,
  databaseUrl: string,
  next: Parameters<typeof runLoad>[0]['next'],
): Promise<LoadResult[]> {
  const port = await freePort();
  const server = await startServer({
    port,
    dataDir: options.dataDir,
    jwtSecret,
    env: {
      ...SERVER_ENV,
      LEDGER_STORE: databaseUrl,
      ...cpuProfEnv(options.profile(POSTGRES_ROW_ID)),
    },
    startTimeoutMs: CHILD_TIMEOUT_MS,
    // The sources under tsx, as the profiles (cpuProfEnv) map back to them.
    compiled: false,
  });
  try {
    const load = (durationS: number) =>
      runLoad({ baseUrl: server.baseUrl, connections: options.connections, durationS, next });
    process.stderr.write(`  ${FIGURE}: ${options.warmupS} s warm-up\n`);
    await load(options.warmupS);
    return await repeat(options.runs, FIGURE, () => load(options.durationS));
  } finally {
    await server.stop();
  }
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return `${parsed.protocol}//${parsed.username}${parsed.password === '' ? '' : ':***'}@${parsed.host}/<throw-away database>`;
}
