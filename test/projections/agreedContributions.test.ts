/** Pot summary: each partner's agreed contribution per financial year against what it has paid. */
import { describe, expect, it } from 'vitest';
import { potSummary, potSummaryProjection } from '../../projections/potSummary.ts';
import { foldAll } from '../../projections/projection.ts';
import { createHistory } from './envelopes.ts';

const CC = 'essex-cc';
const POLICE = 'essex-police';

function pot() {
  const h = createHistory();
  const potId = h.openPot({
    name: 'Essex',
    area: 'Essex',
    hostAgencyId: CC,
    partnerAgencyIds: [CC, POLICE],
  }).data.potId;
  const agree = (
    agencyId: string,
    financialYear: string,
    amount: string,
    boardDecisionRef: string,
    varies?: { agreementEventId: string; amount: string; boardDecisionRef: string },
  ) =>
    h.append({
      type: 'ContributionAgreed',
      data: {
        potId,
        agencyId,
        financialYear,
        amount,
        boardDecisionRef,
        ...(varies === undefined ? {} : { varies }),
      },
    });
  const rows = () =>
    potSummary(foldAll(potSummaryProjection, h.events), potId)!.agreedContributions;
  return { h, potId, agree, rows };
}

describe('pot summary: agreed contributions', () => {
  it('shows agreed, received in that financial year, and outstanding per partner', () => {
    const { h, potId, agree, rows } = pot();
    agree(POLICE, '2025-26', '250000.00', 'PB-1');
    agree(CC, '2025-26', '300000.00', 'PB-1');
    h.contribute(potId, POLICE, '100000.00', '2025-04-10', 'PO-1');
    h.contribute(potId, POLICE, '50000.00', '2026-03-31', 'PO-2'); // last day of 2025-26
    h.contribute(potId, POLICE, '70000.00', '2026-04-01', 'PO-3'); // first day of 2026-27: not this year's
    expect(rows()).toEqual([
      {
        agencyId: CC,
        financialYear: '2025-26',
        agreed: '300000.00',
        received: '0.00',
        outstanding: '300000.00',
        overpaid: '0.00',
        boardDecisionRef: 'PB-1',
        versions: 1,
      },
      {
        agencyId: POLICE,
        financialYear: '2025-26',
        agreed: '250000.00',
        received: '150000.00',
        outstanding: '100000.00',
        overpaid: '0.00',
        boardDecisionRef: 'PB-1',
        versions: 1,
      },
    ]);
  });

  it('nets reversals off in the year they are dated in, and shows over-payment separately', () => {
    const { h, potId, agree, rows } = pot();
    agree(POLICE, '2025-26', '100.00', 'PB-1');
    agree(POLICE, '2026-27', '100.00', 'PB-2');
    const keyed = h.contribute(potId, POLICE, '80.00', '2025-06-01', 'PO-1');
    h.contribute(potId, POLICE, '80.00', '2025-06-02', 'PO-2');
    expect(rows()[0]).toMatchObject({ received: '160.00', outstanding: '0.00', overpaid: '60.00' });
    const sameYear = h.contribute(potId, POLICE, '5.00', '2025-06-03', 'PO-3');
    h.reverseContribution(sameYear, 'Keyed in error', '2025-07-01');
    expect(rows()[0]).toMatchObject({ received: '160.00', outstanding: '0.00', overpaid: '60.00' });
    // Issue 13 item 4: a reversal dated in the next year counts there; the earlier year stands.
    h.reverseContribution(keyed, 'Keyed twice', '2026-05-01');
    expect(rows().map((r) => [r.financialYear, r.received, r.outstanding, r.overpaid])).toEqual([
      ['2025-26', '160.00', '0.00', '60.00'],
      ['2026-27', '-80.00', '180.00', '0.00'],
    ]);
  });

  it('a variation replaces the amount and board decision in force, and counts as a version', () => {
    const { agree, rows } = pot();
    const first = agree(POLICE, '2025-26', '250000.00', 'PB-1');
    agree(POLICE, '2025-26', '200000.00', 'PB-7', {
      agreementEventId: first.eventId,
      amount: '250000.00',
      boardDecisionRef: 'PB-1',
    });
    expect(rows()).toEqual([
      {
        agencyId: POLICE,
        financialYear: '2025-26',
        agreed: '200000.00',
        received: '0.00',
        outstanding: '200000.00',
        overpaid: '0.00',
        boardDecisionRef: 'PB-7',
        versions: 2,
      },
    ]);
  });

  it('lists agreements by financial year, then agency; a year with payments but no agreement has no row', () => {
    const { h, potId, agree, rows } = pot();
    agree(POLICE, '2026-27', '1.00', 'PB-2');
    agree(POLICE, '2025-26', '1.00', 'PB-1');
    h.contribute(potId, CC, '5.00', '2025-06-01', 'PO-1');
    expect(rows().map((r) => [r.financialYear, r.agencyId])).toEqual([
      ['2025-26', POLICE],
      ['2026-27', POLICE],
    ]);
  });

  it('stops the fold on a second agreement that does not say what it varies', () => {
    const { agree, rows } = pot();
    agree(POLICE, '2025-26', '1.00', 'PB-1');
    agree(POLICE, '2025-26', '2.00', 'PB-2');
    expect(() => rows()).toThrow(/invariant/);
  });
});
