import { z } from 'zod';
import { formatAmount, MAX_AMOUNT, money } from '../events/money.ts';
import type { PotEvent } from '../events/pot.ts';
import { EffectiveDate, MAX_REASON_CHARS, text } from '../events/primitives.ts';
import { todayOf, type CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { adminOnlyRefusal, periodRefusal, potRefusal } from './potGuards.ts';
import { type PotState } from './potState.ts';

export const ClosePotBody = z.strictObject({
  reason: text(MAX_REASON_CHARS, { multiline: true }),
  /** Business date of the close; defaults to today; never inside a closed financial year, never before the pot's latest-dated entry. */
  effectiveDate: EffectiveDate.optional(),
});
export type ClosePot = z.infer<typeof ClosePotBody> & { potId: string };

/**
 * Winding up: each partner gets back its unallocated stake. The stakes are exact pence already
 * (every allocation's split was largest-remainder rounded when it was made), so the returns are
 * the stakes themselves and sum to what was available, to the penny. Partners with a zero stake
 * are left out of the returns. While any allocation request waits for approval the pot cannot
 * close: someone must decide it first. Nor while a partner still owes its risk share of a
 * settled year (RISK_SHARE_OUTSTANDING): a closed pot takes no payments, so the debt could never
 * be paid. After the close every command on the pot is refused.
 */
export function decideClosePot(
  state: PotState,
  command: ClosePot,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    potRefusal(state, command.potId, context) ?? adminOnlyRefusal(context, 'close a pot');
  if (refusal !== null) return refusal;
  const pending = [...state.requests.values()]
    .filter((r) => r.status === 'pending')
    .map((r) => r.allocationId);
  if (pending.length > 0) {
    return refused(
      'PENDING_APPROVALS',
      `pot ${command.potId} has ${pending.length} allocation request(s) waiting for approval (${pending.join(', ')}); approve or reject them before closing it`,
      { pendingAllocationIds: pending },
    );
  }
  const owing = outstandingRiskShares(state);
  if (owing.length > 0) {
    return refused(
      'RISK_SHARE_OUTSTANDING',
      `partners still owe pot ${command.potId} their risk share (${owing.map((o) => `${o.agencyId} ${o.amount} for ${o.financialYear}`).join(', ')}); take the payments (contributions marked riskShareFor) before closing it, or the debts could never be paid`,
      { owing },
    );
  }
  const effectiveDate = command.effectiveDate ?? todayOf(context);
  const period = periodRefusal(state, effectiveDate);
  if (period !== null) return period;
  // Returning the stakes on a day before money that is in them was dated would give back, as at
  // that day, money the pot did not yet hold: the books as at any date must still add up.
  if (state.latestEffectiveDate !== null && effectiveDate < state.latestEffectiveDate) {
    return refused(
      'VALIDATION_FAILED',
      `pot ${command.potId} has entries dated up to ${state.latestEffectiveDate}; a close dated ${effectiveDate} would return money before it arrived: give an effectiveDate on or after ${state.latestEffectiveDate}`,
      { latestEffectiveDate: state.latestEffectiveDate },
    );
  }
  // A pot written before contributions were capped (contributeToPot.ts) may hold a stake no
  // return can carry: refuse, saying how to bring it within the limit, rather than fail to write.
  const oversized = state.partners.filter((agencyId) =>
    state.stakes.get(agencyId)!.gt(money(MAX_AMOUNT)),
  );
  if (oversized.length > 0) {
    return refused(
      'AMOUNT_LIMIT_EXCEEDED',
      `the stake of ${oversized.map((agencyId) => `${agencyId} (${formatAmount(state.stakes.get(agencyId)!)})`).join(', ')} is more than one return may hold (${MAX_AMOUNT}); reverse contributions or allocate until each stake is at most ${MAX_AMOUNT}, then close the pot`,
      { limit: MAX_AMOUNT, agencyIds: oversized },
    );
  }
  const returns = state.partners
    .map((agencyId) => ({ agencyId, stake: state.stakes.get(agencyId)! }))
    .filter(({ stake }) => stake.gt(0))
    .map(({ agencyId, stake }) => ({ agencyId, amount: formatAmount(stake) }));
  return [
    {
      type: 'PotClosed',
      data: { potId: command.potId, effectiveDate, reason: command.reason, returns },
    },
  ];
}

/** Risk-share debts of settled years not yet paid, by year then partner. */
function outstandingRiskShares(
  state: PotState,
): { financialYear: string; agencyId: string; amount: string }[] {
  const owing: { financialYear: string; agencyId: string; amount: string }[] = [];
  for (const [financialYear, debts] of [...state.poolYear.debts].sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    for (const [agencyId, amount] of [...debts].sort(([a], [b]) => (a < b ? -1 : 1)))
      if (amount.gt(0)) owing.push({ financialYear, agencyId, amount: formatAmount(amount) });
  }
  return owing;
}
