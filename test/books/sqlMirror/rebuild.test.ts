/**
 * `potledger rebuild [--projection NAME]`: whatever has happened to the tables (rows deleted,
 * changed, invented), a rebuild puts back exactly what the log says; --projection touches only
 * that projection's tables and checkpoint; an unknown name is refused before anything is touched.
 */
import { PassThrough } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { rebuildReadModels, registerRebuildCommand } from '../../../src/cli/rebuild.ts';
import { openReadModelWriter } from '../../../src/books/sqlMirror/openReadModels.ts';
import {
  READ_MODEL_PROJECTIONS,
  UnknownProjectionError,
} from '../../../src/books/sqlMirror/tables.ts';
import {
  fileLedger,
  fileLedgerWithHistory,
  foldAndWrite,
  freshBooks,
  describeEachDb,
  readWholeLog,
  snapshot,
  type ReadModelDbFactory,
} from './support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A stream that keeps what is written to it; a terminal or not. */
function capture(
  isTTY: boolean,
): PassThrough & { isTTY: boolean; columns: number; text(): string } {
  const stream = new PassThrough() as PassThrough & {
    isTTY: boolean;
    columns: number;
    text(): string;
  };
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  stream.isTTY = isTTY;
  stream.columns = 120;
  stream.text = () => text;
  return stream;
}

const SUMMARY_LINE =
  /^rebuilt (.+) in (.+): (\d+) events in \d+\.\d s \(\d+ events\/s\), checkpoint (\d+)$/m;

async function setUp(factory: ReadModelDbFactory) {
  const fl = await fileLedgerWithHistory();
  cleanups.push(fl.cleanup);
  const events = await readWholeLog(fl.ledger.store);
  const db = await factory.create(fl.storePath);
  cleanups.push(() => db.close());
  const writer = await openReadModelWriter(db.url);
  await foldAndWrite(fl.ledger.store, freshBooks(), writer, { batchSize: 10 });
  await writer.close();
  const checkpointTimes = async () =>
    Object.fromEntries(
      (
        await db.all(
          `SELECT projection, ${db.timestampText('updated_at')} AS updated_at FROM rm_checkpoints`,
        )
      ).map((r) => [String(r.projection), String(r.updated_at)]),
    );
  return { fl, events, db, good: await snapshot(db), checkpointTimes };
}

async function corrupt(db: Awaited<ReturnType<typeof setUp>>['db']): Promise<void> {
  await db.exec(`UPDATE rm_pots SET contributed = '1.00', contributed_pence = 100`);
  await db.exec('DELETE FROM rm_pot_partners WHERE partner_order = 0');
  await db.exec('DELETE FROM rm_audit_trail WHERE position > 5');
  await db.exec(
    `INSERT INTO rm_benefit_flows VALUES ('01ARZ3NDEKTSV4RRFFQ69G5FAV', '01ARZ3NDEKTSV4RRFFQ69G5FAV', '2030-31', 'a', 'b', '9.99', 999, '0.00', 0)`,
  );
  await db.exec(`UPDATE rm_agency_pot_balances SET stake = '0.00', stake_pence = 0`);
  await db.exec(`UPDATE rm_checkpoints SET position = 3`);
}

