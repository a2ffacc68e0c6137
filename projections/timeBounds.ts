/**
 * Reading the from/to bounds an auditor gives: a day (YYYY-MM-DD, the whole UTC day, since
 * recordedAt is server UTC time) or an exact instant. A timestamp without a zone is refused:
 * Date.parse would read it in the host's local time, and the same query must give the same
 * answer on every server.
 */
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_WITH_ZONE =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Milliseconds since the epoch of an inclusive bound; throws RangeError when unreadable. */
export function parseTimeBound(text: string, bound: 'from' | 'to'): number {
  const day = DATE_ONLY.exec(text);
  if (day !== null) {
    const startMs = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    // Date.UTC rolls 2025-02-30 over into March; a bound that is not a real day is a mistake.
    if (new Date(startMs).toISOString().slice(0, 10) !== text)
      throw new RangeError(`${bound}: ${text} is not a calendar day`);
    return bound === 'from' ? startMs : startMs + MS_PER_DAY - 1;
  }
  if (TIMESTAMP_WITH_ZONE.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new RangeError(
    `${bound} must be YYYY-MM-DD or an ISO 8601 timestamp with a zone, e.g. 2025-04-01T09:00:00Z`,
  );
}
