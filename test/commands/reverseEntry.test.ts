/**
 * ReverseEntry: history never changes; a contribution, an allocation or an outcome is undone,
 * once, by a reversal that names it and gives a reason. A contribution whose money has been
 * drawn cannot be taken back, and a reversal is never dated before what it undoes.
 */
import { describe, expect, it } from 'vitest';
import { decideReverseEntry } from '../../commands/reverseEntry.ts';
import type { PotEvent } from '../../events/pot.ts';
import {
  allocationId,
  allocationReversed,
  benefit,
  contributionId,
  contributionReceived,
  contributionReversed,
  flow,
  fundsAllocated,
  interventionDefined,
  interventionId,
  outcomeId,
  outcomeRecorded,
  outcomeRetracted,
  partnerJoined,
  POT_ID,
  potOpened,
  reverse,
  UNKNOWN_ID,
  withEventId,
} from './fixtures.ts';
import { AGENCY, TODAY, financeOfficerOf, given, testUlid } from './spec.ts';

const { cc, police, nhs } = AGENCY;

/** The event ids the specs below name. */
const EVENT = {
  opened: testUlid(7, 1),
  joined: testUlid(7, 2),
  ccContribution: testUlid(7, 3),
  policeContribution: testUlid(7, 4),
  intervention: testUlid(7, 5),
  allocation: testUlid(7, 6),
  outcome: testUlid(7, 7),
  contributionReversal: testUlid(7, 8),
  allocationReversal: testUlid(7, 9),
  outcomeRetraction: testUlid(7, 10),
};

const REASON = 'Keyed in error';
const outcome = outcomeRecorded(
  [benefit(nhs, '30.00', true)],
  [flow(cc, nhs, '22.50', true), flow(police, nhs, '7.50', true)],
);

/** Council 300.00 and police 100.00 in; 200.00 allocated (150.00 and 50.00); one outcome. */
const history: (PotEvent & { eventId: string })[] = [
  withEventId(EVENT.opened, potOpened()),
  withEventId(EVENT.ccContribution, contributionReceived(cc, '300.00', { n: 1 })),
  withEventId(EVENT.policeContribution, contributionReceived(police, '100.00', { n: 2 })),
  withEventId(EVENT.intervention, interventionDefined()),
  withEventId(EVENT.allocation, fundsAllocated('200.00', { [cc]: '150.00', [police]: '50.00' })),
  withEventId(EVENT.outcome, outcome),
];

/** The council's 300.00, nothing drawn from it. */
const contributed = [
  withEventId(EVENT.opened, potOpened()),
  withEventId(EVENT.ccContribution, contributionReceived(cc, '300.00')),
];

describe('ReverseEntry of a contribution', () => {
  it("takes the contribution back out of the agency's stake, dated today", () => {
    given(contributed)
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.ccContribution), context))
      .then([
        {
          type: 'ContributionReversed',
          data: {
            potId: POT_ID,
            contributionId: contributionId(1),
            reversedEventId: EVENT.ccContribution,
            agencyId: cc,
            amount: '300.00',
            effectiveDate: TODAY,
            reason: REASON,
          },
        },
      ]);
  });

  it('refuses a contribution already reversed (ALREADY_REVERSED)', () => {
    given([...contributed, contributionReversed(EVENT.ccContribution, cc, '300.00')])
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.ccContribution), context))
      .thenRefuses('ALREADY_REVERSED');
  });

  it('refuses a contribution whose money has been drawn, as it would take the stake below zero (INSUFFICIENT_FUNDS)', () => {
    given(history)
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.ccContribution), context))
      .thenRefuses('INSUFFICIENT_FUNDS', { requested: '300.00', available: '150.00' });
  });

  it("accepts a contribution when the agency's other money still covers what was drawn", () => {
    given([...history, contributionReceived(cc, '150.00', { n: 3 })])
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.ccContribution), context))
      .then([
        {
          type: 'ContributionReversed',
          data: {
            potId: POT_ID,
            contributionId: contributionId(1),
            reversedEventId: EVENT.ccContribution,
            agencyId: cc,
            amount: '300.00',
            effectiveDate: TODAY,
            reason: REASON,
          },
        },
      ]);
  });

  it('accepts a contribution once the allocation that drew on it has been reversed', () => {
    given([
      ...history,
      allocationReversed(EVENT.allocation, '200.00', { [cc]: '150.00', [police]: '50.00' }),
    ])
      .when((state, context) =>
        decideReverseEntry(state, reverse(EVENT.policeContribution), context),
      )
      .then([
        {
          type: 'ContributionReversed',
          data: {
            potId: POT_ID,
            contributionId: contributionId(2),
            reversedEventId: EVENT.policeContribution,
            agencyId: police,
            amount: '100.00',
            effectiveDate: TODAY,
            reason: REASON,
          },
        },
      ]);
  });

  it("lets a finance officer reverse their own agency's contribution", () => {
    given(contributed)
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.ccContribution), context), {
        actor: financeOfficerOf(cc),
      })
      .then([
        {
          type: 'ContributionReversed',
          data: {
            potId: POT_ID,
            contributionId: contributionId(1),
            reversedEventId: EVENT.ccContribution,
            agencyId: cc,
            amount: '300.00',
            effectiveDate: TODAY,
            reason: REASON,
          },
        },
      ]);
  });

  it("refuses a finance officer reversing another agency's contribution (FORBIDDEN)", () => {
    given(contributed)
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.ccContribution), context), {
        actor: financeOfficerOf(police),
      })
      .thenRefuses('FORBIDDEN');
  });
});

