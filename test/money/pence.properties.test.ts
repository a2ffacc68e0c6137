/**
 * Whole pence for the folds (events/money.ts): parsePence reads every amount string an event
 * can carry to the same value decimal.js reads, formatPence writes the same string formatAmount
 * writes, and sums in pence equal sums of Decimals — so moving a fold from Decimal to pence can
 * neither create nor lose a penny, nor change a byte of what it shows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AMOUNT_PATTERN,
  formatAmount,
  formatPence,
  formatPounds,
  formatPoundsFromPence,
  fromPence,
  isValidAmount,
  MAX_AMOUNT,
  money,
  parsePence,
  parsePenceText,
  SIGNED_AMOUNT_PATTERN,
  sum,
  sumPence,
  toPence,
} from '../../events/money.ts';

const MAX_AMOUNT_PENCE = toPence(money(MAX_AMOUNT));

/** Any amount as a caller may write it: no, one or two decimal places, up to MAX_AMOUNT. */
const amountText = fc
  .tuple(fc.bigInt(0n, MAX_AMOUNT_PENCE), fc.constantFrom(0, 1, 2))
  .filter(([pence, places]) =>
    places === 0 ? pence % 100n === 0n : places === 1 ? pence % 10n === 0n : true,
  )
  .map(([pence, places]) =>
    formatAmount(fromPence(pence)).slice(0, places === 0 ? -3 : places === 1 ? -1 : undefined),
  );

/** A signed figure as the ledger writes one (net positions, stakes after a settlement). */
const signedFigureText = fc
  .bigInt(-(10n ** 20n), 10n ** 20n)
  .map((p) => formatAmount(fromPence(p)));

/** Sums far past 2^53 pence, which is where a JS number would stop counting. */
const anyPence = fc.bigInt(-(10n ** 30n), 10n ** 30n);

describe('parsePence', () => {
  it('reads every amount a caller may send as decimal.js does', () => {
    fc.assert(
      fc.property(amountText, (text) => {
        expect(AMOUNT_PATTERN.test(text)).toBe(true);
        expect(parsePence(text)).toBe(toPence(money(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads every signed figure the ledger writes as decimal.js does', () => {
    fc.assert(
      fc.property(signedFigureText, (text) => {
        expect(SIGNED_AMOUNT_PATTERN.test(text)).toBe(true);
        expect(parsePence(text)).toBe(toPence(money(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the edges: zero, a penny, ten pence, MAX_AMOUNT, negatives, leading zeros', () => {
    expect(parsePence('0')).toBe(0n);
    expect(parsePence('0.00')).toBe(0n);
    expect(parsePence('-0.00')).toBe(0n);
    expect(parsePence('0.01')).toBe(1n);
    expect(parsePence('0.1')).toBe(10n);
    expect(parsePence('12')).toBe(1200n);
    expect(parsePence('-12.05')).toBe(-1205n);
    // potControls' allocatedInWindow allows leading zeros; decimal.js reads them too.
    expect(parsePence('007.50')).toBe(750n);
    expect(parsePence(MAX_AMOUNT)).toBe(100_000_000_000_000n);
  });

  it("refuses what is not whole pence in the ledger's notation instead of guessing", () => {
    for (const text of [
      '',
      '1.',
      '.5',
      '+1',
      '-',
      '1.234',
      '1e3',
      ' 1',
      '1 ',
      '1,000',
      '--1',
      'NaN',
    ])
      expect(() => parsePence(text), text).toThrow(/not an amount in pence/);
  });

  it('any string it reads, decimal.js reads to the same pence; it refuses only invalid amounts', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^-?[0-9]{0,4}(\.[0-9]{0,3})?$/), (text) => {
        let pence: bigint;
        try {
          pence = parsePence(text);
        } catch {
          expect(isValidAmount(text)).toBe(false);
          return;
        }
        expect(pence).toBe(toPence(money(text)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parsePence reading characters (the fast way) against the pattern (the old way)', () => {
  /** Near misses as well as amounts: signs, long figures past 2^53 pence, stray characters. */
  const nearAmount = fc.oneof(
    fc.stringMatching(/^[-+ ]?[0-9]{0,18}([.,][0-9]{0,3})?$/),
    fc.stringMatching(/^-?[0-9\u0660]{1,16}(\.[0-9a:/ ]{0,3})?[ e]?$/),
    fc.string({ maxLength: 8 }),
  );

  it('reads every string to the same pence as the pattern, or refuses it as the pattern does', () => {
    fc.assert(
      fc.property(nearAmount, (text) => {
        let expected: bigint | 'refused';
        try {
          expected = parsePenceText(text);
        } catch {
          expected = 'refused';
        }
        if (expected === 'refused')
          expect(() => parsePence(text)).toThrow(/not an amount in pence/);
        else expect(parsePence(text)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('stays exact where a JS number would not: 13, 14 and 20 digits of pounds', () => {
    for (const text of ['9999999999999.99', '99999999999999.99', '-12345678901234567890.01'])
      expect(parsePence(text)).toBe(parsePenceText(text));
    expect(parsePence('99999999999999.99')).toBe(9999999999999999n);
  });
});

describe('formatPence', () => {
  it('writes the string formatAmount writes, at any size and sign', () => {
    fc.assert(
      fc.property(anyPence, (pence) => {
        expect(formatPence(pence)).toBe(formatAmount(fromPence(pence)));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes what parsePence reads back', () => {
    fc.assert(
      fc.property(anyPence, (pence) => {
        expect(parsePence(formatPence(pence))).toBe(pence);
      }),
    );
  });

  it('writes pounds for people as formatPounds does', () => {
    fc.assert(
      fc.property(anyPence, (pence) => {
        expect(formatPoundsFromPence(pence)).toBe(formatPounds(fromPence(pence)));
      }),
      { numRuns: 2000 },
    );
    expect(formatPoundsFromPence(-123456789n)).toBe('-£1,234,567.89');
  });

  it('writes the small and negative values with their leading zero', () => {
    expect(formatPence(0n)).toBe('0.00');
    expect(formatPence(5n)).toBe('0.05');
    expect(formatPence(-5n)).toBe('-0.05');
    expect(formatPence(-100n)).toBe('-1.00');
    expect(formatPence(123450n)).toBe('1234.50');
  });
});

describe('sumPence', () => {
  it('adds amounts to the penny decimal.js adds them to, past 2^53 pence', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(amountText, signedFigureText), { maxLength: 200 }), (texts) => {
        const inPence = sumPence(texts.map(parsePence));
        expect(formatPence(inPence)).toBe(formatAmount(sum(texts.map((t) => money(t)))));
      }),
      { numRuns: 500 },
    );
  });
});
