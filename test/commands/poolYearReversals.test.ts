/**
 * Reversals of the pooled-fund year's entries (POST /v1/pots/:potId/reversals): a spend (what it
 * released of its commitment is outstanding again), a commitment (what it still reserves is
 * cancelled), a forecast (withdrawn). A settled year's entries are final (YEAR_SETTLED); a
 * risk-share payment's reversal makes the debt stand again without touching the stake.
 */
import { describe, expect, it } from 'vitest';
import { decideReverseEntry } from '../../commands/reverseEntry.ts';
import { evolvePot, stakeOf, available } from '../../commands/potState.ts';
import { debtOf, peekSchemeYear } from '../../commands/poolYearState.ts';
import type { PotEvent } from '../../events/pot.ts';
import { contributionId, interventionId, POT_ID, reverse } from './fixtures.ts';
import { AFTER_YEAR_END, financialYearClosed } from './controlFixtures.ts';
import {
  commitmentId,
  commitmentRaised,
  commitmentReleased,
  eventId,
  financialYearSettled,
  forecastId,
  forecastRecorded,
  funded,
  SETTLEMENT_EVENT_ID,
  settled,
  spendId,
  spendRecorded,
} from './poolYearFixtures.ts';
import { AGENCY, financeOfficerOf, given, givenEventId, TODAY } from './spec.ts';

const { cc, police, nhs } = AGENCY;
const after = { now: AFTER_YEAR_END };
const SPEND_EVENT = eventId(101);
const COMMITMENT_EVENT = eventId(201);
const FORECAST_EVENT = eventId(301);

const spendReversed = (amount: string, extra: Record<string, unknown> = {}) => ({
  type: 'SpendReversed' as const,
  data: {
    potId: POT_ID,
    reversedEventId: SPEND_EVENT,
    reason: 'Keyed in error',
    spendId: spendId(1),
    interventionId: interventionId(1),
    amount,
    effectiveDate: TODAY,
    ...extra,
  },
});

/** £800 committed (commitment 1), £300 spent against it (spend 1). */
const committedAndSpent = [
  ...funded(),
  commitmentRaised('800.00'),
  spendRecorded('300.00', { commitmentId: commitmentId(1), commitmentReleased: '300.00' }),
];

