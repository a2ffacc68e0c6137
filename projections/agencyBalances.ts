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
import {
  formatPence,
  formatPoundsFromPence,
  parsePence,
  sumPence,
  type Pence,
} from '../events/money.ts';
import type { Benefit, BenefitFlow, FundingShare } from '../events/pot.ts';
import { compareIds } from './ordering.ts';
import type { Projection } from './projection.ts';

/** Running totals of one agency in one pot; everything else is derived from them. */
interface PotFigures {
  contributed: Pence;
  drawn: Pence;
  /** Unallocated stake given back when the pot closed, or by a settlement under `return`. */
  returned: Pence;
  /** Risk-share debts the pot's settlements put on it (owedByPartners). */
  riskShareOwed: Pence;
  /** Risk-share payments, net of reversals. */
  riskSharePaid: Pence;
  benefitsCashable: Pence;
  benefitsNonCashable: Pence;
  producedForOthers: Pence;
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
type Direction = 1n | -1n;

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
        const amount = parsePence(event.data.amount);
        const signed = event.type === 'ContributionReceived' ? amount : -amount;
        if (event.data.riskShareFor !== undefined) figures.riskSharePaid += signed;
        else figures.contributed += signed;
        return state;
      }
      case 'FundsAllocated':
        applyShares(state, event.data.potId, event.data.fundingShares, 1n);
        return state;
      case 'AllocationReversed':
        applyShares(state, event.data.potId, event.data.fundingShares, -1n);
        return state;
      case 'OutcomeRecorded':
        applyOutcome(state, event.data.potId, event.data.benefits, event.data.flows, 1n);
        return state;
      case 'OutcomeRetracted':
        applyOutcome(state, event.data.potId, event.data.benefits, event.data.flows, -1n);
        return state;
      case 'PotClosed':
        for (const returned of event.data.returns) {
          const figures = figuresOf(state, returned.agencyId, event.data.potId);
          figures.returned += parsePence(returned.amount);
        }
        return state;
      case 'FinancialYearSettled': {
        const d = event.data;
        for (const scheme of d.schemes) {
          for (const line of scheme.released) {
            const figures = figuresOf(state, line.agencyId, d.potId);
            figures.drawn -= parsePence(line.amount);
          }
          for (const line of scheme.covered) {
            const figures = figuresOf(state, line.agencyId, d.potId);
            figures.drawn += parsePence(line.amount);
          }
        }
        for (const owed of d.owedByPartners) {
          const figures = figuresOf(state, owed.agencyId, d.potId);
          figures.riskShareOwed += parsePence(owed.amount);
        }
        for (const returned of d.returns) {
          const figures = figuresOf(state, returned.agencyId, d.potId);
          figures.returned += parsePence(returned.amount);
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
      contributed: 0n,
      drawn: 0n,
      returned: 0n,
      riskShareOwed: 0n,
      riskSharePaid: 0n,
      benefitsCashable: 0n,
      benefitsNonCashable: 0n,
      producedForOthers: 0n,
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
    figures.drawn += parsePence(share.amount) * direction;
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
    const amount = parsePence(benefit.amount) * direction;
    if (benefit.cashable) figures.benefitsCashable += amount;
    else figures.benefitsNonCashable += amount;
  }
  // A flow to the investor's own budget is a return, not a benefit it produced for others.
  for (const flow of flows) {
    if (flow.fromAgencyId === flow.toAgencyId) continue;
    const figures = figuresOf(state, flow.fromAgencyId, potId);
    figures.producedForOthers += parsePence(flow.amount) * direction;
  }
}

/**
 * Why a net fiscal position below zero is not (yet) a loss: it counts every pound put in, and
 * while part of it sits unspent in the pot as the agency's stake, that part can still be spent
 * on outcomes or given back.
 */
export function netFiscalPositionNote(
  putIn: Pence,
  stake: Pence,
  onMoneySpent: Pence,
): string | null {
  if (stake === 0n) return null;
  return (
    `${formatPoundsFromPence(stake)} of the ${formatPoundsFromPence(putIn)} put in is still unspent in the pot: ` +
    `it is not lost. Counting only the money spent so far, the net fiscal position is ${formatPoundsFromPence(onMoneySpent)}.`
  );
}

function toBalances(figures: readonly PotFigures[]): Balances {
  const contributed = sumPence(figures.map((f) => f.contributed));
  const drawn = sumPence(figures.map((f) => f.drawn));
  const returned = sumPence(figures.map((f) => f.returned));
  // Money a closed pot gave back was never spent: it does not count against the agency.
  const netContributed = contributed - returned;
  const riskSharePaid = sumPence(figures.map((f) => f.riskSharePaid));
  const riskShareOwed = sumPence(figures.map((f) => f.riskShareOwed));
  // What the agency put in: its stake money net of returns, and its risk-share payments.
  const putIn = netContributed + riskSharePaid;
  const cashable = sumPence(figures.map((f) => f.benefitsCashable));
  const nonCashable = sumPence(figures.map((f) => f.benefitsNonCashable));
  const received = cashable + nonCashable;
  const stake = netContributed - drawn;
  return {
    contributed: formatPence(contributed),
    drawn: formatPence(drawn),
    returned: formatPence(returned),
    stake: formatPence(stake),
    benefitsReceived: formatPence(received),
    benefitsReceivedCashable: formatPence(cashable),
    benefitsReceivedNonCashable: formatPence(nonCashable),
    benefitsProducedForOthers: formatPence(sumPence(figures.map((f) => f.producedForOthers))),
    netFiscalPosition: formatPence(received - putIn),
    netFiscalPositionOnMoneySpent: formatPence(received - putIn + stake),
    netFiscalPositionNote: netFiscalPositionNote(putIn, stake, received - putIn + stake),
    // Only once the agency has had a risk-share debt: other balances answer as they always have.
    ...(riskShareOwed === 0n && riskSharePaid === 0n
      ? {}
      : { riskShareOwed: formatPence(riskShareOwed), riskSharePaid: formatPence(riskSharePaid) }),
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
