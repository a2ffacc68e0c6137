/**
 * The Merkle log of a store whose positions are 1, 2, 3, … (SQLite, PostgreSQL), kept out of RAM
 * as far as proofs allow (issue 18). Leaf i is the event at position i + 1, so the log keeps no
 * index → position array and no event id → index map: the store's unique event_id index answers
 * which leaf an event is. Of the tree it keeps the root of every complete chunk of
 * MERKLE_CHUNK_LEAVES leaves with the tree above those roots, and the hashes of the one chunk
 * still filling: about 64 / MERKLE_CHUNK_LEAVES bytes per event instead of 64.
 *
 * Why that is enough: every hash an RFC 6962 proof or root asks for is a range of leaves that
 * splits into complete aligned subtrees. Those of a chunk or more are kept; smaller ones lie
 * inside the chunk holding the proven leaf or at the edge of a size the proof names, so a proof
 * needs the leaves of at most a few chunks. It reads each such chunk's events from the store (one
 * range read of MERKLE_CHUNK_LEAVES rows), hashes them, and checks their root against the one
 * folded before using them: a changed row is an error, never a wrong proof. The newest few chunks
 * read stay in a cache of MERKLE_CHUNK_CACHE_CHUNKS.
 */
import { LedgerError } from '../books/ledgerError.ts';
import type { EventStore, RecordedEvent } from '../store/eventStore.ts';
import {
  auditPath,
  consistencyPath,
  createMerkleTree,
  EMPTY_ROOT,
  leafHash,
  MERKLE_ALGORITHM,
  type MerkleTree,
  nodeHash,
  type RangeHash,
  splitPoint,
} from './merkle.ts';
import {
  createMemoryMerkleLog,
  eventLeafData,
  MERKLE_CHUNK_LEAVES,
  type MemoryMerkleLog,
  type MerkleLog,
  type MerkleLogState,
  type StoreMerkleLogState,
} from './merkleLog.ts';

/** Chunks read for proofs that stay cached (each 511 hashes, 16 KiB): about 1 MiB. */
export const MERKLE_CHUNK_CACHE_CHUNKS = 64;
/** A proof needs the chunks of its leaf and of the edges of its two sizes: 3, with room. */
const MAX_CHUNKS_PER_PROOF = 8;

/** What the log reads from the store: chunks of events by position, and an event's position. */
export interface MerkleLeafSource {
  readAll(afterPosition: bigint, limit: number): Promise<RecordedEvent[]>;
  positionOfEventId(eventId: string): Promise<bigint | undefined>;
}

/** A proof's computation asked for the leaves of a chunk not yet read; read it and compute again. */
class ChunkNotHeld extends Error {
  constructor(readonly chunk: number) {
    super(`chunk ${chunk} is not held`);
  }
}

const hex = (b: Buffer) => b.toString('hex');

/**
 * The Merkle log for the store's log: kept from the store where positions are dense and the
 * store finds an event by id, else every hash in memory (EventStoreDB).
 */
export function openMerkleLog(
  store: Pick<EventStore, 'positionsContiguous' | 'readAll' | 'positionOfEventId'>,
  from?: MerkleLogState,
): MerkleLog {
  if (store.positionsContiguous && store.positionOfEventId !== undefined) {
    if (from !== undefined && from.kind !== 'store')
      throw new Error('invariant: a memory Merkle log snapshot for a store with dense positions');
    return createStoreMerkleLog(
      {
        readAll: (after, limit) => store.readAll(after, limit),
        positionOfEventId: (eventId) => store.positionOfEventId!(eventId),
      },
      from,
    );
  }
  if (from !== undefined && from.kind !== 'memory')
    throw new Error(
      'invariant: a store-backed Merkle log snapshot for a store with gappy positions',
    );
  return promising(createMemoryMerkleLog(from));
}

/** The memory log behind the MerkleLog interface: the same answers, as settled promises. */
export function promising(log: MemoryMerkleLog): MerkleLog {
  return {
    size: log.size,
    append: log.append,
    exportState: log.exportState,
    indexOf: async (eventId) => log.indexOf(eventId),
    checkpoint: async (size) => log.checkpoint(size),
    inclusionProof: async (eventId, size) => log.inclusionProof(eventId, size),
    consistencyProof: async (from, to) => log.consistencyProof(from, to),
  };
}

