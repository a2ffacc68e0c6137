/**
 * Orders the projections answer in. Answers must be the same on every machine and every
 * rebuild, so ids compare by code unit (localeCompare depends on the host's locale).
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts pairs by their first id, then their second. */
export function comparePairs(a: readonly [string, string], b: readonly [string, string]): number {
  return compareIds(a[0], b[0]) || compareIds(a[1], b[1]);
}
