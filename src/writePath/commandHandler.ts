/**
 * The write path: load a stream's aggregate, decide, append with the stream's revision as the
 * expected revision, and remember the command id so a retry gets the original answer.
 *
 * - Group commit (groupCommit.ts): commands on one stream are decided one at a time in this
 *   process (a keyed mutex), each on the committed events plus those of the commands decided
 *   before it and still waiting for their commit; their appends, across streams, go to the store
 *   in one transaction per turn of the event loop. Each append still carries its expected
 *   revision, so another process writing the same stream causes a reload-and-redecide, never a
 *   lost update or an overdraft; a commit that fails drops the cached aggregate, and everything
 *   decided on it is decided again (or refused again) on what the store holds.
 * - An idempotency key belongs to its caller: a command's identity is (actor.sub, key), as a
 *   payment API scopes keys to the account. The same key from another caller is another,
 *   independent command, and never learns that the key was used (see commandScopeKey).
 * - The aggregate's command memory ((sub, key) → where its events start) is folded from the
 *   stream itself, so idempotency holds inside the stream's own consistency; a retry reads the
 *   original events back from the store, or waits for them if they are still being committed.
 * - Stream-creating commands first claim the caller's key in a stream of its own
 *   (see events/idempotency.ts) so a retry reaches the same new stream.
 * - A cold stream starts from its snapshot (streamSnapshot.ts) when one is given and the stored
 *   stream still vouches for it, and reads only the events after it.
 */
import type { Aggregate } from '../../commands/aggregates.ts';
import type { CommandContext } from '../../commands/context.ts';
import { isRefusal } from '../../commands/decision.ts';
import type { DecisionRequest } from '../../commands/ledgerDeciders.ts';
import { DomainError } from '../../commands/domainError.ts';
import { agencyStreamId, idempotencyStreamId, ledgerEventSchemas, type Actor, type IdempotencyKeyClaimed, type LedgerEventType } from '../../events/index.ts';
import { eventDataBytes, MAX_EVENT_DATA_BYTES } from '../../events/primitives.ts';
import { chainedMetadata, GENESIS_HASH } from '../audit/eventHash.ts';
import { sha256Hex } from './fingerprint.ts';
import { newUlid } from './fastUlid.ts';
import { createGroupCommitter, StaleDecisionError } from './groupCommit.ts';
import { createKeyedMutex } from './keyedMutex.ts';
import { WrongExpectedRevisionError, type EventStore, type NewEvent, type RecordedEvent } from '../store/eventStore.ts';
import { asStreamSnapshot, commandMemo, STREAM_SNAPSHOT_FORMAT, type CommandMemo, type StreamSnapshot, type StreamSnapshots } from './streamSnapshot.ts';

export type { StreamSnapshot, StreamSnapshots } from './streamSnapshot.ts';

/** Appends retried after a revision conflict before the client is told CONCURRENCY_CONFLICT. */
export const MAX_APPEND_ATTEMPTS = 8;
export const RETRY_BASE_DELAY_MS = 5;
/** Aggregates kept in memory; the least recently used beyond this are folded again when needed. */
export const MAX_CACHED_STREAMS = 10_000;
/** A stream is snapshotted after folding this many events (or half its length, if more) since the last. */
export const SNAPSHOT_EVERY_EVENTS = 10_000;
/** Events read per page while a stream is folded from the store (a cold load, or catching up). */
const CATCH_UP_PAGE_EVENTS = 10_000;
/** Events read per page when a retried command's original events are read back. */
const COMMAND_EVENTS_PAGE = 64;

/**
 * The idempotency identity of a command: its caller (the token's `sub`) and the key as the
 * caller sent it, in one unambiguous string. Every command memory (the stream's, the
 * process-wide index, the books snapshot's, the claims of stream-creating commands) is keyed
 * on it; the event's metadata keeps `commandId` as sent and `actor.sub`, so old events need no
 * migration.
 */
