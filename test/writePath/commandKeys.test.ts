/**
 * A caller's idempotency key reused on another stream, sent to two servers sharing one
 * database (PostgreSQL, one SQLite file, or EventStoreDB: here a model of its client) at the same
 * moment: neither server knows of the other's command in flight, so only the store's command keys
 * (a command_keys table, or EventStoreDB's key streams) can refuse one of them, and the write path
 * answers that refusal IDEMPOTENCY_KEY_REUSED, never as a failure. Keys accepted before are read
 * from the store, never from memory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../commands/domainError.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { createPostgresEventStore } from '../../src/store/postgres/postgresEventStore.ts';
import { createEsdbEventStore, type EsdbClient } from '../../src/store/esdb/esdbEventStore.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { ModelEsdbClient } from '../store/esdbModelClient.ts';
import {
  TEST_PG_URL_ENV,
  createThrowawayDatabase,
  testPostgresUrl,
  uniqueIdentifier,
  type ThrowawayDatabase,
} from '../support/postgres.ts';
import { ADMIN, EFFECTIVE_DATE, allEvents, ledgerOn, setUp, tempDbPath } from './support.ts';

/** Keys each sent to both servers at once, for two different pots. */
const RACED_KEYS = 12;

const databases: ThrowawayDatabase[] = [];
afterAll(async () => {
  for (const database of databases) await database.drop();
});

/** Two stores on one database, as two servers would open it. */
const pairs: [string, () => Promise<[EventStore, EventStore]>][] = [
  [
    'SQLite',
    async () => {
      const path = tempDbPath();
      return [createSqliteEventStore(path), createSqliteEventStore(path)];
    },
  ],
];
// EventStoreDB keeps each key in a key stream of its own (src/store/esdb/commandKeyClaims.ts):
// here over the in-memory model of its client; against a real server in test/store.
pairs.push([
  'EventStoreDB (client model)',
  async () => {
    const model = new ModelEsdbClient();
    // Each server its own client over the one model; closing one must not drop the other's feed.
    const client = () => ({
      appendToStream: model.appendToStream.bind(model),
      readStream: model.readStream.bind(model),
      readAll: model.readAll.bind(model),
      subscribeToAll: model.subscribeToAll.bind(model),
      dispose: async () => undefined,
    });
    return [
      createEsdbEventStore(client() as unknown as EsdbClient),
      createEsdbEventStore(client() as unknown as EsdbClient),
    ];
  },
]);
const serverUrl = testPostgresUrl();
if (serverUrl === undefined) {
  console.warn(`[command keys] PostgreSQL case SKIPPED: ${TEST_PG_URL_ENV} is not set`);
} else {
  pairs.push([
    'PostgreSQL',
    async () => {
      const database = await createThrowawayDatabase(serverUrl);
      databases.push(database);
      const schema = uniqueIdentifier('keys');
      return [
        await createPostgresEventStore(database.url, { schema }),
        await createPostgresEventStore(database.url, { schema }),
      ];
    },
  ]);
}

describe.each(pairs)('command keys across servers on %s', (_name, openPair) => {
  it('accepts a key reused on another pot on exactly one of two servers; the other answers IDEMPOTENCY_KEY_REUSED', async () => {
    const [first, second] = await openPair();
    try {
      const a = ledgerOn(first);
      const setup = await setUp(a, 2);
      const b = ledgerOn(second, {}, 'B');
      const contribute = (ledger: typeof a, potId: string, key: string) =>
        ledger.commands
          .contributeToPot(
            potId,
            {
              agencyId: 'essex-police',
              amount: '10.00',
              effectiveDate: EFFECTIVE_DATE,
              reference: key,
            },
            ledger.envelope(ADMIN, key),
          )
          .then(
            () => 'ok',
            (e: unknown) => (e instanceof DomainError ? e.code : Promise.reject(e)),
          );
      const answers = await Promise.all(
        Array.from({ length: RACED_KEYS }, (_, i) =>
          Promise.all([
            contribute(a, setup.potIds[0]!, `raced-${i}`),
            contribute(b, setup.potIds[1]!, `raced-${i}`),
          ]),
        ),
      );
      for (const pair of answers)
        expect([...pair].sort()).toEqual(['IDEMPOTENCY_KEY_REUSED', 'ok']);
      const contributions = (await allEvents(first)).filter(
        (e) => e.type === 'ContributionReceived',
      );
      expect(contributions).toHaveLength(RACED_KEYS);
      expect(new Set(contributions.map((e) => e.metadata.commandId)).size).toBe(RACED_KEYS);

      // The winner's own retry, on the server that lost, is still the original answer's to give.
      const [firstPair] = answers;
      const winner = firstPair![0] === 'ok' ? a : b;
      const winnerPot = firstPair![0] === 'ok' ? setup.potIds[0]! : setup.potIds[1]!;
      const loser = winner === a ? b : a;
      const retried = await loser.commands.contributeToPot(
        winnerPot,
        {
          agencyId: 'essex-police',
          amount: '10.00',
          effectiveDate: EFFECTIVE_DATE,
          reference: 'raced-0',
        },
        loser.envelope(ADMIN, 'raced-0'),
      );
      expect(retried.replayed).toBe(true);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('answers a refused command under a key the other server accepted on another pot IDEMPOTENCY_KEY_REUSED, read from the store', async () => {
    const [first, second] = await openPair();
    try {
      const a = ledgerOn(first);
      const setup = await setUp(a, 2);
      const b = ledgerOn(second, {}, 'B');
      const contribute = (ledger: typeof a, potId: string, agencyId: string, key: string) =>
        ledger.commands
          .contributeToPot(
            potId,
            { agencyId, amount: '10.00', effectiveDate: EFFECTIVE_DATE, reference: key },
            ledger.envelope(ADMIN, key),
          )
          .then(
            () => 'ok',
            (e: unknown) => (e instanceof DomainError ? e.code : Promise.reject(e)),
          );
      // An agency never registered: its contribution is refused on its own merits.
      const ownRefusal = await contribute(b, setup.potIds[1]!, 'never-registered', 'fresh-key');
      expect(ownRefusal).not.toBe('IDEMPOTENCY_KEY_REUSED');
      expect(ownRefusal).not.toBe('ok');
      expect(await contribute(a, setup.potIds[0]!, 'essex-police', 'taken-key')).toBe('ok');
      const before = (await allEvents(first)).length;
      expect(await contribute(b, setup.potIds[1]!, 'never-registered', 'taken-key')).toBe(
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect(await contribute(b, setup.potIds[1]!, 'essex-police', 'taken-key')).toBe(
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect(await first.commandKeyStream({ sub: ADMIN.sub, commandId: 'taken-key' })).toBe(
        `pot-${setup.potIds[0]!}`,
      );
      expect(await first.commandKeyStream({ sub: ADMIN.sub, commandId: 'fresh-key' })).toBe(
        undefined,
      );
      expect((await allEvents(first)).length).toBe(before);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
