/**
 * The PostgreSQL event store (`pg`), for several API servers sharing one database.
 *
 * How a subscriber follows the log without ever skipping an event
 * ---------------------------------------------------------------
 * A subscriber keeps one cursor, "the last position I delivered", and reads `position > cursor`.
 * That is only safe if position N+1 can never become visible before position N. With positions
 * taken from a sequence by concurrent transactions it can: T1 takes 7, T2 takes 8, T2 commits,
 * the subscriber reads 8 and moves its cursor past 7; T1 commits 7 and nobody ever delivers it.
 *
 * Technique chosen: **appends are serialised by one transaction-scoped advisory lock**
 * (`pg_advisory_xact_lock`, one key per schema). An append takes the lock first, then — in a
 * later statement, so with a snapshot taken after the lock was granted — reads the head and the
 * streams' revisions, inserts at head+1…, and commits. PostgreSQL makes a commit visible before
 * it releases the transaction's locks, so the next append cannot even compute its position until
 * the previous one is visible to everybody. Positions are therefore committed in position order,
 * and they are dense (1, 2, 3, … with no holes): a rolled-back or refused append leaves nothing
 * behind, which also lets an auditor check that the log is complete.
 *
 * Group commit: appendBatch (what the write path's group committer sends, src/writePath/
 * groupCommit.ts) is one such append for many requests across streams: one transaction, one
 * lock, one read (head, last log hash, every stream's revision, the command keys already taken),
 * each request checked in order as the earlier ones left its stream, one multi-row INSERT of
 * every accepted event with its key and the NOTIFY, one COMMIT — four round trips, three of
 * them under the lock, however many requests. The argument above is unchanged: the batch takes
 * head+1… under the lock and commits before releasing it.
 *
 * Trade-off: one batch at a time per database schema, so a slow or stalled append holds
 * everybody up; the lock wait and the idle-in-transaction time are bounded
 * (APPEND_*_TIMEOUT_MS below). One request per transaction managed about 150 commands/s over
 * HTTP (64 connections, 8 pots, p99 ~690 ms, issue 18); with group commit a whole turn of the
 * event loop's commands share one lock hold and one commit (figures: docs/performance.md, the
 * httpPostgres bench row). The alternative, sequence positions plus "read only below the oldest
 * in-flight transaction" (pg_snapshot_xmin), allows parallel appends but leaves holes and makes
 * every reader reason about visibility. test/store/postgresEventStore.test.ts proves the choice:
 * many pools append with slow and rolled-back commits while a follower's sequence is compared
 * with the table.
 *
 * Optimistic concurrency on (stream, revision) is checked under the same lock; UNIQUE
 * (stream_id, stream_revision) is the backstop against any writer that bypasses the lock, and a
 * violation of it is reported as WrongExpectedRevisionError.
 *
 * Command keys: "no (caller, key) accepted twice" is the command_keys table's primary key,
 * written in the same transaction as the events (AppendRequest.commandKey), so two servers
 * sharing the database can never both accept one key, even on different streams. Under the lock
 * the read sees every key taken, and a request naming one gets IdempotencyKeyTakenError (the
 * write path answers IDEMPOTENCY_KEY_REUSED); a violation of the key from a writer that bypassed
 * the lock makes the whole batch a conflict, decided again.
 *
 * Live subscriptions: NOTIFY inside the append transaction (delivered only on commit) wakes a
 * LISTEN connection per store; an unref'd poll is the safety net when that connection is down.
 */
