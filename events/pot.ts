/**
 * Events of the pot aggregate (stream `pot-<potId>`). A pot's partners, contributions,
 * interventions, allocations and outcomes all live in its one stream, so every money rule is
 * checked inside one stream's optimistic concurrency.
 *
 * Schema names carry their version (…V1): a later shape becomes …V2 with an upcaster, and the
 * stored events keep the shape they were written with.
 */
import { z } from 'zod';
import {
  AgencyId,
  Amount,
  Currency,
  EffectiveDate,
  MAX_BENEFIT_LINES,
  MAX_DESCRIPTION_CHARS,
  MAX_EVIDENCE_REF_CHARS,
  MAX_NAME_CHARS,
  MAX_PARTNERS_PER_POT,
  MAX_REASON_CHARS,
  MAX_REFERENCE_CHARS,
  FinancialYear,
  Ulid,
  storedText,
} from './primitives.ts';
import { OutcomeValuationLine } from './unitCost.ts';
import type { PotControlEvent } from './potControls.ts';
import { potControlEventSchemas } from './potControls.ts';
import { FundingSource, poolYearEventSchemas, type PoolYearEvent } from './poolYear.ts';
import { outcomePaymentEventSchemas, type OutcomePaymentEvent } from './outcomePayments.ts';
import { journalMappingEventSchemas, type JournalMappingEvent } from './journalMapping.ts';
import { betterCareFundEventSchemas, type BetterCareFundEvent } from './betterCareFund.ts';

import { ContributionAgreedV1, type ContributionAgreed } from './agreedContributions.ts';
import {
  InterventionAssumptionsSetV1,
  type InterventionAssumptionsSet,
} from './interventionAssumptions.ts';

export { potStreamId } from './streams.ts';
export * from './agreedContributions.ts';
export * from './interventionAssumptions.ts';
export * from './poolYear.ts';
export * from './outcomePayments.ts';
export * from './journalMapping.ts';
export * from './betterCareFund.ts';

export const PotOpenedV1 = z.strictObject({
  potId: Ulid,
  name: storedText(MAX_NAME_CHARS),
  area: storedText(MAX_NAME_CHARS),
  hostAgencyId: AgencyId,
  partnerAgencyIds: z.array(AgencyId).min(1).max(MAX_PARTNERS_PER_POT),
  currency: Currency,
  /** Allocations at or above it need a second person's approval; absent = no four-eyes. */
  approvalThreshold: Amount.optional(),
});

export const PartnerJoinedV1 = z.strictObject({
  potId: Ulid,
  agencyId: AgencyId,
});

export const ContributionReceivedV1 = z.strictObject({
  potId: Ulid,
  contributionId: Ulid,
  agencyId: AgencyId,
  amount: Amount,
  effectiveDate: EffectiveDate,
  reference: storedText(MAX_REFERENCE_CHARS),
  /** Set on a correction booked in the open period for a closed financial year. */
  priorPeriodAdjustment: FinancialYear.optional(),
  /**
   * Set when the payment settles the partner's risk-share debt for a settled financial year: it
   * pays the debt and does not add to the partner's stake.
   */
  riskShareFor: FinancialYear.optional(),
  /** On a Better Care Fund pot: the funding stream the money comes from. */
  fundingStream: FundingSource.optional(),
});

export const InterventionDefinedV1 = z.strictObject({
  potId: Ulid,
  interventionId: Ulid,
  name: storedText(MAX_NAME_CHARS),
  leadAgencyId: AgencyId,
  description: storedText(MAX_DESCRIPTION_CHARS, { multiline: true }).optional(),
});

export const FundingShare = z.strictObject({ agencyId: AgencyId, amount: Amount });
export type FundingShare = z.infer<typeof FundingShare>;

export const FundsAllocatedV1 = z.strictObject({
  potId: Ulid,
  allocationId: Ulid,
  interventionId: Ulid,
  amount: Amount,
  effectiveDate: EffectiveDate,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
  fundingShares: z.array(FundingShare).min(1).max(MAX_PARTNERS_PER_POT),
  /** Set on a correction booked in the open period for a closed financial year. */
  priorPeriodAdjustment: FinancialYear.optional(),
});

export const Benefit = z.strictObject({
  agencyId: AgencyId,
  amount: Amount,
  cashable: z.boolean(),
});
export type Benefit = z.infer<typeof Benefit>;

export const BenefitFlow = z.strictObject({
  fromAgencyId: AgencyId,
  toAgencyId: AgencyId,
  amount: Amount,
  cashable: z.boolean(),
});
export type BenefitFlow = z.infer<typeof BenefitFlow>;

