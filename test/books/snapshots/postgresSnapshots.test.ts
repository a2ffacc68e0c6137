/**
 * Books snapshots do not depend on the event store: on PostgreSQL (log chain in the store) a
 * ledger restarted from its snapshot holds the same books as a full fold, and a snapshot from
 * another PostgreSQL log is refused. Runs when LEDGER_TEST_PG_URL names a server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectSameBooks } from './sameBooks.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLedgerData } from '../../../bench/generate.ts';
import { createLedger, type SnapshotReport } from '../../../src/app/ledger.ts';
import { createBooksSnapshots } from '../../../src/books/snapshots/booksSnapshots.ts';
import { createPostgresEventStore } from '../../../src/store/postgres/postgresEventStore.ts';
import { testPostgresUrl, uniqueIdentifier, withClient } from '../../support/postgres.ts';

const url = testPostgresUrl();
const work = mkdtempSync(join(tmpdir(), 'potledger-pg-snapshots-'));
const schemas: string[] = [];
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  if (url === undefined) return;
  for (const schema of schemas)
    await withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
});

async function pgLog(seed: number): Promise<string> {
  const schema = uniqueIdentifier('snap');
  schemas.push(schema);
  const store = await createPostgresEventStore(url!, { schema });
  await generateLedgerData({ store, seed, pots: 2, events: 150 });
  await store.close();
  return schema;
}

async function open(schema: string, dir?: string) {
  const reports: SnapshotReport[] = [];
  const logged: string[] = [];
  const ledger = await createLedger({
    store: await createPostgresEventStore(url!, { schema }),
    ...(dir === undefined
      ? {}
      : { snapshots: createBooksSnapshots({ dir, log: (message) => logged.push(message) }) }),
    snapshotPolicy: { checkIntervalMs: 3_600_000 },
    onSnapshot: (report) => reports.push(report),
  });
  return { ledger, reports, logged };
}

describe.skipIf(url === undefined)('books snapshots on PostgreSQL', () => {
  it('restart from the snapshot gives the books of a full fold; another log refuses it', async () => {
    const schema = await pgLog(5);
    const dir = join(work, 'snapshots');
    const first = await open(schema, dir);
    await first.ledger.close(); // the shutdown snapshot
    const restored = await open(schema, dir);
    const full = await open(schema);
    try {
      expect(restored.reports.find((r) => r.kind === 'loaded')).toBeDefined();
      expectSameBooks(restored.ledger.books.state, full.ledger.books.state);
    } finally {
      await restored.ledger.close();
      await full.ledger.close();
    }
    const other = await open(await pgLog(6), dir);
    try {
      expect(other.reports.find((r) => r.kind === 'loaded')).toBeUndefined();
      expect(other.logged.join('\n')).toMatch(/not used/);
    } finally {
      await other.ledger.close();
    }
  });
});
