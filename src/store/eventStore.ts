/**
 * The event store port. Every adapter (embedded SQLite, PostgreSQL, EventStoreDB) satisfies
 * this type, and one contract suite (test/store/eventStoreContract.ts) runs against each.
 *
 * Positions and revisions are bigint: a log that outlives 2^53 events must still count.
 * Positions start at 1 and strictly increase along the global log; 0n means "before the start".
 * Stream revisions start at 0 for a stream's first event.
 */

/** What the caller expects the stream's last revision to be when appending. */
export type ExpectedRevision = bigint | 'no-stream' | 'any';

export interface EventMetadata {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId?: string;
  readonly actor: { readonly sub: string; readonly role: string; readonly agencyId?: string };
  readonly recordedAt: string;
  readonly [key: string]: unknown;
}

/** An event as the application hands it to the store. */
export interface NewEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/** An event as the store gives it back, with where it sits. */
export interface RecordedEvent extends NewEvent {
  readonly streamId: string;
  readonly streamRevision: bigint;
  readonly position: bigint;
  /**
   * The log chain value the store kept for this event (src/audit/logChain.ts); absent where the
   * store keeps none (EventStoreDB, or a row stored before the log chain existed).
   */
  readonly logHash?: string;
}

export interface AppendResult {
  /** Revision of the last event appended to the stream. */
  readonly lastRevision: bigint;
  /** Global log position of each appended event, in order. */
  readonly positions: readonly bigint[];
  /**
   * The log chain value stored with each appended event, in order, from a store that keeps one
   * (`logChained`), so the appender can hand on the events exactly as a read would return them.
   */
  readonly logHashes?: readonly string[];
}

/** One stream's share of an appendBatch: its events and the revision it expects. */
export interface AppendRequest {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  /**
   * The command's idempotency key, scoped to its caller. A store that keeps command keys
   * (PostgreSQL, SQLite: a table with a primary key, written in the append's own transaction)
   * accepts a key once, whatever the stream, across every process sharing the database: a request
   * whose key was already accepted on another stream gets an IdempotencyKeyTakenError and none of
   * its events are written. EventStoreDB, which has no multi-stream transaction, claims the key
   * first in a key stream of its own written with no-stream (src/store/esdb/commandKeyClaims.ts),
   * then appends the events: the same answers, and a key whose claim landed but whose events did
   * not stays bound to its stream (a retry there succeeds).
   */
  readonly commandKey?: CommandKey;
}

/** A command's identity as the write path sees it: who sent it (actor.sub) and under which key. */
export interface CommandKey {
  readonly sub: string;
  readonly commandId: string;
}

/**
 * appendBatch's answer for one request: where its events went, or the error that kept every one
 * of them out (the other requests are unaffected): a WrongExpectedRevisionError, or, only from a
 * store that appends one request at a time, whatever failed that request's own append.
 */
export type AppendBatchOutcome = AppendResult | Error;

/** Thrown by append when the stream is not at the expected revision. Nothing is appended. */
export class WrongExpectedRevisionError extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no-stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/**
 * appendBatch's answer for a request whose command key was already accepted (on any stream, by
 * any process): none of its events are written. The write path answers IDEMPOTENCY_KEY_REUSED.
 */
export class IdempotencyKeyTakenError extends Error {
  readonly code = 'IDEMPOTENCY_KEY_TAKEN';
  constructor(
    readonly streamId: string,
    readonly commandKey: CommandKey,
    /** The stream the key was accepted on. */
    readonly takenByStreamId: string,
  ) {
    super(
      `stream ${streamId}: command key ${JSON.stringify([commandKey.sub, commandKey.commandId])} was already accepted on ${takenByStreamId}`,
    );
  }
}

