/**
 * The books as the read-only CLI commands (cba, unit-costs list, agreed-contributions) see them:
 * the whole event log folded into fresh books, the way `potledger rebuild` does, so they need no
 * running server and show exactly what the log says.
 */
import { asLedgerEnvelope } from '../../events/index.ts';
import { createLedgerBooks, type LedgerBooks } from '../../projections/index.ts';
import { MAX_READ_ALL_BATCH_EVENTS, type EventStore, type RecordedEvent } from '../store/eventStore.ts';
import { openExistingEventStore } from '../store/openStore.ts';

/** Folds the whole log into fresh books; `onBatch` hears of each page once it is folded (for counting). */
export async function readBooks(store: EventStore, onBatch?: (batch: readonly RecordedEvent[]) => void): Promise<LedgerBooks> {
  const books = createLedgerBooks();
  let position = 0n;
  for (;;) {
    const batch = await store.readAll(position, MAX_READ_ALL_BATCH_EVENTS);
    if (batch.length === 0) return books;
    for (const event of batch) {
      const envelope = asLedgerEnvelope(event);
      if (envelope !== null) books.evolve(envelope);
    }
    onBatch?.(batch);
    position = batch[batch.length - 1]!.position;
  }
}

/** Opens the store at `storeUrl`, folds its log and closes it again. */
export async function readBooksFrom(storeUrl: string): Promise<LedgerBooks> {
  const store = await openExistingEventStore(storeUrl);
  try {
    return await readBooks(store);
  } finally {
    await store.close();
  }
}
