/**
 * The store-backed Merkle log (src/audit/storeMerkleLog.ts) answers exactly as the memory log
 * that keeps every hash (createMemoryMerkleLog, the log before issue 18): for random logs across
 * several chunks, random event ids (known, unknown, stored but not yet folded) and random sizes,
 * every checkpoint, inclusion proof, consistency proof and error is the same, byte for byte; and
 * the roots and audit paths are RFC 6962's, from a reference tree built here from the leaf data.
 * Also after a snapshot round trip of its state, and a changed row is an error, not a proof.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, leafHash, nodeHash } from '../../src/audit/merkle.ts';
import {
  createMemoryMerkleLog,
  eventLeafData,
  lastPositionOf,
  MERKLE_CHUNK_LEAVES,
  type MerkleLog,
  type StoreMerkleLogState,
} from '../../src/audit/merkleLog.ts';
import {
  createStoreMerkleLog,
  type MerkleLeafSource,
  promising,
} from '../../src/audit/storeMerkleLog.ts';
import { decodeState, encodeState } from '../../src/books/snapshots/stateCodec.ts';
import type { RecordedEvent } from '../../src/store/eventStore.ts';

const RUNS = 40;
/** Enough for a tree over several chunks' roots, and a filling chunk. */
const MAX_EVENTS = 6 * MERKLE_CHUNK_LEAVES + 37;

function event(i: number, seed: number): RecordedEvent {
  return {
    eventId: `event-${seed}-${i}`,
    type: 'Something',
    data: {},
    metadata: {
      commandId: 'c',
      correlationId: 'c',
      actor: { sub: 'a', role: 'admin' },
      recordedAt: '2025-05-01T00:00:00.000Z',
      // Now and then an event stored before tamper evidence: no hash.
      ...(i % 97 === 5 ? {} : { hash: (seed * 31 + i).toString(16).padStart(64, '0') }),
    },
    streamId: `pot-${(i * seed) % 7}`,
    streamRevision: BigInt(i),
    position: BigInt(i + 1),
  };
}

/** A store with positions 1..N: what the log reads chunks and event ids from. */
function storeOf(events: RecordedEvent[]): MerkleLeafSource & { reads: number } {
  const source = {
    reads: 0,
    async readAll(afterPosition: bigint, limit: number) {
      source.reads += 1;
      return events.slice(Number(afterPosition), Number(afterPosition) + limit);
    },
    async positionOfEventId(eventId: string) {
      return events.find((e) => e.eventId === eventId)?.position;
    },
  };
  return source;
}

