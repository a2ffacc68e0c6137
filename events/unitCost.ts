/**
 * Events of the unit-cost catalogue (stream `unit-cost-<code>`, one per code): the public unit
 * costs outcomes are valued with. An entry is never edited: a new figure is a new version that
 * names the version it supersedes, so an outcome valued last year still shows the figure it was
 * valued with, and an auditor can see when and why the figure changed.
 */
import { z } from 'zod';
import {
  AgencyId,
  AgencyKind,
  Amount,
  FinancialYear,
  MAX_DESCRIPTION_CHARS,
  MAX_NAME_CHARS,
  storedText,
} from './primitives.ts';

export { unitCostStreamId } from './streams.ts';

export const MAX_UNIT_COST_CODE_CHARS = 64;
export const MAX_UNIT_CHARS = 100;
export const MAX_SOURCE_CHARS = 1_000;
export const MAX_SOURCE_URL_CHARS = 500;
/** A split names agency kinds, each at most twice (a cashable and a non-cashable part). */
export const MAX_UNIT_COST_SPLIT_LINES = 20;
/** Versions of one code; a figure revised more often than this is not a catalogue entry. */
export const MAX_UNIT_COST_VERSIONS = 1_000;

/** Upper-case words joined by hyphens, the first naming the sector: HEALTH-HIP-FRACTURE. */
export const UnitCostCode = z
  .string()
  .max(MAX_UNIT_COST_CODE_CHARS)
  .regex(/^[A-Z0-9]+(?:-[A-Z0-9]+)*$/, {
    message: 'must be upper-case letters and digits joined by hyphens, e.g. HEALTH-HIP-FRACTURE',
  });

export const UnitCostVersion = z.number().int().min(1).max(MAX_UNIT_COST_VERSIONS);

/** The part of a unit cost that lands in one kind of agency's budget. */
export const UnitCostSplitLine = z.strictObject({
  agencyKind: AgencyKind,
  amount: Amount,
  /** Can the budget really be released (cashable), or is it capacity freed (non-cashable)? */
  cashable: z.boolean(),
  /** Which budget within the kind, when the source names it: "social care", "criminal justice (courts, CPS)". */
  label: storedText(MAX_NAME_CHARS).optional(),
});
export type UnitCostSplitLine = z.infer<typeof UnitCostSplitLine>;

export const UnitCostAddedV1 = z.strictObject({
  code: UnitCostCode,
  version: UnitCostVersion,
  /** Absent on version 1; on a later version, the version it replaces (always the one before). */
  supersedesVersion: UnitCostVersion.optional(),
  description: storedText(MAX_DESCRIPTION_CHARS, { multiline: true }),
  /** What one unit is: "per incident", "per year". */
  unit: storedText(MAX_UNIT_CHARS),
  amount: Amount,
  /** The financial year whose prices the amount is in, e.g. "2008-09". */
  priceYear: FinancialYear,
  split: z.array(UnitCostSplitLine).min(1).max(MAX_UNIT_COST_SPLIT_LINES),
  source: storedText(MAX_SOURCE_CHARS, { multiline: true }),
  sourceUrl: z
    .url({ protocol: /^https?$/ })
    .max(MAX_SOURCE_URL_CHARS)
    .optional(),
});
export type UnitCostAdded = z.infer<typeof UnitCostAddedV1>;

export type UnitCostEvent = { type: 'UnitCostAdded'; data: UnitCostAdded };

export const unitCostEventSchemas = {
  UnitCostAdded: UnitCostAddedV1,
} as const;

/** Units of an outcome: positive, at most 2 decimal places ("12", "2.5"), at most a million. */
export const MAX_OUTCOME_QUANTITY = '1000000';
const QUANTITY_PATTERN = /^(0|[1-9][0-9]{0,6})(\.[0-9]{1,2})?$/;
export const Quantity = z
  .string()
  .regex(QUANTITY_PATTERN, {
    message: 'must be a decimal string with at most 2 decimal places, e.g. "12" or "2.5"',
  })
  .refine((q) => Number(q) > 0, { message: 'must be greater than zero' })
  .refine((q) => Number(q) <= Number(MAX_OUTCOME_QUANTITY), {
    message: `must be at most ${MAX_OUTCOME_QUANTITY}`,
  })
  .meta({
    description: `Number of units as a decimal string: positive, at most 2 decimal places, at most ${MAX_OUTCOME_QUANTITY}`,
    example: '12',
  });

/** A ledger-written amount that may be zero (a part of a split that rounds to nothing). */
const PenceAmount = z.string().regex(/^(0|[1-9][0-9]{0,12})\.[0-9]{2}$/);

/**
 * How one outcome line was valued, kept in OutcomeRecorded so replay never revalues and an
 * auditor can redo the arithmetic: amount = quantity × unitAmount (half-up to the penny), split
 * across the entry's parts by largest remainder in the proportions of their unit amounts.
 */
export const OutcomeValuationLine = z.strictObject({
  unitCostCode: UnitCostCode,
  version: UnitCostVersion,
  priceYear: FinancialYear,
  unit: storedText(MAX_UNIT_CHARS),
  quantity: Quantity,
  unitAmount: Amount,
  amount: Amount,
  split: z
    .array(
      z.strictObject({
        agencyKind: AgencyKind,
        agencyId: AgencyId,
        cashable: z.boolean(),
        unitAmount: Amount,
        amount: PenceAmount,
      }),
    )
    .min(1)
    .max(MAX_UNIT_COST_SPLIT_LINES),
});
export type OutcomeValuationLine = z.infer<typeof OutcomeValuationLine>;
