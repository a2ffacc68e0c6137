/**
 * Money: the one module that parses, formats, adds and splits amounts.
 *
 * Amounts travel as decimal strings ("1234.50") and are Decimal inside, except in the folds
 * (projections/), which add whole pence as bigint (`Pence`, issue 18). Nothing else in
 * potledger does money arithmetic its own way: a penny created or lost anywhere would make
 * the books unexplainable to an auditor.
 */
import { Decimal } from 'decimal.js';

// decimal.js defaults (20 significant digits) would silently round sums past 10^18 pence;
// 40 digits covers any sum of MAX_AMOUNT-sized lines the ledger could ever hold.
const Money = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -40,
  toExpPos: 40,
});
export type Money = Decimal;

export const ZERO: Money = new Money(0);
export const MAX_AMOUNT = '1000000000000.00';
const MAX_AMOUNT_DECIMAL = new Money(MAX_AMOUNT);
export const PENCE_PER_POUND = 100;

/** Positive, at most 2 decimal places, no exponent, no sign, no leading zeros. */
export const AMOUNT_PATTERN = /^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$/;
/** A signed amount as projections report it (net positions can be negative). */
export const SIGNED_AMOUNT_PATTERN = /^-?(0|[1-9][0-9]*)\.[0-9]{2}$/;

export type AmountProblem = 'not-a-decimal' | 'not-positive' | 'too-large';

/** Why `text` is not a valid amount, or null when it is one. */
export function amountProblem(text: string): AmountProblem | null {
  if (!AMOUNT_PATTERN.test(text)) return 'not-a-decimal';
  const value = new Money(text);
  if (value.lte(0)) return 'not-positive';
  if (value.gt(MAX_AMOUNT_DECIMAL)) return 'too-large';
  return null;
}

export function isValidAmount(text: string): boolean {
  return amountProblem(text) === null;
}

/** Parses an amount already validated at the boundary; throws on anything else. */
export function parseAmount(text: string): Money {
  const problem = amountProblem(text);
  if (problem !== null) throw new Error(`invalid amount ${JSON.stringify(text)}: ${problem}`);
  return new Money(text);
}

/** Reads a 2-dp string written by the ledger itself (may be zero or negative). */
export function money(text: string | number): Money {
  return new Money(text);
}

/** The wire format: always exactly two decimal places, never an exponent. */
export function formatAmount(value: Money): string {
  assertWholePence(value);
  return value.toFixed(2);
}

export function sum(values: Iterable<Money>): Money {
  let total = ZERO;
  for (const value of values) total = total.plus(value);
  return total;
}

export function toPence(value: Money): bigint {
  assertWholePence(value);
  return BigInt(value.times(PENCE_PER_POUND).toFixed(0));
}

export function fromPence(pence: bigint): Money {
  return new Money(pence.toString()).dividedBy(PENCE_PER_POUND);
}

function assertWholePence(value: Money): void {
  if (!value.times(PENCE_PER_POUND).isInteger()) {
    throw new Error(`invariant: ${value.toString()} is not a whole number of pence`);
  }
}

// ---- whole pence for the folds (issue 18) -----------------------------------------------
// The projections add one amount per event, millions of times in a replay; a Decimal per
// addition was a fifth of the replay's CPU and much of its garbage. Every amount an event
// carries is whole pence, so the folds keep bigint pence: exact at any size (a JS number stops
// counting at 2^53 pence, about £90 trillion, which a sum of £1 trillion lines can pass) and
// formatted back to the same 2-dp string formatAmount writes.

/** An exact amount in whole pence, any sign. */
export type Pence = bigint;

/**
 * The strings an event's amounts can be: a validated amount, a signed figure the ledger wrote,
 * or a figure whose schema allows leading zeros (potControls' allocatedInWindow).
 */
const PENCE_TEXT_PATTERN = /^(-?)([0-9]+)(?:\.([0-9])([0-9])?)?$/;

/**
 * Reads an amount from an event ("1234.5", "-12.00", "0") as whole pence, without decimal.js:
 * the same value as toPence(money(text)) for every string either may read. Anything else (an
 * exponent, a third decimal place, a stray character) throws: the fold stops rather than guess.
 *
 * Every projection reads the amounts of every event it folds, so this runs several times per
 * event in a replay: the digits are read one character at a time into a number (exact below
 * MAX_FAST_POUNDS_DIGITS), with no match array, no string built and no BigInt parse. Anything
 * the fast reading does not take goes through PENCE_TEXT_PATTERN, which decides.
 */
