/**
 * Live, the SQL mirror writes the pages of a short interval in one transaction
 * (applyCoalesced): the tables lag the books by at most that interval, always whole (their
 * checkpoint names exactly the events they hold), and after a burst of writes they hold what a
 * rebuild from the log gives.
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { foldEvents } from '../../../src/books/foldLog.ts';
import {
  createSqlTarget,
  openReadModelWriter,
} from '../../../src/books/sqlMirror/openReadModels.ts';
import {
  createReadModelWriter,
  type ReadModelWriter,
} from '../../../src/books/sqlMirror/readModelWriter.ts';
import type { SqlTarget } from '../../../src/books/sqlMirror/sqlTarget.ts';
import { readLogRange } from '../../../src/store/storeSupport.ts';
import { expectCreated } from '../../support/testLedger.ts';
import {
  checkpointsIn,
  describeEachDb,
  fileLedger,
  fileLedgerWithHistory,
  foldAndWrite,
  freshBooks,
  readWholeLog,
  snapshot,
  type ReportingDb,
} from './support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A SQL target that counts its transactions. */
function counting(target: SqlTarget): { target: SqlTarget; commits: () => number } {
  let commits = 0;
  return {
    target: {
      ...target,
      commit: (transaction) => {
        commits += 1;
        return target.commit(transaction);
      },
    },
    commits: () => commits,
  };
}