export function commandScopeKey(sub: string, commandId: string): string {
  return JSON.stringify([sub, commandId]);
}

/** The scope key of a recorded event's command. */
function scopeKeyOf(event: Pick<RecordedEvent, 'metadata'>): string {
  return commandScopeKey(event.metadata.actor.sub, event.metadata.commandId);
}

/** A command's decision (commands/ledgerDeciders.ts) with its identity: who sent it, under which key. */
export interface CommandRequest<S, E extends { type: string; data: unknown }> extends DecisionRequest<S, E> {
  readonly commandId: string;
  readonly fingerprint: string;
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId?: string;
}

export interface CommandOutcome {
  readonly events: readonly RecordedEvent[];
  /** True when this answer is the original one, repeated for a retried idempotency key. */
  readonly replayed: boolean;
}

/** A command decided and queued for the next group commit, not yet committed. */
interface PendingCommand {
  readonly fingerprint: string;
  readonly committed: Promise<RecordedEvent[]>;
}

/**
 * One stream's aggregate as the write path sees it: folded from the committed stream plus, on
 * top, the events of commands decided and queued but not yet committed (pending). A command is
 * decided on all of them, so many commands on one stream share one commit; if a commit fails,
 * the whole object is marked stale and dropped, and everything decided on it is decided again.
 */
interface LoadedStream<S> {
  state: S;
  /** Revision of the stream's last event, committed or pending; null when the stream has none. */
  revision: bigint | null;
  /** metadata.hash of that event: the next event's previousHash. */
  lastHash: string | null;
  /** Command scope key (commandScopeKey) → a committed command's first revision, or a pending command. */
  readonly commands: Map<string, CommandMemo | PendingCommand>;
  /** Commands decided on this object whose commit has not settled yet. */
  pendingCommands: number;
  /** Settles when the latest pending command's commit does (the earlier ones settle first). */
  lastPending: Promise<unknown> | undefined;
  /** Set when a commit under this object failed: it must never be decided on again. */
  stale: boolean;
  /** Committed events folded since the last snapshot (or the start), and that snapshot's revision. */
  eventsSinceSnapshot: number;
}

export interface CommandHandlerOptions {
  readonly store: EventStore;
  /** Server time, ISO 8601 UTC. */
  readonly clock?: () => string;
  readonly newEventId?: () => string;
  /**
   * Command scope key (commandScopeKey: the caller and its key) → the stream it belongs to
   * (for a claimed key, the stream the claim creates). The log follower fills it from the
   * global log; the handler reserves a key here, in the same synchronous step as the check,
   * before deciding, and releases it if the command is refused. So within this process a
   * caller's key reused on another stream is always refused, even in parallel; across
   * processes the per-stream memory and the claims are the guarantee.
   */
  readonly commandStreams?: Map<string, string>;
  /** Where stream snapshots are kept (see streamSnapshot.ts); none when absent. */
  readonly streamSnapshots?: StreamSnapshots;
  /** Events folded between two snapshots of a stream (at least; see snapshotDue); SNAPSHOT_EVERY_EVENTS when absent. */
  readonly snapshotEveryEvents?: number;
  /** Most events one group commit may carry (groupCommit.ts). */
  readonly maxGroupCommitEvents?: number;
}

/** What a decision under the stream's lock leaves to do once the lock is released. */
type Step =
  | { readonly kind: 'done'; readonly outcome: CommandOutcome }
  | { readonly kind: 'committing'; readonly committed: Promise<RecordedEvent[]> }
  /** A replay of a command still pending: its answer, once it commits. */
  | { readonly kind: 'replaying'; readonly committed: Promise<RecordedEvent[]> }
  /** A refusal decided on pending events: it stands only if they commit. */
  | { readonly kind: 'refused'; readonly refusal: unknown; readonly after: Promise<unknown>; readonly decidedOnStale: () => boolean };

