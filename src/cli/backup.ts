/**
 * `potledger backup --to FILE` and `potledger restore --from FILE` for the embedded SQLite store.
 *
 * Backup uses SQLite's online backup API (better-sqlite3's `db.backup()`) from a connection of
 * its own, so a running server keeps appending while the copy is taken: the copy is the store as
 * it stood at one instant (every page from one read of the database), never a torn file as `cp`
 * of a live WAL database can be. The copy is verified (`potledger verify`: every hash, chain link
 * and the Merkle root) before it takes its final name, so a file named FILE is always a good one.
 *
 * Restore verifies the backup first (a copy of it, so the backup itself is never written to),
 * refuses a store a server has open, and replaces an existing store only with --force, keeping
 * the old one beside it: a ledger is never destroyed by a restore.
 *
 * PostgreSQL is backed up with pg_dump or a base backup and WAL archiving (docs/operations.md).
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { readConfig } from '../app/config.ts';
import { pageProgress } from './progress.ts';
import { verifyLog, type VerifyResult } from './verify.ts';

/** Pages copied per step of the online backup: 4 MiB at SQLite's default 4 KiB page. */
export const BACKUP_PAGES_PER_STEP = 1_024;
/**
 * A write by the server between two steps restarts the copy (SQLite's rule for a source changed
 * by another connection). After this many restarts the rest is copied in one step, which holds
 * one read transaction for the whole copy: WAL readers never block the server's writes, so a
 * busy server cannot keep a backup from finishing.
 */
export const MAX_BACKUP_RESTARTS = 3;
/** "Every page in one step": better-sqlite3 clamps the step to 0…2^31-1, so SQLite's -1 would copy nothing. */
const ALL_PAGES = 0x7fffffff;
/** How long the in-use probe waits for the store's lock: not at all, a server holds it for good. */
const IN_USE_PROBE_TIMEOUT_MS = 0;

export interface StoreCopyResult {
  readonly file: string;
  /** Times the online backup started again because the server wrote between two steps. */
  readonly restarts?: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly verified: VerifyResult;
}

interface Streams {
  /** Results. */
  readonly out: NodeJS.WritableStream;
  /** Progress (stderr for the CLI): a bar on a terminal, a line every few seconds otherwise. */
  readonly progress: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface BackupOptions extends Streams {
  readonly storeUrl: string;
  readonly toFile: string;
  /** Replace an existing file at toFile. */
  readonly force?: boolean;
  /** Pages per step (BACKUP_PAGES_PER_STEP); small in tests, so that writes land between steps. */
  readonly pagesPerStep?: number;
}

export interface RestoreOptions extends Streams {
  readonly storeUrl: string;
  readonly fromFile: string;
  /** Replace an existing store (kept beside it as <store>.before-restore-<time>). */
  readonly force?: boolean;
}

/** The file of an embedded store URL; anything else is refused with where to look instead. */
export function sqliteStorePath(storeUrl: string): string {
  if (!storeUrl.startsWith('sqlite:')) {
    throw new Error(
      'backup and restore copy the embedded SQLite store (LEDGER_STORE=sqlite:<path>); for PostgreSQL use pg_dump / pg_restore or a base backup with WAL archiving (docs/operations.md, "Backup and restore")',
    );
  }
  const path = storeUrl.slice('sqlite:'.length);
  if (path === '' || path === ':memory:')
    throw new Error('an in-memory store has nothing to back up');
  return resolve(path);
}

/** True when another connection (a server) has the database open: it holds a lock we cannot take. */
export function storeInUse(path: string): boolean {
  const db = new Database(path, { fileMustExist: true, timeout: IN_USE_PROBE_TIMEOUT_MS });
  try {
    // In WAL mode every open connection holds a shared lock on the -shm file; an exclusive
    // locking-mode transaction can only start when no other connection has the database open.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true;
    throw error;
  } finally {
    db.close();
  }
}

function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    rmSync(`${path}${suffix}`, { force: true });
}

