/**
 * The read models over a pooled-fund year worked by hand (settlementScenario.ts): a settlement
 * with released underspend, cover from the stakes and shares owed by the partners, then a
 * risk-share payment and a reversed one. Every figure below is checked on paper there, and
 * the money ones against the write side's own fold (commands/potState.ts evolvePot).
 */
import { describe, expect, it } from 'vitest';
import { evolvePot, initialPotState, type PotState } from '../../commands/potState.ts';
import type { Envelope, PotEvent } from '../../events/index.ts';
import { eventsByPosition } from '../support/auditPages.ts';
import { formatAmount, money, sum } from '../../events/money.ts';
import {
  agencyBalances,
  auditEntriesFrom,
  auditTrailProjection,
  createLedgerBooks,
  foldAll,
  flowsMatrix,
  outstandingOf,
  potExceptions,
  potPoolYearExceptions,
  potSummary,
  settlementLinesOf,
  type LedgerProjections,
} from '../../projections/index.ts';
import { costBenefitReport } from '../../projections/costBenefit.ts';
import { potStatement } from '../../projections/potStatement.ts';
import { readDeflatorFile } from '../../src/unitCosts/unitCostFile.ts';
import { COUNCIL, POLICE, settlementScenario } from './settlementScenario.ts';

function fold(events: readonly Envelope[]): LedgerProjections {
  const books = createLedgerBooks();
  for (const event of events) books.evolve(event);
  return books.state;
}

/** The write side's state of the pot, folded from the same events. */
export function writeSideOf(events: readonly Envelope[], potId: string): PotState {
  let state = initialPotState();
  for (const event of events) {
    if (event.streamId !== `pot-${potId}`) continue;
    state = evolvePot(state, event as unknown as PotEvent & { eventId: string });
  }
  return state;
}

const s = settlementScenario();
const books = fold(s.h.events);

