/**
 * Four-eyes cannot be split around (issue 13). Without this rule, one officer could allocate
 * £9,999 ten times to one intervention of a pot whose threshold is £10,000 and never need a
 * second person. So the allocations one requester (the token's `sub`) made directly — without
 * an approval — to one intervention, recorded in a rolling window, count together: when their
 * sum plus the new amount reaches the pot's approval threshold, the new allocation is only
 * requested and needs another officer's approval, like one at or above the threshold.
 *
 * - The window is measured on the server's clock (each event's `recordedAt`, and the `now` the
 *   handler passes the decider), never on the caller-chosen `effectiveDate`: back-dating an
 *   allocation must not take it out of the window. It is counted in whole UTC days: the day of
 *   the request and the FOUR_EYES_WINDOW_DAYS days before it, so at least 30 × 24 hours.
 * - Every direct allocation counts, reversed or not: a reversal gives the money back to the
 *   stakes, not the room under the threshold (otherwise allocate, reverse, allocate again
 *   would split around the rule as well). Allocations made by an approval do not count: a
 *   second person has already looked at them.
 * - Who and when come from each FundsAllocated event's metadata (actor.sub, recordedAt), which
 *   every event has always carried, so the rule applies to the history as it stands, with no
 *   migration.
 */
import { ZERO, type Money } from '../events/money.ts';

/** The rolling window, in days, over which one requester's direct allocations to one intervention count together. */
export const FOUR_EYES_WINDOW_DAYS = 30;
/**
 * Days kept beyond the window before a bucket is forgotten: the servers' clocks may differ by a
 * little, so a bucket is dropped only once no plausible `now` can still count it.
 */
const FORGET_AFTER_EXTRA_DAYS = 2;
const MS_PER_DAY = 86_400_000;

/** The direct allocations of one requester to one intervention recorded on one UTC day (or, if the clocks disagreed, earlier). */
export interface DayBucket {
  readonly day: number;
  amount: Money;
}

/** What the pot aggregate keeps for the rule: per requester and intervention (windowKey), day buckets in recording order. */
export type DirectAllocationWindows = Map<string, DayBucket[]>;

/** The metadata a stored event carries, of which the rule reads who recorded it and when. */
export interface RecordedBy {
  readonly actor?: { readonly sub?: string };
  readonly recordedAt?: string;
}

export function windowKey(sub: string, interventionId: string): string {
  return JSON.stringify([sub, interventionId]);
}

/** Days since 1970-01-01 (UTC) of an ISO timestamp, or undefined when it is not one. */
function utcDay(isoTimestamp: string): number | undefined {
  const ms = Date.parse(isoTimestamp);
  return Number.isFinite(ms) ? Math.floor(ms / MS_PER_DAY) : undefined;
}

/**
 * Evolve: a direct allocation of `amount` to `interventionId`, recorded by `recordedBy`. Keeps
 * a few dozen buckets per requester and intervention at most, whatever the pot's history.
 */
export function noteDirectAllocation(
  windows: DirectAllocationWindows,
  interventionId: string,
  amount: Money,
  recordedBy: RecordedBy | undefined,
): void {
  const sub = recordedBy?.actor?.sub;
  const day = recordedBy?.recordedAt === undefined ? undefined : utcDay(recordedBy.recordedAt);
  if (sub === undefined || day === undefined) return;
  const key = windowKey(sub, interventionId);
  const buckets = windows.get(key) ?? [];
  const last = buckets[buckets.length - 1];
  // A day earlier than the last one seen (another server's clock) joins the later bucket: it
  // then stays in the window longer, never shorter.
  if (last !== undefined && last.day >= day) last.amount = last.amount.plus(amount);
  else buckets.push({ day, amount });
  const newest = buckets[buckets.length - 1]!.day;
  while (
    buckets.length > 0 &&
    buckets[0]!.day < newest - FOUR_EYES_WINDOW_DAYS - FORGET_AFTER_EXTRA_DAYS
  )
    buckets.shift();
  windows.set(key, buckets);
}

/** Decide: what `sub` allocated directly to `interventionId` on the day of `now` and the FOUR_EYES_WINDOW_DAYS days before. */
export function allocatedInWindow(
  windows: DirectAllocationWindows,
  sub: string,
  interventionId: string,
  now: string,
): Money {
  const today = utcDay(now);
  if (today === undefined)
    throw new Error(
      `invariant: the handler's clock gave ${JSON.stringify(now)}, not an ISO timestamp`,
    );
  let total = ZERO;
  for (const bucket of windows.get(windowKey(sub, interventionId)) ?? []) {
    if (bucket.day >= today - FOUR_EYES_WINDOW_DAYS) total = total.plus(bucket.amount);
  }
  return total;
}
