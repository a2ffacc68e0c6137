import { describe, expect, it } from 'vitest';
import { potStatement, statementPeriod } from '../../projections/potStatement.ts';
import { ACTORS, benefit, createHistory, flow } from './envelopes.ts';

const COUNCIL = 'essex-cc';
const POLICE = 'essex-police';
const NHS = 'nhs-mid-essex';

/**
 * Two years of a pool, every figure checkable by hand:
 *   2024-25  council 100,000 (15 Mar), police 50,000 (20 Mar); allocation 30,000 (25 Mar) = council 20,000 + police 10,000
 *            → opening balance of 2025-26: council 80,000, police 40,000 = 120,000
 *   2025-26  council 200,000; police 150,000 and 5,000 (the 5,000 reversed in June);
 *            allocation 90,000 (council 54,000, police 36,000); the March allocation reversed in August (shares back);
 *            outcome 50,000 (police 30,000 cashable, NHS 20,000 non-cashable); outcome 5,000 NHS, retracted
 *   2026-27  council 40,000 (2 April) — after the year, left out
 */
function twoYears() {
  const h = createHistory();
  h.registerAgency(COUNCIL, 'Essex County Council', 'council');
  h.registerAgency(POLICE, 'Essex Police', 'police');
  h.registerAgency(NHS, 'NHS Mid Essex', 'health');
  const potId = h.openPot({
    name: 'Essex Pool',
    area: 'Essex',
    hostAgencyId: COUNCIL,
    partnerAgencyIds: [COUNCIL, POLICE],
  }).data.potId;
  h.contribute(potId, COUNCIL, '100000.00', '2025-03-15', 'ECC-1');
  h.contribute(potId, POLICE, '50000.00', '2025-03-20', 'PO-1');
  const interventionId = h.defineIntervention(potId, 'Employment support', COUNCIL).data
    .interventionId;
  const march = h.allocate(
    potId,
    interventionId,
    { [COUNCIL]: '20000.00', [POLICE]: '10000.00' },
    '2025-03-25',
    'Pilot',
  );
  h.contribute(potId, COUNCIL, '200000.00', '2025-04-10', 'ECC-2');
  h.contribute(potId, POLICE, '150000.00', '2025-06-01', 'PO-2');
  const mistaken = h.contribute(potId, POLICE, '5000.00', '2025-06-02', 'PO-3');
  h.reverseContribution(mistaken, 'Paid twice', '2025-06-15', { actor: ACTORS.alice });
  h.allocate(
    potId,
    interventionId,
    { [COUNCIL]: '54000.00', [POLICE]: '36000.00' },
    '2025-07-01',
    'Year one delivery',
  );
  h.reverseAllocation(march, 'Pilot cancelled', '2025-08-01');
  h.recordOutcome(potId, interventionId, {
    description: 'Cohort one',
    effectiveDate: '2025-09-30',
    benefits: [benefit(POLICE, '30000.00', true), benefit(NHS, '20000.00', false)],
    flows: [
      flow(COUNCIL, POLICE, '18000.00', true),
      flow(POLICE, POLICE, '12000.00', true),
      flow(COUNCIL, NHS, '12000.00', false),
      flow(POLICE, NHS, '8000.00', false),
    ],
  });
  const wrong = h.recordOutcome(potId, interventionId, {
    description: 'Counted twice',
    effectiveDate: '2025-11-01',
    benefits: [benefit(NHS, '5000.00', false)],
    flows: [flow(COUNCIL, NHS, '3000.00', false), flow(POLICE, NHS, '2000.00', false)],
  });
  h.retractOutcome(wrong, 'Duplicate of cohort one', '2025-11-02');
  h.contribute(potId, COUNCIL, '40000.00', '2026-04-02', 'ECC-3');
  return { h, potId, interventionId };
}

