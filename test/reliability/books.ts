/**
 * "The books after a restart equal a fresh replay": read every answer the reporting side and
 * the auditors rely on, from the running server over HTTP and from an independent ledger built
 * in this process over a copy of the same SQLite file, and compare them whole.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { signToken } from '../../src/auth/tokens.ts';
import { createServedLedger } from '../../src/app/servedLedger.ts';
import {
  createSqliteEventStore,
  type SqliteEventStorePragmas,
} from '../../src/store/sqlite/sqliteEventStore.ts';
import {
  injectGetJson,
  readAllAuditEntries,
  readAllEvents,
  type GetJson,
  type Json,
  type RawEvent,
} from './ledgerHttp.ts';

const REPLAY_JWT_SECRET = 'reliability-replay-secret-0123456789abcdef';

export interface Books {
  readonly agencies: Json;
  readonly pots: Json;
  readonly potDetails: Record<string, Json>;
  readonly balances: Record<string, Json>;
  readonly flows: Json;
  readonly flowsPerPot: Record<string, Json>;
  readonly audit: Json[];
  readonly events: RawEvent[];
}

/** Every projection answer, as of `minPosition` (the reader waits until its books reach it). */
export async function readBooks(get: GetJson, minPosition: string): Promise<Books> {
  const at = `minPosition=${minPosition}`;
  const agencies = await get(`/v1/agencies?${at}`);
  const pots = await get(`/v1/pots?${at}`);
  const potIds = (pots.pots as { potId: string }[]).map((p) => p.potId);
  const agencyIds = (agencies.agencies as { agencyId: string }[]).map((a) => a.agencyId);
  const potDetails: Record<string, Json> = {};
  const flowsPerPot: Record<string, Json> = {};
  for (const potId of potIds) {
    potDetails[potId] = await get(`/v1/pots/${potId}?${at}`);
    flowsPerPot[potId] = await get(`/v1/flows?potId=${potId}&${at}`);
  }
  const balances: Record<string, Json> = {};
  for (const agencyId of agencyIds)
    balances[agencyId] = await get(`/v1/agencies/${agencyId}/balances?${at}`);
  return {
    agencies,
    pots,
    potDetails,
    balances,
    flows: await get(`/v1/flows?${at}`),
    flowsPerPot,
    audit: await readAllAuditEntries(get, minPosition),
    events: await readAllEvents(get),
  };
}

/** A consistent copy of a live SQLite file (WAL included), taken through SQLite's backup API. */
export async function copyDatabase(livePath: string, copyPath: string): Promise<void> {
  const source = new Database(livePath, { readonly: true, fileMustExist: true });
  try {
    await source.backup(copyPath);
  } finally {
    source.close();
  }
}

export interface FreshReplay {
  readonly books: Books;
  /** The settings the store applies when it opens that file (synchronous is per connection). */
  readonly pragmas: SqliteEventStorePragmas;
}

/**
 * Folds the log in `dbPath` (copied first into `scratchDir`, so the running server is not
 * touched) into brand-new books through the real composition, and reads them with app.inject.
 */
export async function freshReplay(
  dbPath: string,
  scratchDir: string,
  label: string,
  options: { copy?: boolean } = {},
): Promise<FreshReplay> {
  let path = dbPath;
  if (options.copy ?? true) {
    path = join(scratchDir, `replay-${label}.db`);
    await copyDatabase(dbPath, path);
  }
  const store = createSqliteEventStore(path);
  const ledger = await createServedLedger({ store, jwtSecret: REPLAY_JWT_SECRET });
  try {
    const get = injectGetJson(
      ledger.app,
      signToken(REPLAY_JWT_SECRET, { sub: 'replay-auditor', role: 'auditor' }),
    );
    const books = await readBooks(get, (await store.headPosition()).toString());
    return { books, pragmas: store.pragmas() };
  } finally {
    await ledger.close();
  }
}

/** What SQLite keeps in the file itself, and whether the file is sound. */
export function fileSettings(dbPath: string): { journalMode: string; integrity: string } {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return {
      journalMode: String(db.pragma('journal_mode', { simple: true })),
      integrity: String(db.pragma('integrity_check', { simple: true })),
    };
  } finally {
    db.close();
  }
}
