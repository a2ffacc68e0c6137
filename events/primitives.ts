/**
 * Field schemas shared by events and commands: the limits live here, once, so a text field
 * is never accepted at the door and then refused by the event schema (or the reverse).
 */
import { z } from 'zod';
import { firstHiddenCharacter } from './hiddenCharacters.ts';
import { AMOUNT_PATTERN, amountProblem, MAX_AMOUNT } from './money.ts';

export const MAX_NAME_CHARS = 200;
export const MAX_REFERENCE_CHARS = 200;
export const MAX_REASON_CHARS = 1_000;
export const MAX_DESCRIPTION_CHARS = 4_000;
export const MAX_EVIDENCE_REF_CHARS = 500;
export const MAX_PARTNERS_PER_POT = 100;
export const MAX_BENEFIT_LINES = 100;
/**
 * An outcome's benefit lines × the intervention's funders: each line is split across every
 * funder, so this bounds the flows one OutcomeRecorded (and its OutcomeRetracted) carries.
 * At 1,000 flows of the longest agency ids the event stays under MAX_EVENT_DATA_BYTES with
 * room for its other fields, so every outcome recorded can also be retracted.
 */
export const MAX_FLOWS_PER_OUTCOME = 1_000;
/**
 * The JSON (UTF-8) of one event's data, at most. A backstop on the write path: no valid command
 * comes near it but an outcome with many quantity lines, which the decider refuses itself. An
 * event is read whole by every fold, export and answer that touches it, so none may be huge.
 */
export const MAX_EVENT_DATA_BYTES = 256 * 1024;

/** The size an event's data takes in the log, as MAX_EVENT_DATA_BYTES counts it. */
export function eventDataBytes(data: unknown): number {
  return Buffer.byteLength(JSON.stringify(data), 'utf8');
}
export const MAX_AGENCY_ID_CHARS = 64;
export const MIN_EFFECTIVE_DATE = '2000-01-01';
export const MAX_EFFECTIVE_DATE = '2099-12-31';

// Control characters (NUL, escape, backspace…) have no place in a ledger's text: they break
// exports and can hide text from the person reading an audit trail. Long free text may keep
// line breaks and tabs; names and references are single lines.
// U+2028/2029 are line breaks too, so single-line fields refuse them; an unpaired surrogate is
// not a character at all (it cannot be written as UTF-8), so no field accepts one.
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\u2028\u2029]*$/u;
const NO_CONTROL_CHARACTERS_BUT_LINE_BREAKS = /^(?:[^\p{Cc}]|[\n\r\t])*$/u;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text as events hold it: what older events hold must still parse, so this does not refuse
 * hidden characters (hiddenCharacters.ts); everything that displays it reveals them instead.
 * Only event schemas use it: new text comes in through `text`.
 */
export function storedText(maxChars: number, options: { multiline?: boolean } = {}) {
  return z
    .string()
    .max(maxChars)
    .regex(options.multiline ? NO_CONTROL_CHARACTERS_BUT_LINE_BREAKS : NO_CONTROL_CHARACTERS, {
      message: options.multiline
        ? 'must not contain control characters other than line breaks and tabs'
        : 'must not contain control characters',
    })
    .refine((s) => !UNPAIRED_SURROGATE.test(s), {
      message: 'must be valid Unicode text (an unpaired surrogate is not)',
    })
    .refine((s) => s.trim().length > 0, { message: 'must not be blank' });
}

/**
 * Text coming in (a command, a token's subject, a file the CLI reads): as `storedText`, and
 * without bidirectional controls or invisible format characters, which would let an audit
 * entry read as something it is not ("PO-1\u202Egnp.exe" shows as "PO-1exe.png").
 */
export function text(maxChars: number, options: { multiline?: boolean } = {}) {
  return storedText(maxChars, options).superRefine((s, ctx) => {
    const hidden = firstHiddenCharacter(s);
    if (hidden !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must not contain ${hidden}: invisible and text-direction characters can disguise what an audit entry says`,
      });
    }
  });
}

export const Ulid = z.ulid();

export const AgencyId = z
  .string()
  .max(MAX_AGENCY_ID_CHARS)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, {
    message: 'must be a short slug: lower-case letters, digits and hyphens, e.g. essex-police',
  });

export const AGENCY_KINDS = [
  'council',
  'police',
  'health',
  'dwp',
  'probation',
  'fire',
  'housing',
  'education',
  'voluntary',
  'other',
] as const;
export const AgencyKind = z.enum(AGENCY_KINDS);
export type AgencyKind = z.infer<typeof AgencyKind>;

/** A positive amount of at most 2 decimal places and at most £1,000,000,000,000.00, as a string. */
export const Amount = z
  .string()
  .regex(AMOUNT_PATTERN, {
    message: 'must be a decimal string with at most 2 decimal places, e.g. "1234.50"',
  })
  .refine((value) => amountProblem(value) !== 'not-positive', {
    message: 'must be greater than zero',
  })
  .refine((value) => amountProblem(value) !== 'too-large', {
    message: `must be at most ${MAX_AMOUNT}`,
  })
  .meta({
    description: `Amount in GBP as a decimal string: positive, at most 2 decimal places, at most ${MAX_AMOUNT}`,
    example: '1234.50',
  });

/** A business date, YYYY-MM-DD, a real calendar day within the ledger's range. */
export const EffectiveDate = z.iso
  .date()
  .refine((d) => d >= MIN_EFFECTIVE_DATE && d <= MAX_EFFECTIVE_DATE, {
    message: `must be between ${MIN_EFFECTIVE_DATE} and ${MAX_EFFECTIVE_DATE}`,
  });

export const Currency = z.literal('GBP');

/** UK public-sector financial year of a business date: 1 April – 31 March, labelled "2025-26". */
export function financialYearOf(effectiveDate: string): string {
  const year = Number(effectiveDate.slice(0, 4));
  const month = Number(effectiveDate.slice(5, 7));
  const startYear = month >= 4 ? year : year - 1;
  return `${startYear}-${String((startYear + 1) % 100).padStart(2, '0')}`;
}

export const FinancialYear = z
  .string()
  .regex(/^\d{4}-\d{2}$/, { message: 'must be a financial year like 2025-26' })
  .refine((fy) => (Number(fy.slice(0, 4)) + 1) % 100 === Number(fy.slice(5, 7)), {
    message: 'the two years must be consecutive, e.g. 2025-26',
  });
