/**
 * The EventStoreDB / KurrentDB event store (`@eventstore/db-client` 6, gRPC), for
 * `LEDGER_STORE=esdb://…` or `kurrentdb://…`.
 *
 * How the port maps onto EventStoreDB, and where the two differ:
 *
 * - **Positions.** The port's position is the event's `$all` *commit position*, a bigint byte
 *   offset in the transaction log, read from the client as a bigint (the client parses the
 *   protobuf int64 from a string; no position ever passes through a JS number or JSON). Every
 *   append this adapter makes is a gRPC append, which EventStoreDB writes as an implicit
 *   transaction: each event is its own "committed prepare" record, and `$all` reports it at
 *   commit = prepare = that record's own log offset (AllReader: `new CommitEventRecord(event,
 *   prepare.LogPosition)`). So even the events of one multi-event append get distinct, strictly
 *   increasing positions, and commit alone identifies an event. Only events written by the legacy
 *   TCP API's explicit transactions share a commit position; the adapter refuses to give such an
 *   event a position (commit ≠ prepare is an error) rather than hand out an ambiguous cursor.
 * - **Reading "after" a position.** EventStoreDB reads `$all` *from* a position (inclusive) and
 *   only from a position where a record starts: any other offset is refused ("invalid position").
 *   A port cursor is usually a position this store handed out, so `readAll(p)` reads from
 *   {commit: p, prepare: p} and drops the event at p. A cursor that is not an event's position
 *   (the contract suite asks for `position - 1n`; an API client may send any digits) is resolved
 *   to the nearest event position below it that this process has seen, or the start of `$all`,
 *   and the events up to the cursor are skipped. Always correct; slow only for such cursors.
 * - **Which events.** `$all` holds system events and possibly other applications' streams. The
 *   adapter only shows streams named with potledger's prefixes (`agency-`, `pot-`,
 *   `idempotency-`), filtering `subscribeToAll` on the server and `readAll` in the client, and
 *   refuses to append anywhere else, since an event it could not read back would break the
 *   port's promise that every append appears in the global log. Its own key streams
 *   (`potledger-key-…`, below) fall outside those prefixes, so no reader of the log sees them.
 * - **Command keys.** No multi-stream transaction, so no `command_keys` table: an append carrying
 *   a command key first claims it in the key's own stream (expected revision `no-stream`), then
 *   appends the events. A key claimed for another stream is an IdempotencyKeyTakenError; one whose
 *   command is already in this stream a revision conflict, as in SQLite. commandKeyClaims.ts says
 *   why a crash between the two appends can neither lose a retry nor accept a key twice.
 * - **Event ids.** The port's ids are ULIDs, EventStoreDB's are UUIDs: ulidUuid.ts maps one to
 *   the other losslessly, so readers get the ULID back.
 * - **Repeated event ids.** The port refuses an event id already in the log. EventStoreDB instead
 *   answers an append whose ids repeat the stream's own recent events with an "idempotent"
 *   success that writes nothing, and accepts the same id in another stream. The adapter turns the
 *   first into a refusal (it reads the stream's revision before appending; a "success" whose
 *   revisions are not past it wrote nothing: WrongExpectedRevisionError for an explicit expected
 *   revision, DuplicateEventIdError for `any`), and refuses a batch that repeats an id within
 *   itself. It cannot see the same id in *another* stream (EventStoreDB has no index by event
 *   id): that append is written. Nor can it see a repeat that EventStoreDB's idempotency cache
 *   has forgotten under `any`, or an identical append racing this one (both then succeed, and
 *   the log holds one copy). potledger makes a fresh ULID for every event it writes, so this is
 *   a guard against bugs, not part of the idempotency design, which rests on command ids.
 * - **Subscriptions** are catch-up subscriptions to `$all`, filtered to potledger's streams,
 *   that resubscribe from the last delivered position after a dropped connection, with backoff.
 */
