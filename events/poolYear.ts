/**
 * Events of the pooled-fund year (../shared/POOLED-FUND-YEAR.md): the agreement and its
 * variations, scheme details, spend, commitments, forecasts and the year-end settlement. They
 * live in the pot's stream like every other pot event, so the budget rules are checked inside
 * one stream's optimistic concurrency.
 *
 * A pot without an agreement, or whose agreement has spendTracking off, never sees spend,
 * commitments, forecasts or settlements: it behaves as it always has (an allocation counts as
 * money spent).
 */
import { z } from 'zod';
import {
  AgencyId,
  Amount,
  EffectiveDate,
  FinancialYear,
  MAX_DESCRIPTION_CHARS,
  MAX_NAME_CHARS,
  MAX_PARTNERS_PER_POT,
  MAX_REASON_CHARS,
  MAX_REFERENCE_CHARS,
  Ulid,
  storedText,
} from './primitives.ts';
import { AMOUNT_PATTERN, SIGNED_AMOUNT_PATTERN } from './money.ts';
import { BetterCareFundDesignation } from './betterCareFund.ts';

/** An amount that may be zero ("0.00"): a forecast outturn, a figure of the settlement. */
export const AmountOrZero = z
  .string()
  .regex(AMOUNT_PATTERN, {
    message: 'must be a decimal string with at most 2 decimal places, e.g. "1234.50"',
  })
  .meta({ description: 'Amount in GBP as a decimal string, zero allowed', example: '0.00' });

/** A figure that may be negative (a budget net of reversals dated in the year), always 2 places. */
export const SignedFigure = z.string().regex(SIGNED_AMOUNT_PATTERN, {
  message: 'must be a signed decimal string with 2 decimal places, e.g. "-12.50"',
});

export const LEGAL_BASES = [
  's75-nhs-act-2006',
  's31-health-act-1999',
  's113-lga-1972',
  'other',
] as const;
export const LegalBasis = z.enum(LEGAL_BASES);

export const OVERSPEND_POLICIES = ['warn', 'block'] as const;
export const OVERSPEND_SHARE_RULES = ['contributions', 'fixed', 'commissioner'] as const;
export const UNDERSPEND_RULES = ['carry-forward', 'return'] as const;

/** Basis points: 10000 = 100%. */
export const BasisPoints = z.number().int().min(0).max(10_000);

/** The agreement's risk-share rule for an overspend (POOLED-FUND-YEAR.md, year-end settlement). */
export const OverspendRule = z.strictObject({
  /** `warn` (default): overspend is accepted and flagged; `block`: refused with BUDGET_EXCEEDED. */
  policy: z.enum(OVERSPEND_POLICIES),
  /** Cover overspends from the pot's unallocated stakes first (default true). */
  coverFromPot: z.boolean(),
  share: z.enum(OVERSPEND_SHARE_RULES),
  /** For `fixed`: each partner's share in basis points, summing to 10000. */
  percentages: z.record(AgencyId, BasisPoints).optional(),
  /** The most a partner takes of the year's overspends, whatever the rule. */
  caps: z.record(AgencyId, Amount).optional(),
});
export type OverspendRule = z.infer<typeof OverspendRule>;

export const UnderspendRule = z.enum(UNDERSPEND_RULES);
export type UnderspendRule = z.infer<typeof UnderspendRule>;

/** The version an agreement replaces, as it stood. */
export const ReplacedAgreement = z.strictObject({
  version: z.number().int().min(1),
  agreementEventId: Ulid,
  boardDecisionRef: storedText(MAX_REFERENCE_CHARS),
});

export const AgreementRecordedV1 = z.strictObject({
  potId: Ulid,
  /** 1 for the first agreement, then one more for each variation. */
  version: z.number().int().min(1),
  reference: storedText(MAX_REFERENCE_CHARS),
  legalBasis: LegalBasis,
  startDate: EffectiveDate,
  endDate: EffectiveDate.optional(),
  poolManager: storedText(MAX_NAME_CHARS),
  scope: storedText(MAX_DESCRIPTION_CHARS, { multiline: true }),
  boardDecisionRef: storedText(MAX_REFERENCE_CHARS),
  signedOn: EffectiveDate,
  spendTracking: z.boolean(),
  overspend: OverspendRule,
  underspend: UnderspendRule,
  /** Present on a variation: the version it replaces. */
  replaces: ReplacedAgreement.optional(),
  /** Present when the pot is a Better Care Fund pot (events/betterCareFund.ts). */
  betterCareFund: BetterCareFundDesignation.optional(),
});
export type AgreementRecorded = z.infer<typeof AgreementRecordedV1>;

export const FUNDING_SOURCES = [
  'nhs-minimum',
  'dfg',
  'la-bcf',
  'discharge',
  'additional-la',
  'additional-nhs',
  'other',
] as const;
export const FundingSource = z.enum(FUNDING_SOURCES);
export type FundingSource = z.infer<typeof FundingSource>;

export const EXPENDITURE_KINDS = ['revenue', 'capital'] as const;