/** A WAL database made one self-contained file (no -wal beside it), as a backup should be. */
function makeSelfContained(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

async function verifyCopy(path: string, streams: Streams): Promise<VerifyResult> {
  const verified = await verifyLog({
    storeUrl: `sqlite:${path}`,
    out: streams.out,
    progress: streams.progress,
  });
  makeSelfContained(path);
  return verified;
}

/** Copies the live store with the online backup API, verifies the copy, then names it `toFile`. */
export async function backupStore(options: BackupOptions): Promise<StoreCopyResult> {
  const source = sqliteStorePath(options.storeUrl);
  const target = resolve(options.toFile);
  if (!existsSync(source))
    throw new Error(`there is no event store at ${source}: nothing to back up`);
  if (target === source) throw new Error('the backup cannot be the store itself');
  if (!existsSync(dirname(target))) throw new Error(`${dirname(target)} does not exist`);
  if (existsSync(target) && options.force !== true) {
    throw new Error(`${target} exists: choose another file, or --force to replace it`);
  }
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  removeDatabaseFiles(partial);
  const startedAt = Date.now();
  let restarts = 0;
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    const bar = pageProgress(options.progress, 'backing up the store');
    const pagesPerStep = options.pagesPerStep ?? BACKUP_PAGES_PER_STEP;
    let remainingBefore = Number.POSITIVE_INFINITY;
    try {
      await db.backup(partial, {
        progress: ({ totalPages, remainingPages }) => {
          if (remainingPages > remainingBefore) restarts += 1;
          remainingBefore = remainingPages;
          bar.update(totalPages - remainingPages, totalPages);
          return restarts >= MAX_BACKUP_RESTARTS ? ALL_PAGES : pagesPerStep;
        },
      });
    } finally {
      bar.stop();
    }
  } catch (error) {
    removeDatabaseFiles(partial);
    throw error;
  } finally {
    db.close();
  }
  try {
    const verified = await verifyCopy(partial, options);
    if (!verified.ok)
      throw new Error(`the copy of ${source} does not verify; no backup was written`);
    if (existsSync(target)) removeDatabaseFiles(target);
    renameSync(partial, target);
    const bytes = statSync(target).size;
    const elapsedMs = Date.now() - startedAt;
    options.out.write(
      `Backup written to ${target}: ${verified.events} events, ${(bytes / 2 ** 20).toFixed(1)} MiB in ${(elapsedMs / 1000).toFixed(1)} s; ` +
        `restore it with \`potledger restore --from ${target}\`.\n`,
    );
    return { file: target, restarts, bytes, elapsedMs, verified };
  } finally {
    removeDatabaseFiles(partial);
  }
}

/** Where a replaced store is kept: beside it, named by the time of the restore. */
export function asideName(path: string, at: Date): string {
  return `${path}.before-restore-${at.toISOString().replace(/[:.]/g, '-')}`;
}

/** Verifies a backup, then puts it in place of the configured store. */
export async function restoreStore(options: RestoreOptions): Promise<StoreCopyResult> {
  const target = sqliteStorePath(options.storeUrl);
  const from = resolve(options.fromFile);
  if (!existsSync(from)) throw new Error(`there is no backup at ${from}`);
  if (from === target) throw new Error('the backup is the store itself: nothing to restore');
  const exists = existsSync(target);
  if (exists && storeInUse(target)) {
    throw new Error(
      `${target} is open in another process (a running server?): stop it before restoring`,
    );
  }
  if (exists && options.force !== true) {
    throw new Error(
      `${target} exists: restoring would replace it. Use --force (the current store is kept as ${basename(asideName(target, new Date()))}…)`,
    );
  }
  const startedAt = Date.now();
  // Verified in the target's own folder, so putting it in place is a rename, never a half-written file.
  mkdirSync(dirname(target), { recursive: true });
  const staging = join(dirname(target), `.${basename(target)}.restoring-${process.pid}`);
  removeDatabaseFiles(staging);
  try {
    copyFileSync(from, staging);
    const verified = await verifyCopy(staging, options);
    if (!verified.ok) throw new Error(`${from} does not verify: nothing was restored`);
    if (exists) {
      // A stale -wal beside the restored file would be replayed into it: the old files move together.
      const aside = asideName(target, new Date());
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(`${target}${suffix}`)) renameSync(`${target}${suffix}`, `${aside}${suffix}`);
      }
      options.out.write(`The replaced store is kept as ${aside}.\n`);
    }
    renameSync(staging, target);
    const bytes = statSync(target).size;
    const elapsedMs = Date.now() - startedAt;
    options.out.write(
      `Restored ${from} into ${target}: ${verified.events} events, root ${verified.checkpoint?.rootHash} at size ${verified.checkpoint?.size}. Start the server on it.\n`,
    );
    return { file: target, bytes, elapsedMs, verified };
  } finally {
    removeDatabaseFiles(staging);
  }
}

/** Adds `backup` and `restore` to the potledger CLI. */
export function registerBackupCommands(program: Command): Command {
  program
    .command('backup')
    .description(
      'copy the embedded store while the server runs (SQLite online backup), verified before it is kept',
    )
    .requiredOption('--to <file>', 'the backup file to write')
    .option('--force', 'replace the file if it exists')
    .action(async (options: { to: string; force?: boolean }) => {
      await backupStore({
        storeUrl: readConfig().storeUrl,
        toFile: options.to,
        force: options.force === true,
        out: process.stdout,
        progress: process.stderr,
      });
    });
  program
    .command('restore')
    .description('verify a backup and put it in place of the store (the server must be stopped)')
    .requiredOption('--from <file>', 'a file written by `potledger backup`')
    .option('--force', 'replace an existing store (it is kept beside the restored one)')
    .action(async (options: { from: string; force?: boolean }) => {
      await restoreStore({
        storeUrl: readConfig().storeUrl,
        fromFile: options.from,
        force: options.force === true,
        out: process.stdout,
        progress: process.stderr,
      });
    });
  return program;
}