import pg from 'pg';
import {
  IdempotencyKeyTakenError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
  type AppendBatchOutcome,
  type AsAtRead,
  type AppendRequest,
  type CommandKey,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
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
import { asStoreUnavailable, reaching } from './connectionLoss.ts';
import {
  checkAfterPosition,
  createOpenSubscriptions,
  deliverAfter,
  furthest,
  startFollowing,
} from '../following.ts';

export const DEFAULT_SCHEMA = 'public';
export const DEFAULT_POOL_SIZE = 10;
/** Keeps `potledger_appended.<schema>` within PostgreSQL's 63-byte channel and identifier limit. */
export const MAX_SCHEMA_NAME_CHARS = 40;
/** Events read per page while a subscription catches up. */
export const SUBSCRIPTION_BATCH_EVENTS = 1_000;
/** A live subscription re-reads the log this often even without a NOTIFY (listener down, missed wake-up). */
export const SUBSCRIPTION_POLL_INTERVAL_MS = 1_000;
/** After the LISTEN connection fails, subscriptions only poll for this long before it is retried. */
export const LISTENER_RETRY_DELAY_MS = 2_000;
/** A subscription that cannot reach the database reads again after this, doubling up to the max. */
export const UNREACHABLE_RETRY_FIRST_DELAY_MS = 100;
export const UNREACHABLE_RETRY_MAX_DELAY_MS = 2_000;
/** How long an append waits for the append lock before failing rather than queueing forever. */
export const APPEND_LOCK_TIMEOUT_MS = 10_000;
/** A client that stalls mid-append is disconnected by the server, releasing the append lock. */
export const APPEND_IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;
/** Longest any single statement may run (migrations excepted). */
export const STATEMENT_TIMEOUT_MS = 30_000;
/** Longest wait to open a connection or to get one from the pool. */
export const CONNECT_TIMEOUT_MS = 10_000;
export const APPLICATION_NAME = 'potledger';
export const LISTENER_APPLICATION_NAME = 'potledger-listener';

const UNIQUE_VIOLATION = '23505';
const READ_ONLY_SQL_TRANSACTION = '25006';
const STREAM_REVISION_CONSTRAINT = 'events_stream_revision_key';
const EVENT_ID_CONSTRAINT = 'events_event_id_key';
const COMMAND_KEYS_CONSTRAINT = 'command_keys_pkey';
const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]*$/;

/**
 * Versioned schema: step i brings the schema to version i + 1. Steps are only ever added, never
 * edited, because databases in the field already carry the earlier ones. `{schema}` is replaced
 * by the quoted schema name.
 */
const MIGRATIONS: readonly { readonly name: string; readonly sql: string }[] = [
  {
    name: 'create events',
    // json, not jsonb: json keeps the text exactly as written (key order, spacing, digits),
    // so what an auditor hashes is what was appended; the server still checks it is JSON.
    sql: `CREATE TABLE {schema}.events (
            position        BIGINT NOT NULL,
            event_id        TEXT   NOT NULL,
            stream_id       TEXT   NOT NULL,
            stream_revision BIGINT NOT NULL,
            type            TEXT   NOT NULL,
            data            JSON   NOT NULL,
            metadata        JSON   NOT NULL,
            CONSTRAINT events_pkey PRIMARY KEY (position),
            CONSTRAINT ${EVENT_ID_CONSTRAINT} UNIQUE (event_id),
            CONSTRAINT ${STREAM_REVISION_CONSTRAINT} UNIQUE (stream_id, stream_revision),
            CONSTRAINT events_position_from_one CHECK (position >= 1),
            CONSTRAINT events_stream_revision_from_zero CHECK (stream_revision >= 0)
          )`,
  },
  {
    name: 'add log_hash',
    // The log chain (src/audit/logChain.ts), written by append under the append lock. Rows
    // stored before this step keep NULL: nothing can vouch for their order after the fact.
    sql: 'ALTER TABLE {schema}.events ADD COLUMN log_hash TEXT',
  },
  {
    name: 'add command_keys',
    // "No (caller, key) accepted twice", kept by the database itself: every append that carries
    // a command key (AppendRequest.commandKey) writes it here in its own transaction, so two
    // servers sharing this database can never both accept one key, even on different streams.
    // Filled from the log on creation so keys accepted before this step stay taken; a claim
    // (IdempotencyKeyClaimed) only reserves the key for the stream it names, which takes it.
    sql: `CREATE TABLE {schema}.command_keys (
            actor_sub  TEXT   NOT NULL,
            command_id TEXT   NOT NULL,
            stream_id  TEXT   NOT NULL,
            position   BIGINT NOT NULL,
            CONSTRAINT ${COMMAND_KEYS_CONSTRAINT} PRIMARY KEY (actor_sub, command_id)
          );
          INSERT INTO {schema}.command_keys (actor_sub, command_id, stream_id, position)
          SELECT DISTINCT ON (1, 2) metadata->'actor'->>'sub', metadata->>'commandId', stream_id, position
            FROM {schema}.events
           WHERE type <> 'IdempotencyKeyClaimed'
             AND metadata->'actor'->>'sub' IS NOT NULL AND metadata->>'commandId' IS NOT NULL
           ORDER BY 1, 2, position`,
  },
  {
    name: 'add effective_date',
    // Each event's business date in a column of its own, so a history as at a date reads only
    // the events it counts (readAllAsAt): data.effectiveDate when it is a string, as append
    // writes it. Compared COLLATE "C" (byte order, as JavaScript compares ISO dates), never by
    // the database's locale.
    sql: `ALTER TABLE {schema}.events ADD COLUMN effective_date TEXT COLLATE "C";
          UPDATE {schema}.events SET effective_date = data->>'effectiveDate'
           WHERE json_typeof(data->'effectiveDate') = 'string'`,
  },
];

