/**
 * One string per distinct value, for the values a fold keeps millions of copies of but that
 * come from small closed sets: financial years, agency ids, pot ids, callers and roles. An
 * event's strings longer than 10 characters are each a fresh copy (V8's JSON.parse shares only
 * shorter ones), and a template such as financialYearOf makes a new string per call, so a fold
 * that keeps one per entry keeps a million equal strings; interned, it keeps one.
 *
 * The table lives as long as the process and is shared by every fold; it is never part of a
 * state or a snapshot (a decoded snapshot simply holds its own copies). Interning changes no
 * value, only which equal string is kept, so no answer can differ.
 */

/** Bounds the table should an unexpected set of values pass through it: past it, no interning. */
export const MAX_INTERNED_STRINGS = 10_000;

const INTERNED = new Map<string, string>();

export function interned(text: string): string {
  const known = INTERNED.get(text);
  if (known !== undefined) return known;
  if (INTERNED.size < MAX_INTERNED_STRINGS) INTERNED.set(text, text);
  return text;
}