describe('reversing a spend', () => {
  it('a spend without a commitment: a credit dated today', () => {
    given([...funded(), spendRecorded('250.00')])
      .when((s, c) => decideReverseEntry(s, reverse(SPEND_EVENT), c))
      .then([spendReversed('250.00')]);
  });

  it('what it released of its commitment is outstanding again', () => {
    const g = given(committedAndSpent);
    const [event] = g
      .when((s, c) => decideReverseEntry(s, reverse(SPEND_EVENT), c))
      .then([
        spendReversed('300.00', { commitmentId: commitmentId(1), commitmentRestored: '300.00' }),
      ]);
    const state = evolvePot(g.state, { ...event!, eventId: eventId(500) });
    expect(state.poolYear.commitments.get(commitmentId(1))!.outstanding.toFixed(2)).toBe('800.00');
    const figures = peekSchemeYear(state.poolYear, '2025-26', interventionId(1));
    expect([figures.spent.toFixed(2), figures.committed.toFixed(2)]).toEqual(['0.00', '800.00']);
  });

  it('a commitment reversed since stays cancelled: nothing is restored', () => {
    given([
      ...committedAndSpent,
      {
        type: 'CommitmentReversed',
        data: {
          potId: POT_ID,
          commitmentId: commitmentId(1),
          reversedEventId: COMMITMENT_EVENT,
          interventionId: interventionId(1),
          amount: '500.00',
          effectiveDate: '2025-07-01',
          reason: 'Order cancelled',
        },
      },
    ])
      .when((s, c) => decideReverseEntry(s, reverse(SPEND_EVENT), c))
      .then([spendReversed('300.00', { commitmentId: commitmentId(1) })]);
  });

  it('a spend that released nothing of its commitment restores nothing', () => {
    given([
      ...funded(),
      commitmentRaised('100.00'),
      commitmentReleased('100.00'),
      spendRecorded('300.00', { commitmentId: commitmentId(1) }),
    ])
      .when((s, c) => decideReverseEntry(s, reverse(SPEND_EVENT), c))
      .then([spendReversed('300.00', { commitmentId: commitmentId(1) })]);
  });

  it('on the date given, never before the spend', () => {
    const g = given([...funded(), spendRecorded('250.00')]);
    g.when((s, c) =>
      decideReverseEntry(s, reverse(SPEND_EVENT, { effectiveDate: '2025-06-15' }), c),
    ).then([spendReversed('250.00', { effectiveDate: '2025-06-15' })]);
    g.when((s, c) =>
      decideReverseEntry(s, reverse(SPEND_EVENT, { effectiveDate: '2025-06-14' }), c),
    ).thenRefuses('VALIDATION_FAILED');
  });

  it('409 ALREADY_REVERSED the second time', () => {
    given([...funded(), spendRecorded('250.00'), spendReversed('250.00')])
      .when((s, c) => decideReverseEntry(s, reverse(SPEND_EVENT), c))
      .thenRefuses('ALREADY_REVERSED');
  });

  it('a finance officer of any partner may reverse spend; of a non-partner, 403 FORBIDDEN', () => {
    const g = given([...funded(), spendRecorded('250.00')]);
    g.when((s, c) => decideReverseEntry(s, reverse(SPEND_EVENT), c), {
      actor: financeOfficerOf(police),
    }).then([spendReversed('250.00')]);
    g.when((s, c) => decideReverseEntry(s, reverse(SPEND_EVENT), c), {
      actor: financeOfficerOf(nhs),
    }).thenRefuses('FORBIDDEN');
  });

  it('400 VALIDATION_FAILED as a prior-period adjustment: a spend of a closed year is final', () => {
    given([...funded(), spendRecorded('250.00'), financialYearClosed('2025-26')])
      .when(
        (s, c) =>
          decideReverseEntry(
            s,
            reverse(SPEND_EVENT, {
              priorPeriodAdjustment: '2025-26',
              effectiveDate: '2026-04-10',
            }),
            c,
          ),
        after,
      )
      .thenRefuses('VALIDATION_FAILED');
    given([...funded(), spendRecorded('250.00'), financialYearClosed('2025-26')])
      .when((s, c) => decideReverseEntry(s, reverse(SPEND_EVENT), c), after)
      .thenRefuses('PERIOD_CLOSED');
  });
});

describe('reversing a commitment', () => {
  it('cancels what it still reserves', () => {
    const g = given(committedAndSpent);
    const [event] = g
      .when((s, c) => decideReverseEntry(s, reverse(COMMITMENT_EVENT), c))
      .then([
        {
          type: 'CommitmentReversed',
          data: {
            potId: POT_ID,
            reversedEventId: COMMITMENT_EVENT,
            reason: 'Keyed in error',
            commitmentId: commitmentId(1),
            interventionId: interventionId(1),
            amount: '500.00',
            effectiveDate: TODAY,
          },
        },
      ]);
    const state = evolvePot(g.state, { ...event!, eventId: eventId(500) });
    const figures = peekSchemeYear(state.poolYear, '2025-26', interventionId(1));
    expect([figures.spent.toFixed(2), figures.committed.toFixed(2)]).toEqual(['300.00', '0.00']);
  });

  it('400 VALIDATION_FAILED for a commitment with nothing outstanding', () => {
    given([...funded(), commitmentRaised('100.00'), commitmentReleased('100.00')])
      .when((s, c) => decideReverseEntry(s, reverse(COMMITMENT_EVENT), c))
      .thenRefuses('VALIDATION_FAILED');
  });

  it('409 ALREADY_REVERSED the second time', () => {
    given([
      ...funded(),
      commitmentRaised('100.00'),
      {
        type: 'CommitmentReversed',
        data: {
          potId: POT_ID,
          commitmentId: commitmentId(1),
          reversedEventId: COMMITMENT_EVENT,
          interventionId: interventionId(1),
          amount: '100.00',
          effectiveDate: '2025-07-01',
          reason: 'Raised in error',
        },
      },
    ])
      .when((s, c) => decideReverseEntry(s, reverse(COMMITMENT_EVENT), c))
      .thenRefuses('ALREADY_REVERSED');
  });
});

