import { z } from 'zod';
import { formatAmount, parseAmount, splitLargestRemainder } from '../events/money.ts';
import type { FundingShare, PotEvent } from '../events/pot.ts';
import { Amount, EffectiveDate, MAX_REASON_CHARS, Ulid, text } from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { potRefusal } from './potGuards.ts';
import { available, type PotState } from './potState.ts';

export const AllocateToInterventionBody = z.strictObject({
  interventionId: Ulid,
  amount: Amount,
  effectiveDate: EffectiveDate,
  reason: text(MAX_REASON_CHARS, { multiline: true }),
});
export type AllocateToIntervention = z.infer<typeof AllocateToInterventionBody> & { potId: string; allocationId: string };

/**
 * An allocation draws from the partners in proportion to their unallocated stakes, rounded to
 * pence by largest remainder (ties: agency id ascending). The split is written into the event,
 * so a replay never recomputes it differently.
 */
export function decideAllocateToIntervention(
  state: PotState,
  command: AllocateToIntervention,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal = potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  if (!state.interventions.has(command.interventionId)) {
    return refused('NOT_FOUND', `intervention ${command.interventionId} does not exist in pot ${command.potId}`);
  }
  const amount = parseAmount(command.amount);
  const availableNow = available(state);
  if (amount.gt(availableNow)) {
    return refused('INSUFFICIENT_FUNDS', `allocation of ${formatAmount(amount)} exceeds the pot's available ${formatAmount(availableNow)}`, {
      requested: formatAmount(amount),
      available: formatAmount(availableNow),
    });
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
      },
    },
  ];
}

export function fundingSharesFor(state: PotState, amount: ReturnType<typeof parseAmount>): FundingShare[] {
  const weights = [...state.stakes]
    .filter(([, stake]) => stake.gt(0))
    .map(([agencyId, stake]) => ({ key: agencyId, weight: stake }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const shares = splitLargestRemainder(amount, weights).filter((part) => part.amount.gt(0));
  for (const share of shares) {
    // Proportional shares never exceed a stake; if rounding ever broke that, money would be invented.
    if (share.amount.gt(state.stakes.get(share.key)!)) throw new Error(`invariant: share of ${share.key} exceeds its stake`);
  }
  return shares.map((share) => ({ agencyId: share.key, amount: formatAmount(share.amount) }));
}
