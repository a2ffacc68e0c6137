/**
 * Outcome payments (payment by results): rate cards, claims, their validation by someone other
 * than the claimant, payment (spend of the intervention) and rejection. See
 * events/outcomePayments.ts and docs/outcome-payments.md.
 */
import { z } from 'zod';
import { formatAmount, money, splitLargestRemainder } from '../events/money.ts';
import {
  CoPayer,
  OutcomeCode,
  ParticipantRef,
  RateCardOutcome,
  type RateCardRecorded,
} from '../events/outcomePayments.ts';
import type { PotEvent } from '../events/pot.ts';
import {
  Amount,
  EffectiveDate,
  MAX_EVIDENCE_REF_CHARS,
  MAX_PARTNERS_PER_POT,
  MAX_REASON_CHARS,
  MAX_REFERENCE_CHARS,
  Ulid,
  text,
} from '../events/primitives.ts';
import { todayOf, type CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import type { DomainError } from './domainError.ts';
import type { ClaimRecord } from './outcomePaymentState.ts';
import { standingForParticipant, standingUnderContract } from './outcomePaymentState.ts';
import {
  actorRef,
  adminOnlyRefusal,
  moneyPeriodRefusal,
  potRefusal,
  spendTrackingRefusal,
} from './potGuards.ts';
import { isPartner, type PotState } from './potState.ts';
import { budgetExceeded, overspendOf } from './recordSpend.ts';

export const RecordRateCardBody = z.strictObject({
  contractRef: text(MAX_REFERENCE_CHARS),
  capPerContract: Amount,
  coPayers: z.array(CoPayer).min(1).max(MAX_PARTNERS_PER_POT).optional(),
  outcomes: RateCardOutcome.array().min(1).max(100),
  /** Required once the intervention has a rate card: the version in force this one replaces. */
  replaces: z.number().int().min(1).optional(),
});
export type RecordRateCard = z.infer<typeof RecordRateCardBody> & {
  potId: string;
  interventionId: string;
};

export const ClaimOutcomeBody = z.strictObject({
  code: OutcomeCode,
  participantRef: ParticipantRef,
  outcomeDate: EffectiveDate,
  evidenceRef: text(MAX_EVIDENCE_REF_CHARS),
  outcomeId: Ulid.optional(),
});
export type ClaimOutcome = z.infer<typeof ClaimOutcomeBody> & {
  potId: string;
  interventionId: string;
  claimId: string;
};

export const ValidateClaimBody = z.strictObject({});
export type ValidateClaim = { potId: string; claimId: string };

export const RejectClaimBody = z.strictObject({
  reason: text(MAX_REASON_CHARS, { multiline: true }),
});
export type RejectClaim = z.infer<typeof RejectClaimBody> & { potId: string; claimId: string };

export const PayClaimBody = z.strictObject({ effectiveDate: EffectiveDate });
export type PayClaim = z.infer<typeof PayClaimBody> & {
  potId: string;
  claimId: string;
  spendId: string;
};

function interventionRefusal(
  state: PotState,
  potId: string,
  interventionId: string,
): DomainError | null {
  return state.interventions.has(interventionId)
    ? null
    : refused('NOT_FOUND', `intervention ${interventionId} does not exist in pot ${potId}`);
}

/** An admin records an intervention's rate card; a replacement names the version in force. */
export function decideRecordRateCard(
  state: PotState,
  command: RecordRateCard,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    potRefusal(state, command.potId, context) ??
    adminOnlyRefusal(context, 'record a rate card') ??
    interventionRefusal(state, command.potId, command.interventionId);
  if (refusal !== null) return refusal;
  const current = state.outcomePayments.rateCards.get(command.interventionId);
  if (current === undefined && command.replaces !== undefined)
    return refused(
      'AGREEMENT_VERSION_CONFLICT',
      `intervention ${command.interventionId} has no rate card for this one to replace (version ${command.replaces})`,
      { current: null },
    );
  if (current !== undefined && command.replaces === undefined)
    return refused(
      'ALREADY_EXISTS',
      `intervention ${command.interventionId} has rate card version ${current.version}: name it in replaces to replace it`,
      { current: current.version },
    );
  if (current !== undefined && command.replaces !== current.version)
    return refused(
      'AGREEMENT_VERSION_CONFLICT',
      `rate card version ${current.version} is in force, not ${command.replaces}`,
      { current: current.version },
    );
  const codes = command.outcomes.map((outcome) => outcome.code);
  if (new Set(codes).size !== codes.length)
    return refused('VALIDATION_FAILED', 'each outcome code appears once on a rate card');
  if (command.coPayers !== undefined) {
    const ids = command.coPayers.map((payer) => payer.agencyId);
    if (new Set(ids).size !== ids.length)
      return refused('VALIDATION_FAILED', 'each co-payer appears once');
    const total = command.coPayers.reduce((sum, payer) => sum + payer.basisPoints, 0);
    if (total !== 10_000)
      return refused('VALIDATION_FAILED', `co-payers' basis points sum to ${total}, not 10000`, {
        total,
      });
    const strangers = ids.filter((id) => !isPartner(state, id));
    if (strangers.length > 0)
      return refused('NOT_A_PARTNER', `co-payers must be partners: ${strangers.join(', ')}`, {
        agencyIds: strangers,
      });
  }
  return [
    {
      type: 'RateCardRecorded',
      data: {
        potId: command.potId,
        interventionId: command.interventionId,
        version: current === undefined ? 1 : current.version + 1,
        contractRef: command.contractRef,
        capPerContract: formatAmount(money(command.capPerContract)),
        ...(command.coPayers === undefined ? {} : { coPayers: command.coPayers }),
        outcomes: command.outcomes.map((outcome) => ({
          ...outcome,
          price: formatAmount(money(outcome.price)),
        })),
        ...(command.replaces === undefined ? {} : { replaces: command.replaces }),
      },
    },
  ];
}

/** `date` minus `days` days, both ISO dates. */
export function daysBefore(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() - days);
  return at.toISOString().slice(0, 10);
}

