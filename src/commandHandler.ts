/**
 * The write path: load a stream's aggregate, decide, append with the stream's revision as the
 * expected revision, and remember the command id so a retry gets the original answer.
 *
 * - Commands on one stream are serialised in this process (a keyed mutex), and every append
 *   is still guarded by optimistic concurrency, so another process writing the same stream
 *   causes a reload-and-redecide, never a lost update or an overdraft.
 * - The aggregate's command memory (command id → fingerprint and events) is folded from the
 *   stream itself, so idempotency holds inside the stream's own consistency.
 * - Stream-creating commands first claim the client's idempotency key in a stream of its own
 *   (see events/idempotency.ts) so a retry reaches the same new stream.
 */
import { ulid } from 'ulid';
import type { CommandContext } from '../commands/context.ts';
import { isRefusal, type Decision } from '../commands/decision.ts';
import { DomainError } from '../commands/domainError.ts';
import { agencyStreamId, idempotencyStreamId, ledgerEventSchemas, type Actor, type IdempotencyKeyClaimed, type LedgerEventType } from '../events/index.ts';
import { chainedMetadata, GENESIS_HASH } from './audit/eventHash.ts';
import { sha256Hex } from './fingerprint.ts';
import { createKeyedMutex } from './keyedMutex.ts';
import { WrongExpectedRevisionError, type EventStore, type NewEvent, type RecordedEvent } from './store/eventStore.ts';

/** Appends retried after a revision conflict before the client is told CONCURRENCY_CONFLICT. */
export const MAX_APPEND_ATTEMPTS = 8;
export const RETRY_BASE_DELAY_MS = 5;
/** Aggregates kept in memory; the least recently used beyond this are folded again when needed. */
export const MAX_CACHED_STREAMS = 10_000;

export interface Aggregate<S, E extends { type: string; data: unknown }> {
  initialState(): S;
  evolve(state: S, event: E & { eventId: string }): S;
}

export interface CommandRequest<S, E extends { type: string; data: unknown }> {
  readonly streamId: string;
  readonly aggregate: Aggregate<S, E>;
  readonly commandId: string;
  readonly fingerprint: string;
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId?: string;
  /** Agencies the command names, whose registration the decider needs to know. */
  readonly agencyIds: readonly string[];
  decide(state: S, context: CommandContext): Decision<E>;
}

export interface CommandOutcome {
  readonly events: readonly RecordedEvent[];
  /** True when this answer is the original one, repeated for a retried idempotency key. */
  readonly replayed: boolean;
}

interface CommandRecord {
  readonly fingerprint: string;
  readonly events: RecordedEvent[];
}

interface LoadedStream<S> {
  state: S;
  /** Revision of the stream's last event, or null when the stream does not exist. */
  revision: bigint | null;
  /** metadata.hash of the stream's last event: the next event's previousHash. */
  lastHash: string | null;
  readonly commands: Map<string, CommandRecord>;
}

export interface CommandHandlerOptions {
  readonly store: EventStore;
  /** Server time, ISO 8601 UTC. */
  readonly clock?: () => string;
  readonly newEventId?: () => string;
  /**
   * Command id → the stream it belongs to (for a claimed key, the stream the claim creates).
   * The log follower fills it from the global log; the handler reserves an id here, in the
   * same synchronous step as the check, before deciding, and releases it if the command is
   * refused. So within this process a key reused on another stream is always refused, even in
   * parallel; across processes the per-stream memory and the claims are the guarantee.
   */
  readonly commandStreams?: Map<string, string>;
}


