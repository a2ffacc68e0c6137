/**
 * Books snapshots must give the SAME state as a full fold (issue 7): a ledger started from a
 * snapshot taken at any point of a log, plus the rest of the log, holds the same books and Merkle
 * log as one that folded the whole log, and answers the API the same. And
 * a snapshot that does not belong to the log (other code, another or restored store, a damaged
 * file) is ignored: the ledger folds the whole log instead.
 *
 * Logs come from the benchmark's seeded generator (bench/generate.ts: the real command path);
 * a snapshot "at position k" is taken by a ledger over a copy of the log cut after k.
 */
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
  statSync,
  readFileSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { expectSameBooks } from './sameBooks.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLedgerData } from '../../../bench/generate.ts';
import { signToken } from '../../../src/auth/tokens.ts';
import type { SnapshotReport } from '../../../src/app/ledger.ts';
import { createServedLedger, type ServedLedger as Ledger } from '../../../src/app/servedLedger.ts';
import {
  createBooksSnapshots,
  type BooksSnapshotContent,
} from '../../../src/books/snapshots/booksSnapshots.ts';
import { readSnapshotFile } from '../../../src/books/snapshots/snapshotFile.ts';
import { decodeState } from '../../../src/books/snapshots/stateCodec.ts';
import { createSqliteEventStore } from '../../../src/store/sqlite/sqliteEventStore.ts';

const JWT_SECRET = 'snapshot-test-secret-snapshot-test-secret-0123';
// tmpfs where there is one: the generator's fsync per command would dominate the suite on disk.
const work = mkdtempSync(
  join(
    statSync('/dev/shm', { throwIfNoEntry: false })?.isDirectory() ? '/dev/shm' : '/tmp',
    'potledger-snapshots-',
  ),
);
afterAll(() => rmSync(work, { recursive: true, force: true }));

let unique = 0;
const freshPath = (name: string) => join(work, `${name}-${++unique}`);

const logs = new Map<string, Promise<string>>();
/** A generated log in a SQLite file, made once per (seed, size) and never written to again. */
function generatedLog(seed: number, events: number): Promise<string> {
  const key = `${seed}/${events}`;
  let made = logs.get(key);
  if (made === undefined) {
    made = (async () => {
      const path = `${freshPath(`log-${seed}`)}.db`;
      const store = createSqliteEventStore(path);
      await generateLedgerData({ store, seed, pots: 3, events });
      await store.close();
      return path;
    })();
    logs.set(key, made);
  }
  return made;
}

/** A copy of the log holding only its first `keep` events: the store as it stood then. */
function cutCopy(path: string, keep: bigint): string {
  const copy = `${freshPath('cut')}.db`;
  copyFileSync(path, copy);
  const db = new Database(copy);
  db.prepare('DELETE FROM events WHERE position > ?').run(keep);
  db.close();
  return copy;
}

function copyOf(path: string): string {
  const copy = `${freshPath('copy')}.db`;
  copyFileSync(path, copy);
  return copy;
}

async function headOf(path: string): Promise<bigint> {
  const store = createSqliteEventStore(path);
  const head = await store.headPosition();
  await store.close();
  return head;
}

interface Opened {
  readonly ledger: Ledger;
  readonly reports: SnapshotReport[];
  readonly logged: string[];
}

/** A ledger over the log at `path`; with `snapshotsDir`, snapshots on (never on a timer here). */
async function open(path: string, snapshotsDir?: string, fingerprint?: string): Promise<Opened> {
  const reports: SnapshotReport[] = [];
  const logged: string[] = [];
  const snapshots =
    snapshotsDir === undefined
      ? undefined
      : createBooksSnapshots({
          dir: snapshotsDir,
          log: (message) => logged.push(message),
          ...(fingerprint === undefined ? {} : { fingerprint }),
        });
  const ledger = await createServedLedger({
    store: createSqliteEventStore(path),
    jwtSecret: JWT_SECRET,
    ...(snapshots === undefined ? {} : { snapshots }),
    snapshotPolicy: { checkIntervalMs: 3_600_000 },
    onSnapshot: (report) => reports.push(report),
  });
  return { ledger, reports, logged };
}

/** Takes a snapshot of the ledger into `dir` and closes it. */
async function snapshotInto(path: string, dir: string, fingerprint?: string): Promise<void> {
  const { ledger, reports } = await open(path, dir, fingerprint);
  await ledger.snapshotNow();
  await ledger.close();
  expect(reports.filter((r) => r.kind === 'failed')).toEqual([]);
}