export const OutcomeRecordedV1 = z.strictObject({
  potId: Ulid,
  outcomeId: Ulid,
  interventionId: Ulid,
  description: storedText(MAX_DESCRIPTION_CHARS, { multiline: true }),
  effectiveDate: EffectiveDate,
  evidenceRef: storedText(MAX_EVIDENCE_REF_CHARS).optional(),
  benefits: z.array(Benefit).min(1).max(MAX_BENEFIT_LINES),
  flows: z.array(BenefitFlow).min(1),
  /** Outcomes recorded by quantity: how each line was valued from the unit-cost catalogue. */
  lines: z.array(OutcomeValuationLine).min(1).max(MAX_BENEFIT_LINES).optional(),
  /** Set on a correction booked in the open period for a closed financial year. */
  priorPeriodAdjustment: FinancialYear.optional(),
});

/** Undoes a contribution: the agency's stake and contributed total fall by `amount`. */
export const ContributionReversedV1 = z.strictObject({
  potId: Ulid,
  contributionId: Ulid,
  reversedEventId: Ulid,
  agencyId: AgencyId,
  amount: Amount,
  effectiveDate: EffectiveDate,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
  /** Set on a correction booked in the open period for a closed financial year. */
  priorPeriodAdjustment: FinancialYear.optional(),
  /** Set when the reversed contribution paid a risk-share debt: the debt stands again, the stake is untouched. */
  riskShareFor: FinancialYear.optional(),
});

/** Undoes an allocation: each funding share goes back to its agency's stake. */
export const AllocationReversedV1 = z.strictObject({
  potId: Ulid,
  allocationId: Ulid,
  reversedEventId: Ulid,
  interventionId: Ulid,
  amount: Amount,
  fundingShares: z.array(FundingShare).min(1).max(MAX_PARTNERS_PER_POT),
  effectiveDate: EffectiveDate,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
  /** Set on a correction booked in the open period for a closed financial year. */
  priorPeriodAdjustment: FinancialYear.optional(),
});

/** Withdraws an outcome: its benefits and flows no longer count. */
export const OutcomeRetractedV1 = z.strictObject({
  potId: Ulid,
  outcomeId: Ulid,
  reversedEventId: Ulid,
  interventionId: Ulid,
  benefits: z.array(Benefit).min(1).max(MAX_BENEFIT_LINES),
  flows: z.array(BenefitFlow).min(1),
  effectiveDate: EffectiveDate,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
  /** Set on a correction booked in the open period for a closed financial year. */
  priorPeriodAdjustment: FinancialYear.optional(),
});

export type PotOpened = z.infer<typeof PotOpenedV1>;
export type PartnerJoined = z.infer<typeof PartnerJoinedV1>;
export type ContributionReceived = z.infer<typeof ContributionReceivedV1>;
export type InterventionDefined = z.infer<typeof InterventionDefinedV1>;
export type FundsAllocated = z.infer<typeof FundsAllocatedV1>;
export type OutcomeRecorded = z.infer<typeof OutcomeRecordedV1>;
export type ContributionReversed = z.infer<typeof ContributionReversedV1>;
export type AllocationReversed = z.infer<typeof AllocationReversedV1>;
export type OutcomeRetracted = z.infer<typeof OutcomeRetractedV1>;

export type PotEvent =
  | { type: 'PotOpened'; data: PotOpened }
  | { type: 'PartnerJoined'; data: PartnerJoined }
  | { type: 'ContributionReceived'; data: ContributionReceived }
  | { type: 'InterventionDefined'; data: InterventionDefined }
  | { type: 'FundsAllocated'; data: FundsAllocated }
  | { type: 'OutcomeRecorded'; data: OutcomeRecorded }
  | { type: 'ContributionReversed'; data: ContributionReversed }
  | { type: 'AllocationReversed'; data: AllocationReversed }
  | { type: 'OutcomeRetracted'; data: OutcomeRetracted }
  | { type: 'ContributionAgreed'; data: ContributionAgreed }
  | { type: 'InterventionAssumptionsSet'; data: InterventionAssumptionsSet }
  | PotControlEvent
  | PoolYearEvent
  | OutcomePaymentEvent
  | JournalMappingEvent
  | BetterCareFundEvent;

export const potEventSchemas = {
  PotOpened: PotOpenedV1,
  PartnerJoined: PartnerJoinedV1,
  ContributionReceived: ContributionReceivedV1,
  InterventionDefined: InterventionDefinedV1,
  FundsAllocated: FundsAllocatedV1,
  OutcomeRecorded: OutcomeRecordedV1,
  ContributionReversed: ContributionReversedV1,
  AllocationReversed: AllocationReversedV1,
  OutcomeRetracted: OutcomeRetractedV1,
  ...potControlEventSchemas,
  ContributionAgreed: ContributionAgreedV1,
  InterventionAssumptionsSet: InterventionAssumptionsSetV1,
  ...poolYearEventSchemas,
  ...outcomePaymentEventSchemas,
  ...journalMappingEventSchemas,
  ...betterCareFundEventSchemas,
} as const;