describe('withdrawing a forecast', () => {
  const withdrawn = {
    type: 'ForecastWithdrawn' as const,
    data: {
      potId: POT_ID,
      reversedEventId: FORECAST_EVENT,
      reason: 'Keyed in error',
      forecastId: forecastId(1),
      interventionId: interventionId(1),
      financialYear: '2025-26',
      quarter: 1,
    },
  };

  it('withdraws it', () => {
    given([...funded(), forecastRecorded('1200.00')])
      .when((s, c) => decideReverseEntry(s, reverse(FORECAST_EVENT), c))
      .then([withdrawn]);
  });

  it('409 ALREADY_REVERSED the second time', () => {
    given([...funded(), forecastRecorded('1200.00'), withdrawn])
      .when((s, c) => decideReverseEntry(s, reverse(FORECAST_EVENT), c))
      .thenRefuses('ALREADY_REVERSED');
  });
});

describe('a settled year is locked: 409 YEAR_SETTLED', () => {
  const details = { financialYear: '2025-26', settlementEventId: SETTLEMENT_EVENT_ID };

  it('a spend dated in it cannot be reversed, whatever date the reversal takes', () => {
    const g = given(settled());
    g.when((s, c) => decideReverseEntry(s, reverse(SPEND_EVENT), c), after).thenRefuses(
      'YEAR_SETTLED',
      details,
    );
    g.when(
      (s, c) => decideReverseEntry(s, reverse(SPEND_EVENT, { effectiveDate: '2026-03-31' }), c),
      after,
    ).thenRefuses('YEAR_SETTLED', details);
  });

  it('a commitment raised in it cannot be reversed', () => {
    given([
      ...funded(),
      spendRecorded('1200.00'),
      commitmentRaised('100.00'),
      financialYearSettled(),
    ])
      .when((s, c) => decideReverseEntry(s, reverse(COMMITMENT_EVENT), c), after)
      .thenRefuses('YEAR_SETTLED', details);
  });

  it('a forecast for it cannot be withdrawn', () => {
    given([
      ...funded(),
      spendRecorded('1200.00'),
      forecastRecorded('1200.00'),
      financialYearSettled(),
    ])
      .when((s, c) => decideReverseEntry(s, reverse(FORECAST_EVENT), c), after)
      .thenRefuses('YEAR_SETTLED', details);
  });

  it('an allocation dated in it cannot be reversed', () => {
    // The allocation is the fifth event of `funded`.
    given(settled())
      .when((s, c) => decideReverseEntry(s, reverse(givenEventId(5)), c), after)
      .thenRefuses('YEAR_SETTLED', details);
  });

  it('a contribution dated in it cannot be reversed', () => {
    given(settled())
      .when((s, c) => decideReverseEntry(s, reverse(givenEventId(2)), c), after)
      .thenRefuses('YEAR_SETTLED', details);
  });

  // The committed figure of a year is that of the commitments raised in it (commands/potState.ts
  // moveCommitment): restoring what a later spend released of a settled year's commitment would
  // move the settled year's figures.
  it("a next year's spend that released part of a settled year's commitment cannot be reversed", () => {
    const next = spendRecorded('60.00', {
      n: 2,
      effectiveDate: '2026-04-02',
      commitmentId: commitmentId(1),
      commitmentReleased: '60.00',
    });
    given([
      ...funded(),
      spendRecorded('1200.00'),
      commitmentRaised('100.00'),
      financialYearSettled(),
      next,
    ])
      .when((s, c) => decideReverseEntry(s, reverse(next.eventId), c), after)
      .thenRefuses('YEAR_SETTLED', { effectiveDate: '2025-06-15', ...details });
  });

  it("a next year's spend that released nothing of a settled year's commitment can be reversed", () => {
    const next = spendRecorded('60.00', {
      n: 2,
      effectiveDate: '2026-04-02',
      commitmentId: commitmentId(1),
    });
    given([
      ...funded(),
      spendRecorded('1200.00'),
      commitmentRaised('100.00'),
      commitmentReleased('100.00'),
      financialYearSettled(),
      next,
    ])
      .when((s, c) => decideReverseEntry(s, reverse(next.eventId), c), after)
      .then([
        spendReversed('60.00', {
          reversedEventId: next.eventId,
          spendId: spendId(2),
          commitmentId: commitmentId(1),
          effectiveDate: '2026-04-15',
        }),
      ]);
  });

  it('entries of the next year still can be', () => {
    const next = spendRecorded('10.00', { n: 2, effectiveDate: '2026-04-02' });
    given([...settled(), next])
      .when((s, c) => decideReverseEntry(s, reverse(next.eventId), c), after)
      .then([
        spendReversed('10.00', {
          reversedEventId: next.eventId,
          spendId: spendId(2),
          effectiveDate: '2026-04-15',
        }),
      ]);
  });
});

