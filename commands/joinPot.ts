import { z } from 'zod';
import type { PotEvent } from '../events/pot.ts';
import { AgencyId, MAX_PARTNERS_PER_POT } from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { potRefusal, unregisteredRefusal } from './potGuards.ts';
import { isPartner, type PotState } from './potState.ts';

export const JoinPotBody = z.strictObject({ agencyId: AgencyId });
export type JoinPot = z.infer<typeof JoinPotBody> & { potId: string };

export function decideJoinPot(
  state: PotState,
  command: JoinPot,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    potRefusal(state, command.potId, context) ?? unregisteredRefusal([command.agencyId], context);
  if (refusal !== null) return refusal;
  if (isPartner(state, command.agencyId)) {
    return refused(
      'ALREADY_EXISTS',
      `${command.agencyId} is already a partner of pot ${command.potId}`,
    );
  }
  if (state.partners.length >= MAX_PARTNERS_PER_POT) {
    return refused('VALIDATION_FAILED', `a pot has at most ${MAX_PARTNERS_PER_POT} partners`);
  }
  return [{ type: 'PartnerJoined', data: { potId: command.potId, agencyId: command.agencyId } }];
}