export function parsePence(text: string): Pence {
  if (typeof text !== 'string') return parsePenceText(text);
  const length = text.length;
  let i = text.charCodeAt(0) === MINUS ? 1 : 0;
  const poundsStart = i;
  let pence = 0;
  for (; i < length; i++) {
    const digit = text.charCodeAt(i) - DIGIT_ZERO;
    if (digit < 0 || digit > 9) break;
    pence = pence * 10 + digit;
  }
  const poundsDigits = i - poundsStart;
  if (poundsDigits === 0 || poundsDigits > MAX_FAST_POUNDS_DIGITS) return parsePenceText(text);
  pence *= 100;
  if (i < length) {
    // "." and one or two digits, then the end; anything else is the pattern's to refuse.
    if (text.charCodeAt(i) !== POINT || length - i < 2 || length - i > 3)
      return parsePenceText(text);
    const tenths = text.charCodeAt(i + 1) - DIGIT_ZERO;
    const hundredths = length - i === 3 ? text.charCodeAt(i + 2) - DIGIT_ZERO : 0;
    if (tenths < 0 || tenths > 9 || hundredths < 0 || hundredths > 9) return parsePenceText(text);
    pence += tenths * 10 + hundredths;
  }
  // -0 and 0 are both 0n, as BigInt("-000") is.
  return BigInt(poundsStart === 1 ? -pence : pence);
}

const MINUS = 0x2d;
const POINT = 0x2e;
const DIGIT_ZERO = 0x30;
/**
 * Whole pounds the fast reading takes: below 10^13 pounds the pence stay under 10^15, inside a
 * JS number's exact integers (2^53 ≈ 9·10^15). Longer figures (a sum the ledger wrote) go the
 * long way, which is exact at any size.
 */
const MAX_FAST_POUNDS_DIGITS = 13;

/** parsePence through the pattern: any size, and the one place a bad amount is refused. */
export function parsePenceText(text: string): Pence {
  const match = PENCE_TEXT_PATTERN.exec(text);
  if (match === null)
    throw new Error(`invariant: ${JSON.stringify(text)} is not an amount in pence`);
  const [, sign, pounds, tenths = '0', hundredths = '0'] = match;
  return BigInt(`${sign}${pounds}${tenths}${hundredths}`);
}

/** The wire format of whole pence: the string formatAmount writes for the same value. */
export function formatPence(pence: Pence): string {
  const negative = pence < 0n;
  const digits = (negative ? -pence : pence).toString().padStart(3, '0');
  const point = digits.length - 2;
  return `${negative ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** "£1,234.50" (and "-£12.00") from whole pence: the string formatPounds writes for the same value. */
export function formatPoundsFromPence(pence: Pence): string {
  // The audit trail writes one of these per amount per event (a rebuild, every event): the
  // thousands are grouped by slicing rather than by poundsText's look-ahead pattern.
  const negative = pence < 0n;
  const digits = (negative ? -pence : pence).toString().padStart(3, '0');
  const point = digits.length - 2;
  let next = point % 3 || 3;
  let grouped = digits.slice(0, next);
  for (; next < point; next += 3) grouped += `,${digits.slice(next, next + 3)}`;
  return `${negative ? '-' : ''}£${grouped}.${digits.slice(point)}`;
}

/** Σ of amounts in pence. */
export function sumPence(values: Iterable<Pence>): Pence {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}

/** "£1,234.50" (and "-£12.00"), as a person reads money. */
export function formatPounds(value: Money): string {
  return poundsText(value.isNegative() && !value.isZero(), value.abs().toFixed(2));
}

/** "£1,234.50" from the 2-dp digits of an amount's size ("1234.50") and its sign. */
function poundsText(negative: boolean, unsigned: string): string {
  const [whole = '0', fraction = '00'] = unsigned.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}£${grouped}.${fraction}`;
}

export interface Weighted<K extends string = string> {
  readonly key: K;
  readonly weight: Money;
}

export interface Part<K extends string = string> {
  readonly key: K;
  readonly amount: Money;
}

/**
 * Splits `total` into parts proportional to the weights, rounded to pence by the
 * largest-remainder method: each part gets the floor of its exact share, then the pennies
 * left over go one each to the largest fractional remainders (ties: key ascending).
 * The parts always sum to `total` exactly. Parts come back in the order of `weights`;
 * zero-weight keys get zero. Weights are amounts of money (whole pence), at least one positive,
 * none negative.
 *
 * The arithmetic is exact integer arithmetic in pence: share_i = total × w_i ÷ W is kept as a
 * quotient and a remainder (total × w_i mod W), so two shares whose fractions are equal (⅓ and
 * ⅓) compare equal and the tie goes to the lower key, whatever the shares' sizes.
 */
