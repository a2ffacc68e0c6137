/**
 * Historical answers read through the stores' effective_date column (readAllAsAt) and fold only
 * the projections asked for, from per-set waypoints: byte for byte the answers of the old path
 * (every event read and parsed, every projection folded, from position 0), on SQLite and
 * PostgreSQL; and the column filled on append and by the migration of an existing log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../events/index.ts';
import { createWaypointKeepers } from '../../src/books/booksWaypoints.ts';
import {
  ALL_PROJECTIONS,
  countedAsAt,
  runHistoryJob,
  type HistoryJobSource,
} from '../../src/books/historyFold.ts';
import type { EventStore, NewEvent } from '../../src/store/eventStore.ts';
import { createPostgresEventStore } from '../../src/store/postgres/postgresEventStore.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { textOf } from '../support/booksText.ts';
import {
  createThrowawayDatabase,
  testPostgresUrl,
  uniqueIdentifier,
  withClient,
  type ThrowawayDatabase,
} from '../support/postgres.ts';
import { DATES, historyOf, opsWithPoolYearArbitrary } from '../projections/randomHistory.ts';
import { AS_AT_DATES, historyJobsArbitrary } from './historyJobs.ts';

/** The old path: every event read (readAll) and parsed; no readAllAsAt. */
function readingEverything(store: EventStore): HistoryJobSource {
  return {
    readAll: (after, limit) => store.readAll(after, limit),
    readStream: (id, from, limit) => store.readStream(id, from, limit),
  };
}

async function appendAll(store: EventStore, events: readonly NewEventIn[]): Promise<void> {
  for (const { streamId, ...event } of events) await store.append(streamId, [event], 'any');
}

type NewEventIn = NewEvent & { readonly streamId: string };

function asNew(envelope: Envelope): NewEventIn {
  return {
    streamId: envelope.streamId,
    eventId: envelope.eventId,
    type: envelope.type,
    data: envelope.data,
    metadata: envelope.metadata,
  };
}

/** Requests, decisions on them and other events with dates of every kind (or none). */
const rawEventsArbitrary = fc.array(
  fc.record({
    type: fc.constantFrom(
      'AllocationRequested',
      'AllocationApproved',
      'AllocationRejected',
      'SelfApprovalAttempted',
      'ContributionReceived',
      'AgencyRegistered',
    ),
    allocation: fc.integer({ min: 0, max: 4 }),
    date: fc.oneof(
      fc.constantFrom(...AS_AT_DATES),
      fc.constant(undefined),
      fc.constant(20250401),
      fc.constant(null),
    ),
  }),
  { maxLength: 40 },
);

function rawEvents(
  drawn: readonly { type: string; allocation: number; date: unknown }[],
): NewEventIn[] {
  return drawn.map(({ type, allocation, date }, i) => ({
    streamId: `pot-${i % 3}`,
    eventId: `e-${i}-${uniqueIdentifier('x')}`,
    type,
    data: {
      allocationId: `al-${allocation}`,
      ...(date === undefined ? {} : { effectiveDate: date }),
    },
    metadata: {
      commandId: `c-${i}`,
      correlationId: `c-${i}`,
      actor: { sub: 'tester', role: 'finance-officer' },
      recordedAt: '2025-04-01T00:00:00.000Z',
    },
  }));
}

/** The positions countedAsAt lets through, reading with `readAll` page by page. */
async function countedPositions(
  read: (after: bigint) => Promise<readonly { position: bigint }[]>,
  asAt: string,
): Promise<bigint[]> {
  const counted = countedAsAt(asAt);
  const positions: bigint[] = [];
  let after = 0n;
  for (;;) {
    const page = await read(after);
    if (page.length === 0) return positions;
    for (const event of page)
      if (counted(event as unknown as Envelope)) positions.push(event.position);
    after = page[page.length - 1]!.position;
  }
}

interface StoreMaker {
  readonly name: string;
  open(): Promise<EventStore>;
  /** Takes the log back to the schema before effective_date, keeping its events. */
  unmigrate(store: EventStore): Promise<EventStore>;
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'potledger-asat-'));
let sqliteFiles = 0;
const pgUrl = testPostgresUrl();
let database: ThrowawayDatabase | undefined;

const makers: StoreMaker[] = [
  {
    name: 'SQLite',
    async open() {
      return createSqliteEventStore(join(sqliteDir, `ledger-${(sqliteFiles += 1)}.db`));
    },
    async unmigrate(store) {
      const path = (store.readerLocation as { path: string }).path;
      await store.close();
      const db = new Database(path);
      db.exec(
        'DROP INDEX events_as_at; ALTER TABLE events DROP COLUMN effective_date; DELETE FROM schema_version WHERE version = 4',
      );
      db.close();
      return createSqliteEventStore(path);
    },
  },
  ...(pgUrl === undefined
    ? []
    : [
        {
          name: 'PostgreSQL',
          async open() {
            return createPostgresEventStore(database!.url, {
              schema: uniqueIdentifier('asat'),
              poolSize: 2,
            });
          },
          async unmigrate(store: EventStore) {
            const { schema } = store.readerLocation as { schema: string };
            await store.close();
            await withClient(database!.url, async (client) => {
              await client.query(`ALTER TABLE "${schema}".events DROP COLUMN effective_date`);
              await client.query(`DELETE FROM "${schema}".potledger_migrations WHERE version = 4`);
            });
            return createPostgresEventStore(database!.url, { schema, poolSize: 2 });
          },
        },
      ]),
];

