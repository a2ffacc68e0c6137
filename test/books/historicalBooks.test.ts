/**
 * The books as they stood (src/books/historicalBooks.ts): folding a prefix of the log (atPosition) and
 * a history filtered by effective date (asAt), the cache, and the limits. The oracle is always
 * the projections folded here by hand, never the helper under test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../events/index.ts';
import { formatAmount, money, sum, type Money } from '../../events/money.ts';
import {
  agencyBalances,
  auditEntriesFrom,
  createLedgerBooks,
  financialYearsOf,
  flowsMatrix,
  listAgencies,
  listPots,
  type LedgerProjections,
} from '../../projections/index.ts';
import {
  ALL_PROJECTIONS,
  createHistoricalBooks,
  foldHistory,
  isDatedAfter,
  MAX_CONCURRENT_HISTORICAL_FOLDS,
  type BooksAnswer,
  type HistorySource,
} from '../../src/books/historicalBooks.ts';
import { LedgerError } from '../../src/books/ledgerError.ts';
import type { RecordedEvent } from '../../src/store/eventStore.ts';
import { datedOnOrBefore, foldByHand } from '../support/handFold.ts';
import { benefit, createHistory, flow } from '../projections/envelopes.ts';
import { AGENCIES, DATES, historyOf, opsArbitrary } from '../projections/randomHistory.ts';
import { eventsByPosition } from '../support/auditPages.ts';

/** A store's readAll, readStream and headPosition over a list of envelopes, slowed down when asked. */
function sourceOf(
  events: readonly Envelope[],
  options: { delayMs?: number; onRead?: (inFlight: number) => void } = {},
) {
  let inFlight = 0;
  const source: HistorySource & { reads: number } = {
    reads: 0,
    async readAll(after, limit) {
      source.reads += 1;
      inFlight += 1;
      options.onRead?.(inFlight);
      try {
        if (options.delayMs !== undefined)
          await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        return events
          .filter((e) => e.position > after)
          .slice(0, limit) as unknown as RecordedEvent[];
      } finally {
        inFlight -= 1;
      }
    },
    async headPosition() {
      return events.length === 0 ? 0n : events[events.length - 1]!.position;
    },
    async readStream(streamId, fromRevision = 0n, limit) {
      const stream = events.filter(
        (e) => e.streamId === streamId && e.streamRevision >= fromRevision,
      );
      return stream.slice(0, limit ?? stream.length) as unknown as RecordedEvent[];
    },
  };
  return source;
}

/** Every answer the books give, as the API would serve them. */
function answers(state: Readonly<LedgerProjections>, events: readonly Envelope[]) {
  return {
    agencies: listAgencies(state.agencyDirectory),
    pots: listPots(state.potSummary),
    balances: AGENCIES.map((a) => agencyBalances(state.agencyBalances, a)),
    flows: [undefined, ...financialYearsOf(state.benefitFlows)].map((financialYear) =>
      flowsMatrix(state.benefitFlows, { financialYear }),
    ),
    audit: auditEntriesFrom(state.auditTrail, { limit: 1_000 }, eventsByPosition(events)),
  };
}

/**
 * Backdated entries: the police's contribution is dated after the allocation that drew on it,
 * and the council's second contribution is dated before the first.
 */
