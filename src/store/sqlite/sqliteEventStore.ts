/**
 * The embedded event store: one SQLite file (better-sqlite3), the default for a single server.
 *
 * Positions are SQLite rowids (INTEGER PRIMARY KEY AUTOINCREMENT). SQLite has one writer at a
 * time, so positions become visible in commit order: a reader that has seen position p will
 * never later find a committed event below p. That is what lets a subscription follow the log
 * with a single "last position seen" cursor and never skip an event.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  IdempotencyKeyTakenError,
  WrongExpectedRevisionError,
  type AppendBatchOutcome,
  type AsAtRead,
  type AppendRequest,
  type CommandKey,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type RecordedEvent,
  positionsToRead,
} from '../eventStore.ts';
import { logChainEventHash, logChainHash } from '../../audit/logChain.ts';
import {
  clampReadAllLimit,
  revisionMatches,
  serialiseEvent,
  type SerialisedEvent,
} from '../storeSupport.ts';
import {
  checkAfterPosition,
  createOpenSubscriptions,
  deliverAfter,
  furthest,
  startFollowing,
} from '../following.ts';

/** How long a writer waits for another process's write lock before giving up with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;
/** Events read per page while a subscription catches up. */
export const SUBSCRIPTION_BATCH_EVENTS = 1_000;
/**
 * A live subscription re-reads the log this often even without an in-process signal, so it
 * also sees appends made by another process (a CLI import, a second server) on the same file.
 */
export const SUBSCRIPTION_POLL_INTERVAL_MS = 500;

/**
 * Versioned schema: step i brings the database to version i + 1. Steps are only ever added,
 * never edited, because databases in the field already carry the earlier ones.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
     position        INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id        TEXT    NOT NULL UNIQUE,
     stream_id       TEXT    NOT NULL,
     stream_revision INTEGER NOT NULL,
     type            TEXT    NOT NULL,
     data            TEXT    NOT NULL,
     metadata        TEXT    NOT NULL,
     UNIQUE (stream_id, stream_revision)
   )`,
  // The log chain (src/audit/logChain.ts), written by append in its transaction. Rows stored
  // before this step keep NULL: nothing can vouch for their order after the fact.
  `ALTER TABLE events ADD COLUMN log_hash TEXT`,
  // Command keys, as in the PostgreSQL store: a key (AppendRequest.commandKey) is accepted once,
  // whatever the stream, even by two processes writing this file. Filled from the log so keys
  // accepted before this step stay taken (first stream wins); a claim only names a stream.
  `CREATE TABLE command_keys (
     actor_sub  TEXT    NOT NULL,
     command_id TEXT    NOT NULL,
     stream_id  TEXT    NOT NULL,
     position   INTEGER NOT NULL,
     PRIMARY KEY (actor_sub, command_id)
   ) WITHOUT ROWID;
   INSERT OR IGNORE INTO command_keys (actor_sub, command_id, stream_id, position)
   SELECT json_extract(metadata, '$.actor.sub'), json_extract(metadata, '$.commandId'), stream_id, position
     FROM events
    WHERE type <> 'IdempotencyKeyClaimed'
      AND json_extract(metadata, '$.actor.sub') IS NOT NULL
      AND json_extract(metadata, '$.commandId') IS NOT NULL
    ORDER BY position`,
  // Each event's business date in a column of its own, so a history as at a date reads only the
  // events it counts (readAllAsAt): data.effectiveDate when it is a string, as append writes it.
  // The index covers what readAllAsAt decides on, so the rows it leaves out are stepped over in
  // the index (tens of bytes each) rather than in the table (the event's JSON).
  `ALTER TABLE events ADD COLUMN effective_date TEXT;
   UPDATE events SET effective_date = json_extract(data, '$.effectiveDate')
    WHERE json_type(data, '$.effectiveDate') = 'text';
   CREATE INDEX events_as_at ON events (position, effective_date, type)`,
];

/** The schema version that added events.effective_date (readAllAsAt needs it). */
const EFFECTIVE_DATE_VERSION = 4;

