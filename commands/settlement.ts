/**
 * The year-end settlement's arithmetic (../shared/POOLED-FUND-YEAR.md, "Year-end settlement"):
 * a pure function of plain figures, so the rules can be read, tested and checked by an auditor
 * without a pot. settleFinancialYear.ts gathers the figures from the pot's state and writes
 * what this computes into one FinancialYearSettled, so replay never recomputes it.
 *
 * The five steps, in order: (1) each underspend goes back to the stakes by the scheme's funding
 * of the year; (2) overspends are covered from the stakes, scheme by scheme in ascending id,
 * like an allocation; (3) what remains is shared by the agreement's rule, within any caps, and
 * what nobody can take falls to the host; (4) under `return` every stake is given back; (5) each
 * partner owes the pot its total share. Every split is largest remainder, ties by id ascending.
 *
 * Where the contract is silent: an underspend with no positive funding in the year (a spend
 * reversal dated in the year, with the allocations in an earlier one) goes back to the host's
 * stake; weights name partners only, so a commissioner or a fixed share of a non-partner falls to
 * the others, or to the host.
 */
import type {
  AgencyAmount,
  CommissionerShare,
  FinancialYearSettled,
  OverspendRule,
  SettledScheme,
  UnderspendRule,
} from '../events/poolYear.ts';
import {
  formatAmount,
  money,
  splitLargestRemainder,
  sum,
  ZERO,
  type Money,
} from '../events/money.ts';

export interface AgencyMoney {
  readonly agencyId: string;
  readonly amount: Money;
}

export interface SettlementSchemeInput {
  readonly interventionId: string;
  /** Net allocations dated in the year (may be negative). */
  readonly budget: Money;
  /** Net spend dated in the year (may be negative). */
  readonly spent: Money;
  /** Each partner's net funding of the scheme dated in the year (signed). */
  readonly fundingOfYear: readonly AgencyMoney[];
  /** The scheme's commissioner split; the caller passes the lead agency at 100 by default. */
  readonly commissioner?: readonly CommissionerShare[];
}

export interface SettlementInput {
  readonly financialYear: string;
  readonly hostAgencyId: string;
  readonly partners: readonly string[];
  /** Each partner's unallocated stake now. */
  readonly stakes: readonly AgencyMoney[];
  readonly schemes: readonly SettlementSchemeInput[];
  /** Each partner's net contributions dated in the year (risk-share payments not included). */
  readonly contributionsOfYear: readonly AgencyMoney[];
  readonly overspend: OverspendRule;
  readonly underspend: UnderspendRule;
}

/** Every figure of a FinancialYearSettled but those naming the pot, the date and the agreement. */
export type SettlementFigures = Omit<FinancialYearSettled, 'potId' | 'effectiveDate' | 'agreement'>;

