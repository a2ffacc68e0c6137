/**
 * Periods and year-end: CloseFinancialYear locks a year that has ended; nothing dated inside it
 * is accepted afterwards (PERIOD_CLOSED), and corrections go in as prior-period adjustments,
 * dated in the open period and labelled with the year they correct.
 */
import { describe, it } from 'vitest';
import { decideAllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import { decideCloseFinancialYear } from '../../commands/closeFinancialYear.ts';
import { decideContributeToPot } from '../../commands/contributeToPot.ts';
import { decideApproveAllocation } from '../../commands/decideAllocationRequest.ts';
import { decideRecordOutcome } from '../../commands/recordOutcome.ts';
import { decideReverseEntry } from '../../commands/reverseEntry.ts';
import {
  allocate,
  benefit,
  contribute,
  contributionReceived,
  contributionReversed,
  fundsAllocated,
  interventionDefined,
  POT_ID,
  potOpened,
  recordOutcome,
  reverse,
} from './fixtures.ts';
import {
  AFTER_YEAR_END,
  allocationRequested,
  APPROVER,
  financialYearClosed,
  potOpenedWithThreshold,
} from './controlFixtures.ts';
import { AGENCY, financeOfficerOf, given, givenEventId } from './spec.ts';

const { cc, police } = AGENCY;
const after = { now: AFTER_YEAR_END };
const closeYear = (financialYear: string) => ({ potId: POT_ID, financialYear });

/** given() numbers the history's events: the contribution is the second. */
const CONTRIBUTION_EVENT = givenEventId(2);
const funded = [
  potOpened(),
  contributionReceived(cc, '300000.00', { n: 1 }),
  interventionDefined(),
];
const closed = [...funded, financialYearClosed('2025-26')];

describe('CloseFinancialYear', () => {
  it('an admin closes a year that has ended: everything up to its 31 March is locked', () => {
    given(funded)
      .when(
        (state, context) =>
          decideCloseFinancialYear(
            state,
            { ...closeYear('2025-26'), reason: 'Accounts signed' },
            context,
          ),
        after,
      )
      .then([
        {
          type: 'FinancialYearClosed',
          data: {
            potId: POT_ID,
            financialYear: '2025-26',
            closedThrough: '2026-03-31',
            reason: 'Accounts signed',
          },
        },
      ]);
  });

  it('400 VALIDATION_FAILED while the year is still running (by the server clock), even on its last day', () => {
    given(funded)
      .when((state, context) => decideCloseFinancialYear(state, closeYear('2025-26'), context), {
        now: '2026-03-31T23:59:59.000Z',
      })
      .thenRefuses('VALIDATION_FAILED');
  });

  it('409 PERIOD_CLOSED for a year already closed, or one locked by closing a later year', () => {
    given(closed)
      .when(
        (state, context) => decideCloseFinancialYear(state, closeYear('2025-26'), context),
        after,
      )
      .thenRefuses('PERIOD_CLOSED');
    given(closed)
      .when(
        (state, context) => decideCloseFinancialYear(state, closeYear('2024-25'), context),
        after,
      )
      .thenRefuses('PERIOD_CLOSED');
  });

  it('403 FORBIDDEN for a finance officer', () => {
    given(funded)
      .when((state, context) => decideCloseFinancialYear(state, closeYear('2025-26'), context), {
        ...after,
        actor: financeOfficerOf(cc),
      })
      .thenRefuses('FORBIDDEN');
  });
});

describe('after a year is closed', () => {
  it('409 PERIOD_CLOSED for a contribution, allocation or outcome dated inside it (the last day included)', () => {
    const g = given([...closed, fundsAllocated('1000.00', { [cc]: '1000.00' }, { n: 1 })]);
    g.when(
      (state, context) =>
        decideContributeToPot(
          state,
          contribute(cc, '10.00', { effectiveDate: '2026-03-31' }),
          context,
        ),
      after,
    ).thenRefuses('PERIOD_CLOSED', { effectiveDate: '2026-03-31', closedThrough: '2026-03-31' });
    g.when(
      (state, context) =>
        decideAllocateToIntervention(
          state,
          allocate('10.00', { effectiveDate: '2025-12-01' }),
          context,
        ),
      after,
    ).thenRefuses('PERIOD_CLOSED');
    g.when(
      (state, context) =>
        decideRecordOutcome(
          state,
          recordOutcome([benefit(police, '5.00', true)], { effectiveDate: '2025-06-01' }),
          context,
        ),
      after,
    ).thenRefuses('PERIOD_CLOSED');
  });

  it('the day after is open', () => {
    given(closed)
      .when(
        (state, context) =>
          decideContributeToPot(
            state,
            contribute(cc, '10.00', { effectiveDate: '2026-04-01' }),
            context,
          ),
        after,
      )
      .then([{ ...contributionReceived(cc, '10.00', { n: 100, effectiveDate: '2026-04-01' }) }]);
  });

  it('a prior-period adjustment dated in the open period is accepted and carries its label', () => {
    const expected = contributionReceived(cc, '10.00', { n: 100, effectiveDate: '2026-04-02' });
    given(closed)
      .when(
        (state, context) =>
          decideContributeToPot(
            state,
            contribute(cc, '10.00', {
              effectiveDate: '2026-04-02',
              priorPeriodAdjustment: '2025-26',
            }),
            context,
          ),
        after,
      )
      .then([{ ...expected, data: { ...expected.data, priorPeriodAdjustment: '2025-26' } }]);
  });

  it('400 VALIDATION_FAILED for a prior-period adjustment naming an open year, or dated inside the closed period', () => {
    given(closed)
      .when(
        (state, context) =>
          decideContributeToPot(
            state,
            contribute(cc, '10.00', {
              effectiveDate: '2026-04-02',
              priorPeriodAdjustment: '2026-27',
            }),
            context,
          ),
        after,
      )
      .thenRefuses('VALIDATION_FAILED');
    given(closed)
      .when(
        (state, context) =>
          decideContributeToPot(
            state,
            contribute(cc, '10.00', {
              effectiveDate: '2026-03-02',
              priorPeriodAdjustment: '2025-26',
            }),
            context,
          ),
        after,
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('an entry dated in the closed year is reversed only as a prior-period adjustment for that year', () => {
    const g = given(closed);
    g.when(
      (state, context) => decideReverseEntry(state, reverse(CONTRIBUTION_EVENT), context),
      after,
    ).thenRefuses('PERIOD_CLOSED', {
      effectiveDate: '2025-04-10',
      closedThrough: '2026-03-31',
    });
    g.when(
      (state, context) =>
        decideReverseEntry(
          state,
          reverse(CONTRIBUTION_EVENT, { priorPeriodAdjustment: '2024-25' }),
          context,
        ),
      after,
    ).thenRefuses('VALIDATION_FAILED');
    g.when(
      (state, context) =>
        decideReverseEntry(
          state,
          reverse(CONTRIBUTION_EVENT, {
            priorPeriodAdjustment: '2025-26',
            effectiveDate: '2026-03-01',
          }),
          context,
        ),
      after,
    ).thenRefuses('VALIDATION_FAILED');
    const reversed = contributionReversed(CONTRIBUTION_EVENT, cc, '300000.00', {
      n: 1,
      effectiveDate: '2026-04-15',
    });
    g.when(
      (state, context) =>
        decideReverseEntry(
          state,
          reverse(CONTRIBUTION_EVENT, { priorPeriodAdjustment: '2025-26' }),
          context,
        ),
      after,
    ).then([
      {
        ...reversed,
        data: { ...reversed.data, reason: 'Keyed in error', priorPeriodAdjustment: '2025-26' },
      },
    ]);
  });

  it('an approval whose requested date has since been closed is refused: 409 PERIOD_CLOSED', () => {
    given([
      potOpenedWithThreshold(),
      contributionReceived(cc, '600000.00', { n: 1 }),
      interventionDefined(),
      allocationRequested('500000.00'),
      financialYearClosed('2025-26'),
    ])
      .when(
        (state, context) =>
          decideApproveAllocation(
            state,
            { potId: POT_ID, allocationId: allocationRequested('1.00').data.allocationId },
            context,
          ),
        {
          ...after,
          actor: APPROVER,
        },
      )
      .thenRefuses('PERIOD_CLOSED');
  });
});
