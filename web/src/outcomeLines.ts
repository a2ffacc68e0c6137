/**
 * Outcomes by quantity, previewed before they are sent: each line (a unit-cost code and a
 * number of units) valued with the ledger's own rule (commands/valueOutcomeLines.ts): amount =
 * quantity × unit amount, rounded half-up to the penny (events/moneyScaling.ts), split across
 * the entry's parts by largest remainder (events/money.ts), each part going to the pot's one
 * partner of that kind unless the person recording names another. The server values the
 * lines again when they are sent; this is what they will see first.
 */
import { formatAmount, money, parseAmount, splitLargestRemainder } from '../../events/money.ts';
import { scaleToPence } from '../../events/moneyScaling.ts';
import { Quantity } from '../../events/unitCost.ts';

/** A catalogue entry as GET /v1/unit-costs answers it (the fields the form uses). */
export interface UnitCostEntry {
  readonly code: string;
  readonly version: number;
  readonly description: string;
  readonly unit: string;
  readonly amount: string;
  readonly priceYear: string;
  readonly split: readonly {
    agencyKind: string;
    amount: string;
    cashable: boolean;
    label?: string;
  }[];
}

export interface PartnerKind {
  readonly agencyId: string;
  readonly kind: string;
}

export interface QuantityLineInput {
  readonly unitCostCode: string;
  /** As typed: "12", "2.5". */
  readonly quantity: string;
  /** Agency chosen for a kind the pot has no single partner of. */
  readonly beneficiaries: Readonly<Record<string, string>>;
}

export interface PreviewPart {
  readonly agencyKind: string;
  readonly agencyId: string | null;
  readonly cashable: boolean;
  readonly label?: string;
  readonly amount: string;
}

export type LinePreview =
  | {
      readonly ok: true;
      readonly entry: UnitCostEntry;
      readonly quantity: string;
      readonly amount: string;
      readonly parts: readonly PreviewPart[];
    }
  | { readonly ok: false; readonly problem: string };

/** Why a typed quantity would be refused, in words; null when the ledger accepts it. */
export function quantityProblem(typed: string): string | null {
  const text = typed.trim();
  if (text === '') return 'Enter the number of units';
  const parsed = Quantity.safeParse(text);
  if (parsed.success) return null;
  if (!/^\d+(\.\d+)?$/.test(text)) return 'Enter the number of units as a number, like 12 or 2.5';
  if (/\.\d{3,}$/.test(text)) return 'Enter the number of units with at most 2 decimal places';
  if (Number(text) <= 0) return 'The number of units must be more than 0';
  return 'The number of units must be at most 1,000,000';
}

/**
 * Which kinds of an entry need the person recording to say which agency receives the part:
 * those the pot has no partner of, or more than one.
 */
export function kindsToChoose(entry: UnitCostEntry, partners: readonly PartnerKind[]): string[] {
  const kinds = [...new Set(entry.split.map((p) => p.agencyKind))];
  return kinds.filter((kind) => partners.filter((p) => p.kind === kind).length !== 1);
}

/** The agency a part goes to: the one chosen, else the pot's single partner of that kind. */
function beneficiaryOf(
  kind: string,
  line: QuantityLineInput,
  partners: readonly PartnerKind[],
): string | null {
  const chosen = line.beneficiaries[kind];
  if (chosen !== undefined && chosen !== '') return chosen;
  const candidates = partners.filter((p) => p.kind === kind);
  return candidates.length === 1 ? candidates[0]!.agencyId : null;
}

export function previewLine(
  line: QuantityLineInput,
  catalogue: readonly UnitCostEntry[],
  partners: readonly PartnerKind[],
): LinePreview {
  const entry = catalogue.find((e) => e.code === line.unitCostCode);
  if (entry === undefined) return { ok: false, problem: 'Choose a unit cost' };
  const quantity = line.quantity.trim();
  const problem = quantityProblem(quantity);
  if (problem !== null) return { ok: false, problem };
  const amount = scaleToPence(parseAmount(entry.amount), quantity);
  const shares = splitLargestRemainder(
    amount,
    entry.split.map((part) => ({
      key: `${part.agencyKind}/${part.cashable}`,
      weight: parseAmount(part.amount),
    })),
  );
  const parts = entry.split.map((part, index) => ({
    agencyKind: part.agencyKind,
    agencyId: beneficiaryOf(part.agencyKind, line, partners),
    cashable: part.cashable,
    ...(part.label === undefined ? {} : { label: part.label }),
    amount: formatAmount(shares[index]!.amount),
  }));
  return { ok: true, entry, quantity, amount: formatAmount(amount), parts };
}

/** What each agency would receive, cashable and not, over all the lines that could be valued. */
export function previewTotals(
  previews: readonly LinePreview[],
): { agencyId: string; cashable: boolean; amount: string }[] {
  const totals = new Map<string, { agencyId: string; cashable: boolean; pence: bigint }>();
  for (const preview of previews) {
    if (!preview.ok) continue;
    for (const part of preview.parts) {
      if (part.agencyId === null) continue;
      const key = `${part.agencyId}\u0000${part.cashable}`;
      const pence = BigInt(money(part.amount).times(100).toFixed(0));
      const existing = totals.get(key);
      if (existing === undefined) totals.set(key, { ...part, agencyId: part.agencyId, pence });
      else existing.pence += pence;
    }
  }
  return [...totals.values()]
    .filter((t) => t.pence > 0n)
    .sort((a, b) =>
      a.agencyId < b.agencyId
        ? -1
        : a.agencyId > b.agencyId
          ? 1
          : Number(b.cashable) - Number(a.cashable),
    )
    .map((t) => ({
      agencyId: t.agencyId,
      cashable: t.cashable,
      amount: formatAmount(money(t.pence.toString()).dividedBy(100)),
    }));
}
