/**
 * Properties of the books over random VALID histories (randomHistory.ts plays the deciders'
 * part), so every history is one the ledger could really have written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../events/index.ts';
import { eventsByPosition } from '../support/auditPages.ts';
import { formatAmount, money, sum } from '../../events/money.ts';
import type { LedgerProjections } from '../../projections/index.ts';
import {
  agencyBalances,
  auditEntriesFrom,
  createLedgerBooks,
  financialYearsOf,
  flowsMatrix,
  listAgencies,
  listPots,
} from '../../projections/index.ts';
import { potStatement } from '../../projections/potStatement.ts';
import { evolvePot, initialPotState } from '../../commands/potState.ts';
import type { PotEvent } from '../../events/pot.ts';
import {
  AGENCIES,
  PARTNERS,
  historyOf,
  opsArbitrary,
  opsWithPoolYearArbitrary,
} from './randomHistory.ts';

function fold(events: readonly Envelope[]): LedgerProjections {
  const books = createLedgerBooks();
  for (const event of events) books.evolve(event);
  return books.state;
}

/** Every answer the books give, as the API would serve them. */
function answers(state: LedgerProjections, potId: string, events: readonly Envelope[]) {
  return {
    agencies: listAgencies(state.agencyDirectory),
    pots: listPots(state.potSummary),
    balances: AGENCIES.map((a) => agencyBalances(state.agencyBalances, a)),
    flows: [undefined, ...financialYearsOf(state.benefitFlows)].map((financialYear) =>
      flowsMatrix(state.benefitFlows, { potId, financialYear }),
    ),
    audit: auditEntriesFrom(state.auditTrail, { limit: 1_000 }, eventsByPosition(events)),
  };
}

describe.each([
  ['', opsArbitrary],
  [
    ' (with the pooled-fund year: spend, settlements, risk-share payments)',
    opsWithPoolYearArbitrary,
  ],
] as const)('properties of the books%s', (_, opsArbitrary) => {
  it('folding the same history twice gives the same answers (determinism)', () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const { events, potId } = historyOf(ops);
        expect(answers(fold(events), potId, events)).toEqual(answers(fold(events), potId, events));
      }),
    );
  });

  it('available is the sum of the partners’ stakes, none below zero, and agrees with the reference model and the agency balances', () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const { events, potId, stakes } = historyOf(ops);
        const state = fold(events);
        const pot = listPots(state.potSummary)[0]!;
        expect(pot.potId).toBe(potId);
        expect(formatAmount(sum(pot.partners.map((p) => money(p.stake))))).toBe(pot.available);
        expect(pot.partners.every((p) => !money(p.stake).isNegative())).toBe(true);
        const returned = sum(pot.partners.map((p) => money(p.returned)));
        expect(
          formatAmount(money(pot.contributed).minus(money(pot.allocated)).minus(returned)),
        ).toBe(pot.available);
        expect(pot.available).toBe(formatAmount(sum(stakes.values())));
        for (const partner of pot.partners) {
          expect(partner.stake).toBe(formatAmount(stakes.get(partner.agencyId)!));
          expect(agencyBalances(state.agencyBalances, partner.agencyId).total).toMatchObject({
            contributed: partner.contributed,
            drawn: partner.drawn,
            stake: partner.stake,
          });
        }
      }),
    );
  });

  it('no penny of benefit or investment appears or vanishes between the pot summary and the flows matrix', () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const { events, potId } = historyOf(ops);
        const state = fold(events);
        const pot = listPots(state.potSummary)[0]!;
        const matrix = flowsMatrix(state.benefitFlows, { potId });
        expect(formatAmount(sum(matrix.rows.map((r) => money(r.amount))))).toBe(
          formatAmount(sum(pot.interventions.map((i) => money(i.benefits)))),
        );
        // A settlement's shares fund schemes without a stake: invested = allocated + shares owed.
        const funded = formatAmount(money(pot.allocated).plus(money(pot.riskShareOwed ?? '0.00')));
        expect(formatAmount(sum(matrix.agencies.map((a) => money(a.invested))))).toBe(funded);
        expect(formatAmount(sum(pot.interventions.map((i) => money(i.funded))))).toBe(funded);
        // The years split the whole: each year's invested adds up to the all-years figure.
        const byYear = financialYearsOf(state.benefitFlows, potId).flatMap(
          (financialYear) => flowsMatrix(state.benefitFlows, { potId, financialYear }).agencies,
        );
        expect(formatAmount(sum(byYear.map((a) => money(a.invested))))).toBe(funded);
      }),
    );
  });
  it('the year-end statements chain: each closing balance opens the next year, and the last one is the pot’s available balance', () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const { events, potId } = historyOf(ops);
        // The generated dates span 2024-25 to 2026-27; nothing is dated after 2026-27.
        const years = ['2024-25', '2025-26', '2026-27'].map((fy) =>
          potStatement(events, potId, fy)!,
        );
        expect(years[0]!.openingBalance).toBe('0.00');
        expect(years[1]!.openingBalance).toBe(years[0]!.closingBalance);
        expect(years[2]!.openingBalance).toBe(years[1]!.closingBalance);
        const pot = listPots(fold(events).potSummary)[0]!;
        expect(years[2]!.closingBalance).toBe(pot.available);
        for (const partner of pot.partners) {
          expect(
            years[2]!.partners.find((p) => p.agencyId === partner.agencyId)?.closingStake,
          ).toBe(partner.stake);
        }
        // Every contribution lands in exactly one year.
        const received = years.map((y) => money(y.contributions.net));
        expect(formatAmount(sum(received))).toBe(pot.contributed);
      }),
    );
  });
});

