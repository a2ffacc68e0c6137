/**
 * The global event log as an RFC 6962 Merkle tree: one leaf per event, in log order. The ledger
 * appends to it as the books fold each event (src/books/foldLog.ts) and the audit routes
 * answer from it; `potledger verify` builds one from the stored rows and compares roots.
 *
 * Leaf index i is the i-th event of the log. SQLite and PostgreSQL number positions 1..N, so
 * there leaf i is the event at position i + 1 and the store answers the rest: that log
 * (src/audit/storeMerkleLog.ts) keeps only the hashes a proof cannot cheaply read back. But
 * EventStoreDB's positions have gaps, so for it the log here keeps every hash, index → position
 * and event id → index itself, in memory: createMemoryMerkleLog.
 */
import canonicalizeModule from 'canonicalize';
import type { RecordedEvent } from '../store/eventStore.ts';
import { createMerkleTree, HASH_BYTES, leafHash, MERKLE_ALGORITHM } from './merkle.ts';

// canonicalize 2.x is CommonJS whose typings declare an ES default export (see fingerprint.ts).
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/**
 * What a leaf commits to: where the event sits (position, stream, revision), which event it is,
 * and its chain hash, which in turn covers everything the event says. An event stored without a
 * hash (written before tamper evidence) commits to the empty string; `verify` reports it.
 */
export function eventLeafData(
  event: Pick<RecordedEvent, 'position' | 'eventId' | 'streamId' | 'streamRevision' | 'metadata'>,
): Buffer {
  const hash = typeof event.metadata.hash === 'string' ? event.metadata.hash : '';
  const canonical = canonicalize({
    position: event.position.toString(),
    eventId: event.eventId,
    streamId: event.streamId,
    streamRevision: event.streamRevision.toString(),
    hash,
  });
  return Buffer.from(canonical!, 'utf8');
}

/** A signed-off state of the log an auditor can keep: how many events, and the root over them. */
export interface Checkpoint {
  readonly size: string;
  readonly rootHash: string;
  /** Position of the last event inside `size`; "0" for the empty log. */
  readonly position: string;
  readonly algorithm: typeof MERKLE_ALGORITHM;
}

export interface InclusionProofView {
  readonly eventId: string;
  readonly position: string;
  readonly leafIndex: string;
  readonly treeSize: string;
  readonly leafHash: string;
  readonly auditPath: string[];
  readonly rootHash: string;
}

export interface ConsistencyProofView {
  readonly from: string;
  readonly to: string;
  readonly fromRoot: string;
  readonly toRoot: string;
  readonly proof: string[];
}

/**
 * The log as the ledger folds it and the audit routes ask it, however it keeps its hashes
 * (openMerkleLog in storeMerkleLog.ts picks): proofs may read the store, so they are promises.
 * A size beyond the log, or an event beyond the size asked, is a RangeError (the routes check
 * first); an event the log (as far as folded) does not hold is undefined.
 */
export interface MerkleLog {
  /** Events in the tree so far. */
  size(): number;
  append(event: RecordedEvent): void;
  /** What the log restores from (a snapshot's copy); only good until the next append. */
  exportState(): MerkleLogState;
  /** Leaf index of an event, or undefined when the log (as far as folded) has no such event. */
  indexOf(eventId: string): Promise<number | undefined>;
  checkpoint(size?: number): Promise<Checkpoint>;
  inclusionProof(eventId: string, size?: number): Promise<InclusionProofView | undefined>;
  consistencyProof(from: number, to?: number): Promise<ConsistencyProofView>;
}

export type MemoryMerkleLog = ReturnType<typeof createMemoryMerkleLog>;

const INITIAL_POSITIONS_CAPACITY = 1_024;

/** Leaf index → position, 8 bytes per event in one typed array (a bigint[] costs several times that). */
function createPositionList(from?: BigInt64Array) {
  let length = from?.length ?? 0;
  let capacity = INITIAL_POSITIONS_CAPACITY;
  while (capacity < length) capacity *= 2;
  let values = new BigInt64Array(capacity);
  if (from !== undefined) values.set(from);
  return {
    last: (): bigint | undefined => (length === 0 ? undefined : values[length - 1]),
    push(position: bigint): void {
      if (length === values.length) {
        const grown = new BigInt64Array(values.length * 2);
        grown.set(values);
        values = grown;
      }
      values[length] = position;
      length += 1;
    },
    at: (index: number): bigint => values[index]!,
    used: (): BigInt64Array => values.subarray(0, length),
  };
}

/** Everything a memory Merkle log holds, as a snapshot keeps it (src/books/snapshots/booksSnapshot.ts). */
export interface MemoryMerkleLogState {
  readonly kind: 'memory';
  /** The tree's hashes level by level (MerkleTree.levels()). */
  readonly levels: readonly Uint8Array[];
  /** Position of each leaf, in leaf order. */
  readonly positions: BigInt64Array;
  readonly indexOfEvent: Map<string, number>;
}

