/**
 * Outcome payments (payment by results, as in the Troubled Families programme and social impact
 * bonds): an intervention's rate card prices the outcomes a provider may claim for; a claim is
 * validated by someone other than the claimant, then paid or rejected. A paid claim is spend of
 * the intervention. All of it lives in the pot's stream, so a contract's cap is checked inside
 * one stream's optimistic concurrency: concurrent claims can never pass it together.
 */
import { z } from 'zod';
import {
  AgencyId,
  Amount,
  EffectiveDate,
  MAX_DESCRIPTION_CHARS,
  MAX_EVIDENCE_REF_CHARS,
  MAX_PARTNERS_PER_POT,
  MAX_REASON_CHARS,
  MAX_REFERENCE_CHARS,
  Ulid,
  storedText,
} from './primitives.ts';
import { ActorRef } from './potControls.ts';
import { AmountOrZero, BasisPoints, OverspendFlag } from './poolYear.ts';

/** An outcome code on a rate card ("TF-SUSTAINED-EMPLOYMENT"). */
export const OutcomeCode = z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, {
  message: 'must be 1 to 64 capital letters, digits and hyphens, e.g. "TF-SUSTAINED-EMPLOYMENT"',
});

/** A pseudonymous participant reference (never a name): letters, digits, hyphens, 1–64. */
export const ParticipantRef = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, {
  message: 'must be a pseudonymous reference of 1 to 64 letters, digits and hyphens',
});

export const MAX_OUTCOMES_PER_RATE_CARD = 100;
export const MAX_CLAIM_WINDOW_DAYS = 3_660;

export const RateCardOutcome = z.strictObject({
  code: OutcomeCode,
  definition: storedText(MAX_DESCRIPTION_CHARS, { multiline: true }),
  evidenceRequired: storedText(MAX_DESCRIPTION_CHARS, { multiline: true }),
  price: Amount,
  maxClaimsPerParticipant: z.number().int().min(1).max(1_000),
  claimWindowDays: z.number().int().min(1).max(MAX_CLAIM_WINDOW_DAYS),
});
export type RateCardOutcome = z.infer<typeof RateCardOutcome>;

export const CoPayer = z.strictObject({ agencyId: AgencyId, basisPoints: BasisPoints });
export type CoPayer = z.infer<typeof CoPayer>;

export const RateCardRecordedV1 = z.strictObject({
  potId: Ulid,
  interventionId: Ulid,
  /** 1 for the intervention's first rate card, then one more for each replacement. */
  version: z.number().int().min(1),
  contractRef: storedText(MAX_REFERENCE_CHARS),
  /** Σ price of standing claims under the contract may never pass it. */
  capPerContract: Amount,
  /** Who pays a claim's price, in basis points summing to 10000; the lead agency alone when absent. */
  coPayers: z.array(CoPayer).min(1).max(MAX_PARTNERS_PER_POT).optional(),
  outcomes: z.array(RateCardOutcome).min(1).max(MAX_OUTCOMES_PER_RATE_CARD),
  /** Present on a replacement: the version it replaces. */
  replaces: z.number().int().min(1).optional(),
});
export type RateCardRecorded = z.infer<typeof RateCardRecordedV1>;

export const OutcomeClaimedV1 = z.strictObject({
  potId: Ulid,
  claimId: Ulid,
  interventionId: Ulid,
  rateCardVersion: z.number().int().min(1),
  contractRef: storedText(MAX_REFERENCE_CHARS),
  code: OutcomeCode,
  participantRef: ParticipantRef,
  outcomeDate: EffectiveDate,
  evidenceRef: storedText(MAX_EVIDENCE_REF_CHARS),
  price: Amount,
  claimedBy: ActorRef,
  /** The OutcomeRecorded this claim evidences, when there is one. */
  outcomeId: Ulid.optional(),
});
export type OutcomeClaimed = z.infer<typeof OutcomeClaimedV1>;

export const ClaimValidatedV1 = z.strictObject({
  potId: Ulid,
  claimId: Ulid,
  validatedBy: ActorRef,
});
export type ClaimValidated = z.infer<typeof ClaimValidatedV1>;

export const ClaimRejectedV1 = z.strictObject({
  potId: Ulid,
  claimId: Ulid,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
  rejectedBy: ActorRef,
});
export type ClaimRejected = z.infer<typeof ClaimRejectedV1>;

export const ClaimPaidV1 = z.strictObject({
  potId: Ulid,
  claimId: Ulid,
  /** The spend the payment is: it counts in the intervention's spent figure for its year. */
  spendId: Ulid,
  interventionId: Ulid,
  amount: Amount,
  effectiveDate: EffectiveDate,
  /** The price split between the co-payers by largest remainder (ties: agency id ascending). */
  payerShares: z
    .array(z.strictObject({ agencyId: AgencyId, amount: AmountOrZero }))
    .min(1)
    .max(MAX_PARTNERS_PER_POT),
  paidBy: ActorRef,
  overspend: OverspendFlag.optional(),
});
export type ClaimPaid = z.infer<typeof ClaimPaidV1>;

export type OutcomePaymentEvent =
  | { type: 'RateCardRecorded'; data: RateCardRecorded }
  | { type: 'OutcomeClaimed'; data: OutcomeClaimed }
  | { type: 'ClaimValidated'; data: ClaimValidated }
  | { type: 'ClaimRejected'; data: ClaimRejected }
  | { type: 'ClaimPaid'; data: ClaimPaid };

export const outcomePaymentEventSchemas = {
  RateCardRecorded: RateCardRecordedV1,
  OutcomeClaimed: OutcomeClaimedV1,
  ClaimValidated: ClaimValidatedV1,
  ClaimRejected: ClaimRejectedV1,
  ClaimPaid: ClaimPaidV1,
} as const;

export const CLAIM_STATUSES = ['claimed', 'validated', 'paid', 'rejected'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];
