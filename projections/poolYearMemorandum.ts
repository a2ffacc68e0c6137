/**
 * The memorandum account (docs/pooled-fund-year.md): the pooled budget note each partner puts in
 * its own accounts for a financial year, from the poolYear books.
 *
 * A partner's balance in the pot is its stake, plus what it funded and is not yet spent, less
 * what it owes the pot (its risk-share debt). Over a year that balance moves by exactly:
 *
 *   closing = opening + contributions − share of expenditure − returned + risk-share paid
 *
 * (an allocation only moves money from the stake to a scheme's funding; a settlement's release,
 * cover and share only move it between stake, funding and debt; so neither appears). The pot's
 * own cash moves by: contributions + risk-share paid − expenditure − returns. Each partner's
 * share of a scheme's expenditure is a split of that expenditure, so the two ways agree when,
 * and only when, every split sums to its whole: the reconciliation checks the books, it is not
 * a restatement of one sum. Openings are the previous years' closings reached the same way, from
 * the pot's first entry, so both ways agree in every year.
 *
 * Share of expenditure, per scheme and year: in a year that does not track spend, the
 * allocation shares (an allocation counts as money spent). In a settled year, the settlement's
 * funding of the year after it: fundingOfYear − released + covered + shared (equal to the spend,
 * by the settlement's invariant). Before settlement, the spend split by the partners' net
 * funding of the year (largest remainder, ties by agency id); with no funding, it falls to the
 * host, as a remainder nobody can take does in a settlement.
 *
 * share of surplus = the settlement's `released`, share of deficit = its `shared` (both already
 * inside the share of expenditure; shown because a partner's note discloses them). owedToPot =
 * risk-share debts of settled years up to 31 March less risk-share paid by then; owedByPot = the
 * closing balance plus owedToPot (the stake and unspent funding the pot holds for the partner);
 * carriedForward = the stake at 31 March.
 */
import type { Money } from '../events/money.ts';
import { formatAmount, fromPence, money, splitByWeights, sum, ZERO } from '../events/money.ts';
import type { SettledScheme } from '../events/poolYear.ts';
import { compareIds } from './ordering.ts';
import { tracksSpendIn, type PoolYearPot, type YearBooks } from './poolYear.ts';

export interface MemorandumPartnerLine {
  readonly agencyId: string;
  readonly openingBalance: string;
  readonly contributions: string;
  readonly shareOfExpenditure: string;
  readonly shareOfDeficit: string;
  readonly shareOfSurplus: string;
  readonly returned: string;
  readonly riskSharePaid: string;
  readonly owedByPot: string;
  readonly owedToPot: string;
  readonly closingBalance: string;
  readonly carriedForward: string;
}

export interface MemorandumAccount {
  readonly potId: string;
  readonly financialYear: string;
  readonly settled: boolean;
  readonly settlementEventId: string | null;
  readonly hostAgencyId: string;
  /** Whether the year counts spend against budgets (else an allocation counts as spent). */
  readonly spendTracking: boolean;
  readonly partners: readonly MemorandumPartnerLine[];
  readonly expenditureByScheme: readonly {
    readonly interventionId: string;
    readonly name: string;
    readonly spent: string;
    readonly funding: readonly { readonly agencyId: string; readonly amount: string }[];
  }[];
  readonly totals: {
    readonly openingBalance: string;
    readonly contributions: string;
    readonly expenditure: string;
    readonly shareOfDeficit: string;
    readonly shareOfSurplus: string;
    readonly returned: string;
    readonly riskSharePaid: string;
    readonly closingBalance: string;
  };
  readonly reconciliation: {
    readonly openingBalanceFromPot: string;
    readonly closingBalanceFromPartners: string;
    readonly closingBalanceFromPot: string;
    readonly agrees: boolean;
  };
}

/** One partner's movements in one year. */
interface PartnerMoves {
  contributions: Money;
  shareOfExpenditure: Money;
  shareOfDeficit: Money;
  shareOfSurplus: Money;
  returned: Money;
  riskSharePaid: Money;
  /** The stake's movements: contributions less returns, allocation shares out, released in, covered out. */
  stakeMoves: Money;
}

interface SchemeExpenditure {
  readonly interventionId: string;
  readonly spent: Money;
  readonly funding: Map<string, Money>;
}

/** One year: every partner's movements, each scheme's expenditure and its split, the pot's totals. */
interface YearMoves {
  readonly partners: Map<string, PartnerMoves>;
  readonly schemes: SchemeExpenditure[];
  readonly expenditure: Money;
  readonly cashIn: Money;
  readonly cashOut: Money;
}

const noMoves = (): PartnerMoves => ({
  contributions: ZERO,
  shareOfExpenditure: ZERO,
  shareOfDeficit: ZERO,
  shareOfSurplus: ZERO,
  returned: ZERO,
  riskSharePaid: ZERO,
  stakeMoves: ZERO,
});

