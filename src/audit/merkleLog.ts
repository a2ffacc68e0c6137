/**
 * The global event log as an RFC 6962 Merkle tree: one leaf per event, in log order. The ledger
 * appends to it as the books fold each event (src/books/foldLog.ts) and the audit routes
 * answer from it; `potledger verify` builds one from the stored rows and compares roots.
 *
 * Leaf index i is the i-th event of the log, never "position − 1": SQLite and PostgreSQL number
 * positions 1..N, but EventStoreDB's positions have gaps. So the log keeps index → position and
 * event id → index itself.
 */
import canonicalizeModule from 'canonicalize';
import type { RecordedEvent } from '../store/eventStore.ts';
import { createMerkleTree, leafHash, MERKLE_ALGORITHM } from './merkle.ts';

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

export type MerkleLog = ReturnType<typeof createMerkleLog>;

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

/** Everything a Merkle log holds, as a snapshot keeps it (src/books/snapshots/booksSnapshot.ts). */
export interface MerkleLogState {
  /** The tree's hashes level by level (MerkleTree.levels()). */
  readonly levels: readonly Uint8Array[];
  /** Position of each leaf, in leaf order. */
  readonly positions: BigInt64Array;
  readonly indexOfEvent: Map<string, number>;
}

/** An empty log, or the one a snapshot kept (exportState); the snapshot's owner checked it. */
export function createMerkleLog(from?: MerkleLogState) {
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
    exportState: (): MerkleLogState => ({
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
