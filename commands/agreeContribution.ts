import { z } from 'zod';
import { AgreementFinancialYear } from '../events/agreedContributions.ts';
import { formatAmount, parseAmount } from '../events/money.ts';
import type { PotEvent } from '../events/pot.ts';
import {
  AgencyId,
  Amount,
  MAX_REASON_CHARS,
  MAX_REFERENCE_CHARS,
  text,
} from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { adminOnlyRefusal, potRefusal } from './potGuards.ts';
import { agreementKey, isPartner, type PotState, isFinancialYearClosed } from './potState.ts';

export const AgreeContributionBody = z.strictObject({
  agencyId: AgencyId,
  financialYear: AgreementFinancialYear,
  amount: Amount,
  boardDecisionRef: text(MAX_REFERENCE_CHARS),
  note: text(MAX_REASON_CHARS, { multiline: true }).optional(),
});
export type AgreeContribution = z.infer<typeof AgreeContributionBody> & { potId: string };

/**
 * Records what a partner agreed to pay in for a financial year. What the board agreed is not a
 * partner's to vary: a finance officer of any partner (the host's included, whose own agreement
 * it may be) could otherwise write down what their agency owes and make "outstanding" vanish,
 * so only an admin records or varies an agreement. A later agreement for the same partner and
 * year varies the earlier one and names it, with its own board decision; one that would change
 * nothing is refused.
 */
export function decideAgreeContribution(
  state: PotState,
  command: AgreeContribution,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    adminOnlyRefusal(context, 'record or vary an agreed contribution') ??
    potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  // A closed year's figures are final: what was agreed for it is part of them.
  if (isFinancialYearClosed(state, command.financialYear)) {
    return refused(
      'PERIOD_CLOSED',
      `financial year ${command.financialYear} of pot ${command.potId} is closed: its agreed contributions can no longer change`,
    );
  }
  if (!isPartner(state, command.agencyId)) {
    return refused('NOT_A_PARTNER', `${command.agencyId} is not a partner of pot ${command.potId}`);
  }
  const amount = parseAmount(command.amount);
  const previous = state.agreedContributions.get(
    agreementKey(command.financialYear, command.agencyId),
  );
  if (previous !== undefined && previous.amount.equals(amount)) {
    return refused(
      'ALREADY_EXISTS',
      `${command.agencyId}'s contribution for ${command.financialYear} is already agreed at ${formatAmount(amount)} (${previous.boardDecisionRef})`,
    );
  }
  return [
    {
      type: 'ContributionAgreed',
      data: {
        potId: command.potId,
        agencyId: command.agencyId,
        financialYear: command.financialYear,
        amount: formatAmount(amount),
        boardDecisionRef: command.boardDecisionRef,
        ...(command.note === undefined ? {} : { note: command.note }),
        ...(previous === undefined
          ? {}
          : {
              varies: {
                agreementEventId: previous.eventId,
                amount: formatAmount(previous.amount),
                boardDecisionRef: previous.boardDecisionRef,
              },
            }),
      },
    },
  ];
}
