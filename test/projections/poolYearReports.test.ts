/**
 * The quarterly monitoring report and the memorandum account (docs/pooled-fund-year.md), as
 * specs over histories built by hand. Every £ figure is worked in the comments.
 *
 * Given: Essex, host county council (essex-cc) and police (essex-police); an agreement with
 * spend tracking on. 2025-26: council pays £300,000 (10 Apr), police £200,000 (11 Apr).
 * Reablement (scheme A) gets £100,000 (council £60,000, police £40,000) on 1 May; Home care
 * (scheme B, no scheme details) £50,000 (council £30,000, police £20,000) on 2 May.
 * A: order for £20,000 on 1 June; £15,000 spent against it on 15 June; £70,000 spent 1 Oct.
 * B: £55,000 spent 1 Nov. Agreed: council £300,000, police £250,000.
 */
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../events/index.ts';
import { foldAll } from '../../projections/projection.ts';
import { poolYearProjection } from '../../projections/poolYear.ts';
import {
  agreementsOf,
  memorandumAccount,
  monitoringReport,
} from '../../projections/poolYearReports.ts';
import { createHistory } from './envelopes.ts';
import { poolYearBuilders } from './poolYearFixtures.ts';

function essexYear() {
  const h = createHistory();
  const b = poolYearBuilders(h);
  h.registerAgency('essex-cc', 'Essex County Council', 'council');
  h.registerAgency('essex-police', 'Essex Police', 'police');
  const potId = h.openPot({
    name: 'Essex BCF',
    area: 'Essex',
    hostAgencyId: 'essex-cc',
    partnerAgencyIds: ['essex-police'],
  }).data.potId;
  b.agree(potId);
  h.contribute(potId, 'essex-cc', '300000.00', '2025-04-10', 'PO-1');
  h.contribute(potId, 'essex-police', '200000.00', '2025-04-11', 'PO-2');
  for (const [agencyId, amount] of [
    ['essex-cc', '300000.00'],
    ['essex-police', '250000.00'],
  ] as const)
    h.append({
      type: 'ContributionAgreed',
      data: { potId, agencyId, financialYear: '2025-26', amount, boardDecisionRef: 'HWB-1' },
    });
  const a = h.defineIntervention(potId, 'Reablement', 'essex-cc').data.interventionId;
  const bId = h.defineIntervention(potId, 'Home care', 'essex-cc').data.interventionId;
  b.scheme(potId, a, 'Reablement in a person’s own home', 'nhs-minimum');
  h.allocate(potId, a, { 'essex-cc': '60000.00', 'essex-police': '40000.00' }, '2025-05-01', 'Q1');
  h.allocate(
    potId,
    bId,
    { 'essex-cc': '30000.00', 'essex-police': '20000.00' },
    '2025-05-02',
    'Q1',
  );
  const order = b.commit(potId, a, '20000.00', '2025-06-01');
  b.spend(potId, a, '15000.00', '2025-06-15', {
    commitmentId: order.data.commitmentId,
    commitmentReleased: '15000.00',
  });
  b.spend(potId, a, '70000.00', '2025-10-01');
  b.spend(potId, bId, '55000.00', '2025-11-01');
  return { h, b, potId, a, bId };
}

const fold = (events: Envelope[]) => foldAll(poolYearProjection, events);

