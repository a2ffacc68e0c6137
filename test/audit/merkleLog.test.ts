/**
 * The ledger's Merkle log: leaf index ↔ event through log order, never "position − 1", so the
 * gappy positions of EventStoreDB give the same proofs as contiguous ones; past the first growth
 * of its storage (1,024 events) too.
 */
import { describe, expect, it } from 'vitest';
import { verifyConsistency, verifyInclusion } from '../../src/audit/merkle.ts';
import { createMemoryMerkleLog } from '../../src/audit/merkleLog.ts';
import type { RecordedEvent } from '../../src/store/eventStore.ts';

const EVENTS = 3_000;
const unhex = (s: string) => Buffer.from(s, 'hex');

function event(i: number, position: bigint): RecordedEvent {
  return {
    eventId: `event-${i}`,
    type: 'Something',
    data: {},
    metadata: {
      commandId: 'c',
      correlationId: 'c',
      actor: { sub: 'a', role: 'admin' },
      recordedAt: '2025-05-01T00:00:00.000Z',
      hash: 'ab'.repeat(32),
    },
    streamId: 'pot-a',
    streamRevision: BigInt(i),
    position,
  };
}

describe('Merkle log', () => {
  it('maps leaf index to position through log order, with gaps, beyond its first growth', () => {
    const log = createMemoryMerkleLog();
    const positionOf = (i: number) => BigInt(i) * 7n + 3n;
    for (let i = 0; i < EVENTS; i++) log.append(event(i, positionOf(i)));

    expect(log.checkpoint(0)).toMatchObject({ size: '0', position: '0' });
    expect(log.checkpoint(2_500)).toMatchObject({
      size: '2500',
      position: String(positionOf(2_499)),
    });
    const whole = log.checkpoint();
    expect(whole).toMatchObject({ size: String(EVENTS), position: String(positionOf(EVENTS - 1)) });

    const proof = log.inclusionProof('event-2047', 2_048)!;
    expect(proof).toMatchObject({
      leafIndex: '2047',
      position: String(positionOf(2_047)),
      treeSize: '2048',
    });
    expect(
      verifyInclusion(
        2047n,
        2048n,
        unhex(proof.leafHash),
        proof.auditPath.map(unhex),
        unhex(log.checkpoint(2_048).rootHash),
      ),
    ).toBe(true);

    const consistency = log.consistencyProof(1_025);
    expect(
      verifyConsistency(
        1025n,
        BigInt(EVENTS),
        unhex(consistency.fromRoot),
        unhex(whole.rootHash),
        consistency.proof.map(unhex),
      ),
    ).toBe(true);
  });

  it('refuses an event that does not come after the last one, unknown events and sizes beyond the log', () => {
    const log = createMemoryMerkleLog();
    log.append(event(0, 5n));
    expect(() => log.append(event(1, 5n))).toThrow(/invariant/);
    expect(log.inclusionProof('nope')).toBeUndefined();
    expect(() => log.checkpoint(2)).toThrow(RangeError);
    expect(() => log.consistencyProof(1, 2)).toThrow(RangeError);
  });
});
