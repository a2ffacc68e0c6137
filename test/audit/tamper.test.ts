/**
 * Tamper evidence end to end, as an auditor meets it (issue 4): a real ledger on a SQLite file
 * (and on a throw-away PostgreSQL database when LEDGER_TEST_PG_URL is set), a realistic history
 * written through the API, then the real `potledger verify` as a child process. Untouched, it
 * passes; after one stored event is edited, deleted or reordered straight in the database, it
 * exits non-zero and names the first bad position. A checkpoint saved earlier still verifies
 * after the log grows, and fails once the log's last event is deleted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { eventHash } from '../../src/audit/eventHash.ts';
import { logChainHash } from '../../src/audit/logChain.ts';
import type { RecordedEvent } from '../../src/store/eventStore.ts';
import { createPostgresEventStore } from '../../src/store/postgres/postgresEventStore.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { REPO_ROOT } from '../e2e/serverProcess.ts';
import { readWholeLog, writeHistory } from '../books/sqlMirror/support.ts';
import { createThrowawayDatabase, testPostgresUrl, withClient } from '../support/postgres.ts';
import { createTestLedger, expectCreated, type TestLedger } from '../support/testLedger.ts';

/** tsx compiles the CLI on the fly: a cold start takes seconds on a busy machine. */
const CLI_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;

interface TamperTarget {
  readonly storeUrl: string;
  readonly ledger: TestLedger;
  readonly dir: string;
  /** Runs SQL on the store's own database, behind the ledger's back. */
  sql(statement: string): Promise<void>;
  cleanup(): Promise<void>;
}

interface TargetFactory {
  readonly name: string;
  create(): Promise<TamperTarget>;
}

