/**
 * A partner's journal mapping (docs/pooled-fund-year.md, "Partner journals"): the cost centre
 * and account code each line type of its journal posts to in its own ledger. The partner keeps
 * it: an admin, or a finance officer of that agency (its own agency only). Versioned like the
 * agreement: the first is version 1 and names nothing; each later one names the version in
 * force it replaces (JOURNAL_MAPPING_VERSION_CONFLICT when it is stale or missing).
 */
import { z } from 'zod';
import { JournalAccount, JournalLineType } from '../events/journalMapping.ts';
import type { PotEvent } from '../events/pot.ts';
import { MAX_NAME_CHARS, MAX_REFERENCE_CHARS, text } from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { potRefusal } from './potGuards.ts';
import { isPartner, type PotState } from './potState.ts';

const AccountBody = JournalAccount.extend({
  costCentre: text(MAX_REFERENCE_CHARS),
  accountCode: text(MAX_REFERENCE_CHARS),
  description: text(MAX_NAME_CHARS).optional(),
});

export const RecordJournalMappingBody = z.strictObject({
  /** Line type → where it posts; a line type left out posts to its own name as the code. */
  lines: z
    .partialRecord(JournalLineType, AccountBody)
    .refine((lines) => Object.keys(lines).length > 0, { message: 'map at least one line type' }),
  /** From version 2: the version in force that this one replaces. */
  replaces: z.number().int().min(1).optional(),
});
export type RecordJournalMapping = z.infer<typeof RecordJournalMappingBody> & {
  potId: string;
  agencyId: string;
};

export function decideRecordJournalMapping(
  state: PotState,
  command: RecordJournalMapping,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal = potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  const { actor } = context;
  const ownAgency = actor.role === 'finance-officer' && actor.agencyId === command.agencyId;
  if (actor.role !== 'admin' && !ownAgency) {
    return refused(
      'FORBIDDEN',
      `only an admin or a finance officer of ${command.agencyId} may record its journal mapping`,
    );
  }
  if (!isPartner(state, command.agencyId)) {
    return refused(
      'NOT_A_PARTNER',
      `${command.agencyId} is not a partner of pot ${command.potId}`,
      { agencyIds: [command.agencyId] },
    );
  }
  const current = state.journalMappings.get(command.agencyId) ?? null;
  if (current === null && command.replaces !== undefined) {
    return refused(
      'JOURNAL_MAPPING_VERSION_CONFLICT',
      `${command.agencyId} has no journal mapping yet, so there is no version ${command.replaces} to replace: leave replaces out`,
      { version: null },
    );
  }
  if (current !== null && command.replaces !== current.version) {
    return refused(
      'JOURNAL_MAPPING_VERSION_CONFLICT',
      `${command.agencyId}'s journal mapping in force is version ${current.version}${command.replaces === undefined ? '' : `, not ${command.replaces}`}: name it ("replaces": ${current.version})`,
      { version: current.version, eventId: current.eventId },
    );
  }
  return [
    {
      type: 'JournalMappingRecorded',
      data: {
        potId: command.potId,
        agencyId: command.agencyId,
        version: current === null ? 1 : current.version + 1,
        lines: command.lines,
        ...(current === null
          ? {}
          : { replaces: { version: current.version, eventId: current.eventId } }),
      },
    },
  ];
}