describe('the audit trail over the pooled-fund year', () => {
  const byEvent = new Map(
    auditEntriesFrom(books.auditTrail, { limit: 1_000 }, eventsByPosition(s.h.events)).entries.map(
      (e) => [e.eventId, e],
    ),
  );
  const entry = (event: { eventId: string }) => byEvent.get(event.eventId)!;
  const e = s.events;

  it('gives each new event a sentence an inspector can read, with its date and reason where it has them', () => {
    expect(entry(e.agreement).summary).toBe(
      'root (admin) recorded agreement AG-2025 version 1 (board decision PB-11): spend tracking on, overspend warn, covered from the pot first, shared by contributions, underspend carried forward; pot Essex Better Care, s75 NHS Act 2006, from 2025-04-01, signed 2025-03-20',
    );
    expect(entry(e.variation).summary).toContain(
      'recorded agreement AG-2025 version 2 (replaces version 1, board decision PB-12): spend tracking on, overspend warn',
    );
    expect(entry(e.scheme).summary).toBe(
      'root (admin) recorded scheme details of Home care in Essex Better Care: Home care or domiciliary care, funding source la-bcf, commissioned by Essex County Council 60%, Essex Police 40%, provider Acme Care, recurrent revenue',
    );
    expect(entry(e.scheme).agencyIds).toEqual([COUNCIL, POLICE]);
    expect(entry(e.commitment).summary).toBe(
      'root (admin) raised a commitment of £5,000.00 on Reablement, ref PO-1 with Acme Care',
    );
    expect(entry(e.released)).toMatchObject({
      summary:
        'root (admin) released £1,000.00 of commitment PO-1 on Reablement; reason: Package reduced',
      effectiveDate: '2025-06-01',
      reason: 'Package reduced',
    });
    expect(entry(e.cancelled).summary).toBe(
      'root (admin) reversed commitment PO-1 on Reablement, cancelling the £4,000.00 it still reserved; reason: Raised in error',
    );
    expect(entry(e.reablementSpend)).toMatchObject({
      summary:
        'bob (finance officer, Essex Police) recorded spend of £40,000.00 on Reablement, invoice INV-1 from Acme Care, VAT £6,666.67 (recoverable)',
      effectiveDate: '2025-09-30',
    });
    expect(entry(e.overspend).summary).toBe(
      'bob (finance officer, Essex Police) recorded spend of £25,000.00 on Home care, invoice INV-7 from Acme Care (overspend by £25,000.00)',
    );
    expect(entry(e.spendReversed)).toMatchObject({
      summary:
        'root (admin) reversed spend of £500.00 on Reablement (invoice INV-2 from Acme Care); reason: Invoice for another pool',
      effectiveDate: '2025-10-02',
      reason: 'Invoice for another pool',
    });
    expect(entry(e.forecast).summary).toBe(
      'root (admin) forecast an outturn of £65,000.00 for Home care in 2025-26 Q3 against a budget of £40,000.00 (£25,000.00 over budget); explanation: Winter demand',
    );
    expect(entry(e.forecastWithdrawn)).toMatchObject({
      summary:
        'root (admin) withdrew the 2025-26 Q1 forecast for Home care; reason: Entered against the wrong scheme',
      reason: 'Entered against the wrong scheme',
    });
    expect(entry(e.settled)).toMatchObject({
      summary:
        'root (admin) settled 2025-26 of Essex Better Care under agreement version 2 (effective 2026-03-31): underspend released £10,000.00, overspend covered £20,000.00, shared £5,000.00; owed by partners: Essex County Council £3,000.00, Essex Police £2,000.00',
      effectiveDate: '2026-03-31',
      agencyIds: [COUNCIL, POLICE],
    });
  });

  it('reads a risk-share payment, and its reversal, as such: not a contribution to a stake', () => {
    expect(entry(e.policePays).summary).toBe(
      'bob (finance officer, Essex Police) paid £2,000.00 to Essex Better Care towards its 2025-26 risk-share debt (not a contribution to its stake), ref RS-POL',
    );
    expect(entry(e.councilPays).summary).toBe(
      'root (admin) recorded a risk-share payment of £3,000.00 from Essex County Council to Essex Better Care towards its 2025-26 debt (not a contribution to its stake), ref RS-LA',
    );
    expect(entry(e.councilPaymentReversed)).toMatchObject({
      summary:
        'root (admin) reversed risk-share payment of £3,000.00 from Essex County Council to Essex Better Care for 2025-26 (ref RS-LA): the debt stands again; reason: Paid twice',
      reason: 'Paid twice',
      agencyIds: [COUNCIL],
    });
  });

  it('a settlement that returns the stakes, or lets some of the shares fall to the host, says so', () => {
    const h = settlementScenario();
    const settled = h.events.settled.data;
    const variant = {
      ...h.events.settled,
      data: {
        ...settled,
        schemes: settled.schemes.map((scheme, i) =>
          i === 1 ? { ...scheme, fellToHost: '1000.00' } : scheme,
        ),
        returns: [{ agencyId: POLICE, amount: '12.34' }],
      },
    };
    // The audit trail alone: these returns are not the stakes, which the money books would refuse.
    const folded = [...h.h.events.slice(0, h.h.events.indexOf(h.events.settled)), variant];
    const trail = foldAll(auditTrailProjection, folded);
    const last = auditEntriesFrom(trail, { limit: 1_000 }, eventsByPosition(folded)).entries.at(
      -1,
    )!;
    expect(last.summary).toContain(
      'shared £5,000.00 (£1,000.00 of it fell to the host, Essex County Council); returned £12.34 to the partners; owed by partners:',
    );
  });
});

