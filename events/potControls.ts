/**
 * Events of the pot's controls (issue 4): four-eyes approval of large allocations, the
 * financial-year close and the pot's close. They live in the pot's stream like every other pot
 * event, so the money rules and these controls are checked inside one stream's concurrency.
 *
 * Each event names its actor in its own data where the actor is the point of the event (who
 * asked, who approved, who tried to approve their own request), so an auditor's export of the
 * data alone still shows the segregation of duties.
 */
import { z } from 'zod';
import {
  AgencyId,
  Amount,
  EffectiveDate,
  FinancialYear,
  MAX_PARTNERS_PER_POT,
  MAX_REASON_CHARS,
  Ulid,
  storedText,
} from './primitives.ts';

/** Longest free-text comment an approver may add. */
export const MAX_COMMENT_CHARS = 1_000;
/**
 * Longest `sub` (user id) the ledger keeps in an event's data: the same limit a token's `sub`
 * is held to (src/auth/tokens.ts), so any signed-in actor can be named here.
 */
export const MAX_ACTOR_SUB_CHARS = 200;

export const ActorRef = z.strictObject({
  sub: storedText(MAX_ACTOR_SUB_CHARS),
  role: storedText(MAX_ACTOR_SUB_CHARS),
  agencyId: AgencyId.optional(),
});
export type ActorRef = z.infer<typeof ActorRef>;

/** Sets (an amount) or removes (null) the amount at or above which an allocation needs a second person. */
export const ApprovalThresholdChangedV1 = z.strictObject({
  potId: Ulid,
  approvalThreshold: Amount.nullable(),
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
});

/**
 * An allocation at or above the threshold (alone, or with its requester's recent direct ones to
 * the intervention: rollingWindow), asked for but not yet made: it reserves nothing.
 */
export const AllocationRequestedV1 = z.strictObject({
  potId: Ulid,
  allocationId: Ulid,
  interventionId: Ulid,
  amount: Amount,
  effectiveDate: EffectiveDate,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
  requestedBy: ActorRef,
  /** The threshold the request was measured against, so the record explains itself. */
  approvalThreshold: Amount,
  /**
   * Present when the amount alone is below the threshold and the request needs approval because
   * of the rolling rule (commands/fourEyesWindow.ts): what the requester had already allocated
   * directly to the intervention within the window of `days` days.
   */
  rollingWindow: z
    .strictObject({
      days: z.number().int().min(1).max(366),
      // A sum of allocations, so not bounded by the largest single amount.
      allocatedInWindow: z.string().regex(/^\d{1,30}\.\d{2}$/),
    })
    .optional(),
  priorPeriodAdjustment: FinancialYear.optional(),
});

/** Written in the same append as the FundsAllocated (same allocationId) that it authorises. */
export const AllocationApprovedV1 = z.strictObject({
  potId: Ulid,
  allocationId: Ulid,
  approvedBy: ActorRef,
  comment: storedText(MAX_COMMENT_CHARS, { multiline: true }).optional(),
});

export const AllocationRejectedV1 = z.strictObject({
  potId: Ulid,
  allocationId: Ulid,
  rejectedBy: ActorRef,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
});

/** The requester tried to approve their own request: refused, and recorded for the inspectorate. */
export const SelfApprovalAttemptedV1 = z.strictObject({
  potId: Ulid,
  allocationId: Ulid,
  attemptedBy: ActorRef,
});

/** Locks every business date up to and including closedThrough (the year's 31 March). */
export const FinancialYearClosedV1 = z.strictObject({
  potId: Ulid,
  financialYear: FinancialYear,
  closedThrough: EffectiveDate,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }).optional(),
});

export const StakeReturn = z.strictObject({ agencyId: AgencyId, amount: Amount });
export type StakeReturn = z.infer<typeof StakeReturn>;

/**
 * The pot is wound up: each partner's unallocated stake goes back to it. Partners with a zero
 * stake are not listed (Amount is positive), so the returns sum to what was available.
 */
export const PotClosedV1 = z.strictObject({
  potId: Ulid,
  effectiveDate: EffectiveDate,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
  returns: z.array(StakeReturn).max(MAX_PARTNERS_PER_POT),
});

export type ApprovalThresholdChanged = z.infer<typeof ApprovalThresholdChangedV1>;
export type AllocationRequested = z.infer<typeof AllocationRequestedV1>;
export type AllocationApproved = z.infer<typeof AllocationApprovedV1>;
export type AllocationRejected = z.infer<typeof AllocationRejectedV1>;
export type SelfApprovalAttempted = z.infer<typeof SelfApprovalAttemptedV1>;
export type FinancialYearClosed = z.infer<typeof FinancialYearClosedV1>;
export type PotClosed = z.infer<typeof PotClosedV1>;

export type PotControlEvent =
  | { type: 'ApprovalThresholdChanged'; data: ApprovalThresholdChanged }
  | { type: 'AllocationRequested'; data: AllocationRequested }
  | { type: 'AllocationApproved'; data: AllocationApproved }
  | { type: 'AllocationRejected'; data: AllocationRejected }
  | { type: 'SelfApprovalAttempted'; data: SelfApprovalAttempted }
  | { type: 'FinancialYearClosed'; data: FinancialYearClosed }
  | { type: 'PotClosed'; data: PotClosed };

export const potControlEventSchemas = {
  ApprovalThresholdChanged: ApprovalThresholdChangedV1,
  AllocationRequested: AllocationRequestedV1,
  AllocationApproved: AllocationApprovedV1,
  AllocationRejected: AllocationRejectedV1,
  SelfApprovalAttempted: SelfApprovalAttemptedV1,
  FinancialYearClosed: FinancialYearClosedV1,
  PotClosed: PotClosedV1,
} as const;

/** The last day (31 March) of a financial year labelled like "2025-26". */
export function financialYearEnd(financialYear: string): string {
  return `${Number(financialYear.slice(0, 4)) + 1}-03-31`;
}
