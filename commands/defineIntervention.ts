import { z } from 'zod';
import type { PotEvent } from '../events/pot.ts';
import { AgencyId, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, text } from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { potRefusal } from './potGuards.ts';
import { isPartner, type PotState } from './potState.ts';

export const DefineInterventionBody = z.strictObject({
  name: text(MAX_NAME_CHARS),
  leadAgencyId: AgencyId,
  description: text(MAX_DESCRIPTION_CHARS, { multiline: true }).optional(),
});
export type DefineIntervention = z.infer<typeof DefineInterventionBody> & {
  potId: string;
  interventionId: string;
};

/** The lead agency answers to the partners for the intervention, so it must be one of them. */
export function decideDefineIntervention(
  state: PotState,
  command: DefineIntervention,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal = potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  if (!isPartner(state, command.leadAgencyId)) {
    return refused(
      'NOT_A_PARTNER',
      `lead agency ${command.leadAgencyId} is not a partner of pot ${command.potId}`,
    );
  }
  return [
    {
      type: 'InterventionDefined',
      data: {
        potId: command.potId,
        interventionId: command.interventionId,
        name: command.name,
        leadAgencyId: command.leadAgencyId,
        ...(command.description === undefined ? {} : { description: command.description }),
      },
    },
  ];
}