describe('the pot summary over the pooled-fund year', () => {
  const pot = potSummary(books.potSummary, s.potId)!;

  it('follows the settlement: released back to the stakes, cover drawn from them, shares owed on top', () => {
    expect(pot).toMatchObject({
      contributed: '100000.00',
      // 90,000 allocated − 10,000 released + 20,000 covered
      allocated: '100000.00',
      available: '0.00',
      riskShareOwed: '5000.00',
      riskSharePaid: '2000.00',
      riskShareOutstanding: '3000.00',
      settledFinancialYears: ['2025-26'],
    });
    expect(pot.partners).toEqual([
      {
        agencyId: COUNCIL,
        contributed: '60000.00',
        // 54,000 − 6,000 + 12,000
        drawn: '60000.00',
        returned: '0.00',
        stake: '0.00',
        riskShareOwed: '3000.00',
        riskSharePaid: '0.00',
        riskShareOutstanding: '3000.00',
      },
      {
        agencyId: POLICE,
        contributed: '40000.00',
        drawn: '40000.00',
        returned: '0.00',
        stake: '0.00',
        riskShareOwed: '2000.00',
        riskSharePaid: '2000.00',
        riskShareOutstanding: '0.00',
      },
    ]);
    // Each scheme's funding after settlement is its spend.
    expect(pot.interventions.map((i) => [i.name, i.funded, i.spent])).toEqual([
      ['Reablement', '40000.00', '40000.00'],
      ['Home care', '65000.00', '65000.00'],
    ]);
  });

  it('agrees with the write side (commands/potState.ts) on stakes, allocated and each partner’s funding', () => {
    const state = writeSideOf(s.h.events, s.potId);
    expect(formatAmount(state.totalContributed)).toBe(pot.contributed);
    expect(formatAmount(state.totalAllocated)).toBe(pot.allocated);
    expect(formatAmount(state.totalRiskSharePaid)).toBe(pot.riskSharePaid);
    for (const partner of pot.partners)
      expect(formatAmount(state.stakes.get(partner.agencyId)!)).toBe(partner.stake);
    for (const intervention of pot.interventions) {
      const funding = state.interventions.get(intervention.interventionId)!.netFundingByAgency;
      expect(formatAmount(sum(funding.values()))).toBe(intervention.funded);
    }
  });

  it('a risk-share payment and its reversal leave contributed, stakes and agreed contributions alone', () => {
    const before = fold(s.h.events.slice(0, s.h.events.indexOf(s.events.settled) + 1));
    const was = potSummary(before.potSummary, s.potId)!;
    expect(was.riskSharePaid).toBe('0.00');
    expect(pot.contributed).toBe(was.contributed);
    expect(pot.available).toBe(was.available);
    expect(pot.partners.map((p) => p.stake)).toEqual(was.partners.map((p) => p.stake));
    expect(pot.agreedContributions).toEqual(was.agreedContributions);
  });

  it('stops on a reversal that reads a risk-share payment as a stake contribution', () => {
    const h = settlementScenario();
    const reversal = h.events.councilPaymentReversed;
    const { riskShareFor: _, ...withoutLabel } = reversal.data;
    const wrong = { ...reversal, data: withoutLabel };
    expect(() => fold([...h.h.events.slice(0, h.h.events.indexOf(reversal)), wrong])).toThrow(
      /as a stake contribution, but it paid a risk-share debt/,
    );
  });

  it('stops on a settlement whose stakesAfter the events before it do not give', () => {
    const h = settlementScenario();
    const settled = h.events.settled;
    const wrong = {
      ...settled,
      data: { ...settled.data, stakesAfter: [{ agencyId: POLICE, amount: '1.00' }] },
    };
    expect(() => fold([...h.h.events.slice(0, h.h.events.indexOf(settled)), wrong])).toThrow(
      /stake in pot .* is 0\.00, the event says 1\.00/,
    );
  });
});

describe('agency balances over the pooled-fund year', () => {
  it('moves drawn by the settlement, and counts a risk-share payment as money put in, not as stake', () => {
    expect(agencyBalances(books.agencyBalances, POLICE).total).toEqual({
      contributed: '40000.00',
      drawn: '40000.00',
      returned: '0.00',
      stake: '0.00',
      benefitsReceived: '0.00',
      benefitsReceivedCashable: '0.00',
      benefitsReceivedNonCashable: '0.00',
      benefitsProducedForOthers: '0.00',
      // 0 − (40,000 − 0 + 2,000)
      netFiscalPosition: '-42000.00',
      // Nothing is left unspent: all of it, the risk share too, was spent.
      netFiscalPositionOnMoneySpent: '-42000.00',
      netFiscalPositionNote: null,
      riskShareOwed: '2000.00',
      riskSharePaid: '2000.00',
    });
    // The council's payment was reversed: the debt stands, nothing counts as paid.
    expect(agencyBalances(books.agencyBalances, COUNCIL).total).toMatchObject({
      contributed: '60000.00',
      drawn: '60000.00',
      stake: '0.00',
      netFiscalPosition: '-60000.00',
      riskShareOwed: '3000.00',
      riskSharePaid: '0.00',
    });
  });
});