/** A percentage with at most 2 decimal places, 0–100, as a string ("60", "33.34"). */
export const Percentage = z.string().regex(/^(100(\.0{1,2})?|[1-9]?[0-9](\.[0-9]{1,2})?)$/, {
  message: 'must be a percentage from 0 to 100 with at most 2 decimal places, e.g. "33.34"',
});

export const CommissionerShare = z.strictObject({ agencyId: AgencyId, percent: Percentage });
export type CommissionerShare = z.infer<typeof CommissionerShare>;

/** Scheme details of an intervention; a later event for the same intervention replaces them. */
export const SchemeDetailsRecordedV1 = z.strictObject({
  potId: Ulid,
  interventionId: Ulid,
  schemeType: storedText(MAX_NAME_CHARS),
  fundingSource: FundingSource,
  /** Commissioning agencies with percentages summing to 100; the lead agency 100 when not given. */
  commissioner: z.array(CommissionerShare).min(1).max(MAX_PARTNERS_PER_POT),
  provider: storedText(MAX_NAME_CHARS).optional(),
  recurrent: z.boolean(),
  expenditure: z.enum(EXPENDITURE_KINDS),
});
export type SchemeDetailsRecorded = z.infer<typeof SchemeDetailsRecordedV1>;

/** What a spend or commitment flagged when it took the scheme over its remaining budget. */
export const OverspendFlag = z.strictObject({
  financialYear: FinancialYear,
  budget: SignedFigure,
  /** Spent and committed before this entry. */
  spent: SignedFigure,
  committed: SignedFigure,
  /** Budget − spent − committed before this entry (may be negative already). */
  remaining: SignedFigure,
  /** How far this entry takes the scheme beyond its budget. */
  overBy: Amount,
});
export type OverspendFlag = z.infer<typeof OverspendFlag>;

export const SpendRecordedV1 = z.strictObject({
  potId: Ulid,
  spendId: Ulid,
  interventionId: Ulid,
  amount: Amount,
  effectiveDate: EffectiveDate,
  supplier: storedText(MAX_NAME_CHARS),
  invoiceRef: storedText(MAX_REFERENCE_CHARS),
  /** VAT on the invoice, recorded and reported, never recomputed. */
  vat: Amount.optional(),
  vatRecoverable: z.boolean().optional(),
  commitmentId: Ulid.optional(),
  /** How much of the commitment this spend released (never more than was outstanding). */
  commitmentReleased: Amount.optional(),
  overspend: OverspendFlag.optional(),
});
export type SpendRecorded = z.infer<typeof SpendRecordedV1>;

export const SpendReversedV1 = z.strictObject({
  potId: Ulid,
  spendId: Ulid,
  reversedEventId: Ulid,
  interventionId: Ulid,
  amount: Amount,
  effectiveDate: EffectiveDate,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
  commitmentId: Ulid.optional(),
  /** What the spend had released of its commitment, outstanding again (if the commitment stands). */
  commitmentRestored: Amount.optional(),
});
export type SpendReversed = z.infer<typeof SpendReversedV1>;

export const CommitmentRaisedV1 = z.strictObject({
  potId: Ulid,
  commitmentId: Ulid,
  interventionId: Ulid,
  amount: Amount,
  effectiveDate: EffectiveDate,
  /** Purchase order, contract or care package reference. */
  reference: storedText(MAX_REFERENCE_CHARS),
  supplier: storedText(MAX_NAME_CHARS).optional(),
  description: storedText(MAX_DESCRIPTION_CHARS, { multiline: true }).optional(),
  overspend: OverspendFlag.optional(),
});
export type CommitmentRaised = z.infer<typeof CommitmentRaisedV1>;

/** Part or all of a commitment no longer reserves budget (the order was cut or completed). */
export const CommitmentReleasedV1 = z.strictObject({
  potId: Ulid,
  commitmentId: Ulid,
  interventionId: Ulid,
  amount: Amount,
  effectiveDate: EffectiveDate,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
});
export type CommitmentReleased = z.infer<typeof CommitmentReleasedV1>;

/** A commitment raised in error: what it still reserved is cancelled. */
export const CommitmentReversedV1 = z.strictObject({
  potId: Ulid,
  commitmentId: Ulid,
  reversedEventId: Ulid,
  interventionId: Ulid,
  /** What was still outstanding, cancelled. */
  amount: Amount,
  effectiveDate: EffectiveDate,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
});
export type CommitmentReversed = z.infer<typeof CommitmentReversedV1>;

export const Quarter = z.number().int().min(1).max(4);

export const ForecastRecordedV1 = z.strictObject({
  potId: Ulid,
  forecastId: Ulid,
  interventionId: Ulid,
  financialYear: FinancialYear,
  quarter: Quarter,
  forecastOutturn: AmountOrZero,
  /** The scheme's budget for the year when the forecast was made, so the variance explains itself. */
  budget: SignedFigure,
  explanation: storedText(MAX_REASON_CHARS, { multiline: true }).optional(),
});
export type ForecastRecorded = z.infer<typeof ForecastRecordedV1>;

