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
 * stream's revision, inserts at head+1…, and commits. PostgreSQL makes a commit visible before
 * it releases the transaction's locks, so the next append cannot even compute its position until
 * the previous one is visible to everybody. Positions are therefore committed in position order,
 * and they are dense (1, 2, 3, … with no holes): a rolled-back or refused append leaves nothing
 * behind, which also lets an auditor check that the log is complete.
 *
 * Trade-off: one append at a time per database schema. Each append holds the lock for a handful
 * of round trips plus its commit, so throughput is a few hundred appends a second (measured on a
 * local server: ~700/s from one writer, ~250/s with 16 writers contending) — far above what
 * finance officers issuing commands produce. A slow or stalled append holds everybody up, so the
 * lock wait and the idle-in-transaction time are bounded (APPEND_*_TIMEOUT_MS below). The
 * alternative, sequence positions plus "read only below the oldest in-flight transaction"
 * (pg_snapshot_xmin), allows parallel appends but leaves holes and makes every reader reason
 * about visibility. test/store/postgresEventStore.test.ts proves the choice: many pools append
 * with slow and rolled-back commits while a follower's sequence is compared with the table.
 *
 * Optimistic concurrency on (stream, revision) is checked under the same lock; UNIQUE
 * (stream_id, stream_revision) is the backstop against any writer that bypasses the lock, and a
 * violation of it is reported as WrongExpectedRevisionError.
 *
 * Live subscriptions: NOTIFY inside the append transaction (delivered only on commit) wakes a
 * LISTEN connection per store; an unref'd poll is the safety net when that connection is down.
 */
import { appendOneByOne } from '../appendOneByOne.ts';
import pg from 'pg';
import {
  StoreUnavailableError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
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
];

export interface PostgresEventStoreOptions {
  /** Schema holding the tables (created if missing). Lower-case letters, digits, underscores. */
  readonly schema?: string;
  readonly poolSize?: number;
  /** Test seams only: production code never sets these. */
  readonly testHooks?: {
    /**
     * Runs inside the append transaction, after the insert and before NOTIFY and COMMIT, while
     * the append lock is held. Throwing rolls the append back. Tests use it to slow or abort commits.
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

  async function appendUnderLock(
    client: pg.PoolClient,
    streamId: string,
    events: readonly NewEvent[],
    serialised: readonly SerialisedEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    // Its own statement: in READ COMMITTED each statement takes a fresh snapshot, so the reads
    // below see every append committed before the lock was granted.
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [appendLockKey]);
    const { rows } = await client.query<{
      last_revision: bigint | null;
      head: bigint;
      last_log_hash: string | null;
    }>(
      `SELECT (SELECT max(stream_revision) FROM ${table} WHERE stream_id = $1) AS last_revision,
              (SELECT COALESCE(max(position), 0) FROM ${table}) AS head,
              (SELECT log_hash FROM ${table} ORDER BY position DESC LIMIT 1) AS last_log_hash`,
      [streamId],
    );
    const tip = rows[0]!;
    const actual = tip.last_revision ?? 'no-stream';
    if (!revisionMatches(expected, actual))
      throw new WrongExpectedRevisionError(streamId, expected, actual);

    const firstRevision = actual === 'no-stream' ? 0n : actual + 1n;
    const positions = events.map((_, i) => tip.head + 1n + BigInt(i));
    // Under the lock the head cannot move, so each event's position (and its log chain) is known.
    let logHash = tip.last_log_hash;
    const logHashes = events.map(
      (event, i) =>
        (logHash = logChainHash(logHash, positions[i]!, logChainEventHash(event.metadata))),
    );
    await client.query(
      `INSERT INTO ${table} (position, event_id, stream_id, stream_revision, type, data, metadata, log_hash)
       SELECT $1::bigint + e.ordinal, e.event_id, $2, $3::bigint + e.ordinal - 1, e.type, e.data::json, e.metadata::json, e.log_hash
         FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
              WITH ORDINALITY AS e(event_id, type, data, metadata, log_hash, ordinal)`,
      [
        tip.head,
        streamId,
        firstRevision,
        serialised.map((e) => e.eventId),
        serialised.map((e) => e.type),
        serialised.map((e) => e.data),
        serialised.map((e) => e.metadata),
        logHashes,
      ],
    );
    await beforeCommit?.(client, { streamId, events, positions });
    // Queued with the transaction: listeners hear it only if and when the append commits.
    await client.query('SELECT pg_notify($1, $2)', [
      channel,
      String(positions[positions.length - 1]),
    ]);
    return { lastRevision: firstRevision + BigInt(events.length) - 1n, positions };
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
          batch = await readAfter(cursor, SUBSCRIPTION_BATCH_EVENTS);
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
      assertOpen();
      if (events.length === 0)
        throw new Error(`append to ${streamId}: refusing an empty event list`);
      // Serialised before the transaction: nothing slow or failing should run under the lock.
      const serialised = events.map(serialiseEvent);
      let result: AppendResult;
      try {
        result = await inTransaction(
          pool,
          // READ COMMITTED explicitly: under REPEATABLE READ the snapshot would predate the lock.
          `BEGIN ISOLATION LEVEL READ COMMITTED;
           SET LOCAL lock_timeout = ${APPEND_LOCK_TIMEOUT_MS};
           SET LOCAL idle_in_transaction_session_timeout = ${APPEND_IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
          (client) => appendUnderLock(client, streamId, events, serialised, expected),
        );
      } catch (error) {
        if (isUniqueViolation(error, STREAM_REVISION_CONSTRAINT)) {
          // Only a writer that bypassed the append lock can get here; the caller retries as usual.
          throw new WrongExpectedRevisionError(streamId, expected, await lastRevision(streamId));
        }
        if (error instanceof pg.DatabaseError && error.code === READ_ONLY_SQL_TRANSACTION) {
          throw new Error(
            `append to ${streamId}: this database is a read-only standby; writes go to the primary`,
            { cause: error },
          );
        }
        if (isUniqueViolation(error, EVENT_ID_CONSTRAINT)) {
          throw new Error(
            `append to ${streamId}: event id already in the log (${error.detail ?? 'duplicate'})`,
            { cause: error },
          );
        }
        throw error;
      }
      // Same-process subscriptions need not wait for the NOTIFY round trip.
      wakeSubscriptions();
      return result;
    },

    async appendBatch(requests) {
      // One append (one transaction, with its beforeCommit) per request: see appendOneByOne.ts.
      return appendOneByOne(
        (streamId, events, expected) => store.append(streamId, events, expected),
        requests,
      );
    },

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

    async headPosition() {
      assertOpen();
      const { rows } = await reaching(() =>
        pool.query<{ head: bigint }>(`SELECT COALESCE(max(position), 0) AS head FROM ${table}`),
      );
      return rows[0]!.head;
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