describe('monitoring report', () => {
  it('Q1: budgets, actual to 30 June, the order still outstanding, forecast = budget', () => {
    const { h, potId, a, bId } = essexYear();
    const report = monitoringReport(fold(h.events), potId, '2025-26', 1)!;
    expect(report.quarterEnd).toBe('2025-06-30');
    expect(report.spendTracking).toBe(true);
    // A: budget £100,000; actual £15,000; committed £20,000 − £15,000 released = £5,000.
    expect(report.schemes).toEqual([
      expect.objectContaining({
        interventionId: a,
        schemeType: 'Reablement in a person’s own home',
        fundingSource: 'nhs-minimum',
        budget: '100000.00',
        actual: '15000.00',
        committed: '5000.00',
        forecastOutturn: '100000.00',
        forecastIsBudget: true,
        variance: '0.00',
        overspent: false,
      }),
      expect.objectContaining({
        interventionId: bId,
        schemeType: null,
        budget: '50000.00',
        actual: '0.00',
        committed: '0.00',
      }),
    ]);
    // Totals: £150,000 budget, £15,000 actual, £5,000 committed.
    expect(report.totals).toEqual({
      budget: '150000.00',
      actual: '15000.00',
      committed: '5000.00',
      forecastOutturn: '150000.00',
      variance: '0.00',
    });
    expect(report.bySchemeType.map((r) => r.schemeType)).toEqual([
      'Reablement in a person’s own home',
      'unclassified',
    ]);
    expect(report.overspends).toEqual([]);
    // Agreed £300,000 / £250,000; received £300,000 / £200,000: police owes £50,000.
    expect(report.contributions).toEqual([
      { agencyId: 'essex-cc', agreed: '300000.00', received: '300000.00', outstanding: '0.00' },
      {
        agencyId: 'essex-police',
        agreed: '250000.00',
        received: '200000.00',
        outstanding: '50000.00',
      },
    ]);
  });

  it('Q3: the latest forecast with its explanation, and Home care flagged £5,000 over', () => {
    const { h, b, potId, a, bId } = essexYear();
    b.forecast(potId, a, '2025-26', 2, '90000.00', '100000.00', 'Slow start');
    b.forecast(potId, a, '2025-26', 3, '95000.00', '100000.00', 'Winter pressures');
    b.forecast(potId, a, '2025-26', 4, '99000.00', '100000.00', 'Not yet: a Q4 forecast');
    const report = monitoringReport(fold(h.events), potId, '2025-26', 3)!;
    // A: actual £15,000 + £70,000 = £85,000; forecast £95,000 − budget £100,000 = −£5,000.
    expect(report.schemes[0]).toMatchObject({
      actual: '85000.00',
      forecastOutturn: '95000.00',
      forecastIsBudget: false,
      variance: '-5000.00',
      explanation: 'Winter pressures',
    });
    // B: £55,000 actual against £50,000: over by £5,000.
    expect(report.overspends).toEqual([
      {
        interventionId: bId,
        name: 'Home care',
        budget: '50000.00',
        actual: '55000.00',
        committed: '0.00',
        overBy: '5000.00',
      },
    ]);
    expect(report.schemes[1]!.overspent).toBe(true);
  });

  it('a pot without an agreement: actual = budget (an allocation counts as spent), no commitments', () => {
    const h = createHistory();
    const potId = h.openPot({
      name: 'P',
      area: 'A',
      hostAgencyId: 'essex-cc',
      partnerAgencyIds: ['essex-police'],
    }).data.potId;
    h.contribute(potId, 'essex-cc', '1000.00', '2025-04-10', 'PO-1');
    const i = h.defineIntervention(potId, 'Scheme', 'essex-cc').data.interventionId;
    h.allocate(potId, i, { 'essex-cc': '400.00' }, '2025-07-01', 'Q2');
    const state = fold(h.events);
    expect(monitoringReport(state, potId, '2025-26', 1)!.schemes[0]).toMatchObject({
      budget: '0.00',
      actual: '0.00',
    });
    expect(monitoringReport(state, potId, '2025-26', 2)!).toMatchObject({
      spendTracking: false,
      totals: { budget: '400.00', actual: '400.00', committed: '0.00' },
    });
    expect(monitoringReport(state, 'no-such-pot', '2025-26', 2)).toBeNull();
  });
});