/**
 * The store could not be reached (connection refused or lost, the database shutting down or
 * starting up). Not a refusal of the command: the same request may succeed once the store is
 * back, so the HTTP side answers 503 STORE_UNAVAILABLE with Retry-After. `recorded` says whether
 * a write that failed this way may nevertheless have been committed: 'no' when the connection was
 * lost before COMMIT was sent (the database rolls the transaction back), 'unknown' when the
 * COMMIT itself went unanswered. A retry with the same idempotency key is safe either way.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(
    /** Why, in words safe to show anyone: never a host name, user or password. */
    readonly reason: string,
    readonly recorded: 'no' | 'unknown' = 'no',
    options?: { cause?: unknown },
  ) {
    super(`the event store is unavailable: ${reason}`, options);
    this.name = 'StoreUnavailableError';
  }
}

export interface Subscription {
  /** Stops the subscription; no batch is delivered after the one in flight (if any) settles. */
  close(): void;
}

export interface SubscribeOptions {
  /**
   * Called once when the subscription stops because `onBatch` threw (or the store failed);
   * the subscription is closed by then. Without it, the error is rethrown as an unhandled
   * rejection: a consumer that silently stops following the log is worse than a loud crash.
   */
  readonly onError?: (error: unknown) => void;
  /**
   * The last position the consumer already holds without this subscription (the write path hands
   * the events it appended in this process to the projection runner): a store that heeds it reads
   * after this position instead of its own cursor when it is further, so it does not read back
   * what was just written. A store may ignore it, so a consumer must still skip any event it
   * holds; never a reason to skip one it does not.
   */
  readonly heldThrough?: () => bigint;
}

