import { z } from 'zod';
import { BenefitProfile, Percent } from '../events/interventionAssumptions.ts';
import type { PotEvent } from '../events/pot.ts';
import { MAX_REASON_CHARS, text } from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { potRefusal } from './potGuards.ts';
import type { PotState } from './potState.ts';

export const SetInterventionAssumptionsBody = z.strictObject({
  deadweightPercent: Percent.describe('Share of the outcome that would have happened anyway'),
  attributionPercent: Percent.describe('Share of the rest that is due to this intervention'),
  optimismBiasPercent: Percent.describe(
    'Reduction for optimism bias: larger when the evidence is weaker',
  ),
  benefitProfile: BenefitProfile,
  reason: text(MAX_REASON_CHARS, { multiline: true }),
});
export type SetInterventionAssumptions = z.infer<typeof SetInterventionAssumptionsBody> & {
  potId: string;
  interventionId: string;
};

/**
 * Sets the cost-benefit assumptions of an intervention. They are judgements, not money, but
 * they move the figures a place board sees, so every change is an event with a reason and the
 * actor who made it; the latest one is in force. Any partner's finance officer (or an admin)
 * may set them: the partners appraise the intervention together.
 */
export function decideSetInterventionAssumptions(
  state: PotState,
  command: SetInterventionAssumptions,
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
  return [
    {
      type: 'InterventionAssumptionsSet',
      data: {
        potId: command.potId,
        interventionId: command.interventionId,
        deadweightPercent: command.deadweightPercent,
        attributionPercent: command.attributionPercent,
        optimismBiasPercent: command.optimismBiasPercent,
        benefitProfile: [...command.benefitProfile],
        reason: command.reason,
      },
    },
  ];
}