const sqliteTarget: TargetFactory = {
  name: 'SQLite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'potledger-tamper-'));
    const path = join(dir, 'ledger.db');
    const ledger = await createTestLedger({ store: createSqliteEventStore(path) });
    return {
      storeUrl: `sqlite:${path}`,
      ledger,
      dir,
      async sql(statement) {
        const db = new Database(path);
        try {
          db.exec(statement);
        } finally {
          db.close();
        }
      },
      async cleanup() {
        await ledger.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgresTarget = (serverUrl: string): TargetFactory => ({
  name: 'PostgreSQL',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'potledger-tamper-'));
    const db = await createThrowawayDatabase(serverUrl);
    // The default schema: the CLI opens the store from the URL alone, as an operator would.
    const ledger = await createTestLedger({ store: await createPostgresEventStore(db.url) });
    return {
      storeUrl: db.url,
      ledger,
      dir,
      async sql(statement) {
        await withClient(db.url, (client) => client.query(statement));
      },
      async cleanup() {
        await ledger.close();
        await db.drop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `potledger verify …` as a user runs it: the bin script, LEDGER_STORE pointing at the store. */
function runVerify(storeUrl: string, args: readonly string[] = []): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/potledger.js', 'verify', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LEDGER_STORE: storeUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `potledger verify did not finish within ${CLI_TIMEOUT_MS} ms: ${stdout}${stderr}`,
        ),
      );
    }, CLI_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

function expectFailureAt(run: CliRun, position: bigint, reason: RegExp): void {
  expect(run.code, `${run.stdout}${run.stderr}`).toBe(1);
  const first = /^FAILED at position (\d+)\b.*$/m.exec(run.stdout);
  expect(first, run.stdout).not.toBeNull();
  expect(first![1]).toBe(String(position));
  expect(first![0]).toMatch(reason);
}

/** Two events of one stream with another event between them in the log, and the first of each kind the tests edit. */
function pick(events: readonly RecordedEvent[]) {
  const allocation = events.find((e) => e.type === 'FundsAllocated')!;
  const sameStream = events.filter((e) => e.streamId === allocation.streamId);
  const later = sameStream.find((e) => e.position > allocation.position + 1n)!;
  return { allocation, later, last: events.at(-1)! };
}

const factories: TargetFactory[] = [sqliteTarget];
const pgUrl = testPostgresUrl();
if (pgUrl !== undefined) factories.push(postgresTarget(pgUrl));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function withHistory(factory: TargetFactory) {
  const target = await factory.create();
  cleanups.push(() => target.cleanup());
  const history = await writeHistory(target.ledger);
  const events = await readWholeLog(target.ledger.store);
  return { target, history, events, ...pick(events) };
}

for (const factory of factories) {
  describe(`potledger verify on ${factory.name}`, () => {
    it(
      'passes an untouched log: exit 0, every event counted, and --save-checkpoint writes what GET /v1/audit/checkpoint says',
      async () => {
        const { target, events } = await withHistory(factory);
        const file = join(target.dir, 'checkpoint.json');
        const run = await runVerify(target.storeUrl, ['--save-checkpoint', file]);
        expect(run.code, `${run.stdout}${run.stderr}`).toBe(0);
        expect(run.stdout).toMatch(
          new RegExp(
            `^OK: ${events.length} events verified in \\d+\\.\\d s \\(\\d+ events/s\\)`,
            'm',
          ),
        );
        const api = await target.ledger.get('/v1/audit/checkpoint', target.ledger.token('auditor'));
        expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(api.json());
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "editing one stored event's data fails at that event's position",
      async () => {
        const { target, allocation } = await withHistory(factory);
        const forged = JSON.stringify({ ...(allocation.data as object), amount: '1.00' });
        await target.sql(
          `UPDATE events SET data = ${quote(forged)} WHERE position = ${allocation.position}`,
        );
        expectFailureAt(
          await runVerify(target.storeUrl),
          allocation.position,
          /hash does not match the event's content/,
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "an edit with the event's hash recomputed still fails at that position: its log hash covers the old hash",
      async () => {
        const { target, allocation } = await withHistory(factory);
        const data = { ...(allocation.data as object), amount: '1.00' };
        const metadata = { ...allocation.metadata, hash: eventHash({ ...allocation, data }) };
        await target.sql(
          `UPDATE events SET data = ${quote(JSON.stringify(data))}, metadata = ${quote(JSON.stringify(metadata))} WHERE position = ${allocation.position}`,
        );
        expectFailureAt(
          await runVerify(target.storeUrl),
          allocation.position,
          /the log chain breaks here/,
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "an edit with the event's hash and log hash recomputed still fails, at the next position",
      async () => {
        const { target, allocation, events } = await withHistory(factory);
        const data = { ...(allocation.data as object), amount: '1.00' };
        const metadata = { ...allocation.metadata, hash: eventHash({ ...allocation, data }) };
        const previous = events.find((e) => e.position === allocation.position - 1n)!;
        const logHash = logChainHash(previous.logHash, allocation.position, metadata.hash);
        await target.sql(
          `UPDATE events SET data = ${quote(JSON.stringify(data))}, metadata = ${quote(JSON.stringify(metadata))}, log_hash = ${quote(logHash)} WHERE position = ${allocation.position}`,
        );
        const next = events.find((e) => e.position === allocation.position + 1n)!;
        // The next event of the log: its previousHash if it is of the same stream, else its log hash.
        expectFailureAt(
          await runVerify(target.storeUrl),
          next.position,
          next.streamId === allocation.streamId
            ? /previousHash does not match the hash of revision/
            : /the log chain breaks here/,
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'deleting one stored event fails at the missing position',
      async () => {
        const { target, allocation } = await withHistory(factory);
        await target.sql(`DELETE FROM events WHERE position = ${allocation.position}`);
        expectFailureAt(
          await runVerify(target.storeUrl),
          allocation.position,
          /no event at position .* an event was deleted/,
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'reordering two events of one stream (swapping their positions) fails at the earlier position',
      async () => {
        const { target, allocation, later } = await withHistory(factory);
        const parking = 999_999_999;
        await target.sql(
          `UPDATE events SET position = ${parking} WHERE position = ${allocation.position};
         UPDATE events SET position = ${allocation.position} WHERE position = ${later.position};
         UPDATE events SET position = ${later.position} WHERE position = ${parking};`,
        );
        expectFailureAt(
          await runVerify(target.storeUrl),
          allocation.position,
          /missing or reordered/,
        );
      },
      TEST_TIMEOUT_MS,
    );

    for (const withLogHash of [false, true]) {
      it(
        `swapping the content of two adjacent events of different streams${withLogHash ? ', log hashes included,' : ''} fails at the first of them`,
        async () => {
          const { target, events } = await withHistory(factory);
          const index = events.findIndex(
            (e, i) =>
              i > 0 && events[i + 1] !== undefined && events[i + 1]!.streamId !== e.streamId,
          );
          const [first, second] = [events[index]!, events[index + 1]!];
          const columns = [
            'event_id',
            'stream_id',
            'stream_revision',
            'type',
            'data',
            'metadata',
            ...(withLogHash ? ['log_hash'] : []),
          ];
          const values = (e: RecordedEvent): Record<string, string> => ({
            event_id: quote(e.eventId),
            stream_id: quote(e.streamId),
            stream_revision: String(e.streamRevision),
            type: quote(e.type),
            data: quote(JSON.stringify(e.data)),
            metadata: quote(JSON.stringify(e.metadata)),
            log_hash: quote(e.logHash!),
          });
          const set = (e: RecordedEvent, at: bigint, unique: boolean) =>
            `UPDATE events SET ${columns.map((c) => `${c} = ${unique && c === 'event_id' ? quote(`parked-${e.eventId}`) : unique && c === 'stream_revision' ? String(1_000_000_000n + e.streamRevision) : values(e)[c]}`).join(', ')} WHERE position = ${at};`;
          // Park the first row's unique columns out of the way, then write each row's content into the other.
          await target.sql(
            `${set(second, first.position, true)}\n${set(first, second.position, false)}\n${set(second, first.position, false)}`,
          );
          const swapped = await readWholeLog(target.ledger.store);
          expect(swapped[index]!.eventId).toBe(second.eventId);
          expect(swapped[index + 1]!.eventId).toBe(first.eventId);
          expectFailureAt(
            await runVerify(target.storeUrl),
            first.position,
            /the log chain breaks here/,
          );
        },
        TEST_TIMEOUT_MS,
      );
    }

    it(
      'deleting an event and renumbering every later position down by one fails at the deleted position',
      async () => {
        const { target, events } = await withHistory(factory);
        // A middle event whose successor is of another stream, so only the log chain can tell.
        const index = events.findIndex(
          (e, i) =>
            i > events.length / 3 &&
            events[i + 1] !== undefined &&
            events[i + 1]!.streamId !== e.streamId,
        );
        const deleted = events[index]!;
        const offset = 1_000_000_000;
        await target.sql(
          `DELETE FROM events WHERE position = ${deleted.position};
         UPDATE events SET position = position + ${offset} WHERE position > ${deleted.position};
         UPDATE events SET position = position - ${offset} - 1 WHERE position > ${offset};
         ${factory.name === 'SQLite' ? `UPDATE sqlite_sequence SET seq = (SELECT MAX(position) FROM events) WHERE name = 'events';` : ''}`,
        );
        const renumbered = await readWholeLog(target.ledger.store);
        expect(renumbered.map((e) => e.position)).toEqual(
          events.slice(0, -1).map((e) => e.position),
        );
        expect(renumbered.map((e) => e.eventId)).toEqual(
          events.filter((e) => e !== deleted).map((e) => e.eventId),
        );
        expectFailureAt(
          await runVerify(target.storeUrl),
          deleted.position,
          /the log chain breaks here/,
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'an event stored without a hash is reported as such',
      async () => {
        const { target, allocation } = await withHistory(factory);
        const { hash: _dropped, ...metadata } = allocation.metadata;
        await target.sql(
          `UPDATE events SET metadata = ${quote(JSON.stringify(metadata))} WHERE position = ${allocation.position}`,
        );
        expectFailureAt(await runVerify(target.storeUrl), allocation.position, /has no hash/);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a saved checkpoint still verifies after the log grew; once the last event is deleted it fails (and only the checkpoint can tell)',
      async () => {
        const { target, history } = await withHistory(factory);
        const auditor = target.ledger.token('auditor');
        const file = join(target.dir, 'saved-checkpoint.json');
        writeFileSync(file, (await target.ledger.get('/v1/audit/checkpoint', auditor)).body);

        await expectCreated(
          target.ledger.post(`/v1/pots/${history.potId}/contributions`, history.tokens.cc, {
            agencyId: 'essex-cc',
            amount: '250.00',
            effectiveDate: '2026-07-01',
            reference: 'LATER-1',
          }),
        );
        const grown = await runVerify(target.storeUrl, ['--checkpoint', file]);
        expect(grown.code, `${grown.stdout}${grown.stderr}`).toBe(0);
        expect(grown.stdout).toMatch(/only grew since the checkpoint/);

        // Delete the checkpointed log's last event and the one after it: the chain of what is left
        // is whole, but the log is now shorter than the checkpoint.
        const saved = JSON.parse(readFileSync(file, 'utf8')) as { position: string };
        await target.sql(`DELETE FROM events WHERE position >= ${saved.position}`);
        expect((await runVerify(target.storeUrl)).code).toBe(0);
        const shrunk = await runVerify(target.storeUrl, ['--checkpoint', file]);
        expect(shrunk.code, `${shrunk.stdout}${shrunk.stderr}`).toBe(1);
        expect(shrunk.stdout).toMatch(
          /^FAILED: the log has \d+ events but the checkpoint covers \d+: events were deleted since it was saved$/m,
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a checkpoint whose root the log no longer matches fails; an unreadable checkpoint file exits 2',
      async () => {
        const { target } = await withHistory(factory);
        const auditor = target.ledger.token('auditor');
        const checkpoint = (await target.ledger.get('/v1/audit/checkpoint?size=5', auditor)).json();
        const file = join(target.dir, 'forged-checkpoint.json');
        writeFileSync(file, JSON.stringify({ ...checkpoint, rootHash: 'f'.repeat(64) }));
        const wrongRoot = await runVerify(target.storeUrl, ['--checkpoint', file]);
        expect(wrongRoot.code).toBe(1);
        expect(wrongRoot.stdout).toMatch(
          /^FAILED: the log's first 5 events hash to root [0-9a-f]{64}, not the checkpoint's f{64}/m,
        );

        writeFileSync(file, '{"size": "five"}');
        const unreadable = await runVerify(target.storeUrl, ['--checkpoint', file]);
        expect(unreadable.code).toBe(2);
        expect(unreadable.stderr).toMatch(/is not a checkpoint: size must be digits/);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
