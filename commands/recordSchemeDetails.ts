import { z } from 'zod';
import { exact } from '../events/money.ts';
import {
  CommissionerShare,
  EXPENDITURE_KINDS,
  FundingSource,
  type CommissionerShare as Share,
} from '../events/poolYear.ts';
import type { PotEvent } from '../events/pot.ts';
import { MAX_NAME_CHARS, MAX_PARTNERS_PER_POT, text } from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { potRefusal } from './potGuards.ts';
import { isPartner, type PotState } from './potState.ts';

export const RecordSchemeDetailsBody = z.strictObject({
  schemeType: text(MAX_NAME_CHARS),
  fundingSource: FundingSource,
  /** Commissioning agencies with percentages summing to 100; default: the lead agency 100. */
  commissioner: z.array(CommissionerShare).min(1).max(MAX_PARTNERS_PER_POT).optional(),
  provider: text(MAX_NAME_CHARS).optional(),
  recurrent: z.boolean(),
  expenditure: z.enum(EXPENDITURE_KINDS),
});
export type RecordSchemeDetails = z.infer<typeof RecordSchemeDetailsBody> & {
  potId: string;
  interventionId: string;
};

/**
 * Scheme details make an intervention a scheme of the pooled fund: its type, funding source,
 * commissioner split, provider, and whether it is recurrent revenue or capital. The host
 * partner keeps the pool's accounts, so its finance officers (and admins) record them; a later
 * record replaces the earlier one, and both stay in the audit trail.
 */
export function decideRecordSchemeDetails(
  state: PotState,
  command: RecordSchemeDetails,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal = potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  const { actor } = context;
  if (actor.role !== 'admin' && actor.agencyId !== state.hostAgencyId) {
    return refused(
      'FORBIDDEN',
      `only an admin or a finance officer of the host partner (${state.hostAgencyId}) may record scheme details`,
    );
  }
  const intervention = state.interventions.get(command.interventionId);
  if (intervention === undefined) {
    return refused(
      'NOT_FOUND',
      `intervention ${command.interventionId} does not exist in pot ${command.potId}`,
    );
  }
  const commissioner: Share[] = command.commissioner ?? [
    { agencyId: intervention.leadAgencyId, percent: '100' },
  ];
  const ids = commissioner.map((share) => share.agencyId);
  if (new Set(ids).size !== ids.length)
    return refused('VALIDATION_FAILED', 'commissioner names an agency more than once');
  const nil = commissioner.filter((share) => exact(share.percent).isZero()).map((s) => s.agencyId);
  if (nil.length > 0)
    return refused(
      'VALIDATION_FAILED',
      `commissioner gives ${nil.join(', ')} a share of 0%: a commissioner with no share is not a commissioner; leave it out`,
      { agencyIds: nil },
    );
  const total = commissioner.reduce((acc, share) => acc.plus(exact(share.percent)), exact(0));
  if (!total.equals(100))
    return refused(
      'VALIDATION_FAILED',
      `commissioner percentages sum to ${total.toString()}, not 100`,
      { total: total.toString() },
    );
  const strangers = ids.filter((agencyId) => !isPartner(state, agencyId)).sort();
  if (strangers.length > 0)
    return refused(
      'NOT_A_PARTNER',
      `commissioner names ${strangers.join(', ')}, not partners of pot ${command.potId}`,
      { agencyIds: strangers },
    );
  return [
    {
      type: 'SchemeDetailsRecorded',
      data: {
        potId: command.potId,
        interventionId: command.interventionId,
        schemeType: command.schemeType,
        fundingSource: command.fundingSource,
        commissioner,
        ...(command.provider === undefined ? {} : { provider: command.provider }),
        recurrent: command.recurrent,
        expenditure: command.expenditure,
      },
    },
  ];
}