describeEachDb('potledger rebuild', (factory) => {
  it('puts back rows deleted, changed or invented by hand, identical to a clean write', async () => {
    const { fl, events, db, good } = await setUp(factory);
    await corrupt(db);
    expect(await snapshot(db)).not.toEqual(good);

    const stream = capture(false);
    const result = await rebuildReadModels({
      storeUrl: fl.storeUrl,
      readModelsUrl: db.url,
      stream,
      batchEvents: 7,
    });

    expect(await snapshot(db)).toEqual(good);
    expect(result).toMatchObject({
      projections: READ_MODEL_PROJECTIONS,
      events: events.length,
      position: events.at(-1)!.position,
    });
    const summary = SUMMARY_LINE.exec(stream.text());
    expect(summary, stream.text()).not.toBeNull();
    expect(summary![1]).toBe(READ_MODEL_PROJECTIONS.join(', '));
    expect(summary![3]).toBe(String(events.length));
    expect(summary![4]).toBe(String(events.at(-1)!.position));
    expect(summary![2]).not.toMatch(/:[^/@]*@/); // no password in the output
  });

  it('--projection NAME empties and rewrites only that projection, and moves only its checkpoint', async () => {
    const { fl, events, db, good, checkpointTimes } = await setUp(factory);
    await corrupt(db);
    const corrupted = await snapshot(db);
    const timesBefore = await checkpointTimes();
    await new Promise((resolve) => setTimeout(resolve, 5)); // so a moved updated_at differs

    const result = await rebuildReadModels({
      storeUrl: fl.storeUrl,
      readModelsUrl: db.url,
      projection: 'potSummary',
      stream: capture(false),
    });
    expect(result.projections).toEqual(['potSummary']);

    const after = await snapshot(db);
    for (const table of ['rm_pots', 'rm_pot_partners', 'rm_interventions'])
      expect(after[table], table).toEqual(good[table]);
    for (const table of ['rm_audit_trail', 'rm_benefit_flows', 'rm_agency_pot_balances'])
      expect(after[table], table).toEqual(corrupted[table]);
    const head = events.at(-1)!.position;
    expect(after.rm_checkpoints).toEqual(
      READ_MODEL_PROJECTIONS.map((p) => `${p}=${p === 'potSummary' ? head : 3n}`).sort(),
    );
    const timesAfter = await checkpointTimes();
    for (const projection of READ_MODEL_PROJECTIONS) {
      if (projection === 'potSummary')
        expect(timesAfter[projection]).not.toBe(timesBefore[projection]);
      else expect(timesAfter[projection], projection).toBe(timesBefore[projection]);
    }
  });

  it('an unknown projection name is refused with the list of names, before anything is touched', async () => {
    const { fl, db, good } = await setUp(factory);
    const attempt = rebuildReadModels({
      storeUrl: fl.storeUrl,
      readModelsUrl: db.url,
      projection: 'potsummary',
      stream: capture(false),
    });
    await expect(attempt).rejects.toThrow(UnknownProjectionError);
    await expect(attempt).rejects.toThrow(
      `unknown projection "potsummary"; the projections are: ${READ_MODEL_PROJECTIONS.join(', ')}`,
    );
    expect(await snapshot(db)).toEqual(good);
  });

  it('an interrupted rebuild leaves consistent tables at a lower checkpoint; the next one completes them', async () => {
    const { fl, events, db, good } = await setUp(factory);
    const failAt = events[Math.floor(events.length / 2)]!.position;
    await db.failInsertsInto('rm_audit_trail', `NEW.position = ${failAt}`);
    await expect(
      rebuildReadModels({
        storeUrl: fl.storeUrl,
        readModelsUrl: db.url,
        stream: capture(false),
        batchEvents: 4,
      }),
    ).rejects.toThrow(/injected failure/);
    const [{ position }] = (await db.all(
      `SELECT position FROM rm_checkpoints WHERE projection = 'auditTrail'`,
    )) as [{ position: unknown }];
    expect(BigInt(String(position))).toBeLessThan(failAt);
    const [{ last }] = (await db.all('SELECT MAX(position) AS last FROM rm_audit_trail')) as [
      { last: unknown },
    ];
    expect(String(last)).toBe(String(position));

    await db.stopFailingInserts('rm_audit_trail');
    await rebuildReadModels({
      storeUrl: fl.storeUrl,
      readModelsUrl: db.url,
      stream: capture(false),
    });
    expect(await snapshot(db)).toEqual(good);
  });

  it('with several pages per transaction, an interrupted rebuild stops at the last whole transaction; the next one completes it', async () => {
    const { fl, events, db, good } = await setUp(factory);
    const failAt = events[Math.floor(events.length / 2) + 1]!.position;
    await db.failInsertsInto('rm_audit_trail', `NEW.position = ${failAt}`);
    await expect(
      rebuildReadModels({
        storeUrl: fl.storeUrl,
        readModelsUrl: db.url,
        stream: capture(false),
        batchEvents: 2,
        transactionEvents: 6,
      }),
    ).rejects.toThrow(/injected failure/);
    const [{ position }] = (await db.all(
      `SELECT position FROM rm_checkpoints WHERE projection = 'auditTrail'`,
    )) as [{ position: unknown }];
    const checkpoint = BigInt(String(position));
    expect(checkpoint).toBeLessThan(failAt);
    // Transactions end every 6 events (positions run 1, 2, 3…), so the checkpoint is one of those ends.
    expect(checkpoint % 6n).toBe(0n);
    const [{ last }] = (await db.all('SELECT MAX(position) AS last FROM rm_audit_trail')) as [
      { last: unknown },
    ];
    expect(String(last)).toBe(String(position));

    await db.stopFailingInserts('rm_audit_trail');
    await rebuildReadModels({
      storeUrl: fl.storeUrl,
      readModelsUrl: db.url,
      stream: capture(false),
      batchEvents: 2,
      transactionEvents: 6,
    });
    expect(await snapshot(db)).toEqual(good);
  });

  it('on a terminal it draws a progress bar, then the summary line', async () => {
    const { fl, db, good } = await setUp(factory);
    const stream = capture(true);
    await rebuildReadModels({
      storeUrl: fl.storeUrl,
      readModelsUrl: db.url,
      stream,
      batchEvents: 3,
    });
    expect(stream.text()).toMatch(
      /rebuilding read models \[[^\]]*\] \d+% position \d+\/\d+, \d+ events\/s/,
    );
    expect(stream.text()).toMatch(SUMMARY_LINE);
    expect(await snapshot(db)).toEqual(good);
  });
});

