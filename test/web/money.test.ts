/**
 * The dashboard's amounts: formatted exactly from the API's decimal strings (never through a
 * float), and typed amounts checked with the ledger's own rule.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountProblem, formatAmount, MAX_AMOUNT, money } from '../../events/money.ts';
import {
  amountInputProblem,
  formatGbp,
  formatReturnPerPound,
  formatShare,
  normaliseTypedAmount,
} from '../../web/src/money.ts';

const pence = fc.bigInt({ min: 1n, max: 100_000_000_000_000n });
const asAmount = (p: bigint) => `${p / 100n}.${String(p % 100n).padStart(2, '0')}`;

describe('formatGbp', () => {
  it('formats £1,234.50 style, negatives and the largest amount', () => {
    expect(formatGbp('1234.5')).toBe('£1,234.50');
    expect(formatGbp('0.00')).toBe('£0.00');
    expect(formatGbp('-20.00')).toBe('-£20.00');
    expect(formatGbp(MAX_AMOUNT)).toBe('£1,000,000,000,000.00');
  });

  it('property: every amount up to the maximum reads back as exactly the same pence (no float rounding)', () => {
    fc.assert(
      fc.property(pence, (p) => {
        const text = asAmount(p);
        const shown = formatGbp(text);
        expect(shown).toMatch(/^£\d{1,3}(,\d{3})*\.\d{2}$/);
        expect(shown.replace('£', '').replaceAll(',', '')).toBe(formatAmount(money(text)));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('amountInputProblem', () => {
  it('accepts what the ledger accepts, allowing a £ sign, thousands commas and spaces around it', () => {
    for (const ok of ['1', '1234.50', '0.01', '£1,234.50', ' 12.3 ', MAX_AMOUNT])
      expect(amountInputProblem(ok), ok).toBeNull();
    expect(normaliseTypedAmount('£1,234.50 ')).toBe('1234.50');
  });

  it('refuses, in plain words, what the ledger refuses', () => {
    expect(amountInputProblem('')).toMatch(/^Enter an amount/);
    expect(amountInputProblem('12.345')).toMatch(/at most two decimal places/);
    expect(amountInputProblem('1e5')).toMatch(/at most two decimal places/);
    expect(amountInputProblem('-5')).toMatch(/at most two decimal places/);
    expect(amountInputProblem('0.00')).toBe('The amount must be more than £0.00.');
    expect(amountInputProblem('1000000000000.01')).toBe(
      'The amount must be at most £1,000,000,000,000.00.',
    );
  });

  it('property: the form accepts an amount exactly when the server would', () => {
    fc.assert(
      fc.property(
        fc.oneof(pence.map(asAmount), fc.stringMatching(/^-?[0-9]{0,15}(\.[0-9]{0,3})?$/)),
        (text) => {
          expect(amountInputProblem(text) === null).toBe(amountProblem(text) === null);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('ratios', () => {
  it('return per £1 in pounds and the wrong-pocket share as a percentage; null reads as a dash', () => {
    expect(formatReturnPerPound('0.6100')).toBe('£0.61');
    expect(formatReturnPerPound('12.3456')).toBe('£12.35');
    expect(formatReturnPerPound(null)).toBe('—');
    expect(formatShare('0.8361')).toBe('83.6%');
    expect(formatShare('1.0000')).toBe('100.0%');
    expect(formatShare(null)).toBe('—');
  });
});