function backdatedHistory() {
  const h = createHistory();
  for (const agencyId of ['essex-cc', 'essex-police', 'nhs'])
    h.registerAgency(agencyId, agencyId, 'other');
  const potId = h.openPot({
    name: 'Pool',
    area: 'Essex',
    hostAgencyId: 'essex-cc',
    partnerAgencyIds: ['essex-cc', 'essex-police'],
  }).data.potId;
  const interventionId = h.defineIntervention(potId, 'Employment support', 'essex-cc').data
    .interventionId;
  h.contribute(potId, 'essex-cc', '300.00', '2025-04-10', 'PO-1');
  h.contribute(potId, 'essex-police', '200.00', '2025-04-11', 'PO-2');
  // Backdated before the police's money arrived, though drawn from it.
  const allocation = h.allocate(
    potId,
    interventionId,
    { 'essex-cc': '60.00', 'essex-police': '40.00' },
    '2025-04-05',
    'Backdated',
  );
  h.recordOutcome(potId, interventionId, {
    description: 'Fewer arrests',
    effectiveDate: '2026-03-31',
    benefits: [benefit('nhs', '10.00', true)],
    flows: [flow('essex-cc', 'nhs', '6.00', true), flow('essex-police', 'nhs', '4.00', true)],
  });
  h.contribute(potId, 'essex-cc', '50.00', '2025-04-01', 'PO-3');
  h.reverseAllocation(allocation, 'Wrong intervention', '2026-04-20');
  return { events: h.events, potId };
}

