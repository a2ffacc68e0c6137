/**
 * The order-free half of verifying an event: everything `potledger verify` learns from one
 * stored event on its own, without knowing what came before it in the log. Recomputing the
 * event's hash from its content and the Merkle leaf over it is most of verification's cost, and
 * needs no ordering, so it can run on any thread (src/audit/verifyPool.ts); the ordered checks
 * (positions, each stream's revisions and previousHash chain, the log chain, the tree) stay with
 * the one verifier that sees the log in order (logVerifier.ts).
 *
 * A page of digests travels between threads as columns (typed arrays moved, not copied, and
 * one array per string field), so the main thread decodes no objects per event.
 */
import type { RecordedEvent } from '../store/eventStore.ts';
import { eventHash, isSha256Hex } from './eventHash.ts';
import { HASH_BYTES, leafHash, leafHashOfText } from './merkle.ts';
import { eventLeafData } from './merkleLog.ts';

/** What the event's stored `hash` is, against what its content hashes to. */
export const HashCheck = {
  /** metadata.hash is absent. */
  missing: 0,
  /** metadata.hash is there but not 64 lower-case hex digits. */
  notSha256Hex: 1,
  /** A well-formed hash that is not what the content hashes to. */
  mismatch: 2,
  /** The content hashes to the stored hash. */
  matches: 3,
} as const;
export type HashCheck = (typeof HashCheck)[keyof typeof HashCheck];

/** One event as the ordered checks see it. */
export interface EventDigest {
  position: bigint;
  streamId: string;
  streamRevision: bigint;
  hashCheck: HashCheck;
  /** metadata.hash when it is a string, else ''. */
  hash: string;
  /** metadata.previousHash when it is a string, else null (which no expected value equals). */
  previousHash: string | null;
  /** The log chain value the store kept, or null where it kept none. */
  logHash: string | null;
  /** The Merkle leaf hash (32 bytes) when the hash matches; empty otherwise. */
  leafHash: Uint8Array;
}

const NO_LEAF = new Uint8Array(0);

/**
 * leafHash(eventLeafData(event)) for an event whose metadata.hash is `hash`: the canonical JSON
 * of { position, eventId, streamId, streamRevision, hash } written out with its keys in
 * canonical order rather than through the general canonicaliser (test/audit/canonicalJson.test.ts
 * pins the two together).
 */
export function eventLeafHash(
  event: Pick<RecordedEvent, 'position' | 'eventId' | 'streamId' | 'streamRevision' | 'metadata'>,
  hash: string,
): Buffer {
  if (
    typeof event.eventId !== 'string' ||
    typeof event.streamId !== 'string' ||
    event.metadata.hash !== hash
  )
    return leafHash(eventLeafData(event));
  return leafHashOfText(
    `{"eventId":${JSON.stringify(event.eventId)},"hash":${JSON.stringify(hash)},"position":"${event.position.toString()}",` +
      `"streamId":${JSON.stringify(event.streamId)},"streamRevision":"${event.streamRevision.toString()}"}`,
  );
}

export function digestEvent(event: RecordedEvent): EventDigest {
  const stored: unknown = event.metadata.hash;
  const hashCheck =
    stored === undefined
      ? HashCheck.missing
      : !isSha256Hex(stored)
        ? HashCheck.notSha256Hex
        : eventHash(event) === stored
          ? HashCheck.matches
          : HashCheck.mismatch;
  const previousHash: unknown = event.metadata.previousHash;
  return {
    position: event.position,
    streamId: event.streamId,
    streamRevision: event.streamRevision,
    hashCheck,
    hash: typeof stored === 'string' ? stored : '',
    previousHash: typeof previousHash === 'string' ? previousHash : null,
    logHash: event.logHash ?? null,
    leafHash: hashCheck === HashCheck.matches ? eventLeafHash(event, stored as string) : NO_LEAF,
  };
}

/** A page of digests as columns: what a verify worker posts back (transferList: `transferables`). */
export interface DigestColumns {
  readonly count: number;
  readonly positions: BigInt64Array;
  readonly streamRevisions: BigInt64Array;
  readonly hashChecks: Uint8Array;
  /** HASH_BYTES per event; zeros where the hash does not match. */
  readonly leafHashes: Uint8Array;
  readonly streamIds: readonly string[];
  readonly hashes: readonly string[];
  readonly previousHashes: readonly (string | null)[];
  readonly logHashes: readonly (string | null)[];
}

export function digestColumns(events: readonly RecordedEvent[]): DigestColumns {
  const count = events.length;
  const positions = new BigInt64Array(count);
  const streamRevisions = new BigInt64Array(count);
  const hashChecks = new Uint8Array(count);
  const leafHashes = new Uint8Array(count * HASH_BYTES);
  const streamIds = new Array<string>(count);
  const hashes = new Array<string>(count);
  const previousHashes = new Array<string | null>(count);
  const logHashes = new Array<string | null>(count);
  for (let i = 0; i < count; i++) {
    const digest = digestEvent(events[i]!);
    positions[i] = digest.position;
    streamRevisions[i] = digest.streamRevision;
    hashChecks[i] = digest.hashCheck;
    if (digest.hashCheck === HashCheck.matches) leafHashes.set(digest.leafHash, i * HASH_BYTES);
    streamIds[i] = digest.streamId;
    hashes[i] = digest.hash;
    previousHashes[i] = digest.previousHash;
    logHashes[i] = digest.logHash;
  }
  return {
    count,
    positions,
    streamRevisions,
    hashChecks,
    leafHashes,
    streamIds,
    hashes,
    previousHashes,
    logHashes,
  };
}

/** The buffers of a page that can move to another thread instead of being copied. */
export function transferables(columns: DigestColumns): ArrayBuffer[] {
  return [columns.positions, columns.streamRevisions, columns.hashChecks, columns.leafHashes].map(
    (array) => array.buffer as ArrayBuffer,
  );
}

/**
 * Calls `each` with the digest of every event of the page in order, until it returns something
 * other than null. One digest object is filled again for each event (no object per event): the
 * callback must copy what it keeps.
 */
export function forEachDigest<T>(
  columns: DigestColumns,
  each: (digest: EventDigest, index: number) => T | null,
): T | null {
  const digest: EventDigest = {
    position: 0n,
    streamId: '',
    streamRevision: 0n,
    hashCheck: HashCheck.missing,
    hash: '',
    previousHash: null,
    logHash: null,
    leafHash: NO_LEAF,
  };
  for (let i = 0; i < columns.count; i++) {
    digest.position = columns.positions[i]!;
    digest.streamId = columns.streamIds[i]!;
    digest.streamRevision = columns.streamRevisions[i]!;
    digest.hashCheck = columns.hashChecks[i] as HashCheck;
    digest.hash = columns.hashes[i]!;
    digest.previousHash = columns.previousHashes[i]!;
    digest.logHash = columns.logHashes[i]!;
    digest.leafHash =
      digest.hashCheck === HashCheck.matches
        ? columns.leafHashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES)
        : NO_LEAF;
    const result = each(digest, i);
    if (result !== null) return result;
  }
  return null;
}
