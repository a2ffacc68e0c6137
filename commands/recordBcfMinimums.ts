import { z } from 'zod';
import { BcfMinimumStream } from '../events/betterCareFund.ts';
import { AgreementFinancialYear } from '../events/agreedContributions.ts';
import { formatAmount, parseAmount } from '../events/money.ts';
import type { PotEvent } from '../events/pot.ts';
import {
  AgencyId,
  Amount,
  MAX_PARTNERS_PER_POT,
  MAX_REFERENCE_CHARS,
  text,
} from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { adminOnlyRefusal, potRefusal } from './potGuards.ts';
import { isPartner, type PotState } from './potState.ts';
import { betterCareFundOf } from './poolYearState.ts';

export const RecordBcfMinimumsBody = z.strictObject({
  financialYear: AgreementFinancialYear,
  minimums: z
    .array(
      z.strictObject({
        fundingStream: BcfMinimumStream,
        agencyId: AgencyId,
        amount: Amount,
        source: text(MAX_REFERENCE_CHARS),
      }),
    )
    .min(1)
    .max(3 * MAX_PARTNERS_PER_POT),
});
export type RecordBcfMinimums = z.infer<typeof RecordBcfMinimumsBody> & { potId: string };

/**
 * The year's required Better Care Fund minimums (the NHS minimum contribution per ICB, the
 * Disabled Facilities Grant, the local authority BCF grant), from the published allocations.
 * Only an admin records them, only on a Better Care Fund pot, each naming a partner, one line per
 * stream and agency. A later record for the same year replaces the earlier one whole.
 */
export function decideRecordBcfMinimums(
  state: PotState,
  command: RecordBcfMinimums,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    potRefusal(state, command.potId, context) ??
    adminOnlyRefusal(context, "record the Better Care Fund's required minimums");
  if (refusal !== null) return refusal;
  if (betterCareFundOf(state.poolYear) === null)
    return refused(
      'NOT_A_BCF_POT',
      `pot ${command.potId} is not a Better Care Fund pot: its agreement names no Health and Wellbeing Board (betterCareFund)`,
    );
  const keys = command.minimums.map((m) => `${m.fundingStream} ${m.agencyId}`);
  const repeated = keys.filter((key, i) => keys.indexOf(key) !== i);
  if (repeated.length > 0)
    return refused(
      'VALIDATION_FAILED',
      `each stream and agency is named once; repeated: ${[...new Set(repeated)].join(', ')}`,
    );
  const strangers = [...new Set(command.minimums.map((m) => m.agencyId))]
    .filter((agencyId) => !isPartner(state, agencyId))
    .sort();
  if (strangers.length > 0)
    return refused(
      'NOT_A_PARTNER',
      `the minimums name ${strangers.join(', ')}, not partners of pot ${command.potId}`,
      { agencyIds: strangers },
    );
  const current = state.poolYear.bcfMinimums.get(command.financialYear);
  return [
    {
      type: 'BcfMinimumsRecorded',
      data: {
        potId: command.potId,
        financialYear: command.financialYear,
        version: current === undefined ? 1 : current.version + 1,
        minimums: command.minimums.map((m) => ({
          fundingStream: m.fundingStream,
          agencyId: m.agencyId,
          amount: formatAmount(parseAmount(m.amount)),
          source: m.source,
        })),
        ...(current === undefined
          ? {}
          : { replaces: { version: current.version, eventId: current.eventId } }),
      },
    },
  ];
}
