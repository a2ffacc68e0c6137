/**
 * Picks the event store from LEDGER_STORE (docs/operations.md, "Configuration").
 */
import { existsSync } from 'node:fs';
import { createEsdbEventStore } from './esdb/esdbEventStore.ts';
import { createPostgresEventStore } from './postgres/postgresEventStore.ts';
import { redactUrl } from '../books/sqlMirror/openReadModels.ts';
import { createSqliteEventStore } from './sqlite/sqliteEventStore.ts';
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
  throw new Error(
    `LEDGER_STORE must start with sqlite:, postgres://, esdb:// or kurrentdb://, got ${JSON.stringify(redactUrl(url))}`,
  );
}

/**
 * For commands that only read a log that must already exist (verify, audit-pack): a mistyped
 * SQLite path would otherwise create an empty database and report that nothing is wrong with it.
 */
export async function openExistingEventStore(url: string): Promise<EventStore> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== '' && path !== ':memory:' && !existsSync(path)) {
      throw new Error(
        `there is no event store at ${path} (LEDGER_STORE / LEDGER_DATA_DIR): nothing to check`,
      );
    }
  }
  return openEventStore(url);
}
