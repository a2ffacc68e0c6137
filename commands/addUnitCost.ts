import { z } from 'zod';
import { formatAmount, parseAmount, sum } from '../events/money.ts';
import {
  FinancialYear,
  MAX_DESCRIPTION_CHARS,
  MAX_NAME_CHARS,
  Amount,
  text,
} from '../events/primitives.ts';
import {
  MAX_SOURCE_CHARS,
  MAX_SOURCE_URL_CHARS,
  MAX_UNIT_CHARS,
  MAX_UNIT_COST_SPLIT_LINES,
  MAX_UNIT_COST_VERSIONS,
  UnitCostCode,
  UnitCostSplitLine,
  type UnitCostAdded,
  type UnitCostEvent,
} from '../events/unitCost.ts';
import { refused, type Decision } from './decision.ts';
import type { DomainError } from './domainError.ts';
import { currentUnitCost, type UnitCostState } from './unitCostState.ts';

/** What a version of an entry says; the code comes from the body (add) or the path (supersede). */
export const UnitCostFigures = z.strictObject({
  description: text(MAX_DESCRIPTION_CHARS, { multiline: true }),
  unit: text(MAX_UNIT_CHARS),
  amount: Amount,
  priceYear: FinancialYear,
  split: z
    .array(UnitCostSplitLine.extend({ label: text(MAX_NAME_CHARS).optional() }))
    .min(1)
    .max(MAX_UNIT_COST_SPLIT_LINES),
  source: text(MAX_SOURCE_CHARS, { multiline: true }),
  sourceUrl: z
    .url({ protocol: /^https?$/ })
    .max(MAX_SOURCE_URL_CHARS)
    .optional(),
});
export type UnitCostFigures = z.infer<typeof UnitCostFigures>;

export const AddUnitCostBody = UnitCostFigures.extend({ code: UnitCostCode });
export type AddUnitCost = z.infer<typeof AddUnitCostBody>;

export const SupersedeUnitCostBody = UnitCostFigures;
export type SupersedeUnitCost = UnitCostFigures & { code: string };

/** Adds version 1 of a code; a code is added once and changed only by superseding it. */
export function decideAddUnitCost(
  state: UnitCostState,
  command: AddUnitCost,
): Decision<UnitCostEvent> {
  if (currentUnitCost(state) !== undefined) {
    return refused(
      'ALREADY_EXISTS',
      `unit cost ${command.code} version 1 already exists; supersede it with a new version instead`,
    );
  }
  const refusal = splitRefusal(command);
  if (refusal !== null) return refusal;
  return [{ type: 'UnitCostAdded', data: versionData(command, 1) }];
}

/**
 * Replaces the figure in force with a new version (the next number), which names the version it
 * supersedes. Nothing is edited: outcomes already valued keep the version they were valued with.
 */
export function decideSupersedeUnitCost(
  state: UnitCostState,
  command: SupersedeUnitCost,
): Decision<UnitCostEvent> {
  const current = currentUnitCost(state);
  if (current === undefined)
    return refused('NOT_FOUND', `unit cost ${command.code} does not exist; add it first`);
  if (current.version >= MAX_UNIT_COST_VERSIONS) {
    return refused(
      'VALIDATION_FAILED',
      `unit cost ${command.code} already has ${MAX_UNIT_COST_VERSIONS} versions`,
    );
  }
  const refusal = splitRefusal(command);
  if (refusal !== null) return refusal;
  return [
    {
      type: 'UnitCostAdded',
      data: { ...versionData(command, current.version + 1), supersedesVersion: current.version },
    },
  ];
}

/**
 * The split says whose budget each pound lands in, so it must account for the whole amount,
 * exactly, and name each (kind, cashable) part once.
 */
function splitRefusal(command: UnitCostFigures & { code: string }): DomainError | null {
  const seen = new Set<string>();
  for (const line of command.split) {
    const key = `${line.agencyKind}/${line.cashable}`;
    if (seen.has(key)) {
      return refused(
        'VALIDATION_FAILED',
        `the split names ${line.agencyKind} (${line.cashable ? 'cashable' : 'non-cashable'}) more than once; add the parts together`,
      );
    }
    seen.add(key);
  }
  const splitTotal = sum(command.split.map((line) => parseAmount(line.amount)));
  const amount = parseAmount(command.amount);
  if (!splitTotal.equals(amount)) {
    return refused(
      'VALIDATION_FAILED',
      `the split adds up to ${formatAmount(splitTotal)}, not the amount ${formatAmount(amount)}`,
      {
        amount: formatAmount(amount),
        splitTotal: formatAmount(splitTotal),
      },
    );
  }
  return null;
}

function versionData(command: UnitCostFigures & { code: string }, version: number): UnitCostAdded {
  return {
    code: command.code,
    version,
    description: command.description,
    unit: command.unit,
    amount: formatAmount(parseAmount(command.amount)),
    priceYear: command.priceYear,
    split: command.split.map((line) => ({
      ...line,
      amount: formatAmount(parseAmount(line.amount)),
    })),
    source: command.source,
    ...(command.sourceUrl === undefined ? {} : { sourceUrl: command.sourceUrl }),
  };
}
