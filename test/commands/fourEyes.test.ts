/**
 * Four-eyes approval: at or above the pot's threshold an allocation is only requested; a second
 * person (another finance officer of a partner, or an admin) approves it, and only then is the
 * money allocated, with the shares of that moment. The requester can never approve their own.
 */
import { describe, expect, it } from 'vitest';
import { decideAllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import { decideChangeApprovalThreshold } from '../../commands/changeApprovalThreshold.ts';
import {
  decideApproveAllocation,
  decideRejectAllocation,
} from '../../commands/decideAllocationRequest.ts';
import { available, hasPendingRequests } from '../../commands/potState.ts';
import {
  allocate,
  contributionReceived,
  fundsAllocated,
  interventionDefined,
  POT_ID,
  potOpened,
} from './fixtures.ts';
import {
  allocationApproved,
  allocationRejected,
  allocationRequested,
  APPROVER,
  potOpenedWithThreshold,
  ref,
  request,
  REQUESTER,
  thresholdChanged,
} from './controlFixtures.ts';
import { ADMIN, AGENCY, financeOfficerOf, given } from './spec.ts';

const { cc, police, nhs } = AGENCY;

/** Threshold 500,000.00; council 600,000.00 and police 400,000.00 unallocated. */
const funded = [
  potOpenedWithThreshold(),
  contributionReceived(cc, '600000.00', { n: 1 }),
  contributionReceived(police, '400000.00', { n: 2 }),
  interventionDefined(),
];
const pending = [...funded, allocationRequested('600000.00')];

describe('four-eyes: requesting', () => {
  it('below the threshold an allocation is made at once', () => {
    given(funded)
      .when(
        (state, context) => decideAllocateToIntervention(state, allocate('499999.99'), context),
        { actor: REQUESTER },
      )
      .then([
        fundsAllocated('499999.99', { [cc]: '299999.99', [police]: '200000.00' }, { n: 100 }),
      ]);
  });

  it('at the threshold exactly it is only requested, naming the requester and the threshold', () => {
    given(funded)
      .when(
        (state, context) => decideAllocateToIntervention(state, allocate('500000.00'), context),
        { actor: REQUESTER },
      )
      .then([allocationRequested('500000.00')]);
  });

  it('a pending request reserves nothing: the whole available balance can still be allocated', () => {
    const g = given([...pending]);
    expect(available(g.state).toFixed(2)).toBe('1000000.00');
    expect(hasPendingRequests(g.state)).toBe(true);
    g.when((state, context) =>
      decideAllocateToIntervention(
        state,
        allocate('400000.00', { allocationId: request(101).allocationId }),
        context,
      ),
    ).then([fundsAllocated('400000.00', { [cc]: '240000.00', [police]: '160000.00' }, { n: 101 })]);
  });

  it('funds are checked at request time too: 409 INSUFFICIENT_FUNDS', () => {
    given(funded)
      .when(
        (state, context) => decideAllocateToIntervention(state, allocate('1000000.01'), context),
        { actor: REQUESTER },
      )
      .thenRefuses('INSUFFICIENT_FUNDS', { requested: '1000000.01', available: '1000000.00' });
  });

  it('a pot opened without a threshold never asks for a second person', () => {
    given([potOpened(), contributionReceived(cc, '600000.00', { n: 1 }), interventionDefined()])
      .when((state, context) => decideAllocateToIntervention(state, allocate('600000.00'), context))
      .then([fundsAllocated('600000.00', { [cc]: '600000.00' }, { n: 100 })]);
  });
});

describe('four-eyes: changing the threshold', () => {
  it('an admin sets it, with a reason; later allocations are measured against the new one', () => {
    given(funded)
      .when((state, context) =>
        decideChangeApprovalThreshold(
          state,
          { potId: POT_ID, approvalThreshold: '100000', reason: 'Board decision' },
          context,
        ),
      )
      .then([thresholdChanged('100000.00')]);
    given([...funded, thresholdChanged('100000.00')])
      .when(
        (state, context) => decideAllocateToIntervention(state, allocate('100000.00'), context),
        { actor: REQUESTER },
      )
      .then([allocationRequested('100000.00', { threshold: '100000.00' })]);
  });

  it('null removes it: a large allocation is then made at once', () => {
    given([...funded, thresholdChanged(null)])
      .when(
        (state, context) => decideAllocateToIntervention(state, allocate('600000.00'), context),
        { actor: REQUESTER },
      )
      .then([
        fundsAllocated('600000.00', { [cc]: '360000.00', [police]: '240000.00' }, { n: 100 }),
      ]);
  });

  it('403 FORBIDDEN for a finance officer', () => {
    given(funded)
      .when(
        (state, context) =>
          decideChangeApprovalThreshold(
            state,
            { potId: POT_ID, approvalThreshold: null, reason: 'x' },
            context,
          ),
        { actor: APPROVER },
      )
      .thenRefuses('FORBIDDEN');
  });
});

describe('four-eyes: approving', () => {
  it('another partner finance officer approves: the allocation is made with the requested date and reason', () => {
    given(pending)
      .when((state, context) => decideApproveAllocation(state, request(), context), {
        actor: APPROVER,
      })
      .then([
        allocationApproved(),
        fundsAllocated('600000.00', { [cc]: '360000.00', [police]: '240000.00' }, { n: 100 }),
      ]);
  });

  it('the funding shares are the stakes at approval, not at request: money paid in since counts', () => {
    given([...pending, contributionReceived(police, '1000000.00', { n: 3 })])
      .when(
        (state, context) =>
          decideApproveAllocation(
            state,
            { ...request(), comment: 'Checked against the plan' },
            context,
          ),
        { actor: ADMIN },
      )
      .then([
        {
          type: 'AllocationApproved',
          data: { ...allocationApproved({ by: ADMIN }).data, comment: 'Checked against the plan' },
        },
        // Stakes 600,000 and 1,400,000: 30% and 70%.
        fundsAllocated('600000.00', { [cc]: '180000.00', [police]: '420000.00' }, { n: 100 }),
      ]);
  });

  it('the requester cannot approve their own request: the attempt is recorded, nothing is allocated', () => {
    const g = given(pending);
    g.when((state, context) => decideApproveAllocation(state, request(), context), {
      actor: REQUESTER,
    }).then([
      {
        type: 'SelfApprovalAttempted',
        data: { potId: POT_ID, allocationId: request().allocationId, attemptedBy: ref(REQUESTER) },
      },
    ]);
    // Folding the attempt leaves the request pending for someone else.
    const after = given([
      ...pending,
      {
        type: 'SelfApprovalAttempted',
        data: { potId: POT_ID, allocationId: request().allocationId, attemptedBy: ref(REQUESTER) },
      },
    ]);
    expect(after.state.requests.get(request().allocationId)!.status).toBe('pending');
    expect(available(after.state).toFixed(2)).toBe('1000000.00');
  });

  it('the same person under another role is still the requester (segregation is by person, sub)', () => {
    const adminBob = { sub: REQUESTER.sub, role: 'admin' };
    given(pending)
      .when((state, context) => decideApproveAllocation(state, request(), context), {
        actor: adminBob,
      })
      .then([
        {
          type: 'SelfApprovalAttempted',
          data: { potId: POT_ID, allocationId: request().allocationId, attemptedBy: ref(adminBob) },
        },
      ]);
  });

  it('404 NOT_FOUND for a request the pot never had', () => {
    given(pending)
      .when((state, context) => decideApproveAllocation(state, request(7), context), {
        actor: APPROVER,
      })
      .thenRefuses('NOT_FOUND');
  });

  it('409 ALREADY_DECIDED once approved or rejected', () => {
    given([
      ...pending,
      allocationApproved(),
      fundsAllocated('600000.00', { [cc]: '360000.00', [police]: '240000.00' }, { n: 100 }),
    ])
      .when((state, context) => decideApproveAllocation(state, request(), context), {
        actor: ADMIN,
      })
      .thenRefuses('ALREADY_DECIDED', { status: 'approved' });
    given([...pending, allocationRejected()])
      .when((state, context) => decideApproveAllocation(state, request(), context), {
        actor: ADMIN,
      })
      .thenRefuses('ALREADY_DECIDED', { status: 'rejected' });
  });

  it('409 INSUFFICIENT_FUNDS when the money went elsewhere meanwhile', () => {
    given([
      ...pending,
      fundsAllocated('500000.00', { [cc]: '300000.00', [police]: '200000.00' }, { n: 5 }),
    ])
      .when((state, context) => decideApproveAllocation(state, request(), context), {
        actor: APPROVER,
      })
      .thenRefuses('INSUFFICIENT_FUNDS', { requested: '600000.00', available: '500000.00' });
  });

  it('403 FORBIDDEN for a finance officer of an agency that is not a partner, and for an auditor', () => {
    given(pending)
      .when((state, context) => decideApproveAllocation(state, request(), context), {
        actor: financeOfficerOf(nhs),
      })
      .thenRefuses('FORBIDDEN');
    given(pending)
      .when((state, context) => decideApproveAllocation(state, request(), context), {
        actor: { sub: 'ivy', role: 'auditor' },
      })
      .thenRefuses('FORBIDDEN');
  });
});

describe('four-eyes: rejecting', () => {
  it('a second person rejects with a reason; the request is no longer pending', () => {
    given(pending)
      .when(
        (state, context) =>
          decideRejectAllocation(state, { ...request(), reason: 'Not this year' }, context),
        { actor: APPROVER },
      )
      .then([allocationRejected()]);
    expect(hasPendingRequests(given([...pending, allocationRejected()]).state)).toBe(false);
  });

  it('the requester may withdraw their own request', () => {
    given(pending)
      .when(
        (state, context) =>
          decideRejectAllocation(state, { ...request(), reason: 'Not this year' }, context),
        { actor: REQUESTER },
      )
      .then([allocationRejected({ by: REQUESTER })]);
  });

  it('409 ALREADY_DECIDED for a request already rejected; 404 for an unknown one', () => {
    given([...pending, allocationRejected()])
      .when(
        (state, context) =>
          decideRejectAllocation(state, { ...request(), reason: 'again' }, context),
        { actor: ADMIN },
      )
      .thenRefuses('ALREADY_DECIDED');
    given(pending)
      .when((state, context) =>
        decideRejectAllocation(state, { ...request(8), reason: 'x' }, context),
      )
      .thenRefuses('NOT_FOUND');
  });
});
