import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logChainEventHash, logChainHash } from '../../src/audit/logChain.ts';
import {
  IdempotencyKeyTakenError,
  type NewEvent,
  type RecordedEvent,
} from '../../src/store/eventStore.ts';
import {
  SUBSCRIPTION_POLL_INTERVAL_MS,
  createSqliteEventStore,
  type SqliteEventStore,
} from '../../src/store/sqlite/sqliteEventStore.ts';
import { describeEventStoreContract } from './eventStoreContract.ts';

const ADAPTER_MODULE_PATH = fileURLToPath(
  new URL('../../src/store/sqlite/sqliteEventStore.ts', import.meta.url),
);
const PORT_MODULE_PATH = fileURLToPath(new URL('../../src/store/eventStore.ts', import.meta.url));
const CHILD_PROCESS_TIMEOUT_MS = 20_000;
const WRITER_PROCESSES = 6;
const EVENTS_PER_WRITER_PROCESS = 100;
/** SQLite's code for synchronous = FULL. */
const SYNCHRONOUS_FULL = 2;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'potledger-sqlite-'));
}

function newEvent(data: unknown = { amount: '10.00' }): NewEvent {
  return {
    eventId: ulid(),
    type: 'ContributionReceived',
    data,
    metadata: {
      commandId: ulid(),
      correlationId: ulid(),
      actor: { sub: 'alice', role: 'finance-officer', agencyId: 'essex-police' },
      recordedAt: '2025-06-01T09:30:00.000Z',
    },
  };
}

