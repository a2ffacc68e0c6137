/**
 * A partner's journal (docs/pooled-fund-year.md, "Partner journals"): for one partner and
 * financial year, the lines it posts in its own ledger, mapped to its own cost centres and
 * account codes by the journal mapping it keeps in the ledger.
 *
 * Every figure comes from the partner's line of the memorandum account (and, for the split of
 * the settlement by scheme, from the settlement the memorandum read), so the journal and the
 * memorandum agree by construction. Convention, from the partner's point of view; a line whose
 * amount is negative goes to the other side:
 *
 *   contribution   Cr  cash paid into the pool                     = contributions
 *   riskSharePaid  Cr  cash paid to settle a risk-share debt        = riskSharePaid
 *   returned       Dr  cash the pool gave back                      = returned
 *   expenditure    Dr  per scheme, its share before the settlement  = funding − shared + released
 *   deficitShare   Dr  its share of the overspends (a cost)         = shareOfDeficit
 *   surplusShare   Cr  its share of the underspends released        = shareOfSurplus
 *   owedToPot      Cr  the year's change in its risk-share debt     = shareOfDeficit − riskSharePaid
 *   poolBalance    Dr  the year's change in what the pot holds for it (the debtor, owedByPot):
 *                      closingBalance − openingBalance + shareOfDeficit − riskSharePaid
 *
 * expenditure + deficitShare − surplusShare = shareOfExpenditure, and the lines balance:
 * Σ debit = Σ credit (checked here; a property proves it over random years).
 */
import { formatAmount, money, sum, ZERO, type Money } from '../events/money.ts';
import type { JournalAccount, JournalLineType } from '../events/journalMapping.ts';
import { compareIds } from './ordering.ts';
import type { JournalMappingView, PoolYearPot, PoolYearState } from './poolYear.ts';
import {
  memorandumAccount,
  type MemorandumAccount,
  type MemorandumPartnerLine,
} from './poolYearMemorandum.ts';

export interface JournalLine {
  readonly lineType: JournalLineType;
  /** On an expenditure line: the scheme (intervention) it is the partner's share of. */
  readonly schemeId?: string;
  readonly description: string;
  readonly costCentre: string;
  readonly accountCode: string;
  readonly debit: string;
  readonly credit: string;
}

export interface PartnerJournal {
  readonly potId: string;
  readonly agencyId: string;
  readonly financialYear: string;
  readonly settled: boolean;
  /** False: the agency has no journal mapping, and every line's account code is its line type. */
  readonly mapped: boolean;
  readonly mappingVersion: number | null;
  readonly mappingEventId: string | null;
  /** Line types of these lines that the mapping leaves out (every one without a mapping): coded by their line type. */
  readonly unmappedLineTypes: readonly JournalLineType[];
  readonly note: string | null;
  readonly lines: readonly JournalLine[];
  readonly totals: { readonly debit: string; readonly credit: string };
  /** The memorandum account's line for the partner, which the journal posts. */
  readonly memorandum: MemorandumPartnerLine;
}

export type PartnerJournalAnswer =
  | { readonly kind: 'journal'; readonly journal: PartnerJournal }
  | { readonly kind: 'no-pot' }
  | { readonly kind: 'not-a-partner' };

const LABELS: Record<JournalLineType, string> = {
  contribution: 'Contributions to the pooled fund',
  expenditure: 'Share of pooled fund expenditure',
  deficitShare: 'Share of pooled fund deficit (risk share)',
  surplusShare: 'Share of pooled fund surplus',
  returned: 'Returned from the pooled fund',
  riskSharePaid: 'Risk-share payments to the pooled fund',
  owedToPot: 'Risk-share debt to the pooled fund',
  poolBalance: 'Balance held in the pooled fund',
};

const NATURAL_SIDE: Record<JournalLineType, 'debit' | 'credit'> = {
  contribution: 'credit',
  expenditure: 'debit',
  deficitShare: 'debit',
  surplusShare: 'credit',
  returned: 'debit',
  riskSharePaid: 'credit',
  owedToPot: 'credit',
  poolBalance: 'debit',
};

export const UNMAPPED_NOTE =
  'This partner has no journal mapping: each line is coded by its line type. An admin or its finance officer records one with POST /v1/pots/:potId/journal-mappings/:agencyId.';

/** An agency's journal mappings in the books read, the last in force; null: no such pot; 'not-a-partner'. */
export function journalMappingOf(
  state: PoolYearState,
  potId: string,
  agencyId: string,
):
  | { current: JournalMappingView | null; versions: readonly JournalMappingView[] }
  | 'not-a-partner'
  | null {
  const pot = state.pots.get(potId);
  if (pot === undefined) return null;
  if (!pot.partners.includes(agencyId)) return 'not-a-partner';
  const versions = pot.journalMappings.get(agencyId) ?? [];
  return { current: versions.at(-1) ?? null, versions };
}