export function createCommandHandler(options: CommandHandlerOptions) {
  const { store } = options;
  const clock = options.clock ?? (() => new Date().toISOString());
  const newEventId = options.newEventId ?? (() => ulid());
  const mutex = createKeyedMutex();
  const cache = new Map<string, LoadedStream<unknown>>();
  const registeredAgencies = new Set<string>();
  const commandStreams = options.commandStreams ?? new Map<string, string>();
  // Operators (and the concurrency tests) read these on /health: how often another writer got
  // to a stream first, and how often the retries ran out.
  const stats = { appendConflictsRetried: 0n, appendConflictsGivenUp: 0n };

  async function load<S, E extends { type: string; data: unknown }>(streamId: string, aggregate: Aggregate<S, E>): Promise<LoadedStream<S>> {
    let loaded = cache.get(streamId) as LoadedStream<S> | undefined;
    if (loaded === undefined) loaded = { state: aggregate.initialState(), revision: null, lastHash: null, commands: new Map() };
    // Catch up with anything another process appended since we last looked.
    const fromRevision = loaded.revision === null ? 0n : loaded.revision + 1n;
    apply(loaded, aggregate, await store.readStream(streamId, fromRevision));
    cache.delete(streamId);
    cache.set(streamId, loaded as LoadedStream<unknown>);
    if (cache.size > MAX_CACHED_STREAMS) cache.delete(cache.keys().next().value!);
    return loaded;
  }

  function apply<S, E extends { type: string; data: unknown }>(loaded: LoadedStream<S>, aggregate: Aggregate<S, E>, events: readonly RecordedEvent[]): void {
    for (const event of events) {
      loaded.state = aggregate.evolve(loaded.state, event as unknown as E & { eventId: string });
      loaded.revision = event.streamRevision;
      loaded.lastHash = typeof event.metadata.hash === 'string' ? event.metadata.hash : null;
      const commandId = event.metadata.commandId;
      const record = loaded.commands.get(commandId);
      if (record === undefined) {
        loaded.commands.set(commandId, { fingerprint: String(event.metadata.commandFingerprint ?? ''), events: [event] });
      } else {
        record.events.push(event);
      }
    }
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

  async function attempt<S, E extends { type: string; data: unknown }>(
    request: CommandRequest<S, E>,
    dryRun: boolean,
  ): Promise<CommandOutcome | 'conflict'> {
    const loaded = await load(request.streamId, request.aggregate);
    const previous = loaded.commands.get(request.commandId);
    if (previous !== undefined) {
      if (previous.fingerprint !== request.fingerprint) throw idempotencyKeyReused(request.commandId);
      return { events: previous.events, replayed: true };
    }
    const now = clock();
    const context: CommandContext = { actor: request.actor, now, registeredAgencies: await knownAgencies(request.agencyIds) };
    const decision = request.decide(loaded.state, context);
    if (isRefusal(decision)) throw decision;
    if (decision.length === 0) throw new Error('invariant: a decider accepted a command but produced no event');
    const newEvents = toNewEvents(request, decision, now, { streamId: request.streamId, revision: loaded.revision, lastHash: loaded.lastHash });
    if (dryRun) return { events: [], replayed: false };
    try {
      const result = await store.append(request.streamId, newEvents, loaded.revision ?? 'no-stream');
      const firstRevision = result.lastRevision - BigInt(newEvents.length - 1);
      const recorded = newEvents.map((event, index) => ({
        ...event,
        streamId: request.streamId,
        streamRevision: firstRevision + BigInt(index),
        position: result.positions[index]!,
      }));
      apply(loaded, request.aggregate, recorded);
      return { events: recorded, replayed: false };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) {
        cache.delete(request.streamId);
        return 'conflict';
      }
      throw error;
    }
  }

  async function execute<S, E extends { type: string; data: unknown }>(
    request: CommandRequest<S, E>,
    executeOptions: { dryRun?: boolean } = {},
  ): Promise<CommandOutcome> {
    // A dry run writes nothing and its stream may not be the one a claim settles on: it
    // neither checks nor reserves the key.
    const dryRun = executeOptions.dryRun ?? false;
    const owner = commandStreams.get(request.commandId);
    if (!dryRun && owner !== undefined && owner !== request.streamId) throw idempotencyKeyReused(request.commandId);
    const reservedHere = !dryRun && owner === undefined;
    if (reservedHere) commandStreams.set(request.commandId, request.streamId);
    try {
      return await mutex.run(request.streamId, async () => {
        for (let attemptNumber = 1; attemptNumber <= MAX_APPEND_ATTEMPTS; attemptNumber++) {
          const result = await attempt(request, dryRun);
          if (result !== 'conflict') return result;
          stats.appendConflictsRetried += 1n;
          await delay(RETRY_BASE_DELAY_MS * attemptNumber * (1 + Math.random()));
        }
        stats.appendConflictsGivenUp += 1n;
        throw new DomainError('CONCURRENCY_CONFLICT', `stream ${request.streamId} kept changing; gave up after ${MAX_APPEND_ATTEMPTS} attempts`);
      });
    } catch (error) {
      // A refusal appended nothing, so the key is free again. After any other failure the
      // append may or may not have happened: keep the reservation, the log will tell.
      if (reservedHere && error instanceof DomainError) commandStreams.delete(request.commandId);
      throw error;
    }
  }

  /**
   * A command that creates a new stream, with a client-supplied idempotency key: the key is
   * claimed first (after a dry run, so a command that would be refused claims nothing), and a
   * retry is sent to the stream named in the claim.
   */
  async function executeCreate<S, E extends { type: string; data: unknown }>(args: {
    readonly command: IdempotencyKeyClaimed['command'];
    readonly commandId: string;
    readonly fingerprint: string;
    readonly proposedStreamId: string;
    build(streamId: string): CommandRequest<S, E>;
  }): Promise<CommandOutcome> {
    const claimStreamId = idempotencyStreamId(sha256Hex(args.commandId));
    for (let attemptNumber = 1; attemptNumber <= MAX_APPEND_ATTEMPTS; attemptNumber++) {
      const claims = await store.readStream(claimStreamId);
      const claim = claims[0]?.data as IdempotencyKeyClaimed | undefined;
      if (claim !== undefined) {
        if (claim.fingerprint !== args.fingerprint) throw idempotencyKeyReused(args.commandId);
        return execute(args.build(claim.targetStreamId));
      }
      // No claim yet, yet the key is known: either a parallel identical create claimed it just
      // after we looked (look again: the claim decides), or another request used it.
      if (commandStreams.has(args.commandId)) {
        if ((await store.readStream(claimStreamId)).length > 0) continue;
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

  return { execute, executeCreate, stats: (): Readonly<typeof stats> => ({ ...stats }) };
}

export type CommandHandler = ReturnType<typeof createCommandHandler>;

function idempotencyKeyReused(commandId: string): DomainError {
  return new DomainError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${commandId} was already used for a different request`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