export function splitLargestRemainder<K extends string>(
  total: Money,
  weights: readonly Weighted<K>[],
): Part<K>[] {
  const totalPence = toPence(total);
  if (weights.some((w) => w.weight.isNegative()))
    throw new Error('invariant: negative weight in split');
  if (new Set(weights.map((w) => w.key)).size !== weights.length)
    throw new Error('invariant: duplicate key in split');
  const weightPence = weights.map((w) => toPence(w.weight));
  const weightSum = weightPence.reduce((a, b) => a + b, 0n);
  if (weightSum <= 0n) throw new Error('invariant: split with no positive weight');

  const pence = weightPence.map((w) => (totalPence * w) / weightSum);
  let leftoverPence = totalPence - pence.reduce((a, b) => a + b, 0n);

  const byRemainder = weights
    .map((w, index) => ({
      index,
      key: w.key,
      remainder: (totalPence * weightPence[index]!) % weightSum,
    }))
    .filter((r) => r.remainder > 0n)
    .sort((a, b) =>
      a.remainder > b.remainder
        ? -1
        : a.remainder < b.remainder
          ? 1
          : a.key < b.key
            ? -1
            : a.key > b.key
              ? 1
              : 0,
    );

  for (const r of byRemainder) {
    if (leftoverPence === 0n) break;
    pence[r.index]! += 1n;
    leftoverPence -= 1n;
  }
  if (leftoverPence !== 0n) throw new Error('invariant: largest-remainder split left pennies over');

  return weights.map((w, index) => ({ key: w.key, amount: fromPence(pence[index]!) }));
}

/** A ratio for reports ("return per £", "wrong-pocket share"), to 4 decimal places. */
export function formatRatio(numerator: Money, denominator: Money): string | null {
  if (denominator.isZero()) return null;
  const ratio = numerator.dividedBy(denominator).toDecimalPlaces(4, Decimal.ROUND_HALF_EVEN);
  // A year with a reversal in it can have a negative side; a ratio that rounds to zero is
  // "0.0000", never "-0.0000".
  return ratio.isZero() ? (0).toFixed(4) : ratio.toFixed(4);
}

/** Ratios are written to this many decimal places. */
export const RATIO_DECIMAL_PLACES = 4;
const RATIO_UNITS = new Money(10).pow(RATIO_DECIMAL_PLACES);

/**
 * Each weight's share of their sum, to 4 decimal places, such that shares that should sum to 1
 * print summing to exactly 1: the 10,000 ten-thousandths are split by largest remainder (ties:
 * key ascending), as money is, instead of rounding each share on its own (which gives 0.9999
 * or 1.0001). With any negative weight (a year whose reversals outweigh its receipts) the shares
 * do not describe parts of a whole, so each is rounded on its own as formatRatio does. All null
 * when the weights sum to zero.
 */
export function formatShares<K extends string>(
  weights: readonly Weighted<K>[],
): Map<K, string | null> {
  const total = sum(weights.map((w) => w.weight));
  if (total.isZero()) return new Map(weights.map((w) => [w.key, null]));
  if (weights.some((w) => w.weight.isNegative()))
    return new Map(weights.map((w) => [w.key, formatRatio(w.weight, total)]));
  // A split of 10,000 "pence" of a unit: each part, divided back, is a share to 4 dp.
  const parts = splitLargestRemainder(RATIO_UNITS.dividedBy(PENCE_PER_POUND), weights);
  return new Map(
    parts.map((p) => [
      p.key,
      p.amount.times(PENCE_PER_POUND).dividedBy(RATIO_UNITS).toFixed(RATIO_DECIMAL_PLACES),
    ]),
  );
}

// ---- cost-benefit arithmetic (issue 5) ----------------------------------------------------
// The cost-benefit report multiplies amounts by percentages and discount factors, so its
// working values are not whole pence. They stay Decimal at full precision (40 significant
// digits) through the whole chain and are rounded once, for display, by roundToPence.

/** A percentage as commands carry it: a decimal string from 0 to 100, at most 2 decimal places. */
export const PERCENT_PATTERN = /^(100(\.0{1,2})?|[1-9]?[0-9](\.[0-9]{1,2})?)$/;

/** A percentage already validated at the boundary, as a fraction: "12.5" → 0.125. */
export function percentToFraction(percent: string): Money {
  if (!PERCENT_PATTERN.test(percent))
    throw new Error(`invalid percentage ${JSON.stringify(percent)}`);
  return new Money(percent).dividedBy(100);
}

/** An exact working value (any number of decimal places), e.g. for a product of percentages. */
export function exact(value: string | number): Money {
  return new Money(value);
}

/**
 * The one place a working value becomes pence: half away from zero (ROUND_HALF_UP in
 * decimal.js), as ROUND() in a spreadsheet does, so a finance officer checking the report in
 * Excel gets the same penny.
 */
