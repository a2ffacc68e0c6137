/**
 * A caller's idempotency key reused on another stream, sent to two servers sharing one
 * PostgreSQL database at the same moment: neither server's in-process index knows of the other's
 * command, so only the store's command_keys constraint can refuse one of them, and the write
 * path answers that refusal as the index would (IDEMPOTENCY_KEY_REUSED), never as a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../commands/domainError.ts';
import { createPostgresEventStore } from '../../src/store/postgres/postgresEventStore.ts';
import {
  TEST_PG_URL_ENV,
  createThrowawayDatabase,
  testPostgresUrl,
  uniqueIdentifier,
  type ThrowawayDatabase,
} from '../support/postgres.ts';
import { ADMIN, EFFECTIVE_DATE, allEvents, ledgerOn, setUp } from './support.ts';

/** Keys each sent to both servers at once, for two different pots. */
const RACED_KEYS = 12;

const serverUrl = testPostgresUrl();

if (serverUrl === undefined) {
  describe.skip(`command keys across servers (skipped: ${TEST_PG_URL_ENV} not set)`, () => {
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

  describe('command keys across servers', () => {
    it('accepts a key reused on another pot on exactly one of two servers; the other answers IDEMPOTENCY_KEY_REUSED', async () => {
      const schema = uniqueIdentifier('keys');
      const first = await createPostgresEventStore(database.url, { schema });
      const second = await createPostgresEventStore(database.url, { schema });
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
  });
}
