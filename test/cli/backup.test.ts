/**
 * `potledger backup` and `restore` on the embedded store: a backup taken while the server keeps
 * appending restores to a ledger that verifies with the same Merkle root and answers the same
 * books; restore refuses a store in use, an existing store without --force, and a backup that
 * does not verify; the commands are wired into the CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backupStore,
  MAX_BACKUP_RESTARTS,
  restoreStore,
  sqliteStorePath,
  storeInUse,
} from '../../src/cli/backup.ts';
import { verifyLog } from '../../src/cli/verify.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { fileLedgerWithHistory } from '../books/sqlMirror/support.ts';
import { createTestLedger, type TestLedger } from '../support/testLedger.ts';

/** The CLI under tsx compiles on the fly: a cold start takes seconds on a busy machine. */
const CLI_TIMEOUT_MS = 60_000;
const REPO_ROOT = new URL('../..', import.meta.url).pathname;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function capture(isTTY = false): PassThrough & { isTTY: boolean; columns: number; text(): string } {
  const stream = new PassThrough() as PassThrough & {
    isTTY: boolean;
    columns: number;
    text(): string;
  };
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  stream.isTTY = isTTY;
  stream.columns = 120;
  stream.text = () => text;
  return stream;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'potledger-backup-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const quiet = () => ({ out: capture(), progress: capture() });

async function answers(ledger: TestLedger, urls: readonly string[], token: string) {
  const bodies: unknown[] = [];
  for (const url of urls) {
    const response = await ledger.get(url, token);
    expect(response.statusCode, url).toBe(200);
    bodies.push(response.json());
  }
  return bodies;
}

describe('potledger backup and restore (SQLite)', () => {
  it('a backup taken while the server appends restores to a ledger with the same root and the same books', async () => {
    const live = await fileLedgerWithHistory();
    cleanups.push(live.cleanup);
    const { potId, tokens } = live;
    // Writes go on for the whole backup, so pages change between its steps.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const r = await live.ledger.post(`/v1/pots/${potId}/contributions`, tokens.police, {
          agencyId: 'essex-police',
          amount: '10.00',
          effectiveDate: '2025-06-01',
          reference: `LIVE-${written}`,
        });
        expect(r.statusCode).toBe(201);
        written += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    while (written < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const writtenBefore = written;
    const file = join(tempDir(), 'ledger.backup.db');
    const backup = await backupStore({
      storeUrl: live.storeUrl,
      toFile: file,
      pagesPerStep: 1,
      ...quiet(),
    });
    const writtenDuring = written - writtenBefore;
    writing = false;
    await writer;
    expect(writtenDuring).toBeGreaterThan(0);
    expect(backup.restarts).toBeGreaterThanOrEqual(1);
    expect(backup.restarts).toBeLessThanOrEqual(MAX_BACKUP_RESTARTS);
    expect(backup.verified.ok).toBe(true);
    // A self-contained file: nothing left beside it.
    expect(readdirSync(join(file, '..')).sort()).toEqual(['ledger.backup.db']);

    const restoredUrl = `sqlite:${join(tempDir(), 'data', 'ledger.db')}`;
    const restored = await restoreStore({ storeUrl: restoredUrl, fromFile: file, ...quiet() });
    const checkpoint = restored.verified.checkpoint!;
    expect(checkpoint).toEqual(backup.verified.checkpoint);

    // `potledger verify` on the restored store: the same root; and the live log (which went on
    // growing) still starts with exactly those events.
    const checkpointFile = join(tempDir(), 'checkpoint.json');
    const again = await verifyLog({
      storeUrl: restoredUrl,
      saveCheckpointFile: checkpointFile,
      ...quiet(),
    });
    expect(again.checkpoint).toEqual(checkpoint);
    const liveHead = await live.ledger.store.headPosition();
    expect(liveHead).toBeGreaterThan(BigInt(checkpoint.position));
    const liveOut = capture();
    const grown = await verifyLog({
      storeUrl: live.storeUrl,
      checkpointFile,
      out: liveOut,
      progress: capture(),
    });
    expect(grown.ok).toBe(true);
    expect(liveOut.text()).toContain(`only grew since the checkpoint of ${checkpoint.size} events`);

    // The restored ledger answers what the live one answers at the backup's position.
    const restoredLedger = await createTestLedger({
      store: createSqliteEventStore(sqliteStorePath(restoredUrl)),
    });
    cleanups.push(() => restoredLedger.close());
    const urls = [
      `/v1/pots/${potId}`,
      '/v1/agencies/essex-police/balances',
      `/v1/flows?potId=${potId}`,
    ];
    const atBackup = urls.map(
      (url) => `${url}${url.includes('?') ? '&' : '?'}atPosition=${checkpoint.position}`,
    );
    const restoredBooks = await answers(restoredLedger, urls, tokens.auditor);
    expect(restoredBooks).toEqual(await answers(live.ledger, atBackup, tokens.auditor));
    // …and the figures really moved while the backup ran: the live books are further on.
    expect((restoredBooks[0] as { contributed: string }).contributed).not.toBe(
      ((await live.ledger.get(urls[0]!, tokens.auditor)).json() as { contributed: string })
        .contributed,
    );
  });

  it('restore refuses a store a server has open, and an existing store without --force; --force keeps the old one', async () => {
    const live = await fileLedgerWithHistory();
    cleanups.push(live.cleanup);
    const file = join(tempDir(), 'b.db');
    await backupStore({ storeUrl: live.storeUrl, toFile: file, ...quiet() });

    expect(storeInUse(live.storePath)).toBe(true);
    await expect(
      restoreStore({ storeUrl: live.storeUrl, fromFile: file, force: true, ...quiet() }),
    ).rejects.toThrow(/open in another process \(a running server\?\): stop it before restoring/);

    const dir = tempDir();
    const target = join(dir, 'ledger.db');
    await restoreStore({ storeUrl: `sqlite:${target}`, fromFile: file, ...quiet() });
    expect(storeInUse(target)).toBe(false);
    await expect(
      restoreStore({ storeUrl: `sqlite:${target}`, fromFile: file, ...quiet() }),
    ).rejects.toThrow(/exists: restoring would replace it\. Use --force/);

    const out = capture();
    await restoreStore({
      storeUrl: `sqlite:${target}`,
      fromFile: file,
      force: true,
      out,
      progress: capture(),
    });
    const kept = readdirSync(dir).filter((name) => name.startsWith('ledger.db.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(out.text()).toContain(`The replaced store is kept as ${join(dir, kept[0]!)}`);
    const old = await verifyLog({ storeUrl: `sqlite:${join(dir, kept[0]!)}`, ...quiet() });
    expect(old.ok).toBe(true);
  });

  it('restore refuses a backup that does not verify, and leaves nothing behind', async () => {
    const live = await fileLedgerWithHistory();
    cleanups.push(live.cleanup);
    const file = join(tempDir(), 'b.db');
    await backupStore({ storeUrl: live.storeUrl, toFile: file, ...quiet() });
    const db = new Database(file);
    db.prepare('UPDATE events SET type = ? WHERE position = 3').run('SomethingElse');
    db.close();
    const dir = tempDir();
    const out = capture();
    await expect(
      restoreStore({
        storeUrl: `sqlite:${join(dir, 'ledger.db')}`,
        fromFile: file,
        out,
        progress: capture(),
      }),
    ).rejects.toThrow(/does not verify: nothing was restored/);
    expect(out.text()).toMatch(/position 3/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('backup refuses what it cannot copy, and a file that exists without --force', async () => {
    const dir = tempDir();
    await expect(
      backupStore({ storeUrl: 'postgres://x@127.0.0.1/y', toFile: join(dir, 'b'), ...quiet() }),
    ).rejects.toThrow(/pg_dump/);
    await expect(
      backupStore({
        storeUrl: `sqlite:${join(dir, 'none.db')}`,
        toFile: join(dir, 'b'),
        ...quiet(),
      }),
    ).rejects.toThrow(/there is no event store at/);
    await expect(
      backupStore({ storeUrl: 'sqlite::memory:', toFile: join(dir, 'b'), ...quiet() }),
    ).rejects.toThrow(/in-memory store/);
    const live = await fileLedgerWithHistory();
    cleanups.push(live.cleanup);
    writeFileSync(join(dir, 'taken'), 'something else');
    await expect(
      backupStore({ storeUrl: live.storeUrl, toFile: join(dir, 'taken'), ...quiet() }),
    ).rejects.toThrow(/exists: choose another file, or --force/);
    await expect(
      backupStore({ storeUrl: live.storeUrl, toFile: join(dir, 'no', 'such', 'dir'), ...quiet() }),
    ).rejects.toThrow(/does not exist/);
    await expect(
      restoreStore({ storeUrl: live.storeUrl, fromFile: join(dir, 'missing'), ...quiet() }),
    ).rejects.toThrow(/there is no backup at/);
  });

  it('draws a progress bar in pages on a terminal', async () => {
    const live = await fileLedgerWithHistory();
    cleanups.push(live.cleanup);
    const progress = capture(true);
    await backupStore({
      storeUrl: live.storeUrl,
      toFile: join(tempDir(), 'b.db'),
      pagesPerStep: 2,
      out: capture(),
      progress,
    });
    expect(progress.text()).toMatch(/backing up the store \[[^\]]*\] \d+% \d+\/\d+ pages/);
  });

  it(
    'is wired into the CLI: potledger backup --to, then potledger restore --from into a fresh data directory',
    async () => {
      const live = await fileLedgerWithHistory();
      cleanups.push(live.cleanup);
      const file = join(tempDir(), 'cli.db');
      const backup = spawnSync(process.execPath, ['bin/potledger.js', 'backup', '--to', file], {
        cwd: REPO_ROOT,
        env: { ...process.env, LEDGER_STORE: live.storeUrl },
        encoding: 'utf8',
        timeout: CLI_TIMEOUT_MS,
      });
      expect(backup.stderr).not.toMatch(/potledger: /);
      expect(backup.status).toBe(0);
      expect(backup.stdout).toMatch(/^OK: \d+ events verified/m);
      expect(backup.stdout).toContain(`Backup written to ${file}`);

      const dataDir = join(tempDir(), 'data');
      const env: NodeJS.ProcessEnv = { ...process.env, LEDGER_DATA_DIR: dataDir };
      delete env.LEDGER_STORE;
      const restore = spawnSync(process.execPath, ['bin/potledger.js', 'restore', '--from', file], {
        cwd: REPO_ROOT,
        env,
        encoding: 'utf8',
        timeout: CLI_TIMEOUT_MS,
      });
      expect(restore.status).toBe(0);
      expect(restore.stdout).toContain(`into ${join(dataDir, 'ledger.db')}`);
      expect(existsSync(join(dataDir, 'ledger.db'))).toBe(true);

      // Refusals are a message and exit 2, not a stack trace.
      const again = spawnSync(process.execPath, ['bin/potledger.js', 'restore', '--from', file], {
        cwd: REPO_ROOT,
        env,
        encoding: 'utf8',
        timeout: CLI_TIMEOUT_MS,
      });
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/^potledger: .*exists: restoring would replace it/m);
    },
    CLI_TIMEOUT_MS * 3,
  );
});
