/**
 * The write path's aggregates in memory: one LoadedStream per stream, folded from the committed
 * stream plus, on top, the events of commands decided and queued but not yet committed. A cold
 * stream starts from its snapshot (streamSnapshot.ts) when one is given and the stored stream
 * still vouches for it, and reads only the events after it; the snapshots are taken here too.
 */
import type { Aggregate } from '../../commands/aggregates.ts';
import type { EventStore, RecordedEvent } from '../store/eventStore.ts';
import { scopeKeyOf, type PendingCommand } from './commandMemory.ts';
import {
  asStreamSnapshot,
  commandMemo,
  STREAM_SNAPSHOT_FORMAT,
  type CommandMemo,
  type StreamSnapshot,
  type StreamSnapshots,
} from './streamSnapshot.ts';

/** Aggregates kept in memory; the least recently used beyond this are folded again when needed. */
export const MAX_CACHED_STREAMS = 10_000;
/** A stream is snapshotted after folding this many events (or half its length, if more) since the last. */
export const SNAPSHOT_EVERY_EVENTS = 10_000;
/** Events read per page while a stream is folded from the store (a cold load, or catching up). */
const CATCH_UP_PAGE_EVENTS = 10_000;

/**
 * One stream's aggregate as the write path sees it. A command is decided on all its events,
 * committed and pending, so many commands on one stream share one commit; if a commit fails,
 * the whole object is marked stale and dropped, and everything decided on it is decided again.
 */
export interface LoadedStream<S> {
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

export interface StreamCacheOptions {
  readonly store: EventStore;
  /** Where stream snapshots are kept; none when absent. */
  readonly snapshots: StreamSnapshots | undefined;
  /** Events folded between two snapshots of a stream (at least; see snapshotDue). */
  readonly snapshotEveryEvents: number;
}

function emptyStream<S>(state: S): LoadedStream<S> {
  return {
    state,
    revision: null,
    lastHash: null,
    commands: new Map(),
    pendingCommands: 0,
    lastPending: undefined,
    stale: false,
    eventsSinceSnapshot: 0,
  };
}

export function createStreamCache(options: StreamCacheOptions) {
  const { store, snapshots, snapshotEveryEvents } = options;
  const cache = new Map<string, LoadedStream<unknown>>();

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
    const hash =
      event === undefined
        ? undefined
        : typeof event.metadata.hash === 'string'
          ? event.metadata.hash
          : null;
    if (event?.streamRevision !== snapshot.revision || hash !== snapshot.lastHash) return undefined;
    // The store decoded a fresh copy (stateCodec): the aggregate may change it.
    return {
      ...emptyStream(snapshot.state as S),
      revision: snapshot.revision,
      lastHash: snapshot.lastHash,
      commands: new Map(snapshot.commands),
    };
  }

  /** The stream's aggregate, cached or loaded, caught up with the store unless commands are pending on it. */
  async function load<S, E extends { type: string; data: unknown }>(
    streamId: string,
    aggregate: Aggregate<S, E>,
  ): Promise<LoadedStream<S>> {
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

  function foldCommitted<S, E extends { type: string; data: unknown }>(
    loaded: LoadedStream<S>,
    aggregate: Aggregate<S, E>,
    events: readonly RecordedEvent[],
  ): void {
    for (const event of events) {
      loaded.state = aggregate.evolve(loaded.state, event as unknown as E & { eventId: string });
      loaded.revision = event.streamRevision;
      loaded.lastHash = typeof event.metadata.hash === 'string' ? event.metadata.hash : null;
      // A command's events are contiguous in its stream: its first is the one to remember.
      const scope = scopeKeyOf(event);
      if (!loaded.commands.has(scope))
        loaded.commands.set(scope, commandMemo(event.streamRevision));
    }
    loaded.eventsSinceSnapshot += events.length;
  }

  /**
   * Hands the committed state to the snapshot store. Only ever called outside a command's path
   * to its answer (after a cold load, or on a later turn after a commit), and skipped when
   * commands are pending: the state then holds events that may not commit.
   */
  function saveSnapshot(streamId: string, loaded: LoadedStream<unknown>): void {
    if (
      snapshots === undefined ||
      loaded.revision === null ||
      loaded.pendingCommands > 0 ||
      loaded.stale
    )
      return;
    const commands = new Map<string, CommandMemo>();
    for (const [scope, memo] of loaded.commands)
      if (typeof memo !== 'object') commands.set(scope, memo);
    // The state as it is: the store encodes it with the one snapshot codec before save returns.
    const snapshot: StreamSnapshot = {
      format: STREAM_SNAPSHOT_FORMAT,
      streamId,
      revision: loaded.revision,
      lastHash: loaded.lastHash,
      state: loaded.state,
      commands,
    };
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

  /**
   * After a commit with nothing left pending: a snapshot on a later turn, if one is due, so the
   * command has its answer first (and the copy is taken then, if nothing is pending by then).
   */
  function snapshotSoonIfDue(streamId: string, loaded: LoadedStream<unknown>): void {
    if (snapshotDue(loaded)) setImmediate(() => saveSnapshot(streamId, loaded));
  }

  /** Marks the stream object stale and drops it, so the next command folds the stream afresh. */
  function invalidate(streamId: string, loaded: LoadedStream<unknown>): void {
    loaded.stale = true;
    if (cache.get(streamId) === loaded) cache.delete(streamId);
  }

  return { load, invalidate, snapshotSoonIfDue };
}

export type StreamCache = ReturnType<typeof createStreamCache>;