/**
 * A provider's claim for an outcome on the intervention's rate card in force: dated within the
 * outcome's claim window and not in the future, within the participant limit, and never taking
 * the contract's standing claims past its cap (409 CLAIM_CAP_EXCEEDED).
 */
export function decideClaimOutcome(
  state: PotState,
  command: ClaimOutcome,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    potRefusal(state, command.potId, context) ??
    interventionRefusal(state, command.potId, command.interventionId);
  if (refusal !== null) return refusal;
  if (state.outcomePayments.claims.has(command.claimId))
    return refused('ALREADY_EXISTS', `claim ${command.claimId} already exists`);
  const card = state.outcomePayments.rateCards.get(command.interventionId);
  if (card === undefined)
    return refused(
      'NOT_FOUND',
      `intervention ${command.interventionId} has no rate card: nothing can be claimed for it`,
    );
  const outcome = card.outcomes.find((line) => line.code === command.code);
  if (outcome === undefined)
    return refused(
      'VALIDATION_FAILED',
      `outcome code ${command.code} is not on rate card version ${card.version} of intervention ${command.interventionId}`,
      { codes: card.outcomes.map((line) => line.code), rateCardVersion: card.version },
    );
  const today = todayOf(context);
  if (command.outcomeDate > today)
    return refused(
      'VALIDATION_FAILED',
      `the outcome date ${command.outcomeDate} is in the future (today is ${today})`,
    );
  const earliest = daysBefore(today, outcome.claimWindowDays);
  if (command.outcomeDate < earliest)
    return refused(
      'VALIDATION_FAILED',
      `the outcome date ${command.outcomeDate} is outside ${command.code}'s claim window of ${outcome.claimWindowDays} days (earliest ${earliest})`,
      { earliest, claimWindowDays: outcome.claimWindowDays },
    );
  if (command.outcomeId !== undefined) {
    const evidenced = state.outcomes.get(command.outcomeId);
    if (evidenced === undefined || evidenced.interventionId !== command.interventionId)
      return refused(
        'NOT_FOUND',
        `outcome ${command.outcomeId} is not an outcome of intervention ${command.interventionId}`,
      );
    if (evidenced.retracted)
      return refused(
        'VALIDATION_FAILED',
        `outcome ${command.outcomeId} was retracted: it evidences nothing`,
      );
  }
  const payments = state.outcomePayments;
  const already = standingForParticipant(
    payments,
    command.interventionId,
    command.participantRef,
    command.code,
  );
  if (already >= outcome.maxClaimsPerParticipant)
    return refused(
      'VALIDATION_FAILED',
      `participant ${command.participantRef} already has ${already} standing claim(s) for ${command.code}, the most the rate card allows`,
      { standing: already, maxClaimsPerParticipant: outcome.maxClaimsPerParticipant },
    );
  const price = money(outcome.price);
  const standing = standingUnderContract(payments, command.interventionId, card.contractRef);
  const cap = money(card.capPerContract);
  if (standing.plus(price).gt(cap))
    return refused(
      'CLAIM_CAP_EXCEEDED',
      `a claim of £${formatAmount(price)} would take contract ${card.contractRef} to £${formatAmount(standing.plus(price))}, past its cap of £${formatAmount(cap)}`,
      {
        contractRef: card.contractRef,
        capPerContract: formatAmount(cap),
        standing: formatAmount(standing),
        price: formatAmount(price),
      },
    );
  return [
    {
      type: 'OutcomeClaimed',
      data: {
        potId: command.potId,
        claimId: command.claimId,
        interventionId: command.interventionId,
        rateCardVersion: card.version,
        contractRef: card.contractRef,
        code: command.code,
        participantRef: command.participantRef,
        outcomeDate: command.outcomeDate,
        evidenceRef: command.evidenceRef,
        price: formatAmount(price),
        claimedBy: actorRef(context.actor),
        ...(command.outcomeId === undefined ? {} : { outcomeId: command.outcomeId }),
      },
    },
  ];
}

