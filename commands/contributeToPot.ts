import { z } from 'zod';
import { formatAmount, parseAmount } from '../events/money.ts';
import type { PotEvent } from '../events/pot.ts';
import { AgencyId, Amount, EffectiveDate, FinancialYear, MAX_REFERENCE_CHARS, text } from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { periodRefusal, potRefusal, priorPeriod } from './potGuards.ts';
import { isPartner, type PotState } from './potState.ts';

export const ContributeToPotBody = z.strictObject({
  agencyId: AgencyId,
  amount: Amount,
  effectiveDate: EffectiveDate,
  reference: text(MAX_REFERENCE_CHARS),
  /** A correction for this closed financial year, dated in the open period. */
  priorPeriodAdjustment: FinancialYear.optional(),
});
export type ContributeToPot = z.infer<typeof ContributeToPotBody> & { potId: string; contributionId: string };

/**
 * Money comes in only from a registered partner of an open pot, and a finance officer pays in
 * only for their own agency (separation of duties: nobody commits another body's budget).
 * A finance officer whose agency is not a partner may not act on the pot at all (FORBIDDEN,
 * like every pot command); NOT_A_PARTNER guards the rule for any other caller.
 */
export function decideContributeToPot(state: PotState, command: ContributeToPot, context: CommandContext): Decision<PotEvent> {
  const refusal = potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  if (context.actor.role === 'finance-officer' && context.actor.agencyId !== command.agencyId) {
    return refused('FORBIDDEN', `a finance officer of ${context.actor.agencyId ?? 'no agency'} may contribute only for that agency`);
  }
  if (!isPartner(state, command.agencyId)) {
    return refused('NOT_A_PARTNER', `${command.agencyId} is not a partner of pot ${command.potId}`);
  }
  const period = periodRefusal(state, command.effectiveDate, command.priorPeriodAdjustment);
  if (period !== null) return period;
  return [
    {
      type: 'ContributionReceived',
      data: {
        potId: command.potId,
        contributionId: command.contributionId,
        agencyId: command.agencyId,
        amount: formatAmount(parseAmount(command.amount)),
        effectiveDate: command.effectiveDate,
        reference: command.reference,
        ...priorPeriod(command.priorPeriodAdjustment),
      },
    },
  ];
}
