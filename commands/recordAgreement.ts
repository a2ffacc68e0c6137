import { z } from 'zod';
import {
  LegalBasis,
  OVERSPEND_POLICIES,
  OVERSPEND_SHARE_RULES,
  UnderspendRule,
  BasisPoints,
  type OverspendRule,
} from '../events/poolYear.ts';
import type { PotEvent } from '../events/pot.ts';
import {
  AgencyId,
  Amount,
  EffectiveDate,
  MAX_DESCRIPTION_CHARS,
  MAX_NAME_CHARS,
  MAX_PARTNERS_PER_POT,
  MAX_REFERENCE_CHARS,
  financialYearOf,
  text,
} from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import type { DomainError } from './domainError.ts';
import { adminOnlyRefusal, potRefusal } from './potGuards.ts';
import { isPartner, type PotState } from './potState.ts';

const agencyRecord = <T extends z.ZodType>(value: T) =>
  z.record(AgencyId, value).refine((record) => Object.keys(record).length <= MAX_PARTNERS_PER_POT, {
    message: `at most ${MAX_PARTNERS_PER_POT} partners`,
  });

export const RecordAgreementBody = z.strictObject({
  reference: text(MAX_REFERENCE_CHARS),
  legalBasis: LegalBasis,
  startDate: EffectiveDate,
  endDate: EffectiveDate.optional(),
  poolManager: text(MAX_NAME_CHARS),
  scope: text(MAX_DESCRIPTION_CHARS, { multiline: true }),
  boardDecisionRef: text(MAX_REFERENCE_CHARS),
  signedOn: EffectiveDate,
  spendTracking: z.boolean(),
  overspend: z
    .strictObject({
      policy: z.enum(OVERSPEND_POLICIES).optional(),
      coverFromPot: z.boolean().optional(),
      share: z.enum(OVERSPEND_SHARE_RULES).optional(),
      percentages: agencyRecord(BasisPoints).optional(),
      caps: agencyRecord(Amount).optional(),
    })
    .optional(),
  underspend: UnderspendRule.optional(),
  /** On a variation: the version in force that it replaces. */
  replaces: z.number().int().min(1).optional(),
  /** Makes the pot a Better Care Fund pot for this Health and Wellbeing Board area. */
  betterCareFund: z.strictObject({ healthAndWellbeingBoard: text(MAX_NAME_CHARS) }).optional(),
});
export type RecordAgreement = z.infer<typeof RecordAgreementBody> & { potId: string };

/**
 * The agreement register. The first agreement is version 1; a variation names the version in
 * force it replaces (a stale one is AGREEMENT_VERSION_CONFLICT) and its own board decision, and
 * applies to every year not yet settled. Only an admin records one: no partner writes down its
 * own risk share.
 */