export interface EventStore {
  /**
   * True when positions are exactly 1, 2, 3, … with no gaps (SQLite, PostgreSQL), so a missing
   * position means a deleted event; false where the store's positions have gaps by design
   * (EventStoreDB's are byte offsets). `potledger verify` asks this rather than guess from a URL.
   */
  readonly positionsContiguous: boolean;
  /**
   * True when the store writes the log chain (src/audit/logChain.ts) inside its append
   * transaction and returns it as each event's `logHash` (SQLite, PostgreSQL); false where it
   * keeps none (EventStoreDB). `potledger verify` then checks the global order too.
   */
  readonly logChained: boolean;
  /**
   * Where another thread can open a reading connection of its own to this log: historical folds
   * run in worker threads (src/books/historyPool.ts) so they never stall the live API. Absent where
   * no other thread can reach the log (an in-memory database, EventStoreDB).
   */
  readonly readerLocation?: ReaderLocation;
  /** Appends atomically: all events or none. An empty list is refused. */
  append(
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult>;
  /**
   * Appends many requests (to one stream or many) in one transaction, so one commit (one fsync)
   * covers them all. Requests are applied in order, each checked against its expected revision
   * as the earlier ones left the stream: a request that does not match gets a
   * WrongExpectedRevisionError in its place of the answer and none of its events are written,
   * while the others commit; likewise a request whose commandKey the store holds for another
   * stream gets an IdempotencyKeyTakenError, even behind a refused request (deciding it again
   * could only be refused again), while one whose key the store holds for its own stream is a
   * WrongExpectedRevisionError (the command is already there: deciding again finds it). Requests to one stream are a chain, each decided on the ones before
   * it: once one of them is refused, every later one to that stream in the batch is refused too,
   * even if its expected revision happens to match what is stored. Any other failure (the store is down, a duplicate event id) rejects
   * the whole call and writes nothing. A store that cannot share a transaction (EventStoreDB)
   * appends one request at a time: the same answers, one commit each, and a failure other than a
   * conflict is that request's answer rather than the whole call's.
   */
  appendBatch(requests: readonly AppendRequest[]): Promise<AppendBatchOutcome[]>;
  /**
   * The stream's events from `fromRevision` (inclusive, default 0n) in revision order, at most
   * `limit` of them when given; [] when absent.
   */
  readStream(streamId: string, fromRevision?: bigint, limit?: number): Promise<RecordedEvent[]>;
  /** Up to `limit` events with position strictly greater than `afterPosition`, in log order. */
  readAll(afterPosition: bigint, limit: number): Promise<RecordedEvent[]>;
  /**
   * The events at these log positions, in log order, in one indexed read (at most
   * MAX_READ_POSITIONS of them): a position with no event is left out, so a caller that needs
   * each one checks. The audit trail keeps only positions in memory and reads a page's entries
   * back this way.
   */
  readPositions(positions: readonly bigint[]): Promise<RecordedEvent[]>;
  /**
   * readAll for a history as at a business date (src/books/historyFold.ts): up to `limit`
   * events after `afterPosition` and at or before `upTo`, in log order, leaving out those whose
   * `data.effectiveDate` is a string after `asAt`, unless their type is one of `keepTypes`. The
   * store keeps each event's effective date in a column of its own, so the events left out are
   * never read or parsed. A short page means nothing more up to `upTo`. Absent where the store
   * keeps no such column (EventStoreDB, or a read-only connection to a file not yet migrated):
   * the caller reads everything and filters.
   */
  readAllAsAt?(query: AsAtRead): Promise<RecordedEvent[]>;
  /** Position of the last event in the log (0n when empty). */
  headPosition(): Promise<bigint>;
  /**
   * The stream a command key (AppendRequest.commandKey) was accepted on, or undefined when it
   * was never accepted: one indexed read of the store's command keys (SQLite, PostgreSQL), so
   * the write path refuses a key reused on another stream without holding every key in memory.
   * A claim (IdempotencyKeyClaimed) is not a command key: its stream names the key's target.
   * EventStoreDB reads the key's claim stream.
   */
  commandKeyStream(key: CommandKey): Promise<string | undefined>;
  /**
   * Position of the event with this id, or undefined when the log has none: one read of the
   * store's unique event_id index (SQLite, PostgreSQL), so the Merkle log of a store with dense
   * positions finds an event's leaf without an event id map in memory (src/audit/storeMerkleLog.ts).
   * Absent where the store has no such index (EventStoreDB): its Merkle log keeps the map.
   */
  positionOfEventId?(eventId: string): Promise<bigint | undefined>;
  /**
   * Catch-up then live: calls `onBatch` with every event after `afterPosition`, in log order,
   * batch by batch, never skipping or repeating one; then keeps following new appends.
   * A batch's promise is awaited before the next batch is delivered.
   */
  subscribe(
    afterPosition: bigint,
    onBatch: (events: RecordedEvent[]) => Promise<void> | void,
    options?: SubscribeOptions,
  ): Subscription;
  /** Cheap reachability check for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface AsAtRead {
  readonly afterPosition: bigint;
  readonly upTo: bigint;
  readonly limit: number;
  /** A business date, YYYY-MM-DD. */
  readonly asAt: string;
  /** Types read whatever their date (the filter still needs to see them). */
  readonly keepTypes: readonly string[];
}

/**
 * The effective date an event is filtered by, as the store's column keeps it: `data.effectiveDate`
 * when it is a string, else null (the event always counts). The same rule as isDatedAfter.
 */
export function effectiveDateColumn(data: unknown): string | null {
  if (typeof data !== 'object' || data === null || !('effectiveDate' in data)) return null;
  const date = (data as { effectiveDate: unknown }).effectiveDate;
  return typeof date === 'string' ? date : null;
}

export type ReaderLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/** Most events one readAll may return; callers page through longer logs. */
export const MAX_READ_ALL_BATCH_EVENTS = 10_000;

/** Most positions one readPositions may ask for (an audit page asks for at most 1,000). */
export const MAX_READ_POSITIONS = 10_000;

/** The positions to read, ascending and once each; refuses more than MAX_READ_POSITIONS. */
export function positionsToRead(positions: readonly bigint[]): bigint[] {
  if (positions.length > MAX_READ_POSITIONS)
    throw new RangeError(
      `readPositions asks for at most ${MAX_READ_POSITIONS} positions, not ${positions.length}`,
    );
  for (const position of positions)
    if (typeof position !== 'bigint' || position < 1n)
      throw new RangeError(`readPositions: ${String(position)} is not a log position`);
  return [...new Set(positions)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