describe('ReverseEntry of an allocation', () => {
  /** The default history with its one outcome retracted: nothing stands on the allocation. */
  const retracted = [
    ...history,
    withEventId(EVENT.outcomeRetraction, outcomeRetracted(EVENT.outcome, outcome)),
  ];

  it('gives the same funding shares back to the stakes', () => {
    given(retracted)
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context))
      .then([
        {
          type: 'AllocationReversed',
          data: {
            potId: POT_ID,
            allocationId: allocationId(1),
            reversedEventId: EVENT.allocation,
            interventionId: interventionId(1),
            amount: '200.00',
            fundingShares: [
              { agencyId: cc, amount: '150.00' },
              { agencyId: police, amount: '50.00' },
            ],
            effectiveDate: TODAY,
            reason: REASON,
          },
        },
      ]);
  });

  it('refuses an allocation already reversed (ALREADY_REVERSED)', () => {
    given([
      ...retracted,
      allocationReversed(EVENT.allocation, '200.00', { [cc]: '150.00', [police]: '50.00' }),
    ])
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context))
      .thenRefuses('ALREADY_REVERSED');
  });
});

/**
 * Issue 13: allocate 0.01, record a £1,000,000 outcome, reverse the allocation — the
 * intervention showed funded 0.00 and benefits £1,000,000, produced by investors with nothing
 * invested. Benefits may not outlive the funding behind them.
 */
