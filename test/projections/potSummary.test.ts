import { describe, expect, it } from 'vitest';
import { listPots, potSummary, potSummaryProjection } from '../../projections/potSummary.ts';
import { foldAll } from '../../projections/projection.ts';
import { ACTORS, benefit, createHistory, flow, ulidAt } from './envelopes.ts';
import { COUNCIL, POLICE, PROBATION, essexScenario } from './essexScenario.ts';

describe('pot summary', () => {
  it('given the Essex scenario, shows the memorandum account of the pool', () => {
    const { h, potId, interventionId } = essexScenario();
    const state = foldAll(potSummaryProjection, h.events);
    expect(potSummary(state, potId)).toEqual({
      potId,
      name: 'Essex Reducing Reoffending',
      area: 'Essex',
      hostAgencyId: COUNCIL,
      status: 'open',
      currency: 'GBP',
      contributed: '500000.00',
      allocated: '100000.00',
      available: '400000.00',
      // In the order they joined: the two named at opening, then probation.
      partners: [
        {
          agencyId: POLICE,
          contributed: '200000.00',
          drawn: '40000.00',
          returned: '0.00',
          stake: '160000.00',
        },
        {
          agencyId: COUNCIL,
          contributed: '300000.00',
          drawn: '60000.00',
          returned: '0.00',
          stake: '240000.00',
        },
        {
          agencyId: PROBATION,
          contributed: '0.00',
          drawn: '0.00',
          returned: '0.00',
          stake: '0.00',
        },
      ],
      interventions: [
        {
          interventionId,
          name: 'Employment support',
          leadAgencyId: PROBATION,
          funded: '100000.00',
          benefits: '60000.00',
        },
      ],
      approvalThreshold: null,
      pendingApprovals: [],
      closedFinancialYears: [],
      agreedContributions: [],
      openedAt: '2025-04-01T09:04:00.000Z',
      position: '11',
    });
  });

  it('given a pot just opened, shows zeros and its partners', () => {
    const h = createHistory();
    const opened = h.openPot({
      name: 'Tri-borough falls',
      area: 'Westminster',
      hostAgencyId: 'wcc',
      partnerAgencyIds: ['wcc', 'nhs-nwl'],
    });
    const state = foldAll(potSummaryProjection, h.events);
    expect(potSummary(state, opened.data.potId)).toMatchObject({
      contributed: '0.00',
      allocated: '0.00',
      available: '0.00',
      partners: [
        { agencyId: 'wcc', contributed: '0.00', drawn: '0.00', returned: '0.00', stake: '0.00' },
        {
          agencyId: 'nhs-nwl',
          contributed: '0.00',
          drawn: '0.00',
          returned: '0.00',
          stake: '0.00',
        },
      ],
      interventions: [],
      position: '1',
    });
  });

  it('lists interventions in the order they were defined, not by id', () => {
    const { h, potId, interventionId } = essexScenario();
    const earlierId = ulidAt(0, 1);
    h.defineIntervention(potId, 'Falls prevention', COUNCIL, { interventionId: earlierId });
    const state = foldAll(potSummaryProjection, h.events);
    expect(potSummary(state, potId)!.interventions.map((i) => i.interventionId)).toEqual([
      interventionId,
      earlierId,
    ]);
  });

  it('lists every pot by potId, and answers null for a pot never opened', () => {
    const { h, potId } = essexScenario();
    const second = h.openPot({
      name: 'Falls prevention',
      area: 'Essex',
      hostAgencyId: COUNCIL,
      partnerAgencyIds: [COUNCIL],
    });
    const state = foldAll(potSummaryProjection, h.events);
    expect(listPots(state).map((p) => [p.potId, p.name])).toEqual([
      [potId, 'Essex Reducing Reoffending'],
      [second.data.potId, 'Falls prevention'],
    ]);
    expect(potSummary(state, ulidAt(1, 1))).toBeNull();
  });

  it('given a contribution reversed, takes it back out of the partner and the pot', () => {
    const { h, potId } = essexScenario();
    const extra = h.contribute(potId, POLICE, '25000.00', '2025-10-01', 'PO-1300', {
      actor: ACTORS.alice,
    });
    h.reverseContribution(extra, 'Keyed twice', '2025-10-02', { actor: ACTORS.alice });
    const summary = potSummary(foldAll(potSummaryProjection, h.events), potId)!;
    expect(summary).toMatchObject({ contributed: '500000.00', available: '400000.00' });
    expect(summary.partners[0]).toEqual({
      agencyId: POLICE,
      contributed: '200000.00',
      drawn: '40000.00',
      returned: '0.00',
      stake: '160000.00',
    });
  });

  it('given an allocation reversed, the intervention is unfunded and the shares are back in the stakes', () => {
    const { h, potId, allocation } = essexScenario();
    h.reverseAllocation(allocation, 'Wrong intervention', '2025-10-01');
    const summary = potSummary(foldAll(potSummaryProjection, h.events), potId)!;
    expect(summary).toMatchObject({ allocated: '0.00', available: '500000.00' });
    expect(summary.partners.map((p) => p.stake)).toEqual(['200000.00', '300000.00', '0.00']);
    expect(summary.interventions[0]).toMatchObject({ funded: '0.00', benefits: '60000.00' });
  });

  it('given an outcome retracted, the intervention shows no benefits', () => {
    const { h, potId, outcome } = essexScenario();
    h.retractOutcome(outcome, 'Evidence withdrawn', '2025-10-01');
    const summary = potSummary(foldAll(potSummaryProjection, h.events), potId)!;
    expect(summary.interventions[0]).toMatchObject({ funded: '100000.00', benefits: '0.00' });
  });

  it('sums benefits of several outcomes on the same intervention', () => {
    const { h, potId, interventionId } = essexScenario();
    h.recordOutcome(potId, interventionId, {
      description: 'Second cohort',
      effectiveDate: '2026-01-15',
      benefits: [benefit(POLICE, '0.01', false)],
      flows: [flow(COUNCIL, POLICE, '0.01', false)],
    });
    expect(
      potSummary(foldAll(potSummaryProjection, h.events), potId)!.interventions[0]!.benefits,
    ).toBe('60000.01');
  });

  describe('stops loudly when the books would not balance', () => {
    it('a funding share larger than the partner’s stake', () => {
      const { h, potId, interventionId } = essexScenario();
      h.allocate(
        potId,
        interventionId,
        { [POLICE]: '160000.01' },
        '2025-10-01',
        'Too much from the police',
      );
      expect(() => foldAll(potSummaryProjection, h.events)).toThrow(
        /invariant: .*essex-police's stake .* is -0.01/,
      );
    });

    it('funding shares that do not add up to the amount allocated', () => {
      const { h, potId, interventionId } = essexScenario();
      h.append({
        type: 'FundsAllocated',
        data: {
          potId,
          allocationId: h.id(),
          interventionId,
          amount: '1000.00',
          effectiveDate: '2025-10-01',
          reason: 'Shares a penny short',
          fundingShares: [{ agencyId: POLICE, amount: '999.99' }],
        },
      });
      expect(() => foldAll(potSummaryProjection, h.events)).toThrow(
        /invariant: .*available 399000.00 but partner stakes sum to 399000.01/,
      );
    });

    it('a contribution reversal that takes a stake below zero', () => {
      const { h, policeContribution } = essexScenario();
      h.reverseContribution(policeContribution, 'Already drawn', '2025-10-01');
      expect(() => foldAll(potSummaryProjection, h.events)).toThrow(
        /invariant: .*stake .* is -40000.00/,
      );
    });

    it('money from an agency that is not a partner, or in a pot never opened', () => {
      const { h, potId } = essexScenario();
      h.contribute(potId, 'dwp', '10.00', '2025-10-01', 'DWP-1');
      expect(() => foldAll(potSummaryProjection, h.events)).toThrow(
        /invariant: dwp is not a partner/,
      );

      const orphan = createHistory();
      orphan.contribute(ulidAt(1, 1), 'dwp', '10.00', '2025-10-01', 'DWP-1');
      expect(() => foldAll(potSummaryProjection, orphan.events)).toThrow(
        /invariant: .*unknown pot/,
      );
    });
  });
});
