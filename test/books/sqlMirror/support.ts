/**
 * Shared ground for the read-model suites: a real ledger on a file-backed SQLite store with a
 * scenario that exercises every projection (two pots, two financial years, a partner joining,
 * a retraction and an allocation reversal), the read-model databases under test (SQLite
 * always, PostgreSQL when LEDGER_TEST_PG_URL names a server), and the reporting-job side:
 * plain SQL over the rm_ tables, as docs/reporting.md shows it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe } from 'vitest';
import { ulid } from 'ulid';
import { createLedgerBooks, type LedgerBooks } from '../../../projections/index.ts';
import { foldLog, type FoldLogResult } from '../../../src/books/foldLog.ts';
import type { ReadModelWriter } from '../../../src/books/sqlMirror/readModelWriter.ts';
import {
  READ_MODEL_TABLES,
  CHECKPOINTS_TABLE,
  sqlColumnsOf,
} from '../../../src/books/sqlMirror/tables.ts';
import type { EventStore, RecordedEvent } from '../../../src/store/eventStore.ts';
import { createSqliteEventStore } from '../../../src/store/sqlite/sqliteEventStore.ts';
import {
  createTestLedger,
  essexScenario,
  expectCreated,
  type TestLedger,
} from '../../support/testLedger.ts';

export const PG_URL = process.env.LEDGER_TEST_PG_URL;

// ---------------------------------------------------------------------------------------------
// The ledger and its history

export interface FileLedger {
  readonly dir: string;
  readonly storePath: string;
  readonly storeUrl: string;
  readonly ledger: TestLedger;
  cleanup(): Promise<void>;
}

export interface History {
  readonly potId: string;
  readonly secondPotId: string;
  readonly interventionId: string;
  readonly tokens: Awaited<ReturnType<typeof essexScenario>>['tokens'];
}

/**
 * The real ledger (HTTP app, command handler, runner, books) on a SQLite file in a fresh
 * temporary directory; with `readModels`, the SQL mirror it opens (given where the events are)
 * kept by the ledger itself, as the server keeps it.
 */
