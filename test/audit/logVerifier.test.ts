/**
 * The log verifier on its own: gaps in positions are a deleted event only where the store
 * numbers positions 1, 2, 3… (SQLite, PostgreSQL); EventStoreDB's gappy positions pass, but
 * any position that goes backwards, a stream revision skipped, or a broken link fails.
 */
import { describe, expect, it } from 'vitest';
import { chainedMetadata, GENESIS_HASH } from '../../src/audit/eventHash.ts';
import { createLogVerifier, describeFailure } from '../../src/audit/logVerifier.ts';
import type { RecordedEvent } from '../../src/store/eventStore.ts';

/** Two streams interleaved, hashed and linked as the write path does it, at the given positions. */
function chainedLog(positions: readonly bigint[]): RecordedEvent[] {
  const tips = new Map<string, { revision: bigint; hash: string }>();
  return positions.map((position, i) => {
    const streamId = i % 2 === 0 ? 'pot-a' : 'agency-b';
    const tip = tips.get(streamId);
    const streamRevision = tip === undefined ? 0n : tip.revision + 1n;
    const base = { streamId, streamRevision, eventId: `event-${i}`, type: 'Something', data: { n: i } };
    const metadata = chainedMetadata({ ...base, metadata: { commandId: `c${i}`, correlationId: `c${i}`, actor: { sub: 'a', role: 'admin' }, recordedAt: '2025-05-01T00:00:00.000Z' } }, tip?.hash ?? GENESIS_HASH);
    tips.set(streamId, { revision: streamRevision, hash: metadata.hash });
    return { ...base, position, metadata };
  });
}

function firstFailure(events: readonly RecordedEvent[], positionsContiguous: boolean) {
  const verifier = createLogVerifier({ positionsContiguous, logChained: false });
  for (const event of events) {
    const failure = verifier.check(event);
    if (failure !== null) return failure;
  }
  return null;
}

describe('log verifier', () => {
  it('accepts a sound log, contiguous or (for EventStoreDB) with gaps', () => {
    expect(firstFailure(chainedLog([1n, 2n, 3n, 4n, 5n]), true)).toBeNull();
    expect(firstFailure(chainedLog([120n, 380n, 9_000n, 9_211n]), false)).toBeNull();
  });

  it('a gap is a deleted event where positions are contiguous, and reported at the first missing position', () => {
    const failure = firstFailure(chainedLog([1n, 2n, 5n, 6n]), true);
    expect(failure).toMatchObject({ position: 3n });
    expect(describeFailure(failure!)).toBe('FAILED at position 3: no event at position 3..4: the log goes from position 2 to 5, so an event was deleted');
  });

  it('a position that does not increase fails on any store', () => {
    const log = chainedLog([10n, 20n, 30n]);
    const swapped = [log[0]!, { ...log[1]!, position: 5n }, log[2]!];
    expect(firstFailure(swapped, false)).toMatchObject({ position: 5n, streamId: 'agency-b' });
  });

  it('a stream whose revision skips fails with the stream and revision named', () => {
    const log = chainedLog([1n, 2n, 3n, 4n, 5n]);
    // Drop pot-a revision 1 (position 3) and renumber positions so only the stream shows the hole.
    const holed = [log[0]!, log[1]!, { ...log[3]!, position: 3n }, { ...log[4]!, position: 4n }];
    const failure = firstFailure(holed, true);
    expect(describeFailure(failure!)).toBe(
      "FAILED at position 4 (pot-a, revision 2): the stream's previous event in the log is revision 0, so this should be revision 1: events of the stream are missing or reordered",
    );
  });

  it('a first event whose previousHash is not the genesis value fails', () => {
    const [first] = chainedLog([1n]);
    const relinked = chainedMetadata({ ...first!, metadata: { ...first!.metadata, hash: undefined } }, 'a'.repeat(64));
    expect(firstFailure([{ ...first!, metadata: relinked }], true)).toMatchObject({ position: 1n, reason: expect.stringMatching(/genesis/) });
  });
});
