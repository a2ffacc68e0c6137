import { describe, expect, it } from 'vitest';
import { agencyBalances, agencyBalancesProjection } from '../../projections/agencyBalances.ts';
import { foldAll } from '../../projections/projection.ts';
import { ACTORS } from './envelopes.ts';
import { COUNCIL, NHS, POLICE, PROBATION, essexScenario } from './essexScenario.ts';

const ZEROS = {
  contributed: '0.00',
  drawn: '0.00',
  returned: '0.00',
  stake: '0.00',
  benefitsReceived: '0.00',
  benefitsReceivedCashable: '0.00',
  benefitsReceivedNonCashable: '0.00',
  benefitsProducedForOthers: '0.00',
  netFiscalPosition: '0.00',
  netFiscalPositionOnMoneySpent: '0.00',
  netFiscalPositionNote: null,
};

describe('agency balances', () => {
  it('given the Essex scenario, the council has paid in far more than it has got back: a negative net position', () => {
    const { h, potId } = essexScenario();
    const state = foldAll(agencyBalancesProjection, h.events);
    const council = {
      contributed: '300000.00',
      drawn: '60000.00',
      returned: '0.00',
      stake: '240000.00',
      benefitsReceived: '10000.00',
      benefitsReceivedCashable: '10000.00',
      benefitsReceivedNonCashable: '0.00',
      // 18,000 to the police and 12,000 to the NHS; the 6,000 back to itself does not count.
      benefitsProducedForOthers: '30000.00',
      netFiscalPosition: '-290000.00',
      // Most of it is still in the pot: on the £60,000.00 spent, £10,000.00 has come back.
      netFiscalPositionOnMoneySpent: '-50000.00',
      netFiscalPositionNote:
        '£240,000.00 of the £300,000.00 put in is still unspent in the pot: it is not lost. ' +
        'Counting only the money spent so far, the net fiscal position is -£50,000.00.',
    };
    expect(agencyBalances(state, COUNCIL)).toEqual({
      agencyId: COUNCIL,
      total: council,
      pots: [{ potId, ...council }],
    });
  });

  it('given the Essex scenario, splits the police benefits into cashable and non-cashable and counts what it produced for others', () => {
    const { h } = essexScenario();
    const state = foldAll(agencyBalancesProjection, h.events);
    expect(agencyBalances(state, POLICE).total).toEqual({
      contributed: '200000.00',
      drawn: '40000.00',
      returned: '0.00',
      stake: '160000.00',
      benefitsReceived: '30000.00',
      benefitsReceivedCashable: '30000.00',
      benefitsReceivedNonCashable: '0.00',
      benefitsProducedForOthers: '12000.00',
      netFiscalPosition: '-170000.00',
      netFiscalPositionOnMoneySpent: '-10000.00',
      netFiscalPositionNote:
        '£160,000.00 of the £200,000.00 put in is still unspent in the pot: it is not lost. ' +
        'Counting only the money spent so far, the net fiscal position is -£10,000.00.',
    });
  });

  it('shows a beneficiary that never paid in (the NHS) with a positive net position in the pot it benefited from', () => {
    const { h, potId } = essexScenario();
    const state = foldAll(agencyBalancesProjection, h.events);
    const nhs = {
      ...ZEROS,
      benefitsReceived: '20000.00',
      benefitsReceivedNonCashable: '20000.00',
      netFiscalPosition: '20000.00',
      netFiscalPositionOnMoneySpent: '20000.00',
    };
    expect(agencyBalances(state, NHS)).toEqual({
      agencyId: NHS,
      total: nhs,
      pots: [{ potId, ...nhs }],
    });
  });

  it('lists a partner with nothing in the pot yet with zero figures', () => {
    const { h, potId } = essexScenario();
    const state = foldAll(agencyBalancesProjection, h.events);
    expect(agencyBalances(state, PROBATION)).toEqual({
      agencyId: PROBATION,
      total: ZEROS,
      pots: [{ potId, ...ZEROS }],
    });
  });

  it('answers zero totals and no pots for an agency the ledger knows nothing about', () => {
    const { h } = essexScenario();
    const state = foldAll(agencyBalancesProjection, h.events);
    expect(agencyBalances(state, 'dwp')).toEqual({ agencyId: 'dwp', total: ZEROS, pots: [] });
  });

  it('given two pots, totals across them and lists the pots by potId', () => {
    const { h, potId } = essexScenario();
    const second = h.openPot({
      name: 'Falls prevention',
      area: 'Essex',
      hostAgencyId: COUNCIL,
      partnerAgencyIds: [COUNCIL],
    });
    h.contribute(second.data.potId, COUNCIL, '50000.50', '2025-06-01', 'ECC-78', {
      actor: ACTORS.carol,
    });
    const state = foldAll(agencyBalancesProjection, h.events);

    const answer = agencyBalances(state, COUNCIL);
    expect(answer.pots.map((p) => p.potId)).toEqual([potId, second.data.potId]);
    expect(answer.pots[1]).toMatchObject({
      contributed: '50000.50',
      stake: '50000.50',
      netFiscalPosition: '-50000.50',
    });
    expect(answer.total).toMatchObject({
      contributed: '350000.50',
      stake: '290000.50',
      netFiscalPosition: '-340000.50',
    });
  });

  it('given a contribution and its reversal, the agency is back where it was', () => {
    const { h, potId } = essexScenario();
    const extra = h.contribute(potId, POLICE, '25000.00', '2025-10-01', 'PO-1300', {
      actor: ACTORS.alice,
    });
    const before = agencyBalances(foldAll(agencyBalancesProjection, h.events), POLICE).total;
    expect(before).toMatchObject({
      contributed: '225000.00',
      stake: '185000.00',
      netFiscalPosition: '-195000.00',
    });

    h.reverseContribution(extra, 'Keyed twice', '2025-10-02', { actor: ACTORS.alice });
    const after = agencyBalances(foldAll(agencyBalancesProjection, h.events), POLICE).total;
    expect(after).toMatchObject({
      contributed: '200000.00',
      stake: '160000.00',
      netFiscalPosition: '-170000.00',
    });
  });

  it('given an allocation reversed, its funding shares go back to the stakes', () => {
    const { h, allocation } = essexScenario();
    h.reverseAllocation(allocation, 'Wrong intervention', '2025-10-01');
    const state = foldAll(agencyBalancesProjection, h.events);
    expect(agencyBalances(state, COUNCIL).total).toMatchObject({
      drawn: '0.00',
      returned: '0.00',
      stake: '300000.00',
    });
    expect(agencyBalances(state, POLICE).total).toMatchObject({
      drawn: '0.00',
      returned: '0.00',
      stake: '200000.00',
    });
  });

  it('given an outcome retracted, its benefits and flows no longer count', () => {
    const { h, outcome } = essexScenario();
    h.retractOutcome(outcome, 'Evidence withdrawn', '2025-10-01');
    const state = foldAll(agencyBalancesProjection, h.events);
    expect(agencyBalances(state, COUNCIL).total).toEqual({
      ...ZEROS,
      contributed: '300000.00',
      drawn: '60000.00',
      returned: '0.00',
      stake: '240000.00',
      netFiscalPosition: '-300000.00',
      netFiscalPositionOnMoneySpent: '-60000.00',
      netFiscalPositionNote:
        '£240,000.00 of the £300,000.00 put in is still unspent in the pot: it is not lost. ' +
        'Counting only the money spent so far, the net fiscal position is -£60,000.00.',
    });
    expect(agencyBalances(state, NHS).total).toEqual(ZEROS);
  });
});