export async function fileLedger(
  options: { readModels?: (storePath: string) => Promise<ReadModelWriter> } = {},
): Promise<FileLedger> {
  const dir = mkdtempSync(join(tmpdir(), 'potledger-rm-'));
  const storePath = join(dir, 'ledger.db');
  const readModels = await options.readModels?.(storePath);
  const ledger = await createTestLedger({
    store: createSqliteEventStore(storePath),
    ...(readModels === undefined ? {} : { readModels }),
  });
  return {
    dir,
    storePath,
    storeUrl: `sqlite:${storePath}`,
    ledger,
    async cleanup() {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function fileLedgerWithHistory(): Promise<FileLedger & History> {
  const fl = await fileLedger();
  return { ...fl, ...(await writeHistory(fl.ledger)) };
}

/** Writes the scenario through the API; every projection gets rows, zeros and reversals included. */
export async function writeHistory(ledger: TestLedger): Promise<History> {
  const s = await essexScenario(ledger);
  const { potId, interventionId, tokens } = s;
  const admin = tokens.admin;

  // With a client key: the claim is an event of its own, and the audit trail lists it.
  await expectCreated(
    ledger.post(
      '/v1/agencies',
      admin,
      { agencyId: 'essex-fire', name: 'Essex Fire and Rescue', kind: 'fire' },
      { 'idempotency-key': 'register-essex-fire' },
    ),
  );
  await expectCreated(
    ledger.post(`/v1/pots/${potId}/partners`, admin, { agencyId: 'nhs-mid-essex' }),
  );
  await expectCreated(
    ledger.post(`/v1/pots/${potId}/allocations`, tokens.cc, {
      interventionId,
      amount: '100000.00',
      effectiveDate: '2025-05-01',
      reason: 'Year one delivery',
    }),
  );
  await expectCreated(
    ledger.post(`/v1/pots/${potId}/interventions/${interventionId}/outcomes`, tokens.cc, {
      description: 'Fewer reoffences among the first cohort',
      effectiveDate: '2025-09-30',
      evidenceRef: 'EVAL-2025-1',
      benefits: [
        { agencyId: 'essex-police', amount: '30000.00', cashable: true },
        { agencyId: 'nhs-mid-essex', amount: '20000.00', cashable: false },
        { agencyId: 'essex-cc', amount: '10000.01', cashable: true },
      ],
    }),
  );
  // Counts in 2026-27, then is retracted: its rows must read 0.00, not linger.
  const second = await expectCreated(
    ledger.post(`/v1/pots/${potId}/interventions/${interventionId}/outcomes`, tokens.cc, {
      description: 'Second cohort (double counted)',
      effectiveDate: '2026-05-01',
      benefits: [{ agencyId: 'essex-police', amount: '5000.00', cashable: true }],
    }),
  );
  await expectCreated(
    ledger.post(`/v1/pots/${potId}/reversals`, admin, {
      eventId: second.eventId,
      reason: 'Double counted\nsee EVAL-2',
    }),
  );
  const extra = await expectCreated(
    ledger.post(`/v1/pots/${potId}/allocations`, tokens.cc, {
      interventionId,
      amount: '33333.33',
      effectiveDate: '2026-06-01',
      reason: 'Year two, first tranche',
    }),
  );
  await expectCreated(
    ledger.post(`/v1/pots/${potId}/reversals`, admin, {
      eventId: extra.eventId,
      reason: 'Wrong intervention',
    }),
  );
  await expectCreated(
    ledger.post(`/v1/pots/${potId}/allocations`, tokens.cc, {
      interventionId,
      amount: '0.03',
      effectiveDate: '2026-06-02',
      reason: 'Pennies, split by largest remainder',
    }),
  );

  const second2 = await expectCreated(
    ledger.post('/v1/pots', admin, {
      name: 'Southend Falls Prevention',
      area: 'Southend',
      hostAgencyId: 'nhs-mid-essex',
      partnerAgencyIds: ['essex-cc'],
    }),
  );
  const secondPotId = second2.potId as string;
  await expectCreated(
    ledger.post(`/v1/pots/${secondPotId}/contributions`, tokens.cc, {
      agencyId: 'essex-cc',
      amount: '1234.56',
      effectiveDate: '2026-04-02',
      reference: 'FALLS-1',
    }),
  );
  const falls = await expectCreated(
    ledger.post(`/v1/pots/${secondPotId}/interventions`, admin, {
      name: 'Falls prevention',
      leadAgencyId: 'nhs-mid-essex',
    }),
  );
  await expectCreated(
    ledger.post(`/v1/pots/${secondPotId}/allocations`, admin, {
      interventionId: falls.interventionId,
      amount: '1000.00',
      effectiveDate: '2026-04-03',
      reason: 'Home visits',
    }),
  );
  await expectCreated(
    ledger.post(`/v1/pots/${secondPotId}/interventions/${falls.interventionId}/outcomes`, admin, {
      description: 'Fewer admissions',
      effectiveDate: '2026-07-01',
      benefits: [{ agencyId: 'nhs-mid-essex', amount: '4321.09', cashable: false }],
    }),
  );
  // The second pot is wound up: the council's unallocated 234.56 goes back (the `returned` columns).
  await expectCreated(
    ledger.post(`/v1/pots/${secondPotId}/close`, admin, {
      reason: 'Pilot ended',
      effectiveDate: '2026-08-01',
    }),
  );

  return { potId, secondPotId, interventionId, tokens };
}

export async function readWholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (;;) {
    const batch = await store.readAll(events.at(-1)?.position ?? 0n, 10_000);
    if (batch.length === 0) return events;
    events.push(...batch);
  }
}

/**
 * The ledger's own fold (src/books/foldLog.ts) of the log after `from` through `to` into `books`
 * and the SQL mirror, `batchSize` events a page, each page's transaction waited for: what the
 * server's start-up replay does.
 */
export function foldAndWrite(
  store: EventStore,
  books: LedgerBooks,
  writer: ReadModelWriter,
  range: { readonly from?: bigint; readonly to?: bigint; readonly batchSize: number },
): Promise<FoldLogResult> {
  return foldLog(store, range, { books, sqlMirror: writer });
}

export function freshBooks(): LedgerBooks {
  return createLedgerBooks();
}

// ---------------------------------------------------------------------------------------------
// Read-model databases, from a reporting job's side

export type Dialect = 'sqlite' | 'postgres';

/** A plain connection a reporting job would hold. Write SQL with `?` placeholders. */
export interface ReportingDb {
  readonly dialect: Dialect;
  readonly url: string;
  all(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  exec(sql: string): Promise<void>;
  /** `column` as YYYY-MM-DD text / ISO-8601 UTC text, whatever the dialect stores. */
  dateText(column: string): string;
  timestampText(column: string): string;
  /** Makes the next insert into `table` matching `condition` (SQL over NEW) fail, like a broken disk or a constraint. */
  failInsertsInto(table: string, condition: string): Promise<void>;
  stopFailingInserts(table: string): Promise<void>;
  close(): Promise<void>;
}

export interface ReadModelDbFactory {
  readonly dialect: Dialect;
  /** A fresh, empty database; `sqlitePath` is where a SQLite one goes (the events' own file, say). */
  create(sqlitePath: string): Promise<ReportingDb>;
}

export const sqliteFactory: ReadModelDbFactory = {
  dialect: 'sqlite',
  async create(path) {
    const db = new Database(path, { timeout: 5_000 });
    db.defaultSafeIntegers(true);
    return {
      dialect: 'sqlite',
      url: `sqlite:${path}`,
      async all(sql, params = []) {
        return db.prepare(sql).all(...(params as unknown[])) as Record<string, unknown>[];
      },
      async exec(sql) {
        db.exec(sql);
      },
      dateText: (column) => column,
      timestampText: (column) => column,
      async failInsertsInto(table, condition) {
        db.exec(
          `CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} WHEN ${condition} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
        );
      },
      async stopFailingInserts(table) {
        db.exec(`DROP TRIGGER fail_${table}`);
      },
      async close() {
        db.close();
      },
    };
  },
};

/** Each PostgreSQL read-model database is a throw-away database on the test server, dropped on close. */
export const postgresFactory: ReadModelDbFactory = {
  dialect: 'postgres',
  async create() {
    if (PG_URL === undefined) throw new Error('LEDGER_TEST_PG_URL is not set');
    const name = `potledger_rm_test_${ulid().toLowerCase()}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const placeholders = (sql: string): string => {
      let n = 0;
      return sql.replace(/\?/g, () => `$${++n}`);
    };
    return {
      dialect: 'postgres',
      url: url.toString(),
      async all(sql, params = []) {
        return (await client.query(placeholders(sql), params as unknown[])).rows;
      },
      async exec(sql) {
        await client.query(sql);
      },
      dateText: (column) => `to_char(${column}, 'YYYY-MM-DD')`,
      timestampText: (column) =>
        `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
      async failInsertsInto(table, condition) {
        await client.query(`CREATE FUNCTION fail_${table}() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
        await client.query(
          `CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} FOR EACH ROW WHEN (${condition}) EXECUTE FUNCTION fail_${table}()`,
        );
      },
      async stopFailingInserts(table) {
        await client.query(`DROP TRIGGER fail_${table} ON ${table}`);
        await client.query(`DROP FUNCTION fail_${table}()`);
      },
      async close() {
        await client.end();
        const dropper = new pg.Client({ connectionString: PG_URL });
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await dropper.end();
      },
    };
  },
};

/**
 * `describe` once per read-model database: SQLite always; PostgreSQL when LEDGER_TEST_PG_URL
 * names a server, else the suite is reported as skipped, with the reason in its title.
 */
export function describeEachDb(title: string, body: (factory: ReadModelDbFactory) => void): void {
  for (const factory of [sqliteFactory, postgresFactory]) {
    const name = `${title} in ${factory.dialect}`;
    if (factory === postgresFactory && PG_URL === undefined) {
      describe.skip(`${name} (skipped: LEDGER_TEST_PG_URL is not set, e.g. postgres://postgres@127.0.0.1:5432/postgres)`, () =>
        body(factory));
    } else {
      describe(name, () => body(factory));
    }
  }
}

if (PG_URL === undefined) {
  console.info(
    'read-model suites: PostgreSQL cases skipped — set LEDGER_TEST_PG_URL=postgres://user@host:port/db to run them',
  );
}

/**
 * Every rm_ table in primary-key order, every column as text, checkpoints without updated_at:
 * two snapshots are equal exactly when the tables hold the same rows.
 */
export async function snapshot(
  db: ReportingDb,
  options: { withCheckpoints?: boolean } = {},
): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const table of READ_MODEL_TABLES) {
    const columns = sqlColumnsOf(table).map((column) => {
      const kind = table.columns.find((c) => c.name === column)?.kind;
      if (kind === 'timestamp') return db.timestampText(column);
      if (kind === 'optionalDate') return db.dateText(column);
      return column;
    });
    const rows = await db.all(
      `SELECT ${columns.join(', ')} FROM ${table.name} ORDER BY ${table.primaryKey.join(', ')}`,
    );
    result[table.name] = rows.map((row) =>
      JSON.stringify(Object.values(row).map((v) => (v === null ? null : String(v)))),
    );
  }
  if (options.withCheckpoints !== false) {
    const rows = await db.all(
      `SELECT projection, position FROM ${CHECKPOINTS_TABLE} ORDER BY projection`,
    );
    result[CHECKPOINTS_TABLE] = rows.map(
      (row) => `${String(row.projection)}=${String(row.position)}`,
    );
  }
  return result;
}

export async function checkpointsIn(db: ReportingDb): Promise<Record<string, bigint>> {
  const rows = await db.all(
    `SELECT projection, position FROM ${CHECKPOINTS_TABLE} ORDER BY projection`,
  );
  return Object.fromEntries(
    rows.map((row) => [String(row.projection), BigInt(String(row.position))]),
  );
}