describe('pot statement', () => {
  it('runs a financial year from 1 April to 31 March', () => {
    expect(statementPeriod('2025-26')).toEqual({
      financialYear: '2025-26',
      from: '2025-04-01',
      to: '2026-03-31',
    });
  });

  it('given two years of entries, states 2025-26 from its opening balance to its closing balance', () => {
    const { h, potId, interventionId } = twoYears();
    const statement = potStatement(h.events, potId, '2025-26')!;
    expect(statement).toMatchObject({
      potId,
      name: 'Essex Pool',
      period: { from: '2025-04-01', to: '2026-03-31' },
      openingBalance: '120000.00',
      contributions: { received: '355000.00', reversed: '5000.00', net: '350000.00' },
      allocations: { allocated: '90000.00', reversed: '30000.00', net: '60000.00' },
      returnedToPartners: '0.00',
      // 120,000 + 350,000 − 60,000
      closingBalance: '410000.00',
      entriesInYear: 9,
    });
    expect(statement.partners).toEqual([
      {
        agencyId: COUNCIL,
        openingStake: '80000.00',
        contributionsReceived: '200000.00',
        contributionsReversed: '0.00',
        drawn: '54000.00',
        drawnReversed: '20000.00',
        returned: '0.00',
        closingStake: '246000.00',
        shareOfClosingBalance: '0.6000',
        shareOfContributions: '0.5714',
      },
      {
        agencyId: POLICE,
        openingStake: '40000.00',
        contributionsReceived: '155000.00',
        contributionsReversed: '5000.00',
        drawn: '36000.00',
        drawnReversed: '10000.00',
        returned: '0.00',
        closingStake: '164000.00',
        shareOfClosingBalance: '0.4000',
        shareOfContributions: '0.4286',
      },
    ]);
    expect(statement.interventions).toEqual([
      {
        interventionId,
        name: 'Employment support',
        leadAgencyId: COUNCIL,
        allocated: '90000.00',
        allocationsReversed: '30000.00',
        netAllocated: '60000.00',
        outcomesRecorded: 2,
        outcomesRetracted: 1,
        benefits: '55000.00',
        benefitsRetracted: '5000.00',
        netBenefits: '50000.00',
      },
    ]);
    expect(statement.benefitsByAgency).toEqual([
      { agencyId: POLICE, cashable: '30000.00', nonCashable: '0.00', total: '30000.00' },
      { agencyId: NHS, cashable: '0.00', nonCashable: '20000.00', total: '20000.00' },
    ]);
    expect(
      statement.reversals.map((r) => [r.type, r.amount, r.effectiveDate, r.reason, r.actor]),
    ).toEqual([
      ['ContributionReversed', '5000.00', '2025-06-15', 'Paid twice', 'alice'],
      ['AllocationReversed', '30000.00', '2025-08-01', 'Pilot cancelled', 'root'],
      ['OutcomeRetracted', '5000.00', '2025-11-02', 'Duplicate of cohort one', 'root'],
    ]);
  });

  it('given the year before, its closing balance is the next year’s opening balance', () => {
    const { h, potId } = twoYears();
    const before = potStatement(h.events, potId, '2024-25')!;
    expect(before).toMatchObject({
      openingBalance: '0.00',
      closingBalance: '120000.00',
      reversals: [],
    });
    expect(potStatement(h.events, potId, '2025-26')!.openingBalance).toBe(before.closingBalance);
    expect(potStatement(h.events, potId, '2026-27')).toMatchObject({
      openingBalance: '410000.00',
      closingBalance: '450000.00',
    });
  });

  it('given a pot that was never opened, there is no statement', () => {
    const { h } = twoYears();
    expect(potStatement(h.events, '01J0000000000000000000NOPE', '2025-26')).toBeNull();
  });

  it('given a history whose stakes and movements disagree (a tampered log), refuses to state it', () => {
    const { h, potId } = twoYears();
    const forged = h.events.map((e) =>
      e.type === 'FundsAllocated' && e.data.reason === 'Year one delivery'
        ? { ...e, data: { ...e.data, amount: '91000.00' } }
        : e,
    );
    expect(() => potStatement(forged, potId, '2025-26')).toThrow(/invariant/);
  });
  it('given a year closed, a prior-period adjustment booked in the next year and the pot closed, states the returns and labels the adjustment', () => {
    const { h, potId } = twoYears();
    h.append({
      type: 'FinancialYearClosed',
      data: { potId, financialYear: '2025-26', closedThrough: '2026-03-31' },
    });
    const late = h.contribute(potId, POLICE, '1000.00', '2026-04-20', 'PO-late');
    // The builder writes plain contributions; an adjustment carries its label as the decider writes it.
    (late.data as { priorPeriodAdjustment?: string }).priorPeriodAdjustment = '2025-26';
    // Stakes before closing: council 246,000 + 40,000 (2 April) = 286,000; police 164,000 + 1,000 = 165,000.
    h.append({
      type: 'PotClosed',
      data: {
        potId,
        effectiveDate: '2026-05-01',
        reason: 'Programme ended',
        returns: [
          { agencyId: COUNCIL, amount: '286000.00' },
          { agencyId: POLICE, amount: '165000.00' },
        ],
      },
    });
    expect(potStatement(h.events, potId, '2025-26')).toMatchObject({
      yearClosed: true,
      closingBalance: '410000.00',
      potClosedOn: null,
      priorPeriodAdjustments: [],
    });
    // Closing 2025-26 locks every day before it too.
    expect(potStatement(h.events, potId, '2024-25')).toMatchObject({ yearClosed: true });
    const next = potStatement(h.events, potId, '2026-27')!;
    expect(next).toMatchObject({
      yearClosed: false,
      potClosedOn: '2026-05-01',
      openingBalance: '410000.00',
      contributions: { net: '41000.00' },
      returnedToPartners: '451000.00',
      closingBalance: '0.00',
    });
    expect(
      next.partners.map((p) => [p.agencyId, p.returned, p.closingStake, p.shareOfClosingBalance]),
    ).toEqual([
      [COUNCIL, '286000.00', '0.00', null],
      [POLICE, '165000.00', '0.00', null],
    ]);
    expect(next.priorPeriodAdjustments).toEqual([
      {
        position: late.position.toString(),
        eventId: late.eventId,
        type: 'ContributionReceived',
        effectiveDate: '2026-04-20',
        forFinancialYear: '2025-26',
        amount: '1000.00',
      },
    ]);
  });
});