/** Resolves once `reached()` holds; fails the test when it does not within 5 s. */
async function eventually(reached: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await reached())) {
    if (Date.now() > deadline) throw new Error('not reached within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The tables a rebuild from the whole log writes into a fresh database. */
async function rebuilt(
  fl: { dir: string; ledger: { store: Parameters<typeof foldAndWrite>[0] } },
  factory: { create(path: string): Promise<ReportingDb> },
  name: string,
): Promise<Record<string, string[]>> {
  const db = await factory.create(join(fl.dir, `${name}.db`));
  cleanups.push(() => db.close());
  const writer = await openReadModelWriter(db.url);
  await foldAndWrite(fl.ledger.store, freshBooks(), writer, { batchSize: 1_000 });
  await writer.close();
  return snapshot(db);
}

/** A ledger with history and a mirror database whose commits fail until comeBack(). */
async function mirrorDownAtFirst(factory: { create(path: string): Promise<ReportingDb> }) {
  const fl = await fileLedgerWithHistory();
  cleanups.push(fl.cleanup);
  const db = await factory.create(join(fl.dir, 'mirror.db'));
  cleanups.push(() => db.close());
  const real = createSqlTarget(db.url);
  let down = true;
  const target: SqlTarget = {
    ...real,
    commit: (transaction) =>
      down ? Promise.reject(new Error('connection refused')) : real.commit(transaction),
  };
  return { fl, db, target, comeBack: () => (down = false) };
}

describeEachDb('coalesced live writes', (factory) => {
  it('writes pages noted together in one transaction, at the last page’s position, equal to a rebuild', async () => {
    const fl = await fileLedgerWithHistory();
    cleanups.push(fl.cleanup);
    const db = await factory.create(join(fl.dir, 'mirror.db'));
    cleanups.push(() => db.close());
    const { target, commits } = counting(createSqlTarget(db.url));
    const writer = await createReadModelWriter(target);
    cleanups.push(() => writer.close());

    const events = await readWholeLog(fl.ledger.store);
    const books = freshBooks();
    for (let i = 0; i < events.length; i += 3)
      foldEvents(events.slice(i, i + 3), { books, sqlMirror: writer }, 'coalesce');
    // Nothing is written in the turn of the folds: the pages wait for the interval together.
    expect(commits()).toBe(0);
    const last = events.at(-1)!.position;
    await eventually(() => [...writer.checkpoints().values()].every((p) => p === last));

    expect(commits()).toBe(1);
    expect(Object.values(await checkpointsIn(db)).every((p) => p === last)).toBe(true);
    expect(await snapshot(db)).toEqual(await rebuilt(fl, factory, 'rebuilt'));
  });

  it('after a burst of API writes, the live tables catch up by themselves and equal a rebuild', async () => {
    let db: ReportingDb | undefined;
    let writer: ReadModelWriter | undefined;
    const errors: unknown[] = [];
    const fl = await fileLedger({
      readModels: async (storePath) => {
        db = await factory.create(storePath);
        cleanups.push(() => db!.close());
        writer = await openReadModelWriter(db.url, { onError: (error) => errors.push(error) });
        return writer;
      },
    });
    cleanups.push(fl.cleanup);
    const { ledger } = fl;
    const admin = ledger.token('admin', { sub: 'alice' });
    const officer = ledger.token('finance-officer', { sub: 'carol', agency: 'essex-cc' });
    for (const agencyId of ['essex-cc', 'essex-police']) {
      await expectCreated(
        ledger.post('/v1/agencies', admin, { agencyId, name: agencyId, kind: 'council' }),
      );
    }
    const potIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const pot = await expectCreated(
        ledger.post('/v1/pots', admin, {
          name: `Pot ${i}`,
          area: 'Essex',
          hostAgencyId: 'essex-cc',
          partnerAgencyIds: ['essex-police'],
        }),
      );
      potIds.push(pot.potId as string);
    }

    // Contributions to every pot at once: many groups, many live pages.
    await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        expectCreated(
          ledger.post(`/v1/pots/${potIds[i % potIds.length]}/contributions`, officer, {
            agencyId: 'essex-cc',
            amount: `${100 + i}.${String(i % 100).padStart(2, '0')}`,
            effectiveDate: '2025-04-10',
            reference: `PO-${i}`,
          }),
        ),
      ),
    );
    const head = await ledger.store.headPosition();
    await eventually(async () =>
      Object.values(await checkpointsIn(db!)).every((position) => position === head),
    );

    expect(errors).toEqual([]);
    expect(await snapshot(db!)).toEqual(await rebuilt(fl, factory, 'rebuilt'));
  });

  it('while the database is down it holds at most the limit of owed events, then reads the rest back from the store and catches up to a rebuild', async () => {
    const { fl, db, target, comeBack } = await mirrorDownAtFirst(factory);
    const reads: [bigint, bigint][] = [];
    const errors: unknown[] = [];
    const writer = await createReadModelWriter(target, {
      onError: (error) => errors.push(error),
      maxHeldAuditEvents: 5,
      readEvents: (from, through) => {
        reads.push([from, through]);
        return readLogRange(fl.ledger.store, from, through);
      },
    });
    cleanups.push(() => writer.close());

    const events = await readWholeLog(fl.ledger.store);
    expect(events.length).toBeGreaterThan(20);
    const books = freshBooks();
    for (let i = 0; i < events.length; i += 3) {
      foldEvents(events.slice(i, i + 3), { books, sqlMirror: writer }, 'coalesce');
      if (i % 9 === 0) await writer.flush();
    }
    await writer.flush();
    expect(errors.length).toBeGreaterThan(0);
    // It let events go: each attempt read the owed range back, always from the first owed event.
    expect(reads.length).toBeGreaterThan(0);
    for (const [from] of reads) expect(from).toBe(events[0]!.position);

    comeBack();
    await writer.flush();
    const last = events.at(-1)!.position;
    expect([...writer.checkpoints().values()].every((p) => p === last)).toBe(true);
    expect(await snapshot(db)).toEqual(await rebuilt(fl, factory, 'rebuilt'));
  });

  it('pages folded while it reads the let-go events back are written too: the tables end at the last position, equal to a rebuild', async () => {
    const { fl, db, target, comeBack } = await mirrorDownAtFirst(factory);
    const events = await readWholeLog(fl.ledger.store);
    const books = freshBooks();
    const half = Math.floor(events.length / 2);
    let foldLaterHalf: (() => void) | undefined;
    const writer = await createReadModelWriter(target, {
      onError: () => undefined,
      maxHeldAuditEvents: 3,
      readEvents: async (from, through) => {
        const read = await readLogRange(fl.ledger.store, from, through);
        // The runner folds on while the writer awaits the store.
        foldLaterHalf?.();
        foldLaterHalf = undefined;
        return read;
      },
    });
    cleanups.push(() => writer.close());
    for (let i = 0; i < half; i += 2)
      foldEvents(events.slice(i, Math.min(i + 2, half)), { books, sqlMirror: writer }, 'coalesce');
    await writer.flush();

    comeBack();
    foldLaterHalf = () => {
      for (let i = half; i < events.length; i += 2)
        foldEvents(events.slice(i, i + 2), { books, sqlMirror: writer }, 'coalesce');
    };
    await writer.flush();
    await writer.flush();
    const last = events.at(-1)!.position;
    expect(Object.values(await checkpointsIn(db)).every((p) => p === last)).toBe(true);
    expect(await snapshot(db)).toEqual(await rebuilt(fl, factory, 'rebuilt'));
  });
});
