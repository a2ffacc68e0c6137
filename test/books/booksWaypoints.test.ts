/**
 * Books waypoints (src/books/booksWaypoints.ts): a historical fold that starts from one gives,
 * byte for byte, the books the fold from position 0 gives, for every asAt and atPosition; and
 * the waypoints kept stay within their bounds. The oracle is foldHistory without waypoints,
 * which historicalBooks.test.ts checks against folds by hand.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../events/index.ts';
import {
  agencyBalances,
  auditEntriesFrom,
  financialYearsOf,
  flowsMatrix,
  listAgencies,
  listPots,
  type LedgerProjections,
} from '../../projections/index.ts';
import { createBooksWaypoints, createWaypointKeepers } from '../../src/books/booksWaypoints.ts';
import { ALL_PROJECTIONS, foldHistory, runHistoryJob } from '../../src/books/historyFold.ts';
import type { EventStore, RecordedEvent } from '../../src/store/eventStore.ts';
import { eventsByPosition } from '../support/auditPages.ts';
import { textOf } from '../support/booksText.ts';
import {
  AGENCIES,
  DATES,
  historyOf,
  opsWithPoolYearArbitrary,
} from '../projections/randomHistory.ts';
import { AS_AT_DATES, historyJobsArbitrary } from './historyJobs.ts';

function sourceOf(events: readonly Envelope[]): Pick<EventStore, 'readAll' | 'readStream'> {
  return {
    async readAll(after, limit) {
      return events.filter((e) => e.position > after).slice(0, limit) as unknown as RecordedEvent[];
    },
    async readStream() {
      throw new Error('a books job reads the global log only');
    },
  };
}

/** What the routes answer from the books, as JSON. */
function answersOf(state: LedgerProjections, events: readonly Envelope[]): string {
  return JSON.stringify({
    agencies: listAgencies(state.agencyDirectory),
    pots: listPots(state.potSummary),
    balances: AGENCIES.map((a) => agencyBalances(state.agencyBalances, a)),
    flows: [undefined, ...financialYearsOf(state.benefitFlows)].map((financialYear) =>
      flowsMatrix(state.benefitFlows, { financialYear }),
    ),
    audit: auditEntriesFrom(state.auditTrail, { limit: 1_000 }, eventsByPosition(events)),
  });
}

