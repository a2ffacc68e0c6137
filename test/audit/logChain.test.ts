/**
 * The log chain function on its own (src/audit/logChain.ts): a known vector computed here by
 * hand with node:crypto, the genesis for a first (or unchained) previous row, and '' for an
 * event without a hash.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LOG_GENESIS_HASH, logChainEventHash, logChainHash } from '../../src/audit/logChain.ts';

const sha256 = (text: string) =>
  createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

describe('log chain', () => {
  const eventHash = 'ab'.repeat(32);

  it('is SHA-256 over previous, "\\n", the decimal position, "\\n", the event hash', () => {
    const previous = '12'.repeat(32);
    expect(logChainHash(previous, 12n, eventHash)).toBe(sha256(`${previous}\n12\n${eventHash}`));
    expect(logChainHash(previous, 12n, eventHash)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('starts from 64 zeros at position 1, and after a row that keeps no log hash', () => {
    expect(LOG_GENESIS_HASH).toBe('0'.repeat(64));
    const first = sha256(`${'0'.repeat(64)}\n1\n${eventHash}`);
    expect(logChainHash(undefined, 1n, eventHash)).toBe(first);
    expect(logChainHash(null, 1n, eventHash)).toBe(first);
  });

  it('depends on the position and on the previous value, so moving an event changes it', () => {
    const at1 = logChainHash(undefined, 1n, eventHash);
    expect(logChainHash(undefined, 2n, eventHash)).not.toBe(at1);
    expect(logChainHash(at1, 2n, eventHash)).not.toBe(logChainHash(undefined, 2n, eventHash));
    // Positions are written without leading zeros or separators, well past 2^53.
    expect(logChainHash(at1, 9_007_199_254_740_993n, '')).toBe(
      sha256(`${at1}\n9007199254740993\n`),
    );
  });

  it("covers the event's metadata.hash, or the empty string when there is none", () => {
    expect(logChainEventHash({ hash: eventHash })).toBe(eventHash);
    expect(logChainEventHash({})).toBe('');
    expect(logChainEventHash({ hash: 42 })).toBe('');
    expect(logChainHash(undefined, 1n, '')).toBe(sha256(`${'0'.repeat(64)}\n1\n`));
  });
});
