/**
 * Pot summary: the host partner's memorandum account of the pool (Section 75 style) — what
 * each partner paid in, what has been drawn from its stake, and where the money went.
 *
 * The pot's books must balance after every money event: available (contributed − allocated −
 * returned) equals the sum of partners' unallocated stakes, and no stake is below zero. The deciders
 * guarantee it; this fold asserts it (TigerStyle), so a corrupt or tampered log stops the
 * projection loudly instead of publishing books that do not add up.
 *
 * Books read by effective date (`asAt`, src/books/historicalBooks.ts) fold a filtered history that no
 * live command sequence produced: an allocation dated 1 April that drew on a contribution dated
 * 3 April is in them without the contribution. Such a state says `stakesMayBeNegative`: the
 * negative stake is shown as it is (the truthful figure as at that date), while "available =
 * sum of stakes" still holds and is still asserted, because it does not depend on the order.
 */
import { formatPence, parsePence, sumPence, type Pence } from '../events/money.ts';
import type { FundingShare } from '../events/pot.ts';
import type { Envelope } from '../events/index.ts';
import { compareIds } from './ordering.ts';
import {
  agreedContributionsView,
  emptyAgreedContributions,
  noteAgreement,
  noteContributionReceived,
  noteContributionReversed,
  type AgreedContributionsFigures,
  type AgreedContributionView,
} from './agreedContributions.ts';
import type { Projection } from './projection.ts';

interface PartnerFigures {
  contributed: Pence;
  /** Net of allocations, their reversals and each settlement's cover (+) and released underspend (−). */
  drawn: Pence;
  /** Given back to the partner when the pot closed, or by a settlement under `return`. */
  returned: Pence;
  /** Its risk-share debts from settlements (`owedByPartners`), whatever has been paid since. */
  riskShareOwed: Pence;
  /** Risk-share payments (contributions with riskShareFor) net of their reversals: not stake. */
  riskSharePaid: Pence;
}

const emptyPartner = (): PartnerFigures => ({
  contributed: 0n,
  drawn: 0n,
  returned: 0n,
  riskShareOwed: 0n,
  riskSharePaid: 0n,
});

export interface PendingApprovalView {
  readonly allocationId: string;
  readonly interventionId: string;
  readonly amount: string;
  readonly effectiveDate: string;
  readonly reason: string;
  readonly requestedBy: { readonly sub: string; readonly role: string; readonly agencyId?: string };
  readonly requestedAt: string;
  readonly eventId: string;
}

interface InterventionFigures {
  readonly name: string;
  readonly leadAgencyId: string;
  /** Net funding by every partner, settlement lines included (as the write side's netFundingByAgency). */
  funded: Pence;
  /** Net spend recorded against it (spend less reversed spend), every year. */
  spent: Pence;
  benefits: Pence;
}

interface PotFigures {
  readonly potId: string;
  readonly name: string;
  readonly area: string;
  readonly hostAgencyId: string;
  readonly currency: string;
  readonly openedAt: string;
  /** Position of the last event folded into this pot: the summary is "as at" this point. */
  position: bigint;
  contributed: Pence;
  allocated: Pence;
  returned: Pence;
  riskShareOwed: Pence;
  riskSharePaid: Pence;
  /**
   * The pot has recorded an agreement (the pooled-fund year): only then does its summary carry
   * the pooled-fund fields, so a pot without one answers exactly as it always has.
   */
  pooledFund: boolean;
  /** contributionIds of risk-share payments not yet reversed: a reversal must say what it undoes. */
  readonly riskSharePayments: Set<string>;
  /** Financial years settled (FinancialYearSettled), in the order they were settled. */
  readonly settledFinancialYears: string[];
  status: 'open' | 'closed';
  approvalThreshold: string | null;
  /** Requests waiting for a second person, by allocationId, in the order they were made. */
  readonly pendingApprovals: Map<string, PendingApprovalView>;
  readonly closedFinancialYears: string[];
  /** Map iteration order is insertion order: partners in the order they joined. */
  readonly partners: Map<string, PartnerFigures>;
  /** Interventions in the order they were defined. */
  readonly interventions: Map<string, InterventionFigures>;
  readonly agreedContributions: AgreedContributionsFigures;
}

export interface PotSummaryState {
  readonly pots: Map<string, PotFigures>;
  /** True only for books filtered by effective date; live books stop on a negative stake. */
  readonly stakesMayBeNegative?: boolean;
}