describe('memorandum account', () => {
  it('before settlement: spend split by each scheme’s funding of the year', () => {
    const { h, potId } = essexYear();
    const m = memorandumAccount(fold(h.events), potId, '2025-26')!;
    // A's £85,000 split 60:40 → council £51,000, police £34,000.
    // B's £55,000 split 30:20 → council £33,000, police £22,000.
    // Council: 0 + £300,000 − £84,000 = £216,000; police: £200,000 − £56,000 = £144,000.
    expect(m.settled).toBe(false);
    expect(m.partners).toEqual([
      expect.objectContaining({
        agencyId: 'essex-cc',
        openingBalance: '0.00',
        contributions: '300000.00',
        shareOfExpenditure: '84000.00',
        closingBalance: '216000.00',
        // Stake £300,000 − £90,000 allocated; the pot holds £210,000 + £6,000 unspent for it.
        carriedForward: '210000.00',
        owedByPot: '216000.00',
        owedToPot: '0.00',
      }),
      expect.objectContaining({
        agencyId: 'essex-police',
        shareOfExpenditure: '56000.00',
        closingBalance: '144000.00',
        carriedForward: '140000.00',
      }),
    ]);
    // Cash: £500,000 in − £140,000 spent = £360,000 = £216,000 + £144,000.
    expect(m.reconciliation).toEqual({
      openingBalanceFromPot: '0.00',
      closingBalanceFromPartners: '360000.00',
      closingBalanceFromPot: '360000.00',
      agrees: true,
    });
    expect(m.expenditureByScheme.map((s) => [s.spent, s.funding.map((f) => f.amount)])).toEqual([
      ['85000.00', ['51000.00', '34000.00']],
      ['55000.00', ['33000.00', '22000.00']],
    ]);
  });

  it('settled with a deficit shared, then the risk share paid the next year', () => {
    const { h, b, potId, a, bId } = essexYear();
    // A: £15,000 under, released 60:40 → council £9,000, police £6,000.
    // B: £5,000 over, not covered; shared by contributions 300:200 → council £3,000, police £2,000.
    const settled = b.settle(
      potId,
      '2025-26',
      [
        {
          interventionId: a,
          budget: '100000.00',
          spent: '85000.00',
          underspend: '15000.00',
          overspend: '0.00',
          fundingOfYear: [
            { agencyId: 'essex-cc', amount: '60000.00' },
            { agencyId: 'essex-police', amount: '40000.00' },
          ],
          released: [
            { agencyId: 'essex-cc', amount: '9000.00' },
            { agencyId: 'essex-police', amount: '6000.00' },
          ],
          covered: [],
          shared: [],
          fellToHost: '0.00',
        },
        {
          interventionId: bId,
          budget: '50000.00',
          spent: '55000.00',
          underspend: '0.00',
          overspend: '5000.00',
          fundingOfYear: [
            { agencyId: 'essex-cc', amount: '30000.00' },
            { agencyId: 'essex-police', amount: '20000.00' },
          ],
          released: [],
          covered: [],
          shared: [
            { agencyId: 'essex-cc', amount: '3000.00' },
            { agencyId: 'essex-police', amount: '2000.00' },
          ],
          fellToHost: '0.00',
        },
      ],
      {
        overspend: { policy: 'warn', coverFromPot: false, share: 'contributions' },
        owedByPartners: [
          { agencyId: 'essex-cc', amount: '3000.00' },
          { agencyId: 'essex-police', amount: '2000.00' },
        ],
      },
    );
    b.riskShare(potId, 'essex-cc', '3000.00', '2026-05-01', '2025-26');
    const state = fold(h.events);
    const year = memorandumAccount(state, potId, '2025-26')!;
    expect(year.settled).toBe(true);
    expect(year.settlementEventId).toBe(settled.eventId);
    // Council: A £60,000 − £9,000 = £51,000; B £30,000 + £3,000 = £33,000: £84,000 in all.
    // Closing £216,000 = stake (£210,000 + £9,000 released = £219,000) − £3,000 owed.
    expect(year.partners[0]).toMatchObject({
      shareOfExpenditure: '84000.00',
      shareOfSurplus: '9000.00',
      shareOfDeficit: '3000.00',
      closingBalance: '216000.00',
      carriedForward: '219000.00',
      owedToPot: '3000.00',
      owedByPot: '219000.00',
    });
    expect(year.reconciliation.agrees).toBe(true);
    // 2026-27: council opens at £216,000, pays £3,000 risk share: closes £219,000, owes nothing.
    // Cash: £360,000 + £3,000 = £363,000 = £219,000 + £144,000.
    const next = memorandumAccount(state, potId, '2026-27')!;
    expect(next.partners[0]).toMatchObject({
      openingBalance: '216000.00',
      contributions: '0.00',
      riskSharePaid: '3000.00',
      closingBalance: '219000.00',
      owedToPot: '0.00',
    });
    expect(next.partners[1]).toMatchObject({ owedToPot: '2000.00', closingBalance: '144000.00' });
    expect(next.reconciliation).toEqual({
      openingBalanceFromPot: '360000.00',
      closingBalanceFromPartners: '363000.00',
      closingBalanceFromPot: '363000.00',
      agrees: true,
    });
  });

  it('spend tracking off: net allocations are the expenditure; the pot’s close returns the rest', () => {
    const h = createHistory();
    const potId = h.openPot({
      name: 'P',
      area: 'A',
      hostAgencyId: 'essex-cc',
      partnerAgencyIds: ['essex-police'],
    }).data.potId;
    h.contribute(potId, 'essex-cc', '100000.00', '2025-04-10', 'PO-1');
    h.contribute(potId, 'essex-police', '50000.00', '2025-04-10', 'PO-2');
    const i = h.defineIntervention(potId, 'Scheme', 'essex-cc').data.interventionId;
    const first = h.allocate(
      potId,
      i,
      { 'essex-cc': '25000.00', 'essex-police': '15000.00' },
      '2025-05-01',
      'r',
    );
    h.allocate(potId, i, { 'essex-cc': '1000.00' }, '2025-05-02', 'r');
    h.reverseAllocation(h.events.at(-1) as never, 'error', '2025-05-03');
    h.append({
      type: 'PotClosed',
      data: {
        potId,
        effectiveDate: '2026-06-01',
        reason: 'Wound up',
        returns: [
          { agencyId: 'essex-cc', amount: '75000.00' },
          { agencyId: 'essex-police', amount: '35000.00' },
        ],
      },
    });
    void first;
    const state = fold(h.events);
    // Expenditure £40,000 (the £1,000 allocation reversed): council £25,000, police £15,000.
    // Closing: council £100,000 − £25,000 = £75,000; police £50,000 − £15,000 = £35,000.
    const year = memorandumAccount(state, potId, '2025-26')!;
    expect(year.spendTracking).toBe(false);
    expect(year.totals.expenditure).toBe('40000.00');
    expect(year.partners.map((p) => [p.closingBalance, p.carriedForward])).toEqual([
      ['75000.00', '75000.00'],
      ['35000.00', '35000.00'],
    ]);
    expect(year.reconciliation).toMatchObject({ closingBalanceFromPot: '110000.00', agrees: true });
    // 2026-27: everything returned, both ways to zero.
    const closed = memorandumAccount(state, potId, '2026-27')!;
    expect(closed.totals).toMatchObject({
      openingBalance: '110000.00',
      returned: '110000.00',
      closingBalance: '0.00',
    });
    expect(closed.reconciliation).toMatchObject({ closingBalanceFromPot: '0.00', agrees: true });
  });
});

describe('agreements', () => {
  it('every version in order; the last one is current; no pot → null', () => {
    const { h, b, potId } = essexYear();
    const first = h.events.find((e) => e.type === 'AgreementRecorded')!;
    b.agree(potId, 2, {
      boardDecisionRef: 'HWB-2025-09',
      replaces: { version: 1, agreementEventId: first.eventId, boardDecisionRef: 'HWB-2025-03' },
    });
    const view = agreementsOf(fold(h.events), potId)!;
    expect(view.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(view.current).toMatchObject({ version: 2, boardDecisionRef: 'HWB-2025-09' });
    expect(view.versions[0]).toMatchObject({
      eventId: first.eventId,
      position: first.position.toString(),
    });
    expect(agreementsOf(fold(h.events), 'nope')).toBeNull();
  });
});
