/**
 * Agency balances: for one agency, in each pot and in total, what it paid in, what has been
 * drawn from its stake, and what the pooled spending has given back to its budget and to
 * others' budgets. The figure a finance director asks for first is netFiscalPosition:
 * benefits received less the money the agency put in — its contributions net of what a closed
 * pot (or a settlement under `return`) gave back, plus its risk-share payments — negative while
 * the pot is still investing.
 *
 * A risk-share payment (a contribution with riskShareFor) pays the agency's share of a settled
 * year's overspend: it is not a stake, so it is not in `contributed`, `stake` or `drawn`; it is
 * `riskSharePaid`, and it counts in netFiscalPosition because it is money the agency put in.
 * A settlement moves `drawn`: released underspend back to the stake (−), cover drawn from it
 * (+). Its shares are debts, not draws: `riskShareOwed` (gross; outstanding = owed − paid).
 */
import type { Money } from '../events/money.ts';
import { formatAmount, formatPounds, sum, money, ZERO } from '../events/money.ts';
import type { Benefit, BenefitFlow, FundingShare } from '../events/pot.ts';
import { compareIds } from './ordering.ts';
import type { Projection } from './projection.ts';

/** Running totals of one agency in one pot; everything else is derived from them. */
interface PotFigures {
  contributed: Money;
  drawn: Money;
  /** Unallocated stake given back when the pot closed, or by a settlement under `return`. */
  returned: Money;
  /** Risk-share debts the pot's settlements put on it (owedByPartners). */
  riskShareOwed: Money;
  /** Risk-share payments, net of reversals. */
  riskSharePaid: Money;
  benefitsCashable: Money;
  benefitsNonCashable: Money;
  producedForOthers: Money;
}

export interface AgencyBalancesState {
  /** agencyId → potId → figures. A pot appears once the agency is a partner or has a figure in it. */
  readonly agencies: Map<string, Map<string, PotFigures>>;
}

/**
 * B in the API: 2-dp strings. In the live books only netFiscalPosition can be negative (stakes
 * never go below zero); books read by effective date (asAt) may show a negative stake too, when
 * an allocation is dated before the contribution it drew on (see potSummary.ts).
 */
export interface Balances {
  readonly contributed: string;
  readonly drawn: string;
  readonly returned: string;
  readonly stake: string;
  readonly benefitsReceived: string;
  readonly benefitsReceivedCashable: string;
  readonly benefitsReceivedNonCashable: string;
  readonly benefitsProducedForOthers: string;
  /** benefitsReceived − (contributed − returned + riskSharePaid). */
  readonly netFiscalPosition: string;
  /**
   * The same position counting only the money spent (drawn, and risk-share paid): the stake still
   * unspent in the pot is the agency's money, not a loss. netFiscalPosition + stake.
   */
  readonly netFiscalPositionOnMoneySpent: string;
  /** Says so in words when part of the money is still unspent; null when the stake is zero. */
  readonly netFiscalPositionNote: string | null;
  /** Present once the agency has had a risk-share debt (a pooled-fund settlement). */
  readonly riskShareOwed?: string;
  readonly riskSharePaid?: string;
}

export interface AgencyBalancesView {
  readonly agencyId: string;
  readonly total: Balances;
  readonly pots: ReadonlyArray<{ readonly potId: string } & Balances>;
}

/** +1 when an event adds to the books, −1 when its reversal takes the same figures back out. */
type Direction = 1 | -1;

export const agencyBalancesProjection: Projection<AgencyBalancesState> = {
  name: 'agencyBalances',
  initialState: () => ({ agencies: new Map() }),
  evolve(state, event) {
    switch (event.type) {
      case 'PotOpened':
        for (const agencyId of event.data.partnerAgencyIds)
          figuresOf(state, agencyId, event.data.potId);
        return state;
      case 'PartnerJoined':
        figuresOf(state, event.data.agencyId, event.data.potId);
        return state;
      case 'ContributionReceived':
      case 'ContributionReversed': {
        const figures = figuresOf(state, event.data.agencyId, event.data.potId);
        const amount = money(event.data.amount);
        if (event.data.riskShareFor !== undefined) {
          figures.riskSharePaid =
            event.type === 'ContributionReceived'
              ? figures.riskSharePaid.plus(amount)
              : figures.riskSharePaid.minus(amount);
          return state;
        }
        figures.contributed =
          event.type === 'ContributionReceived'
            ? figures.contributed.plus(amount)
            : figures.contributed.minus(amount);
        return state;
      }
      case 'FundsAllocated':
        applyShares(state, event.data.potId, event.data.fundingShares, 1);
        return state;
      case 'AllocationReversed':
        applyShares(state, event.data.potId, event.data.fundingShares, -1);
        return state;
      case 'OutcomeRecorded':
        applyOutcome(state, event.data.potId, event.data.benefits, event.data.flows, 1);
        return state;
      case 'OutcomeRetracted':
        applyOutcome(state, event.data.potId, event.data.benefits, event.data.flows, -1);
        return state;
      case 'PotClosed':
        for (const returned of event.data.returns) {
          const figures = figuresOf(state, returned.agencyId, event.data.potId);
          figures.returned = figures.returned.plus(money(returned.amount));
        }
        return state;
      case 'FinancialYearSettled': {
        const d = event.data;
        for (const scheme of d.schemes) {
          for (const line of scheme.released) {
            const figures = figuresOf(state, line.agencyId, d.potId);
            figures.drawn = figures.drawn.minus(money(line.amount));
          }
          for (const line of scheme.covered) {
            const figures = figuresOf(state, line.agencyId, d.potId);
            figures.drawn = figures.drawn.plus(money(line.amount));
          }
        }
        for (const owed of d.owedByPartners) {
          const figures = figuresOf(state, owed.agencyId, d.potId);
          figures.riskShareOwed = figures.riskShareOwed.plus(money(owed.amount));
        }
        for (const returned of d.returns) {
          const figures = figuresOf(state, returned.agencyId, d.potId);
          figures.returned = figures.returned.plus(money(returned.amount));
        }
        return state;
      }
      default:
        return state;
    }
  },
};

