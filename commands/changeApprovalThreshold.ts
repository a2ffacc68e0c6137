import { z } from 'zod';
import { formatAmount, parseAmount } from '../events/money.ts';
import type { PotEvent } from '../events/pot.ts';
import { Amount, MAX_REASON_CHARS, text } from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import type { Decision } from './decision.ts';
import { adminOnlyRefusal, potRefusal } from './potGuards.ts';
import type { PotState } from './potState.ts';

export const ChangeApprovalThresholdBody = z.strictObject({
  /** The new threshold, or null to stop asking for a second person's approval. */
  approvalThreshold: Amount.nullable(),
  reason: text(MAX_REASON_CHARS, { multiline: true }),
});
export type ChangeApprovalThreshold = z.infer<typeof ChangeApprovalThresholdBody> & {
  potId: string;
};

/**
 * An admin sets or removes the four-eyes threshold, with a reason the audit trail keeps.
 * Requests already pending stay pending: they were asked for under the old threshold and are
 * still decided by a second person.
 */
export function decideChangeApprovalThreshold(
  state: PotState,
  command: ChangeApprovalThreshold,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    potRefusal(state, command.potId, context) ??
    adminOnlyRefusal(context, "change a pot's approval threshold");
  if (refusal !== null) return refusal;
  return [
    {
      type: 'ApprovalThresholdChanged',
      data: {
        potId: command.potId,
        approvalThreshold:
          command.approvalThreshold === null
            ? null
            : formatAmount(parseAmount(command.approvalThreshold)),
        reason: command.reason,
      },
    },
  ];
}