/** An empty store-backed log, or the one a snapshot kept (exportState). */
export function createStoreMerkleLog(
  store: MerkleLeafSource,
  from?: StoreMerkleLogState,
): MerkleLog {
  /** A tree whose leaves are the complete chunks' roots. */
  const chunks = createMerkleTree(from?.chunkLevels);
  let filling = createMerkleTree(from?.fillingLevels, MERKLE_CHUNK_LEAVES);
  if (filling.size >= MERKLE_CHUNK_LEAVES)
    throw new Error(`invariant: a filling Merkle chunk of ${filling.size} leaves`);
  /** Chunk → its tree, least recently used first; a read in flight is its promise. */
  const cache = new Map<number, Promise<MerkleTree>>();
  const treeSize = (): number => chunks.size * MERKLE_CHUNK_LEAVES + filling.size;

  function checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > treeSize())
      throw new RangeError(`size ${size} is beyond the log's ${treeSize()} events`);
  }

  function remember(chunk: number, tree: Promise<MerkleTree>): void {
    cache.delete(chunk);
    cache.set(chunk, tree);
    for (const oldest of cache.keys()) {
      if (cache.size <= MERKLE_CHUNK_CACHE_CHUNKS) break;
      cache.delete(oldest);
    }
  }

  async function readChunk(chunk: number): Promise<MerkleTree> {
    const before = chunk * MERKLE_CHUNK_LEAVES;
    const events = await store.readAll(BigInt(before), MERKLE_CHUNK_LEAVES);
    const tree = createMerkleTree(undefined, MERKLE_CHUNK_LEAVES);
    for (const event of events) {
      if (event.position !== BigInt(before + tree.size + 1)) break;
      tree.append(leafHash(eventLeafData(event)));
    }
    if (tree.size !== MERKLE_CHUNK_LEAVES || !tree.root().equals(chunks.rangeHash(chunk, 1))) {
      throw new LedgerError(
        'LOG_INTEGRITY_FAILED',
        `the store's events at positions ${before + 1}..${before + MERKLE_CHUNK_LEAVES} no longer hash to the Merkle log folded from them: run potledger verify`,
      );
    }
    return tree;
  }

  function chunkTree(chunk: number): Promise<MerkleTree> {
    const cached = cache.get(chunk);
    if (cached !== undefined) {
      remember(chunk, cached);
      return cached;
    }
    const reading = readChunk(chunk);
    remember(chunk, reading);
    reading.catch(() => {
      if (cache.get(chunk) === reading) cache.delete(chunk);
    });
    return reading;
  }

  /** MTH(D[start : start + n]) from the kept hashes and the chunks `held`; throws ChunkNotHeld. */
  function rangeHashOver(held: ReadonlyMap<number, MerkleTree>): RangeHash {
    const hashOf = (start: number, n: number): Buffer => {
      // Whole chunks: RFC 6962 splits them where the tree over their roots does.
      if (start % MERKLE_CHUNK_LEAVES === 0 && n % MERKLE_CHUNK_LEAVES === 0)
        return chunks.rangeHash(start / MERKLE_CHUNK_LEAVES, n / MERKLE_CHUNK_LEAVES);
      const chunk = Math.floor(start / MERKLE_CHUNK_LEAVES);
      if (Math.floor((start + n - 1) / MERKLE_CHUNK_LEAVES) === chunk) {
        const tree = chunk === chunks.size ? filling : held.get(chunk);
        if (tree === undefined) throw new ChunkNotHeld(chunk);
        return tree.rangeHash(start - chunk * MERKLE_CHUNK_LEAVES, n);
      }
      const k = splitPoint(n);
      return nodeHash(hashOf(start, k), hashOf(start + k, n - k));
    };
    return hashOf;
  }

  /**
   * Runs `compute` (synchronous, so the log cannot grow under it) over the kept hashes and the
   * chunks it asks for, reading each chunk once and computing again.
   */
  async function withChunks<T>(compute: (hashOf: RangeHash) => T): Promise<T> {
    const held = new Map<number, MerkleTree>();
    for (;;) {
      try {
        return compute(rangeHashOver(held));
      } catch (error) {
        if (!(error instanceof ChunkNotHeld)) throw error;
        if (held.size >= MAX_CHUNKS_PER_PROOF)
          throw new Error(
            `invariant: one proof asked for more than ${MAX_CHUNKS_PER_PROOF} chunks`,
            { cause: error },
          );
        held.set(error.chunk, await chunkTree(error.chunk));
      }
    }
  }

  async function indexOf(eventId: string): Promise<number | undefined> {
    const position = await store.positionOfEventId(eventId);
    // An event the store has but the books have not folded yet is not in this log yet.
    if (position === undefined || position > BigInt(treeSize())) return undefined;
    return Number(position) - 1;
  }

  return {
    size: treeSize,
    append(event) {
      const next = BigInt(treeSize() + 1);
      if (event.position !== next) {
        throw new Error(
          `invariant: the Merkle log of a store with positions 1, 2, 3, … was given position ${event.position} where ${next} comes next`,
        );
      }
      filling.append(leafHash(eventLeafData(event)));
      if (filling.size === MERKLE_CHUNK_LEAVES) {
        chunks.append(filling.root());
        remember(chunks.size - 1, Promise.resolve(filling));
        filling = createMerkleTree(undefined, MERKLE_CHUNK_LEAVES);
      }
    },
    exportState: (): StoreMerkleLogState => ({
      kind: 'store',
      chunkLevels: chunks.levels(),
      fillingLevels: filling.levels(),
    }),
    indexOf,
    async checkpoint(size = treeSize()) {
      checkSize(size);
      const root = await withChunks((hashOf) => (size === 0 ? EMPTY_ROOT : hashOf(0, size)));
      return {
        size: String(size),
        rootHash: hex(root),
        position: String(size),
        algorithm: MERKLE_ALGORITHM,
      };
    },
    async inclusionProof(eventId, size = treeSize()) {
      checkSize(size);
      const index = await indexOf(eventId);
      if (index === undefined) return undefined;
      if (index >= size)
        throw new RangeError(`event ${eventId} is leaf ${index}, not inside a tree of ${size}`);
      return withChunks((hashOf) => ({
        eventId,
        position: String(index + 1),
        leafIndex: String(index),
        treeSize: String(size),
        leafHash: hex(hashOf(index, 1)),
        auditPath: auditPath(hashOf, index, size).map(hex),
        rootHash: hex(hashOf(0, size)),
      }));
    },
    async consistencyProof(from, to = treeSize()) {
      checkSize(to);
      if (!Number.isSafeInteger(from) || from < 1 || from > to)
        throw new RangeError(`no consistency proof from ${from} to ${to}`);
      return withChunks((hashOf) => ({
        from: String(from),
        to: String(to),
        fromRoot: hex(hashOf(0, from)),
        toRoot: hex(hashOf(0, to)),
        proof: consistencyPath(hashOf, from, to).map(hex),
      }));
    },
  };
}