export function partnerJournal(
  state: PoolYearState,
  potId: string,
  agencyId: string,
  financialYear: string,
): PartnerJournalAnswer {
  const pot = state.pots.get(potId);
  const account = memorandumAccount(state, potId, financialYear);
  if (pot === undefined || account === null) return { kind: 'no-pot' };
  if (!pot.partners.includes(agencyId)) return { kind: 'not-a-partner' };
  const m = account.partners.find((p) => p.agencyId === agencyId)!;
  const mapping = pot.journalMappings.get(agencyId)?.at(-1) ?? null;
  const unmapped = new Set<JournalLineType>();
  const accountOf = (lineType: JournalLineType): JournalAccount => {
    const mapped = mapping?.lines[lineType];
    if (mapped !== undefined) return mapped;
    unmapped.add(lineType);
    return { costCentre: '', accountCode: lineType };
  };
  const lines: JournalLine[] = [];
  let debits = ZERO;
  let credits = ZERO;
  const post = (
    lineType: JournalLineType,
    amount: Money,
    scheme?: { id: string; name: string },
  ) => {
    if (amount.isZero()) return;
    const { costCentre, accountCode, description } = accountOf(lineType);
    const label = description ?? LABELS[lineType];
    const debitSide = (NATURAL_SIDE[lineType] === 'debit') !== amount.isNegative();
    const size = amount.abs();
    if (debitSide) debits = debits.plus(size);
    else credits = credits.plus(size);
    lines.push({
      lineType,
      ...(scheme === undefined ? {} : { schemeId: scheme.id }),
      description: scheme === undefined ? label : `${label}: ${scheme.name}`,
      costCentre,
      accountCode,
      debit: formatAmount(debitSide ? size : ZERO),
      credit: formatAmount(debitSide ? ZERO : size),
    });
  };

  const deficit = money(m.shareOfDeficit);
  const surplus = money(m.shareOfSurplus);
  const riskSharePaid = money(m.riskSharePaid);
  post('contribution', money(m.contributions));
  for (const scheme of schemeExpenditure(pot, account, agencyId, financialYear))
    post('expenditure', scheme.amount, scheme);
  post('deficitShare', deficit);
  post('surplusShare', surplus);
  post('returned', money(m.returned));
  post('riskSharePaid', riskSharePaid);
  post('owedToPot', deficit.minus(riskSharePaid));
  post(
    'poolBalance',
    money(m.closingBalance).minus(money(m.openingBalance)).plus(deficit).minus(riskSharePaid),
  );
  if (!debits.equals(credits))
    throw new Error(
      `invariant: journal of ${agencyId} in pot ${potId} for ${financialYear} does not balance: debits ${formatAmount(debits)}, credits ${formatAmount(credits)}`,
    );
  const unmappedLineTypes = [...unmapped].sort(compareIds);
  return {
    kind: 'journal',
    journal: {
      potId,
      agencyId,
      financialYear,
      settled: account.settled,
      mapped: mapping !== null,
      mappingVersion: mapping?.version ?? null,
      mappingEventId: mapping?.eventId ?? null,
      unmappedLineTypes,
      note:
        mapping === null
          ? UNMAPPED_NOTE
          : unmappedLineTypes.length > 0
            ? `The journal mapping (version ${mapping.version}) leaves out ${unmappedLineTypes.join(', ')}: those lines are coded by their line type.`
            : null,
      lines,
      totals: { debit: formatAmount(debits), credit: formatAmount(credits) },
      memorandum: m,
    },
  };
}

/**
 * The partner's expenditure by scheme before the settlement's risk share: its share of the
 * scheme's expenditure in the memorandum, less what the settlement shared to it, plus what it
 * released to it (those two are the deficit and surplus lines).
 */
function schemeExpenditure(
  pot: PoolYearPot,
  account: MemorandumAccount,
  agencyId: string,
  financialYear: string,
): { id: string; name: string; amount: Money }[] {
  const amounts = new Map<string, Money>();
  const add = (id: string, amount: Money) =>
    amounts.set(id, (amounts.get(id) ?? ZERO).plus(amount));
  for (const scheme of account.expenditureByScheme)
    for (const f of scheme.funding)
      if (f.agencyId === agencyId) add(scheme.interventionId, money(f.amount));
  const settlement = pot.years.get(financialYear)?.settlement ?? null;
  for (const s of settlement?.data.schemes ?? []) {
    const mine = (lines: readonly { agencyId: string; amount: string }[]) =>
      sum(lines.filter((l) => l.agencyId === agencyId).map((l) => money(l.amount)));
    add(s.interventionId, mine(s.released).minus(mine(s.shared)));
  }
  return [...amounts.keys()].sort(compareIds).map((id) => ({
    id,
    name: pot.interventions.get(id)?.name ?? id,
    amount: amounts.get(id)!,
  }));
}