function newestContent(dir: string): BooksSnapshotContent {
  const files = readdirSync(dir).filter((name) => name.endsWith('.snapshot'));
  const newest = files.sort((a, b) => Number(BigInt(b.slice(6, -9)) - BigInt(a.slice(6, -9))))[0]!;
  return decodeState(readSnapshotFile(join(dir, newest)).payload) as BooksSnapshotContent;
}

const loadedFrom = (reports: readonly SnapshotReport[]) => {
  const loaded = reports.find((r) => r.kind === 'loaded');
  return loaded?.kind === 'loaded' ? loaded.snapshot.anchor.position : undefined;
};

const auditor = signToken(JWT_SECRET, { sub: 'ivy', role: 'auditor' });
async function answers(ledger: Ledger, urls: readonly string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const url of urls) {
    const response = await ledger.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${auditor}` },
    });
    out.push({
      url,
      status: response.statusCode,
      position: response.headers['ledger-position'],
      body: response.json() as unknown,
    });
  }
  return out;
}

async function apiUrls(ledger: Ledger): Promise<string[]> {
  const [pot] = (await answers(ledger, ['/v1/pots'])) as {
    body: { pots?: { potId: string }[] } | { potId: string }[];
  }[];
  const body = pot!.body;
  const pots = Array.isArray(body) ? body : (body.pots ?? []);
  const potId = pots[0]?.potId;
  const firstEvent = (await ledger.store.readAll(0n, 1))[0]!.eventId;
  return [
    '/v1/pots',
    '/v1/agencies',
    '/v1/flows',
    '/v1/audit?limit=50',
    '/v1/audit/checkpoint',
    `/v1/audit/proof/${firstEvent}`,
    '/v1/audit/consistency?from=1',
    ...(potId === undefined
      ? []
      : [`/v1/pots/${potId}`, `/v1/pots/${potId}/statement`, `/v1/pots/${potId}/exceptions`]),
  ];
}

describe('books snapshots give the same state as a full fold', () => {
  it('from a snapshot at any point of the log, plus the rest of it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (seed, where) => {
          const log = await generatedLog(seed, 400);
          const head = await headOf(log);
          const at = 1n + BigInt(Math.floor(where * Number(head - 1n)));
          const dir = freshPath('snapshots');
          await snapshotInto(cutCopy(log, at), dir);

          const restored = await open(copyOf(log), dir);
          const full = await open(copyOf(log));
          try {
            expect(loadedFrom(restored.reports)).toBe(at);
            expect(restored.ledger.books.position).toBe(full.ledger.books.position);
            expectSameBooks(restored.ledger.books.state, full.ledger.books.state);
            const urls = await apiUrls(full.ledger);
            expect(await answers(restored.ledger, urls)).toEqual(await answers(full.ledger, urls));
          } finally {
            await full.ledger.close();
            await restored.ledger.close();
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('keeps the Merkle log exactly: a snapshot of the restored ledger equals one of a full fold', async () => {
    const log = await generatedLog(7, 300);
    const dir = freshPath('snapshots');
    await snapshotInto(cutCopy(log, 123n), dir);
    // The restored ledger writes its next snapshot beside the one it started from.
    const restored = await open(copyOf(log), dir);
    expect(loadedFrom(restored.reports)).toBe(123n);
    await restored.ledger.snapshotNow();
    await restored.ledger.close();
    const fullDir = freshPath('full');
    await snapshotInto(copyOf(log), fullDir);
    const fromRestored = newestContent(dir);
    const fromFull = newestContent(fullDir);
    expect(fromRestored.books.position).toBe(await headOf(log));
    // The index of command keys is the store's, not the snapshot's: a snapshot holds none.
    expect(Object.keys(fromRestored).sort()).toEqual(['books', 'merkle']);
    expect(fromRestored.merkle).toStrictEqual(fromFull.merkle);
    expect(fromRestored.books.position).toBe(fromFull.books.position);
    expectSameBooks(fromRestored.books.projections, fromFull.books.projections);
  });

  it('carries on folding live writes after starting from a snapshot', async () => {
    const log = await generatedLog(2, 300);
    const dir = freshPath('snapshots');
    await snapshotInto(copyOf(log), dir);
    const path = copyOf(log);
    const restored = await open(path, dir);
    expect(loadedFrom(restored.reports)).toBe(await headOf(log));
    const admin = signToken(JWT_SECRET, { sub: 'alice', role: 'admin' });
    const response = await restored.ledger.app.inject({
      method: 'POST',
      url: '/v1/agencies',
      headers: { authorization: `Bearer ${admin}` },
      payload: { agencyId: 'late-agency', name: 'Late Agency', kind: 'council' },
    });
    expect(response.statusCode).toBeLessThan(300);
    await restored.ledger.runner.waitFor(await restored.ledger.store.headPosition());
    await restored.ledger.close();
    const full = await open(copyOf(path));
    const again = await open(copyOf(path), dir);
    try {
      // The second start used the snapshot written at shutdown, after the new agency.
      expect(loadedFrom(again.reports)).toBe(await headOf(path));
      expectSameBooks(again.ledger.books.state, full.ledger.books.state);
    } finally {
      await full.ledger.close();
      await again.ledger.close();
    }
  });
});

describe('a snapshot that does not belong to the log is ignored and the ledger folds the whole log', () => {
  async function expectFullFold(opened: Opened, reason: RegExp, log: string): Promise<void> {
    const full = await open(copyOf(log));
    try {
      expect(loadedFrom(opened.reports)).toBeUndefined();
      expect(opened.logged.join('\n')).toMatch(reason);
      expectSameBooks(opened.ledger.books.state, full.ledger.books.state);
    } finally {
      await full.ledger.close();
      await opened.ledger.close();
    }
  }

  it('taken by other code (another fingerprint)', async () => {
    const log = await generatedLog(1, 200);
    const dir = freshPath('snapshots');
    await snapshotInto(cutCopy(log, 100n), dir, 'f'.repeat(64));
    await expectFullFold(await open(copyOf(log), dir), /taken by other code/, log);
  });

  it('whose event no longer matches: another store behind the same data directory', async () => {
    const other = await generatedLog(3, 200);
    const dir = freshPath('snapshots');
    await snapshotInto(cutCopy(other, 100n), dir);
    const log = await generatedLog(1, 200);
    await expectFullFold(await open(copyOf(log), dir), /the event at position 100 is/, log);
  });

  it('ahead of the head: the store was restored from an older backup', async () => {
    const log = await generatedLog(1, 200);
    const dir = freshPath('snapshots');
    await snapshotInto(copyOf(log), dir);
    const older = cutCopy(log, 50n);
    await expectFullFold(await open(older, dir), /but the log ends at 50/, older);
  });

  it('truncated, damaged or not a snapshot at all', async () => {
    const log = await generatedLog(1, 200);
    for (const damage of ['truncate', 'flip', 'garbage'] as const) {
      const dir = freshPath('snapshots');
      await snapshotInto(cutCopy(log, 150n), dir);
      const file = join(
        dir,
        readdirSync(dir).find((name) => name.endsWith('.snapshot'))!,
      );
      const size = statSync(file).size;
      if (damage === 'truncate') truncateSync(file, Math.floor(size / 2));
      if (damage === 'flip') {
        const bytes = readFileSync(file);
        bytes[size - 10] = bytes[size - 10]! ^ 0xff;
        writeFileSync(file, bytes);
      }
      if (damage === 'garbage') writeFileSync(file, 'not a snapshot');
      await expectFullFold(await open(copyOf(log), dir), /not used/, log);
    }
  });

  it('removes what a killed writer left behind, and uses the last whole snapshot', async () => {
    const log = await generatedLog(1, 200);
    const dir = freshPath('snapshots');
    await snapshotInto(cutCopy(log, 90n), dir);
    const leftover = join(dir, 'books-180.snapshot.999999.0a1b2c3d.tmp');
    writeFileSync(leftover, 'half a snapshot');
    const opened = await open(copyOf(log), dir);
    try {
      expect(loadedFrom(opened.reports)).toBe(90n);
      expect(readdirSync(dir)).not.toContain('books-180.snapshot.999999.0a1b2c3d.tmp');
    } finally {
      await opened.ledger.close();
    }
  });

  it('an older snapshot still serves when the newest is damaged', async () => {
    const log = await generatedLog(1, 200);
    const dir = freshPath('snapshots');
    await snapshotInto(cutCopy(log, 80n), dir);
    await snapshotInto(cutCopy(log, 160n), dir);
    writeFileSync(join(dir, 'books-160.snapshot'), 'damaged');
    const opened = await open(copyOf(log), dir);
    try {
      expect(loadedFrom(opened.reports)).toBe(80n);
      expect(opened.logged.join('\n')).toMatch(/books-160\.snapshot not used/);
    } finally {
      await opened.ledger.close();
    }
  });
});
