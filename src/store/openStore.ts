/**
 * Picks the event store from LEDGER_STORE (DESIGN.md "Configuration").
 */
import { createSqliteEventStore } from './sqliteEventStore.ts';
import type { EventStore } from './eventStore.ts';

export async function openEventStore(url: string): Promise<EventStore> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new Error('LEDGER_STORE=sqlite:<path> needs a file path (or :memory:)');
    return createSqliteEventStore(path);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://') || url.startsWith('esdb://') || url.startsWith('kurrentdb://')) {
    throw new Error(`LEDGER_STORE ${url.split(':')[0]}: this build has only the embedded SQLite store; PostgreSQL and EventStoreDB adapters are not built yet`);
  }
  throw new Error(`LEDGER_STORE must start with sqlite:, postgres:// or esdb://, got ${JSON.stringify(url)}`);
}
