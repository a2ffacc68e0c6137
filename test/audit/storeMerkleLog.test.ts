/**
 * The store-backed Merkle log over the real stores (SQLite; PostgreSQL when LEDGER_TEST_PG_URL
 * is set): restarted from its exported state, so every chunk a proof needs is read back through
 * readAll and every event is found through positionOfEventId, it answers as the memory log.
 */
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryMerkleLog,
  MERKLE_CHUNK_LEAVES,
  type StoreMerkleLogState,
} from '../../src/audit/merkleLog.ts';
import { openMerkleLog, promising } from '../../src/audit/storeMerkleLog.ts';
import type { EventStore, NewEvent, RecordedEvent } from '../../src/store/eventStore.ts';
import { createPostgresEventStore } from '../../src/store/postgres/postgresEventStore.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { createThrowawayDatabase, testPostgresUrl } from '../support/postgres.ts';

/** Three whole chunks and a filling one. */
const EVENTS = 3 * MERKLE_CHUNK_LEAVES + 41;
const STREAMS = 5;
const TEST_TIMEOUT_MS = 60_000;

function newEvent(i: number): NewEvent {
  return {
    eventId: ulid(),
    type: 'TestHappened',
    data: { n: i },
    metadata: {
      commandId: ulid(),
      correlationId: ulid(),
      actor: { sub: 'alice', role: 'finance-officer' },
      recordedAt: '2025-06-01T09:30:00.000Z',
    },
  };
}

async function fill(store: EventStore): Promise<RecordedEvent[]> {
  const revisions = new Map<string, bigint>();
  for (let i = 0; i < EVENTS; i += STREAMS) {
    const requests = Array.from({ length: STREAMS }, (_, s) => {
      const streamId = `pot-${s}`;
      return {
        streamId,
        events: [newEvent(i + s)],
        expected: revisions.get(streamId) ?? ('no-stream' as const),
      };
    });
    const outcomes = await store.appendBatch(requests);
    for (const [s, outcome] of outcomes.entries()) {
      if (outcome instanceof Error) throw outcome;
      revisions.set(`pot-${s}`, outcome.lastRevision);
    }
  }
  const events: RecordedEvent[] = [];
  for (let after = 0n; ;) {
    const page = await store.readAll(after, 1_000);
    if (page.length === 0) return events;
    events.push(...page);
    after = page.at(-1)!.position;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const stores: [string, () => Promise<EventStore>][] = [
  ['SQLite', async () => createSqliteEventStore(':memory:')],
];
const pgUrl = testPostgresUrl();
if (pgUrl !== undefined) {
  stores.push([
    'PostgreSQL',
    async () => {
      const database = await createThrowawayDatabase(pgUrl);
      const store = await createPostgresEventStore(database.url);
      cleanups.push(async () => {
        await store.close();
        await database.drop();
      });
      return store;
    },
  ]);
}

describe.each(stores)('the store-backed Merkle log on %s', (name, open) => {
  it(
    'reads chunks and event ids back from the store and answers as the memory log',
    async () => {
      const store = await open();
      const events = await fill(store);
      const folded = openMerkleLog(store);
      const memory = promising(createMemoryMerkleLog());
      for (const event of events.slice(0, -3)) {
        folded.append(event);
        memory.append(event);
      }
      const state = folded.exportState();
      expect(state.kind).toBe('store');
      // A restart: nothing cached, every chunk below the filling one comes from the store.
      const log = openMerkleLog(store, state as StoreMerkleLogState);
      const size = log.size();
      expect(await log.checkpoint()).toEqual(await memory.checkpoint());
      for (const at of [1, 255, 256, 257, 600, size - 1]) {
        expect(await log.checkpoint(at)).toEqual(await memory.checkpoint(at));
        expect(await log.consistencyProof(at)).toEqual(await memory.consistencyProof(at));
      }
      for (const index of [0, 100, 255, 256, 511, 700, size - 1]) {
        const { eventId } = events[index]!;
        expect(await log.inclusionProof(eventId)).toEqual(await memory.inclusionProof(eventId));
        expect(await log.inclusionProof(eventId, index + 1)).toEqual(
          await memory.inclusionProof(eventId, index + 1),
        );
      }
      // Stored but not folded yet, and never stored: not in this log.
      expect(await log.indexOf(events.at(-1)!.eventId)).toBeUndefined();
      expect(await log.inclusionProof(ulid())).toBeUndefined();
      if (name === 'SQLite') await store.close();
    },
    TEST_TIMEOUT_MS,
  );
});