type Parts = Map<string, Money>;

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function computeSettlement(input: SettlementInput): SettlementFigures {
  const stakes: Parts = new Map();
  for (const { agencyId, amount } of input.stakes) addTo(stakes, agencyId, amount);
  const stakesBefore = linesOf(stakes);
  const schemes = input.schemes
    .filter((s) => !s.budget.isZero() || !s.spent.isZero() || s.fundingOfYear.length > 0)
    .sort((a, b) => byId(a.interventionId, b.interventionId));
  const variances = schemes.map((s) => s.budget.minus(s.spent));

  // 1. Release: every underspend first, so the cover below draws on the stakes they refill.
  const released = schemes.map((scheme, i) => {
    const underspend = positive(variances[i]!);
    const parts = underspend.isZero()
      ? new Map<string, Money>()
      : splitOrHost(underspend, positiveWeights(scheme.fundingOfYear), input.hostAgencyId);
    for (const [agencyId, amount] of parts) addTo(stakes, agencyId, amount);
    return parts;
  });

  // 2. Cover, scheme by scheme in ascending id, pro rata to the stakes as they then stand.
  const covered = schemes.map((_, i) => {
    const overspend = positive(variances[i]!.negated());
    if (!input.overspend.coverFromPot || overspend.isZero()) return new Map<string, Money>();
    const parts = drawFromStakes(stakes, smaller(overspend, sum(stakes.values())));
    for (const [agencyId, amount] of parts) addTo(stakes, agencyId, amount.negated());
    return parts;
  });

  // 3. Share what remains by the agreement's rule, within the caps.
  const capLeft = capsOf(input);
  const yearWeights = shareWeightsOf(input);
  const shared = schemes.map((scheme, i) => {
    const rest = positive(variances[i]!.negated()).minus(sum(covered[i]!.values()));
    const weights =
      input.overspend.share === 'commissioner' ? commissionerWeights(input, scheme) : yearWeights;
    return shareOut(rest, weights, capLeft, input.hostAgencyId);
  });

  // 4. Under `return` every stake left after steps 1–3 goes back to its partner.
  const returns = input.underspend === 'return' ? linesOf(stakes) : [];
  if (input.underspend === 'return')
    for (const agencyId of stakes.keys()) stakes.set(agencyId, ZERO);

  // 5. Each partner's total share is its debt to the pot for the year.
  const owed: Parts = new Map();
  for (const { parts } of shared)
    for (const [agencyId, amount] of parts) addTo(owed, agencyId, amount);

  return {
    financialYear: input.financialYear,
    overspend: input.overspend,
    underspend: input.underspend,
    hostAgencyId: input.hostAgencyId,
    shareWeights: shareWeightLines(input, yearWeights),
    stakesBefore,
    schemes: schemes.map((scheme, i) =>
      settledScheme(scheme, variances[i]!, released[i]!, covered[i]!, shared[i]!),
    ),
    returns,
    owedByPartners: linesOf(owed),
    stakesAfter: linesOf(stakes),
  };
}

function settledScheme(
  scheme: SettlementSchemeInput,
  variance: Money,
  released: Parts,
  covered: Parts,
  shared: { parts: Parts; fellToHost: Money },
): SettledScheme {
  return {
    interventionId: scheme.interventionId,
    budget: signed(scheme.budget),
    spent: signed(scheme.spent),
    underspend: formatAmount(positive(variance)),
    overspend: formatAmount(positive(variance.negated())),
    fundingOfYear: [...scheme.fundingOfYear]
      .sort((a, b) => byId(a.agencyId, b.agencyId))
      .map(({ agencyId, amount }) => ({ agencyId, amount: signed(amount) })),
    released: linesOf(released),
    covered: linesOf(covered),
    shared: linesOf(shared.parts),
    fellToHost: formatAmount(shared.fellToHost),
  };
}

/** The year's weights as recorded: amounts for `contributions`, basis points for `fixed`. */
function shareWeightLines(
  input: SettlementInput,
  yearWeights: Parts,
): SettlementFigures['shareWeights'] {
  if (input.overspend.share === 'commissioner') return [];
  return [...yearWeights]
    .sort(([a], [b]) => byId(a, b))
    .map(([agencyId, weight]) => ({
      agencyId,
      weight: input.overspend.share === 'fixed' ? weight.toFixed(0) : formatAmount(weight),
    }));
}

/** Drawn exactly as an allocation draws: pro rata to the positive stakes, ties by id ascending. */
function drawFromStakes(stakes: Parts, amount: Money): Parts {
  if (amount.isZero()) return new Map();
  const weights = [...stakes]
    .filter(([, stake]) => stake.gt(0))
    .sort(([a], [b]) => byId(a, b))
    .map(([key, weight]) => ({ key, weight }));
  const parts = partsOf(splitLargestRemainder(amount, weights));
  for (const [agencyId, part] of parts) {
    if (part.gt(stakes.get(agencyId)!))
      throw new Error(`invariant: settlement cover from ${agencyId} exceeds its stake`);
  }
  return parts;
}

/** Split by the weights; with no positive weight, the whole falls to the host. */
function splitOrHost(total: Money, weights: Parts, hostAgencyId: string): Parts {
  if (weights.size === 0) return new Map([[hostAgencyId, total]]);
  return partsOf(
    splitLargestRemainder(
      total,
      [...weights].sort(([a], [b]) => byId(a, b)).map(([key, weight]) => ({ key, weight })),
    ),
  );
}

/**
 * One scheme's remaining overspend, owed by the partners by their weights. A partner takes no
 * more than its cap leaves; the excess is split again among those still under their caps, until
 * nothing is left or nobody can take more; the rest falls to the host, cap or not.
 */