describe('potledger rebuild on the command line', () => {
  it('refuses an unknown --projection with the allowed names', async () => {
    const program = new Command('potledger')
      .exitOverride()
      .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerRebuildCommand(program);
    const parsing = program.parseAsync(['rebuild', '--projection', 'pots'], { from: 'user' });
    await expect(parsing).rejects.toBeInstanceOf(CommanderError);
    await expect(parsing).rejects.toThrow(
      /Allowed choices are agencyDirectory, agencyBalances, potSummary, benefitFlows, auditTrail/,
    );
  });

  it('rebuilds the read models of LEDGER_STORE (in its own file by default)', async () => {
    const fl = await fileLedger();
    cleanups.push(fl.cleanup);
    const saved = { store: process.env.LEDGER_STORE, readModels: process.env.LEDGER_READ_MODELS };
    process.env.LEDGER_STORE = fl.storeUrl;
    delete process.env.LEDGER_READ_MODELS;
    cleanups.push(async () => {
      if (saved.store === undefined) delete process.env.LEDGER_STORE;
      else process.env.LEDGER_STORE = saved.store;
      if (saved.readModels !== undefined) process.env.LEDGER_READ_MODELS = saved.readModels;
    });
    const program = new Command('potledger').exitOverride();
    registerRebuildCommand(program);
    await program.parseAsync(['rebuild', '--projection', 'agencyDirectory'], { from: 'user' });

    const writer = await openReadModelWriter(fl.storeUrl);
    expect(writer.checkpoints().get('agencyDirectory')).toBe(0n); // an empty log: nothing to write
    await writer.close();
  });

  it('with the events in EventStoreDB and no LEDGER_READ_MODELS, says what to set', async () => {
    const saved = { store: process.env.LEDGER_STORE, readModels: process.env.LEDGER_READ_MODELS };
    process.env.LEDGER_STORE = 'esdb://127.0.0.1:2113?tls=false';
    delete process.env.LEDGER_READ_MODELS;
    cleanups.push(async () => {
      if (saved.store === undefined) delete process.env.LEDGER_STORE;
      else process.env.LEDGER_STORE = saved.store;
      if (saved.readModels !== undefined) process.env.LEDGER_READ_MODELS = saved.readModels;
    });
    const program = new Command('potledger').exitOverride();
    registerRebuildCommand(program);
    await expect(program.parseAsync(['rebuild'], { from: 'user' })).rejects.toThrow(
      /set LEDGER_READ_MODELS=sqlite:<path> or postgres:\/\//,
    );
  });
});