describe('the statement over the pooled-fund year', () => {
  it('2025-26: the settlement moves the stakes to the closing balance; its shares and the spend are listed beside it', () => {
    const statement = potStatement(s.h.events, s.potId, '2025-26')!;
    expect(statement).toMatchObject({
      openingBalance: '0.00',
      contributions: { received: '100000.00', reversed: '0.00', net: '100000.00' },
      allocations: { allocated: '90000.00', reversed: '0.00', net: '90000.00' },
      settlementMovements: { released: '10000.00', covered: '20000.00' },
      // 100,000 − 90,000 + 10,000 − 20,000
      closingBalance: '0.00',
      spend: { spent: '105500.00', reversed: '500.00', net: '105000.00' },
      riskSharePayments: { received: '0.00', reversed: '0.00', net: '0.00' },
      settlement: {
        financialYear: '2025-26',
        eventId: s.events.settled.eventId,
        effectiveDate: '2026-03-31',
        agreementVersion: 2,
        released: '10000.00',
        covered: '20000.00',
        shared: '5000.00',
        returned: '0.00',
        owedByPartners: [
          { agencyId: COUNCIL, amount: '3000.00' },
          { agencyId: POLICE, amount: '2000.00' },
        ],
      },
    });
    expect(statement.partners[0]).toMatchObject({
      agencyId: COUNCIL,
      drawn: '54000.00',
      settlementReleased: '6000.00',
      settlementCovered: '12000.00',
      riskShareOwed: '3000.00',
      closingStake: '0.00',
    });
    expect(
      statement.interventions.map((i) => [
        i.name,
        i.netSpent,
        i.settlementReleased,
        i.settlementCovered,
        i.settlementShared,
      ]),
    ).toEqual([
      ['Reablement', '40000.00', '10000.00', '0.00', '0.00'],
      ['Home care', '65000.00', '0.00', '20000.00', '5000.00'],
    ]);
    // The spend reversal is counted; the `reversals` lines keep their three published types.
    expect(statement.reversals).toEqual([]);
  });

  it('2026-27: opens at the settled balance; risk-share payments are listed, outside the balance', () => {
    const statement = potStatement(s.h.events, s.potId, '2026-27')!;
    expect(statement).toMatchObject({
      openingBalance: '0.00',
      contributions: { received: '0.00', reversed: '0.00', net: '0.00' },
      riskSharePayments: { received: '5000.00', reversed: '3000.00', net: '2000.00' },
      closingBalance: '0.00',
      settlement: null,
    });
    expect(statement.partners.map((p) => [p.agencyId, p.riskSharePaid, p.closingStake])).toEqual([
      [COUNCIL, '0.00', '0.00'],
      [POLICE, '2000.00', '0.00'],
    ]);
    expect(statement.reversals.map((r) => [r.type, r.amount, r.reason])).toEqual([
      ['ContributionReversed', '3000.00', 'Paid twice'],
    ]);
  });
});

