/**
 * Picks the event store from LEDGER_STORE (DESIGN.md "Configuration").
 */
import { createEsdbEventStore } from './esdbEventStore.ts';
import { createPostgresEventStore } from './postgresEventStore.ts';
import { redactUrl } from '../readModels/openReadModels.ts';
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
  if (/^(esdb|kurrentdb)(\+discover)?:\/\//.test(url)) {
    return createEsdbEventStore(url);
  }
  throw new Error(`LEDGER_STORE must start with sqlite:, postgres://, esdb:// or kurrentdb://, got ${JSON.stringify(redactUrl(url))}`);
}
