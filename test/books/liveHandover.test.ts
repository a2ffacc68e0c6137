/**
 * The live books take this process's appends from the write path, not from the store: after a
 * burst of API writes the runner's subscription has delivered none of them, and the books equal
 * a fresh fold of the log. Appends by another process on the same file still reach them, through
 * the subscription, and later appends are handed over again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLedgerBooks } from '../../projections/index.ts';
import { foldLog } from '../../src/books/foldLog.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { createTestLedger, expectCreated, type TestLedger } from '../support/testLedger.ts';
import { expectSameBooks } from './snapshots/sameBooks.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The SQLite store at `path`, counting the events its subscriptions deliver. */
function countingStore(path: string): { store: EventStore; subscribed: () => number } {
  const store = createSqliteEventStore(path);
  let subscribed = 0;
  return {
    store: {
      ...store,
      subscribe: (after, onBatch, options) =>
        store.subscribe(
          after,
          (events) => {
            subscribed += events.length;
            return onBatch(events);
          },
          options,
        ),
    },
    subscribed: () => subscribed,
  };
}

async function openPot(ledger: TestLedger): Promise<string> {
  const admin = ledger.token('admin', { sub: 'alice' });
  for (const agencyId of ['essex-cc', 'essex-police']) {
    await expectCreated(
      ledger.post('/v1/agencies', admin, { agencyId, name: agencyId, kind: 'council' }),
    );
  }
  const pot = await expectCreated(
    ledger.post('/v1/pots', admin, {
      name: 'Essex Reducing Reoffending',
      area: 'Essex',
      hostAgencyId: 'essex-cc',
      partnerAgencyIds: ['essex-police'],
    }),
  );
  return pot.potId as string;
}

function contribute(ledger: TestLedger, potId: string, reference: string) {
  return expectCreated(
    ledger.post(
      `/v1/pots/${potId}/contributions`,
      ledger.token('finance-officer', { sub: 'carol', agency: 'essex-cc' }),
      { agencyId: 'essex-cc', amount: '125.50', effectiveDate: '2025-04-10', reference },
    ),
  );
}

async function expectBooksOfTheLog(ledger: TestLedger): Promise<void> {
  const books = createLedgerBooks();
  await foldLog(ledger.store, {}, { books });
  expect(ledger.runner.position()).toBe(await ledger.store.headPosition());
  expectSameBooks(ledger.books.state, books.state);
}

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'potledger-handover-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'ledger.db');
}

describe('live books handed this process’s appends', () => {
  it('fold a burst of writes without reading them back, into the books a fold of the log gives', async () => {
    const { store, subscribed } = countingStore(tempFile());
    const ledger = await createTestLedger({ store });
    cleanups.push(() => ledger.close());

    const potId = await openPot(ledger);
    await Promise.all(Array.from({ length: 40 }, (_, i) => contribute(ledger, potId, `PO-${i}`)));

    expect(subscribed()).toBe(0);
    await expectBooksOfTheLog(ledger);
  });

  it('follow another process’s appends through the store, and take handed ones again after', async () => {
    const path = tempFile();
    const { store, subscribed } = countingStore(path);
    const ledger = await createTestLedger({ store });
    cleanups.push(() => ledger.close());
    const potId = await openPot(ledger);
    const other = await createTestLedger({ store: createSqliteEventStore(path) });
    cleanups.push(() => other.close());

    // The other process's write leaves a gap: this ledger's next page cannot follow its books.
    const foreign = await contribute(other, potId, 'PO-other');
    const own = await contribute(ledger, potId, 'PO-own');
    expect(BigInt(own.position as string)).toBeGreaterThan(BigInt(foreign.position as string));
    await ledger.readYourWrites(BigInt(own.position as string));
    const readBack = subscribed();
    expect(readBack).toBeGreaterThan(0);

    // Caught up: its own appends are handed over again, nothing more is read back.
    await contribute(ledger, potId, 'PO-own-2');
    expect(subscribed()).toBe(readBack);
    await expectBooksOfTheLog(ledger);
  });
});
