import { z } from 'zod';
import { formatAmount, parseAmount, splitLargestRemainder, type Money } from '../events/money.ts';
import type { DomainError } from './domainError.ts';
import type { FundingShare, PotEvent } from '../events/pot.ts';
import {
  Amount,
  EffectiveDate,
  FinancialYear,
  MAX_REASON_CHARS,
  Ulid,
  text,
} from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { allocatedInWindow, FOUR_EYES_WINDOW_DAYS } from './fourEyesWindow.ts';
import { actorRef, moneyPeriodRefusal, potRefusal, priorPeriod } from './potGuards.ts';
import { available, type PotState } from './potState.ts';

export const AllocateToInterventionBody = z.strictObject({
  interventionId: Ulid,
  amount: Amount,
  effectiveDate: EffectiveDate,
  reason: text(MAX_REASON_CHARS, { multiline: true }),
  /** A correction for this closed financial year, dated in the open period. */
  priorPeriodAdjustment: FinancialYear.optional(),
});
export type AllocateToIntervention = z.infer<typeof AllocateToInterventionBody> & {
  potId: string;
  allocationId: string;
};

/**
 * An allocation draws from the partners in proportion to their unallocated stakes, rounded to
 * pence by largest remainder (ties: agency id ascending). The split is written into the event,
 * so a replay never recomputes it differently.
 *
 * Four-eyes: at or above the pot's approval threshold the allocation is only requested
 * (AllocationRequested reserves nothing); a second person's approval makes it, with the shares
 * of that moment. Funds are checked now too, so nobody waits for an approval that must fail.
 * So is an allocation that brings what its requester allocated directly to the intervention in
 * the rolling window (fourEyesWindow.ts) to the threshold: the request then says so.
 */
export function decideAllocateToIntervention(
  state: PotState,
  command: AllocateToIntervention,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal = potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  if (!state.interventions.has(command.interventionId)) {
    return refused(
      'NOT_FOUND',
      `intervention ${command.interventionId} does not exist in pot ${command.potId}`,
    );
  }
  const period = moneyPeriodRefusal(state, command.effectiveDate, command.priorPeriodAdjustment);
  if (period !== null) return period;
  const amount = parseAmount(command.amount);
  const funds = insufficientFundsRefusal(state, amount);
  if (funds !== null) return funds;
  const threshold = state.approvalThreshold;
  const inWindow =
    threshold === null
      ? null
      : allocatedInWindow(
          state.directAllocations,
          context.actor.sub,
          command.interventionId,
          context.now,
        );
  if (threshold !== null && inWindow !== null && inWindow.plus(amount).gte(threshold)) {
    // Alone below the threshold, it needs approval only because of what came before it.
    const rolling = amount.lt(threshold)
      ? {
          rollingWindow: { days: FOUR_EYES_WINDOW_DAYS, allocatedInWindow: formatAmount(inWindow) },
        }
      : {};
    return [
      {
        type: 'AllocationRequested',
        data: {
          potId: command.potId,
          allocationId: command.allocationId,
          interventionId: command.interventionId,
          amount: formatAmount(amount),
          effectiveDate: command.effectiveDate,
          reason: command.reason,
          requestedBy: actorRef(context.actor),
          approvalThreshold: formatAmount(threshold),
          ...rolling,
          ...priorPeriod(command.priorPeriodAdjustment),
        },
      },
    ];
  }
  return [
    {
      type: 'FundsAllocated',
      data: {
        potId: command.potId,
        allocationId: command.allocationId,
        interventionId: command.interventionId,
        amount: formatAmount(amount),
        effectiveDate: command.effectiveDate,
        reason: command.reason,
        fundingShares: fundingSharesFor(state, amount),
        ...priorPeriod(command.priorPeriodAdjustment),
      },
    },
  ];
}

export function insufficientFundsRefusal(state: PotState, amount: Money): DomainError | null {
  const availableNow = available(state);
  if (!amount.gt(availableNow)) return null;
  return refused(
    'INSUFFICIENT_FUNDS',
    `allocation of ${formatAmount(amount)} exceeds the pot's available ${formatAmount(availableNow)}`,
    {
      requested: formatAmount(amount),
      available: formatAmount(availableNow),
    },
  );
}

export function fundingSharesFor(
  state: PotState,
  amount: ReturnType<typeof parseAmount>,
): FundingShare[] {
  const weights = [...state.stakes]
    .filter(([, stake]) => stake.gt(0))
    .map(([agencyId, stake]) => ({ key: agencyId, weight: stake }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const shares = splitLargestRemainder(amount, weights).filter((part) => part.amount.gt(0));
  for (const share of shares) {
    // Proportional shares never exceed a stake; if rounding ever broke that, money would be invented.
    if (share.amount.gt(state.stakes.get(share.key)!))
      throw new Error(`invariant: share of ${share.key} exceeds its stake`);
  }
  return shares.map((share) => ({ agencyId: share.key, amount: formatAmount(share.amount) }));
}
