/**
 * formatShares (events/money.ts): shares of a whole, to 4 decimal places, that print summing to
 * exactly 1 — the statement's shareOfClosingBalance and shareOfContributions. Checked against
 * bigint arithmetic in ten-thousandths, never against itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatShares, fromPence, type Weighted } from '../../events/money.ts';

const UNITS = 10_000n;

/** "0.3334" → 3334n, parsed by hand. */
function tenThousandths(share: string): bigint {
  const match = /^(-?)(\d+)\.(\d{4})$/.exec(share);
  if (match === null) throw new Error(`not a 4-dp share: ${share}`);
  const value = BigInt(match[2]!) * UNITS + BigInt(match[3]!);
  return match[1] === '-' ? -value : value;
}

const weightsOf = (pence: readonly bigint[]): Weighted[] =>
  pence.map((p, i) => ({ key: `agency-${String(i).padStart(2, '0')}`, weight: fromPence(p) }));

describe('formatShares', () => {
  it('thirds print 0.3334 / 0.3333 / 0.3333, not three 0.3333 summing to 0.9999', () => {
    const shares = formatShares(weightsOf([100n, 100n, 100n]));
    expect([...shares.values()]).toEqual(['0.3334', '0.3333', '0.3333']);
  });

  it('sixths print four 0.1667 and two 0.1666, not six 0.1667 summing to 1.0002', () => {
    const shares = formatShares(weightsOf([5n, 5n, 5n, 5n, 5n, 5n]));
    expect([...shares.values()]).toEqual([
      '0.1667',
      '0.1667',
      '0.1667',
      '0.1667',
      '0.1666',
      '0.1666',
    ]);
  });

  it('non-negative weights with a positive sum give shares summing to exactly 1, each within one ten-thousandth of its exact value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 12 }),
        (pence) => {
          const total = pence.reduce((a, b) => a + b, 0n);
          fc.pre(total > 0n);
          const shares = [...formatShares(weightsOf(pence)).values()].map((s) =>
            tenThousandths(s!),
          );
          expect(shares.reduce((a, b) => a + b, 0n)).toBe(UNITS);
          pence.forEach((p, i) => {
            // floor(exact) ≤ share ≤ floor(exact) + 1, in ten-thousandths.
            const floor = (p * UNITS) / total;
            expect(shares[i]! - floor >= 0n && shares[i]! - floor <= 1n).toBe(true);
            if (p === 0n) expect(shares[i]).toBe(0n);
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('all null when the weights sum to zero; rounded one by one when a weight is negative', () => {
    expect([...formatShares(weightsOf([0n, 0n])).values()]).toEqual([null, null]);
    expect([...formatShares(weightsOf([300n, -100n])).values()]).toEqual(['1.5000', '-0.5000']);
  });
});
