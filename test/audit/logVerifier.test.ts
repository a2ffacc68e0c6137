/**
 * The log verifier on its own: gaps in positions are a deleted event only where the store
 * numbers positions 1, 2, 3… (SQLite, PostgreSQL); EventStoreDB's gappy positions pass, but
 * any position that goes backwards, a stream revision skipped, or a broken link fails.
 */
import { describe, expect, it } from 'vitest';
import { chainedMetadata, GENESIS_HASH } from '../../src/audit/eventHash.ts';
import { logChainEventHash, logChainHash } from '../../src/audit/logChain.ts';
import { createLogVerifier, describeFailure } from '../../src/audit/logVerifier.ts';
import type { RecordedEvent } from '../../src/store/eventStore.ts';

/** Two streams interleaved, hashed and linked as the write path does it, at the given positions. */
function chainedLog(positions: readonly bigint[]): RecordedEvent[] {
  const tips = new Map<string, { revision: bigint; hash: string }>();
  return positions.map((position, i) => {
    const streamId = i % 2 === 0 ? 'pot-a' : 'agency-b';
    const tip = tips.get(streamId);
    const streamRevision = tip === undefined ? 0n : tip.revision + 1n;
    const base = {
      streamId,
      streamRevision,
      eventId: `event-${i}`,
      type: 'Something',
      data: { n: i },
    };
    const metadata = chainedMetadata(
      {
        ...base,
        metadata: {
          commandId: `c${i}`,
          correlationId: `c${i}`,
          actor: { sub: 'a', role: 'admin' },
          recordedAt: '2025-05-01T00:00:00.000Z',
        },
      },
      tip?.hash ?? GENESIS_HASH,
    );
    tips.set(streamId, { revision: streamRevision, hash: metadata.hash });
    return { ...base, position, metadata };
  });
}

/** The log as a chained store returns it: each event with the log chain over the ones before it. */
function withLogChain(events: readonly RecordedEvent[]): RecordedEvent[] {
  let previous: string | undefined;
  return events.map((event) => {
    previous = logChainHash(previous, event.position, logChainEventHash(event.metadata));
    return { ...event, logHash: previous };
  });
}

function firstFailure(
  events: readonly RecordedEvent[],
  positionsContiguous: boolean,
  logChained = false,
) {
  const verifier = createLogVerifier({ positionsContiguous, logChained });
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
    expect(describeFailure(failure!)).toBe(
      'FAILED at position 3: no event at position 3..4: the log goes from position 2 to 5, so an event was deleted',
    );
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
    const relinked = chainedMetadata(
      { ...first!, metadata: { ...first!.metadata, hash: undefined } },
      'a'.repeat(64),
    );
    expect(firstFailure([{ ...first!, metadata: relinked }], true)).toMatchObject({
      position: 1n,
      reason: expect.stringMatching(/genesis/),
    });
  });

  describe('with the log chain (SQLite, PostgreSQL)', () => {
    it('accepts a sound chained log', () => {
      expect(firstFailure(withLogChain(chainedLog([1n, 2n, 3n, 4n, 5n])), true, true)).toBeNull();
    });

    it('two events of different streams swapped (positions kept) fail at the first of them', () => {
      const log = withLogChain(chainedLog([1n, 2n, 3n, 4n, 5n]));
      // Content swapped, log hashes left in place; then with the log hashes swapped too.
      const swapped = [
        log[0]!,
        { ...log[2]!, position: 2n, logHash: log[1]!.logHash },
        { ...log[1]!, position: 3n, logHash: log[2]!.logHash },
        log[3]!,
      ];
      expect(firstFailure(swapped, true, true)).toMatchObject({
        position: 2n,
        streamId: 'pot-a',
        reason: expect.stringMatching(/the log chain breaks here/),
      });
      const swappedWithLogHash = [
        log[0]!,
        { ...log[2]!, position: 2n },
        { ...log[1]!, position: 3n },
        log[3]!,
      ];
      expect(firstFailure(swappedWithLogHash, true, true)).toMatchObject({
        position: 2n,
        reason: expect.stringMatching(/the log chain breaks here/),
      });
      // Without the log chain nothing tells: each stream's own order is intact.
      expect(firstFailure(swapped, true, false)).toBeNull();
    });

    it('an event deleted and the later positions renumbered fails at the deleted position', () => {
      const log = withLogChain(chainedLog([1n, 2n, 3n, 4n, 5n, 6n]));
      // Drop position 3 (pot-a revision 1) and position 5 with it, so each stream stays whole.
      const renumbered = [
        log[0]!,
        log[1]!,
        { ...log[3]!, position: 3n },
        { ...log[5]!, position: 4n },
      ];
      expect(firstFailure(renumbered, true, false)).toBeNull();
      const failure = firstFailure(renumbered, true, true);
      expect(describeFailure(failure!)).toBe(
        'FAILED at position 3 (agency-b, revision 1): the log chain breaks here: an event before or at this position was removed, inserted or moved',
      );
    });

    it('an event without a log hash (stored before the log chain) fails, as one without a hash does', () => {
      const log = chainedLog([1n, 2n, 3n]);
      const legacyFirst = [log[0]!, ...withLogChain(log).slice(1)];
      expect(firstFailure(legacyFirst, true, true)).toMatchObject({
        position: 1n,
        reason: expect.stringMatching(/no log hash/),
      });
    });
  });
});