describe('folding the books as they stood', () => {
  it('atPosition: every prefix of the log gives the books a fresh fold of that prefix gives, across pages', async () => {
    const { events } = backdatedHistory();
    for (let p = 0; p <= events.length; p++) {
      const { books, eventsFolded } = await foldHistory(
        sourceOf(events),
        { atPosition: BigInt(p) },
        3,
      );
      expect(answers(books.projections, events)).toEqual(
        answers(foldByHand(events.slice(0, p), false), events),
      );
      expect(eventsFolded).toBe(p);
    }
  });

  it('asAt between the allocation and the contribution it drew on: the negative stake is shown as it is, and available is still the sum of stakes', async () => {
    const { events, potId } = backdatedHistory();
    const { books } = await foldHistory(
      sourceOf(events),
      { asAt: '2025-04-10', atPosition: BigInt(events.length) },
      4,
    );
    const pot = listPots(books.projections.potSummary)[0]!;
    expect(pot).toMatchObject({
      potId,
      contributed: '350.00',
      allocated: '100.00',
      available: '250.00',
      partners: [
        { agencyId: 'essex-cc', contributed: '350.00', drawn: '60.00', stake: '290.00' },
        { agencyId: 'essex-police', contributed: '0.00', drawn: '40.00', stake: '-40.00' },
      ],
    });
    expect(agencyBalances(books.projections.agencyBalances, 'essex-police').total).toMatchObject({
      contributed: '0.00',
      drawn: '40.00',
      stake: '-40.00',
    });
    expect(answers(books.projections, events)).toEqual(
      answers(foldByHand(events.filter(datedOnOrBefore('2025-04-10')), true), events),
    );
    // The live books would (rightly) stop on that history: it is not one live commands make.
    const live = createLedgerBooks();
    expect(() =>
      events.filter(datedOnOrBefore('2025-04-10')).forEach((e) => live.evolve(e)),
    ).toThrow(/stake/);
  });

  it('asAt keeps undated events (agencies, pots, partners, interventions) and drops those dated later; with atPosition, only the prefix counts', async () => {
    const { events } = backdatedHistory();
    const { books } = await foldHistory(sourceOf(events), {
      asAt: '2000-01-01',
      atPosition: BigInt(events.length),
    });
    const pot = listPots(books.projections.potSummary)[0]!;
    expect(listAgencies(books.projections.agencyDirectory)).toHaveLength(3);
    expect(pot).toMatchObject({
      contributed: '0.00',
      allocated: '0.00',
      interventions: [{ funded: '0.00', benefits: '0.00' }],
    });
    // Position 8 is the allocation: the later-written but earlier-dated contribution (10) is not known yet.
    const at8 = await foldHistory(sourceOf(events), { asAt: '2026-03-31', atPosition: 8n });
    expect(answers(at8.books.projections, events)).toEqual(
      answers(foldByHand(events.slice(0, 8).filter(datedOnOrBefore('2026-03-31')), true), events),
    );
    expect(listPots(at8.books.projections.potSummary)[0]).toMatchObject({
      contributed: '500.00',
      allocated: '100.00',
    });
  });

  it('the filter reads data.effectiveDate of any event, so an event type added later needs nothing', () => {
    expect(isDatedAfter({ data: { effectiveDate: '2026-04-01', anything: 1 } }, '2026-03-31')).toBe(
      true,
    );
    expect(isDatedAfter({ data: { effectiveDate: '2026-03-31' } }, '2026-03-31')).toBe(false);
    expect(isDatedAfter({ data: { potId: 'x' } }, '2026-03-31')).toBe(false);
    expect(isDatedAfter({ data: null }, '2026-03-31')).toBe(false);
  });

  it('property: for random histories and random P, atPosition=P equals a fresh fold of the first P events', async () => {
    await fc.assert(
      fc.asyncProperty(
        opsArbitrary,
        fc.nat(),
        fc.integer({ min: 1, max: 7 }),
        async (ops, pick, batchSize) => {
          const { events } = historyOf(ops);
          const p = pick % (events.length + 1);
          const { books } = await foldHistory(
            sourceOf(events),
            { atPosition: BigInt(p) },
            batchSize,
          );
          const fresh = createLedgerBooks();
          for (const event of events.slice(0, p)) fresh.evolve(event);
          expect(answers(books.projections, events)).toEqual(answers(fresh.state, events));
        },
      ),
    );
  });

  it('property: asAt=D gives contributed, allocated, available and benefits equal to the sums of the entries dated on or before D', async () => {
    const asAtDates = ['2025-03-29', ...DATES, '2026-05-31', '2026-06-01'];
    await fc.assert(
      fc.asyncProperty(opsArbitrary, fc.constantFrom(...asAtDates), async (ops, asAt) => {
        const { events, potId } = historyOf(ops);
        const { books } = await foldHistory(sourceOf(events), {
          asAt,
          atPosition: BigInt(events.length),
        });
        const dated = events.filter(datedOnOrBefore(asAt));
        const total = (types: Record<string, 1 | -1>, amountOf: (e: Envelope) => Money) =>
          sum(dated.filter((e) => e.type in types).map((e) => amountOf(e).times(types[e.type]!)));
        const amount = (e: Envelope) => money((e.data as { amount: string }).amount);
        const benefits = (e: Envelope) =>
          sum((e.data as { benefits: { amount: string }[] }).benefits.map((b) => money(b.amount)));
        const contributed = total({ ContributionReceived: 1, ContributionReversed: -1 }, amount);
        const allocated = total({ FundsAllocated: 1, AllocationReversed: -1 }, amount);
        const benefitTotal = total({ OutcomeRecorded: 1, OutcomeRetracted: -1 }, benefits);

        const pot = listPots(books.projections.potSummary)[0]!;
        expect(pot.potId).toBe(potId);
        expect(pot.contributed).toBe(formatAmount(contributed));
        expect(pot.allocated).toBe(formatAmount(allocated));
        expect(pot.available).toBe(formatAmount(contributed.minus(allocated)));
        expect(formatAmount(sum(pot.partners.map((p) => money(p.stake))))).toBe(pot.available);
        expect(formatAmount(sum(pot.interventions.map((i) => money(i.benefits))))).toBe(
          formatAmount(benefitTotal),
        );
        const balances = AGENCIES.map(
          (a) => agencyBalances(books.projections.agencyBalances, a).total,
        );
        expect(formatAmount(sum(balances.map((b) => money(b.contributed))))).toBe(
          formatAmount(contributed),
        );
        expect(formatAmount(sum(balances.map((b) => money(b.stake))))).toBe(pot.available);
        expect(formatAmount(sum(balances.map((b) => money(b.benefitsReceived))))).toBe(
          formatAmount(benefitTotal),
        );
        const matrix = flowsMatrix(books.projections.benefitFlows, { potId });
        expect(formatAmount(sum(matrix.rows.map((r) => money(r.amount))))).toBe(
          formatAmount(benefitTotal),
        );
      }),
    );
  });
});