export function decideRecordAgreement(
  state: PotState,
  command: RecordAgreement,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    potRefusal(state, command.potId, context) ??
    adminOnlyRefusal(context, "record the pot's agreement");
  if (refusal !== null) return refusal;
  const current = state.poolYear.agreement;
  if (current === null && command.replaces !== undefined) {
    return refused(
      'VALIDATION_FAILED',
      `pot ${command.potId} has no agreement yet, so there is no version ${command.replaces} to replace`,
    );
  }
  if (current !== null && command.replaces === undefined) {
    return refused(
      'ALREADY_EXISTS',
      `pot ${command.potId} has agreement ${current.reference} version ${current.version}: a variation names the version it replaces ("replaces": ${current.version})`,
      { version: current.version, agreementEventId: current.eventId },
    );
  }
  if (current !== null && command.replaces !== current.version) {
    return refused(
      'AGREEMENT_VERSION_CONFLICT',
      `the agreement in force is version ${current.version}, not ${command.replaces}: read it again and vary that one`,
      { version: current.version, agreementEventId: current.eventId },
    );
  }
  if (command.endDate !== undefined && command.endDate < command.startDate) {
    return refused(
      'VALIDATION_FAILED',
      `the agreement ends (${command.endDate}) before it starts (${command.startDate})`,
    );
  }
  const overspend = overspendRuleOf(command);
  const ruleRefusal = overspendRuleRefusal(state, overspend);
  if (ruleRefusal !== null) return ruleRefusal;
  if (current?.spendTracking === true && !command.spendTracking) {
    const open = openSpendYears(state);
    if (open.length > 0) {
      return refused(
        'VALIDATION_FAILED',
        `spend tracking cannot be switched off while spend or commitments stand in a year not yet settled (${open.join(', ')})`,
        { financialYears: open },
      );
    }
  }
  return [
    {
      type: 'AgreementRecorded',
      data: {
        potId: command.potId,
        version: current === null ? 1 : current.version + 1,
        reference: command.reference,
        legalBasis: command.legalBasis,
        startDate: command.startDate,
        ...(command.endDate === undefined ? {} : { endDate: command.endDate }),
        poolManager: command.poolManager,
        scope: command.scope,
        boardDecisionRef: command.boardDecisionRef,
        signedOn: command.signedOn,
        spendTracking: command.spendTracking,
        overspend,
        underspend: command.underspend ?? 'carry-forward',
        ...(current === null
          ? {}
          : {
              replaces: {
                version: current.version,
                agreementEventId: current.eventId,
                boardDecisionRef: current.boardDecisionRef,
              },
            }),
        ...(command.betterCareFund === undefined ? {} : { betterCareFund: command.betterCareFund }),
      },
    },
  ];
}

/** The rule with the contract's defaults filled in: warn, cover from the pot, share by contributions. */
function overspendRuleOf(command: RecordAgreement): OverspendRule {
  const given = command.overspend ?? {};
  return {
    policy: given.policy ?? 'warn',
    coverFromPot: given.coverFromPot ?? true,
    share: given.share ?? 'contributions',
    ...(given.percentages === undefined ? {} : { percentages: given.percentages }),
    ...(given.caps === undefined ? {} : { caps: given.caps }),
  };
}

function overspendRuleRefusal(state: PotState, rule: OverspendRule): DomainError | null {
  if (rule.share === 'fixed') {
    if (rule.percentages === undefined)
      return refused(
        'VALIDATION_FAILED',
        'overspend.share "fixed" needs overspend.percentages: each partner\'s share in basis points, summing to 10000',
      );
    const total = Object.values(rule.percentages).reduce((a, b) => a + b, 0);
    if (total !== 10_000)
      return refused(
        'VALIDATION_FAILED',
        `overspend.percentages sum to ${total} basis points, not 10000`,
        { total },
      );
  } else if (rule.percentages !== undefined) {
    return refused(
      'VALIDATION_FAILED',
      `overspend.percentages apply only to share "fixed", not "${rule.share}"`,
    );
  }
  const named = [...Object.keys(rule.percentages ?? {}), ...Object.keys(rule.caps ?? {})];
  const strangers = [...new Set(named)].filter((agencyId) => !isPartner(state, agencyId)).sort();
  if (strangers.length > 0)
    return refused(
      'NOT_A_PARTNER',
      `the overspend rule names ${strangers.join(', ')}, not partners of pot ${state.potId}`,
      { agencyIds: strangers },
    );
  return null;
}

/** Years not yet settled in which spend or commitments stand. */
function openSpendYears(state: PotState): string[] {
  const years = new Set<string>();
  for (const spend of state.poolYear.spends.values())
    if (!spend.reversed) years.add(financialYearOf(spend.effectiveDate));
  for (const commitment of state.poolYear.commitments.values())
    if (!commitment.outstanding.isZero()) years.add(financialYearOf(commitment.effectiveDate));
  return [...years].filter((year) => !state.poolYear.settled.has(year)).sort();
}
