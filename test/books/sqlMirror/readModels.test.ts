/**
 * The SQL read models say what the API says. The writer is kept by the ledger itself (its
 * readModels option: the fold in src/books/foldLog.ts hands each batch and the books to it), the
 * scenario is written through the HTTP API, and then every answer a reporting job might want is
 * rebuilt from plain SELECTs and compared with the API's.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openReadModelWriter,
  resolveReadModelsUrl,
} from '../../../src/books/sqlMirror/openReadModels.ts';
import type { ReadModelWriter } from '../../../src/books/sqlMirror/readModelWriter.ts';
import {
  CHECKPOINTS_TABLE,
  READ_MODEL_PROJECTIONS,
  READ_MODEL_TABLES,
  SCHEMA_VERSION_TABLE,
  sqlColumnsOf,
} from '../../../src/books/sqlMirror/tables.ts';
import {
  agenciesFromSql,
  auditFromSql,
  balancesFromSql,
  flowsFromSql,
  potsFromSql,
} from './reporting.ts';
import {
  checkpointsIn,
  fileLedger,
  fileLedgerWithHistory,
  foldAndWrite,
  freshBooks,
  describeEachDb,
  snapshot,
  writeHistory,
  type ReportingDb,
} from './support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describeEachDb('read models', (factory) => {
  it('kept live behind the books, the tables give exactly the API answers', async () => {
    const errors: unknown[] = [];
    let db: ReportingDb | undefined;
    let writer: ReadModelWriter | undefined;
    const fl = await fileLedger({
      readModels: async (storePath) => {
        // SQLite: the events' own file, as in production.
        db = await factory.create(storePath);
        cleanups.push(() => db!.close());
        writer = await openReadModelWriter(db.url, { onError: (error) => errors.push(error) });
        return writer;
      },
    });
    // Closes the ledger, and with it the writer, before the database goes.
    cleanups.push(fl.cleanup);

    const history = await writeHistory(fl.ledger);
    const head = await fl.ledger.store.headPosition();
    expect(await fl.ledger.runner.waitFor(head)).toBe(true);
    await writer!.flush();

    expect(errors).toEqual([]);
    expect(Object.fromEntries(writer!.checkpoints())).toEqual(
      Object.fromEntries(READ_MODEL_PROJECTIONS.map((p) => [p, head])),
    );
    expect(await checkpointsIn(db!)).toEqual(
      Object.fromEntries(READ_MODEL_PROJECTIONS.map((p) => [p, head])),
    );
    await expectSqlMatchesApi(db!, fl.ledger, history);
  });

  it('replayed in batches of any size, the tables come out the same', async () => {
    const fl = await fileLedgerWithHistory();
    cleanups.push(fl.cleanup);
    const snapshots = [];
    for (const batchSize of [1, 7, 10_000]) {
      const db = await factory.create(`${fl.dir}/read-models-${batchSize}.db`);
      cleanups.push(() => db.close());
      const writer = await openReadModelWriter(db.url);
      await foldAndWrite(fl.ledger.store, freshBooks(), writer, { batchSize });
      await writer.close();
      await expectSqlMatchesApi(db, fl.ledger, fl);
      snapshots.push(await snapshot(db));
    }
    expect(snapshots[1]).toEqual(snapshots[0]);
    expect(snapshots[2]).toEqual(snapshots[0]);
  });

  it('the tables and columns are the ones the descriptors (and so the docs) name', async () => {
    const fl = await fileLedger();
    cleanups.push(fl.cleanup);
    const db = await factory.create(`${fl.dir}/schema.db`);
    cleanups.push(() => db.close());
    const writer = await openReadModelWriter(db.url);
    await writer.close();
    for (const table of READ_MODEL_TABLES) {
      const columns =
        db.dialect === 'sqlite'
          ? (await db.all(`SELECT name FROM pragma_table_info('${table.name}') ORDER BY cid`)).map(
              (r) => String(r.name),
            )
          : (
              await db.all(
                `SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position`,
                [table.name],
              )
            ).map((r) => String(r.column_name));
      expect(columns, table.name).toEqual(sqlColumnsOf(table));
    }
    // Opening again migrates nothing and keeps the checkpoints.
    const again = await openReadModelWriter(db.url);
    expect(Object.fromEntries(again.checkpoints())).toEqual(
      Object.fromEntries(READ_MODEL_PROJECTIONS.map((p) => [p, 0n])),
    );
    await again.close();
    // One row per schema version (v1 to v4): opening again added none.
    expect(await db.all('SELECT version FROM rm_schema_version')).toHaveLength(4);
  });
});

describe('docs/reporting.md (SQL read models)', () => {
  it('documents every table and every column a reporting job can SELECT', () => {
    const docs = readFileSync(new URL('../../../docs/reporting.md', import.meta.url), 'utf8');
    for (const table of [
      ...READ_MODEL_TABLES.map((t) => t.name),
      CHECKPOINTS_TABLE,
      SCHEMA_VERSION_TABLE,
    ])
      expect(docs).toContain(`\`${table}\``);
    for (const table of READ_MODEL_TABLES) {
      for (const column of sqlColumnsOf(table))
        expect(docs, `${table.name}.${column}`).toContain(`\`${column}\``);
    }
    for (const projection of READ_MODEL_PROJECTIONS) expect(docs).toContain(projection);
  });
});

describe('where the read models live (LEDGER_READ_MODELS)', () => {
  it('defaults to the events’ own SQLite file or PostgreSQL database, and to none for EventStoreDB', () => {
    expect(resolveReadModelsUrl('sqlite:/data/ledger.db', {})).toBe('sqlite:/data/ledger.db');
    expect(resolveReadModelsUrl('postgres://u@h/db', {})).toBe('postgres://u@h/db');
    expect(resolveReadModelsUrl('esdb://h:2113', {})).toBeNull();
    expect(resolveReadModelsUrl('sqlite::memory:', {})).toBeNull();
  });

  it('a configured URL wins; "off" turns them off; anything else is refused', () => {
    expect(
      resolveReadModelsUrl('esdb://h:2113', { LEDGER_READ_MODELS: 'postgres://u@h/reports' }),
    ).toBe('postgres://u@h/reports');
    expect(
      resolveReadModelsUrl('esdb://h:2113', { LEDGER_READ_MODELS: 'sqlite:/data/reports.db' }),
    ).toBe('sqlite:/data/reports.db');
    expect(
      resolveReadModelsUrl('sqlite:/data/ledger.db', { LEDGER_READ_MODELS: 'off' }),
    ).toBeNull();
    expect(() =>
      resolveReadModelsUrl('esdb://h', { LEDGER_READ_MODELS: 'mysql://u:secret@h/db' }),
    ).toThrow(/LEDGER_READ_MODELS must be/);
    expect(() =>
      resolveReadModelsUrl('esdb://h', { LEDGER_READ_MODELS: 'mysql://u:secret@h/db' }),
    ).not.toThrow(/secret/);
    expect(() =>
      resolveReadModelsUrl('esdb://h', { LEDGER_READ_MODELS: 'sqlite::memory:' }),
    ).toThrow(/LEDGER_READ_MODELS must be/);
  });
});

/** Every read the API offers, from the API and from SQL, must agree. */
async function expectSqlMatchesApi(
  db: ReportingDb,
  ledger: Awaited<ReturnType<typeof fileLedger>>['ledger'],
  history: { potId: string; secondPotId: string; tokens: { reporter: string; auditor: string } },
): Promise<void> {
  const get = async (url: string, token: string) => {
    const res = await ledger.get(url, token);
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    return res.json();
  };
  const { reporter, auditor } = history.tokens;

  const agencies = (await get('/v1/agencies', reporter)).agencies as { agencyId: string }[];
  expect(agencies.length).toBeGreaterThan(4);
  expect(await agenciesFromSql(db)).toEqual(agencies);

  const pots = (await get('/v1/pots', reporter)).pots as Record<string, unknown>[];
  expect(pots).toHaveLength(2);
  // The pot's controls (threshold, pending approvals, closed years) and agreed contributions (issue 5) are in the API only, not yet in SQL;
  // so is `redacted`, which says what of the pending approvals a reporter is not shown.
  const moneyOf = ({
    approvalThreshold: _t,
    pendingApprovals: _p,
    closedFinancialYears: _y,
    agreedContributions: _a,
    redacted: _r,
    ...rest
  }: Record<string, unknown>) => rest;
  expect(await potsFromSql(db)).toEqual(pots.map(moneyOf));

  // netFiscalPositionOnMoneySpent (netFiscalPosition + stake) and its note are the API's words
  // on two figures the tables hold, not columns of their own.
  const tableFigures = ({
    netFiscalPositionOnMoneySpent: _spent,
    netFiscalPositionNote: _note,
    ...rest
  }: Record<string, unknown>) => rest;
  for (const { agencyId } of agencies) {
    const api = await get(`/v1/agencies/${agencyId}/balances`, reporter);
    expect(await balancesFromSql(db, agencyId), agencyId).toEqual({
      ...api,
      total: tableFigures(api.total),
      pots: api.pots.map(tableFigures),
    });
  }

  const scopes: { potId?: string; financialYear?: string }[] = [
    {},
    { potId: history.potId },
    { potId: history.secondPotId },
    { financialYear: '2025-26' },
    { financialYear: '2026-27' },
    { potId: history.potId, financialYear: '2026-27' },
  ];
  for (const scope of scopes) {
    const query = new URLSearchParams(scope as Record<string, string>).toString();
    // The tables hold the figures (by the same year rule); the prior-period labels are the API's.
    const { priorPeriodAdjustments: _labels, ...api } = await get(`/v1/flows?${query}`, reporter);
    expect(await flowsFromSql(db, scope), query).toEqual(api);
  }
  // The scenario's figures are not all trivial: rows net to zero after the retraction, pennies split.
  const all = await get('/v1/flows', reporter);
  expect(all.rows.length).toBeGreaterThan(3);

  const audit = await get('/v1/audit?limit=1000', auditor);
  expect(audit.nextCursor).toBeNull();
  const sorted = (entries: { agencyIds: string[] }[]) =>
    entries.map((e) => ({ ...e, agencyIds: [...e.agencyIds].sort() }));
  const sqlAudit = await auditFromSql(db);
  expect(sqlAudit).toHaveLength(Number(await ledger.store.headPosition()));
  expect(sorted(sqlAudit as never)).toEqual(sorted(audit.entries));
}
