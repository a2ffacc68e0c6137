/**
 * Read models written from a longer log than the one the server now has (the event store was
 * restored from an older backup, or replaced) would never be corrected: the ledger refuses to
 * start on them and says to rebuild.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createLedger } from '../../../src/app/ledger.ts';
import { openReadModelWriter } from '../../../src/books/sqlMirror/openReadModels.ts';
import { createSqliteEventStore } from '../../../src/store/sqlite/sqliteEventStore.ts';
import { fileLedgerWithHistory } from './support.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('refuses to start when a read model checkpoint is past the end of the event log', async () => {
  // Read models in a file of their own (it outlives the event log), written from a full history.
  const history = await fileLedgerWithHistory();
  const reportingDir = mkdtempSync(join(tmpdir(), 'potledger-reporting-'));
  dirs.push(reportingDir);
  const readModelsUrl = `sqlite:${join(reportingDir, 'reporting.db')}`;
  const writer = await openReadModelWriter(readModelsUrl);
  const events = await history.ledger.store.readAll(0n, 10_000);
  await writer.applyBatch(events, history.ledger.books.state);
  await writer.close();
  await history.cleanup();

  // The same reporting database, now beside an empty event log.
  const emptyDir = mkdtempSync(join(tmpdir(), 'potledger-ahead-'));
  dirs.push(emptyDir);
  const store = createSqliteEventStore(join(emptyDir, 'ledger.db'));
  const readModels = await openReadModelWriter(readModelsUrl);
  expect(readModels.checkpoints().get('auditTrail')).toBeGreaterThan(0n);
  const started = await createLedger({ store, readModels }).then(
    (ledger) => ledger.close().then(() => 'started'),
    (error: Error) => error.message,
  );
  expect(started).toMatch(/event log ends at 0: .* run `potledger rebuild`/);
  await readModels.close();
  await store.close();
});