export interface PotPartnerView {
  readonly agencyId: string;
  readonly contributed: string;
  readonly drawn: string;
  /** What the pot's close, or a settlement under `return`, gave back to the partner. */
  readonly returned: string;
  readonly stake: string;
  /** Its risk-share debts from settled years (owedByPartners), gross. Pooled-fund pots only. */
  readonly riskShareOwed?: string;
  /** What it has paid of them (risk-share payments net of reversals); never part of its stake. */
  readonly riskSharePaid?: string;
  /** riskShareOwed − riskSharePaid: what it still owes the pot. */
  readonly riskShareOutstanding?: string;
}

export interface PotInterventionView {
  readonly interventionId: string;
  readonly name: string;
  readonly leadAgencyId: string;
  /**
   * Net amount funding it: allocations less reversed allocations, and after a settlement the
   * released underspend (−), the cover drawn from the stakes (+) and the shares owed by the
   * partners (+). The shares are funding without a stake, so Σ funded = allocated + riskShareOwed.
   */
  readonly funded: string;
  /** Net spend recorded against it; pooled-fund pots (with an agreement) only. */
  readonly spent?: string;
  /** Net benefits recorded on it (outcomes less retracted outcomes). */
  readonly benefits: string;
}

export interface PotSummaryView {
  readonly potId: string;
  readonly name: string;
  readonly area: string;
  readonly hostAgencyId: string;
  readonly status: 'open' | 'closed';
  readonly currency: string;
  readonly contributed: string;
  /** Net of allocations, their reversals and each settlement's cover less its released underspend. */
  readonly allocated: string;
  readonly available: string;
  /** Risk-share debts the settlements put on the partners (funding of schemes without a stake). */
  readonly riskShareOwed?: string;
  /** Risk-share payments received net of reversals: they pay debts and are not in contributed. */
  readonly riskSharePaid?: string;
  readonly riskShareOutstanding?: string;
  readonly settledFinancialYears?: readonly string[];
  readonly partners: readonly PotPartnerView[];
  readonly interventions: readonly PotInterventionView[];
  /** Allocations at or above it need a second person's approval; null when none do. */
  readonly approvalThreshold: string | null;
  readonly pendingApprovals: readonly PendingApprovalView[];
  readonly closedFinancialYears: readonly string[];
  /** Each partner's agreed contribution per financial year, against what it has paid. */
  readonly agreedContributions: readonly AgreedContributionView[];
  readonly openedAt: string;
  /** Log position of the last event that changed this pot, as a digit string. */
  readonly position: string;
}