/** The schema version that added events.effective_date (readAllAsAt needs it). */
const EFFECTIVE_DATE_VERSION = 4;

export interface PostgresEventStoreOptions {
  /** Schema holding the tables (created if missing). Lower-case letters, digits, underscores. */
  readonly schema?: string;
  readonly poolSize?: number;
  /** Test seams only: production code never sets these. */
  readonly testHooks?: {
    /**
     * Runs inside the append transaction once per accepted request, after the batch's insert
     * (and its NOTIFY, which is only delivered on commit) and before COMMIT, while the append
     * lock is held. Throwing rolls the whole batch back. Tests use it to slow or abort commits.
     */
    readonly beforeCommit?: (
      transaction: TransactionQueries,
      appended: AppendInFlight,
    ) => Promise<void>;
  };
}

export interface TransactionQueries {
  query(sql: string): Promise<unknown>;
}

export interface AppendInFlight {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly positions: readonly bigint[];
}

export type PostgresEventStore = EventStore & {
  readonly schema: string;
  /** The schema version after migrations ran. */
  readonly schemaVersion: number;
};

interface EventRow {
  position: bigint;
  event_id: string;
  stream_id: string;
  stream_revision: bigint;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  log_hash: string | null;
}

/**
 * int8 as bigint and json parsed here, for this store's connections only: the global
 * pg.types parsers (used by any other code in the process) stay untouched.
 */
const STORE_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary' && oid === pg.types.builtins.INT8)
      return (value: string) => BigInt(value);
    if (format !== 'binary' && oid === pg.types.builtins.JSON)
      return (value: string) => JSON.parse(value) as unknown;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

