/**
 * The PostgreSQL adapter: the shared contract, plus what only PostgreSQL has to prove —
 * versioned migrations, a subscriber that never skips an event while many connections commit
 * out of order, and LISTEN/NOTIFY with a polling safety net.
 *
 * Runs only when LEDGER_TEST_PG_URL is set (.ci/run sets it); each run works in its own
 * throw-away database, created on that server and dropped afterwards.
 */
import pg from 'pg';
import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  IdempotencyKeyTakenError,
  WrongExpectedRevisionError,
  type AppendResult,
  type NewEvent,
  type RecordedEvent,
} from '../../src/store/eventStore.ts';
import {
  LISTENER_APPLICATION_NAME,
  LISTENER_RETRY_DELAY_MS,
  SUBSCRIPTION_POLL_INTERVAL_MS,
  createPostgresEventStore,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from '../../src/store/postgres/postgresEventStore.ts';
import {
  TEST_PG_URL_ENV,
  createThrowawayDatabase,
  testPostgresUrl,
  uniqueIdentifier,
  withClient,
  type ThrowawayDatabase,
} from '../support/postgres.ts';
import { describeEventStoreContract } from './eventStoreContract.ts';

/** Separate stores (pools) appending at once in the out-of-order proof. */
const WRITER_STORES = 8;
const CONNECTIONS_PER_WRITER_STORE = 2;
const APPENDS_PER_WRITER = 30;
/** How long a deliberately slow append sleeps inside its transaction, holding its position. */
const SLOW_COMMIT_MS = 25;
const DELIVERY_TIMEOUT_MS = 15_000;
const QUIET_PERIOD_MS = 300;
const CONCURRENT_STARTS = 5;
/** Keys each raced by two stores at once in the command-key proof. */
const RACED_KEYS = 20;

const SLOW_COMMIT = 'SlowCommitHappened';
const ROLLED_BACK = 'RolledBackHappened';
const QUICK = 'QuickHappened';

class DeliberateRollback extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

function newEvent(type = QUICK, data: unknown = { amount: '10.00' }): NewEvent {
  return {
    eventId: ulid(),
    type,
    data,
    metadata: {
      commandId: ulid(),
      correlationId: ulid(),
      actor: { sub: 'alice', role: 'finance-officer', agencyId: 'essex-police' },
      recordedAt: '2025-06-01T09:30:00.000Z',
    },
  };
}

const serverUrl = testPostgresUrl();

if (serverUrl === undefined) {
  console.warn(
    `[postgres event store] SKIPPED: ${TEST_PG_URL_ENV} is not set. ` +
      `Set it to a server where the user may CREATE DATABASE, e.g. ${TEST_PG_URL_ENV}=postgres://postgres@127.0.0.1:5432/postgres`,
  );
  describe.skip(`postgres event store (skipped: ${TEST_PG_URL_ENV} not set)`, () => {
    it('needs a PostgreSQL server', () => undefined);
  });
} else {
  let database: ThrowawayDatabase;

  beforeAll(async () => {
    database = await createThrowawayDatabase(serverUrl);
  });

  afterAll(async () => {
    await database?.drop();
  });

  // A fresh schema per test: the contract's stores never see each other's events or locks.
  describeEventStoreContract('postgres', async () => {
    const store = await createPostgresEventStore(database.url, {
      schema: uniqueIdentifier('contract'),
    });
    return { store, cleanup: () => store.close() };
  });

  describe('postgres event store', () => {
    const opened: PostgresEventStore[] = [];

    async function open(options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
      const store = await createPostgresEventStore(database.url, options);
      opened.push(store);
      return store;
    }

    function query<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
      return withClient(database.url, async (client) => (await client.query<R>(sql, values)).rows);
    }

    async function connectionCount(applicationName: string): Promise<number> {
      const [row] = await query<{ count: string }>(
        'SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
        [applicationName],
      );
      return Number(row!.count);
    }

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it(`never skips an event while ${WRITER_STORES} pools commit out of order (slow and rolled-back transactions)`, async () => {
      const schema = uniqueIdentifier('proof');
      const writers = await Promise.all(
        Array.from({ length: WRITER_STORES }, () =>
          open({
            schema,
            poolSize: CONNECTIONS_PER_WRITER_STORE,
            testHooks: {
              // Slow appends sit on their positions before committing; rolled-back ones take
              // positions and then vanish. A follower reading past either would skip events.
              beforeCommit: async (transaction, { events }) => {
                const kind = events[0]!.type;
                if (kind === SLOW_COMMIT || kind === ROLLED_BACK)
                  await transaction.query(`SELECT pg_sleep(${SLOW_COMMIT_MS / 1_000})`);
                if (kind === ROLLED_BACK) throw new DeliberateRollback('rolled back on purpose');
              },
            },
          }),
        ),
      );
      const follower = await open({ schema });

      const received: RecordedEvent[] = [];
      const orderViolations: string[] = [];
      const subscription = follower.subscribe(0n, (batch) => {
        for (const event of batch) {
          const previous = received[received.length - 1]?.position ?? 0n;
          if (event.position <= previous)
            orderViolations.push(`${event.position} after ${previous}`);
          received.push(event);
        }
      });

      const rolledBackIds: string[] = [];
      let committedEvents = 0;
      try {
        await Promise.all(
          writers.map(async (writer, w) => {
            const ownStream = `pot-writer-${w}-${ulid()}`;
            let ownRevision: bigint | 'no-stream' = 'no-stream';
            for (let i = 0; i < APPENDS_PER_WRITER; i += 1) {
              const kind = i % 5 === 4 ? ROLLED_BACK : i % 3 === 0 ? SLOW_COMMIT : QUICK;
              const events = Array.from({ length: 1 + (i % 3) }, () =>
                newEvent(kind, { writer: w, i }),
              );
              const toOwnStream = i % 2 === 0;
              try {
                const result: AppendResult = toOwnStream
                  ? await writer.append(ownStream, events, ownRevision)
                  : await writer.append(`pot-shared-${schema}`, events, 'any');
                if (toOwnStream) ownRevision = result.lastRevision;
                committedEvents += events.length;
              } catch (error) {
                if (!(error instanceof DeliberateRollback)) throw error;
                rolledBackIds.push(...events.map((e) => e.eventId));
              }
            }
          }),
        );

        const table = await query<{ position: string; event_id: string }>(
          `SELECT position, event_id FROM "${schema}".events ORDER BY position`,
        );
        const lastPosition = BigInt(table[table.length - 1]!.position);
        // Wait for the follower to reach the last position rather than a count, so a follower
        // that skipped events fails below with the missing positions in the diff.
        await waitFor(
          () => (received[received.length - 1]?.position ?? 0n) >= lastPosition,
          `the follower to reach position ${lastPosition}`,
        );
        await sleep(QUIET_PERIOD_MS);

        expect(orderViolations).toEqual([]);
        expect(table).toHaveLength(committedEvents);
        expect(received.map((e) => e.position)).toEqual(table.map((row) => BigInt(row.position)));
        expect(received.map((e) => e.eventId)).toEqual(table.map((row) => row.event_id));
        // Dense positions: a rolled-back append leaves no hole for an auditor to explain.
        expect(table.map((row) => BigInt(row.position))).toEqual(
          table.map((_, i) => BigInt(i + 1)),
        );
        expect(rolledBackIds.length).toBeGreaterThan(0);
        const recordedIds = new Set(table.map((row) => row.event_id));
        expect(rolledBackIds.filter((id) => recordedIds.has(id))).toEqual([]);
        expect(received.some((e) => e.type === SLOW_COMMIT)).toBe(true);
      } finally {
        subscription.close();
      }
    });

    it('creates its schema and migration table, and migrating again (even concurrently) changes nothing', async () => {
      const schema = uniqueIdentifier('migrate');
      const starts = await Promise.all(
        Array.from({ length: CONCURRENT_STARTS }, () => open({ schema })),
      );
      expect(starts.map((s) => s.schemaVersion)).toEqual(Array(CONCURRENT_STARTS).fill(4));
      const { positions } = await starts[0]!.append('pot-01', [newEvent()], 'no-stream');
      for (const store of opened.splice(0)) await store.close();

      const reopened = await open({ schema });
      expect(reopened.schemaVersion).toBe(4);
      expect((await reopened.readStream('pot-01')).map((e) => e.position)).toEqual(positions);
      const migrations = await query<{ version: number; name: string }>(
        `SELECT version, name FROM "${schema}".potledger_migrations ORDER BY version`,
      );
      expect(migrations).toEqual([
        { version: 1, name: 'create events' },
        { version: 2, name: 'add log_hash' },
        { version: 3, name: 'add command_keys' },
        { version: 4, name: 'add effective_date' },
      ]);
    });

    it('refuses to open a schema written by a newer version', async () => {
      const schema = uniqueIdentifier('newer');
      await (await open({ schema })).close();
      await query(
        `INSERT INTO "${schema}".potledger_migrations (version, name) VALUES (99, 'from the future')`,
      );

      await expect(createPostgresEventStore(database.url, { schema })).rejects.toThrow(
        /schema version 99/,
      );
    });

    it('refuses a schema name it would have to quote', async () => {
      await expect(
        createPostgresEventStore(database.url, { schema: 'Robert"; DROP TABLE' }),
      ).rejects.toThrow(/schema must match/);
    });

    it('uses public by default; positions start at 1 and refused or rolled-back appends leave no hole', async () => {
      const store = await open({
        testHooks: {
          beforeCommit: async (_transaction, { events }) => {
            if (events[0]!.type === ROLLED_BACK)
              throw new DeliberateRollback('rolled back on purpose');
          },
        },
      });
      expect(store.schema).toBe('public');
      expect(await store.headPosition()).toBe(0n);
      const taken = newEvent();
      expect((await store.append('pot-01', [taken, newEvent()], 'no-stream')).positions).toEqual([
        1n,
        2n,
      ]);

      await expect(store.append('pot-01', [newEvent()], 0n)).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(store.append('pot-02', [newEvent(), taken], 'no-stream')).rejects.toThrow(
        /event id already in the log/,
      );
      await expect(
        store.append('pot-02', [newEvent(ROLLED_BACK)], 'no-stream'),
      ).rejects.toBeInstanceOf(DeliberateRollback);

      expect((await store.append('pot-02', [newEvent()], 'no-stream')).positions).toEqual([3n]);
      const [row] = await query<{ count: string }>('SELECT count(*) FROM public.events');
      expect(row!.count).toBe('3');
    });

    it('stores data and metadata as JSON text exactly as written', async () => {
      const schema = uniqueIdentifier('json');
      const store = await open({ schema });
      // Key order that jsonb would rewrite, and digits a float would round.
      const data = {
        zeta: '1234.50',
        alpha: { b: 2, a: 1 },
        big: 9007199254740993n.toString(),
        n: 1.1,
      };
      const event = newEvent('ContributionReceived', data);
      await store.append('pot-01', [event], 'no-stream');

      const [row] = await query<{ data: string; metadata: string }>(
        `SELECT data::text, metadata::text FROM "${schema}".events`,
      );
      expect(row!.data).toBe(JSON.stringify(data));
      expect(row!.metadata).toBe(JSON.stringify(event.metadata));
      expect(Object.keys((await store.readStream('pot-01'))[0]!.data as object)).toEqual([
        'zeta',
        'alpha',
        'big',
        'n',
      ]);
    });

    it('parses int8 as bigint for its own connections only, leaving the global pg parsers alone', async () => {
      const store = await open({ schema: uniqueIdentifier('types') });
      expect(typeof (await store.headPosition())).toBe('bigint');
      const [row] = await query<{ n: unknown }>('SELECT 9007199254740993::int8 AS n');
      expect(row!.n).toBe('9007199254740993');
      expect(pg.types.getTypeParser(pg.types.builtins.INT8)('5')).toBe('5');
    });

    it('reports a unique violation on (stream, revision) from a writer that bypassed the lock as a wrong expected revision', async () => {
      const schema = uniqueIdentifier('backstop');
      const store = await open({ schema });
      await store.append('pot-01', [newEvent()], 'no-stream');

      await withClient(database.url, async (rogue) => {
        await rogue.query('BEGIN');
        const event = newEvent();
        await rogue.query(
          `INSERT INTO "${schema}".events (position, event_id, stream_id, stream_revision, type, data, metadata)
           VALUES (1000000, $1, 'pot-01', 1, 'Rogue', '{}', '{}')`,
          [event.eventId],
        );
        // The store cannot see the uncommitted row, passes its revision check, and then waits on
        // the unique index until the rogue commits.
        const append = store.append('pot-01', [newEvent()], 0n).then(
          () => undefined,
          (error: unknown) => error,
        );
        await sleep(QUIET_PERIOD_MS);
        await rogue.query('COMMIT');
        const refusal = await append;
        expect(refusal).toBeInstanceOf(WrongExpectedRevisionError);
        expect(refusal).toMatchObject({ streamId: 'pot-01', expected: 0n, actual: 1n });
      });
    });

    it('accepts a command key once across two stores (two pools, as two servers) on one schema, even on different streams', async () => {
      const schema = uniqueIdentifier('keys');
      const [first, second] = [await open({ schema }), await open({ schema })];
      const raced = await Promise.all(
        Array.from({ length: RACED_KEYS }, async (_, i) => {
          const commandKey = { sub: 'alice', commandId: `key-${i}` };
          const [a, b] = await Promise.all([
            first.appendBatch([
              { streamId: `pot-a-${i}`, events: [newEvent()], expected: 'no-stream', commandKey },
            ]),
            second.appendBatch([
              { streamId: `pot-b-${i}`, events: [newEvent()], expected: 'no-stream', commandKey },
            ]),
          ]);
          return [a![0]!, b![0]!] as const;
        }),
      );
      for (const [i, outcomes] of raced.entries()) {
        const won = outcomes.filter((outcome) => !(outcome instanceof Error));
        const lost = outcomes.filter((outcome) => outcome instanceof IdempotencyKeyTakenError);
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        const winner = outcomes[0] instanceof Error ? `pot-b-${i}` : `pot-a-${i}`;
        const loser = winner === `pot-a-${i}` ? `pot-b-${i}` : `pot-a-${i}`;
        expect(lost[0]).toMatchObject({ streamId: loser, takenByStreamId: winner });
        expect(await first.readStream(loser)).toEqual([]);
      }
      const keys = await query<{ count: string }>(`SELECT count(*) FROM "${schema}".command_keys`);
      expect(keys[0]!.count).toBe(String(RACED_KEYS));
      // A key belongs to its caller: another caller's identical key is another command.
      const [bob] = await second.appendBatch([
        {
          streamId: 'pot-bob',
          events: [newEvent()],
          expected: 'no-stream',
          commandKey: { sub: 'bob', commandId: 'key-0' },
        },
      ]);
      expect(bob).toMatchObject({ lastRevision: 0n, positions: [BigInt(RACED_KEYS + 1)] });
    });

    it('keeps the keys of commands appended before command_keys existed taken (not the claim streams)', async () => {
      const schema = uniqueIdentifier('backfill');
      const store = await open({ schema });
      const commandId = 'before-upgrade';
      const keyed = (type: string): NewEvent => {
        const event = newEvent(type);
        return { ...event, metadata: { ...event.metadata, commandId } };
      };
      // A claim names the stream it reserves; the command's own events then take the key.
      await store.append('idempotency-abc', [keyed('IdempotencyKeyClaimed')], 'no-stream');
      await store.append('pot-01', [keyed(QUICK), keyed(QUICK)], 'no-stream');
      await store.close();
      // The schema as the version before this one left it.
      await query(`ALTER TABLE "${schema}".events DROP COLUMN effective_date`);
      await query(`DROP TABLE "${schema}".command_keys`);
      await query(`DELETE FROM "${schema}".potledger_migrations WHERE version >= 3`);

      const upgraded = await open({ schema });
      expect(upgraded.schemaVersion).toBe(4);
      expect(
        await query(`SELECT actor_sub, command_id, stream_id FROM "${schema}".command_keys`),
      ).toEqual([{ actor_sub: 'alice', command_id: commandId, stream_id: 'pot-01' }]);
      const [outcome] = await upgraded.appendBatch([
        {
          streamId: 'pot-02',
          events: [newEvent()],
          expected: 'no-stream',
          commandKey: { sub: 'alice', commandId },
        },
      ]);
      expect(outcome).toMatchObject({ streamId: 'pot-02', takenByStreamId: 'pot-01' });
    });

    it('reports a command key taken by a writer that bypassed the lock as a conflict, writing nothing', async () => {
      const schema = uniqueIdentifier('keybackstop');
      const store = await open({ schema });
      await withClient(database.url, async (rogue) => {
        await rogue.query('BEGIN');
        await rogue.query(
          `INSERT INTO "${schema}".command_keys (actor_sub, command_id, stream_id, position)
           VALUES ('alice', 'rogue-key', 'pot-rogue', 1)`,
        );
        // The store cannot see the uncommitted key, accepts the request, and then waits on the
        // primary key until the rogue commits.
        const batch = store.appendBatch([
          {
            streamId: 'pot-01',
            events: [newEvent()],
            expected: 'no-stream',
            commandKey: { sub: 'alice', commandId: 'rogue-key' },
          },
          { streamId: 'pot-02', events: [newEvent()], expected: 'no-stream' },
        ]);
        await sleep(QUIET_PERIOD_MS);
        await rogue.query('COMMIT');
        const outcomes = await batch;
        expect(outcomes.map((o) => o instanceof WrongExpectedRevisionError)).toEqual([true, true]);
      });
      expect(await store.headPosition()).toBe(0n);
      // Asked again, the store sees the key and refuses it for what it is.
      const [again] = await store.appendBatch([
        {
          streamId: 'pot-01',
          events: [newEvent()],
          expected: 'no-stream',
          commandKey: { sub: 'alice', commandId: 'rogue-key' },
        },
      ]);
      expect(again).toBeInstanceOf(IdempotencyKeyTakenError);
    });

    it('delivers appends from another store instance through NOTIFY, well before the next poll', async () => {
      const schema = uniqueIdentifier('notify');
      const writer = await open({ schema });
      const reader = await open({ schema });
      const received: RecordedEvent[] = [];
      const subscription = reader.subscribe(0n, (batch) => {
        received.push(...batch);
      });
      try {
        await waitFor(
          async () => (await connectionCount(LISTENER_APPLICATION_NAME)) === 1,
          'the LISTEN connection',
        );
        const { positions } = await writer.append('pot-01', [newEvent(), newEvent()], 'no-stream');
        const appendedAt = Date.now();
        await waitFor(() => received.length >= 2, 'the other instance’s events');
        expect(Date.now() - appendedAt).toBeLessThan(SUBSCRIPTION_POLL_INTERVAL_MS / 2);
        expect(received.map((e) => e.position)).toEqual(positions);
      } finally {
        subscription.close();
      }
    });

    it('keeps delivering by polling when the LISTEN connection is killed, then listens again', async () => {
      const schema = uniqueIdentifier('killed');
      const writer = await open({ schema });
      const reader = await open({ schema });
      const received: RecordedEvent[] = [];
      const subscription = reader.subscribe(0n, (batch) => {
        received.push(...batch);
      });
      try {
        await waitFor(
          async () => (await connectionCount(LISTENER_APPLICATION_NAME)) === 1,
          'the LISTEN connection',
        );
        await query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = $1`,
          [LISTENER_APPLICATION_NAME],
        );
        await waitFor(
          async () => (await connectionCount(LISTENER_APPLICATION_NAME)) === 0,
          'the LISTEN connection to die',
        );

        const { positions } = await writer.append('pot-01', [newEvent()], 'no-stream');
        await waitFor(
          () => received.length >= 1,
          'the event, by polling',
          SUBSCRIPTION_POLL_INTERVAL_MS * 3,
        );
        expect(received.map((e) => e.position)).toEqual(positions);
        await waitFor(
          async () => (await connectionCount(LISTENER_APPLICATION_NAME)) === 1,
          'a new LISTEN connection',
          LISTENER_RETRY_DELAY_MS + SUBSCRIPTION_POLL_INTERVAL_MS * 3,
        );
      } finally {
        subscription.close();
      }
    });

    it('releases the LISTEN connection with the last subscription, and every connection on close', async () => {
      const store = await open({ schema: uniqueIdentifier('release') });
      const first = store.subscribe(0n, () => undefined);
      const second = store.subscribe(0n, () => undefined);
      await waitFor(
        async () => (await connectionCount(LISTENER_APPLICATION_NAME)) === 1,
        'one shared LISTEN connection',
      );
      first.close();
      await sleep(QUIET_PERIOD_MS);
      expect(await connectionCount(LISTENER_APPLICATION_NAME)).toBe(1);
      second.close();
      await waitFor(
        async () => (await connectionCount(LISTENER_APPLICATION_NAME)) === 0,
        'the LISTEN connection to close',
      );

      store.subscribe(0n, () => undefined);
      await waitFor(
        async () => (await connectionCount(LISTENER_APPLICATION_NAME)) === 1,
        'a LISTEN connection again',
      );
      await store.close();
      await waitFor(async () => {
        const [row] = await query<{ count: string }>(
          "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'potledger%'",
        );
        return row!.count === '0';
      }, 'every connection to close');
    });

    it('stops a subscription and reports it when the store fails underneath it', async () => {
      const schema = uniqueIdentifier('failing');
      const store = await open({ schema });
      const errors: unknown[] = [];
      store.subscribe(0n, () => undefined, { onError: (error) => errors.push(error) });
      await sleep(QUIET_PERIOD_MS);
      await query(`DROP TABLE "${schema}".events`);

      await waitFor(
        () => errors.length === 1,
        'the error report',
        SUBSCRIPTION_POLL_INTERVAL_MS * 3,
      );
      expect(String(errors[0])).toMatch(/does not exist/);
    });

    it('refuses operations after close', async () => {
      const store = await open({ schema: uniqueIdentifier('closed') });
      await store.close();
      await expect(store.ping()).rejects.toThrow(/closed/);
      await expect(store.append('pot-01', [newEvent()], 'any')).rejects.toThrow(/closed/);
      expect(() => store.subscribe(0n, () => undefined)).toThrow(/closed/);
    });
  });
}
