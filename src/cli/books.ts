/**
 * The books as the read-only CLI commands (cba, unit-costs list, agreed-contributions) see them:
 * the whole event log folded into fresh books, the way `potledger rebuild` does, so they need no
 * running server and show exactly what the log says.
 */
import { createLedgerBooks, type LedgerBooks } from '../../projections/index.ts';
import { foldLog } from '../books/foldLog.ts';
import type { EventStore, RecordedEvent } from '../store/eventStore.ts';
import { openExistingEventStore } from '../store/openStore.ts';

/** Folds the whole log into fresh books; `onBatch` hears of each page once it is folded (for counting). */
export async function readBooks(
  store: EventStore,
  onBatch?: (batch: readonly RecordedEvent[]) => void,
): Promise<LedgerBooks> {
  const books = createLedgerBooks();
  await foldLog(store, {}, { books, ...(onBatch === undefined ? {} : { pages: onBatch }) });
  return books;
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
