/**
 * Picks the event store from LEDGER_STORE (DESIGN.md "Configuration").
 */
import { createPostgresEventStore } from './postgresEventStore.ts';
import { createSqliteEventStore } from './sqliteEventStore.ts';
import type { EventStore } from './eventStore.ts';

export async function openEventStore(url: string): Promise<EventStore> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new Error('LEDGER_STORE=sqlite:<path> needs a file path (or :memory:)');
    return createSqliteEventStore(path);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return createPostgresEventStore(url);
  }
  if (url.startsWith('esdb://') || url.startsWith('kurrentdb://')) {
    throw new Error(`LEDGER_STORE ${url.split(':')[0]}: the EventStoreDB adapter is not built yet`);
  }
  throw new Error(`LEDGER_STORE must start with sqlite:, postgres:// or esdb://, got ${JSON.stringify(url)}`);
}
