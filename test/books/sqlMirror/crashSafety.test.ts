/**
 * Rows and checkpoint move together or not at all. A write that fails halfway (a trigger
 * refuses the last audit row, after every other table's rows went in) leaves the tables and
 * checkpoints exactly as they were; the retry writes the batch once. A writer restarted after
 * a crash skips whatever its checkpoint covers. A writer whose checkpoint someone else moved
 * stops rather than write over them.
 */
import { afterEach, expect, it } from 'vitest';
import {
  openReadModelWriter,
  createSqlTarget,
} from '../../../src/books/sqlMirror/openReadModels.ts';
import {
  createReadModelWriter,
  READ_MODEL_RETRY_DELAY_MS,
} from '../../../src/books/sqlMirror/readModelWriter.ts';
import {
  CheckpointConflictError,
  type SqlTarget,
  type WritePlan,
} from '../../../src/books/sqlMirror/sqlTarget.ts';
import { AUDIT_TRAIL, READ_MODEL_PROJECTIONS } from '../../../src/books/sqlMirror/tables.ts';
import type { RecordedEvent } from '../../../src/store/eventStore.ts';
import {
  checkpointsIn,
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

const allAt = (position: bigint) =>
  Object.fromEntries(READ_MODEL_PROJECTIONS.map((p) => [p, position]));

async function setUp(factory: ReadModelDbFactory) {
  const fl = await fileLedgerWithHistory();
  cleanups.push(fl.cleanup);
  const events = await readWholeLog(fl.ledger.store);
  const db = await factory.create(fl.storePath);
  cleanups.push(() => db.close());

  // What the tables must hold in the end: one clean pass in a database of its own.
  const referenceDb = await factory.create(`${fl.dir}/reference.db`);
  cleanups.push(() => referenceDb.close());
  const referenceWriter = await openReadModelWriter(referenceDb.url);
  await foldAndWrite(fl.ledger.store, freshBooks(), referenceWriter, { batchSize: 1_000 });
  await referenceWriter.close();
  const reference = await snapshot(referenceDb);

  // Split so the second batch has money events for every projection (the outcomes, the reversals).
  const split = events.findIndex((e) => e.type === 'OutcomeRecorded');
  expect(split).toBeGreaterThan(0);
  return { fl, events, db, reference, first: events.slice(0, split), second: events.slice(split) };
}

function lastPosition(events: readonly RecordedEvent[]): bigint {
  return events[events.length - 1]!.position;
}

/** A target that records every plan it commits. */
function spying(target: SqlTarget): { target: SqlTarget; plans: WritePlan[] } {
  const plans: WritePlan[] = [];
  return {
    plans,
    target: {
      ...target,
      async commit(plan) {
        await target.commit(plan);
        plans.push(plan);
      },
    },
  };
}

describeEachDb('crash safety', (factory) => {
  it('a write that fails halfway leaves no rows and no checkpoint move; the retry applies the batch once', async () => {
    const { fl, events, db, reference, first, second } = await setUp(factory);
    const writer = await openReadModelWriter(db.url);
    cleanups.push(() => writer.close().catch(() => undefined));
    const books = freshBooks();
    await foldAndWrite(fl.ledger.store, books, writer, {
      to: lastPosition(first),
      batchSize: first.length,
    });
    const before = await snapshot(db);
    expect(await checkpointsIn(db)).toEqual(allAt(lastPosition(first)));

    // The audit trail is written after every other table: by the time this trigger fires, the
    // transaction has upserted agencies, balances, pots, partners, interventions and flows.
    await db.failInsertsInto(AUDIT_TRAIL.name, `NEW.position = ${lastPosition(second)}`);
    await expect(
      foldAndWrite(fl.ledger.store, books, writer, {
        from: lastPosition(first),
        batchSize: second.length,
      }),
    ).rejects.toThrow(/injected failure/);

    expect(await snapshot(db)).toEqual(before);
    expect(Object.fromEntries(writer.checkpoints())).toEqual(allAt(lastPosition(first)));

    await db.stopFailingInserts(AUDIT_TRAIL.name);
    await writer.flush();
    expect(await checkpointsIn(db)).toEqual(allAt(lastPosition(events)));
    expect(await snapshot(db)).toEqual(reference);
    const [{ count }] = (await db.all('SELECT COUNT(*) AS count FROM rm_audit_trail')) as [
      { count: unknown },
    ];
    expect(BigInt(String(count))).toBe(BigInt(events.length));
  });

  it('after a crash, a restarted writer skips what its checkpoint covers and writes the rest once', async () => {
    const { fl, events, db, reference, first } = await setUp(factory);
    const before = await openReadModelWriter(db.url);
    await foldAndWrite(fl.ledger.store, freshBooks(), before, {
      to: lastPosition(first),
      batchSize: 3,
    });
    await before.close(); // the process dies here; the next start folds the log from the start

    const spy = spying(createSqlTarget(db.url));
    const restarted = await createReadModelWriter(spy.target);
    cleanups.push(() => restarted.close());
    expect(Object.fromEntries(restarted.checkpoints())).toEqual(allAt(lastPosition(first)));
    await foldAndWrite(fl.ledger.store, freshBooks(), restarted, { batchSize: 5 });

    expect(spy.plans.length).toBeGreaterThan(0);
    for (const plan of spy.plans) {
      for (const move of plan.checkpoints)
        expect(move.expected).toBeGreaterThanOrEqual(lastPosition(first));
    }
    const auditPositions = spy.plans.flatMap((plan) =>
      (plan.upserts.get(AUDIT_TRAIL) ?? []).map((row) => row.position),
    );
    expect(auditPositions).toEqual(events.slice(first.length).map((e) => e.position));
    expect(await snapshot(db)).toEqual(reference);
  });

  it('in live use a failed write is reported, not thrown, and retried in the background', async () => {
    const { fl, events, db, reference } = await setUp(factory);
    const errors: unknown[] = [];
    const writer = await openReadModelWriter(db.url, { onError: (error) => errors.push(error) });
    cleanups.push(() => writer.close());

    await db.failInsertsInto('rm_pots', 'NEW.pot_id IS NOT NULL');
    await foldAndWrite(fl.ledger.store, freshBooks(), writer, { batchSize: 4 }); // resolves: the books must not wait on SQL
    expect(errors.length).toBeGreaterThan(0);
    expect(String(errors[0])).toMatch(/injected failure/);
    // Batches before the first pot went in; from the batch with the first pot on, nothing did.
    const potOpened = events.find((e) => e.type === 'PotOpened')!.position;
    for (const position of Object.values(await checkpointsIn(db)))
      expect(position).toBeLessThan(potOpened);
    expect(await db.all('SELECT pot_id FROM rm_pots')).toEqual([]);

    await db.stopFailingInserts('rm_pots');
    const deadline = Date.now() + READ_MODEL_RETRY_DELAY_MS * 10;
    while (
      writer.checkpoints().get('auditTrail') !== lastPosition(events) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await checkpointsIn(db)).toEqual(allAt(lastPosition(events)));
    expect(await snapshot(db)).toEqual(reference);
  });

  it('two servers following one log write the same tables safely: each takes the checkpoint the other moved forward', async () => {
    const { fl, events, db, reference, first, second } = await setUp(factory);
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    // Both open at checkpoint 0, as servers started together do.
    const writerA = await openReadModelWriter(db.url, { onError });
    cleanups.push(() => writerA.close());
    const writerB = await openReadModelWriter(db.url, { onError });
    cleanups.push(() => writerB.close());
    const booksA = freshBooks();
    const booksB = freshBooks();
    const middle = first[Math.floor(first.length / 2)]!.position;

    // A is ahead, then B catches up past it, then A again (whose own older checkpoint is stale),
    // with batches of different sizes so neither writer's pages line up with the other's.
    await foldAndWrite(fl.ledger.store, booksA, writerA, { to: lastPosition(first), batchSize: 7 });
    await foldAndWrite(fl.ledger.store, booksB, writerB, { to: middle, batchSize: 5 });
    expect(await checkpointsIn(db)).toEqual(allAt(lastPosition(first)));
    await foldAndWrite(fl.ledger.store, booksB, writerB, { from: middle, batchSize: 3 });
    await foldAndWrite(fl.ledger.store, booksA, writerA, {
      from: lastPosition(first),
      to: second[Math.floor(second.length / 2)]!.position,
      batchSize: 2,
    });

    expect(errors).toEqual([]);
    expect(await checkpointsIn(db)).toEqual(allAt(lastPosition(events)));
    expect(await snapshot(db)).toEqual(reference);
  });

  it('a writer whose checkpoint another writer moved (a rebuild) stops, writing nothing', async () => {
    const { fl, db, first } = await setUp(factory);
    const errors: unknown[] = [];
    const writer = await openReadModelWriter(db.url, { onError: (error) => errors.push(error) });
    cleanups.push(() => writer.close());
    const books = freshBooks();
    await foldAndWrite(fl.ledger.store, books, writer, {
      to: lastPosition(first),
      batchSize: first.length,
    });

    const rebuilder = await openReadModelWriter(db.url, { projections: ['potSummary'] });
    await rebuilder.reset();
    await rebuilder.close();
    const afterReset = await snapshot(db);

    await foldAndWrite(fl.ledger.store, books, writer, { from: lastPosition(first), batchSize: 2 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CheckpointConflictError);
    expect(String(errors[0])).toMatch(/potSummary.*restart/);
    expect(await snapshot(db)).toEqual(afterReset);
  });
});