beforeAll(async () => {
  if (pgUrl !== undefined) database = await createThrowawayDatabase(pgUrl);
});
afterAll(async () => {
  await database?.drop();
  rmSync(sqliteDir, { recursive: true, force: true });
});

describe('a read-only SQLite connection (a history worker) to a log not yet migrated', () => {
  it('opens it, and reads everything (no readAllAsAt) rather than failing on the missing column', async () => {
    const sqlite = makers[0]!;
    const store = await sqlite.open();
    await appendAll(
      store,
      rawEvents([{ type: 'ContributionReceived', allocation: 0, date: '2025-04-01' }]),
    );
    const path = (store.readerLocation as { path: string }).path;
    await (await sqlite.unmigrate(store)).close();
    const raw = new Database(path);
    raw.exec(
      'DROP INDEX events_as_at; ALTER TABLE events DROP COLUMN effective_date; DELETE FROM schema_version WHERE version = 4',
    );
    raw.close();
    const reader = createSqliteEventStore(path, { readOnly: true });
    try {
      expect(reader.readAllAsAt).toBeUndefined();
      expect((await reader.readAll(0n, 10)).length).toBe(1);
    } finally {
      await reader.close();
    }
  });
});

describe.each(makers)('historical reads as at a date on $name', (maker) => {
  it('property: for random histories and jobs (asAt, atPosition, snapped or not, some projections), the new path answers byte for byte what reading and folding everything from position 0 answers', async () => {
    await fc.assert(
      fc.asyncProperty(
        opsWithPoolYearArbitrary,
        historyJobsArbitrary(5),
        fc.integer({ min: 1, max: 7 }),
        async (ops, jobs, batchSize) => {
          const { events } = historyOf(ops);
          const store = await maker.open();
          try {
            await appendAll(store, events.map(asNew));
            const head = await store.headPosition();
            const keepers = createWaypointKeepers({ everyEvents: 3, maxBytesPerEvent: Infinity });
            for (const { pick, asAt, snapToAppend, projections } of jobs) {
              const job = {
                kind: 'books' as const,
                ...(asAt === null ? {} : { asAt }),
                atPosition: BigInt(pick) % (head + 1n),
                snapToAppend,
                projections,
              };
              const now = await runHistoryJob(store, job, batchSize, {}, keepers);
              const before = await runHistoryJob(
                readingEverything(store),
                { ...job, projections: ALL_PROJECTIONS },
                batchSize,
              );
              if (now.kind !== 'books' || before.kind !== 'books') throw new Error('books asked');
              expect(now.position).toBe(before.position);
              expect(now.eventsFolded).toBe(before.eventsFolded);
              const all = textOf(before.projections);
              expect(textOf(now.projections)).toEqual(
                Object.fromEntries(projections.map((name) => [name, all[name]])),
              );
            }
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 15 },
    );
  }, 240_000);

  it('property: a request dated after asAt is still seen, so its undated decisions are left out; dates that are not strings always count', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawEventsArbitrary,
        fc.constantFrom(...AS_AT_DATES),
        fc.integer({ min: 1, max: 7 }),
        async (drawn, asAt, limit) => {
          const store = await maker.open();
          try {
            await appendAll(store, rawEvents(drawn));
            const upTo = await store.headPosition();
            const keepTypes = ['AllocationRequested'];
            expect(store.readAllAsAt).toBeDefined();
            const narrowed = await countedPositions(
              (afterPosition) =>
                store.readAllAsAt!({ afterPosition, upTo, limit, asAt, keepTypes }),
              asAt,
            );
            const everything = await countedPositions((after) => store.readAll(after, limit), asAt);
            expect(narrowed).toEqual(everything);
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 240_000);

  it('a log written before the column existed is filled by the migration: the same events come back', async () => {
    const store = await maker.open();
    await appendAll(
      store,
      rawEvents(
        AS_AT_DATES.flatMap((date, i) => [
          { type: 'ContributionReceived', allocation: i % 5, date },
          { type: 'AllocationRequested', allocation: i % 5, date },
          { type: 'AllocationApproved', allocation: i % 5, date: undefined },
          { type: 'ContributionReceived', allocation: 0, date: 20250401 },
        ]),
      ),
    );
    const reopened = await maker.unmigrate(store);
    try {
      const upTo = await reopened.headPosition();
      const asAt = DATES[2]!;
      const read = await reopened.readAllAsAt!({
        afterPosition: 0n,
        upTo,
        limit: 1_000,
        asAt,
        keepTypes: [],
      });
      const all = await reopened.readAll(0n, 1_000);
      const expected = all.filter((event) => {
        const date = (event.data as { effectiveDate?: unknown }).effectiveDate;
        return typeof date !== 'string' || date <= asAt;
      });
      expect(read.map((e) => e.position)).toEqual(expected.map((e) => e.position));
      expect(read.length).toBeLessThan(all.length);
      expect(read.length).toBeGreaterThan(0);
    } finally {
      await reopened.close();
    }
  });
});