/**
 * What a store-backed Merkle log (storeMerkleLog.ts) holds: the tree over its complete chunks'
 * roots, level by level, and the tree of the chunk still filling, level by level.
 */
export interface StoreMerkleLogState {
  readonly kind: 'store';
  readonly chunkLevels: readonly Uint8Array[];
  readonly fillingLevels: readonly Uint8Array[];
}

export type MerkleLogState = MemoryMerkleLogState | StoreMerkleLogState;

/** Leaves in a tree kept as levels(): its first level's hashes. */
export function leavesOfLevels(levels: readonly Uint8Array[]): number {
  return levels.length === 0 ? 0 : levels[0]!.length / HASH_BYTES;
}

/** Position of the last event a log's state covers (undefined for the empty log): what a snapshot's header must name. */
export function lastPositionOf(state: MerkleLogState): bigint | undefined {
  if (state.kind === 'memory') return state.positions.at(-1);
  // Leaf i of a store-backed log is the event at position i + 1.
  const size =
    leavesOfLevels(state.chunkLevels) * MERKLE_CHUNK_LEAVES + leavesOfLevels(state.fillingLevels);
  return size === 0 ? undefined : BigInt(size);
}

/**
 * Leaves per chunk of a store-backed log (2^8): below the chunks' roots it keeps only the
 * filling chunk's hashes, 64 / MERKLE_CHUNK_LEAVES bytes per event for the rest.
 */
export const MERKLE_CHUNK_LEAVES = 256;

/**
 * An empty memory log, or the one a snapshot kept (exportState); the snapshot's owner checked it.
 * Every hash, position and event id in memory: for stores whose positions have gaps.
 */
export function createMemoryMerkleLog(from?: MemoryMerkleLogState) {
  const tree = createMerkleTree(from?.levels);
  const positions = createPositionList(from?.positions);
  const indexOfEvent = from?.indexOfEvent ?? new Map<string, number>();
  if (
    from !== undefined &&
    (from.positions.length !== tree.size || indexOfEvent.size !== tree.size)
  ) {
    throw new Error(
      `invariant: a Merkle log snapshot of ${tree.size} leaves has ${from.positions.length} positions and ${indexOfEvent.size} event ids`,
    );
  }
  const hex = (b: Buffer) => b.toString('hex');

  function checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > tree.size)
      throw new RangeError(`size ${size} is beyond the log's ${tree.size} events`);
  }

  return {
    /** Events in the tree so far. */
    size: (): number => tree.size,
    append(event: RecordedEvent): void {
      const last = positions.last();
      if (last !== undefined && event.position <= last) {
        throw new Error(
          `invariant: the Merkle log was given position ${event.position} after ${last}`,
        );
      }
      tree.append(leafHash(eventLeafData(event)));
      positions.push(event.position);
      indexOfEvent.set(event.eventId, tree.size - 1);
    },
    /**
     * What createMerkleLog(from) restores: views of the live buffers and the live map, so it is
     * only good until the next append (serialise it in the same synchronous turn).
     */
    exportState: (): MemoryMerkleLogState => ({
      kind: 'memory',
      levels: tree.levels(),
      positions: positions.used(),
      indexOfEvent,
    }),
    /** Leaf index of an event, or undefined when the log (as far as folded) has no such event. */
    indexOf: (eventId: string): number | undefined => indexOfEvent.get(eventId),
    checkpoint(size: number = tree.size): Checkpoint {
      checkSize(size);
      return {
        size: String(size),
        rootHash: hex(tree.root(size)),
        position: size === 0 ? '0' : positions.at(size - 1).toString(),
        algorithm: MERKLE_ALGORITHM,
      };
    },
    inclusionProof(eventId: string, size: number = tree.size): InclusionProofView | undefined {
      checkSize(size);
      const index = indexOfEvent.get(eventId);
      if (index === undefined) return undefined;
      if (index >= size)
        throw new RangeError(`event ${eventId} is leaf ${index}, not inside a tree of ${size}`);
      return {
        eventId,
        position: positions.at(index).toString(),
        leafIndex: String(index),
        treeSize: String(size),
        leafHash: hex(tree.leafHashAt(index)),
        auditPath: tree.inclusionProof(index, size).map(hex),
        rootHash: hex(tree.root(size)),
      };
    },
    consistencyProof(from: number, to: number = tree.size): ConsistencyProofView {
      checkSize(to);
      if (from < 1 || from > to) throw new RangeError(`no consistency proof from ${from} to ${to}`);
      return {
        from: String(from),
        to: String(to),
        fromRoot: hex(tree.root(from)),
        toRoot: hex(tree.root(to)),
        proof: tree.consistencyProof(from, to).map(hex),
      };
    },
  };
}
