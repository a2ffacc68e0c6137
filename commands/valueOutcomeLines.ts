/**
 * Outcomes recorded by quantity ("14 hip fractures avoided"): each line is valued from the
 * unit-cost catalogue version in force, and each part of the entry's split is credited to the
 * pot's agency of that kind. The result is ordinary benefit lines, so flows follow the same rule
 * as benefits given in pounds.
 *
 * Arithmetic, per line: amount = quantity × unit amount, rounded half-up to the penny; the
 * amount is split across the entry's parts by largest remainder in the proportions of their
 * unit amounts, so the parts always sum to the line's amount. With a whole-number quantity the
 * product is already whole pence and every part is exactly quantity × its unit amount.
 * No uprating happens here: a line is valued in its entry's price year, which the event keeps.
 */
import { z } from 'zod';
import {
  formatAmount,
  isValidAmount,
  money,
  parseAmount,
  splitLargestRemainder,
  ZERO,
  type Money,
} from '../events/money.ts';
import { scaleToPence } from '../events/moneyScaling.ts';
import type { Benefit } from '../events/pot.ts';
import {
  AgencyId,
  AgencyKind,
  MAX_BENEFIT_LINES,
  type AgencyKind as Kind,
} from '../events/primitives.ts';
import {
  Quantity,
  UnitCostCode,
  type OutcomeValuationLine,
  type UnitCostAdded,
} from '../events/unitCost.ts';
import { refused } from './decision.ts';
import type { DomainError } from './domainError.ts';

export const OutcomeQuantityLine = z.strictObject({
  unitCostCode: UnitCostCode,
  quantity: Quantity,
  /** Which agency gets each kind's part, when the pot has none or several partners of that kind. */
  beneficiaries: z.partialRecord(AgencyKind, AgencyId).optional(),
});
export type OutcomeQuantityLine = z.infer<typeof OutcomeQuantityLine>;
export const OutcomeQuantityLines = z.array(OutcomeQuantityLine).min(1).max(MAX_BENEFIT_LINES);

/** What the write path reads for the decider before it decides: catalogue and agency kinds. */
export interface ValuationInputs {
  /** The version in force of each code the lines name (codes not in the catalogue are absent). */
  readonly unitCosts: ReadonlyMap<string, UnitCostAdded>;
  /** The kind of each registered agency the valuation may credit (the pot's partners at least). */
  readonly agencyKinds: ReadonlyMap<string, Kind>;
}

export interface Valuation {
  readonly benefits: Benefit[];
  readonly lines: OutcomeValuationLine[];
}

export function valueOutcomeLines(
  lines: readonly OutcomeQuantityLine[],
  partners: readonly string[],
  inputs: ValuationInputs,
): Valuation | DomainError {
  const unknown = [...new Set(lines.map((l) => l.unitCostCode))].filter(
    (code) => !inputs.unitCosts.has(code),
  );
  if (unknown.length > 0) {
    return refused(
      'VALIDATION_FAILED',
      `no unit cost with code ${unknown.join(', ')} in the catalogue (GET /v1/unit-costs lists them)`,
      {
        unitCostCodes: unknown,
      },
    );
  }
  // The kinds were read just before deciding; a partner that joined since has no kind here, and
  // deciding without it could credit the wrong agency.
  const unread = partners.filter((agencyId) => !inputs.agencyKinds.has(agencyId));
  if (unread.length > 0) {
    return refused(
      'CONCURRENCY_CONFLICT',
      `the pot's partners changed while the outcome was being valued (${unread.join(', ')}); send it again`,
    );
  }
  const valued: OutcomeValuationLine[] = [];
  for (const line of lines) {
    const entry = inputs.unitCosts.get(line.unitCostCode)!;
    const amount = scaleToPence(parseAmount(entry.amount), line.quantity);
    if (!isValidAmount(formatAmount(amount))) {
      return refused(
        'VALIDATION_FAILED',
        `${line.quantity} × ${entry.amount} (${line.unitCostCode}) comes to ${formatAmount(amount)}, outside what one line may hold (more than £0.00, at most the ledger's largest amount)`,
      );
    }
    const parts = splitLargestRemainder(
      amount,
      entry.split.map((part) => ({
        key: `${part.agencyKind}/${part.cashable}`,
        weight: parseAmount(part.amount),
      })),
    );
    const split: OutcomeValuationLine['split'] = [];
    for (const [index, part] of entry.split.entries()) {
      const agencyId = beneficiaryOf(part.agencyKind, line, partners, inputs.agencyKinds);
      if (typeof agencyId !== 'string') return agencyId;
      split.push({
        agencyKind: part.agencyKind,
        agencyId,
        cashable: part.cashable,
        unitAmount: part.amount,
        amount: formatAmount(parts[index]!.amount),
      });
    }
    valued.push({
      unitCostCode: entry.code,
      version: entry.version,
      priceYear: entry.priceYear,
      unit: entry.unit,
      quantity: line.quantity,
      unitAmount: entry.amount,
      amount: formatAmount(amount),
      split,
    });
  }
  return { benefits: benefitsOf(valued), lines: valued };
}

/**
 * An explicit mapping wins; otherwise the pot's one partner of that kind. None or several is a
 * question only the person recording can answer, so it is refused with the kind named.
 */
function beneficiaryOf(
  kind: Kind,
  line: OutcomeQuantityLine,
  partners: readonly string[],
  agencyKinds: ReadonlyMap<string, Kind>,
): string | DomainError {
  const mapped = line.beneficiaries?.[kind];
  if (mapped !== undefined) return mapped;
  const candidates = partners.filter((agencyId) => agencyKinds.get(agencyId) === kind);
  if (candidates.length === 1) return candidates[0]!;
  const which =
    candidates.length === 0
      ? 'no partner'
      : `${candidates.length} partners (${candidates.join(', ')})`;
  return refused(
    'VALIDATION_FAILED',
    `${line.unitCostCode} has a ${kind} part, and the pot has ${which} of kind ${kind}: say which agency receives it with beneficiaries: {"${kind}": "<agencyId>"}`,
    { unitCostCode: line.unitCostCode, agencyKind: kind, candidates },
  );
}

/** One benefit per (agency, cashable), in agency id order, cashable first; zero parts left out. */
function benefitsOf(lines: readonly OutcomeValuationLine[]): Benefit[] {
  const totals = new Map<string, { agencyId: string; cashable: boolean; amount: Money }>();
  for (const line of lines) {
    for (const part of line.split) {
      const key = `${part.agencyId}\u0000${part.cashable}`;
      const existing = totals.get(key);
      if (existing === undefined)
        totals.set(key, {
          agencyId: part.agencyId,
          cashable: part.cashable,
          amount: money(part.amount),
        });
      else existing.amount = existing.amount.plus(money(part.amount));
    }
  }
  return [...totals.values()]
    .filter((b) => b.amount.gt(ZERO))
    .sort((a, b) =>
      a.agencyId < b.agencyId
        ? -1
        : a.agencyId > b.agencyId
          ? 1
          : Number(b.cashable) - Number(a.cashable),
    )
    .map((b) => ({ agencyId: b.agencyId, amount: formatAmount(b.amount), cashable: b.cashable }));
}
