/**
 * A partner's journal mapping (docs/pooled-fund-year.md, "Partner journals"): the cost centre
 * and account code each line type of its journal posts to in its own ledger. It lives in the
 * pot's stream; each agency's mappings are versioned like the agreement (version 1, then each
 * new version names the one it replaces).
 */
import { z } from 'zod';
import { AgencyId, MAX_NAME_CHARS, MAX_REFERENCE_CHARS, Ulid, storedText } from './primitives.ts';

/**
 * The line types of a partner's journal, from the partner's point of view (see the convention in
 * docs/pooled-fund-year.md): cash paid in and out, costs, the risk-share debt, and the balancing
 * line for what the pot holds for the partner.
 */
export const JOURNAL_LINE_TYPES = [
  'contribution',
  'expenditure',
  'deficitShare',
  'surplusShare',
  'returned',
  'riskSharePaid',
  'owedToPot',
  'poolBalance',
] as const;
export const JournalLineType = z.enum(JOURNAL_LINE_TYPES);
export type JournalLineType = z.infer<typeof JournalLineType>;

/** Where one line type posts: the partner's cost centre and account (subjective) code. */
export const JournalAccount = z.strictObject({
  costCentre: storedText(MAX_REFERENCE_CHARS),
  accountCode: storedText(MAX_REFERENCE_CHARS),
  description: storedText(MAX_NAME_CHARS).optional(),
});
export type JournalAccount = z.infer<typeof JournalAccount>;

export const JournalMappingLines = z.partialRecord(JournalLineType, JournalAccount);

export const JournalMappingRecordedV1 = z.strictObject({
  potId: Ulid,
  agencyId: AgencyId,
  /** 1 for the agency's first mapping, then one more for each new version. */
  version: z.number().int().min(1),
  lines: JournalMappingLines,
  /** Present from version 2: the version it replaces. */
  replaces: z.strictObject({ version: z.number().int().min(1), eventId: Ulid }).optional(),
});
export type JournalMappingRecorded = z.infer<typeof JournalMappingRecordedV1>;

export type JournalMappingEvent = { type: 'JournalMappingRecorded'; data: JournalMappingRecorded };

export const journalMappingEventSchemas = {
  JournalMappingRecorded: JournalMappingRecordedV1,
} as const;
