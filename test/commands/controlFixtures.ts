/**
 * Builders for the pot controls' events and commands (four-eyes approval, year-end, pot close),
 * on the default pot of fixtures.ts.
 */
import type { PotEvent } from '../../events/pot.ts';
import type { ActorRef } from '../../events/potControls.ts';
import type { Actor } from '../../events/index.ts';
import { allocationId, interventionId, POT_ID, potOpened, ALLOCATION_DATE } from './fixtures.ts';
import { AGENCY, financeOfficerOf } from './spec.ts';

type Of<T extends PotEvent['type']> = Extract<PotEvent, { type: T }>;

export const THRESHOLD = '500000.00';
/** bob of Essex Police asks for the large allocations in these specs. */
export const REQUESTER: Actor = financeOfficerOf(AGENCY.police);
/** carol of the county council approves them. */
export const APPROVER: Actor = financeOfficerOf(AGENCY.cc);
/** Server time after the 2025-26 year has ended, so it can be closed. */
export const AFTER_YEAR_END = '2026-04-15T10:00:00.000Z';

export function ref(actor: Actor): ActorRef {
  return {
    sub: actor.sub,
    role: actor.role,
    ...(actor.agencyId === undefined ? {} : { agencyId: actor.agencyId }),
  };
}

export function potOpenedWithThreshold(threshold: string = THRESHOLD): Of<'PotOpened'> {
  const opened = potOpened();
  return { ...opened, data: { ...opened.data, approvalThreshold: threshold } };
}

export function allocationRequested(
  amount: string,
  o: { n?: number; by?: Actor; effectiveDate?: string; threshold?: string } = {},
): Of<'AllocationRequested'> {
  return {
    type: 'AllocationRequested',
    data: {
      potId: POT_ID,
      allocationId: allocationId(o.n ?? 100),
      interventionId: interventionId(1),
      amount,
      effectiveDate: o.effectiveDate ?? ALLOCATION_DATE,
      reason: 'Year one delivery',
      requestedBy: ref(o.by ?? REQUESTER),
      approvalThreshold: o.threshold ?? THRESHOLD,
    },
  };
}

export function allocationApproved(o: { n?: number; by?: Actor } = {}): Of<'AllocationApproved'> {
  return {
    type: 'AllocationApproved',
    data: {
      potId: POT_ID,
      allocationId: allocationId(o.n ?? 100),
      approvedBy: ref(o.by ?? APPROVER),
    },
  };
}

export function allocationRejected(o: { n?: number; by?: Actor } = {}): Of<'AllocationRejected'> {
  return {
    type: 'AllocationRejected',
    data: {
      potId: POT_ID,
      allocationId: allocationId(o.n ?? 100),
      rejectedBy: ref(o.by ?? APPROVER),
      reason: 'Not this year',
    },
  };
}

export function financialYearClosed(financialYear = '2025-26'): Of<'FinancialYearClosed'> {
  return {
    type: 'FinancialYearClosed',
    data: {
      potId: POT_ID,
      financialYear,
      closedThrough: `${Number(financialYear.slice(0, 4)) + 1}-03-31`,
    },
  };
}

export function thresholdChanged(approvalThreshold: string | null): Of<'ApprovalThresholdChanged'> {
  return {
    type: 'ApprovalThresholdChanged',
    data: { potId: POT_ID, approvalThreshold, reason: 'Board decision' },
  };
}

export const request = (n = 100) => ({ potId: POT_ID, allocationId: allocationId(n) });