/** Runs an ES module snippet in a fresh Node process that can import the adapter's TypeScript. */
function runNodeScript(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`child process still running after ${CHILD_PROCESS_TIMEOUT_MS} ms\n${stderr}`),
      );
    }, CHILD_PROCESS_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describeEventStoreContract('sqlite (file)', async () => {
  const dir = makeTempDir();
  const store = createSqliteEventStore(join(dir, 'ledger.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeEventStoreContract('sqlite (:memory:)', async () => {
  const store = createSqliteEventStore(':memory:');
  return { store, cleanup: () => store.close() };
});

describe('sqlite event store', () => {
  let dir: string;
  let path: string;
  const opened: SqliteEventStore[] = [];

  function open(): SqliteEventStore {
    const store = createSqliteEventStore(path);
    opened.push(store);
    return store;
  }

  beforeEach(() => {
    dir = makeTempDir();
    path = join(dir, 'nested', 'data', 'ledger.db');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the parent directory and sets the durability pragmas', () => {
    const store = open();
    expect(store.pragmas()).toEqual({
      journalMode: 'wal',
      synchronous: SYNCHRONOUS_FULL,
      busyTimeoutMs: 5_000,
      schemaVersion: 4,
    });
  });

  it('keeps every event, with its position and revision, across close and reopen', async () => {
    const first = open();
    const events = [newEvent({ amount: '1234.50' }), newEvent({ amount: '0.01' })];
    const { positions } = await first.append('pot-01', events, 'no-stream');
    await first.append('agency-essex-police', [newEvent()], 'no-stream');
    const before = await first.readAll(0n, 100);
    await first.close();

    const reopened = open();
    expect(reopened.pragmas().schemaVersion).toBe(4);
    expect(await reopened.readAll(0n, 100)).toEqual(before);
    expect((await reopened.readStream('pot-01')).map((e) => e.position)).toEqual(positions);
    // The stream carries on from where it was, and the log from its head.
    const next = await reopened.append('pot-01', [newEvent()], 1n);
    expect(next.lastRevision).toBe(2n);
    expect(next.positions[0]).toBe(4n);
  });

  it('starts positions at 1', async () => {
    const store = open();
    expect(await store.headPosition()).toBe(0n);
    const { positions } = await store.append('pot-01', [newEvent(), newEvent()], 'no-stream');
    expect(positions).toEqual([1n, 2n]);
  });

  it('upgrades a version-1 file: rows stored before keep no log hash, new appends chain from the genesis after them', async () => {
    mkdirSync(dirname(path), { recursive: true });
    const raw = new Database(path);
    raw.exec(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
              INSERT INTO schema_version VALUES (1, '2025-01-01T00:00:00.000Z');
              CREATE TABLE events (
                position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
                stream_revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
                UNIQUE (stream_id, stream_revision));`);
    const old = newEvent();
    raw
      .prepare(
        'INSERT INTO events (event_id, stream_id, stream_revision, type, data, metadata) VALUES (?, ?, 0, ?, ?, ?)',
      )
      .run(old.eventId, 'pot-01', old.type, JSON.stringify(old.data), JSON.stringify(old.metadata));
    raw.close();

    const store = open();
    expect(store.pragmas().schemaVersion).toBe(4);
    await store.append('pot-01', [newEvent()], 0n);
    const [before, after] = await store.readAll(0n, 10);
    expect(before).not.toHaveProperty('logHash');
    expect(after!.logHash).toBe(logChainHash(undefined, 2n, logChainEventHash(after!.metadata)));
  });

  it('accepts a command key once across two connections to one file, even on different streams', async () => {
    const first = open();
    const second = open();
    const commandKey = { sub: 'alice', commandId: 'k1' };
    const [won] = await first.appendBatch([
      { streamId: 'pot-a', events: [newEvent()], expected: 'no-stream', commandKey },
    ]);
    const [lost] = await second.appendBatch([
      { streamId: 'pot-b', events: [newEvent()], expected: 'no-stream', commandKey },
    ]);
    expect(won).toMatchObject({ lastRevision: 0n, positions: [1n] });
    expect(lost).toBeInstanceOf(IdempotencyKeyTakenError);
    expect(lost).toMatchObject({ streamId: 'pot-b', takenByStreamId: 'pot-a' });
    expect(await second.readStream('pot-b')).toEqual([]);
  });

  it('upgrades a version-2 file: keys of commands already in the log stay taken (not by their claims)', async () => {
    const store = open();
    const keyed = (type: string): NewEvent => {
      const event = newEvent();
      return { ...event, type, metadata: { ...event.metadata, commandId: 'before-upgrade' } };
    };
    await store.append('idempotency-abc', [keyed('IdempotencyKeyClaimed')], 'no-stream');
    await store.append(
      'pot-01',
      [keyed('ContributionReceived'), keyed('ContributionReceived')],
      'no-stream',
    );
    await store.close();
    const raw = new Database(path);
    raw.exec(
      'DROP INDEX events_as_at; ALTER TABLE events DROP COLUMN effective_date; DROP TABLE command_keys; DELETE FROM schema_version WHERE version >= 3',
    );
    raw.close();

    const upgraded = open();
    expect(upgraded.pragmas().schemaVersion).toBe(4);
    const [outcome] = await upgraded.appendBatch([
      {
        streamId: 'pot-02',
        events: [newEvent()],
        expected: 'no-stream',
        commandKey: { sub: newEvent().metadata.actor.sub, commandId: 'before-upgrade' },
      },
    ]);
    expect(outcome).toBeInstanceOf(IdempotencyKeyTakenError);
    expect(outcome).toMatchObject({ takenByStreamId: 'pot-01' });
  });

  it('refuses to open a file written by a newer schema version', async () => {
    await open().close();
    const raw = new Database(path);
    raw
      .prepare('INSERT INTO schema_version (version, applied_at) VALUES (99, ?)')
      .run(new Date().toISOString());
    raw.close();

    expect(() => createSqliteEventStore(path)).toThrow(/schema version 99/);
  });

  it('refuses operations after close', async () => {
    const store = open();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
    await expect(store.append('pot-01', [newEvent()], 'any')).rejects.toThrow();
    expect(() => store.subscribe(0n, () => undefined)).toThrow(/closed/);
  });

  async function receiveUntil(
    received: RecordedEvent[],
    count: number,
    withinMs: number,
  ): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (received.length < count && Date.now() < deadline) await sleep(5);
  }

  it('wakes a live subscription on an in-process append, well before the next poll', async () => {
    const store = open();
    const received: RecordedEvent[] = [];
    const subscription = store.subscribe(0n, (batch) => {
      received.push(...batch);
    });
    try {
      await sleep(50); // Caught up on the empty log and now waiting.
      const { positions } = await store.append('pot-01', [newEvent()], 'no-stream');
      await receiveUntil(received, 1, SUBSCRIPTION_POLL_INTERVAL_MS / 2);
      expect(received.map((e) => e.position)).toEqual(positions);
    } finally {
      subscription.close();
    }
  });

  it('delivers appends made through another connection, by polling', async () => {
    const reader = open();
    const writer = open();
    const received: RecordedEvent[] = [];
    const subscription = reader.subscribe(0n, (batch) => {
      received.push(...batch);
    });
    try {
      // Make sure the subscription is live, so only the poll can bring it the writer's events.
      const first = await reader.append('pot-01', [newEvent()], 'no-stream');
      await receiveUntil(received, 1, SUBSCRIPTION_POLL_INTERVAL_MS / 2);
      expect(received.map((e) => e.position)).toEqual(first.positions);

      const { positions } = await writer.append('pot-01', [newEvent(), newEvent()], 0n);
      await receiveUntil(received, 3, SUBSCRIPTION_POLL_INTERVAL_MS * 4);
      expect(received.map((e) => e.position)).toEqual([...first.positions, ...positions]);
    } finally {
      subscription.close();
    }
  });

  it(`serialises ${WRITER_PROCESSES} writer processes on one stream without gaps or duplicates`, async () => {
    await open().close(); // Create the schema once, so the writers only race on appends.
    // Each writer appends as fast as it can, learning the stream's revision from its refusals,
    // so the processes really do collide inside append's transaction.
    const writerScript = `
      import { createSqliteEventStore } from ${JSON.stringify(ADAPTER_MODULE_PATH)};
      import { WrongExpectedRevisionError } from ${JSON.stringify(PORT_MODULE_PATH)};
      const store = createSqliteEventStore(process.env.LEDGER_FILE);
      let expected = 'no-stream';
      for (let i = 0; i < Number(process.env.EVENTS); i += 1) {
        const event = {
          eventId: process.env.WRITER + '-' + i,
          type: 'ContributionReceived',
          data: { writer: process.env.WRITER, i },
          metadata: { commandId: 'c', correlationId: 'c', actor: { sub: 'w', role: 'admin' }, recordedAt: 'now' },
        };
        for (;;) {
          try {
            expected = (await store.append('pot-shared', [event], expected)).lastRevision;
            break;
          } catch (error) {
            if (!(error instanceof WrongExpectedRevisionError)) throw error;
            expected = error.actual;
          }
        }
      }
      await store.close();
    `;

    const runs = await Promise.all(
      Array.from({ length: WRITER_PROCESSES }, (_, w) =>
        runNodeScript(writerScript, {
          LEDGER_FILE: path,
          EVENTS: String(EVENTS_PER_WRITER_PROCESS),
          WRITER: `w${w}`,
        }),
      ),
    );

    for (const run of runs) expect(run.stderr).toBe('');
    expect(runs.map((run) => run.code)).toEqual(Array(WRITER_PROCESSES).fill(0));
    const stream = await open().readStream('pot-shared');
    const total = WRITER_PROCESSES * EVENTS_PER_WRITER_PROCESS;
    expect(stream.map((e) => e.streamRevision)).toEqual(
      Array.from({ length: total }, (_, i) => BigInt(i)),
    );
    expect(new Set(stream.map((e) => e.eventId)).size).toBe(total);
    for (let w = 0; w < WRITER_PROCESSES; w += 1) {
      // Each writer's own events keep the order it wrote them in.
      const own = stream
        .filter((e) => e.eventId.startsWith(`w${w}-`))
        .map((e) => (e.data as { i: number }).i);
      expect(own).toEqual(Array.from({ length: EVENTS_PER_WRITER_PROCESS }, (_, i) => i));
    }
  });

  it('does not keep the process alive while a subscription waits for new events', async () => {
    const script = `
      import { createSqliteEventStore } from ${JSON.stringify(ADAPTER_MODULE_PATH)};
      const store = createSqliteEventStore(process.env.LEDGER_FILE);
      store.subscribe(0n, () => undefined);
      setTimeout(() => console.log('subscribed'), ${SUBSCRIPTION_POLL_INTERVAL_MS * 2});
    `;
    // A ref'd poll timer would keep the child running until runNodeScript's timeout rejects.
    const run = await runNodeScript(script, { LEDGER_FILE: path });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('subscribed');
  });
});
