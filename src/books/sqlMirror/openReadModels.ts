/**
 * Where the SQL read models live (LEDGER_READ_MODELS), and opening a writer there.
 *
 *   sqlite:<path>            SQLite file (by default the events' own file)
 *   postgres://… (postgresql://…)  PostgreSQL database (by default the events' own database)
 *   off                      no SQL read models; the API serves from memory as always
 */
import { createPostgresTarget } from './postgresTarget.ts';
import {
  createReadModelWriter,
  type ReadModelWriter,
  type ReadModelWriterOptions,
} from './readModelWriter.ts';
import { createSqliteTarget } from './sqliteTarget.ts';
import type { SqlTarget } from './sqlTarget.ts';

export const READ_MODELS_OFF = 'off';

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

/** The database a URL names, for the read models. Throws on anything else. */
export function createSqlTarget(url: string): SqlTarget {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '' || path === ':memory:') {
      throw new Error(
        'read models need a SQLite file: an in-memory database is private to one connection (LEDGER_READ_MODELS=sqlite:<path>)',
      );
    }
    return createSqliteTarget(path);
  }
  if (isPostgresUrl(url)) return createPostgresTarget(url);
  throw new Error(
    `LEDGER_READ_MODELS must be sqlite:<path>, postgres://… or ${READ_MODELS_OFF}, got ${JSON.stringify(redactUrl(url))}`,
  );
}

/** Opens (and migrates) the read-model tables at `url`; see ReadModelWriterOptions. */
export async function openReadModelWriter(
  url: string,
  options: ReadModelWriterOptions = {},
): Promise<ReadModelWriter> {
  const target = createSqlTarget(url);
  try {
    return await createReadModelWriter(target, options);
  } catch (error) {
    await target.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The read-model URL for a ledger whose events are at `storeUrl`, or null for none:
 * LEDGER_READ_MODELS when set ("off" turns them off); else the events' own SQLite file or
 * PostgreSQL database; else (EventStoreDB, an in-memory SQLite store) none, because there is
 * no SQL database to put them in until one is configured.
 */
export function resolveReadModelsUrl(
  storeUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const configured = env.LEDGER_READ_MODELS?.trim();
  if (configured !== undefined && configured !== '') {
    if (configured === READ_MODELS_OFF) return null;
    assertReadModelsUrl(configured);
    return configured;
  }
  if (storeUrl.startsWith('sqlite:')) {
    const path = storeUrl.slice('sqlite:'.length);
    return path === '' || path === ':memory:' ? null : storeUrl;
  }
  return isPostgresUrl(storeUrl) ? storeUrl : null;
}

/** Validates the form of a read-model URL without connecting. */
function assertReadModelsUrl(url: string): void {
  const sqlitePath = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : undefined;
  if (sqlitePath !== undefined && sqlitePath !== '' && sqlitePath !== ':memory:') return;
  if (isPostgresUrl(url)) return;
  throw new Error(
    `LEDGER_READ_MODELS must be sqlite:<file path>, postgres://… or ${READ_MODELS_OFF}, got ${JSON.stringify(redactUrl(url))}`,
  );
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