export interface SqliteEventStorePragmas {
  readonly journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  readonly synchronous: number;
  readonly busyTimeoutMs: number;
  readonly schemaVersion: number;
}

export type SqliteEventStore = EventStore & {
  /** The connection's settings as SQLite reports them, for tests and diagnostics. */
  pragmas(): SqliteEventStorePragmas;
};

/** The columns a read selects, in the order of EventRow. */
const EVENT_COLUMNS =
  'position, event_id, stream_id, stream_revision, type, data, metadata, log_hash';
/** A raw row: position, event_id, stream_id, stream_revision, type, data, metadata, log_hash. */
type EventRow = [bigint, string, string, bigint, string, string, string, string | null];

export interface SqliteEventStoreOptions {
  /**
   * Open an existing file for reading only (a historical-fold worker's own connection): no
   * migration, no write lock ever taken; appends fail.
   */
  readonly readOnly?: boolean;
}

export function createSqliteEventStore(
  path: string,
  options: SqliteEventStoreOptions = {},
): SqliteEventStore {
  const inMemory = path === ':memory:' || path === '';
  const readOnly = options.readOnly === true;
  if (!inMemory && !readOnly) mkdirSync(dirname(path), { recursive: true });

  const db = new Database(path, {
    timeout: BUSY_TIMEOUT_MS,
    readonly: readOnly,
    fileMustExist: readOnly,
  });
  // Positions and revisions come back as bigint: a number would silently lose count past 2^53.
  db.defaultSafeIntegers(true);
  if (!readOnly) {
    db.pragma('journal_mode = WAL');
    // In WAL mode, NORMAL only fsyncs at checkpoints, so a power cut can undo commits that were
    // already acknowledged. A ledger has told a finance officer "201, recorded at position p";
    // that event must survive, so every commit is fsynced (FULL).
    db.pragma('synchronous = FULL');
  }
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);

  const schemaVersion = readOnly
    ? Number(db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_version').pluck().get())
    : migrate(db);

  const selectLastRevision = db
    .prepare(
      'SELECT stream_revision FROM events WHERE stream_id = ? ORDER BY stream_revision DESC LIMIT 1',
    )
    .pluck();
  // Position and log_hash are written with the row: the write lock is held, so the next rowid
  // is known before the insert (see nextPosition below) and no UPDATE has to follow it.
  // Only a writer inserts (a read-only connection may open a file whose schema predates a column).
  const insertEvent = readOnly
    ? undefined
    : db.prepare(
        `INSERT INTO events (position, event_id, stream_id, stream_revision, type, data, metadata, log_hash, effective_date)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
  const selectTip = db
    .prepare('SELECT position, log_hash FROM events ORDER BY position DESC LIMIT 1')
    .raw();
  // AUTOINCREMENT never hands out a rowid at or below the largest one it ever gave, even if that
  // row is gone; sqlite_sequence remembers it, and our explicit positions keep it current.
  const selectSequence = db
    .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    .pluck();
  // Raw rows (arrays in EVENT_COLUMNS order): no per-row object keyed by column name to build
  // and throw away, which a full replay would otherwise do a million times.
  const selectStream = db
    .prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision`,
    )
    .raw(true);
  const selectStreamPage = db
    .prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision LIMIT ?`,
    )
    .raw(true);
  const selectAfter = db
    .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
    .raw(true);
  // One statement for any number of positions: the list travels as a JSON array (json_each).
  const selectPositions = db
    .prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position IN (SELECT value FROM json_each(?)) ORDER BY position`,
    )
    .raw(true);
  // The positions come from a range scan of the covering index (SEARCH events USING COVERING
  // INDEX events_as_at (position>? AND position<?)), then each row by rowid: the rows left out
  // are never read from the table, handed to JavaScript or parsed. On the 200,000-event bigPot
  // log, 100,000 rows past asAt cost 23 ms of CPU this way against 75 ms scanning the table.
  const selectAsAt =
    schemaVersion < EFFECTIVE_DATE_VERSION
      ? undefined
      : db
          .prepare(
            `SELECT ${EVENT_COLUMNS} FROM events
              WHERE position IN (
                SELECT position FROM events INDEXED BY events_as_at
                 WHERE position > ? AND position <= ?
                   AND (effective_date IS NULL OR effective_date <= ?
                        OR type IN (SELECT value FROM json_each(?)))
                 ORDER BY position LIMIT ?)
              ORDER BY position`,
          )
          .raw(true);
  const selectHead = db.prepare('SELECT COALESCE(MAX(position), 0) FROM events').pluck();
  const selectPositionOfEventId = db
    .prepare('SELECT position FROM events WHERE event_id = ?')
    .pluck();
  // Only a writer reads command keys (a read-only connection never appends, and may open a file
  // whose schema predates them).
  const selectKeyStream = readOnly
    ? undefined
    : db
        .prepare('SELECT stream_id FROM command_keys WHERE actor_sub = ? AND command_id = ?')
        .pluck();
  const insertKey = readOnly
    ? undefined
    : db.prepare(
        'INSERT INTO command_keys (actor_sub, command_id, stream_id, position) VALUES (?, ?, ?, ?)',
      );
  const selectOne = db.prepare('SELECT 1').pluck();

  interface SerialisedRequest {
    readonly streamId: string;
    readonly expected: ExpectedRevision;
    readonly commandKey: CommandKey | undefined;
    readonly events: readonly SerialisedEvent[];
    readonly eventHashes: readonly string[];
  }

  const appendInTransaction = db.transaction(
    (requests: readonly SerialisedRequest[]): AppendBatchOutcome[] => {
      const tip = selectTip.get() as [bigint, string | null] | undefined;
      const sequence = (selectSequence.get() as bigint | undefined) ?? 0n;
      let position = tip === undefined || sequence > tip[0] ? sequence : tip[0];
      // One read per transaction: the write lock is held, so the last row cannot change under us.
      let logHash = tip?.[1] ?? null;
      // Streams this transaction has written: their revision is known without asking again.
      const lastRevisions = new Map<string, bigint | 'no-stream'>();
      // A later request to a stream whose earlier request was refused was decided on events that
      // are not there: refused too (see EventStore.appendBatch).
      const refusedStreams = new Set<string>();
      const outcomes: AppendBatchOutcome[] = [];
      for (const request of requests) {
        const { streamId, expected, events, eventHashes, commandKey } = request;
        let actual = lastRevisions.get(streamId);
        if (actual === undefined)
          actual = (selectLastRevision.get(streamId) as bigint | undefined) ?? 'no-stream';
        // The rules of EventStore.appendBatch: a key taken on another stream is a refusal for
        // good; taken on this stream, the command is already in it (a conflict).
        const takenBy =
          commandKey === undefined
            ? undefined
            : (selectKeyStream!.get(commandKey.sub, commandKey.commandId) as string | undefined);
        if (commandKey !== undefined && takenBy !== undefined && takenBy !== streamId) {
          outcomes.push(new IdempotencyKeyTakenError(streamId, commandKey, takenBy));
          lastRevisions.set(streamId, actual);
          refusedStreams.add(streamId);
          continue;
        }
        if (
          refusedStreams.has(streamId) ||
          !revisionMatches(expected, actual) ||
          takenBy === streamId
        ) {
          // Checked before any of its rows is written: the request adds nothing, the others go on.
          outcomes.push(new WrongExpectedRevisionError(streamId, expected, actual));
          lastRevisions.set(streamId, actual);
          refusedStreams.add(streamId);
          continue;
        }
        let revision = actual === 'no-stream' ? -1n : actual;
        const positions: bigint[] = [];
        const logHashes: string[] = [];
        for (const [i, event] of events.entries()) {
          revision += 1n;
          position += 1n;
          logHash = logChainHash(logHash, position, eventHashes[i]!);
          insertEvent!.run(
            position,
            event.eventId,
            streamId,
            revision,
            event.type,
            event.data,
            event.metadata,
            logHash,
            event.effectiveDate,
          );
          positions.push(position);
          logHashes.push(logHash);
        }
        if (commandKey !== undefined)
          insertKey!.run(commandKey.sub, commandKey.commandId, streamId, positions[0]!);
        lastRevisions.set(streamId, revision);
        outcomes.push({ lastRevision: revision, positions, logHashes });
      }
      return outcomes;
    },
  );

  function serialiseRequest(request: AppendRequest): SerialisedRequest {
    if (request.events.length === 0)
      throw new Error(`append to ${request.streamId}: refusing an empty event list`);
    return {
      streamId: request.streamId,
      expected: request.expected,
      commandKey: request.commandKey,
      events: request.events.map(serialiseEvent),
      eventHashes: request.events.map((event) => logChainEventHash(event.metadata)),
    };
  }

  /** Runs the requests in one IMMEDIATE transaction: one commit, one fsync, for all of them. */
  function appendRequests(requests: readonly AppendRequest[]): AppendBatchOutcome[] {
    // Serialised before the transaction: nothing that can fail on the caller's data runs under the lock.
    const serialised = requests.map(serialiseRequest);
    // IMMEDIATE takes the write lock before reading the stream's revision. A deferred
    // transaction would read first and then fail to upgrade ("database is locked", without
    // waiting out busy_timeout) when another process wrote in between.
    const outcomes = appendInTransaction.immediate(serialised);
    if (outcomes.some((outcome) => !(outcome instanceof Error)))
      for (const listener of appendListeners) listener();
    return outcomes;
  }

  /** In-process wake-up calls for live subscriptions, rung after every committed append. */
  const appendListeners = new Set<() => void>();
  const subscriptions = createOpenSubscriptions();
  let closed = false;

  function readAfter(afterPosition: bigint, limit: number): RecordedEvent[] {
    return toRecordedEvents(selectAfter.all(afterPosition, limit) as EventRow[]);
  }

  // The signature is the port's (EventStore.subscribe).
  const subscribe: EventStore['subscribe'] = (afterPosition, onBatch, options = {}) => {
    if (closed) throw new Error('event store is closed');
    checkAfterPosition(afterPosition);

    let cursor = afterPosition;
    const { subscription, sleeper, isStopped } = subscriptions.open(() =>
      appendListeners.delete(wake),
    );
    // A wake-up while the loop is busy (reading, or awaiting onBatch) needs no memory: the loop
    // reads again before it ever sleeps.
    const wake = (): void => sleeper.wake();

    const follow = async (): Promise<void> => {
      while (!isStopped()) {
        const batch = readAfter(furthest(cursor, options.heldThrough), SUBSCRIPTION_BATCH_EVENTS);
        if (batch.length === 0) {
          // The read above and this sleep run in one synchronous turn, and appends in this
          // process are synchronous too, so none can commit between them unannounced. The poll
          // is a safety net, never a reason to keep the process alive.
          await sleeper.sleep(SUBSCRIPTION_POLL_INTERVAL_MS, { unref: true });
          continue;
        }
        // A batch at or before the cursor would be delivered again, here forever: deliverAfter throws.
        cursor = await deliverAfter(cursor, batch, onBatch);
      }
    };

    appendListeners.add(wake);
    startFollowing(subscription, follow, options.onError);
    return subscription;
  };

  return {
    // Rowids under AUTOINCREMENT: an append that rolls back takes its numbers back with it.
    positionsContiguous: true,
    ...(inMemory ? {} : { readerLocation: { kind: 'sqlite' as const, path: resolve(path) } }),
    logChained: true,
    async append(streamId, events, expected) {
      const [outcome] = appendRequests([{ streamId, events, expected }]);
      if (outcome instanceof Error) throw outcome;
      return outcome!;
    },

    async appendBatch(requests) {
      if (requests.length === 0) return [];
      return appendRequests(requests);
    },

    async readStream(streamId, fromRevision = 0n, limit) {
      const rows =
        limit === undefined
          ? selectStream.all(streamId, fromRevision)
          : selectStreamPage.all(streamId, fromRevision, Math.max(0, Math.trunc(limit)));
      return toRecordedEvents(rows as EventRow[]);
    },

    async readAll(afterPosition, limit) {
      return readAfter(afterPosition, clampReadAllLimit(limit));
    },

    ...(selectAsAt === undefined
      ? {}
      : {
          async readAllAsAt(query: AsAtRead) {
            const rows = selectAsAt.all(
              query.afterPosition,
              query.upTo,
              query.asAt,
              JSON.stringify(query.keepTypes),
              clampReadAllLimit(query.limit),
            );
            return toRecordedEvents(rows as EventRow[]);
          },
        }),

    async readPositions(positions) {
      const wanted = positionsToRead(positions);
      if (wanted.length === 0) return [];
      return toRecordedEvents(selectPositions.all(`[${wanted.join(',')}]`) as EventRow[]);
    },

    async headPosition() {
      return selectHead.get() as bigint;
    },

    async commandKeyStream(key) {
      if (selectKeyStream === undefined)
        throw new Error('a read-only connection does not read command keys');
      return selectKeyStream.get(key.sub, key.commandId) as string | undefined;
    },

    async positionOfEventId(eventId) {
      return selectPositionOfEventId.get(eventId) as bigint | undefined;
    },

    subscribe,

    async ping() {
      selectOne.get();
    },

    async close() {
      if (closed) return;
      closed = true;
      subscriptions.closeAll();
      db.close();
    },

    pragmas() {
      return {
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        synchronous: Number(db.pragma('synchronous', { simple: true })),
        busyTimeoutMs: Number(db.pragma('busy_timeout', { simple: true })),
        schemaVersion,
      };
    },
  };
}