function movesOf(moves: Map<string, PartnerMoves>, agencyId: string): PartnerMoves {
  let m = moves.get(agencyId);
  if (m === undefined) {
    m = noMoves();
    moves.set(agencyId, m);
  }
  return m;
}

function linesTotal(
  lines: readonly { agencyId: string; amount: string }[],
  agencyId: string,
): Money {
  return sum(lines.filter((l) => l.agencyId === agencyId).map((l) => money(l.amount)));
}

/** A scheme's expenditure in a year, split by partner (module comment). */
function splitScheme(
  pot: PoolYearPot,
  year: YearBooks,
  interventionId: string,
  tracked: boolean,
): SchemeExpenditure {
  // The books keep whole pence; the split by funding shares is done in Decimal, as before.
  const books = year.schemes.get(interventionId)!;
  const fundingOfYear = schemeFunding(books.funding);
  if (!tracked)
    return { interventionId, spent: fromPence(books.budget), funding: new Map(fundingOfYear) };
  const spent = fromPence(books.spent);
  const settled = year.settlement?.data.schemes.find((s) => s.interventionId === interventionId);
  if (settled !== undefined) return { interventionId, spent, funding: fundingAfter(settled) };
  const weights = [...fundingOfYear.entries()]
    .filter(([, amount]) => amount.gt(0))
    .sort(([a], [b]) => compareIds(a, b))
    .map(([key, weight]) => ({ key, weight }));
  const funding = new Map<string, Money>();
  if (spent.isZero()) return { interventionId, spent, funding };
  if (weights.length === 0) funding.set(pot.hostAgencyId, spent);
  else for (const part of splitByWeights(spent, weights)) funding.set(part.key, part.amount);
  return { interventionId, spent, funding };
}

function schemeFunding(funding: ReadonlyMap<string, bigint>): Map<string, Money> {
  return new Map([...funding].map(([agencyId, pence]) => [agencyId, fromPence(pence)]));
}

/** A settled scheme's funding of the year after settlement: fundingOfYear − released + covered + shared. */
function fundingAfter(settled: SettledScheme): Map<string, Money> {
  const funding = new Map<string, Money>();
  const add = (agencyId: string, amount: Money) =>
    funding.set(agencyId, (funding.get(agencyId) ?? ZERO).plus(amount));
  for (const line of settled.fundingOfYear) add(line.agencyId, money(line.amount));
  for (const line of settled.released) add(line.agencyId, money(line.amount).negated());
  for (const line of [...settled.covered, ...settled.shared])
    add(line.agencyId, money(line.amount));
  return funding;
}

function yearMoves(pot: PoolYearPot, financialYear: string, year: YearBooks): YearMoves {
  const tracked = tracksSpendIn(pot, financialYear);
  const partners = new Map<string, PartnerMoves>();
  let cashIn = ZERO;
  let cashOut = ZERO;
  for (const [agencyId, p] of year.partners) {
    const m = movesOf(partners, agencyId);
    m.contributions = fromPence(p.contributions);
    m.riskSharePaid = fromPence(p.riskSharePaid);
    m.returned = fromPence(p.returned);
    m.stakeMoves = fromPence(p.contributions - p.returned);
    cashIn = cashIn.plus(m.contributions).plus(m.riskSharePaid);
    cashOut = cashOut.plus(m.returned);
  }
  const schemes = [...year.schemes.keys()]
    .sort(compareIds)
    .map((id) => splitScheme(pot, year, id, tracked));
  for (const scheme of schemes) {
    for (const [agencyId, amount] of scheme.funding) {
      const m = movesOf(partners, agencyId);
      m.shareOfExpenditure = m.shareOfExpenditure.plus(amount);
    }
    for (const [agencyId, amount] of year.schemes.get(scheme.interventionId)!.funding) {
      const m = movesOf(partners, agencyId);
      m.stakeMoves = m.stakeMoves.minus(fromPence(amount));
    }
  }
  for (const settled of year.settlement?.data.schemes ?? []) {
    for (const agencyId of new Set(
      [...settled.released, ...settled.covered, ...settled.shared].map((l) => l.agencyId),
    )) {
      const m = movesOf(partners, agencyId);
      const released = linesTotal(settled.released, agencyId);
      m.shareOfSurplus = m.shareOfSurplus.plus(released);
      m.shareOfDeficit = m.shareOfDeficit.plus(linesTotal(settled.shared, agencyId));
      m.stakeMoves = m.stakeMoves.plus(released).minus(linesTotal(settled.covered, agencyId));
    }
  }
  const expenditure = sum(schemes.map((s) => s.spent));
  return { partners, schemes, expenditure, cashIn, cashOut: cashOut.plus(expenditure) };
}

interface Running {
  balance: Money;
  stake: Money;
  owedToPot: Money;
}

