/**
 * EventStore.appendBatch on every store that can run here: each request checked on its own,
 * requests to one stream taken as a chain, command keys accepted once, one commit for them all (SQLite), and positions and
 * the log chain exactly as one-by-one appends would leave them.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { logChainEventHash, logChainHash } from '../../src/audit/logChain.ts';
import {
  IdempotencyKeyTakenError,
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
} from '../../src/store/eventStore.ts';
import { createPostgresEventStore } from '../../src/store/postgres/postgresEventStore.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import {
  createThrowawayDatabase,
  testPostgresUrl,
  uniqueIdentifier,
  type ThrowawayDatabase,
} from '../support/postgres.ts';
import { allEvents, counterIds, tempDbPath } from './support.ts';

const eventId = counterIds('01E');
const newEvents = (n: number): NewEvent[] =>
  Array.from({ length: n }, () => ({
    eventId: eventId(),
    type: 'Noted',
    data: { n },
    metadata: {
      commandId: 'c',
      correlationId: 'c',
      actor: { sub: 's', role: 'admin' },
      recordedAt: '2025-06-30T12:00:00.000Z',
    },
  }));

const databases: ThrowawayDatabase[] = [];
afterAll(async () => {
  for (const database of databases) await database.drop();
});

const stores: [string, () => Promise<EventStore>][] = [
  ['SQLite', async () => createSqliteEventStore(tempDbPath())],
];
const pgUrl = testPostgresUrl();
if (pgUrl !== undefined) {
  stores.push([
    'PostgreSQL',
    async () => {
      const database = await createThrowawayDatabase(pgUrl);
      databases.push(database);
      return createPostgresEventStore(database.url, { schema: uniqueIdentifier('batch') });
    },
  ]);
}

describe.each(stores)('appendBatch on %s', (_name, open) => {
  it('answers each request on its own: a conflict writes none of its events and the others commit', async () => {
    const store = await open();
    await store.append('s-1', newEvents(2), 'no-stream');
    const outcomes = await store.appendBatch([
      { streamId: 's-1', events: newEvents(1), expected: 1n },
      { streamId: 's-2', events: newEvents(2), expected: 5n },
      { streamId: 's-3', events: newEvents(3), expected: 'no-stream' },
      { streamId: 's-1', events: newEvents(1), expected: 2n },
    ]);
    expect(outcomes[0]).toMatchObject({ lastRevision: 2n, positions: [3n] });
    expect(outcomes[1]).toBeInstanceOf(WrongExpectedRevisionError);
    expect(outcomes[2]).toMatchObject({ lastRevision: 2n, positions: [4n, 5n, 6n] });
    expect(outcomes[3]).toMatchObject({ lastRevision: 3n, positions: [7n] });
    // Each appended event's log hash, as a read of the log gives it (none from a store keeping no chain).
    const logHashAt = new Map((await store.readAll(0n, 100)).map((e) => [e.position, e.logHash]));
    for (const outcome of outcomes) {
      if (outcome instanceof Error) continue;
      expect(outcome.logHashes).toEqual(
        store.logChained ? outcome.positions.map((position) => logHashAt.get(position)) : undefined,
      );
    }
    expect(await store.readStream('s-2')).toEqual([]);
    expect((await store.readStream('s-1')).map((e) => e.streamRevision)).toEqual([0n, 1n, 2n, 3n]);
    await store.close();
  });

  it('refuses every later request to a stream once one to it was refused, even one whose revision happens to match', async () => {
    const store = await open();
    await store.append('s-1', newEvents(1), 'no-stream');
    const outcomes = await store.appendBatch([
      // Decided on revision 1, which the store does not have: refused…
      { streamId: 's-1', events: newEvents(1), expected: 1n },
      // …and this one was decided on top of it, though "expected 0" matches the store.
      { streamId: 's-1', events: newEvents(1), expected: 0n },
    ]);
    expect(outcomes[0]).toBeInstanceOf(WrongExpectedRevisionError);
    expect(outcomes[1]).toBeInstanceOf(WrongExpectedRevisionError);
    expect(await store.readStream('s-1')).toHaveLength(1);
    await store.close();
  });

  it('leaves contiguous positions and an unbroken log chain, interleaved with single appends', async () => {
    const store = await open();
    for (let round = 0; round < 5; round++) {
      await store.appendBatch([
        { streamId: `a-${round}`, events: newEvents(2), expected: 'no-stream' },
        { streamId: `b-${round}`, events: newEvents(1), expected: 'no-stream' },
      ]);
      await store.append(`c-${round}`, newEvents(1), 'no-stream');
    }
    const events = await allEvents(store);
    expect(events.map((e) => e.position)).toEqual(
      Array.from({ length: 20 }, (_, i) => BigInt(i + 1)),
    );
    let previous: string | undefined;
    for (const event of events) {
      expect(event.logHash).toBe(
        logChainHash(previous, event.position, logChainEventHash(event.metadata)),
      );
      previous = event.logHash;
    }
    expect(events.every((e) => typeof e.logHash === 'string')).toBe(true);
    await store.close();
  });

  it('accepts a command key once: refused on another stream (and every later request to it), a conflict on its own', async () => {
    const store = await open();
    const key = (commandId: string) => ({ sub: 'alice', commandId });
    await store.appendBatch([
      { streamId: 's-1', events: newEvents(1), expected: 'no-stream', commandKey: key('k1') },
    ]);
    const outcomes = await store.appendBatch([
      { streamId: 's-2', events: newEvents(1), expected: 'no-stream', commandKey: key('k1') },
      // Decided on top of the refused one: refused too, though it names no taken key.
      { streamId: 's-2', events: newEvents(1), expected: 0n },
      { streamId: 's-3', events: newEvents(1), expected: 'no-stream', commandKey: key('k2') },
      // Taken earlier in the same batch.
      { streamId: 's-4', events: newEvents(1), expected: 'no-stream', commandKey: key('k2') },
      // Behind a refused request, but its key is taken elsewhere: refused for that, for good.
      { streamId: 's-4', events: newEvents(1), expected: 0n, commandKey: key('k1') },
      // k1's own command on its own stream again, at the right revision: already there, so a
      // conflict to decide again (and find it), not a refusal and never a second copy.
      { streamId: 's-1', events: newEvents(1), expected: 0n, commandKey: key('k1') },
      // Another caller's k1 is another command.
      {
        streamId: 's-5',
        events: newEvents(2),
        expected: 'no-stream',
        commandKey: { sub: 'bob', commandId: 'k1' },
      },
    ]);
    expect(outcomes[0]).toBeInstanceOf(IdempotencyKeyTakenError);
    expect(outcomes[0]).toMatchObject({ streamId: 's-2', takenByStreamId: 's-1' });
    expect(outcomes[1]).toBeInstanceOf(WrongExpectedRevisionError);
    expect(outcomes[2]).toMatchObject({ lastRevision: 0n, positions: [2n] });
    expect(outcomes[3]).toBeInstanceOf(IdempotencyKeyTakenError);
    expect(outcomes[3]).toMatchObject({ streamId: 's-4', takenByStreamId: 's-3' });
    expect(outcomes[4]).toBeInstanceOf(IdempotencyKeyTakenError);
    expect(outcomes[4]).toMatchObject({ streamId: 's-4', takenByStreamId: 's-1' });
    expect(outcomes[5]).toBeInstanceOf(WrongExpectedRevisionError);
    expect(outcomes[6]).toMatchObject({ lastRevision: 1n, positions: [3n, 4n] });
    expect(await store.readStream('s-1')).toHaveLength(1);
    expect(await store.readStream('s-2')).toEqual([]);
    expect(await store.readStream('s-4')).toEqual([]);
    expect(await store.headPosition()).toBe(4n);
    await store.close();
  });

  it('an empty batch appends nothing; a duplicate event id fails the whole batch', async () => {
    const store = await open();
    expect(await store.appendBatch([])).toEqual([]);
    const [taken] = newEvents(1);
    await store.append('s-1', [taken!], 'no-stream');
    const result = await store
      .appendBatch([
        { streamId: 's-2', events: newEvents(1), expected: 'no-stream' },
        { streamId: 's-3', events: [taken!], expected: 'no-stream' },
      ])
      .then(
        (outcomes) => outcomes,
        (error: unknown) => error,
      );
    if (Array.isArray(result)) {
      // One-by-one stores: the earlier request stands, the failing one gets its own error.
      expect(result[1]).toBeInstanceOf(Error);
    } else {
      expect(result).toBeInstanceOf(Error);
      expect(await store.readStream('s-2')).toEqual([]);
    }
    await store.close();
  });
});

describe('SQLite positions', () => {
  it('never reuse a position AUTOINCREMENT has handed out, even after the last row is gone', async () => {
    const path = tempDbPath();
    const store = createSqliteEventStore(path);
    await store.append('s-1', newEvents(3), 'no-stream');
    await store.close();
    const db = new Database(path);
    db.prepare('DELETE FROM events WHERE position = 3').run();
    db.close();
    const reopened = createSqliteEventStore(path);
    const { positions } = await reopened.append('s-2', newEvents(1), 'no-stream');
    expect(positions).toEqual([4n]);
    await reopened.close();
    const check = new Database(path);
    expect(
      check.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get(),
    ).toBe(4);
    check.close();
  });
});