export const ForecastWithdrawnV1 = z.strictObject({
  potId: Ulid,
  forecastId: Ulid,
  reversedEventId: Ulid,
  interventionId: Ulid,
  financialYear: FinancialYear,
  quarter: Quarter,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
});
export type ForecastWithdrawn = z.infer<typeof ForecastWithdrawnV1>;

export const AgencyAmount = z.strictObject({ agencyId: AgencyId, amount: Amount });
export type AgencyAmount = z.infer<typeof AgencyAmount>;
const AgencyAmounts = z.array(AgencyAmount).max(MAX_PARTNERS_PER_POT);

/** One scheme's lines in a settlement (schemes in ascending interventionId). */
export const SettledScheme = z.strictObject({
  interventionId: Ulid,
  /** Net allocations dated in the year. */
  budget: SignedFigure,
  /** Net spend dated in the year. */
  spent: SignedFigure,
  underspend: AmountOrZero,
  overspend: AmountOrZero,
  /** Each partner's net funding of the scheme dated in the year, before settlement (the release weights). */
  fundingOfYear: z
    .array(z.strictObject({ agencyId: AgencyId, amount: SignedFigure }))
    .max(MAX_PARTNERS_PER_POT),
  /** Step 1: the underspend back to the stakes, by fundingOfYear. */
  released: AgencyAmounts,
  /** Step 2: overspend drawn from the stakes, pro rata to the stakes. */
  covered: AgencyAmounts,
  /** Step 3: overspend owed by the partners under the share rule (a debt to the pot, funding of the scheme). */
  shared: AgencyAmounts,
  /** Of `shared`, what fell to the host because nobody else could take it (caps, zero weights). */
  fellToHost: AmountOrZero,
});
export type SettledScheme = z.infer<typeof SettledScheme>;

export const FinancialYearSettledV1 = z.strictObject({
  potId: Ulid,
  financialYear: FinancialYear,
  /** 31 March of the year. */
  effectiveDate: EffectiveDate,
  /** The agreement version whose rules were applied. */
  agreement: z.strictObject({ version: z.number().int().min(1), agreementEventId: Ulid }),
  overspend: OverspendRule,
  underspend: UnderspendRule,
  hostAgencyId: AgencyId,
  /** The share rule's weights, by partner (contributions dated in the year, fixed basis points…); empty for `commissioner`. */
  shareWeights: z
    .array(z.strictObject({ agencyId: AgencyId, weight: z.string() }))
    .max(MAX_PARTNERS_PER_POT),
  stakesBefore: AgencyAmounts,
  schemes: z.array(SettledScheme),
  /** Step 4 under `return`: every partner's stake after steps 1–3, given back. */
  returns: AgencyAmounts,
  /** Each partner's total of `shared`: its debt to the pot for the year. */
  owedByPartners: AgencyAmounts,
  stakesAfter: AgencyAmounts,
});
export type FinancialYearSettled = z.infer<typeof FinancialYearSettledV1>;

export type PoolYearEvent =
  | { type: 'AgreementRecorded'; data: AgreementRecorded }
  | { type: 'SchemeDetailsRecorded'; data: SchemeDetailsRecorded }
  | { type: 'SpendRecorded'; data: SpendRecorded }
  | { type: 'SpendReversed'; data: SpendReversed }
  | { type: 'CommitmentRaised'; data: CommitmentRaised }
  | { type: 'CommitmentReleased'; data: CommitmentReleased }
  | { type: 'CommitmentReversed'; data: CommitmentReversed }
  | { type: 'ForecastRecorded'; data: ForecastRecorded }
  | { type: 'ForecastWithdrawn'; data: ForecastWithdrawn }
  | { type: 'FinancialYearSettled'; data: FinancialYearSettled };

export const poolYearEventSchemas = {
  AgreementRecorded: AgreementRecordedV1,
  SchemeDetailsRecorded: SchemeDetailsRecordedV1,
  SpendRecorded: SpendRecordedV1,
  SpendReversed: SpendReversedV1,
  CommitmentRaised: CommitmentRaisedV1,
  CommitmentReleased: CommitmentReleasedV1,
  CommitmentReversed: CommitmentReversedV1,
  ForecastRecorded: ForecastRecordedV1,
  ForecastWithdrawn: ForecastWithdrawnV1,
  FinancialYearSettled: FinancialYearSettledV1,
} as const;

/** Quarter ends of a financial year "2025-26": 30 June, 30 September, 31 December, 31 March. */
export function quarterEnd(financialYear: string, quarter: number): string {
  const start = Number(financialYear.slice(0, 4));
  switch (quarter) {
    case 1:
      return `${start}-06-30`;
    case 2:
      return `${start}-09-30`;
    case 3:
      return `${start}-12-31`;
    case 4:
      return `${start + 1}-03-31`;
    default:
      throw new Error(`invariant: quarter ${quarter}`);
  }
}