export async function createPostgresEventStore(
  connectionString: string,
  options: PostgresEventStoreOptions = {},
): Promise<PostgresEventStore> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME_PATTERN.test(schema) || schema.length > MAX_SCHEMA_NAME_CHARS) {
    throw new Error(
      `schema must match ${SCHEMA_NAME_PATTERN} and be at most ${MAX_SCHEMA_NAME_CHARS} characters, got ${JSON.stringify(schema)}`,
    );
  }
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(poolSize) || poolSize < 1)
    throw new RangeError(`poolSize must be a positive integer, got ${poolSize}`);
  const beforeCommit = options.testHooks?.beforeCommit;

  const table = `${quoteIdentifier(schema)}.events`;
  const keysTable = `${quoteIdentifier(schema)}.command_keys`;
  const channel = `potledger_appended.${schema}`;
  const appendLockKey = `potledger:append:${schema}`;

  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    types: STORE_TYPES,
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    keepAlive: true,
    allowExitOnIdle: true,
  });
  // An idle pooled connection that dies (server restart, network) is discarded by the pool and the
  // next query opens a fresh one; without a handler the 'error' event would crash the process.
  pool.on('error', () => undefined);
  // A connection checked out of the pool emits on itself, not on the pool, when the server ends
  // it between two queries (a restart): the query under way or the next one fails on its own.
  pool.on('connect', (client) => client.on('error', () => undefined));

  let schemaVersion: number;
  try {
    schemaVersion = await migrate(pool, schema);
  } catch (error) {
    await pool.end();
    throw error;
  }

  const subscriptionWakers = new Set<() => void>();
  const subscriptions = createOpenSubscriptions();
  let closed = false;
  let listener: pg.Client | undefined;
  let listenerStarting: Promise<void> | undefined;
  let listenerRetryAfterMs = 0;

  const wakeSubscriptions = (): void => {
    for (const wake of subscriptionWakers) wake();
  };

  /** Opens the store's one LISTEN connection if live subscriptions need it and it is not open. */
  function startListening(): void {
    if (closed || listener !== undefined || listenerStarting !== undefined) return;
    if (subscriptionWakers.size === 0 || Date.now() < listenerRetryAfterMs) return;
    const client = new pg.Client({
      connectionString,
      types: STORE_TYPES,
      application_name: LISTENER_APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    // A broken LISTEN connection only costs latency: subscriptions keep polling, and one that
    // goes idle after LISTENER_RETRY_DELAY_MS opens a new connection.
    client.on('error', () => {
      listenerRetryAfterMs = Date.now() + LISTENER_RETRY_DELAY_MS;
      void stopListening(client);
    });
    client.on('end', () => {
      if (listener !== client) return;
      listener = undefined;
      listenerRetryAfterMs = Date.now() + LISTENER_RETRY_DELAY_MS;
    });
    client.on('notification', wakeSubscriptions);
    listenerStarting = (async () => {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      listener = client;
      if (closed || subscriptionWakers.size === 0) {
        await stopListening(client);
        return;
      }
      // A commit between a subscription's last empty read and LISTEN taking effect notified
      // nobody: make every subscription read once more.
      wakeSubscriptions();
    })()
      .catch(async () => {
        listenerRetryAfterMs = Date.now() + LISTENER_RETRY_DELAY_MS;
        await stopListening(client);
      })
      .finally(() => {
        listenerStarting = undefined;
      });
  }

  async function stopListening(client: pg.Client | undefined = listener): Promise<void> {
    if (client === undefined) return;
    if (listener === client) listener = undefined;
    client.removeListener('notification', wakeSubscriptions);
    await client.end().catch(() => undefined);
  }

  async function readAfter(afterPosition: bigint, limit: number): Promise<RecordedEvent[]> {
    const { rows } = await reaching(() =>
      pool.query<EventRow>(
        `SELECT position, event_id, stream_id, stream_revision, type, data, metadata, log_hash
           FROM ${table} WHERE position > $1 ORDER BY position LIMIT $2`,
        [afterPosition, limit],
      ),
    );
    return rows.map(toRecordedEvent);
  }

  async function lastRevision(streamId: string): Promise<bigint | 'no-stream'> {
    const { rows } = await pool.query<{ last: bigint | null }>(
      `SELECT max(stream_revision) AS last FROM ${table} WHERE stream_id = $1`,
      [streamId],
    );
    return rows[0]?.last ?? 'no-stream';
  }

  /**
   * One group commit, under the append lock: one read of the head, the last log hash, the
   * revisions of every stream in the batch and the command keys already taken; each request
   * checked in order as the earlier ones left its stream; one statement inserting the accepted
   * events, their command keys and the NOTIFY. The caller commits.
   */
  async function appendUnderLock(
    client: pg.PoolClient,
    requests: readonly SerialisedRequest[],
  ): Promise<AppendBatchOutcome[]> {
    const streamIds = [...new Set(requests.map((r) => r.streamId))];
    const keyed = requests.filter((r) => r.commandKey !== undefined).map((r) => r.commandKey!);
    const { rows } = await client.query<{
      head: bigint;
      last_log_hash: string | null;
      revisions: (string | null)[];
      taken_keys: [string, string, string][] | null;
    }>(
      `SELECT (SELECT COALESCE(max(position), 0) FROM ${table}) AS head,
              (SELECT log_hash FROM ${table} ORDER BY position DESC LIMIT 1) AS last_log_hash,
              ARRAY(SELECT (SELECT max(stream_revision) FROM ${table} WHERE stream_id = s.id)::text
                      FROM unnest($1::text[]) WITH ORDINALITY AS s(id, n) ORDER BY s.n) AS revisions,
              (SELECT json_agg(json_build_array(k.actor_sub, k.command_id, k.stream_id))
                 FROM ${keysTable} k
                 JOIN unnest($2::text[], $3::text[]) AS q(sub, command_id)
                   ON k.actor_sub = q.sub AND k.command_id = q.command_id) AS taken_keys`,
      [streamIds, keyed.map((k) => k.sub), keyed.map((k) => k.commandId)],
    );
    const tip = rows[0]!;
    const revisions = new Map<string, bigint | 'no-stream'>(
      streamIds.map((id, i) => {
        const revision = tip.revisions[i];
        return [id, revision === null || revision === undefined ? 'no-stream' : BigInt(revision)];
      }),
    );
    const takenKeys = new Map<string, string>(
      (tip.taken_keys ?? []).map(([sub, commandId, streamId]) => [
        commandKeyId({ sub, commandId }),
        streamId,
      ]),
    );
    const rowsToInsert = newRows();
    // Requests to one stream are a chain: once one is refused, so is every later one to it.
    const refusedStreams = new Set<string>();
    const accepted: AppendInFlight[] = [];
    const outcomes: AppendBatchOutcome[] = [];
    let position = tip.head;
    let logHash = tip.last_log_hash;
    for (const request of requests) {
      const { streamId, expected, commandKey } = request;
      const actual = revisions.get(streamId)!;
      const takenBy =
        commandKey === undefined ? undefined : takenKeys.get(commandKeyId(commandKey));
      // A key taken on another stream refuses the command whatever it was decided on, so a
      // deciding again could only be refused again. Taken on this very stream, the command is
      // already in it: a conflict, and deciding again finds it there and answers it as a retry.
      if (commandKey !== undefined && takenBy !== undefined && takenBy !== streamId) {
        outcomes.push(new IdempotencyKeyTakenError(streamId, commandKey, takenBy));
        refusedStreams.add(streamId);
        continue;
      }
      if (
        refusedStreams.has(streamId) ||
        !revisionMatches(expected, actual) ||
        takenBy === streamId
      ) {
        outcomes.push(new WrongExpectedRevisionError(streamId, expected, actual));
        refusedStreams.add(streamId);
        continue;
      }
      let revision = actual === 'no-stream' ? -1n : actual;
      const positions: bigint[] = [];
      const logHashes: string[] = [];
      for (const [i, event] of request.events.entries()) {
        revision += 1n;
        position += 1n;
        // Under the lock the head cannot move, so each event's position (and its log chain) is known.
        logHash = logChainHash(logHash, position, request.eventHashes[i]!);
        rowsToInsert.addEvent(position, streamId, revision, event, logHash);
        positions.push(position);
        logHashes.push(logHash);
      }
      if (commandKey !== undefined) {
        rowsToInsert.addKey(commandKey, streamId, positions[0]!);
        takenKeys.set(commandKeyId(commandKey), streamId);
      }
      revisions.set(streamId, revision);
      accepted.push({ streamId, events: request.source.events, positions });
      outcomes.push({ lastRevision: revision, positions, logHashes });
    }
    if (accepted.length === 0) return outcomes;
    // One statement: the events, their keys, and the NOTIFY, which is queued with the
    // transaction, so listeners hear it only if and when the batch commits.
    await client.query(
      `WITH keys AS (
         INSERT INTO ${keysTable} (actor_sub, command_id, stream_id, position)
         SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[])
       ), appended AS (
         INSERT INTO ${table} (position, event_id, stream_id, stream_revision, type, data, metadata, log_hash, effective_date)
         SELECT e.position, e.event_id, e.stream_id, e.stream_revision, e.type, e.data::json,
                e.metadata::json, e.log_hash, e.effective_date
           FROM unnest($7::bigint[], $8::text[], $9::text[], $10::bigint[], $11::text[],
                       $12::text[], $13::text[], $14::text[], $15::text[])
                AS e(position, event_id, stream_id, stream_revision, type, data, metadata, log_hash, effective_date)
       )
       SELECT pg_notify($1, $2)`,
      [channel, String(position), ...rowsToInsert.keyColumns(), ...rowsToInsert.eventColumns()],
    );
    for (const appended of accepted) await beforeCommit?.(client, appended);
    return outcomes;
  }

  /** Runs the requests in one transaction under the append lock: one commit for all of them. */
  async function appendRequests(requests: readonly AppendRequest[]): Promise<AppendBatchOutcome[]> {
    assertOpen();
    if (requests.length === 0) return [];
    // Serialised before the transaction: nothing slow or failing should run under the lock.
    const serialised = requests.map(serialiseRequest);
    let outcomes: AppendBatchOutcome[];
    try {
      outcomes = await inTransaction(
        pool,
        // READ COMMITTED explicitly: under REPEATABLE READ the snapshot would predate the lock.
        // The lock is the last statement of this string, so the reads that follow (a later
        // statement) see every append committed before it was granted.
        `BEGIN ISOLATION LEVEL READ COMMITTED;
         SET LOCAL lock_timeout = ${APPEND_LOCK_TIMEOUT_MS};
         SET LOCAL idle_in_transaction_session_timeout = ${APPEND_IDLE_IN_TRANSACTION_TIMEOUT_MS};
         SELECT pg_advisory_xact_lock(hashtextextended(${quoteLiteral(appendLockKey)}, 0))`,
        (client) => appendUnderLock(client, serialised),
      );
    } catch (error) {
      if (
        isUniqueViolation(error, STREAM_REVISION_CONSTRAINT) ||
        isUniqueViolation(error, COMMAND_KEYS_CONSTRAINT)
      ) {
        // Only a writer that bypassed the append lock can get here, and nothing of the batch was
        // written: every request is a conflict, and the caller decides again on what is stored.
        return Promise.all(
          requests.map(
            async (r) =>
              new WrongExpectedRevisionError(
                r.streamId,
                r.expected,
                await lastRevision(r.streamId),
              ),
          ),
        );
      }
      if (error instanceof pg.DatabaseError && error.code === READ_ONLY_SQL_TRANSACTION) {
        throw new Error('append: this database is a read-only standby; writes go to the primary', {
          cause: error,
        });
      }
      if (isUniqueViolation(error, EVENT_ID_CONSTRAINT)) {
        throw new Error(`append: event id already in the log (${error.detail ?? 'duplicate'})`, {
          cause: error,
        });
      }
      throw error;
    }
    // Same-process subscriptions need not wait for the NOTIFY round trip.
    if (outcomes.some((outcome) => !(outcome instanceof Error))) wakeSubscriptions();
    return outcomes;
  }

  // The signature is the port's (EventStore.subscribe).
  const subscribe: EventStore['subscribe'] = (afterPosition, onBatch, options = {}) => {
    if (closed) throw new Error('event store is closed');
    checkAfterPosition(afterPosition);

    let cursor = afterPosition;
    const { subscription, sleeper, isStopped } = subscriptions.open(() => {
      subscriptionWakers.delete(wake);
      if (subscriptionWakers.size === 0) void stopListening();
    });
    // Set by every wake-up; a wake-up that lands while the loop is reading is not lost, because
    // the loop only sleeps if nothing signalled since its read began.
    let signalled = false;
    const wake = (): void => {
      signalled = true;
      sleeper.wake();
    };

    let unreachableDelayMs = UNREACHABLE_RETRY_FIRST_DELAY_MS;
    const follow = async (): Promise<void> => {
      while (!isStopped()) {
        signalled = false;
        let batch: RecordedEvent[];
        try {
          batch = await readAfter(furthest(cursor, options.heldThrough), SUBSCRIPTION_BATCH_EVENTS);
          unreachableDelayMs = UNREACHABLE_RETRY_FIRST_DELAY_MS;
        } catch (error) {
          // The database restarting is weather, not a fault in the books: wait and read again
          // from the same cursor, so nothing is skipped or repeated when it is back.
          if (!(error instanceof StoreUnavailableError)) throw error;
          await sleeper.sleep(unreachableDelayMs, { unref: true });
          unreachableDelayMs = Math.min(unreachableDelayMs * 2, UNREACHABLE_RETRY_MAX_DELAY_MS);
          continue;
        }
        if (isStopped()) return;
        if (batch.length === 0) {
          startListening();
          // The poll is a safety net, never a reason to keep the process alive.
          if (!signalled) await sleeper.sleep(SUBSCRIPTION_POLL_INTERVAL_MS, { unref: true });
          continue;
        }
        cursor = await deliverAfter(cursor, batch, onBatch);
      }
    };

    subscriptionWakers.add(wake);
    // A read cut short by close() (the pool is ending) is not a failure anyone asked about.
    startFollowing(subscription, follow, options.onError, isStopped);
    return subscription;
  };

  const assertOpen = (): void => {
    if (closed) throw new Error('event store is closed');
  };

  const store: PostgresEventStore = {
    schema,
    schemaVersion,
    // Each append takes head + 1 under the table lock (see the top of this file).
    positionsContiguous: true,
    readerLocation: { kind: 'postgres', url: connectionString, schema },
    // Each append writes log_hash for its events under the same lock (appendUnderLock).
    logChained: true,

    async append(streamId, events, expected) {
      const [outcome] = await appendRequests([{ streamId, events, expected }]);
      if (outcome instanceof Error) throw outcome;
      return outcome!;
    },

    appendBatch: appendRequests,

    async readStream(streamId, fromRevision = 0n, limit) {
      assertOpen();
      const { rows } = await reaching(() =>
        pool.query<EventRow>(
          `SELECT position, event_id, stream_id, stream_revision, type, data, metadata, log_hash
             FROM ${table} WHERE stream_id = $1 AND stream_revision >= $2 ORDER BY stream_revision
             ${limit === undefined ? '' : 'LIMIT $3'}`,
          limit === undefined
            ? [streamId, fromRevision]
            : [streamId, fromRevision, Math.max(0, Math.trunc(limit))],
        ),
      );
      return rows.map(toRecordedEvent);
    },

    async readAll(afterPosition, limit) {
      assertOpen();
      return readAfter(afterPosition, clampReadAllLimit(limit));
    },

    // An index range scan of events_pkey (position > $1 AND position <= $2) with the date as a
    // filter: the rows left out never leave the database. No index on the date: the answer
    // needs log order, and the range is read once either way.
    ...(schemaVersion < EFFECTIVE_DATE_VERSION
      ? {}
      : {
          async readAllAsAt(query: AsAtRead) {
            assertOpen();
            const { rows } = await reaching(() =>
              pool.query<EventRow>(
                `SELECT position, event_id, stream_id, stream_revision, type, data, metadata, log_hash
                   FROM ${table}
                  WHERE position > $1 AND position <= $2
                    AND (effective_date IS NULL OR effective_date <= $3 OR type = ANY($4::text[]))
                  ORDER BY position LIMIT $5`,
                [
                  String(query.afterPosition),
                  String(query.upTo),
                  query.asAt,
                  query.keepTypes,
                  clampReadAllLimit(query.limit),
                ],
              ),
            );
            return rows.map(toRecordedEvent);
          },
        }),

    async readPositions(positions) {
      assertOpen();
      const wanted = positionsToRead(positions);
      if (wanted.length === 0) return [];
      const { rows } = await reaching(() =>
        pool.query<EventRow>(
          `SELECT position, event_id, stream_id, stream_revision, type, data, metadata, log_hash
             FROM ${table} WHERE position = ANY($1::bigint[]) ORDER BY position`,
          [wanted.map(String)],
        ),
      );
      return rows.map(toRecordedEvent);
    },

    async headPosition() {
      assertOpen();
      const { rows } = await reaching(() =>
        pool.query<{ head: bigint }>(`SELECT COALESCE(max(position), 0) AS head FROM ${table}`),
      );
      return rows[0]!.head;
    },

    async commandKeyStream(key) {
      assertOpen();
      const { rows } = await reaching(() =>
        pool.query<{ stream_id: string }>(
          `SELECT stream_id FROM ${keysTable} WHERE actor_sub = $1 AND command_id = $2`,
          [key.sub, key.commandId],
        ),
      );
      return rows[0]?.stream_id;
    },

    async positionOfEventId(eventId) {
      assertOpen();
      const { rows } = await reaching(() =>
        pool.query<{ position: bigint }>(`SELECT position FROM ${table} WHERE event_id = $1`, [
          eventId,
        ]),
      );
      return rows[0]?.position;
    },

    subscribe,

    async ping() {
      assertOpen();
      await reaching(() => pool.query('SELECT 1'));
    },

    async close() {
      if (closed) return;
      closed = true;
      subscriptions.closeAll();
      await listenerStarting;
      await stopListening();
      // Waits for appends in flight: their connections are ended as they are released.
      await pool.end();
    },
  };
  return store;
}

/**
 * Brings the schema up to the latest version; returns that version. Two servers starting at once
 * serialise on an advisory lock, so each migration is applied exactly once.
 */
async function migrate(pool: pg.Pool, schema: string): Promise<number> {
  const quotedSchema = quoteIdentifier(schema);
  const migrationsTable = `${quotedSchema}.potledger_migrations`;
  const standby = await readOnlyStandbyVersion(pool, schema, migrationsTable);
  if (standby !== undefined) return standby;
  return inTransaction(pool, 'BEGIN ISOLATION LEVEL READ COMMITTED', async (client) => {
    // A migration may rewrite a large table; the per-statement limit is for ordinary queries.
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `potledger:migrate:${schema}`,
    ]);
    // CREATE SCHEMA IF NOT EXISTS checks the CREATE privilege even when the schema exists, so
    // only ask for it when it is really missing (a role may own its tables but not the database).
    const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
      schema,
    ]);
    if (rowCount === 0) await client.query(`CREATE SCHEMA ${quotedSchema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${migrationsTable} (
         version    INTEGER     PRIMARY KEY,
         name       TEXT        NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ current: number }>(
      `SELECT COALESCE(max(version), 0) AS current FROM ${migrationsTable}`,
    );
    const current = rows[0]!.current;
    if (current > MIGRATIONS.length) {
      // A newer potledger wrote this schema; guessing at it could corrupt the ledger.
      throw new Error(
        `database schema version ${current} is newer than this build knows (${MIGRATIONS.length})`,
      );
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version += 1) {
      const migration = MIGRATIONS[version - 1]!;
      await client.query(migration.sql.replaceAll('{schema}', quotedSchema));
      await client.query(`INSERT INTO ${migrationsTable} (version, name) VALUES ($1, $2)`, [
        version,
        migration.name,
      ]);
    }
    return MIGRATIONS.length;
  });
}

/**
 * On a streaming standby (reporting reads) nothing can be migrated: the schema is the primary's,
 * replicated, and must be the version this build reads. Undefined on a primary.
 */
async function readOnlyStandbyVersion(
  pool: pg.Pool,
  schema: string,
  migrationsTable: string,
): Promise<number | undefined> {
  const { rows } = await reaching(() =>
    pool.query<{ standby: boolean; migrated: boolean }>(
      `SELECT pg_is_in_recovery() AS standby,
              to_regclass($1) IS NOT NULL AS migrated`,
      [migrationsTable],
    ),
  );
  if (rows[0]!.standby !== true) return undefined;
  const current =
    rows[0]!.migrated === true
      ? (
          await pool.query<{ current: number }>(
            `SELECT COALESCE(max(version), 0) AS current FROM ${migrationsTable}`,
          )
        ).rows[0]!.current
      : 0;
  if (current !== MIGRATIONS.length) {
    throw new Error(
      `schema ${schema} on this read-only standby is at version ${current}, this build reads version ${MIGRATIONS.length}: start a server of this version on the primary first`,
    );
  }
  return current;
}

/**
 * Runs `work` in one transaction on one pooled connection. If the append's COMMIT is lost with the
 * connection, the caller cannot know whether it landed; a retry with the same event ids is then
 * refused by their uniqueness, so an event is never recorded twice.
 */
async function inTransaction<T>(
  pool: pg.Pool,
  beginSql: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await reaching(() => pool.connect());
  let broken: Error | undefined;
  let committing = false;
  try {
    await client.query(beginSql);
    const result = await work(client);
    committing = true;
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    // A connection lost before COMMIT was sent takes the transaction with it; one lost while
    // COMMIT was on its way leaves the outcome unknown.
    throw asStoreUnavailable(error, committing ? 'unknown' : 'no');
  } finally {
    // A connection that cannot even roll back is destroyed rather than handed to the next caller.
    client.release(broken);
  }
}

function isUniqueViolation(error: unknown, constraint: string): error is pg.DatabaseError {
  return (
    error instanceof pg.DatabaseError &&
    error.code === UNIQUE_VIOLATION &&
    error.constraint === constraint
  );
}

/** A request made ready before the transaction: nothing slow or failing runs under the lock. */
interface SerialisedRequest {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly commandKey: CommandKey | undefined;
  readonly events: readonly SerialisedEvent[];
  readonly eventHashes: readonly string[];
  readonly source: AppendRequest;
}

function serialiseRequest(request: AppendRequest): SerialisedRequest {
  if (request.events.length === 0)
    throw new Error(`append to ${request.streamId}: refusing an empty event list`);
  return {
    streamId: request.streamId,
    expected: request.expected,
    commandKey: request.commandKey,
    events: request.events.map(serialiseEvent),
    eventHashes: request.events.map((event) => logChainEventHash(event.metadata)),
    source: request,
  };
}

function commandKeyId(key: CommandKey): string {
  return JSON.stringify([key.sub, key.commandId]);
}

/** The accepted rows of one batch, column by column, as unnest() takes them. */
function newRows() {
  const keys = {
    sub: [] as string[],
    commandId: [] as string[],
    stream: [] as string[],
    at: [] as string[],
  };
  const events = {
    position: [] as string[],
    eventId: [] as string[],
    stream: [] as string[],
    revision: [] as string[],
    type: [] as string[],
    data: [] as string[],
    metadata: [] as string[],
    logHash: [] as string[],
    effectiveDate: [] as (string | null)[],
  };
  return {
    addEvent(
      position: bigint,
      streamId: string,
      revision: bigint,
      event: SerialisedEvent,
      logHash: string,
    ): void {
      events.position.push(String(position));
      events.eventId.push(event.eventId);
      events.stream.push(streamId);
      events.revision.push(String(revision));
      events.type.push(event.type);
      events.data.push(event.data);
      events.metadata.push(event.metadata);
      events.logHash.push(logHash);
      events.effectiveDate.push(event.effectiveDate);
    },
    addKey(key: CommandKey, streamId: string, position: bigint): void {
      keys.sub.push(key.sub);
      keys.commandId.push(key.commandId);
      keys.stream.push(streamId);
      keys.at.push(String(position));
    },
    keyColumns: () => [keys.sub, keys.commandId, keys.stream, keys.at],
    eventColumns: () => [
      events.position,
      events.eventId,
      events.stream,
      events.revision,
      events.type,
      events.data,
      events.metadata,
      events.logHash,
      events.effectiveDate,
    ],
  };
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    position: row.position,
    eventId: row.event_id,
    streamId: row.stream_id,
    streamRevision: row.stream_revision,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    ...(row.log_hash === null ? {} : { logHash: row.log_hash }),
  };
}