describe('reversing a risk-share payment', () => {
  const PAYMENT_EVENT = eventId(600);
  const payment: PotEvent & { eventId: string } = {
    type: 'ContributionReceived',
    eventId: PAYMENT_EVENT,
    data: {
      potId: POT_ID,
      contributionId: contributionId(60),
      agencyId: cc,
      amount: '50.00',
      effectiveDate: '2026-04-10',
      reference: 'RS-2025-26',
      riskShareFor: '2025-26',
    },
  };
  const reversed = {
    type: 'ContributionReversed' as const,
    data: {
      potId: POT_ID,
      reversedEventId: PAYMENT_EVENT,
      reason: 'Keyed in error',
      contributionId: contributionId(60),
      agencyId: cc,
      amount: '50.00',
      effectiveDate: '2026-04-15',
      riskShareFor: '2025-26',
    },
  };

  it('re-creates the debt; the stake and available are untouched', () => {
    const g = given([...settled(), payment]);
    expect(debtOf(g.state.poolYear, '2025-26', cc).toFixed(2)).toBe('70.00');
    const stake = stakeOf(g.state, cc).toFixed(2);
    const pot = available(g.state).toFixed(2);
    const [event] = g
      .when((s, c) => decideReverseEntry(s, reverse(PAYMENT_EVENT), c), after)
      .then([reversed]);
    const state = evolvePot(g.state, { ...event!, eventId: eventId(601) });
    expect(debtOf(state.poolYear, '2025-26', cc).toFixed(2)).toBe('120.00');
    expect(stakeOf(state, cc).toFixed(2)).toBe(stake);
    expect(available(state).toFixed(2)).toBe(pot);
    expect(state.totalRiskSharePaid.toFixed(2)).toBe('0.00');
  });

  it("403 FORBIDDEN for another partner's finance officer; 409 ALREADY_REVERSED the second time", () => {
    given([...settled(), payment])
      .when((s, c) => decideReverseEntry(s, reverse(PAYMENT_EVENT), c), {
        ...after,
        actor: financeOfficerOf(police),
      })
      .thenRefuses('FORBIDDEN');
    given([...settled(), payment, reversed])
      .when((s, c) => decideReverseEntry(s, reverse(PAYMENT_EVENT), c), after)
      .thenRefuses('ALREADY_REVERSED');
  });
});