describe('books waypoints', () => {
  it('property: for random histories, waypoint spacing, bounds, growth and points (Q, D), a fold from the waypoints equals the fold from position 0 byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        opsWithPoolYearArbitrary,
        fc.record({
          everyEvents: fc.integer({ min: 1, max: 10 }),
          maxCount: fc.integer({ min: 1, max: 6 }),
          batchSize: fc.integer({ min: 1, max: 7 }),
        }),
        // The log as the worker saw it grow: the points of the jobs it ran before, in order.
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.array(fc.record({ pick: fc.nat(), asAt: fc.option(fc.constantFrom(...AS_AT_DATES)) }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (ops, { everyEvents, maxCount, batchSize }, growth, points) => {
          const { events } = historyOf(ops);
          const source = sourceOf(events);
          const waypoints = createBooksWaypoints({ everyEvents, maxCount });
          for (const pick of growth)
            await waypoints.extend(source, BigInt(pick % (events.length + 1)), batchSize);
          for (const { pick, asAt } of points) {
            const point = {
              asAt: asAt ?? undefined,
              atPosition: BigInt(pick % (events.length + 1)),
            };
            await waypoints.extend(source, point.atPosition, batchSize);
            expect(waypoints.kept().length).toBeLessThanOrEqual(maxCount);
            const started = await foldHistory(source, point, batchSize, {}, waypoints);
            const fromZero = await foldHistory(source, point, batchSize);
            expect(started.books.position).toBe(fromZero.books.position);
            expect(started.eventsFolded).toBe(fromZero.eventsFolded);
            expect(textOf(started.books.projections)).toEqual(textOf(fromZero.books.projections));
            expect(answersOf(started.books.projections, events)).toBe(
              answersOf(fromZero.books.projections, events),
            );
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 240_000);

  it('property: books of some projections only (a route names those it reads), folded through per-set waypoints in any order of jobs, equal those projections of the whole books folded from position 0, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        opsWithPoolYearArbitrary,
        fc.record({
          everyEvents: fc.integer({ min: 1, max: 10 }),
          maxCount: fc.integer({ min: 1, max: 6 }),
          batchSize: fc.integer({ min: 1, max: 7 }),
          maxBytesPerEvent: fc.constantFrom(Infinity, 64, 1024),
        }),
        historyJobsArbitrary(8),
        async (ops, { batchSize, ...limits }, jobs) => {
          const { events } = historyOf(ops);
          const source = sourceOf(events);
          const keepers = createWaypointKeepers(limits);
          for (const { pick, asAt, snapToAppend, projections } of jobs) {
            const job = {
              kind: 'books' as const,
              ...(asAt === null ? {} : { asAt }),
              atPosition: BigInt(pick % (events.length + 1)),
              snapToAppend,
              projections,
            };
            const some = await runHistoryJob(source, job, batchSize, {}, keepers);
            const whole = await runHistoryJob(
              source,
              { ...job, projections: ALL_PROJECTIONS },
              batchSize,
            );
            if (some.kind !== 'books' || whole.kind !== 'books') throw new Error('books asked');
            expect(some.position).toBe(whole.position);
            expect(some.eventsFolded).toBe(whole.eventsFolded);
            expect(Object.keys(some.projections).sort()).toEqual([...projections].sort());
            const wholeText = textOf(whole.projections);
            expect(textOf(some.projections)).toEqual(
              Object.fromEntries(projections.map((name) => [name, wholeText[name]])),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 240_000);

  it('atPosition starts from the newest waypoint at or before it; asAt only from one whose events are all dated on or before it, else from position 0', async () => {
    const { events } = historyOf(
      DATES.map((_, date) => ({ kind: 'contribute' as const, agency: 0, pence: 100, date })),
    );
    // One contribution per date, in date order, after the registrations and the pot.
    const first = events.findIndex((e) => e.type === 'ContributionReceived');
    const source = sourceOf(events);
    const waypoints = createBooksWaypoints({ everyEvents: 1, maxBytesPerEvent: Infinity });
    await waypoints.extend(source, BigInt(events.length), 1);
    expect(waypoints.kept().map((w) => w.position)).toEqual(events.map((e) => e.position));

    const head = BigInt(events.length);
    expect((await foldHistory(source, { atPosition: head }, 1, {}, waypoints)).startedAfter).toBe(
      head,
    );
    expect(
      (await foldHistory(source, { atPosition: head - 2n }, 1, {}, waypoints)).startedAfter,
    ).toBe(head - 2n);
    // As at the third date: the newest start is the third contribution (DATES rise).
    const asAtThird = await foldHistory(
      source,
      { asAt: DATES[2], atPosition: head },
      1,
      {},
      waypoints,
    );
    expect(asAtThird.startedAfter).toBe(events[first + 2]!.position);
    // Before every date: only the waypoints before the first contribution can stand for it.
    const before = await foldHistory(
      source,
      { asAt: '2000-01-01', atPosition: head },
      1,
      {},
      waypoints,
    );
    expect(before.startedAfter).toBe(events[first - 1]!.position);
    // Waypoints only from the first contribution on: none can stand for a date before it.
    const late = createBooksWaypoints({ everyEvents: first + 1, maxBytesPerEvent: Infinity });
    await late.extend(source, head, 1);
    expect(late.kept()[0]!.position).toBe(events[first]!.position);
    const fromZero = await foldHistory(
      source,
      { asAt: '2000-01-01', atPosition: head },
      1,
      {},
      late,
    );
    expect(fromZero.startedAfter).toBe(0n);
  });

  it('extending for a question as at D stops after the first page that holds an event dated after D (no waypoint past it could stand for D); without D it goes on to the position asked', async () => {
    const { events } = historyOf(
      DATES.map((_, date) => ({ kind: 'contribute' as const, agency: 0, pence: 100, date })),
    );
    const source = sourceOf(events);
    const head = BigInt(events.length);
    const first = events.findIndex((e) => e.type === 'ContributionReceived');
    const waypoints = createBooksWaypoints({ everyEvents: 1, maxBytesPerEvent: Infinity });
    await waypoints.extend(source, head, 1, {}, DATES[1]);
    // One page past the second date's contribution: the third's, dated after it.
    expect(waypoints.kept().at(-1)!.position).toBe(events[first + 2]!.position);
    expect(waypoints.kept().at(-1)!.latestEffectiveDate > DATES[1]!).toBe(true);
    // Asked again for the same date, nothing more is read; for no date, on to the head.
    await waypoints.extend(source, head, 1, {}, DATES[1]);
    expect(waypoints.kept().at(-1)!.position).toBe(events[first + 2]!.position);
    await waypoints.extend(source, head, 1);
    expect(waypoints.kept().at(-1)!.position).toBe(head);
  });

  it('keeps at most its count and bytes, always the newest, spread over the log rather than the latest only', async () => {
    const { events } = historyOf(
      Array.from({ length: 30 }, (_, i) => ({
        kind: 'contribute' as const,
        agency: i % 3,
        pence: 100 + i,
        date: i % DATES.length,
      })),
    );
    const source = sourceOf(events);
    const waypoints = createBooksWaypoints({
      everyEvents: 1,
      maxCount: 5,
      maxBytesPerEvent: Infinity,
    });
    for (let q = 1; q <= events.length; q++) await waypoints.extend(source, BigInt(q), 3);
    const positions = waypoints.kept().map((w) => w.position);
    expect(positions.length).toBe(5);
    expect(positions.at(-1)).toBe(BigInt(events.length));
    // Spread: the oldest kept lies in the first half of the log.
    expect(positions[0]! * 2n).toBeLessThanOrEqual(BigInt(events.length));

    const newestBytes = waypoints.kept().at(-1)!.bytes.byteLength;
    const byBytes = createBooksWaypoints({
      everyEvents: 1,
      maxBytes: newestBytes * 3,
      maxBytesPerEvent: Infinity,
    });
    for (let q = 1; q <= events.length; q++) await byBytes.extend(source, BigInt(q), 3);
    expect(byBytes.bytesKept()).toBeLessThanOrEqual(newestBytes * 3);
    expect(byBytes.kept().length).toBeLessThan(events.length);
    expect(byBytes.kept().length).toBeGreaterThan(0);
    expect(byBytes.kept().at(-1)!.position).toBe(BigInt(events.length));

    // Books larger than the whole bound are never kept, and the log is not folded again for them.
    const tooSmall = createBooksWaypoints({ everyEvents: 1, maxBytes: 1 });
    await tooSmall.extend(source, BigInt(events.length), 3);
    expect(tooSmall.kept()).toEqual([]);
    expect(tooSmall.outgrown()).toBe(true);
    let reads = 0;
    await tooSmall.extend(
      { readAll: (after, limit) => ((reads += 1), source.readAll(after, limit)) },
      BigInt(events.length),
      3,
    );
    expect(reads).toBe(0);
  }, 60_000);
});