export function createCommandHandler(options: CommandHandlerOptions) {
  const { store } = options;
  const clock = options.clock ?? (() => new Date().toISOString());
  const newEventId = options.newEventId ?? newUlid;
  const mutex = createKeyedMutex();
  const committer = createGroupCommitter(store, options.maxGroupCommitEvents);
  const cache = new Map<string, LoadedStream<unknown>>();
  const registeredAgencies = new Set<string>();
  const commandStreams = options.commandStreams ?? new Map<string, string>();
  const snapshots = options.streamSnapshots;
  const snapshotEveryEvents = options.snapshotEveryEvents ?? SNAPSHOT_EVERY_EVENTS;
  // Operators (and the concurrency tests) read these on /health: how often another writer got
  // to a stream first, and how often the retries ran out.
  const stats = { appendConflictsRetried: 0n, appendConflictsGivenUp: 0n };

  function emptyStream<S>(state: S): LoadedStream<S> {
    return { state, revision: null, lastHash: null, commands: new Map(), pendingCommands: 0, lastPending: undefined, stale: false, eventsSinceSnapshot: 0 };
  }

  /** The stream from its snapshot, if there is one that the stored stream still vouches for. */
  async function fromSnapshot<S>(streamId: string): Promise<LoadedStream<S> | undefined> {
    if (snapshots === undefined) return undefined;
    let snapshot: StreamSnapshot | undefined;
    try {
      snapshot = asStreamSnapshot(await snapshots.load(streamId), streamId);
    } catch {
      // A snapshot is only ever a shortcut: without one the stream is folded from the start.
      return undefined;
    }
    if (snapshot === undefined) return undefined;
    const [event] = await store.readStream(streamId, snapshot.revision, 1);
    const hash = event === undefined ? undefined : typeof event.metadata.hash === 'string' ? event.metadata.hash : null;
    if (event?.streamRevision !== snapshot.revision || hash !== snapshot.lastHash) return undefined;
    // The store decoded a fresh copy (stateCodec): the aggregate may change it.
    return { ...emptyStream(snapshot.state as S), revision: snapshot.revision, lastHash: snapshot.lastHash, commands: new Map(snapshot.commands) };
  }

  async function load<S, E extends { type: string; data: unknown }>(streamId: string, aggregate: Aggregate<S, E>): Promise<LoadedStream<S>> {
    let loaded = cache.get(streamId) as LoadedStream<S> | undefined;
    if (loaded === undefined) {
      loaded = (await fromSnapshot<S>(streamId)) ?? emptyStream(aggregate.initialState());
      // Another command may have loaded it while the snapshot was read: that one wins.
      const raced = cache.get(streamId) as LoadedStream<S> | undefined;
      if (raced !== undefined) loaded = raced;
    }
    if (loaded.pendingCommands === 0) {
      // Catch up with anything another process appended since we last looked. With commands
      // pending, the revision guard of their commit finds out instead.
      // Page by page: a cold stream of a million events is never all in memory at once.
      let folded = 0;
      for (;;) {
        const fromRevision = loaded.revision === null ? 0n : loaded.revision + 1n;
        const events = await store.readStream(streamId, fromRevision, CATCH_UP_PAGE_EVENTS);
        if (loaded.pendingCommands !== 0 || loaded.stale) break;
        foldCommitted(loaded, aggregate, events);
        folded += events.length;
        if (events.length < CATCH_UP_PAGE_EVENTS) break;
      }
      if (folded >= snapshotEveryEvents) saveSnapshot(streamId, loaded as LoadedStream<unknown>);
    }
    if (loaded.stale) return load(streamId, aggregate);
    cache.delete(streamId);
    cache.set(streamId, loaded as LoadedStream<unknown>);
    evictBeyondLimit();
    return loaded;
  }

  function evictBeyondLimit(): void {
    if (cache.size <= MAX_CACHED_STREAMS) return;
    // The least recently used stream with nothing pending: dropping one with pending commands
    // would only make the next command decide on an old revision and retry.
    for (const [streamId, loaded] of cache) {
      if (loaded.pendingCommands === 0) {
        cache.delete(streamId);
        return;
      }
    }
  }

  function foldCommitted<S, E extends { type: string; data: unknown }>(loaded: LoadedStream<S>, aggregate: Aggregate<S, E>, events: readonly RecordedEvent[]): void {
    for (const event of events) {
      loaded.state = aggregate.evolve(loaded.state, event as unknown as E & { eventId: string });
      loaded.revision = event.streamRevision;
      loaded.lastHash = typeof event.metadata.hash === 'string' ? event.metadata.hash : null;
      // A command's events are contiguous in its stream: its first is the one to remember.
      const scope = scopeKeyOf(event);
      if (!loaded.commands.has(scope)) loaded.commands.set(scope, commandMemo(event.streamRevision));
    }
    loaded.eventsSinceSnapshot += events.length;
  }

  /**
   * Hands a copy of the committed state to the snapshot store. Only ever called outside a
   * command's path to its answer (after a cold load, or on a later turn after a commit), and
   * skipped when commands are pending: the state then holds events that may not commit.
   */
  function saveSnapshot(streamId: string, loaded: LoadedStream<unknown>): void {
    if (snapshots === undefined || loaded.revision === null || loaded.pendingCommands > 0 || loaded.stale) return;
    const commands = new Map<string, CommandMemo>();
    for (const [scope, memo] of loaded.commands) if (typeof memo !== 'object') commands.set(scope, memo);
    // The state as it is: the store encodes it with the one snapshot codec before save returns.
    const snapshot: StreamSnapshot = { format: STREAM_SNAPSHOT_FORMAT, streamId, revision: loaded.revision, lastHash: loaded.lastHash, state: loaded.state, commands };
    loaded.eventsSinceSnapshot = 0;
    try {
      snapshots.save(streamId, snapshot);
    } catch {
      // An aggregate whose state cannot be kept is never snapshotted; the stream itself is the truth.
    }
  }

  /** Whether enough has been folded since the last snapshot: the cost stays a fraction of the folding. */
  function snapshotDue(loaded: LoadedStream<unknown>): boolean {
    const revision = loaded.revision === null ? 0 : Number(loaded.revision);
    return loaded.eventsSinceSnapshot >= Math.max(snapshotEveryEvents, revision / 2);
  }

  async function knownAgencies(agencyIds: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (const agencyId of new Set(agencyIds)) {
      if (!registeredAgencies.has(agencyId)) {
        // Agencies are never unregistered, so a positive answer can be remembered for good.
        const events = await store.readStream(agencyStreamId(agencyId));
        if (events.some((e) => e.type === 'AgencyRegistered')) registeredAgencies.add(agencyId);
      }
      if (registeredAgencies.has(agencyId)) known.add(agencyId);
    }
    return known;
  }

  /** A committed command's events, read back from its stream for a retried idempotency key. */
  async function committedEvents(streamId: string, scope: string, memo: CommandMemo): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    let from = BigInt(memo);
    for (;;) {
      const page = await store.readStream(streamId, from, COMMAND_EVENTS_PAGE);
      for (const event of page) {
        // Another caller's command right after it may carry the same key: it is not this one.
        if (scopeKeyOf(event) !== scope) return events;
        events.push(event);
      }
      if (page.length < COMMAND_EVENTS_PAGE) return events;
      from = page[page.length - 1]!.streamRevision + 1n;
    }
  }

  /** What every event's metadata says about the command that wrote it. */
  type CommandIdentity = Pick<CommandRequest<unknown, never>, 'commandId' | 'fingerprint' | 'correlationId' | 'causationId' | 'actor'>;

  /** Where the new events go: the stream, and its last revision and hash before them (null: a new stream). */
  interface ChainHead {
    readonly streamId: string;
    readonly revision: bigint | null;
    readonly lastHash: string | null;
  }

  function toNewEvents<E extends { type: string; data: unknown }>(
    request: CommandIdentity,
    events: readonly E[],
    recordedAt: string,
    head: ChainHead,
  ): NewEvent[] {
    // The hash chain links each event to the one before it in its stream (src/audit/eventHash.ts).
    // A stream written before tamper evidence has no hash to link to; its new events start
    // from the genesis value, and `potledger verify` reports the unhashed events themselves.
    let previousHash = head.revision === null ? GENESIS_HASH : (head.lastHash ?? GENESIS_HASH);
    let revision = head.revision === null ? 0n : head.revision + 1n;
    return events.map((event) => {
      // The event schema is the last word: a decider bug must never write a malformed event.
      ledgerEventSchemas[event.type as LedgerEventType].parse(event.data);
      // And no event so large that every fold, export and answer touching it pays for it.
      const bytes = eventDataBytes(event.data);
      if (bytes > MAX_EVENT_DATA_BYTES) {
        throw new DomainError(
          'EVENT_TOO_LARGE',
          `the ${event.type} this request makes would be ${bytes} bytes, more than one event may hold (MAX_EVENT_DATA_BYTES ${MAX_EVENT_DATA_BYTES}); nothing was written`,
          { limit: MAX_EVENT_DATA_BYTES, bytes, type: event.type },
        );
      }
      const eventId = newEventId();
      const metadata = chainedMetadata(
        {
          streamId: head.streamId,
          streamRevision: revision,
          eventId,
          type: event.type,
          data: event.data,
          metadata: {
            commandId: request.commandId,
            commandFingerprint: request.fingerprint,
            correlationId: request.correlationId,
            ...(request.causationId === undefined ? {} : { causationId: request.causationId }),
            actor: request.actor,
            recordedAt,
            schemaVersion: 1,
          },
        },
        previousHash,
      );
      previousHash = metadata.hash;
      revision += 1n;
      return { eventId, type: event.type, data: event.data, metadata };
    });
  }

  /** Marks the stream object stale and drops it, so the next command folds the stream afresh. */
  function invalidate(streamId: string, loaded: LoadedStream<unknown>): void {
    loaded.stale = true;
    if (cache.get(streamId) === loaded) cache.delete(streamId);
  }

  /**
   * Under the stream's lock: load, decide on the committed and pending events, and queue the
   * new events for the next group commit. The lock is released as soon as they are queued.
   */
  async function decideAndQueue<S, E extends { type: string; data: unknown }>(request: CommandRequest<S, E>, dryRun: boolean): Promise<Step> {
    const loaded = await load(request.streamId, request.aggregate);
    const scope = commandScopeKey(request.actor.sub, request.commandId);
    const previous = loaded.commands.get(scope);
    if (previous !== undefined) {
      if (typeof previous === 'object') {
        if (previous.fingerprint !== request.fingerprint) throw idempotencyKeyReused(request.commandId);
        return { kind: 'replaying', committed: previous.committed };
      }
      const events = await committedEvents(request.streamId, scope, previous);
      if (events[0]?.metadata.commandFingerprint !== request.fingerprint) throw idempotencyKeyReused(request.commandId);
      return { kind: 'done', outcome: { events, replayed: true } };
    }
    const now = clock();
    const context: CommandContext = { actor: request.actor, now, registeredAgencies: await knownAgencies(request.agencyIds) };
    if (loaded.stale) return decideAndQueue(request, dryRun);
    const decision = request.decide(loaded.state, context);
    if (isRefusal(decision)) {
      if (loaded.lastPending === undefined) throw decision;
      return { kind: 'refused', refusal: decision, after: loaded.lastPending, decidedOnStale: () => loaded.stale };
    }
    if (decision.length === 0) throw new Error('invariant: a decider accepted a command but produced no event');
    const head = { streamId: request.streamId, revision: loaded.revision, lastHash: loaded.lastHash };
    const newEvents = toNewEvents(request, decision, now, head);
    if (dryRun) return { kind: 'done', outcome: { events: [], replayed: false } };

    // Folded now, before the commit, so the next command on this stream is decided on them.
    const firstRevision = head.revision === null ? 0n : head.revision + 1n;
    try {
      for (const [index, event] of newEvents.entries()) {
        const placed = { ...event, streamId: request.streamId, streamRevision: firstRevision + BigInt(index) };
        loaded.state = request.aggregate.evolve(loaded.state, placed as unknown as E & { eventId: string });
      }
    } catch (error) {
      // The aggregate refused its own decision (an invariant): nothing is queued, the state is suspect.
      invalidate(request.streamId, loaded as LoadedStream<unknown>);
      throw error;
    }
    loaded.revision = firstRevision + BigInt(newEvents.length - 1);
    loaded.lastHash = newEvents[newEvents.length - 1]!.metadata.hash as string;
    loaded.pendingCommands += 1;

    const appended = committer.submit({ streamId: request.streamId, events: newEvents, expected: head.revision ?? 'no-stream' }, () => loaded.stale);
    const committed = appended.then(
      (result) => {
        const recorded = newEvents.map((event, index) => ({
          ...event,
          streamId: request.streamId,
          streamRevision: firstRevision + BigInt(index),
          position: result.positions[index]!,
        }));
        if (loaded.commands.get(scope) === pending) loaded.commands.set(scope, commandMemo(firstRevision));
        loaded.pendingCommands -= 1;
        loaded.eventsSinceSnapshot += newEvents.length;
        if (loaded.pendingCommands === 0) {
          loaded.lastPending = undefined;
          // After this command has its answer: the copy is taken then, if nothing is pending by then.
          if (snapshotDue(loaded as LoadedStream<unknown>)) setImmediate(() => saveSnapshot(request.streamId, loaded as LoadedStream<unknown>));
        }
        return recorded;
      },
      (error: unknown) => {
        loaded.pendingCommands -= 1;
        invalidate(request.streamId, loaded as LoadedStream<unknown>);
        throw error;
      },
    );
    const pending: PendingCommand = { fingerprint: request.fingerprint, committed };
    loaded.commands.set(scope, pending);
    loaded.lastPending = committed.catch(() => undefined);
    return { kind: 'committing', committed };
  }

  async function attempt<S, E extends { type: string; data: unknown }>(
    request: CommandRequest<S, E>,
    dryRun: boolean,
  ): Promise<CommandOutcome | 'conflict'> {
    const step = await mutex.run(request.streamId, () => decideAndQueue(request, dryRun));
    switch (step.kind) {
      case 'done':
        return step.outcome;
      case 'refused': {
        // Decided on events not yet committed: if they fail, so does the reason for refusing.
        await step.after;
        if (step.decidedOnStale()) return 'conflict';
        throw step.refusal;
      }
      case 'committing':
      case 'replaying':
        try {
          const events = await step.committed;
          return { events, replayed: step.kind === 'replaying' };
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError || error instanceof StaleDecisionError) return 'conflict';
          // The original of a replay failed: this request decides afresh (the original retries too).
          if (step.kind === 'replaying') return 'conflict';
          throw error;
        }
    }
  }

  async function execute<S, E extends { type: string; data: unknown }>(
    request: CommandRequest<S, E>,
    executeOptions: { dryRun?: boolean } = {},
  ): Promise<CommandOutcome> {
    // A dry run writes nothing and its stream may not be the one a claim settles on: it
    // neither checks nor reserves the key.
    const dryRun = executeOptions.dryRun ?? false;
    const scope = commandScopeKey(request.actor.sub, request.commandId);
    const owner = commandStreams.get(scope);
    if (!dryRun && owner !== undefined && owner !== request.streamId) throw idempotencyKeyReused(request.commandId);
    const reservedHere = !dryRun && owner === undefined;
    if (reservedHere) commandStreams.set(scope, request.streamId);
    try {
      for (let attemptNumber = 1; attemptNumber <= MAX_APPEND_ATTEMPTS; attemptNumber++) {
        const result = await attempt(request, dryRun);
        if (result !== 'conflict') return result;
        stats.appendConflictsRetried += 1n;
        await delay(RETRY_BASE_DELAY_MS * attemptNumber * (1 + Math.random()));
      }
      stats.appendConflictsGivenUp += 1n;
      throw new DomainError('CONCURRENCY_CONFLICT', `stream ${request.streamId} kept changing; gave up after ${MAX_APPEND_ATTEMPTS} attempts`);
    } catch (error) {
      // A refusal appended nothing, so the key is free again. After any other failure the
      // append may or may not have happened: keep the reservation, the log will tell.
      if (reservedHere && error instanceof DomainError) commandStreams.delete(scope);
      throw error;
    }
  }

  /**
   * The claim of a caller's key, if there is one: in the stream named by the scope key, or, for
   * a claim made before keys were scoped to their caller, in the stream named by the key alone
   * when that claim was made by this caller (another caller's old claim is not this caller's).
   */
  async function readClaim(scope: string, sub: string, commandId: string): Promise<IdempotencyKeyClaimed | undefined> {
    const [claim] = await store.readStream(idempotencyStreamId(sha256Hex(scope)), 0n, 1);
    if (claim !== undefined) return claim.data as IdempotencyKeyClaimed;
    const [legacy] = await store.readStream(idempotencyStreamId(sha256Hex(commandId)), 0n, 1);
    if (legacy !== undefined && legacy.metadata.actor.sub === sub) return legacy.data as IdempotencyKeyClaimed;
    return undefined;
  }

  /**
   * A command that creates a new stream, with a client-supplied idempotency key: the caller's
   * key is claimed first (after a dry run, so a command that would be refused claims nothing),
   * and a retry is sent to the stream named in the claim.
   */
  async function executeCreate<S, E extends { type: string; data: unknown }>(args: {
    readonly command: IdempotencyKeyClaimed['command'];
    readonly commandId: string;
    readonly actor: Actor;
    readonly fingerprint: string;
    readonly proposedStreamId: string;
    build(streamId: string): CommandRequest<S, E>;
  }): Promise<CommandOutcome> {
    const scope = commandScopeKey(args.actor.sub, args.commandId);
    const claimStreamId = idempotencyStreamId(sha256Hex(scope));
    for (let attemptNumber = 1; attemptNumber <= MAX_APPEND_ATTEMPTS; attemptNumber++) {
      const claim = await readClaim(scope, args.actor.sub, args.commandId);
      if (claim !== undefined) {
        if (claim.fingerprint !== args.fingerprint) throw idempotencyKeyReused(args.commandId);
        return execute(args.build(claim.targetStreamId));
      }
      // No claim yet, yet the key is known: either a parallel identical create claimed it just
      // after we looked (look again: the claim decides), or another request used it.
      if (commandStreams.has(scope)) {
        if ((await store.readStream(claimStreamId, 0n, 1)).length > 0) continue;
        throw idempotencyKeyReused(args.commandId);
      }
      const request = args.build(args.proposedStreamId);
      await execute(request, { dryRun: true });
      const data: IdempotencyKeyClaimed = { command: args.command, fingerprint: args.fingerprint, targetStreamId: args.proposedStreamId };
      try {
        const claimEvents = toNewEvents(request, [{ type: 'IdempotencyKeyClaimed', data }], clock(), { streamId: claimStreamId, revision: null, lastHash: null });
        await store.append(claimStreamId, claimEvents, 'no-stream');
        return execute(request);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        stats.appendConflictsRetried += 1n;
      }
    }
    stats.appendConflictsGivenUp += 1n;
    throw new DomainError('CONCURRENCY_CONFLICT', `idempotency key ${args.commandId} kept changing hands`);
  }

  return { execute, executeCreate, stats: (): Readonly<typeof stats> => ({ ...stats }), groupCommitStats: committer.stats };
}

export type CommandHandler = ReturnType<typeof createCommandHandler>;

function idempotencyKeyReused(commandId: string): DomainError {
  return new DomainError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${commandId} was already used for a different request`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