export function roundToPence(value: Money): Money {
  return value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** A working value written out for the reader, to `places` decimal places (trailing zeros kept). */
export function formatExact(value: Money, places: number): string {
  // Rounded first, so a tiny negative working value reads "0.0000…", never "-0.0000…".
  return value.toDecimalPlaces(places, Decimal.ROUND_HALF_UP).toFixed(places);
}

/** `base` raised to a whole power ≥ 0, exactly to the module's precision. */
export function power(base: Money, exponent: number): Money {
  if (!Number.isInteger(exponent) || exponent < 0)
    throw new Error(`invariant: power ${exponent} is not a whole number ≥ 0`);
  return base.pow(exponent);
}

/**
 * Splits a whole-pence `total` across parts in proportion to weights that need not be whole
 * pence (present values carried at full precision), by largest remainder: each part gets the
 * floor of its share in pence, the pennies left over go one each to the largest remainders
 * (ties: key ascending). The parts sum to `total` exactly. Weights ≥ 0, at least one positive;
 * `total` may be negative, in which case the split is of its magnitude, then negated.
 */
export function splitByWeights<K extends string>(
  total: Money,
  weights: readonly Weighted<K>[],
): Part<K>[] {
  const totalPence = toPence(total.abs());
  const sign = total.isNegative() ? -1 : 1;
  if (weights.some((w) => w.weight.isNegative()))
    throw new Error('invariant: negative weight in split');
  if (new Set(weights.map((w) => w.key)).size !== weights.length)
    throw new Error('invariant: duplicate key in split');
  const weightSum = sum(weights.map((w) => w.weight));
  if (weightSum.lte(0)) throw new Error('invariant: split with no positive weight');

  const exactShares = weights.map((w) =>
    new Money(totalPence.toString()).times(w.weight).dividedBy(weightSum),
  );
  const pence = exactShares.map((share) => BigInt(share.floor().toFixed(0)));
  let leftoverPence = totalPence - pence.reduce((a, b) => a + b, 0n);
  const byRemainder = exactShares
    .map((share, index) => ({
      index,
      key: weights[index]!.key,
      remainder: share.minus(share.floor()),
    }))
    .filter((r) => r.remainder.gt(0))
    .sort(
      (a, b) => b.remainder.comparedTo(a.remainder) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
  for (const r of byRemainder) {
    if (leftoverPence === 0n) break;
    pence[r.index]! += 1n;
    leftoverPence -= 1n;
  }
  if (leftoverPence !== 0n) throw new Error('invariant: largest-remainder split left pennies over');
  return weights.map((w, index) => ({ key: w.key, amount: fromPence(pence[index]!).times(sign) }));
}

/**
 * Rounds exact values that may have either sign (a year's benefits net of a retraction counted
 * in it) to pence parts summing to `total`, their sum rounded. Values all ≥ 0 or all ≤ 0 are
 * split as splitByWeights splits them (the magnitudes, then the sign). With mixed signs a
 * proportion means nothing, so each value is floored to the penny and the pennies still owed go
 * one each to the largest remainders (ties: key ascending), or pennies over come off the
 * smallest; `total` must be within a penny a part of the values' sum. All zero gives zeros.
 */
export function splitSignedByWeights<K extends string>(
  total: Money,
  weights: readonly Weighted<K>[],
): Part<K>[] {
  if (weights.every((w) => w.weight.isZero())) {
    if (!total.isZero()) throw new Error('invariant: a non-zero total split by zero weights');
    return weights.map((w) => ({ key: w.key, amount: ZERO }));
  }
  if (weights.every((w) => !w.weight.isNegative())) return splitByWeights(total, weights);
  if (weights.every((w) => !w.weight.isPositive())) {
    return splitByWeights(
      total.negated(),
      weights.map((w) => ({ key: w.key, weight: w.weight.negated() })),
    ).map((p) => ({ key: p.key, amount: p.amount.negated() }));
  }
  const exactPence = weights.map((w) => w.weight.times(100));
  const pence = exactPence.map((p) => BigInt(p.floor().toFixed(0)));
  let leftoverPence = toPence(total) - pence.reduce((a, b) => a + b, 0n);
  if (leftoverPence < -BigInt(weights.length) || leftoverPence > BigInt(weights.length)) {
    throw new Error(
      "invariant: signed split of a total more than a penny a part from its parts' sum",
    );
  }
  const byKey = (a: { key: K }, b: { key: K }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const rows = exactPence.map((p, index) => ({
    index,
    key: weights[index]!.key,
    remainder: p.minus(p.floor()),
  }));
  // Pennies short go to the largest remainders; pennies over come off the smallest.
  const order =
    leftoverPence >= 0n
      ? rows.sort((a, b) => b.remainder.comparedTo(a.remainder) || byKey(a, b))
      : rows.sort((a, b) => a.remainder.comparedTo(b.remainder) || byKey(a, b));
  const step = leftoverPence >= 0n ? 1n : -1n;
  for (const r of order) {
    if (leftoverPence === 0n) break;
    pence[r.index]! += step;
    leftoverPence -= step;
  }
  return weights.map((w, index) => ({ key: w.key, amount: fromPence(pence[index]!) }));
}
