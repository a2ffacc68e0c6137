/**
 * `potledger audit-pack` with worker threads writes the same pack as on one thread: for a sound
 * log and for any tampering of one stored event (test/audit/logTampers.ts) at any position and
 * any page size, every file of the pack and the summary on stdout are byte-identical with workers
 * on (`workers: 2`) and off (`workers: 0`), bar the time taken in verification.txt.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAuditPack } from '../../src/cli/auditPack.ts';
import {
  fileLedgerWithHistory,
  type FileLedger,
  type History,
} from '../books/sqlMirror/support.ts';
import { TAMPERS } from './logTampers.ts';

/** Each case builds the pack twice, once starting worker threads that compile under tsx. */
const TEST_TIMEOUT_MS = 600_000;
const TAMPER_RUNS = 8;
const YEAR = '2025-26';

function sink(): PassThrough & { isTTY: boolean; text(): string } {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; text(): string };
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  stream.isTTY = false;
  stream.text = () => text;
  return stream;
}

interface Pack {
  readonly ok: boolean;
  readonly stdout: string;
  /** Every file written, by name. */
  readonly files: Record<string, string>;
}

describe('audit-pack with worker threads', () => {
  let history: FileLedger & History;
  let events: number;
  let dir: string;
  let runs = 0;

  beforeAll(async () => {
    history = await fileLedgerWithHistory();
    await history.ledger.close();
    dir = mkdtempSync(join(tmpdir(), 'potledger-pack-workers-'));
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
    const path = join(dir, `copy-${(runs += 1)}.db`);
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

  /** The pack, and the progress lines (stderr): they say which way the log was verified. */
  async function packWith(
    path: string,
    workers: number,
    batchEvents: number,
  ): Promise<Pack & { progress: string }> {
    // One folder for every pack, as an auditor re-running the command: stdout names it.
    const outDir = join(dir, 'pack');
    const out = sink();
    const progress = sink();
    const result = await writeAuditPack({
      storeUrl: `sqlite:${path}`,
      potId: history.potId,
      financialYear: YEAR,
      outDir,
      out,
      progress,
      generatedAt: '2026-04-30T12:00:00.000Z',
      workers,
      batchEvents,
    });
    const files: Record<string, string> = {};
    for (const name of readdirSync(outDir).sort()) {
      const content = readFileSync(join(outDir, name), 'utf8');
      // The time taken, and the SHA256SUMS line over the file that states it, may differ.
      files[name] =
        name === 'verification.txt'
          ? content.replace(/re-checked in [^:]*:/, 're-checked in …:')
          : name === 'SHA256SUMS'
            ? content.replace(/^[0-9a-f]{64} {2}verification\.txt$/m, '…  verification.txt')
            : content;
    }
    return { ok: result.ok, stdout: out.text(), files, progress: progress.text() };
  }

  it(
    'a sound log: the same pack, root and statement on one thread and on several',
    async () => {
      const path = tamperedCopy();
      const { progress: inThreadProgress, ...inThread } = await packWith(path, 0, 5);
      const { progress: parallelProgress, ...parallel } = await packWith(path, 2, 5);
      expect(inThreadProgress).toMatch(/^verifying and folding the log: /);
      expect(parallelProgress).toMatch(/^verifying \(worker threads\) and folding the log: /);
      expect(inThread.ok).toBe(true);
      expect(inThread.files['checkpoint.json']).toContain(`"size": "${events}"`);
      expect(Object.keys(inThread.files)).toContain('statement.json');
      expect(parallel).toEqual(inThread);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'any tampering at any position: the same refusal, to the byte, with workers on and off',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...Object.keys(TAMPERS)),
          fc.integer({ min: 1, max: events }),
          fc.constantFrom(1, 4, 10_000),
          async (kind, at, batchEvents) => {
            // Deleting the last event leaves a shorter sound log: only a checkpoint tells.
            const position = kind === 'event deleted' ? Math.min(at, events - 1) : at;
            const path = tamperedCopy((db) => TAMPERS[kind]!(db, position, events));
            const { progress: _inThread, ...inThread } = await packWith(path, 0, batchEvents);
            const { progress: _parallel, ...parallel } = await packWith(path, 2, batchEvents);
            expect(inThread.ok).toBe(false);
            expect(Object.keys(inThread.files)).toEqual(['verification.txt']);
            expect(parallel).toEqual(inThread);
          },
        ),
        { numRuns: TAMPER_RUNS },
      );
    },
    TEST_TIMEOUT_MS,
  );
});
