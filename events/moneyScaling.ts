/**
 * Money times a ratio, rounded to the penny: the one rounding rule for valuing a quantity of
 * units (12.5 × £109.00) and for uprating a figure to another year's prices (× index ratio).
 *
 * Rule: the exact product is computed in decimal (40 significant digits, no binary floats)
 * and rounded once, to the nearest penny, halves away from zero (ROUND_HALF_UP), as a finance
 * officer rounds by hand. Splits of the rounded figure then go through splitLargestRemainder,
 * so the parts still sum to it exactly.
 */
import { Decimal } from 'decimal.js';
import { money, type Money } from './money.ts';

/** amount × numerator ÷ denominator, rounded half-up to whole pence. The ratio must be positive. */
export function scaleToPence(
  amount: Money,
  numerator: string | Money,
  denominator: string | Money = '1',
): Money {
  const top = money(numerator.toString());
  const bottom = money(denominator.toString());
  if (!top.gt(0) || !bottom.gt(0))
    throw new Error(
      `invariant: scaling by a non-positive ratio ${top.toString()}/${bottom.toString()}`,
    );
  return amount.times(top).dividedBy(bottom).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}