function figuresOf(state: AgencyBalancesState, agencyId: string, potId: string): PotFigures {
  let pots = state.agencies.get(agencyId);
  if (pots === undefined) {
    pots = new Map();
    state.agencies.set(agencyId, pots);
  }
  let figures = pots.get(potId);
  if (figures === undefined) {
    figures = {
      contributed: ZERO,
      drawn: ZERO,
      returned: ZERO,
      riskShareOwed: ZERO,
      riskSharePaid: ZERO,
      benefitsCashable: ZERO,
      benefitsNonCashable: ZERO,
      producedForOthers: ZERO,
    };
    pots.set(potId, figures);
  }
  return figures;
}

function applyShares(
  state: AgencyBalancesState,
  potId: string,
  shares: readonly FundingShare[],
  direction: Direction,
): void {
  for (const share of shares) {
    const figures = figuresOf(state, share.agencyId, potId);
    figures.drawn = figures.drawn.plus(money(share.amount).times(direction));
  }
}

function applyOutcome(
  state: AgencyBalancesState,
  potId: string,
  benefits: readonly Benefit[],
  flows: readonly BenefitFlow[],
  direction: Direction,
): void {
  for (const benefit of benefits) {
    const figures = figuresOf(state, benefit.agencyId, potId);
    const amount = money(benefit.amount).times(direction);
    if (benefit.cashable) figures.benefitsCashable = figures.benefitsCashable.plus(amount);
    else figures.benefitsNonCashable = figures.benefitsNonCashable.plus(amount);
  }
  // A flow to the investor's own budget is a return, not a benefit it produced for others.
  for (const flow of flows) {
    if (flow.fromAgencyId === flow.toAgencyId) continue;
    const figures = figuresOf(state, flow.fromAgencyId, potId);
    figures.producedForOthers = figures.producedForOthers.plus(money(flow.amount).times(direction));
  }
}

/**
 * Why a net fiscal position below zero is not (yet) a loss: it counts every pound put in, and
 * while part of it sits unspent in the pot as the agency's stake, that part can still be spent
 * on outcomes or given back.
 */
export function netFiscalPositionNote(
  putIn: Money,
  stake: Money,
  onMoneySpent: Money,
): string | null {
  if (stake.isZero()) return null;
  return (
    `${formatPounds(stake)} of the ${formatPounds(putIn)} put in is still unspent in the pot: ` +
    `it is not lost. Counting only the money spent so far, the net fiscal position is ${formatPounds(onMoneySpent)}.`
  );
}

function toBalances(figures: readonly PotFigures[]): Balances {
  const contributed = sum(figures.map((f) => f.contributed));
  const drawn = sum(figures.map((f) => f.drawn));
  const returned = sum(figures.map((f) => f.returned));
  // Money a closed pot gave back was never spent: it does not count against the agency.
  const netContributed = contributed.minus(returned);
  const riskSharePaid = sum(figures.map((f) => f.riskSharePaid));
  const riskShareOwed = sum(figures.map((f) => f.riskShareOwed));
  // What the agency put in: its stake money net of returns, and its risk-share payments.
  const putIn = netContributed.plus(riskSharePaid);
  const cashable = sum(figures.map((f) => f.benefitsCashable));
  const nonCashable = sum(figures.map((f) => f.benefitsNonCashable));
  const received = cashable.plus(nonCashable);
  const stake = netContributed.minus(drawn);
  return {
    contributed: formatAmount(contributed),
    drawn: formatAmount(drawn),
    returned: formatAmount(returned),
    stake: formatAmount(stake),
    benefitsReceived: formatAmount(received),
    benefitsReceivedCashable: formatAmount(cashable),
    benefitsReceivedNonCashable: formatAmount(nonCashable),
    benefitsProducedForOthers: formatAmount(sum(figures.map((f) => f.producedForOthers))),
    netFiscalPosition: formatAmount(received.minus(putIn)),
    netFiscalPositionOnMoneySpent: formatAmount(received.minus(putIn).plus(stake)),
    netFiscalPositionNote: netFiscalPositionNote(putIn, stake, received.minus(putIn).plus(stake)),
    // Only once the agency has had a risk-share debt: other balances answer as they always have.
    ...(riskShareOwed.isZero() && riskSharePaid.isZero()
      ? {}
      : { riskShareOwed: formatAmount(riskShareOwed), riskSharePaid: formatAmount(riskSharePaid) }),
  };
}

/**
 * One agency's balances, pots by potId. An agency the ledger knows nothing about gets zero
 * totals and no pots; whether that is a 404 is the caller's decision (see agencyDirectory).
 */
export function agencyBalances(state: AgencyBalancesState, agencyId: string): AgencyBalancesView {
  const pots = state.agencies.get(agencyId) ?? new Map<string, PotFigures>();
  const potIds = [...pots.keys()].sort(compareIds);
  return {
    agencyId,
    total: toBalances([...pots.values()]),
    pots: potIds.map((potId) => ({ potId, ...toBalances([pots.get(potId)!]) })),
  };
}