describe('the historical books service', () => {
  const liveState = createLedgerBooks();
  const setup = (events: readonly Envelope[], source = sourceOf(events)) => {
    const waitedFor: Array<bigint | undefined> = [];
    const live: BooksAnswer = { projections: liveState.state, position: BigInt(events.length) };
    const service = createHistoricalBooks({
      source,
      live: () => live,
      readYourWrites: async (minPosition) => {
        waitedFor.push(minPosition);
      },
      batchSize: 4,
    });
    return { service, source, live, waitedFor };
  };

  it('with neither asAt nor atPosition, answers the live books themselves (no fold), after read-your-writes', async () => {
    const { events } = backdatedHistory();
    const { service, source, live, waitedFor } = setup(events);
    expect(await service.booksFor({ minPosition: 3n }, ALL_PROJECTIONS)).toBe(live);
    expect(waitedFor).toEqual([3n]);
    expect(source.reads).toBe(0);
    expect(service.foldsRun()).toBe(0);
  });

  it('asAt alone is folded up to the live position; answers say what they are; one fold per key, shared by concurrent requests', async () => {
    const { events } = backdatedHistory();
    const { service } = setup(events);
    const [a, b] = await Promise.all([
      service.booksFor({ asAt: '2025-04-10' }, ALL_PROJECTIONS),
      service.booksFor({ asAt: '2025-04-10' }, ALL_PROJECTIONS),
    ]);
    expect(a).toBe(b);
    expect(a.position).toBe(BigInt(events.length));
    expect(a.asAt).toBe('2025-04-10');
    expect(answers(a.projections, events)).toEqual(
      answers(foldByHand(events.filter(datedOnOrBefore('2025-04-10')), true), events),
    );
    expect(service.foldsRun()).toBe(1);
    // The same point asked as atPosition = the live position is the same key.
    expect(
      await service.booksFor(
        { asAt: '2025-04-10', atPosition: BigInt(events.length) },
        ALL_PROJECTIONS,
      ),
    ).toBe(a);
    const atFive = await service.booksFor({ atPosition: 5n }, ALL_PROJECTIONS);
    expect(atFive.position).toBe(5n);
    expect(atFive.asAt).toBeUndefined();
    expect(await service.booksFor({ atPosition: 5n }, ALL_PROJECTIONS)).toBe(atFive);
    expect(service.foldsRun()).toBe(2);
  });

  it('atPosition beyond the end of the log is refused VALIDATION_FAILED; 0 is the empty books', async () => {
    const { events } = backdatedHistory();
    const { service } = setup(events);
    const refusal = await service
      .booksFor({ atPosition: BigInt(events.length + 1) }, ALL_PROJECTIONS)
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(LedgerError);
    expect(refusal).toMatchObject({ code: 'VALIDATION_FAILED' });
    const empty = await service.booksFor({ atPosition: 0n }, ALL_PROJECTIONS);
    expect(answers(empty.projections, events)).toEqual(answers(createLedgerBooks().state, events));
  });

  it(`runs at most ${MAX_CONCURRENT_HISTORICAL_FOLDS} folds at once; the others wait their turn and still answer`, async () => {
    const { events } = backdatedHistory();
    let most = 0;
    const source = sourceOf(events, {
      delayMs: 5,
      onRead: (inFlight) => (most = Math.max(most, inFlight)),
    });
    const { service } = setup(events, source);
    const positions = [1n, 2n, 3n, 4n, 5n, 6n];
    const answered = await Promise.all(
      positions.map((atPosition) => service.booksFor({ atPosition }, ALL_PROJECTIONS)),
    );
    expect(answered.map((a) => a.position)).toEqual(positions);
    expect(most).toBe(MAX_CONCURRENT_HISTORICAL_FOLDS);
    expect(service.foldsRun()).toBe(positions.length);
  });
});