/** Brings the schema up to the latest version; returns that version. */
function migrate(db: Database.Database): number {
  const run = db.transaction((): number => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
               version    INTEGER PRIMARY KEY,
               applied_at TEXT    NOT NULL
             )`);
    const current = Number(
      db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_version').pluck().get(),
    );
    if (current > MIGRATIONS.length) {
      // A newer potledger wrote this file; guessing at its schema could corrupt the ledger.
      throw new Error(
        `database schema version ${current} is newer than this build knows (${MIGRATIONS.length})`,
      );
    }
    const record = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
    for (let version = current + 1; version <= MIGRATIONS.length; version += 1) {
      db.exec(MIGRATIONS[version - 1]!);
      record.run(version, new Date().toISOString());
    }
    return MIGRATIONS.length;
  });
  // IMMEDIATE: two processes opening a fresh file at once must not both apply version 1.
  return run.immediate();
}

function toRecordedEvents(rows: readonly EventRow[]): RecordedEvent[] {
  const events = new Array<RecordedEvent>(rows.length);
  for (let i = 0; i < rows.length; i++) events[i] = toRecordedEvent(rows[i]!);
  return events;
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  const [position, eventId, streamId, streamRevision, type, data, metadata, logHash] = row;
  // Two literal shapes rather than a spread: the same fields in the same order every time.
  return logHash === null
    ? {
        position,
        eventId,
        streamId,
        streamRevision,
        type,
        data: JSON.parse(data) as unknown,
        metadata: JSON.parse(metadata) as EventMetadata,
      }
    : {
        position,
        eventId,
        streamId,
        streamRevision,
        type,
        data: JSON.parse(data) as unknown,
        metadata: JSON.parse(metadata) as EventMetadata,
        logHash,
      };
}