describe('ReverseEntry of an allocation that outcomes stand on', () => {
  const allocationReversal = () =>
    allocationReversed(EVENT.allocation, '200.00', { [cc]: '150.00', [police]: '50.00' });

  it('refuses while an outcome recorded after it stands (OUTCOMES_DEPEND_ON_ALLOCATION), naming the outcome to retract first', () => {
    const refusal = given(history)
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context))
      .thenRefuses('OUTCOMES_DEPEND_ON_ALLOCATION', {
        allocationId: allocationId(1),
        outcomes: 1,
        outcomeEventIds: [EVENT.outcome],
        outcomeIds: [outcomeId(1)],
      });
    expect(refusal.message).toContain(EVENT.outcome);
    expect(refusal.message).toContain('retract them first');
  });

  it("refuses the issue's case: 0.01 allocated, a £1,000,000 outcome on it", () => {
    const big = outcomeRecorded(
      [benefit(nhs, '1000000.00', false)],
      [flow(cc, nhs, '1000000.00', false)],
    );
    given([
      withEventId(EVENT.opened, potOpened()),
      withEventId(EVENT.ccContribution, contributionReceived(cc, '0.01', { n: 1 })),
      withEventId(EVENT.intervention, interventionDefined()),
      withEventId(EVENT.allocation, fundsAllocated('0.01', { [cc]: '0.01' })),
      withEventId(EVENT.outcome, big),
    ])
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context))
      .thenRefuses('OUTCOMES_DEPEND_ON_ALLOCATION', { outcomeEventIds: [EVENT.outcome] });
  });

  it('accepts once the outcome is retracted', () => {
    given([
      ...history,
      withEventId(EVENT.outcomeRetraction, outcomeRetracted(EVENT.outcome, outcome)),
    ])
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context))
      .then([
        {
          type: 'AllocationReversed',
          data: {
            ...allocationReversal().data,
            reversedEventId: EVENT.allocation,
            effectiveDate: TODAY,
            reason: REASON,
          },
        },
      ]);
  });

  it('accepts an allocation made after the outcome: the outcome was attributed without it', () => {
    const later = testUlid(7, 20);
    const second = fundsAllocated(
      '100.00',
      { [cc]: '75.00', [police]: '25.00' },
      { n: 2, effectiveDate: '2025-10-01' },
    );
    const { result } = given([...history, withEventId(later, second)]).when((state, context) =>
      decideReverseEntry(state, reverse(later), context),
    );
    expect(result).toMatchObject([
      { type: 'AllocationReversed', data: { allocationId: allocationId(2) } },
    ]);
    // The first allocation is still held by the outcome.
    given([...history, withEventId(later, second)])
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context))
      .thenRefuses('OUTCOMES_DEPEND_ON_ALLOCATION');
  });

  it("ignores outcomes of another intervention: they rest on that intervention's funding", () => {
    const other = testUlid(7, 21);
    const otherOutcome = testUlid(7, 22);
    given([
      ...history.slice(0, 5),
      withEventId(other, interventionDefined({ n: 2 })),
      withEventId(
        testUlid(7, 23),
        fundsAllocated('10.00', { [cc]: '7.50', [police]: '2.50' }, { n: 2, intervention: 2 }),
      ),
      withEventId(
        otherOutcome,
        outcomeRecorded(
          [benefit(nhs, '5.00', true)],
          [flow(cc, nhs, '3.75', true), flow(police, nhs, '1.25', true)],
          { intervention: 2 },
        ),
      ),
    ])
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context))
      .then([
        {
          type: 'AllocationReversed',
          data: {
            ...allocationReversal().data,
            reversedEventId: EVENT.allocation,
            effectiveDate: TODAY,
            reason: REASON,
          },
        },
      ]);
  });

  it('names every outcome that stands on it, in the order they were recorded, and counts them', () => {
    const second = outcomeRecorded(
      [benefit(nhs, '3.00', true)],
      [flow(cc, nhs, '2.25', true), flow(police, nhs, '0.75', true)],
      { n: 2 },
    );
    given([...history, withEventId(testUlid(7, 30), second)])
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context))
      .thenRefuses('OUTCOMES_DEPEND_ON_ALLOCATION', {
        outcomes: 2,
        outcomeIds: [outcomeId(1), outcomeId(2)],
        outcomeEventIds: [EVENT.outcome, testUlid(7, 30)],
      });
  });
});

describe('ReverseEntry of an outcome', () => {
  it('retracts it with the same benefits and flows', () => {
    given(history)
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.outcome), context))
      .then([
        {
          type: 'OutcomeRetracted',
          data: {
            potId: POT_ID,
            outcomeId: outcomeId(1),
            reversedEventId: EVENT.outcome,
            interventionId: interventionId(1),
            benefits: [benefit(nhs, '30.00', true)],
            flows: [flow(cc, nhs, '22.50', true), flow(police, nhs, '7.50', true)],
            effectiveDate: TODAY,
            reason: REASON,
          },
        },
      ]);
  });

  it('refuses an outcome already retracted (ALREADY_REVERSED)', () => {
    given([...history, outcomeRetracted(EVENT.outcome, outcome)])
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.outcome), context))
      .thenRefuses('ALREADY_REVERSED');
  });
});

