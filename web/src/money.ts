/**
 * Amounts on screen. The API sends decimal strings ("1234.50"); they are formatted from the
 * string itself (Intl.NumberFormat accepts decimal strings exactly), never through a float,
 * and typed amounts are checked with the ledger's own rule (events/money.ts).
 */
import { amountProblem, MAX_AMOUNT, money } from '../../events/money.ts';

const GBP = new Intl.NumberFormat('en-GB', {
  style: 'currency',
  currency: 'GBP',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const MAX_AMOUNT_TEXT = formatGbp(MAX_AMOUNT);

/** "1234.5" → "£1,234.50"; "-20.00" → "-£20.00". */
export function formatGbp(amount: string): string {
  // A decimal string is formatted exactly (ECMA-402 "Intl.NumberFormat v3"); the DOM typing lags.
  return GBP.format(amount as unknown as number);
}

/**
 * Why a typed amount would be refused, in plain words; null when the ledger accepts it.
 * `optional`: blank is accepted (VAT on an invoice); `allowZero`: £0.00 is accepted (a
 * forecast outturn of nothing).
 */
export function amountInputProblem(
  typed: string,
  rules: { readonly optional?: boolean; readonly allowZero?: boolean } = {},
): string | null {
  const text = normaliseTypedAmount(typed);
  if (text === '') return rules.optional === true ? null : 'Enter an amount, for example 1234.50.';
  switch (amountProblem(text)) {
    case null:
      return null;
    case 'not-a-decimal':
      return 'Enter an amount in pounds with at most two decimal places, for example 1234.50.';
    case 'not-positive':
      return rules.allowZero === true && /^0+(\.0{1,2})?$/.test(text)
        ? null
        : 'The amount must be more than £0.00.';
    case 'too-large':
      return `The amount must be at most ${MAX_AMOUNT_TEXT}.`;
  }
}

/** What people type around a number ("£1,234.50 ") is accepted; the digits are not changed. */
export function normaliseTypedAmount(typed: string): string {
  return typed.trim().replace(/^£/, '').replaceAll(',', '');
}

/** "0.6100" → "£0.61"; null (nothing invested) → "—". */
export function formatReturnPerPound(ratio: string | null): string {
  return ratio === null ? '—' : formatGbp(money(ratio).toFixed(2));
}

/** "0.8361" → "83.6%"; null (nothing produced) → "—". */
export function formatShare(ratio: string | null): string {
  return ratio === null ? '—' : `${money(ratio).times(100).toFixed(1)}%`;
}
