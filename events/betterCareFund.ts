/**
 * Better Care Fund pots (../shared/POOLED-FUND-YEAR.md, "Better Care Fund pots"). A pot is a
 * Better Care Fund pot when the agreement in force names its Health and Wellbeing Board area
 * (`betterCareFund` on AgreementRecorded); its contributions then name their funding stream.
 * The admin records each year's required minimums from the published allocations; a later
 * record for the same year replaces the earlier one whole (the next version).
 */
import { z } from 'zod';
import {
  AgencyId,
  Amount,
  FinancialYear,
  MAX_NAME_CHARS,
  MAX_PARTNERS_PER_POT,
  MAX_REFERENCE_CHARS,
  Ulid,
  storedText,
} from './primitives.ts';

/** On an agreement: the pot is the Better Care Fund pot of this Health and Wellbeing Board area. */
export const BetterCareFundDesignation = z.strictObject({
  healthAndWellbeingBoard: storedText(MAX_NAME_CHARS),
});
export type BetterCareFundDesignation = z.infer<typeof BetterCareFundDesignation>;

/** The streams with a nationally required minimum: NHS minimum contribution, DFG, LA BCF grant. */
export const BCF_MINIMUM_STREAMS = ['nhs-minimum', 'dfg', 'la-bcf'] as const;
export const BcfMinimumStream = z.enum(BCF_MINIMUM_STREAMS);
export type BcfMinimumStream = z.infer<typeof BcfMinimumStream>;

export const BcfMinimum = z.strictObject({
  fundingStream: BcfMinimumStream,
  /** Who must pay it: the ICB for the NHS minimum, the council for the DFG and LA BCF grant. */
  agencyId: AgencyId,
  amount: Amount,
  /** Where the figure comes from, e.g. "BCF 2025-26 allocations, DHSC/MHCLG". */
  source: storedText(MAX_REFERENCE_CHARS),
});
export type BcfMinimum = z.infer<typeof BcfMinimum>;

export const BcfMinimumsRecordedV1 = z.strictObject({
  potId: Ulid,
  financialYear: FinancialYear,
  /** 1 for the year's first record, then one more for each record that replaces it. */
  version: z.number().int().min(1),
  minimums: z
    .array(BcfMinimum)
    .min(1)
    .max(BCF_MINIMUM_STREAMS.length * MAX_PARTNERS_PER_POT),
  /** Present on a replacement: the event it replaces. */
  replaces: z.strictObject({ version: z.number().int().min(1), eventId: Ulid }).optional(),
});
export type BcfMinimumsRecorded = z.infer<typeof BcfMinimumsRecordedV1>;

export type BetterCareFundEvent = { type: 'BcfMinimumsRecorded'; data: BcfMinimumsRecorded };

export const betterCareFundEventSchemas = {
  BcfMinimumsRecorded: BcfMinimumsRecordedV1,
} as const;
