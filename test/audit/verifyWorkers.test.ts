/**
 * `potledger verify` with worker threads finds exactly what it finds on one thread: for any
 * tampering of the stored rows (an edited, deleted or reordered event, a hash, previousHash or
 * log hash removed or changed) at any position, and any page size, the first failure — its
 * position, stream, revision and message — and the count verified before it are the same with
 * workers on (`workers: 2`) and off (`workers: 0`); a sound log gives the same root. And the
 * worker count: LEDGER_VERIFY_WORKERS / --workers, default one fewer than the cores, at least 1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_VERIFY_WORKERS,
  MAX_VERIFY_WORKERS,
  parseVerifyWorkers,
} from '../../src/audit/verifyPool.ts';
import { verifyLog, type VerifyResult } from '../../src/cli/verify.ts';
import { fileLedgerWithHistory, type FileLedger } from '../books/sqlMirror/support.ts';
import { TAMPERS } from './logTampers.ts';

/** Each case runs verify twice, once starting worker threads that compile under tsx. */
const TEST_TIMEOUT_MS = 600_000;
const TAMPER_RUNS = 14;

function sink(): PassThrough & { isTTY: boolean; text(): string } {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; text(): string };
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  stream.isTTY = false;
  stream.text = () => text;
  return stream;
}

async function verifyWith(
  path: string,
  workers: number,
  batchEvents: number,
): Promise<{ result: Omit<VerifyResult, 'elapsedMs'>; out: string }> {
  const out = sink();
  const { elapsedMs: _elapsed, ...result } = await verifyLog({
    storeUrl: `sqlite:${path}`,
    out,
    progress: sink(),
    batchEvents,
    workers,
  });
  // The success line carries the time taken; everything else must match to the byte.
  return { result, out: out.text().replace(/verified in [^;]*;/, 'verified in …;') };
}

describe('verify with worker threads', () => {
  let history: FileLedger;
  let events: number;
  let dir: string;
  let copies = 0;

  beforeAll(async () => {
    history = await fileLedgerWithHistory();
    dir = mkdtempSync(join(tmpdir(), 'potledger-verify-workers-'));
    const db = new Database(history.storePath, { readonly: true });
    events = Number(db.prepare('SELECT COUNT(*) FROM events').pluck().get());
    db.close();
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await history?.cleanup();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** A consistent copy of the history's database, tampered with by `tamper`. */
  function tamperedCopy(tamper?: (db: Database.Database) => void): string {
    const path = join(dir, `copy-${(copies += 1)}.db`);
    const source = new Database(history.storePath, { readonly: true });
    source.exec(`VACUUM INTO '${path}'`);
    source.close();
    const db = new Database(path);
    try {
      tamper?.(db);
    } finally {
      db.close();
    }
    return path;
  }

  it(
    'a sound log: the same events and root on one thread and on several',
    async () => {
      const path = tamperedCopy();
      const inThread = await verifyWith(path, 0, 5);
      const parallel = await verifyWith(path, 2, 5);
      expect(inThread.result).toMatchObject({ ok: true, events });
      expect(parallel).toEqual(inThread);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'any tampering at any position: the same first failure and message with workers on and off',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...Object.keys(TAMPERS)),
          fc.integer({ min: 1, max: events }),
          fc.constantFrom(1, 3, 8, 10_000),
          async (kind, at, batchEvents) => {
            // Deleting the last event leaves a shorter sound log: only a checkpoint tells.
            const position = kind === 'event deleted' ? Math.min(at, events - 1) : at;
            const path = tamperedCopy((db) => TAMPERS[kind]!(db, position, events));
            const inThread = await verifyWith(path, 0, batchEvents);
            const parallel = await verifyWith(path, 2, batchEvents);
            expect(inThread.result.ok).toBe(false);
            expect(parallel).toEqual(inThread);
          },
        ),
        { numRuns: TAMPER_RUNS },
      );
    },
    TEST_TIMEOUT_MS,
  );
});

describe('the verify worker count', () => {
  it('is LEDGER_VERIFY_WORKERS / --workers when given: 0 (this thread only) up to the limit', () => {
    expect(parseVerifyWorkers('--workers', '0')).toBe(0);
    expect(parseVerifyWorkers('--workers', '3')).toBe(3);
    expect(parseVerifyWorkers('--workers', String(MAX_VERIFY_WORKERS))).toBe(MAX_VERIFY_WORKERS);
    for (const text of [String(MAX_VERIFY_WORKERS + 1), '-1', '1.5', 'two', '1e3'])
      expect(() => parseVerifyWorkers('LEDGER_VERIFY_WORKERS', text)).toThrow(
        /LEDGER_VERIFY_WORKERS must be a whole number from 0 to/,
      );
  });

  it('defaults to one fewer than the cores, at least 1 and at most 8', () => {
    expect(parseVerifyWorkers('LEDGER_VERIFY_WORKERS', undefined)).toBe(DEFAULT_VERIFY_WORKERS);
    expect(parseVerifyWorkers('LEDGER_VERIFY_WORKERS', '')).toBe(DEFAULT_VERIFY_WORKERS);
    expect(DEFAULT_VERIFY_WORKERS).toBe(Math.max(1, Math.min(8, availableParallelism() - 1)));
    expect(DEFAULT_VERIFY_WORKERS).toBeGreaterThanOrEqual(1);
  });
});
