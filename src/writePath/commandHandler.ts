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
 * - The aggregates in memory, cold streams folded from their snapshots and the snapshots
 *   themselves: streamCache.ts.
 * - Idempotency keys, scoped to their caller, remembered by each stream and, for
 *   stream-creating commands, claimed in a stream of their own: commandMemory.ts.
 * - The events appended, checked and hash-chained: newEvents.ts.
 */
import type { CommandContext } from '../../commands/context.ts';
import type { Aggregate } from '../../commands/aggregates.ts';
import { isRefusal } from '../../commands/decision.ts';
import { DomainError } from '../../commands/domainError.ts';
import type { DecisionRequest } from '../../commands/ledgerDeciders.ts';
import { agencyStreamId, type Actor, type IdempotencyKeyClaimed } from '../../events/index.ts';
import { newUlid } from './fastUlid.ts';
import { createGroupCommitter, StaleDecisionError } from './groupCommit.ts';
import { createKeyedMutex } from './keyedMutex.ts';
import {
  IdempotencyKeyTakenError,
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../store/eventStore.ts';
import {
  claimStreamIdOf,
  commandScopeKey,
  idempotencyKeyReused,
  readClaim,
  recall,
  type PendingCommand,
  type Recalled,
} from './commandMemory.ts';
import { toNewEvents, type ChainHead } from './newEvents.ts';
import { createStreamCache, SNAPSHOT_EVERY_EVENTS, type LoadedStream } from './streamCache.ts';
import { commandMemo, type StreamSnapshots } from './streamSnapshot.ts';

export { commandScopeKey } from './commandMemory.ts';
export type { StreamSnapshot, StreamSnapshots } from './streamSnapshot.ts';

/** Appends retried after a revision conflict before the client is told CONCURRENCY_CONFLICT. */
export const MAX_APPEND_ATTEMPTS = 8;
export const RETRY_BASE_DELAY_MS = 5;

/** A command's decision (commands/ledgerDeciders.ts) with its identity: who sent it, under which key. */
export interface CommandRequest<
  S,
  E extends { type: string; data: unknown },
> extends DecisionRequest<S, E> {
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

export interface CommandHandlerOptions {
  readonly store: EventStore;
  /** Server time, ISO 8601 UTC. */
  readonly clock?: () => string;
  readonly newEventId?: () => string;
  /** Where stream snapshots are kept (see streamSnapshot.ts); none when absent. */
  readonly streamSnapshots?: StreamSnapshots;
  /** Events folded between two snapshots of a stream (at least; see streamCache.ts); SNAPSHOT_EVERY_EVENTS when absent. */
  readonly snapshotEveryEvents?: number;
  /** Most events one group commit may carry (groupCommit.ts). */
  readonly maxGroupCommitEvents?: number;
}

/** What a decision under the stream's lock leaves to do once the lock is released. */
type Step =
  /** 'done' (a replay, or a dry run's empty answer) or 'replaying' (see commandMemory.ts). */
  | Recalled
  | { readonly kind: 'committing'; readonly committed: Promise<RecordedEvent[]> }
  /** A refusal decided on pending events: it stands only if they commit. */
  | {
      readonly kind: 'refused';
      readonly refusal: unknown;
      readonly after: Promise<unknown>;
      readonly decidedOnStale: () => boolean;
    };

export function createCommandHandler(options: CommandHandlerOptions) {
  const { store } = options;
  const clock = options.clock ?? (() => new Date().toISOString());
  const newEventId = options.newEventId ?? newUlid;
  const mutex = createKeyedMutex();
  const committer = createGroupCommitter(store, options.maxGroupCommitEvents);
  const streams = createStreamCache({
    store,
    snapshots: options.streamSnapshots,
    snapshotEveryEvents: options.snapshotEveryEvents ?? SNAPSHOT_EVERY_EVENTS,
  });
  const registeredAgencies = new Set<string>();
  /**
   * Commands being decided now, by scope key, with the stream each is for: parallel copies of
   * one command share an entry. Entries live only while a command is in flight, so the map is
   * bounded by the requests the server lets in at once; once a command's events are committed,
   * the store's command keys remember its key (EventStore.commandKeyStream).
   */
  const inFlight = new Map<string, { readonly streamId: string; copies: number }>();
  // Operators (and the concurrency tests) read these on /health: how often another writer got
  // to a stream first, and how often the retries ran out.
  const stats = { appendConflictsRetried: 0n, appendConflictsGivenUp: 0n };

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

  /**
   * Under the stream's lock: load, decide on the committed and pending events, and queue the
   * new events for the next group commit. The lock is released as soon as they are queued.
   */
  async function decideAndQueue<S, E extends { type: string; data: unknown }>(
    request: CommandRequest<S, E>,
    dryRun: boolean,
  ): Promise<Step> {
    const loaded = await streams.load(request.streamId, request.aggregate);
    const scope = commandScopeKey(request.actor.sub, request.commandId);
    const previous = loaded.commands.get(scope);
    if (previous !== undefined) return recall(store, request.streamId, scope, previous, request);
    const now = clock();
    const context: CommandContext = {
      actor: request.actor,
      now,
      registeredAgencies: await knownAgencies(request.agencyIds),
    };
    if (loaded.stale) return decideAndQueue(request, dryRun);
    const decision = request.decide(loaded.state, context);
    if (isRefusal(decision)) {
      if (loaded.lastPending === undefined) throw decision;
      return {
        kind: 'refused',
        refusal: decision,
        after: loaded.lastPending,
        decidedOnStale: () => loaded.stale,
      };
    }
    if (decision.length === 0)
      throw new Error('invariant: a decider accepted a command but produced no event');
    const head = {
      streamId: request.streamId,
      revision: loaded.revision,
      lastHash: loaded.lastHash,
    };
    const newEvents = toNewEvents(request, decision, now, head, newEventId);
    if (dryRun) return { kind: 'done', outcome: { events: [], replayed: false } };
    return queue(request, loaded, scope, head, newEvents);
  }

  /**
   * Folds the new events into the stream now, before their commit, so the next command on this
   * stream is decided on them, and hands them to the next group commit; the command is
   * remembered as pending until that commit settles.
   */
  function queue<S, E extends { type: string; data: unknown }>(
    request: CommandRequest<S, E>,
    loaded: LoadedStream<S>,
    scope: string,
    head: ChainHead,
    newEvents: NewEvent[],
  ): Step {
    const firstRevision = head.revision === null ? 0n : head.revision + 1n;
    try {
      for (const [index, event] of newEvents.entries()) {
        const placed = {
          ...event,
          streamId: request.streamId,
          streamRevision: firstRevision + BigInt(index),
        };
        loaded.state = request.aggregate.evolve(
          loaded.state,
          placed as unknown as E & { eventId: string },
        );
      }
    } catch (error) {
      // The aggregate refused its own decision (an invariant): nothing is queued, the state is suspect.
      streams.invalidate(request.streamId, loaded as LoadedStream<unknown>);
      throw error;
    }
    loaded.revision = firstRevision + BigInt(newEvents.length - 1);
    loaded.lastHash = newEvents[newEvents.length - 1]!.metadata.hash as string;
    loaded.pendingCommands += 1;

    const appended = committer.submit(
      {
        streamId: request.streamId,
        events: newEvents,
        expected: head.revision ?? 'no-stream',
        // A store that keeps command keys accepts this one once, across every process.
        commandKey: { sub: request.actor.sub, commandId: request.commandId },
      },
      () => loaded.stale,
    );
    const committed = appended.then(
      (result) => {
        const recorded = newEvents.map((event, index) => ({
          ...event,
          streamId: request.streamId,
          streamRevision: firstRevision + BigInt(index),
          position: result.positions[index]!,
        }));
        if (loaded.commands.get(scope) === pending)
          loaded.commands.set(scope, commandMemo(firstRevision));
        loaded.pendingCommands -= 1;
        loaded.eventsSinceSnapshot += newEvents.length;
        if (loaded.pendingCommands === 0) {
          loaded.lastPending = undefined;
          streams.snapshotSoonIfDue(request.streamId, loaded as LoadedStream<unknown>);
        }
        return recorded;
      },
      (error: unknown) => {
        loaded.pendingCommands -= 1;
        streams.invalidate(request.streamId, loaded as LoadedStream<unknown>);
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
          if (error instanceof WrongExpectedRevisionError || error instanceof StaleDecisionError)
            return 'conflict';
          // Another process accepted this caller's key first, on another stream: the store's
          // constraint, answered as this process's own key index would.
          if (error instanceof IdempotencyKeyTakenError && step.kind === 'committing')
            throw idempotencyKeyReused(request.commandId);
          // The original of a replay failed: this request decides afresh (the original retries too).
          if (step.kind === 'replaying') return 'conflict';
          throw error;
        }
    }
  }

  /**
   * The stream other than `streamId` a caller's key belongs to: the command in flight under it
   * in this process, or the one the store accepted it for (undefined: free, or `streamId`'s).
   */
  async function keyOwner(
    actor: Actor,
    commandId: string,
    streamId?: string,
  ): Promise<string | undefined> {
    const inFlightOn = inFlight.get(commandScopeKey(actor.sub, commandId))?.streamId;
    if (inFlightOn !== undefined && inFlightOn !== streamId) return inFlightOn;
    const owner = await store.commandKeyStream({ sub: actor.sub, commandId });
    return owner === streamId ? undefined : owner;
  }

  async function execute<S, E extends { type: string; data: unknown }>(
    request: CommandRequest<S, E>,
    executeOptions: { dryRun?: boolean } = {},
  ): Promise<CommandOutcome> {
    // A dry run writes nothing and its stream may not be the one a claim settles on: it
    // neither checks nor reserves the key.
    if (executeOptions.dryRun === true) return attempts(request, true);
    // The key is reserved for this stream in the same synchronous step as the check, so two
    // commands under one key on two streams never both reach the store from this process; across
    // processes, the store's command keys refuse the second (IdempotencyKeyTakenError).
    const scope = commandScopeKey(request.actor.sub, request.commandId);
    let flight = inFlight.get(scope);
    if (flight !== undefined && flight.streamId !== request.streamId)
      throw idempotencyKeyReused(request.commandId);
    if (flight === undefined) {
      flight = { streamId: request.streamId, copies: 0 };
      inFlight.set(scope, flight);
    }
    flight.copies += 1;
    try {
      return await attempts(request, false);
    } catch (error) {
      // A key the store accepted on another stream: its append refuses it (IdempotencyKeyTakenError,
      // answered in attempt), so an accepted command never reads its key first. A refusal reads it,
      // so the reuse is what the caller hears, as when the key is reused for a valid command.
      if (
        error instanceof DomainError &&
        error.code !== 'IDEMPOTENCY_KEY_REUSED' &&
        (await keyOwner(request.actor, request.commandId, request.streamId)) !== undefined
      )
        throw idempotencyKeyReused(request.commandId);
      throw error;
    } finally {
      if (--flight.copies === 0) inFlight.delete(scope);
    }
  }

  /** Decides and appends, again after each revision conflict, up to MAX_APPEND_ATTEMPTS times. */
  async function attempts<S, E extends { type: string; data: unknown }>(
    request: CommandRequest<S, E>,
    dryRun: boolean,
  ): Promise<CommandOutcome> {
    for (let attemptNumber = 1; attemptNumber <= MAX_APPEND_ATTEMPTS; attemptNumber++) {
      const result = await attempt(request, dryRun);
      if (result !== 'conflict') return result;
      stats.appendConflictsRetried += 1n;
      await delay(RETRY_BASE_DELAY_MS * attemptNumber * (1 + Math.random()));
    }
    stats.appendConflictsGivenUp += 1n;
    throw new DomainError(
      'CONCURRENCY_CONFLICT',
      `stream ${request.streamId} kept changing; gave up after ${MAX_APPEND_ATTEMPTS} attempts`,
    );
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
    const claimStreamId = claimStreamIdOf(scope);
    for (let attemptNumber = 1; attemptNumber <= MAX_APPEND_ATTEMPTS; attemptNumber++) {
      const claim = await readClaim(store, scope, args.actor.sub, args.commandId);
      if (claim !== undefined) {
        if (claim.fingerprint !== args.fingerprint) throw idempotencyKeyReused(args.commandId);
        return execute(args.build(claim.targetStreamId));
      }
      // No claim yet, yet the key is known: either a parallel identical create claimed it just
      // after we looked (look again: the claim decides), or another request used it.
      if ((await keyOwner(args.actor, args.commandId)) !== undefined) {
        if ((await store.readStream(claimStreamId, 0n, 1)).length > 0) continue;
        throw idempotencyKeyReused(args.commandId);
      }
      const request = args.build(args.proposedStreamId);
      await execute(request, { dryRun: true });
      const data: IdempotencyKeyClaimed = {
        command: args.command,
        fingerprint: args.fingerprint,
        targetStreamId: args.proposedStreamId,
      };
      try {
        const claimEvents = toNewEvents(
          request,
          [{ type: 'IdempotencyKeyClaimed', data }],
          clock(),
          { streamId: claimStreamId, revision: null, lastHash: null },
          newEventId,
        );
        await store.append(claimStreamId, claimEvents, 'no-stream');
        return execute(request);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        stats.appendConflictsRetried += 1n;
      }
    }
    stats.appendConflictsGivenUp += 1n;
    throw new DomainError(
      'CONCURRENCY_CONFLICT',
      `idempotency key ${args.commandId} kept changing hands`,
    );
  }

  /**
   * A pure look at a stream's aggregate as the next command would be decided on (a settlement
   * preview): the same state and context, nothing decided, nothing appended.
   */
  async function inspect<S, E extends { type: string; data: unknown }, R>(
    request: {
      readonly streamId: string;
      readonly aggregate: Aggregate<S, E>;
      readonly agencyIds: readonly string[];
      readonly actor: Actor;
    },
    look: (state: S, context: CommandContext) => R,
  ): Promise<R> {
    const loaded = await streams.load<S, E>(request.streamId, request.aggregate);
    const context: CommandContext = {
      actor: request.actor,
      now: clock(),
      registeredAgencies: await knownAgencies(request.agencyIds),
    };
    if (loaded.stale) return inspect(request, look);
    return look(loaded.state, context);
  }

  return {
    execute,
    executeCreate,
    inspect,
    stats: (): Readonly<typeof stats> => ({ ...stats }),
    groupCommitStats: committer.stats,
    observeGroupCommits: committer.observe,
  };
}

export type CommandHandler = ReturnType<typeof createCommandHandler>;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
