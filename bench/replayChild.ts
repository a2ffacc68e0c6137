/**
 * Child process for the "rebuild all projections by replay" row: opens the store named by
 * LEDGER_STORE and folds the whole log, page by page, into fresh in-memory books (every
 * projection the server keeps), as the server's start-up replay and `potledger rebuild` do.
 * Prints one JSON line: events, elapsed time, and its own peak RSS (VmHWM).
 */
import { asLedgerEnvelope } from '../events/index.ts';
import { createLedgerBooks } from '../projections/index.ts';
import { MAX_READ_ALL_BATCH_EVENTS } from '../src/store/eventStore.ts';
import { openExistingEventStore } from '../src/store/openStore.ts';
import { peakRssMiB } from './child.ts';

const storeUrl = process.env.LEDGER_STORE;
if (storeUrl === undefined) throw new Error('replayChild: set LEDGER_STORE');
const store = await openExistingEventStore(storeUrl);
const startedAt = performance.now();
const books = createLedgerBooks();
let position = 0n;
let events = 0;
for (;;) {
  const batch = await store.readAll(position, MAX_READ_ALL_BATCH_EVENTS);
  if (batch.length === 0) break;
  for (const event of batch) {
    const envelope = asLedgerEnvelope(event);
    if (envelope !== null) books.evolve(envelope);
  }
  position = batch[batch.length - 1]!.position;
  events += batch.length;
}
const elapsedMs = performance.now() - startedAt;
await store.close();
process.stdout.write(`${JSON.stringify({ events, elapsedMs, eventsPerSecond: Math.round(events / (elapsedMs / 1000)), peakRssMiB: peakRssMiB(process.pid) })}\n`);
