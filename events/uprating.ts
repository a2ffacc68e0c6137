/**
 * Uprating: restating a figure in another year's prices with a GDP-deflator index, as HM
 * Treasury's Green Book asks before figures from different years are added together.
 *
 *   uprated = amount × index(toYear) ÷ index(fromYear), rounded half-up to the penny
 *
 * A split is uprated by uprating its total and splitting that by largest remainder in the
 * proportions of the original parts, so the uprated parts still sum to the uprated total.
 */
import { z } from 'zod';
import { formatAmount, money, parseAmount, splitLargestRemainder } from './money.ts';
import { scaleToPence } from './moneyScaling.ts';
import { FinancialYear, MAX_REFERENCE_CHARS, storedText } from './primitives.ts';

/** Years a shipped series may cover; far more than any deflator table publishes. */
export const MAX_DEFLATOR_YEARS = 200;
const INDEX_PATTERN = /^[1-9][0-9]{0,3}(\.[0-9]{1,3})?$/;

export const DeflatorSeries = z.strictObject({
  name: storedText(MAX_REFERENCE_CHARS),
  source: storedText(1_000, { multiline: true }),
  /** The financial year whose index is 100. */
  referenceYear: FinancialYear,
  /** Financial year → index, as decimal strings ("78.2"). */
  index: z
    .record(
      FinancialYear,
      z.string().regex(INDEX_PATTERN, { message: 'must be a positive index like "78.2"' }),
    )
    .refine(
      (index) => Object.keys(index).length > 0 && Object.keys(index).length <= MAX_DEFLATOR_YEARS,
      {
        message: `must give between 1 and ${MAX_DEFLATOR_YEARS} years`,
      },
    ),
  notes: storedText(2_000, { multiline: true }).optional(),
});
export type DeflatorSeries = z.infer<typeof DeflatorSeries>;

export class UnknownPriceYearError extends Error {
  constructor(readonly financialYear: string) {
    super(`the deflator series has no index for ${financialYear}`);
  }
}

function indexOf(series: Pick<DeflatorSeries, 'index'>, financialYear: string): string {
  const value = series.index[financialYear];
  if (value === undefined) throw new UnknownPriceYearError(financialYear);
  return value;
}

/** `amount` (a 2-dp string in fromYear's prices) in toYear's prices, rounded half-up to the penny. */
export function uprate(
  amount: string,
  fromYear: string,
  toYear: string,
  series: Pick<DeflatorSeries, 'index'>,
): string {
  const from = indexOf(series, fromYear);
  const to = indexOf(series, toYear);
  if (fromYear === toYear) return formatAmount(parseAmount(amount));
  return formatAmount(scaleToPence(parseAmount(amount), to, from));
}

/**
 * Uprates a total and its parts together: the total by `uprate`, the parts by largest remainder
 * in the original proportions (ties: key ascending), so they sum to the uprated total exactly.
 */
export function uprateSplit<K extends string>(
  total: string,
  parts: readonly { key: K; amount: string }[],
  fromYear: string,
  toYear: string,
  series: Pick<DeflatorSeries, 'index'>,
): { total: string; parts: { key: K; amount: string }[] } {
  const upratedTotal = uprate(total, fromYear, toYear, series);
  const split = splitLargestRemainder(
    money(upratedTotal),
    parts.map((p) => ({ key: p.key, weight: parseAmount(p.amount) })),
  );
  return {
    total: upratedTotal,
    parts: split.map((p) => ({ key: p.key, amount: formatAmount(p.amount) })),
  };
}
