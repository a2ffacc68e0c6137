/**
 * A stream's aggregate as the write path holds it, kept so a cold stream with a long history is
 * loaded from its last snapshot plus the events after it, rather than folded from its first
 * event. The storage is not decided here (the handler is given a StreamSnapshots); what a
 * snapshot is, and when one may be trusted, is.
 *
 * The handler hands its aggregate state as it is (plain objects, arrays, Maps and Sets of
 * strings, numbers, booleans, null and Money) to the store, which turns the whole snapshot into
 * bytes with the one snapshot codec, src/books/snapshots/stateCodec.ts, the codec the books
 * snapshots and the historical workers use too.
 */

/**
 * Bumped whenever the encoding, any aggregate's state shape or the command memory's keys change:
 * older snapshots are then ignored, by the store (the number is part of its code fingerprint)
 * and by asStreamSnapshot. 2: commands keyed by (caller, key), see commandScopeKey. 3: the state
 * is kept as it is by the one snapshot codec, no longer with Money tagged as decimal text (and
 * the store's own format number, 1, merged into this one).
 */
export const STREAM_SNAPSHOT_FORMAT = 3;

/**
 * A command the stream remembers for idempotency: a committed command is the stream revision of
 * its first event (its events are the contiguous run carrying its command id), as a number while
 * that is exact, else as a bigint.
 */
export type CommandMemo = number | bigint;

export interface StreamSnapshot {
  readonly format: typeof STREAM_SNAPSHOT_FORMAT;
  readonly streamId: string;
  /** Revision of the last event folded into `state`. */
  readonly revision: bigint;
  /** metadata.hash of that event: the snapshot is trusted only while the stored event still has it. */
  readonly lastHash: string | null;
  /** The aggregate state, as the aggregate folded it. */
  readonly state: unknown;
  /** Command scope key (the caller's sub and its key, commandScopeKey) → where its events start, for every command folded. */
  readonly commands: Map<string, CommandMemo>;
}

/**
 * Where stream snapshots are kept (src/books/snapshots/streamSnapshots.ts). The handler never
 * awaits `save`, and goes on changing the state it handed over: `save` encodes it (stateCodec)
 * before it returns. `load` answers a freshly decoded copy the aggregate may change; a failing
 * `load` counts as none.
 */
export interface StreamSnapshots {
  load(streamId: string): Promise<unknown | undefined>;
  save(streamId: string, snapshot: unknown): void;
}

/** The snapshot when `value` has a snapshot's shape for this stream; undefined otherwise. */
export function asStreamSnapshot(value: unknown, streamId: string): StreamSnapshot | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const s = value as Partial<Record<keyof StreamSnapshot, unknown>>;
  if (s.format !== STREAM_SNAPSHOT_FORMAT || s.streamId !== streamId) return undefined;
  if (typeof s.revision !== 'bigint' || s.revision < 0n) return undefined;
  if (s.lastHash !== null && typeof s.lastHash !== 'string') return undefined;
  if (!(s.commands instanceof Map) || s.state === undefined) return undefined;
  for (const [commandId, memo] of s.commands) {
    if (typeof commandId !== 'string') return undefined;
    if (!(typeof memo === 'bigint' || (Number.isSafeInteger(memo) && (memo as number) >= 0)))
      return undefined;
    if (BigInt(memo as number | bigint) > s.revision) return undefined;
  }
  return s as StreamSnapshot;
}

/** A committed command's memo for the revision of its first event. */
export function commandMemo(firstRevision: bigint): CommandMemo {
  return firstRevision <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(firstRevision) : firstRevision;
}
