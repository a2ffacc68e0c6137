import { z } from 'zod';
import { formatAmount } from '../events/money.ts';
import type { PotEvent } from '../events/pot.ts';
import { MAX_COMMENT_CHARS } from '../events/potControls.ts';
import { MAX_REASON_CHARS, text } from '../events/primitives.ts';
import { fundingSharesFor, insufficientFundsRefusal } from './allocateToIntervention.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import type { DomainError } from './domainError.ts';
import { actorRef, moneyPeriodRefusal, potRefusal, priorPeriod } from './potGuards.ts';
import type { AllocationRequestRecord, PotState } from './potState.ts';

export const ApproveAllocationBody = z.strictObject({
  comment: text(MAX_COMMENT_CHARS, { multiline: true }).optional(),
});
export type ApproveAllocation = z.infer<typeof ApproveAllocationBody> & {
  potId: string;
  allocationId: string;
};

export const RejectAllocationBody = z.strictObject({
  reason: text(MAX_REASON_CHARS, { multiline: true }),
});
export type RejectAllocation = z.infer<typeof RejectAllocationBody> & {
  potId: string;
  allocationId: string;
};

/** Roles that may decide a request: a finance officer of a partner agency, or an admin. */
const DECIDING_ROLES: readonly string[] = ['finance-officer', 'admin'];

/**
 * Four-eyes: a second person approves a request, and the allocation is made then — its funding
 * shares are the partners' stakes at approval, by the same largest-remainder rule as any
 * allocation, and its business date is the one requested. The requester can never approve
 * their own request: the attempt is refused, and recorded (SelfApprovalAttempted) because the
 * inspectorate's exceptions list must show it. The HTTP layer answers that event with 409
 * SEGREGATION_OF_DUTIES (see ledgerCommands.ts).
 */
export function decideApproveAllocation(
  state: PotState,
  command: ApproveAllocation,
  context: CommandContext,
): Decision<PotEvent> {
  const request = pendingRequest(state, command, context);
  if (!('allocationId' in request)) return request;
  if (context.actor.sub === request.requestedBy.sub) {
    return [
      {
        type: 'SelfApprovalAttempted',
        data: {
          potId: command.potId,
          allocationId: command.allocationId,
          attemptedBy: actorRef(context.actor),
        },
      },
    ];
  }
  const refusal =
    moneyPeriodRefusal(state, request.effectiveDate, request.priorPeriodAdjustment) ??
    insufficientFundsRefusal(state, request.amount);
  if (refusal !== null) return refusal;
  return [
    {
      type: 'AllocationApproved',
      data: {
        potId: command.potId,
        allocationId: command.allocationId,
        approvedBy: actorRef(context.actor),
        ...(command.comment === undefined ? {} : { comment: command.comment }),
      },
    },
    {
      type: 'FundsAllocated',
      data: {
        potId: command.potId,
        allocationId: command.allocationId,
        interventionId: request.interventionId,
        amount: formatAmount(request.amount),
        effectiveDate: request.effectiveDate,
        reason: request.reason,
        fundingShares: fundingSharesFor(state, request.amount),
        ...priorPeriod(request.priorPeriodAdjustment),
      },
    },
  ];
}

/** Rejection needs no second person: the requester may withdraw their own request this way. */
export function decideRejectAllocation(
  state: PotState,
  command: RejectAllocation,
  context: CommandContext,
): Decision<PotEvent> {
  const request = pendingRequest(state, command, context);
  if (!('allocationId' in request)) return request;
  return [
    {
      type: 'AllocationRejected',
      data: {
        potId: command.potId,
        allocationId: command.allocationId,
        rejectedBy: actorRef(context.actor),
        reason: command.reason,
      },
    },
  ];
}

function pendingRequest(
  state: PotState,
  command: { potId: string; allocationId: string },
  context: CommandContext,
): AllocationRequestRecord | DomainError {
  const refusal = potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  if (!DECIDING_ROLES.includes(context.actor.role)) {
    return refused('FORBIDDEN', `a ${context.actor.role} may not decide allocation requests`);
  }
  const request = state.requests.get(command.allocationId);
  if (request === undefined) {
    return refused(
      'NOT_FOUND',
      `no allocation request ${command.allocationId} in pot ${command.potId}`,
    );
  }
  if (request.status !== 'pending') {
    return refused(
      'ALREADY_DECIDED',
      `allocation request ${command.allocationId} is already ${request.status}`,
      { status: request.status },
    );
  }
  return request;
}