import { randomUUID } from 'node:crypto';
import {
  ANY,
  AccessDeniedError,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  InvalidArgumentError,
  NO_STREAM,
  NotLeaderError,
  START,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnsupportedError,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
  type AllStreamRecordedEvent,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type CurrentRevision,
  type JSONType,
  type Position,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import {
  IdempotencyKeyTakenError,
  WrongExpectedRevisionError,
  type AppendBatchOutcome,
  type AppendRequest,
  type AppendResult,
  type CommandKey,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
  positionsToRead,
} from '../eventStore.ts';
import { LEDGER_STREAM_PREFIXES } from '../../../events/streams.ts';
import { ulidToUuid, uuidToUlid } from '../ulidUuid.ts';
import { clampReadAllLimit } from '../storeSupport.ts';
import { checkAfterPosition, createOpenSubscriptions, startFollowing } from '../following.ts';
import {
  COMMAND_KEY_STREAM_PREFIX,
  KEY_CLAIMED_EVENT_TYPE,
  MAX_KEY_CLAIM_ATTEMPTS,
  commandKeyStreamId,
  fromKeyClaimData,
  judgeKeyClaim,
  toKeyClaimData,
  type AtClaimedRevision,
  type KeyClaim,
} from './commandKeyClaims.ts';

/** Streams that belong to potledger; everything else in `$all` is someone else's. */
export const POTLEDGER_STREAM_PREFIXES: readonly string[] = LEDGER_STREAM_PREFIXES;
/** Events fetched per `$all` page while reading, scanning for a cursor, or finding the head. */
export const READ_PAGE_EVENTS = 1_000;
/** Most events handed to one onBatch call. */
export const SUBSCRIPTION_BATCH_EVENTS = 1_000;
/** First pause before resubscribing after a dropped subscription; doubles up to the maximum. */
export const RESUBSCRIBE_INITIAL_DELAY_MS = 100;
export const RESUBSCRIBE_MAX_DELAY_MS = 5_000;
/**
 * The client gives streaming reads no deadline at all; a read still running after this long
 * is cancelled and fails, so a hung server cannot hang a request forever.
 */
export const READ_TIMEOUT_MS = 60_000;
/** Event positions remembered as safe places to start reading `$all` (see resolveStart). */
export const MAX_REMEMBERED_POSITIONS = 10_000;

/** Thrown when an append repeats an event id: within its own batch, or ones EventStoreDB already holds. */
export class DuplicateEventIdError extends Error {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(
    readonly streamId: string,
    readonly eventIds: readonly string[],
  ) {
    super(`append to ${streamId}: event id(s) already used: ${eventIds.join(', ')}`);
  }
}

/** A resubscription after the `$all` subscription dropped or ended, for logs and tests. */
export interface SubscriptionRetry {
  /** The checkpoint the subscription resumes after. */
  readonly afterPosition: bigint;
  /** Consecutive retries without delivering an event, starting at 1. */
  readonly attempt: number;
  readonly delayMs: number;
  /** What dropped it; undefined when the server simply ended the subscription. */
  readonly error: unknown;
}

export interface EsdbEventStoreOptions {
  readonly streamPrefixes?: readonly string[];
  readonly onSubscriptionRetry?: (retry: SubscriptionRetry) => void;
}

/** The part of the client this adapter uses (a test can stand in for it). */
export type EsdbClient = Pick<
  EventStoreDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'
>;

/** `kurrentdb://` and `kurrentdb+discover://` are KurrentDB's names for what client 6 calls `esdb://`. */
export function toEsdbConnectionString(url: string): string {
  const match = /^(esdb|kurrentdb)(\+discover)?:\/\//.exec(url);
  if (match === null)
    throw new Error(
      `not an EventStoreDB / KurrentDB URL (esdb:// or kurrentdb://): ${JSON.stringify(url)}`,
    );
  return `esdb${match[2] ?? ''}://${url.slice(match[0].length)}`;
}

export function createEsdbEventStore(
  target: string | EsdbClient,
  options: EsdbEventStoreOptions = {},
): EventStore {
  const client: EsdbClient =
    typeof target === 'string'
      ? EventStoreDBClient.connectionString(toEsdbConnectionString(target))
      : target;
  const prefixes = [...(options.streamPrefixes ?? POTLEDGER_STREAM_PREFIXES)];
  if (
    prefixes.length === 0 ||
    prefixes.some(
      (prefix) =>
        prefix === '' ||
        prefix.startsWith('$') ||
        // Key streams must stay out of the log every reader sees (commandKeyClaims.ts).
        prefix.startsWith(COMMAND_KEY_STREAM_PREFIX) ||
        COMMAND_KEY_STREAM_PREFIX.startsWith(prefix),
    )
  ) {
    throw new Error(
      `stream prefixes must be non-empty, not system ($) prefixes and not overlap ${COMMAND_KEY_STREAM_PREFIX}: ${JSON.stringify(prefixes)}`,
    );
  }
  const known = createPositionMemory(MAX_REMEMBERED_POSITIONS);
  const subscriptions = createOpenSubscriptions();
  let closed = false;

  const isOurs = (streamId: string): boolean =>
    prefixes.some((prefix) => streamId.startsWith(prefix) && streamId.length > prefix.length);

  function assertOpen(): void {
    if (closed) throw new Error('event store is closed');
  }

  function toRecorded(event: EsdbRecordedEvent | AllStreamRecordedEvent): RecordedEvent {
    const position = portPosition(event.position, event);
    if (!event.isJson) throw new Error(`event ${event.id} in ${event.streamId} is not JSON`);
    const metadata = event.metadata;
    if (
      metadata === null ||
      typeof metadata !== 'object' ||
      Array.isArray(metadata) ||
      metadata instanceof Uint8Array
    ) {
      throw new Error(`event ${event.id} in ${event.streamId} has no JSON object as metadata`);
    }
    known.add(position);
    return {
      position,
      eventId: uuidToUlid(event.id),
      streamId: event.streamId,
      streamRevision: event.revision,
      type: event.type,
      data: event.data as unknown,
      metadata: metadata as unknown as EventMetadata,
    };
  }

  async function readStreamEvents(
    streamId: string,
    fromRevision: bigint,
    maxCount?: bigint,
  ): Promise<RecordedEvent[]> {
    try {
      // From the leader: a follower may lag, and the write path reads back what it just appended.
      const read = client.readStream(streamId, {
        fromRevision,
        direction: FORWARDS,
        requiresLeader: true,
        ...(maxCount === undefined ? {} : { maxCount }),
      });
      const resolved = await collect(read, `read ${streamId}`);
      return resolved.flatMap((r) => (r.event === undefined ? [] : [toRecorded(r.event)]));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  async function currentRevision(streamId: string): Promise<bigint | 'no-stream'> {
    try {
      const read = client.readStream(streamId, {
        fromRevision: END,
        direction: BACKWARDS,
        maxCount: 1n,
        requiresLeader: true,
      });
      const [last] = await collect(read, `read the last revision of ${streamId}`);
      return last?.event?.revision ?? 'no-stream';
    } catch (error) {
      if (error instanceof StreamNotFoundError) return 'no-stream';
      throw error;
    }
  }

  /**
   * Where to start reading `$all` so that nothing after `afterPosition` is missed: the cursor
   * itself when it is an event's position, else the nearest event position below it that this
   * process has seen, else the start. Callers skip events at or before the cursor.
   */
  async function resolveStart(afterPosition: bigint): Promise<ReadPosition> {
    if (afterPosition === 0n) return START;
    if (known.has(afterPosition)) return at(afterPosition);
    try {
      const [first] = await collect(
        client.readAll({ fromPosition: at(afterPosition), maxCount: 1 }),
        'probe a $all position',
      );
      const position = first?.event?.position;
      if (
        position !== undefined &&
        position.commit === afterPosition &&
        position.prepare === afterPosition
      ) {
        known.add(afterPosition);
        return at(afterPosition);
      }
    } catch (error) {
      // Not being able to reach the server says nothing about the cursor; a refused position does.
      if (isConnectionError(error)) throw error;
    }
    const below = known.floor(afterPosition);
    return below === undefined ? START : at(below);
  }

  /** Up to `limit` potledger events after `afterPosition`, scanning `$all` forwards page by page. */
  async function readForwards(afterPosition: bigint, limit: number): Promise<RecordedEvent[]> {
    const found: RecordedEvent[] = [];
    let from = await resolveStart(afterPosition);
    let lastRead: Position | undefined;
    for (;;) {
      const page = await collect(
        client.readAll({ fromPosition: from, direction: FORWARDS, maxCount: READ_PAGE_EVENTS }),
        'read $all',
      );
      for (const { event } of page) {
        if (event === undefined) continue;
        // Pages after the first start at the previous page's last record, inclusive.
        if (lastRead !== undefined && comparePositions(event.position, lastRead) <= 0) continue;
        lastRead = event.position;
        // $all is ordered by commit position, so this skips exactly what precedes the cursor.
        if (!isOurs(event.streamId) || event.position.commit <= afterPosition) continue;
        found.push(toRecorded(event));
        if (found.length === limit) return found;
      }
      if (page.length < READ_PAGE_EVENTS || lastRead === undefined) return found;
      from = lastRead;
    }
  }

  /** The key stream's latest claim and that event's revision; undefined when never claimed. */
  async function readClaim(
    key: CommandKey,
  ): Promise<{ claim: KeyClaim; keyRevision: bigint } | undefined> {
    const keyStreamId = commandKeyStreamId(key);
    try {
      const read = client.readStream(keyStreamId, {
        fromRevision: END,
        direction: BACKWARDS,
        maxCount: 1n,
        requiresLeader: true,
      });
      const [last] = await collect(read, `read the claim in ${keyStreamId}`);
      if (last?.event === undefined) return undefined;
      const claim = fromKeyClaimData(key, last.event.type, last.event.data);
      return { claim, keyRevision: last.event.revision };
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
  }

  /** Appends a claim at the key stream's expected revision; false when another claim is there. */
  async function writeClaim(
    key: CommandKey,
    claim: KeyClaim,
    keyExpected: bigint | 'no-stream',
  ): Promise<boolean> {
    try {
      await client.appendToStream(
        commandKeyStreamId(key),
        // A fresh id each time: a repeated id would get EventStoreDB's idempotent "success".
        jsonEvent({
          id: randomUUID(),
          type: KEY_CLAIMED_EVENT_TYPE,
          data: toKeyClaimData(key, claim) as unknown as JSONType,
        }),
        { expectedRevision: keyExpected === 'no-stream' ? NO_STREAM : keyExpected },
      );
      return true;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return false;
      throw error;
    }
  }

  /** Whose event the claimed stream holds at the claimed revision. */
  async function atClaimedRevision(key: CommandKey, claim: KeyClaim): Promise<AtClaimedRevision> {
    const [event] = await readStreamEvents(claim.streamId, claim.firstRevision, 1n);
    if (event === undefined) return 'nothing';
    const { commandId, actor } = event.metadata;
    return commandId === key.commandId && actor?.sub === key.sub
      ? 'this-command'
      : 'another-command';
  }

  /**
   * Makes the key's claim stand for this append, whose first event goes to `firstRevision`, or
   * throws the store's answer (commandKeyClaims.ts). The first try assumes a fresh key: one write.
   */
  async function claimKey(
    streamId: string,
    key: CommandKey,
    firstRevision: bigint,
    refuse: () => Error,
  ): Promise<void> {
    const wanted: KeyClaim = { streamId, firstRevision };
    if (await writeClaim(key, wanted, 'no-stream')) return;
    for (let attempt = 1; attempt <= MAX_KEY_CLAIM_ATTEMPTS; attempt += 1) {
      const found = await readClaim(key);
      const at =
        found === undefined || found.claim.streamId !== streamId
          ? 'nothing'
          : await atClaimedRevision(key, found.claim);
      const verdict = judgeKeyClaim(found?.claim, streamId, firstRevision, at);
      switch (verdict.kind) {
        case 'append':
          return;
        case 'claim':
        case 'repoint':
          if (await writeClaim(key, wanted, found?.keyRevision ?? 'no-stream')) return;
          break;
        case 'taken':
          throw new IdempotencyKeyTakenError(streamId, key, verdict.takenByStreamId);
        case 'already-appended':
        case 'conflict':
          throw refuse();
      }
    }
    // Claims kept changing under this append: a conflict, which the write path decides again.
    throw refuse();
  }

  async function appendRequest({
    streamId,
    events,
    expected,
    commandKey,
  }: AppendRequest): Promise<AppendResult> {
    assertOpen();
    if (!isOurs(streamId)) {
      throw new Error(
        `append to ${streamId}: potledger streams start with ${prefixes.join(', ')}; others are not in its log`,
      );
    }
    if (events.length === 0) throw new Error(`append to ${streamId}: refusing an empty event list`);
    if (typeof expected === 'bigint' && expected < 0n)
      throw new RangeError(`expected revision must be >= 0, got ${expected}`);
    const eventIds = events.map((event) => event.eventId);
    const repeated = eventIds.filter((id, i) => eventIds.indexOf(id) !== i);
    if (repeated.length > 0) throw new DuplicateEventIdError(streamId, [...new Set(repeated)]);
    const proposed = events.map(toEventData);

    const before = await currentRevision(streamId);
    // A keyed append needs the revision its events go to, so "any" becomes what was just read.
    const pinned: ExpectedRevision =
      commandKey !== undefined && expected === 'any' ? before : expected;
    if (commandKey !== undefined) {
      const firstRevision = pinned === 'no-stream' ? 0n : (pinned as bigint) + 1n;
      await claimKey(
        streamId,
        commandKey,
        firstRevision,
        () => new WrongExpectedRevisionError(streamId, expected, before),
      );
    }
    let lastRevision: bigint;
    try {
      ({ nextExpectedRevision: lastRevision } = await client.appendToStream(streamId, proposed, {
        expectedRevision: toEsdbExpected(pinned),
      }));
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevisionError(
          streamId,
          expected,
          fromEsdbRevision(error.actualVersion),
        );
      }
      throw error;
    }

    const firstRevision = lastRevision - BigInt(events.length) + 1n;
    if (before !== 'no-stream' && firstRevision <= before) {
      // EventStoreDB's idempotent "success": these ids were already at those revisions, and
      // nothing was written. The port promises a refusal instead.
      if (pinned === 'any') throw new DuplicateEventIdError(streamId, eventIds);
      throw new WrongExpectedRevisionError(streamId, expected, before);
    }

    const written = await readStreamEvents(streamId, firstRevision, BigInt(events.length));
    if (
      written.length !== events.length ||
      written.some((event, i) => event.eventId !== eventIds[i])
    ) {
      throw new Error(
        `append to ${streamId}: EventStoreDB reported revisions ${firstRevision}..${lastRevision}, which do not hold the events just appended`,
      );
    }
    return { lastRevision, positions: written.map((event) => event.position) };
  }

  /**
   * A batch request behind a refused one to the same stream is refused too (EventStore.appendBatch);
   * as in SQLite, a key held for another stream is still answered as taken.
   */
  async function refuseBehind(request: AppendRequest, earlier: Error): Promise<never> {
    const { streamId, expected, commandKey } = request;
    const takenBy =
      commandKey === undefined ? undefined : (await readClaim(commandKey))?.claim.streamId;
    if (commandKey !== undefined && takenBy !== undefined && takenBy !== streamId)
      throw new IdempotencyKeyTakenError(streamId, commandKey, takenBy);
    if (earlier instanceof WrongExpectedRevisionError)
      throw new WrongExpectedRevisionError(streamId, expected, earlier.actual);
    if (earlier instanceof IdempotencyKeyTakenError)
      throw new WrongExpectedRevisionError(streamId, expected, await currentRevision(streamId));
    throw earlier;
  }

  // The signature is the port's (EventStore.subscribe).
  const subscribe: EventStore['subscribe'] = (afterPosition, onBatch, subscribeOptions = {}) => {
    assertOpen();
    checkAfterPosition(afterPosition);

    let cursor = afterPosition;
    let feed: Feed | undefined;
    const { subscription, sleeper, isStopped } = subscriptions.open(() => feed?.stop());

    /** One subscribeToAll, followed until it drops (returns the reason) or fails for good (throws). */
    const followOnce = async (): Promise<{ dropped: unknown; delivered: boolean }> => {
      let delivered = false;
      let highestInFeed: bigint | undefined;
      let fromPosition: ReadPosition;
      try {
        fromPosition = await resolveStart(cursor);
      } catch (error) {
        if (isConnectionError(error)) return { dropped: error, delivered };
        throw error;
      }
      if (isStopped()) return { dropped: undefined, delivered };
      try {
        feed = openFeed(
          client.subscribeToAll(
            { fromPosition, filter: streamNameFilter({ prefixes }) },
            { highWaterMark: SUBSCRIPTION_BATCH_EVENTS },
          ),
        );
        for (;;) {
          const resolved = await feed.next(SUBSCRIPTION_BATCH_EVENTS);
          if (resolved === null || isStopped()) return { dropped: undefined, delivered };
          const batch: RecordedEvent[] = [];
          for (const { event } of resolved) {
            if (event === undefined || !isOurs(event.streamId)) continue;
            const { commit } = event.position;
            if (highestInFeed !== undefined && commit <= highestInFeed) {
              // Would deliver out of order, or twice: stop loudly instead.
              throw new Error(
                `$all subscription delivered position ${commit} after ${highestInFeed}`,
              );
            }
            highestInFeed = commit;
            // A (re)subscription may start at or before the checkpoint; those events were delivered.
            if (commit > cursor) batch.push(toRecorded(event));
          }
          if (batch.length === 0) continue;
          if (isStopped()) return { dropped: undefined, delivered };
          await onBatch(batch);
          // Advance only once the consumer has taken the batch, so each event goes out exactly once.
          cursor = batch[batch.length - 1]!.position;
          delivered = true;
        }
      } catch (error) {
        // Only the feed's own failures are worth a resubscription; an error from onBatch or from
        // converting an event would come back every time, and is reported instead.
        if (!(error instanceof FeedError) || isPermanentServerError(error.cause))
          throw error instanceof FeedError ? error.cause : error;
        return { dropped: error.cause, delivered };
      } finally {
        feed?.stop();
        feed = undefined;
      }
    };

    const follow = async (): Promise<void> => {
      let attempt = 0;
      let delayMs = RESUBSCRIBE_INITIAL_DELAY_MS;
      while (!isStopped()) {
        const { dropped, delivered } = await followOnce();
        if (isStopped()) return;
        if (delivered) {
          attempt = 0;
          delayMs = RESUBSCRIBE_INITIAL_DELAY_MS;
        }
        attempt += 1;
        options.onSubscriptionRetry?.({ afterPosition: cursor, attempt, delayMs, error: dropped });
        await sleeper.sleep(delayMs);
        delayMs = Math.min(delayMs * 2, RESUBSCRIBE_MAX_DELAY_MS);
      }
    };

    startFollowing(subscription, follow, subscribeOptions.onError);
    return subscription;
  };

  return {
    // EventStoreDB positions are commit/prepare offsets in its transaction log: gappy by design.
    positionsContiguous: false,
    // No column to keep a log chain in, and positions are assigned by the server after the write.
    logChained: false,
    append(streamId, events, expected) {
      return appendRequest({ streamId, events, expected });
    },

    async appendBatch(requests) {
      // One request at a time (EventStoreDB has no multi-stream transaction), answered as a
      // transactional store answers a batch (EventStore.appendBatch).
      const outcomes: AppendBatchOutcome[] = [];
      const failedStreams = new Map<string, Error>();
      for (const request of requests) {
        try {
          const earlier = failedStreams.get(request.streamId);
          outcomes.push(
            earlier === undefined
              ? await appendRequest(request)
              : await refuseBehind(request, earlier),
          );
        } catch (error) {
          // Earlier requests are committed whatever happens next, so each answer stands on its own.
          const failure = error instanceof Error ? error : new Error(String(error));
          failedStreams.set(request.streamId, failure);
          outcomes.push(failure);
        }
      }
      return outcomes;
    },

    async readStream(streamId, fromRevision = 0n, limit) {
      assertOpen();
      if (fromRevision < 0n) throw new RangeError(`fromRevision must be >= 0, got ${fromRevision}`);
      if (limit !== undefined && Math.trunc(limit) <= 0) return [];
      return readStreamEvents(
        streamId,
        fromRevision,
        limit === undefined ? undefined : BigInt(Math.trunc(limit)),
      );
    },

    async readAll(afterPosition, limit) {
      assertOpen();
      const clampedLimit = clampReadAllLimit(limit);
      checkAfterPosition(afterPosition);
      return readForwards(afterPosition, clampedLimit);
    },

    // $all has no read by a set of positions: one forward read of one record from each.
    async readPositions(positions) {
      assertOpen();
      const found: RecordedEvent[] = [];
      for (const position of positionsToRead(positions)) {
        checkAfterPosition(position);
        const [first] = await collect(
          client.readAll({ fromPosition: at(position), direction: FORWARDS, maxCount: 1 }),
          'read a $all position',
        );
        const event = first?.event;
        if (event !== undefined && isOurs(event.streamId) && event.position.commit === position)
          found.push(toRecorded(event));
      }
      return found;
    },

    async headPosition() {
      assertOpen();
      // Backwards from the end of $all to the last potledger event, past any system events.
      let from: ReadPosition = END;
      let lastRead: Position | undefined;
      for (;;) {
        const page = await collect(
          client.readAll({ fromPosition: from, direction: BACKWARDS, maxCount: READ_PAGE_EVENTS }),
          'read $all backwards',
        );
        for (const { event } of page) {
          if (event === undefined) continue;
          if (lastRead !== undefined && comparePositions(event.position, lastRead) >= 0) continue;
          lastRead = event.position;
          if (isOurs(event.streamId)) return toRecorded(event).position;
        }
        if (page.length < READ_PAGE_EVENTS || lastRead === undefined) return 0n;
        from = lastRead;
      }
    },

    // The stream the key's latest claim names: also a claim whose events never landed (a crash
    // between the two appends), which keeps the key bound to that stream (commandKeyClaims.ts).
    async commandKeyStream(key) {
      assertOpen();
      return (await readClaim(key))?.claim.streamId;
    },

    subscribe,

    async ping() {
      assertOpen();
      await collect(
        client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }),
        'ping',
      );
    },

    async close() {
      if (closed) return;
      closed = true;
      subscriptions.closeAll();
      await client.dispose();
    },
  };
}

function at(position: bigint): Position {
  return { commit: position, prepare: position };
}

function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function portPosition(
  position: Position | undefined,
  event: { id: string; streamId: string },
): bigint {
  if (position === undefined) {
    throw new Error(
      `EventStoreDB gave no log position for event ${event.id} in ${event.streamId} (it needs server 22.6 or later)`,
    );
  }
  if (position.commit !== position.prepare) {
    throw new Error(
      `event ${event.id} in ${event.streamId} has commit position ${position.commit} but prepare position ${position.prepare}: ` +
        'it was written in an explicit (TCP) transaction, and potledger cannot give it a single log position',
    );
  }
  if (position.commit <= 0n)
    throw new Error(`event ${event.id} in ${event.streamId} has log position ${position.commit}`);
  return position.commit;
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no-stream') return NO_STREAM;
  return expected;
}

function fromEsdbRevision(revision: CurrentRevision): bigint | 'no-stream' {
  return revision === NO_STREAM ? 'no-stream' : revision;
}

function toEventData(event: NewEvent) {
  // Serialised here only to refuse what JSON cannot carry (undefined, bigint, cycles) before
  // anything is sent; the client serialises again, and the store keeps exactly this text.
  if (JSON.stringify(event.data) === undefined || JSON.stringify(event.metadata) === undefined) {
    throw new TypeError(`event ${event.eventId}: data and metadata must be JSON values`);
  }
  return jsonEvent({
    id: ulidToUuid(event.eventId),
    type: event.type,
    data: event.data as JSONType,
    metadata: event.metadata as unknown as JSONType,
  });
}

/** Errors that mean "the server could not be reached or answered late", never "you asked wrongly". */
function isConnectionError(error: unknown): boolean {
  return (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof CancelledError ||
    error instanceof NotLeaderError ||
    error instanceof ReadTimeoutError
  );
}

/** Errors a resubscription would only meet again: report them instead of retrying forever. */
function isPermanentServerError(error: unknown): boolean {
  return (
    error instanceof AccessDeniedError ||
    error instanceof InvalidArgumentError ||
    error instanceof UnsupportedError
  );
}

class ReadTimeoutError extends Error {}

/** Reads a whole (bounded) result, cancelling it if the server has not finished in time. */
async function collect<T>(read: StreamingRead<T>, what: string): Promise<T[]> {
  const items: T[] = [];
  const timer = setTimeout(() => {
    read.cancel().catch(() => undefined);
    read.destroy(
      new ReadTimeoutError(`${what}: EventStoreDB did not finish within ${READ_TIMEOUT_MS} ms`),
    );
  }, READ_TIMEOUT_MS);
  try {
    for await (const item of read) items.push(item);
    return items;
  } finally {
    clearTimeout(timer);
  }
}

/** Wraps whatever ended a subscription feed, so it is told apart from the consumer's own errors. */
class FeedError extends Error {
  constructor(override readonly cause: unknown) {
    super(`$all subscription dropped: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

interface Feed {
  /** Whatever has arrived (waiting for at least one event), null once the feed has ended. */
  next(maxEvents: number): Promise<AllStreamResolvedEvent[] | null>;
  stop(): void;
}

/**
 * Turns the client's subscription stream into "give me what has arrived", so a burst (catch-up)
 * goes to onBatch as one batch, and an error or end is only reported after the events that
 * came before it. The 'error' listener is there for the stream's whole life: an error emitted
 * while onBatch runs must not become an unhandled 'error' event.
 */
function openFeed(source: AllStreamSubscription): Feed {
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  source.on('error', (error) => {
    failure ??= error;
    signal();
  });
  source.on('end', () => {
    ended = true;
    signal();
  });
  source.on('close', () => {
    ended = true;
    signal();
  });
  source.on('readable', signal);

  return {
    async next(maxEvents) {
      for (;;) {
        const events: AllStreamResolvedEvent[] = [];
        while (events.length < maxEvents) {
          const item = source.read() as AllStreamResolvedEvent | null;
          if (item === null) break;
          events.push(item);
        }
        if (events.length > 0) return events;
        if (failure !== undefined) throw new FeedError(failure);
        if (ended) return null;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    stop() {
      ended = true;
      signal();
      source.unsubscribe().catch(() => undefined);
      source.destroy();
    },
  };
}

interface PositionMemory {
  add(position: bigint): void;
  has(position: bigint): boolean;
  /** The largest remembered position at or below `position`. */
  floor(position: bigint): bigint | undefined;
}

/**
 * Event positions this process has seen, kept sorted. Every one is the start of a record in
 * the transaction log, so a safe place to begin reading `$all`. Past the limit, every other
 * entry is dropped: the survivors still cover the whole range, just more coarsely.
 */
function createPositionMemory(maxPositions: number): PositionMemory {
  let sorted: bigint[] = [];
  /** Index of the first entry greater than `position`. */
  const upperBound = (position: bigint): number => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  return {
    add(position) {
      const index = upperBound(position);
      if (index > 0 && sorted[index - 1] === position) return;
      sorted.splice(index, 0, position);
      // Thinned from the newest end, so the latest position (a live cursor) always survives.
      if (sorted.length > maxPositions)
        sorted = sorted.filter((_, i) => (sorted.length - 1 - i) % 2 === 0);
    },
    has(position) {
      const index = upperBound(position);
      return index > 0 && sorted[index - 1] === position;
    },
    floor(position) {
      const index = upperBound(position);
      return index > 0 ? sorted[index - 1] : undefined;
    },
  };
}