function claimOf(
  state: PotState,
  command: { potId: string; claimId: string },
  context: CommandContext,
): ClaimRecord | DomainError {
  const refusal = potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  const claim = state.outcomePayments.claims.get(command.claimId);
  if (claim === undefined)
    return refused('NOT_FOUND', `claim ${command.claimId} does not exist in pot ${command.potId}`);
  return claim;
}

function notClaimant(
  claim: ClaimRecord,
  context: CommandContext,
  what: string,
): DomainError | null {
  if (context.actor.sub !== claim.claimedBy.sub) return null;
  return refused(
    'SEGREGATION_OF_DUTIES',
    `you made claim ${claim.claimId}, so you may not ${what} it: another finance officer or an admin must`,
    { claimId: claim.claimId },
  );
}

function alreadyDecided(claim: ClaimRecord, expected: string): DomainError {
  return refused('ALREADY_DECIDED', `claim ${claim.claimId} is ${claim.status}, not ${expected}`, {
    status: claim.status,
  });
}

/** Someone other than the claimant checks the evidence. */
export function decideValidateClaim(
  state: PotState,
  command: ValidateClaim,
  context: CommandContext,
): Decision<PotEvent> {
  const claim = claimOf(state, command, context);
  if (!('claimId' in claim)) return claim;
  if (claim.status !== 'claimed') return alreadyDecided(claim, 'claimed');
  const refusal = notClaimant(claim, context, 'validate');
  if (refusal !== null) return refusal;
  return [
    {
      type: 'ClaimValidated',
      data: {
        potId: command.potId,
        claimId: command.claimId,
        validatedBy: actorRef(context.actor),
      },
    },
  ];
}

/** A claimed or validated claim is rejected (the claimant may withdraw their own): it stops counting. */
export function decideRejectClaim(
  state: PotState,
  command: RejectClaim,
  context: CommandContext,
): Decision<PotEvent> {
  const claim = claimOf(state, command, context);
  if (!('claimId' in claim)) return claim;
  if (claim.status !== 'claimed' && claim.status !== 'validated')
    return alreadyDecided(claim, 'claimed or validated');
  return [
    {
      type: 'ClaimRejected',
      data: {
        potId: command.potId,
        claimId: command.claimId,
        reason: command.reason,
        rejectedBy: actorRef(context.actor),
      },
    },
  ];
}

/** Each co-payer's part of `amount`, by basis points, largest remainder, ties by agency id. */
export function payerSharesOf(
  coPayers: RateCardRecorded['coPayers'],
  leadAgencyId: string,
  amount: string,
): { agencyId: string; amount: string }[] {
  const payers = [...(coPayers ?? [{ agencyId: leadAgencyId, basisPoints: 10_000 }])].sort(
    (a, b) => (a.agencyId < b.agencyId ? -1 : a.agencyId > b.agencyId ? 1 : 0),
  );
  return splitLargestRemainder(
    money(amount),
    payers.map((payer) => ({ key: payer.agencyId, weight: money(payer.basisPoints) })),
  ).map((part) => ({ agencyId: part.key, amount: formatAmount(part.amount) }));
}

/**
 * A validated claim is paid, by someone other than the claimant: spend of the intervention
 * (so spend tracking must be on, and the agreement's overspend policy applies), its price split
 * between the co-payers of the rate card in force.
 */
export function decidePayClaim(
  state: PotState,
  command: PayClaim,
  context: CommandContext,
): Decision<PotEvent> {
  const claim = claimOf(state, command, context);
  if (!('claimId' in claim)) return claim;
  if (claim.status !== 'validated') return alreadyDecided(claim, 'validated');
  const refusal =
    notClaimant(claim, context, 'pay') ??
    spendTrackingRefusal(state, 'pay outcome claims') ??
    moneyPeriodRefusal(state, command.effectiveDate);
  if (refusal !== null) return refusal;
  if (command.effectiveDate < claim.data.outcomeDate)
    return refused(
      'VALIDATION_FAILED',
      `a payment cannot be dated ${command.effectiveDate}, before the outcome it pays for (${claim.data.outcomeDate})`,
    );
  const intervention = state.interventions.get(claim.interventionId)!;
  const flag = overspendOf(state, claim.interventionId, command.effectiveDate, claim.price);
  if (flag !== null && state.poolYear.agreement!.overspend.policy === 'block')
    return budgetExceeded(
      state,
      claim.interventionId,
      `paying claim ${claim.claimId} (£${formatAmount(claim.price)})`,
      flag,
    );
  const amount = formatAmount(claim.price);
  return [
    {
      type: 'ClaimPaid',
      data: {
        potId: command.potId,
        claimId: command.claimId,
        spendId: command.spendId,
        interventionId: claim.interventionId,
        amount,
        effectiveDate: command.effectiveDate,
        payerShares: payerSharesOf(claim.coPayers, intervention.leadAgencyId, amount),
        paidBy: actorRef(context.actor),
        ...(flag === null ? {} : { overspend: flag }),
      },
    },
  ];
}