/** GET …/memorandum: the year's memorandum account. Null: no such pot. */
export function memorandumAccount(
  state: { readonly pots: Map<string, PoolYearPot> },
  potId: string,
  financialYear: string,
): MemorandumAccount | null {
  const pot = state.pots.get(potId);
  if (pot === undefined) return null;
  const running = new Map<string, Running>();
  const runningOf = (agencyId: string): Running => {
    let r = running.get(agencyId);
    if (r === undefined) {
      r = { balance: ZERO, stake: ZERO, owedToPot: ZERO };
      running.set(agencyId, r);
    }
    return r;
  };
  for (const agencyId of pot.partners) runningOf(agencyId);
  let cash = ZERO;
  let current: YearMoves | null = null;
  const opening = new Map<string, Money>();
  let openingCash = ZERO;
  const years = [...pot.years.keys()].filter((y) => y <= financialYear).sort(compareIds);
  for (const y of years) {
    const moves = yearMoves(pot, y, pot.years.get(y)!);
    if (y === financialYear) {
      current = moves;
      for (const [agencyId, r] of running) opening.set(agencyId, r.balance);
      openingCash = cash;
    }
    for (const [agencyId, m] of moves.partners) {
      const r = runningOf(agencyId);
      r.balance = r.balance
        .plus(m.contributions)
        .minus(m.shareOfExpenditure)
        .minus(m.returned)
        .plus(m.riskSharePaid);
      r.stake = r.stake.plus(m.stakeMoves);
      r.owedToPot = r.owedToPot.plus(m.shareOfDeficit).minus(m.riskSharePaid);
    }
    cash = cash.plus(moves.cashIn).minus(moves.cashOut);
  }
  if (current === null) openingCash = cash;
  return present(pot, financialYear, running, opening, current, openingCash, cash);
}

function present(
  pot: PoolYearPot,
  financialYear: string,
  running: Map<string, Running>,
  opening: Map<string, Money>,
  current: YearMoves | null,
  openingCash: Money,
  closingCash: Money,
): MemorandumAccount {
  const settlement = pot.years.get(financialYear)?.settlement ?? null;
  const partners = [...running.keys()].sort(compareIds).map((agencyId) => {
    const r = running.get(agencyId)!;
    const m = current?.partners.get(agencyId) ?? noMoves();
    return {
      agencyId,
      opening: opening.get(agencyId) ?? (current === null ? r.balance : ZERO),
      m,
      r,
    };
  });
  const total = (pick: (p: (typeof partners)[number]) => Money) => sum(partners.map(pick));
  const fromPartners = total((p) => p.r.balance);
  return {
    potId: pot.potId,
    financialYear,
    settled: settlement !== null,
    settlementEventId: settlement?.eventId ?? null,
    hostAgencyId: pot.hostAgencyId,
    spendTracking: tracksSpendIn(pot, financialYear),
    partners: partners.map(({ agencyId, opening: o, m, r }) => ({
      agencyId,
      openingBalance: formatAmount(o),
      contributions: formatAmount(m.contributions),
      shareOfExpenditure: formatAmount(m.shareOfExpenditure),
      shareOfDeficit: formatAmount(m.shareOfDeficit),
      shareOfSurplus: formatAmount(m.shareOfSurplus),
      returned: formatAmount(m.returned),
      riskSharePaid: formatAmount(m.riskSharePaid),
      owedByPot: formatAmount(r.balance.plus(r.owedToPot)),
      owedToPot: formatAmount(r.owedToPot),
      closingBalance: formatAmount(r.balance),
      carriedForward: formatAmount(r.stake),
    })),
    expenditureByScheme: (current?.schemes ?? [])
      .filter((s) => !s.spent.isZero() || [...s.funding.values()].some((a) => !a.isZero()))
      .map((s) => ({
        interventionId: s.interventionId,
        name: pot.interventions.get(s.interventionId)?.name ?? s.interventionId,
        spent: formatAmount(s.spent),
        funding: [...s.funding.entries()]
          .sort(([a], [b]) => compareIds(a, b))
          .map(([agencyId, amount]) => ({ agencyId, amount: formatAmount(amount) })),
      })),
    totals: {
      openingBalance: formatAmount(total((p) => p.opening)),
      contributions: formatAmount(total((p) => p.m.contributions)),
      expenditure: formatAmount(current?.expenditure ?? ZERO),
      shareOfDeficit: formatAmount(total((p) => p.m.shareOfDeficit)),
      shareOfSurplus: formatAmount(total((p) => p.m.shareOfSurplus)),
      returned: formatAmount(total((p) => p.m.returned)),
      riskSharePaid: formatAmount(total((p) => p.m.riskSharePaid)),
      closingBalance: formatAmount(fromPartners),
    },
    reconciliation: {
      openingBalanceFromPot: formatAmount(openingCash),
      closingBalanceFromPartners: formatAmount(fromPartners),
      closingBalanceFromPot: formatAmount(closingCash),
      agrees: fromPartners.equals(closingCash),
    },
  };
}
