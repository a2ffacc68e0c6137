/**
 * A stream's aggregate as the write path holds it, in a form that survives structured cloning
 * (v8.serialize): so a cold stream with a long history is loaded from its last snapshot plus the
 * events after it, rather than folded from its first event. The storage is not decided here
 * (the handler is given load and save); what a snapshot is, and when one may be trusted, is.
 *
 * Aggregate states are plain objects, arrays, Maps and Sets of strings, numbers, booleans, null
 * and Money. Money is a decimal.js instance, which structured cloning would strip down to its
 * fields, so it is stored as its exact decimal text and rebuilt through the money module.
 */
import { Decimal } from 'decimal.js';
import { money } from '../../events/money.ts';

/**
 * Bumped whenever the encoding, any aggregate's state shape or the command memory's keys change:
 * older snapshots are then ignored. 2: commands keyed by (caller, key), see commandScopeKey.
 */
export const STREAM_SNAPSHOT_FORMAT = 2;

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
  /** The aggregate state, encoded (encodeState). */
  readonly state: unknown;
  /** Command scope key (the caller's sub and its key, commandScopeKey) → where its events start, for every command folded. */
  readonly commands: Map<string, CommandMemo>;
}

/** Where stream snapshots are kept: the handler never awaits `save`, and a failing `load` counts as none. */
export interface StreamSnapshots {
  load(streamId: string): Promise<unknown | undefined>;
  save(streamId: string, snapshot: unknown): void;
}

const MONEY_TAG = '$potledgerMoney';

/** The state with every Money replaced by a tagged decimal string; throws on anything it cannot keep. */
export function encodeState(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError(`cannot snapshot a ${typeof value}`);
    return value;
  }
  if (Decimal.isDecimal(value)) return { [MONEY_TAG]: (value as Decimal).toFixed() };
  if (Array.isArray(value)) return value.map(encodeState);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [encodeState(k), encodeState(v)]));
  if (value instanceof Set) return new Set([...value].map(encodeState));
  if (Object.getPrototypeOf(value) !== Object.prototype) throw new TypeError(`cannot snapshot an instance of ${value.constructor?.name ?? 'a class'}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = encodeState(v);
  return out;
}

/** The inverse of encodeState: a fresh state the aggregate may mutate. */
export function decodeState(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeState);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [decodeState(k), decodeState(v)]));
  if (value instanceof Set) return new Set([...value].map(decodeState));
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]![0] === MONEY_TAG && typeof entries[0]![1] === 'string') return money(entries[0]![1]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) out[k] = decodeState(v);
  return out;
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
    if (!(typeof memo === 'bigint' || (Number.isSafeInteger(memo) && (memo as number) >= 0))) return undefined;
    if (BigInt(memo as number | bigint) > s.revision) return undefined;
  }
  return s as StreamSnapshot;
}

/** A committed command's memo for the revision of its first event. */
export function commandMemo(firstRevision: bigint): CommandMemo {
  return firstRevision <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(firstRevision) : firstRevision;
}
