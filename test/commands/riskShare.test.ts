/**
 * Risk-share payments: a partner settles its debt for a settled year with a contribution marked
 * `riskShareFor`. It pays the debt and adds nothing to the partner's stake. In `settled()` the
 * council owes £120.00 and the police £80.00 for 2025-26.
 */
import { describe, expect, it } from 'vitest';
import { decideContributeToPot } from '../../commands/contributeToPot.ts';
import { decideCloseFinancialYear } from '../../commands/closeFinancialYear.ts';
import { available, evolvePot, stakeOf } from '../../commands/potState.ts';
import { debtOf } from '../../commands/poolYearState.ts';
import type { PotEvent } from '../../events/pot.ts';
import { contribute, contributionId, POT_ID } from './fixtures.ts';
import { AFTER_YEAR_END } from './controlFixtures.ts';
import { funded, settled, spendRecorded } from './poolYearFixtures.ts';
import { AGENCY, financeOfficerOf, given } from './spec.ts';

const { cc, police, probation } = AGENCY;
const after = { now: AFTER_YEAR_END };

const pay = (agencyId: string, amount: string, o: Parameters<typeof contribute>[2] = {}) =>
  contribute(agencyId, amount, { effectiveDate: '2026-04-10', riskShareFor: '2025-26', ...o });

const paid = (
  agencyId: string,
  amount: string,
  o: { n?: number; effectiveDate?: string } = {},
) => ({
  type: 'ContributionReceived' as const,
  data: {
    potId: POT_ID,
    contributionId: contributionId(o.n ?? 100),
    agencyId,
    amount,
    effectiveDate: o.effectiveDate ?? '2026-04-10',
    reference: 'PO-100',
    riskShareFor: '2025-26',
  },
});

describe('a risk-share payment', () => {
  it('pays the debt: the debt falls, the stake, available and contributions stay as they were', () => {
    const g = given(settled());
    const before = {
      stake: stakeOf(g.state, cc).toFixed(2),
      available: available(g.state).toFixed(2),
      contributed: g.state.totalContributed.toFixed(2),
    };
    const [event] = g
      .when((s, c) => decideContributeToPot(s, pay(cc, '120.00'), c), after)
      .then([paid(cc, '120.00')]);
    const state = evolvePot(g.state, { ...event!, eventId: 'x' });
    expect(debtOf(state.poolYear, '2025-26', cc).toFixed(2)).toBe('0.00');
    expect(debtOf(state.poolYear, '2025-26', police).toFixed(2)).toBe('80.00');
    expect({
      stake: stakeOf(state, cc).toFixed(2),
      available: available(state).toFixed(2),
      contributed: state.totalContributed.toFixed(2),
    }).toEqual(before);
    expect(state.totalRiskSharePaid.toFixed(2)).toBe('120.00');
  });

  it('may be paid in parts, each no more than what is still owed', () => {
    const g = given([...settled(), paid(police, '30.00', { n: 61 })]);
    expect(debtOf(g.state.poolYear, '2025-26', police).toFixed(2)).toBe('50.00');
    g.when((s, c) => decideContributeToPot(s, pay(police, '50.01'), c), after).thenRefuses(
      'VALIDATION_FAILED',
      { owed: '50.00', requested: '50.01', financialYear: '2025-26' },
    );
    g.when((s, c) => decideContributeToPot(s, pay(police, '50.00'), c), after).then([
      paid(police, '50.00'),
    ]);
  });

  it('400 VALIDATION_FAILED for more than the debt, or from a partner that owes nothing', () => {
    const g = given(settled());
    g.when((s, c) => decideContributeToPot(s, pay(cc, '120.01'), c), after).thenRefuses(
      'VALIDATION_FAILED',
      { owed: '120.00' },
    );
    g.when((s, c) => decideContributeToPot(s, pay(probation, '0.01'), c), after).thenRefuses(
      'VALIDATION_FAILED',
      { owed: '0.00' },
    );
  });

  it('400 VALIDATION_FAILED for a year not settled', () => {
    given([...funded(), spendRecorded('1200.00')])
      .when((s, c) => decideContributeToPot(s, pay(cc, '10.00'), c), after)
      .thenRefuses('VALIDATION_FAILED');
    given(settled())
      .when(
        (s, c) =>
          decideContributeToPot(
            s,
            pay(cc, '10.00', { riskShareFor: '2026-27', effectiveDate: '2027-04-10' }),
            c,
          ),
        { now: '2027-05-01T10:00:00.000Z' },
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('dated after the year it settles: inside it is 409 YEAR_SETTLED, before it 400, from 1 April fine', () => {
    // Dated in the settled year itself, the settled-year lock answers first.
    given(settled())
      .when(
        (s, c) => decideContributeToPot(s, pay(cc, '10.00', { effectiveDate: '2026-03-31' }), c),
        after,
      )
      .thenRefuses('YEAR_SETTLED');
    given(settled())
      .when(
        (s, c) => decideContributeToPot(s, pay(cc, '10.00', { effectiveDate: '2026-04-01' }), c),
        after,
      )
      .then([paid(cc, '10.00', { effectiveDate: '2026-04-01' })]);
    given(settled())
      .when(
        (s, c) => decideContributeToPot(s, pay(cc, '10.00', { effectiveDate: '2025-03-31' }), c),
        after,
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it("a finance officer pays only its own agency's debt (403 FORBIDDEN for another's)", () => {
    const g = given(settled());
    g.when((s, c) => decideContributeToPot(s, pay(police, '80.00'), c), {
      ...after,
      actor: financeOfficerOf(cc),
    }).thenRefuses('FORBIDDEN');
    g.when((s, c) => decideContributeToPot(s, pay(police, '80.00'), c), {
      ...after,
      actor: financeOfficerOf(police),
    }).then([paid(police, '80.00')]);
  });

  it('a risk-share payment does not count towards the amount limit of the pot, nor as a contribution of the year', () => {
    const g = given(settled());
    const [event] = g
      .when((s, c) => decideContributeToPot(s, pay(cc, '120.00'), c), after)
      .then([paid(cc, '120.00')]);
    const state = evolvePot(g.state, { ...event!, eventId: 'x' });
    expect(state.poolYear.years.get('2026-27')?.contributions.get(cc)).toBeUndefined();
  });
});

describe('a year with budgets or spend, on a pot that tracks spend, closes only once settled', () => {
  it('409 YEAR_NOT_SETTLED before its settlement', () => {
    given([...funded(), spendRecorded('1200.00')])
      .when(
        (s, c) => decideCloseFinancialYear(s, { potId: POT_ID, financialYear: '2025-26' }, c),
        after,
      )
      .thenRefuses('YEAR_NOT_SETTLED', { financialYears: ['2025-26'] });
  });

  it('closes once settled', () => {
    given(settled())
      .when(
        (s, c) => decideCloseFinancialYear(s, { potId: POT_ID, financialYear: '2025-26' }, c),
        after,
      )
      .then([
        {
          type: 'FinancialYearClosed',
          data: { potId: POT_ID, financialYear: '2025-26', closedThrough: '2026-03-31' },
        },
      ]);
  });

  it('a pot without spend tracking closes as before', () => {
    const history: PotEvent[] = funded().slice(0, -1);
    given(history)
      .when(
        (s, c) => decideCloseFinancialYear(s, { potId: POT_ID, financialYear: '2025-26' }, c),
        after,
      )
      .then([
        {
          type: 'FinancialYearClosed',
          data: { potId: POT_ID, financialYear: '2025-26', closedThrough: '2026-03-31' },
        },
      ]);
  });
});
