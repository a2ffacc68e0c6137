/**
 * Child process for the "rebuild all projections by replay" row: opens the store named by
 * LEDGER_STORE and folds the whole log, page by page, into fresh in-memory books (every
 * projection the server keeps), as the server's start-up replay and `potledger rebuild` do.
 * Prints one JSON line: events, elapsed time, and its own peak RSS (VmHWM).
 */
import { readBooks } from '../src/cli/books.ts';
import { openExistingEventStore } from '../src/store/openStore.ts';
import { peakRssMiB } from './child.ts';

const storeUrl = process.env.LEDGER_STORE;
if (storeUrl === undefined) throw new Error('replayChild: set LEDGER_STORE');
const store = await openExistingEventStore(storeUrl);
const startedAt = performance.now();
let events = 0;
// The same fold the read-only CLI commands use (src/cli/books.ts), counting pages as they go.
await readBooks(store, (batch) => {
  events += batch.length;
});
const elapsedMs = performance.now() - startedAt;
await store.close();
process.stdout.write(
  `${JSON.stringify({ events, elapsedMs, eventsPerSecond: Math.round(events / (elapsedMs / 1000)), peakRssMiB: peakRssMiB(process.pid) })}\n`,
);