describe('invested and cost over the pooled-fund year', () => {
  it('the flows matrix counts the settlement in its year: each partner invested what now funds the schemes', () => {
    const matrix = flowsMatrix(books.benefitFlows, { potId: s.potId, financialYear: '2025-26' });
    expect(matrix.agencies.map((a) => [a.agencyId, a.invested])).toEqual([
      // 30,000 − 6,000 + 24,000 + 12,000 + 3,000
      [COUNCIL, '63000.00'],
      // 20,000 − 4,000 + 16,000 + 8,000 + 2,000
      [POLICE, '42000.00'],
    ]);
    const homeCare = flowsMatrix(books.benefitFlows, {
      potId: s.potId,
      interventionId: s.homeCare,
    });
    expect(formatAmount(sum(homeCare.agencies.map((a) => money(a.invested))))).toBe('65000.00');
    expect(
      flowsMatrix(books.benefitFlows, { potId: s.potId, financialYear: '2026-27' }).agencies,
    ).toEqual([]);
  });

  it('the cost-benefit cost of a scheme is its allocations plus what its settlement changed, in the settled year', () => {
    const report = costBenefitReport(
      books.costBenefitInputs,
      s.potId,
      { financialYear: '2025-26' },
      readDeflatorFile(),
    );
    if (report === null || report === 'unknown-intervention' || 'refusal' in report)
      throw new Error('no report');
    const cost = (name: string) => report.interventions.find((i) => i.name === name)!.cost;
    expect(cost('Reablement').value).toBe('40000.00');
    expect(cost('Reablement').inputs).toMatchObject({ 'settlement:2025-26': '-10000.00' });
    expect(cost('Home care').value).toBe('65000.00');
    expect(cost('Home care').inputs).toMatchObject({ 'settlement:2025-26': '25000.00' });
    const later = costBenefitReport(
      books.costBenefitInputs,
      s.potId,
      { financialYear: '2026-27' },
      readDeflatorFile(),
    );
    if (later === null || later === 'unknown-intervention' || 'refusal' in later)
      throw new Error('no report');
    expect(later.interventions.map((i) => i.cost.value)).toEqual(['0.00', '0.00']);
  });
});

describe('exceptions and records over the pooled-fund year', () => {
  it('lists reversed spend and commitments, a withdrawn forecast and the overspend apart from the published kinds', () => {
    expect(potExceptions(books.exceptions, s.potId).map((x) => x.type)).toEqual([
      'ContributionReversed',
    ]);
    expect(
      potPoolYearExceptions(books.exceptions, s.potId).map((x) => [
        x.type,
        x.kind,
        x.date,
        x.amount,
      ]),
    ).toEqual([
      ['CommitmentReversed', 'reversal', '2025-06-02', '4000.00'],
      ['SpendReversed', 'reversal', '2025-10-02', '500.00'],
      ['SpendRecorded', 'overspend', '2026-02-28', '25000.00'],
      // A forecast has no business date: the end of the quarter it forecast.
      ['ForecastWithdrawn', 'reversal', '2025-06-30', null],
    ]);
    expect(potPoolYearExceptions(books.exceptions, s.potId, { financialYear: '2026-27' })).toEqual(
      [],
    );
  });

  it('keeps each record at its current standing, and the settlement as lines', () => {
    const records = books.pooledFundRecords;
    expect([...records.agreements.keys()]).toEqual([`${s.potId} 1`, `${s.potId} 2`]);
    const commitment = records.commitments.get(s.events.commitment.data.commitmentId)!;
    expect([
      formatAmount(commitment.released),
      formatAmount(commitment.cancelled),
      outstandingOf(commitment),
    ]).toEqual(['1000.00', '4000.00', '0.00']);
    expect(records.spends.get(s.events.mistaken.data.spendId)).toMatchObject({
      reversedByEventId: s.events.spendReversed.eventId,
      reversedOn: '2025-10-02',
    });
    expect(
      records.forecasts.get(s.events.withdrawnForecast.data.forecastId)!.withdrawnByEventId,
    ).toBe(s.events.forecastWithdrawn.eventId);
    expect(
      settlementLinesOf(s.events.settled.data).map((l) => [l.kind, l.agencyId, l.amount]),
    ).toEqual([
      ['released', COUNCIL, '6000.00'],
      ['released', POLICE, '4000.00'],
      ['covered', COUNCIL, '12000.00'],
      ['covered', POLICE, '8000.00'],
      ['shared', COUNCIL, '3000.00'],
      ['shared', POLICE, '2000.00'],
      ['owed', COUNCIL, '3000.00'],
      ['owed', POLICE, '2000.00'],
    ]);
  });
});