function shareOut(
  total: Money,
  weights: Parts,
  capLeft: Parts,
  hostAgencyId: string,
): { parts: Parts; fellToHost: Money } {
  const parts: Parts = new Map();
  const underCap = (agencyId: string): boolean => capLeft.get(agencyId)?.gt(0) ?? true;
  let rest = total;
  let open = new Map([...weights].filter(([agencyId]) => underCap(agencyId)));
  // Each round that leaves an excess caps at least one partner, so it ends.
  while (rest.gt(0) && open.size > 0) {
    const split = splitOrHost(rest, open, hostAgencyId);
    rest = ZERO;
    for (const [agencyId, amount] of split) {
      const room = capLeft.get(agencyId);
      const take = room === undefined || amount.lte(room) ? amount : room;
      addTo(parts, agencyId, take);
      if (room !== undefined) capLeft.set(agencyId, room.minus(take));
      rest = rest.plus(amount.minus(take));
    }
    open = new Map([...open].filter(([agencyId]) => underCap(agencyId)));
  }
  if (rest.gt(0)) {
    addTo(parts, hostAgencyId, rest);
    const room = capLeft.get(hostAgencyId);
    if (room !== undefined) capLeft.set(hostAgencyId, positive(room.minus(rest)));
  }
  return { parts, fellToHost: rest };
}

/** `contributions`: positive net contributions of the year; `fixed`: the basis points. */
function shareWeightsOf(input: SettlementInput): Parts {
  const partners = new Set(input.partners);
  if (input.overspend.share === 'contributions') {
    const net: Parts = new Map();
    for (const { agencyId, amount } of input.contributionsOfYear)
      if (partners.has(agencyId)) addTo(net, agencyId, amount);
    return new Map([...net].filter(([, amount]) => amount.gt(0)));
  }
  if (input.overspend.share === 'fixed') {
    return new Map(
      Object.entries(input.overspend.percentages ?? {})
        .filter(([agencyId, points]) => partners.has(agencyId) && points > 0)
        .map(([agencyId, points]) => [agencyId, money(points)]),
    );
  }
  return new Map();
}

function commissionerWeights(input: SettlementInput, scheme: SettlementSchemeInput): Parts {
  const partners = new Set(input.partners);
  const weights: Parts = new Map();
  for (const { agencyId, percent } of scheme.commissioner ?? [])
    if (partners.has(agencyId)) addTo(weights, agencyId, money(percent));
  return new Map([...weights].filter(([, weight]) => weight.gt(0)));
}

/** What each capped partner may still take this year. */
function capsOf(input: SettlementInput): Parts {
  return new Map(
    Object.entries(input.overspend.caps ?? {}).map(([agencyId, cap]) => [agencyId, money(cap)]),
  );
}

function positiveWeights(lines: readonly AgencyMoney[]): Parts {
  const net: Parts = new Map();
  for (const { agencyId, amount } of lines) addTo(net, agencyId, amount);
  return new Map([...net].filter(([, amount]) => amount.gt(0)));
}

function partsOf(split: readonly { key: string; amount: Money }[]): Parts {
  const parts: Parts = new Map();
  for (const { key, amount } of split) if (amount.gt(0)) addTo(parts, key, amount);
  return parts;
}

/** Positive lines in ascending agency id; zero lines are left out (an Amount is positive). */
function linesOf(parts: Parts): AgencyAmount[] {
  return [...parts]
    .filter(([, amount]) => amount.gt(0))
    .sort(([a], [b]) => byId(a, b))
    .map(([agencyId, amount]) => ({ agencyId, amount: formatAmount(amount) }));
}

function addTo(parts: Parts, agencyId: string, amount: Money): void {
  parts.set(agencyId, (parts.get(agencyId) ?? ZERO).plus(amount));
}

function positive(value: Money): Money {
  return value.gt(0) ? value : ZERO;
}

function smaller(a: Money, b: Money): Money {
  return a.lte(b) ? a : b;
}

/** A signed figure, never "-0.00". */
function signed(value: Money): string {
  return value.isZero() ? formatAmount(ZERO) : formatAmount(value);
}
