/**
 * Dates as GOV.UK writes them ("14 April 2025") and the financial year's calendar: years run
 * 1 April to 31 March and are named "2025-26"; quarters end 30 June, 30 September,
 * 31 December and 31 March. Pure string arithmetic on ISO dates, no time zones.
 */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "2025-04-14" → "14 April 2025"; anything else is shown as it came. */
export function formatLongDate(iso: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (match === null) return iso;
  const month = MONTHS[Number(match[2]) - 1];
  if (month === undefined) return iso;
  return `${Number(match[3])} ${month} ${match[1]}`;
}

/** "2025-04-14T10:02:03Z" → "14 April 2025 at 10:02" (the UTC time the server recorded). */
export function formatLongDateTime(iso: string): string {
  const time = /T(\d{2}:\d{2})/.exec(iso)?.[1];
  return time === undefined ? formatLongDate(iso) : `${formatLongDate(iso)} at ${time}`;
}

/** The financial year a date falls in: "2025-04-01" → "2025-26", "2026-03-31" → "2025-26". */
export function financialYearOf(iso: string): string {
  const year = Number(iso.slice(0, 4));
  const month = Number(iso.slice(5, 7));
  const start = month >= 4 ? year : year - 1;
  return financialYearStarting(start);
}

function financialYearStarting(start: number): string {
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

/** "2025-26" → 2025. */
export function startYearOf(financialYear: string): number {
  return Number(financialYear.slice(0, 4));
}

/** A well-formed financial year ("2025-26", consecutive years), as the ledger checks it. */
export function isFinancialYear(text: string): boolean {
  return /^\d{4}-\d{2}$/.test(text) && (startYearOf(text) + 1) % 100 === Number(text.slice(5, 7));
}

/** The year before: "2025-26" → "2024-25". */
export function previousFinancialYear(financialYear: string): string {
  return financialYearStarting(startYearOf(financialYear) - 1);
}

/** The quarter (1–4) of its financial year a date falls in: April–June is 1, January–March 4. */
export function quarterOf(iso: string): 1 | 2 | 3 | 4 {
  const month = Number(iso.slice(5, 7));
  if (month >= 4 && month <= 6) return 1;
  if (month >= 7 && month <= 9) return 2;
  if (month >= 10) return 3;
  return 4;
}

/** The last day of a quarter: ("2025-26", 2) → "2025-09-30". */
export function quarterEndIso(financialYear: string, quarter: number): string {
  const start = startYearOf(financialYear);
  return (
    { 1: `${start}-06-30`, 2: `${start}-09-30`, 3: `${start}-12-31`, 4: `${start + 1}-03-31` }[
      quarter
    ] ?? ''
  );
}

/** Years to offer in a picker: the current one first, then the `count − 1` before it. */
export function financialYearChoices(todayIso: string, count: number): string[] {
  const current = startYearOf(financialYearOf(todayIso));
  return Array.from({ length: count }, (_, i) => financialYearStarting(current - i));
}

/**
 * The period a monitoring page opens on: the quarter today falls in, so the board sees the
 * figures to date; a year and quarter asked for in the route win when well formed.
 */
export function monitoringPeriod(
  todayIso: string,
  asked: { financialYear?: string | null; quarter?: string | null } = {},
): { financialYear: string; quarter: 1 | 2 | 3 | 4 } {
  const financialYear =
    asked.financialYear != null && isFinancialYear(asked.financialYear)
      ? asked.financialYear
      : financialYearOf(todayIso);
  const q = Number(asked.quarter);
  const quarter = q === 1 || q === 2 || q === 3 || q === 4 ? q : quarterOf(todayIso);
  return { financialYear, quarter };
}

/**
 * The year a settlement or memorandum page opens on: the one asked for when well formed, else
 * the last year that has ended (only an ended year can be settled).
 */
export function settlementYear(todayIso: string, asked?: string | null): string {
  if (asked != null && isFinancialYear(asked)) return asked;
  return previousFinancialYear(financialYearOf(todayIso));
}