describe('the books and the write side over the pooled-fund year', () => {
  it('available is the sum of the stakes, and stakes, allocated and each partner’s funding of each intervention equal what commands/potState.ts folds', () => {
    fc.assert(
      fc.property(opsWithPoolYearArbitrary, (ops) => {
        const { events, potId, interventionIds } = historyOf(ops);
        const state = fold(events);
        let pot = initialPotState();
        for (const event of events)
          if (event.streamId === `pot-${potId}`)
            pot = evolvePot(pot, event as unknown as PotEvent & { eventId: string });

        const summary = listPots(state.potSummary)[0]!;
        expect(formatAmount(sum(summary.partners.map((p) => money(p.stake))))).toBe(
          summary.available,
        );
        expect(formatAmount(sum(pot.stakes.values()))).toBe(summary.available);
        expect(summary.allocated).toBe(formatAmount(pot.totalAllocated));
        expect(summary.contributed).toBe(formatAmount(pot.totalContributed));
        expect(summary.riskSharePaid ?? '0.00').toBe(formatAmount(pot.totalRiskSharePaid));
        for (const agencyId of PARTNERS) {
          const partner = summary.partners.find((p) => p.agencyId === agencyId)!;
          expect(partner.stake).toBe(formatAmount(pot.stakes.get(agencyId)!));
          const balances = agencyBalances(state.agencyBalances, agencyId).total;
          expect(balances).toMatchObject({
            contributed: partner.contributed,
            drawn: partner.drawn,
            returned: partner.returned,
            stake: partner.stake,
          });
          // Both answer the risk-share figures only where there are some (a pooled-fund pot,
          // an agency that has had a debt): absent is zero.
          expect(balances.riskSharePaid ?? '0.00').toBe(partner.riskSharePaid ?? '0.00');
          expect(balances.riskShareOwed ?? '0.00').toBe(partner.riskShareOwed ?? '0.00');
        }
        // Each partner's funding of each intervention: the flows' invested, all years.
        for (const interventionId of interventionIds) {
          const funding = pot.interventions.get(interventionId)!.netFundingByAgency;
          const invested = flowsMatrix(state.benefitFlows, { potId, interventionId }).agencies;
          for (const agencyId of PARTNERS) {
            expect(invested.find((a) => a.agencyId === agencyId)?.invested ?? '0.00').toBe(
              formatAmount(funding.get(agencyId) ?? money(0)),
            );
          }
          expect(
            summary.interventions.find((i) => i.interventionId === interventionId)!.funded,
          ).toBe(formatAmount(sum(funding.values())));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('some generated histories do settle, with cover, shares and returns', () => {
    const seen = { settled: 0, covered: 0, shared: 0, returned: 0, riskShare: 0 };
    fc.assert(
      fc.property(opsWithPoolYearArbitrary, (ops) => {
        for (const event of historyOf(ops).events) {
          if (event.type === 'ContributionReceived' && event.data.riskShareFor !== undefined)
            seen.riskShare += 1;
          if (event.type !== 'FinancialYearSettled') continue;
          seen.settled += 1;
          if (event.data.schemes.some((s) => s.covered.length > 0)) seen.covered += 1;
          if (event.data.schemes.some((s) => s.shared.length > 0)) seen.shared += 1;
          if (event.data.returns.length > 0) seen.returned += 1;
        }
      }),
      { numRuns: 300 },
    );
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
  });
});
