import { z } from 'zod';
import type { PotEvent } from '../events/pot.ts';
import {
  AgencyId,
  Amount,
  MAX_NAME_CHARS,
  MAX_PARTNERS_PER_POT,
  text,
} from '../events/primitives.ts';
import { formatAmount, parseAmount } from '../events/money.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { unregisteredRefusal } from './potGuards.ts';
import type { PotState } from './potState.ts';

export const OpenPotBody = z.strictObject({
  name: text(MAX_NAME_CHARS),
  area: text(MAX_NAME_CHARS),
  hostAgencyId: AgencyId,
  partnerAgencyIds: z.array(AgencyId).max(MAX_PARTNERS_PER_POT).default([]),
  currency: z.literal('GBP').default('GBP'),
  /** Allocations at or above this amount need a second person's approval; absent = none do. */
  approvalThreshold: Amount.optional(),
});
export type OpenPot = z.infer<typeof OpenPotBody> & { potId: string };

/**
 * Opens a pot. The host partner keeps the pool's accounts (Section 75), so it is always a
 * partner: when the body leaves it out of partnerAgencyIds it is put first.
 */
export function decideOpenPot(
  state: PotState,
  command: OpenPot,
  context: CommandContext,
): Decision<PotEvent> {
  if (state.opened) return refused('ALREADY_EXISTS', `pot ${command.potId} already exists`);
  if (new Set(command.partnerAgencyIds).size !== command.partnerAgencyIds.length) {
    return refused('VALIDATION_FAILED', 'partnerAgencyIds lists an agency more than once');
  }
  const partnerAgencyIds = command.partnerAgencyIds.includes(command.hostAgencyId)
    ? command.partnerAgencyIds
    : [command.hostAgencyId, ...command.partnerAgencyIds];
  if (partnerAgencyIds.length > MAX_PARTNERS_PER_POT) {
    return refused('VALIDATION_FAILED', `a pot has at most ${MAX_PARTNERS_PER_POT} partners`);
  }
  const unregistered = unregisteredRefusal(partnerAgencyIds, context);
  if (unregistered !== null) return unregistered;
  return [
    {
      type: 'PotOpened',
      data: {
        potId: command.potId,
        name: command.name,
        area: command.area,
        hostAgencyId: command.hostAgencyId,
        partnerAgencyIds,
        currency: command.currency,
        ...(command.approvalThreshold === undefined
          ? {}
          : { approvalThreshold: formatAmount(parseAmount(command.approvalThreshold)) }),
      },
    },
  ];
}