export const potSummaryProjection: Projection<PotSummaryState> = {
  name: 'potSummary',
  initialState: () => ({ pots: new Map() }),
  evolve(state, event) {
    if (event.type === 'PotOpened') {
      openPot(state, event);
      return state;
    }
    if (event.type === 'AgencyRegistered' || event.type === 'IdempotencyKeyClaimed') return state;
    if (event.type === 'UnitCostAdded' || event.type === 'SignInMappingChanged') return state;

    const pot = state.pots.get(event.data.potId);
    if (pot === undefined)
      throw new Error(
        `invariant: ${event.type} ${event.eventId} names unknown pot ${event.data.potId}`,
      );
    pot.position = event.position;
    switch (event.type) {
      case 'PartnerJoined':
        if (pot.partners.has(event.data.agencyId))
          throw new Error(`invariant: ${event.data.agencyId} joined pot ${pot.potId} twice`);
        pot.partners.set(event.data.agencyId, emptyPartner());
        return state;
      case 'ContributionReceived':
      case 'ContributionReversed':
        // A reversal is read by what it undoes: the write side goes by its record of the
        // contribution, so a reversal whose riskShareFor disagrees with it stops the fold.
        if (
          event.type === 'ContributionReversed' &&
          (event.data.riskShareFor !== undefined) !==
            pot.riskSharePayments.has(event.data.contributionId)
        )
          throw new Error(
            `invariant: ${event.eventId} reverses contribution ${event.data.contributionId} ${event.data.riskShareFor === undefined ? 'as a stake contribution, but it paid a risk-share debt' : 'as a risk-share payment, but it was not one'}`,
          );
        if (event.data.riskShareFor !== undefined) {
          // It pays a debt for a settled year: no stake, not a contribution, not agreed money.
          moveRiskSharePayment(pot, event);
          return state;
        }
        moveContribution(pot, event);
        assertBooksBalance(pot, event.eventId, state.stakesMayBeNegative === true);
        if (event.type === 'ContributionReceived')
          noteContributionReceived(pot.agreedContributions, event.data);
        else noteContributionReversed(pot.agreedContributions, event.data);
        return state;
      case 'ContributionAgreed':
        partnerOf(pot, event.data.agencyId);
        noteAgreement(pot.agreedContributions, event.data);
        return state;
      case 'InterventionAssumptionsSet':
        interventionOf(pot, event.data.interventionId);
        return state;
      case 'InterventionDefined':
        if (pot.interventions.has(event.data.interventionId)) {
          throw new Error(`invariant: intervention ${event.data.interventionId} defined twice`);
        }
        pot.interventions.set(event.data.interventionId, {
          name: event.data.name,
          leadAgencyId: event.data.leadAgencyId,
          funded: 0n,
          spent: 0n,
          benefits: 0n,
        });
        return state;
      case 'FundsAllocated':
      case 'AllocationReversed':
        moveAllocation(pot, event);
        assertBooksBalance(pot, event.eventId, state.stakesMayBeNegative === true);
        return state;
      case 'OutcomeRecorded':
      case 'OutcomeRetracted': {
        const intervention = interventionOf(pot, event.data.interventionId);
        const benefits = sumPence(event.data.benefits.map((b) => parsePence(b.amount)));
        intervention.benefits += event.type === 'OutcomeRecorded' ? benefits : -benefits;
        return state;
      }
      case 'ApprovalThresholdChanged':
        pot.approvalThreshold = event.data.approvalThreshold;
        return state;
      case 'AllocationRequested':
        awaitApproval(pot, event);
        return state;
      case 'AllocationApproved':
      case 'AllocationRejected':
        if (!pot.pendingApprovals.delete(event.data.allocationId)) {
          throw new Error(
            `invariant: ${event.type} ${event.eventId} decides allocation ${event.data.allocationId}, which is not pending`,
          );
        }
        return state;
      case 'SelfApprovalAttempted':
        return state;
      case 'FinancialYearClosed':
        pot.closedFinancialYears.push(event.data.financialYear);
        return state;
      case 'PotClosed':
        closePot(pot, event);
        assertBooksBalance(pot, event.eventId, state.stakesMayBeNegative === true);
        return state;
      case 'ClaimPaid': {
        // A paid outcome claim is spend of its intervention.
        const intervention = interventionOf(pot, event.data.interventionId);
        intervention.spent += parsePence(event.data.amount);
        return state;
      }
      case 'RateCardRecorded':
      case 'OutcomeClaimed':
        interventionOf(pot, event.data.interventionId);
        return state;
      case 'ClaimValidated':
      case 'ClaimRejected':
        return state;
      case 'SpendRecorded':
      case 'SpendReversed': {
        const intervention = interventionOf(pot, event.data.interventionId);
        const amount = parsePence(event.data.amount);
        intervention.spent += event.type === 'SpendRecorded' ? amount : -amount;
        return state;
      }
      case 'FinancialYearSettled':
        settleYear(pot, event, state.stakesMayBeNegative === true);
        assertBooksBalance(pot, event.eventId, state.stakesMayBeNegative === true);
        return state;
      case 'SchemeDetailsRecorded':
      case 'CommitmentRaised':
      case 'CommitmentReleased':
      case 'CommitmentReversed':
      case 'ForecastRecorded':
      case 'ForecastWithdrawn':
        interventionOf(pot, event.data.interventionId);
        return state;
      case 'JournalMappingRecorded':
      case 'BcfMinimumsRecorded':
        // A partner's account codes; what the partners must pay in (the monitoring report
        // compares it with what they paid): neither is money.
        return state;
      case 'AgreementRecorded':
        // Rules, not money: the settlement that applies them moves the figures. From now on
        // the summary shows the pooled-fund fields.
        if (event.data.spendTracking) pot.pooledFund = true;
        return state;
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  },
};

type EventOf<T extends Envelope['type']> = Extract<Envelope, { type: T }>;

function moveContribution(
  pot: PotFigures,
  event: EventOf<'ContributionReceived' | 'ContributionReversed'>,
): void {
  const partner = partnerOf(pot, event.data.agencyId);
  const amount = parsePence(event.data.amount) * (event.type === 'ContributionReceived' ? 1n : -1n);
  partner.contributed += amount;
  pot.contributed += amount;
}

function moveAllocation(
  pot: PotFigures,
  event: EventOf<'FundsAllocated' | 'AllocationReversed'>,
): void {
  const direction = event.type === 'FundsAllocated' ? 1n : -1n;
  const amount = parsePence(event.data.amount) * direction;
  const intervention = interventionOf(pot, event.data.interventionId);
  intervention.funded += amount;
  pot.allocated += amount;
  drawShares(pot, event.data.fundingShares, direction);
}

function moveRiskSharePayment(
  pot: PotFigures,
  event: EventOf<'ContributionReceived' | 'ContributionReversed'>,
): void {
  const partner = partnerOf(pot, event.data.agencyId);
  const amount = parsePence(event.data.amount) * (event.type === 'ContributionReceived' ? 1n : -1n);
  if (event.type === 'ContributionReceived') pot.riskSharePayments.add(event.data.contributionId);
  else pot.riskSharePayments.delete(event.data.contributionId);
  partner.riskSharePaid += amount;
  pot.riskSharePaid += amount;
}

/**
 * The settlement exactly as commands/potState.ts settleYear applies it: released underspend
 * goes back to the stakes (drawn falls, the scheme's funding and the pot's allocated with it);
 * cover is drawn from the stakes like an allocation; shares add to the scheme's funding and to
 * the partner's debt without touching a stake; under `return` every stake is given back.
 * The live books then check each partner's stake against the event's stakesAfter.
 */
function settleYear(
  pot: PotFigures,
  event: EventOf<'FinancialYearSettled'>,
  stakesMayBeNegative: boolean,
): void {
  const d = event.data;
  for (const scheme of d.schemes) {
    const intervention = interventionOf(pot, scheme.interventionId);
    for (const line of scheme.released) {
      const amount = parsePence(line.amount);
      partnerOf(pot, line.agencyId).drawn -= amount;
      intervention.funded -= amount;
      pot.allocated -= amount;
    }
    for (const line of scheme.covered) {
      const amount = parsePence(line.amount);
      partnerOf(pot, line.agencyId).drawn += amount;
      intervention.funded += amount;
      pot.allocated += amount;
    }
    for (const line of scheme.shared) {
      partnerOf(pot, line.agencyId);
      intervention.funded += parsePence(line.amount);
    }
  }
  for (const owed of d.owedByPartners) {
    const partner = partnerOf(pot, owed.agencyId);
    const amount = parsePence(owed.amount);
    partner.riskShareOwed += amount;
    pot.riskShareOwed += amount;
  }
  for (const returned of d.returns) {
    const partner = partnerOf(pot, returned.agencyId);
    const amount = parsePence(returned.amount);
    partner.returned += amount;
    pot.returned += amount;
  }
  pot.settledFinancialYears.push(d.financialYear);
  // Books read by effective date fold a history no command produced: the event's own figures
  // were computed from the whole stream, so they are only checked in the live books.
  if (stakesMayBeNegative) return;
  for (const after of d.stakesAfter) {
    const stake = stakeOf(partnerOf(pot, after.agencyId));
    if (stake !== parsePence(after.amount))
      throw new Error(
        `invariant: after event ${event.eventId} (settlement of ${d.financialYear}), ${after.agencyId}'s stake in pot ${pot.potId} is ${formatPence(stake)}, the event says ${after.amount}`,
      );
  }
}

function awaitApproval(pot: PotFigures, event: EventOf<'AllocationRequested'>): void {
  const d = event.data;
  pot.pendingApprovals.set(d.allocationId, {
    allocationId: d.allocationId,
    interventionId: d.interventionId,
    amount: d.amount,
    effectiveDate: d.effectiveDate,
    reason: d.reason,
    requestedBy: d.requestedBy,
    requestedAt: event.metadata.recordedAt,
    eventId: event.eventId,
  });
}

/** Each partner's whole stake goes back to it; the balance check that follows proves it. */
function closePot(pot: PotFigures, event: EventOf<'PotClosed'>): void {
  for (const returned of event.data.returns) {
    const partner = partnerOf(pot, returned.agencyId);
    const amount = parsePence(returned.amount);
    partner.returned += amount;
    pot.returned += amount;
  }
  pot.status = 'closed';
}

function openPot(state: PotSummaryState, event: EventOf<'PotOpened'>): void {
  const { potId, name, area, hostAgencyId, currency, partnerAgencyIds } = event.data;
  if (state.pots.has(potId)) throw new Error(`invariant: pot ${potId} opened twice`);
  const partners = new Map<string, PartnerFigures>();
  for (const agencyId of partnerAgencyIds) partners.set(agencyId, emptyPartner());
  state.pots.set(potId, {
    potId,
    name,
    area,
    hostAgencyId,
    currency,
    openedAt: event.metadata.recordedAt,
    position: event.position,
    contributed: 0n,
    allocated: 0n,
    returned: 0n,
    riskShareOwed: 0n,
    riskSharePaid: 0n,
    pooledFund: false,
    riskSharePayments: new Set(),
    settledFinancialYears: [],
    status: 'open',
    approvalThreshold: event.data.approvalThreshold ?? null,
    pendingApprovals: new Map(),
    closedFinancialYears: [],
    partners,
    interventions: new Map(),
    agreedContributions: emptyAgreedContributions(),
  });
}

function partnerOf(pot: PotFigures, agencyId: string): PartnerFigures {
  const partner = pot.partners.get(agencyId);
  if (partner === undefined)
    throw new Error(`invariant: ${agencyId} is not a partner of pot ${pot.potId}`);
  return partner;
}

function interventionOf(pot: PotFigures, interventionId: string): InterventionFigures {
  const intervention = pot.interventions.get(interventionId);
  if (intervention === undefined)
    throw new Error(`invariant: intervention ${interventionId} is not defined in pot ${pot.potId}`);
  return intervention;
}

function drawShares(pot: PotFigures, shares: readonly FundingShare[], direction: 1n | -1n): void {
  for (const share of shares) {
    const partner = partnerOf(pot, share.agencyId);
    partner.drawn += parsePence(share.amount) * direction;
  }
}

function availableOf(pot: PotFigures): Pence {
  return pot.contributed - pot.allocated - pot.returned;
}

function stakeOf(partner: PartnerFigures): Pence {
  return partner.contributed - partner.drawn - partner.returned;
}

function assertBooksBalance(pot: PotFigures, eventId: string, stakesMayBeNegative: boolean): void {
  const available = availableOf(pot);
  let stakes = 0n;
  for (const [agencyId, partner] of pot.partners) {
    const stake = stakeOf(partner);
    if (!stakesMayBeNegative && stake < 0n) {
      throw new Error(
        `invariant: after event ${eventId}, ${agencyId}'s stake in pot ${pot.potId} is ${formatPence(stake)}`,
      );
    }
    stakes += stake;
  }
  if (pot.status === 'closed' && available !== 0n) {
    throw new Error(
      `invariant: after event ${eventId}, closed pot ${pot.potId} still has ${formatPence(available)} available`,
    );
  }
  if (stakes !== available) {
    throw new Error(
      `invariant: after event ${eventId}, pot ${pot.potId} has available ${formatPence(available)} but partner stakes sum to ${formatPence(stakes)}`,
    );
  }
}

function toView(pot: PotFigures): PotSummaryView {
  return {
    potId: pot.potId,
    name: pot.name,
    area: pot.area,
    hostAgencyId: pot.hostAgencyId,
    status: pot.status,
    currency: pot.currency,
    contributed: formatPence(pot.contributed),
    allocated: formatPence(pot.allocated),
    available: formatPence(availableOf(pot)),
    ...(pot.pooledFund
      ? {
          riskShareOwed: formatPence(pot.riskShareOwed),
          riskSharePaid: formatPence(pot.riskSharePaid),
          riskShareOutstanding: formatPence(pot.riskShareOwed - pot.riskSharePaid),
          settledFinancialYears: [...pot.settledFinancialYears],
        }
      : {}),
    partners: [...pot.partners].map(([agencyId, p]) => ({
      agencyId,
      contributed: formatPence(p.contributed),
      drawn: formatPence(p.drawn),
      returned: formatPence(p.returned),
      stake: formatPence(stakeOf(p)),
      ...(pot.pooledFund
        ? {
            riskShareOwed: formatPence(p.riskShareOwed),
            riskSharePaid: formatPence(p.riskSharePaid),
            riskShareOutstanding: formatPence(p.riskShareOwed - p.riskSharePaid),
          }
        : {}),
    })),
    interventions: [...pot.interventions].map(([interventionId, i]) => ({
      interventionId,
      name: i.name,
      leadAgencyId: i.leadAgencyId,
      funded: formatPence(i.funded),
      ...(pot.pooledFund ? { spent: formatPence(i.spent) } : {}),
      benefits: formatPence(i.benefits),
    })),
    approvalThreshold: pot.approvalThreshold,
    pendingApprovals: [...pot.pendingApprovals.values()],
    closedFinancialYears: [...pot.closedFinancialYears],
    agreedContributions: agreedContributionsView(pot.agreedContributions),
    openedAt: pot.openedAt,
    position: pot.position.toString(),
  };
}

/** One pot's summary, or null when no such pot has been opened. */
export function potSummary(state: PotSummaryState, potId: string): PotSummaryView | null {
  const pot = state.pots.get(potId);
  return pot === undefined ? null : toView(pot);
}

/** Every pot's summary, by potId (ULIDs, so in the order the pots were opened). */
export function listPots(state: PotSummaryState): PotSummaryView[] {
  return [...state.pots.keys()].sort(compareIds).map((potId) => toView(state.pots.get(potId)!));
}
