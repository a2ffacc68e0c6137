/**
 * ClosePot: each partner's unallocated stake goes back to it, exactly, and afterwards every
 * command on the pot is refused POT_CLOSED.
 */
import { describe, expect, it } from 'vitest';
import { decideClosePot } from '../../commands/closePot.ts';
import { decideContributeToPot } from '../../commands/contributeToPot.ts';
import { decideAllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import { decideReverseEntry } from '../../commands/reverseEntry.ts';
import { decideRejectAllocation } from '../../commands/decideAllocationRequest.ts';
import { available } from '../../commands/potState.ts';
import { MAX_AMOUNT } from '../../events/money.ts';
import {
  allocate,
  contribute,
  contributionReceived,
  contributionReversed,
  fundsAllocated,
  interventionDefined,
  POT_ID,
  potOpened,
  reverse,
} from './fixtures.ts';
import {
  AFTER_YEAR_END,
  allocationRequested,
  financialYearClosed,
  potOpenedWithThreshold,
  request,
} from './controlFixtures.ts';
import { AGENCY, financeOfficerOf, given, givenEventId, TODAY } from './spec.ts';
import { settled } from './poolYearFixtures.ts';

const { cc, police, probation } = AGENCY;
const close = (o: { effectiveDate?: string } = {}) => ({
  potId: POT_ID,
  reason: 'Programme ended',
  ...o,
});

/** Council 300,000.00 and police 200,000.00 paid in; 100,000.01 allocated; probation has nothing. */
const used = [
  potOpened(),
  contributionReceived(cc, '300000.00', { n: 1 }),
  contributionReceived(police, '200000.00', { n: 2 }),
  interventionDefined(),
  fundsAllocated('100000.01', { [cc]: '60000.01', [police]: '40000.00' }, { n: 1 }),
];
const potClosed = {
  type: 'PotClosed' as const,
  data: {
    potId: POT_ID,
    effectiveDate: TODAY,
    reason: 'Programme ended',
    returns: [
      { agencyId: cc, amount: '239999.99' },
      { agencyId: police, amount: '160000.00' },
    ],
  },
};

describe('ClosePot', () => {
  it("returns each partner's unallocated stake, to the penny, leaving out partners with none; dated today by default", () => {
    given(used)
      .when((state, context) => decideClosePot(state, close(), context))
      .then([potClosed]);
  });

  it('after the close the pot is closed, every stake is zero and nothing is available', () => {
    const { state } = given([...used, potClosed]);
    expect(state.status).toBe('closed');
    expect([...state.stakes.values()].map((s) => s.toFixed(2))).toEqual(['0.00', '0.00', '0.00']);
    expect(available(state).toFixed(2)).toBe('0.00');
    expect(state.totalReturned.toFixed(2)).toBe('399999.99');
  });

  it('409 POT_CLOSED for every command afterwards: contribution, allocation, reversal, another close', () => {
    const g = given([...used, potClosed]);
    g.when((state, context) => decideContributeToPot(state, contribute(cc, '1.00'), context), {
      actor: financeOfficerOf(cc),
    }).thenRefuses('POT_CLOSED');
    g.when((state, context) =>
      decideAllocateToIntervention(state, allocate('1.00'), context),
    ).thenRefuses('POT_CLOSED');
    g.when((state, context) =>
      decideReverseEntry(state, reverse(givenEventId(5)), context),
    ).thenRefuses('POT_CLOSED');
    g.when((state, context) => decideClosePot(state, close(), context)).thenRefuses('POT_CLOSED');
  });

  it('409 PENDING_APPROVALS while a request waits for a decision, naming it', () => {
    given([
      potOpenedWithThreshold(),
      contributionReceived(cc, '600000.00', { n: 1 }),
      interventionDefined(),
      allocationRequested('500000.00'),
    ])
      .when((state, context) => decideClosePot(state, close(), context))
      .thenRefuses('PENDING_APPROVALS', { pendingAllocationIds: [request().allocationId] });
  });

  it('a decided request does not hold the close up; a closed pot then refuses decisions too', () => {
    const history = [
      potOpenedWithThreshold(),
      contributionReceived(cc, '600000.00', { n: 1 }),
      interventionDefined(),
      allocationRequested('500000.00'),
    ];
    const rejected = {
      type: 'AllocationRejected' as const,
      data: { ...request(), rejectedBy: { sub: 'alice', role: 'admin' }, reason: 'No' },
    };
    const closedEvent = {
      ...potClosed,
      data: { ...potClosed.data, returns: [{ agencyId: cc, amount: '600000.00' }] },
    };
    given([...history, rejected])
      .when((state, context) => decideClosePot(state, close(), context))
      .then([closedEvent]);
    given([...history, rejected, closedEvent])
      .when((state, context) =>
        decideRejectAllocation(state, { ...request(), reason: 'x' }, context),
      )
      .thenRefuses('POT_CLOSED');
  });

  it('409 PERIOD_CLOSED for a close dated inside a closed financial year', () => {
    given([...used, financialYearClosed('2025-26')])
      .when(
        (state, context) => decideClosePot(state, close({ effectiveDate: '2026-03-31' }), context),
        { now: AFTER_YEAR_END },
      )
      .thenRefuses('PERIOD_CLOSED');
  });

  it('403 FORBIDDEN for a finance officer, even of a partner', () => {
    given(used)
      .when((state, context) => decideClosePot(state, close(), context), {
        actor: financeOfficerOf(probation),
      })
      .thenRefuses('FORBIDDEN');
  });

  it('a pot with nothing left closes with no returns', () => {
    given([potOpened(), interventionDefined()])
      .when((state, context) => decideClosePot(state, close(), context))
      .then([{ ...potClosed, data: { ...potClosed.data, returns: [] } }]);
  });
  it("refuses a close dated before the pot's latest-dated entry (VALIDATION_FAILED): the stakes it returns were not all there yet", () => {
    const later = [
      ...used,
      contributionReceived(police, '900.00', { n: 3, effectiveDate: '2026-03-01' }),
    ];
    // Today (2026-01-15) by default, and an explicit earlier date: both before 1 March.
    given(later)
      .when((state, context) => decideClosePot(state, close(), context))
      .thenRefuses('VALIDATION_FAILED');
    given(later)
      .when((state, context) =>
        decideClosePot(state, close({ effectiveDate: '2026-02-28' }), context),
      )
      .thenRefuses('VALIDATION_FAILED');
    const onTheDay = given(later).when((state, context) =>
      decideClosePot(state, close({ effectiveDate: '2026-03-01' }), context),
    );
    onTheDay.then([
      {
        ...potClosed,
        data: {
          ...potClosed.data,
          effectiveDate: '2026-03-01',
          returns: [
            { agencyId: cc, amount: '239999.99' },
            { agencyId: police, amount: '160900.00' },
          ],
        },
      },
    ]);
  });

  describe('a stake beyond the largest amount (a pot written before contributions were capped)', () => {
    const overfull = [
      potOpened(),
      contributionReceived(cc, MAX_AMOUNT, { n: 1 }),
      contributionReceived(cc, '0.01', { n: 2 }),
      contributionReceived(police, '5.00', { n: 3 }),
    ];

    it('refuses the close (AMOUNT_LIMIT_EXCEEDED), naming the partner, rather than write a return no event may hold', () => {
      const refusal = given(overfull)
        .when((state, context) => decideClosePot(state, close(), context))
        .thenRefuses('AMOUNT_LIMIT_EXCEEDED', { limit: MAX_AMOUNT, agencyIds: [cc] });
      expect(refusal.message).toContain('1000000000000.01');
    });

    it('closes once a reversal has brought the stake within the limit', () => {
      given([...overfull, contributionReversed(givenEventId(3), cc, '0.01', { n: 2 })])
        .when((state, context) => decideClosePot(state, close(), context))
        .then([
          {
            type: 'PotClosed',
            data: {
              potId: POT_ID,
              effectiveDate: TODAY,
              reason: 'Programme ended',
              returns: [
                { agencyId: cc, amount: MAX_AMOUNT },
                { agencyId: police, amount: '5.00' },
              ],
            },
          },
        ]);
    });
  });
});

describe('ClosePot on a pooled fund with risk-share debts', () => {
  const close = { potId: POT_ID, reason: 'Agreement ended', effectiveDate: '2026-05-01' };
  const payment = (agencyId: string, amount: string, n: number) =>
    contributionReceived(agencyId, amount, { n: 900 + n, effectiveDate: '2026-04-20' });
  const paid = (agencyId: string, amount: string, n: number) => {
    const event = payment(agencyId, amount, n);
    return { ...event, data: { ...event.data, riskShareFor: '2025-26' } };
  };

  it('409 RISK_SHARE_OUTSTANDING while a partner still owes its share of a settled year, naming each debt', () => {
    // 2025-26 settled: council owes 120.00, police 80.00; the council has paid, the police not.
    given([...settled(), paid(cc, '120.00', 1)])
      .when((state, context) => decideClosePot(state, close, context))
      .thenRefuses('RISK_SHARE_OUTSTANDING', {
        owing: [{ financialYear: '2025-26', agencyId: police, amount: '80.00' }],
      });
  });

  it('once every debt is paid the pot closes, returning the stakes', () => {
    const decided = given([...settled(), paid(cc, '120.00', 1), paid(police, '80.00', 2)]).when(
      (state, context) => decideClosePot(state, close, context),
    ).result;
    expect(decided).toMatchObject([{ type: 'PotClosed' }]);
  });
});
