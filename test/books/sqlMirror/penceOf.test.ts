/** The writer's pence twin of an amount: penceOf must agree with toPence(money(text)) for every amount text. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, fromPence, money, toPence } from '../../../events/money.ts';
import { penceOf } from '../../../src/books/sqlMirror/sqlTarget.ts';

describe('penceOf', () => {
  it('equals toPence(money(text)) for every 2-dp amount, and for other decimal spellings', () => {
    const amounts = fc.oneof(
      fc
        .bigInt({ min: -(10n ** 17n), max: 10n ** 17n })
        .map((pence) => formatAmount(fromPence(pence))),
      fc.constantFrom(
        '0.00',
        '-0.00',
        '0',
        '12',
        '12.5',
        '-12.50',
        '0012.30',
        '1e3',
        '999999999999999.99',
        '1000000000000000.00',
      ),
    );
    fc.assert(
      fc.property(amounts, (text) => {
        expect(penceOf(text)).toBe(toPence(money(text)));
      }),
      { numRuns: 2_000 },
    );
  });
});
