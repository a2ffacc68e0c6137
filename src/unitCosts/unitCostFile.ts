/**
 * The shipped starter catalogue (data/unit-costs.json) and deflator series (data/deflators.json):
 * read, checked against the same schemas the API uses, and compared with what the ledger holds.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import canonicalizeModule from 'canonicalize';
import { z } from 'zod';
import { AddUnitCostBody, type AddUnitCost } from '../../commands/addUnitCost.ts';
import { formatAmount, parseAmount, sum } from '../../events/money.ts';
import { MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, text } from '../../events/primitives.ts';
import type { UnitCostAdded } from '../../events/unitCost.ts';
import { DeflatorSeries } from '../../events/uprating.ts';

// canonicalize 2.x is CommonJS whose typings declare an ES default export (see fingerprint.ts).
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** Entries one file may hold; the starter catalogue has a dozen. */
export const MAX_CATALOGUE_FILE_ENTRIES = 1_000;
/** A catalogue file larger than this is not a catalogue. */
export const MAX_CATALOGUE_FILE_BYTES = 5 * 1_048_576;

// data/ sits at the repository root; the compiled build (dist/src/unitCosts) is one folder deeper.
const projectRoot = join(
  dirname(fileURLToPath(import.meta.url)),
  ...(import.meta.url.endsWith('.js') ? ['..', '..', '..'] : ['..', '..']),
);
export const DEFAULT_UNIT_COSTS_FILE = join(projectRoot, 'data', 'unit-costs.json');
export const DEFAULT_DEFLATORS_FILE = join(projectRoot, 'data', 'deflators.json');

export const UnitCostFile = z.strictObject({
  name: text(MAX_NAME_CHARS).optional(),
  source: text(MAX_DESCRIPTION_CHARS, { multiline: true }),
  notes: text(MAX_DESCRIPTION_CHARS, { multiline: true }).optional(),
  entries: z
    .array(AddUnitCostBody)
    .min(1)
    .max(MAX_CATALOGUE_FILE_ENTRIES)
    .refine((entries) => new Set(entries.map((e) => e.code)).size === entries.length, {
      message: 'lists a code more than once',
    })
    // Checked for the whole file before anything is written, so a bad entry never leaves half a catalogue.
    .superRefine((entries, context) => {
      for (const [index, entry] of entries.entries()) {
        const splitTotal = sum(entry.split.map((line) => parseAmount(line.amount)));
        if (!splitTotal.equals(parseAmount(entry.amount))) {
          context.addIssue({
            code: 'custom',
            path: [index, 'split'],
            message: `${entry.code}: the split adds up to ${formatAmount(splitTotal)}, not the amount ${formatAmount(parseAmount(entry.amount))}`,
          });
        }
      }
    }),
});
export type UnitCostFile = z.infer<typeof UnitCostFile>;

function readJson(path: string): unknown {
  const text = readFileSync(path);
  if (text.byteLength > MAX_CATALOGUE_FILE_BYTES)
    throw new Error(`${path} is larger than ${MAX_CATALOGUE_FILE_BYTES} bytes`);
  try {
    return JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

function checked<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
  throw new Error(`${path} is not a valid file: ${issues.join('; ')}`);
}

export function readUnitCostFile(path: string = DEFAULT_UNIT_COSTS_FILE): UnitCostFile {
  return checked(UnitCostFile, readJson(path), path);
}

export function readDeflatorFile(path: string = DEFAULT_DEFLATORS_FILE): DeflatorSeries {
  return checked(DeflatorSeries, readJson(path), path);
}

/** Does the version in force say exactly what the file's entry says (amounts compared as money)? */
export function sameFigures(entry: AddUnitCost, inForce: UnitCostAdded): boolean {
  const figures = (e: AddUnitCost | UnitCostAdded) =>
    canonicalize({
      code: e.code,
      description: e.description,
      unit: e.unit,
      amount: formatAmount(parseAmount(e.amount)),
      priceYear: e.priceYear,
      split: e.split.map((line) => ({ ...line, amount: formatAmount(parseAmount(line.amount)) })),
      source: e.source,
      sourceUrl: e.sourceUrl ?? null,
    });
  return figures(entry) === figures(inForce);
}
