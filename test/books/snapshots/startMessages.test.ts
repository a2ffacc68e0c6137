/**
 * What a start says about books snapshots: nothing for an empty store, one plain line when the
 * log has events but no snapshot was ever taken, and a warning only when snapshots were there
 * and none could be used.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLedgerData } from '../../../bench/generate.ts';
import { createLedger, type SnapshotReport } from '../../../src/app/ledger.ts';
import { createBooksSnapshots } from '../../../src/books/snapshots/booksSnapshots.ts';
import { createSqliteEventStore } from '../../../src/store/sqlite/sqliteEventStore.ts';

const work = mkdtempSync(join(tmpdir(), 'potledger-start-messages-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function startReports(
  name: string,
  prepare: (dir: string) => Promise<void> | void,
): Promise<SnapshotReport[]> {
  const dir = join(work, name, 'snapshots');
  mkdirSync(dir, { recursive: true });
  await prepare(dir);
  const store = createSqliteEventStore(join(work, name, 'ledger.db'));
  const reports: SnapshotReport[] = [];
  const ledger = await createLedger({
    store,
    snapshots: createBooksSnapshots({ dir }),
    snapshotPolicy: { checkIntervalMs: 3_600_000 },
    onSnapshot: (report) => reports.push(report),
  });
  await ledger.close();
  await store.close();
  // A snapshot taken at close is another matter: only what the start said counts here.
  return reports.filter((r) => r.kind === 'skipped' || r.kind === 'loaded');
}

describe('start-up snapshot messages', () => {
  it('an empty store with no snapshot says nothing', async () => {
    expect(await startReports('empty', () => undefined)).toEqual([]);
  });

  it('a log with no snapshot yet says so plainly, not as a failure', async () => {
    const reports = await startReports('first-start', async () => {
      const store = createSqliteEventStore(join(work, 'first-start', 'ledger.db'));
      await generateLedgerData({ store, seed: 3, pots: 1, events: 20 });
      await store.close();
    });
    expect(reports).toEqual([
      { kind: 'skipped', reason: 'no books snapshot yet: folding the whole log' },
    ]);
  });

  it('a snapshot that cannot be used is reported as such', async () => {
    const reports = await startReports('broken', (dir) => {
      writeFileSync(join(dir, 'books-5.snapshot'), 'not a snapshot');
    });
    expect(reports).toEqual([
      {
        kind: 'skipped',
        reason: 'no valid snapshot (1 found, none usable): folding the whole log',
      },
    ]);
  });
});