/** RFC 6962 §2.1 straight from the definitions, over the leaf hashes. */
function splitOf(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function mth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  const k = splitOf(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function referencePath(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length === 1) return [];
  const k = splitOf(leaves.length);
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

/** The answer or the error, as a route would see either. */
async function outcome<T>(answer: () => Promise<T>): Promise<T | { error: string; name: string }> {
  try {
    return await answer();
  } catch (error) {
    return { error: (error as Error).message, name: (error as Error).name };
  }
}

const logCase = fc.record({
  seed: fc.integer({ min: 1, max: 1_000 }),
  folded: fc.integer({ min: 0, max: MAX_EVENTS }),
  /** Events the store holds past what the log has folded. */
  unfolded: fc.integer({ min: 0, max: 3 }),
  /** Fractions of the log, so sizes land anywhere, edges included. */
  picks: fc.array(
    fc.record({
      leaf: fc.double({ min: 0, max: 1.2, noNaN: true }),
      size: fc.double({ min: 0, max: 1.2, noNaN: true }),
      from: fc.double({ min: -0.1, max: 1.2, noNaN: true }),
      known: fc.boolean(),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  /** Whether to restart the store-backed log from its exported state halfway. */
  snapshotAt: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
});

function buildLogs(
  events: RecordedEvent[],
  folded: number,
  snapshotAt: number | null,
): { memory: MerkleLog; stored: MerkleLog } {
  const memory = createMemoryMerkleLog();
  const source = storeOf(events);
  let stored = createStoreMerkleLog(source);
  const restartAt = snapshotAt === null ? -1 : Math.floor(snapshotAt * folded);
  for (let i = 0; i < folded; i++) {
    if (i === restartAt) {
      const state = decodeState(encodeState(stored.exportState())) as StoreMerkleLogState;
      expect(lastPositionOf(state)).toBe(i === 0 ? undefined : BigInt(i));
      stored = createStoreMerkleLog(source, state);
    }
    memory.append(events[i]!);
    stored.append(events[i]!);
  }
  return { memory: promising(memory), stored };
}

describe('the store-backed Merkle log', () => {
  it('answers every checkpoint, proof and error as the memory log does, and as RFC 6962 defines', async () => {
    await fc.assert(
      fc.asyncProperty(logCase, async ({ seed, folded, unfolded, picks, snapshotAt }) => {
        const events = Array.from({ length: folded + unfolded }, (_, i) => event(i, seed));
        const { memory, stored } = buildLogs(events, folded, snapshotAt);
        const leaves = events.slice(0, folded).map((e) => leafHash(eventLeafData(e)));
        expect(stored.size()).toBe(folded);
        expect(await stored.checkpoint()).toEqual(await memory.checkpoint());
        expect((await stored.checkpoint()).rootHash).toBe(mth(leaves).toString('hex'));

        for (const pick of picks) {
          const size = Math.floor(pick.size * folded);
          const from = Math.floor(pick.from * size);
          const leaf = Math.floor(pick.leaf * (folded + unfolded));
          const eventId = pick.known ? (events[leaf]?.eventId ?? 'none') : `stranger-${leaf}`;
          const asks: ((log: MerkleLog) => Promise<unknown>)[] = [
            (log: MerkleLog) => log.checkpoint(size),
            (log: MerkleLog) => log.indexOf(eventId),
            (log: MerkleLog) => log.inclusionProof(eventId, size),
            (log: MerkleLog) => log.inclusionProof(eventId),
            (log: MerkleLog) => log.consistencyProof(from, size),
            (log: MerkleLog) => log.consistencyProof(from),
          ];
          for (const ask of asks) {
            expect(await outcome(() => ask(stored))).toEqual(await outcome(() => ask(memory)));
          }
          const proof = await outcome(() => stored.inclusionProof(eventId, size));
          if (proof !== undefined && !('error' in proof)) {
            const index = Number(proof.leafIndex);
            expect(proof.auditPath).toEqual(
              referencePath(index, leaves.slice(0, size)).map((h) => h.toString('hex')),
            );
            expect(proof.rootHash).toBe(mth(leaves.slice(0, size)).toString('hex'));
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps a quarter of a byte of hashes per event below the chunk it is filling', () => {
    const events = Array.from({ length: 4 * MERKLE_CHUNK_LEAVES + 3 }, (_, i) => event(i, 1));
    const log = createStoreMerkleLog(storeOf(events));
    for (const e of events) log.append(e);
    const state = log.exportState() as StoreMerkleLogState;
    const bytes = (levels: readonly Uint8Array[]) => levels.reduce((n, l) => n + l.length, 0);
    // 4 chunk roots and the 3 nodes above them; the filling chunk's 3 leaves and 1 node.
    expect(bytes(state.chunkLevels)).toBe(7 * 32);
    expect(bytes(state.fillingLevels)).toBe(4 * 32);
  });

  it('reads a chunk once for repeated proofs into it, and refuses a stored event that changed', async () => {
    const events = Array.from({ length: 3 * MERKLE_CHUNK_LEAVES + 10 }, (_, i) => event(i, 2));
    const source = storeOf(events);
    const log = createStoreMerkleLog(source);
    for (const e of events) log.append(e);
    // The chunks completed while folding are cached: no read yet.
    await log.inclusionProof(events[5]!.eventId);
    expect(source.reads).toBe(0);

    const restarted = createStoreMerkleLog(source, log.exportState() as StoreMerkleLogState);
    await restarted.inclusionProof(events[5]!.eventId);
    await restarted.inclusionProof(events[6]!.eventId);
    await restarted.checkpoint(2 * MERKLE_CHUNK_LEAVES);
    expect(source.reads).toBe(1);
    await restarted.checkpoint(2 * MERKLE_CHUNK_LEAVES + 1);
    expect(source.reads).toBe(2);

    events[4] = { ...events[4]!, streamId: 'forged' };
    await expect(
      createStoreMerkleLog(source, log.exportState() as StoreMerkleLogState).inclusionProof(
        events[1]!.eventId,
      ),
    ).rejects.toMatchObject({
      name: 'LedgerError',
      code: 'LOG_INTEGRITY_FAILED',
      message: expect.stringMatching(/no longer hash to the Merkle log folded from them/),
    });
  });

  it('refuses an event that is not the next position', () => {
    const log = createStoreMerkleLog(storeOf([]));
    log.append(event(0, 3));
    expect(() => log.append(event(2, 3))).toThrow(/invariant/);
    expect(() => log.append(event(0, 3))).toThrow(/invariant/);
  });
});