describe('ReverseEntry of anything else', () => {
  it('refuses an event id the pot does not have (NOT_FOUND)', () => {
    given(history)
      .when((state, context) => decideReverseEntry(state, reverse(UNKNOWN_ID), context))
      .thenRefuses('NOT_FOUND');
  });

  /** Every kind of event that is not a contribution, an allocation or an outcome. */
  const everything = [
    ...history.slice(0, 1),
    withEventId(EVENT.joined, partnerJoined(nhs)),
    ...history.slice(1),
    withEventId(
      EVENT.allocationReversal,
      allocationReversed(EVENT.allocation, '200.00', { [cc]: '150.00', [police]: '50.00' }),
    ),
    withEventId(
      EVENT.contributionReversal,
      contributionReversed(EVENT.policeContribution, police, '100.00', { n: 2 }),
    ),
    withEventId(EVENT.outcomeRetraction, outcomeRetracted(EVENT.outcome, outcome)),
  ];
  it.each([
    ['PotOpened', EVENT.opened],
    ['PartnerJoined', EVENT.joined],
    ['InterventionDefined', EVENT.intervention],
    ['ContributionReversed', EVENT.contributionReversal],
    ['AllocationReversed', EVENT.allocationReversal],
    ['OutcomeRetracted', EVENT.outcomeRetraction],
  ])(
    'refuses to reverse a %s: only contributions, allocations and outcomes can be (VALIDATION_FAILED)',
    (_type, eventId) => {
      given(everything)
        .when((state, context) => decideReverseEntry(state, reverse(eventId), context))
        .thenRefuses('VALIDATION_FAILED');
    },
  );

  it('refuses a finance officer whose agency is not a partner (FORBIDDEN)', () => {
    given(history)
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context), {
        actor: financeOfficerOf(nhs),
      })
      .thenRefuses('FORBIDDEN');
  });

  it('refuses a pot that has not been opened (NOT_FOUND)', () => {
    given([])
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context))
      .thenRefuses('NOT_FOUND');
  });

  it('refuses a closed pot (POT_CLOSED)', () => {
    const spec = given(history);
    spec.state.status = 'closed';
    spec
      .when((state, context) => decideReverseEntry(state, reverse(EVENT.allocation), context))
      .thenRefuses('POT_CLOSED');
  });
});

describe('ReverseEntry dates', () => {
  const dateOf = (result: unknown): string =>
    (result as { data: { effectiveDate: string } }[])[0]!.data.effectiveDate;
  const futureContribution = [
    withEventId(EVENT.opened, potOpened()),
    withEventId(
      EVENT.ccContribution,
      contributionReceived(cc, '300.00', { effectiveDate: '2026-03-31' }),
    ),
  ];

  it('dates a reversal today by default', () => {
    const { result } = given(contributed).when((state, context) =>
      decideReverseEntry(state, reverse(EVENT.ccContribution), context),
    );
    expect(dateOf(result)).toBe(TODAY);
  });

  it('dates a reversal on the original date by default when that is still to come', () => {
    const { result } = given(futureContribution).when((state, context) =>
      decideReverseEntry(state, reverse(EVENT.ccContribution), context),
    );
    expect(dateOf(result)).toBe('2026-03-31');
  });

  it('dates an outcome retraction on the outcome date by default when that is still to come', () => {
    const future = outcomeRecorded(outcome.data.benefits, outcome.data.flows, {
      effectiveDate: '2026-02-01',
    });
    const { result } = given([...history.slice(0, 5), withEventId(EVENT.outcome, future)]).when(
      (state, context) => decideReverseEntry(state, reverse(EVENT.outcome), context),
    );
    expect(dateOf(result)).toBe('2026-02-01');
  });

  it('takes the date the command gives', () => {
    const { result } = given(contributed).when((state, context) =>
      decideReverseEntry(
        state,
        reverse(EVENT.ccContribution, { effectiveDate: '2025-12-31' }),
        context,
      ),
    );
    expect(dateOf(result)).toBe('2025-12-31');
  });

  it('accepts a reversal dated the same day as the original', () => {
    const { result } = given(contributed).when((state, context) =>
      decideReverseEntry(
        state,
        reverse(EVENT.ccContribution, { effectiveDate: '2025-04-10' }),
        context,
      ),
    );
    expect(dateOf(result)).toBe('2025-04-10');
  });

  it('refuses a contribution reversal dated before the contribution (VALIDATION_FAILED)', () => {
    given(contributed)
      .when((state, context) =>
        decideReverseEntry(
          state,
          reverse(EVENT.ccContribution, { effectiveDate: '2025-04-09' }),
          context,
        ),
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('refuses an allocation reversal dated before the allocation (VALIDATION_FAILED)', () => {
    given(history.slice(0, 5))
      .when((state, context) =>
        decideReverseEntry(
          state,
          reverse(EVENT.allocation, { effectiveDate: '2025-04-30' }),
          context,
        ),
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('refuses an outcome retraction dated before the outcome (VALIDATION_FAILED)', () => {
    given(history)
      .when((state, context) =>
        decideReverseEntry(state, reverse(EVENT.outcome, { effectiveDate: '2025-09-29' }), context),
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('refuses today, given explicitly, for a contribution dated in the future (VALIDATION_FAILED)', () => {
    given(futureContribution)
      .when((state, context) =>
        decideReverseEntry(state, reverse(EVENT.ccContribution, { effectiveDate: TODAY }), context),
      )
      .thenRefuses('VALIDATION_FAILED');
  });
});
