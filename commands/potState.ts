/**
 * The pot aggregate's state, folded from its stream: what the deciders need to enforce the
 * money rules. Like projections, evolve owns the state it is given (it may update it in place
 * and returns it), so a pot with a long history folds in linear time.
 */
import type { Benefit, BenefitFlow, FundingShare, PotEvent } from '../events/pot.ts';
import { financialYearEnd, type ActorRef } from '../events/potControls.ts';
import { money, sum, ZERO, type Money } from '../events/money.ts';
import {
  addTo as addToMap,
  initialPoolYearState,
  noteAllocation,
  noteContribution,
  noteRiskSharePayment,
  noteRiskSharePaymentReversed,
  noteSettlement,
  schemeYear,
  type PoolYearState,
} from './poolYearState.ts';
import type { FinancialYearSettled, PoolYearEvent } from '../events/poolYear.ts';
import { financialYearOf } from '../events/primitives.ts';
import type { OutcomePaymentEvent } from '../events/outcomePayments.ts';
import {
  initialOutcomePaymentState,
  moveClaim,
  noteClaim,
  noteRateCard,
  type OutcomePaymentState,
} from './outcomePaymentState.ts';
import {
  noteDirectAllocation,
  type DirectAllocationWindows,
  type RecordedBy,
} from './fourEyesWindow.ts';

export interface ContributionRecord {
  readonly eventId: string;
  readonly effectiveDate: string;
  readonly agencyId: string;
  readonly amount: Money;
  /** Set when the contribution paid a risk-share debt for this settled year (not a stake). */
  readonly riskShareFor?: string;
  reversed: boolean;
}

export interface InterventionRecord {
  readonly interventionId: string;
  readonly name: string;
  readonly leadAgencyId: string;
  /** Each agency's net funding of the intervention: its allocation shares less reversals. */
  readonly netFundingByAgency: Map<string, Money>;
}

export interface AllocationRecord {
  readonly eventId: string;
  /** Its place in the stream (PotState.eventsFolded when it was folded): what came before it. */
  readonly sequence: number;
  readonly effectiveDate: string;
  readonly interventionId: string;
  readonly amount: Money;
  readonly fundingShares: readonly FundingShare[];
  reversed: boolean;
}

export interface OutcomeRecord {
  readonly eventId: string;
  /** Its place in the stream: its flows rest on every allocation to its intervention before it. */
  readonly sequence: number;
  readonly effectiveDate: string;
  readonly interventionId: string;
  readonly benefits: readonly Benefit[];
  readonly flows: readonly BenefitFlow[];
  retracted: boolean;
}

/** An allocation at or above the threshold, waiting for a second person. */
export interface AllocationRequestRecord {
  readonly allocationId: string;
  readonly interventionId: string;
  readonly amount: Money;
  readonly effectiveDate: string;
  readonly reason: string;
  readonly requestedBy: ActorRef;
  readonly priorPeriodAdjustment?: string;
  status: 'pending' | 'approved' | 'rejected';
}

export type EventTarget =
  | { readonly kind: 'contribution'; readonly id: string }
  | { readonly kind: 'allocation'; readonly id: string }
  | { readonly kind: 'outcome'; readonly id: string }
  | { readonly kind: 'spend'; readonly id: string }
  | { readonly kind: 'commitment'; readonly id: string }
  | { readonly kind: 'forecast'; readonly id: string }
  | { readonly kind: 'not-reversible'; readonly type: string };

export interface PotState {
  opened: boolean;
  potId: string;
  name: string;
  hostAgencyId: string;
  status: 'open' | 'closed';
  /** Partners in the order they joined. */
  readonly partners: string[];
  /** Each partner's unallocated stake: its contributions less what has been drawn from it. */
  readonly stakes: Map<string, Money>;
  totalContributed: Money;
  totalAllocated: Money;
  /** What the pot's close (or a settlement under `return`) gave back; available is contributed − allocated − returned. */
  totalReturned: Money;
  /** Risk-share payments received (net of reversals): they pay debts, not stakes. */
  totalRiskSharePaid: Money;
  /** The pooled-fund year: agreement, schemes, spend, commitments, forecasts, settlements. */
  readonly poolYear: PoolYearState;
  /** Outcome payments: rate cards and claims (payment by results). */
  readonly outcomePayments: OutcomePaymentState;
  /** Allocations at or above it are only requested; null = no four-eyes. */
  approvalThreshold: Money | null;
  /** Every allocation request by allocationId, pending or decided. */
  readonly requests: Map<string, AllocationRequestRecord>;
  /** Direct (unapproved) allocations per requester and intervention, by day: four-eyes' rolling rule (fourEyesWindow.ts). */
  readonly directAllocations: DirectAllocationWindows;
  /** Business dates up to and including this day are locked (a closed financial year); null = none closed. */
  closedThrough: string | null;
  /** Financial years closed by a FinancialYearClosed, in the order they were closed. */
  readonly closedFinancialYears: string[];
  readonly contributions: Map<string, ContributionRecord>;
  readonly interventions: Map<string, InterventionRecord>;
  readonly allocations: Map<string, AllocationRecord>;
  readonly outcomes: Map<string, OutcomeRecord>;
  /** Every event of the pot by event id, so a reversal can name what it undoes. */
  readonly eventTargets: Map<string, EventTarget>;
  /** The agreed contribution in force, keyed by `${financialYear} ${agencyId}`. */
  readonly agreedContributions: Map<string, AgreementRecord>;
  /** Each agency's journal mapping in force: its version and the event that recorded it. */
  readonly journalMappings: Map<string, { version: number; eventId: string }>;
  /** The latest business date of any entry in the pot; null before the first. A close may not precede it. */
  latestEffectiveDate: string | null;
  /** Events of the stream folded so far; each allocation and outcome keeps its place in this count. */
  eventsFolded: number;
}

export interface AgreementRecord {
  readonly eventId: string;
  readonly amount: Money;
  readonly boardDecisionRef: string;
}

export const agreementKey = (financialYear: string, agencyId: string): string =>
  `${financialYear} ${agencyId}`;

export function initialPotState(): PotState {
  return {
    opened: false,
    potId: '',
    name: '',
    hostAgencyId: '',
    status: 'open',
    partners: [],
    stakes: new Map(),
    totalContributed: ZERO,
    totalAllocated: ZERO,
    totalReturned: ZERO,
    totalRiskSharePaid: ZERO,
    poolYear: initialPoolYearState(),
    outcomePayments: initialOutcomePaymentState(),
    approvalThreshold: null,
    requests: new Map(),
    directAllocations: new Map(),
    closedThrough: null,
    closedFinancialYears: [],
    contributions: new Map(),
    interventions: new Map(),
    allocations: new Map(),
    outcomes: new Map(),
    eventTargets: new Map(),
    agreedContributions: new Map(),
    journalMappings: new Map(),
    latestEffectiveDate: null,
    eventsFolded: 0,
  };
}

export function isPartner(state: PotState, agencyId: string): boolean {
  return state.stakes.has(agencyId);
}

/** The pot's available balance: the sum of unallocated stakes. */
export function available(state: PotState): Money {
  return state.totalContributed.minus(state.totalAllocated).minus(state.totalReturned);
}

export function hasPendingRequests(state: PotState): boolean {
  for (const request of state.requests.values()) if (request.status === 'pending') return true;
  return false;
}

/** A financial year is closed once every day of it is locked (closing a later year locks earlier ones too). */
export function isFinancialYearClosed(state: PotState, financialYear: string): boolean {
  return state.closedThrough !== null && financialYearEnd(financialYear) <= state.closedThrough;
}

export function stakeOf(state: PotState, agencyId: string): Money {
  return state.stakes.get(agencyId) ?? ZERO;
}

function addTo(map: Map<string, Money>, key: string, delta: Money): void {
  map.set(key, (map.get(key) ?? ZERO).plus(delta));
}

type FoldedPotEvent = PotEvent & { eventId: string; metadata?: RecordedBy };
type PotEventOf<T extends PotEvent['type']> = Extract<PotEvent, { type: T }>;

/** The events that move money: after each, the pot's books must still balance (assertPotInvariants). */
const MONEY_MOVING_TYPES: ReadonlySet<PotEvent['type']> = new Set<PotEvent['type']>([
  'ContributionReceived',
  'FundsAllocated',
  'ContributionReversed',
  'AllocationReversed',
  'PotClosed',
  'FinancialYearSettled',
]);

/**
 * `metadata` is the stored event's (who recorded it, and when): the rolling four-eyes rule
 * needs it for FundsAllocated, and an event without it is simply not counted there.
 */
export function evolvePot(state: PotState, event: FoldedPotEvent): PotState {
  state.eventsFolded += 1;
  const effectiveDate = (event.data as { effectiveDate?: unknown }).effectiveDate;
  if (
    typeof effectiveDate === 'string' &&
    (state.latestEffectiveDate === null || effectiveDate > state.latestEffectiveDate)
  ) {
    state.latestEffectiveDate = effectiveDate;
  }
  evolveByType(state, event);
  state.eventTargets.set(event.eventId, reversalTargetOf(event));
  if (MONEY_MOVING_TYPES.has(event.type)) assertPotInvariants(state);
  return state;
}

/** What a reversal naming this event would reverse: only contributions, allocations and outcomes can be. */
function reversalTargetOf(event: PotEvent): EventTarget {
  switch (event.type) {
    case 'ContributionReceived':
      return { kind: 'contribution', id: event.data.contributionId };
    case 'FundsAllocated':
      return { kind: 'allocation', id: event.data.allocationId };
    case 'OutcomeRecorded':
      return { kind: 'outcome', id: event.data.outcomeId };
    case 'SpendRecorded':
      return { kind: 'spend', id: event.data.spendId };
    case 'CommitmentRaised':
      return { kind: 'commitment', id: event.data.commitmentId };
    case 'ForecastRecorded':
      return { kind: 'forecast', id: event.data.forecastId };
    default:
      return { kind: 'not-reversible', type: event.type };
  }
}

function evolveByType(state: PotState, event: FoldedPotEvent): void {
  switch (event.type) {
    case 'PotOpened':
      return openPot(state, event.data);
    case 'PartnerJoined':
      state.partners.push(event.data.agencyId);
      state.stakes.set(event.data.agencyId, ZERO);
      return;
    case 'ContributionReceived':
      return receiveContribution(state, event.eventId, event.data);
    case 'InterventionDefined': {
      const { interventionId, name, leadAgencyId } = event.data;
      state.interventions.set(interventionId, {
        interventionId,
        name,
        leadAgencyId,
        netFundingByAgency: new Map(),
      });
      return;
    }
    case 'FundsAllocated':
      return allocateFunds(state, event);
    case 'OutcomeRecorded':
      return recordOutcome(state, event.eventId, event.data);
    case 'ContributionReversed':
      return reverseContribution(state, event.data);
    case 'AllocationReversed':
      return reverseAllocation(state, event.data);
    case 'ContributionAgreed': {
      const d = event.data;
      state.agreedContributions.set(agreementKey(d.financialYear, d.agencyId), {
        eventId: event.eventId,
        amount: money(d.amount),
        boardDecisionRef: d.boardDecisionRef,
      });
      return;
    }
    case 'InterventionAssumptionsSet':
      requireIntervention(state, event.data.interventionId);
      return;
    case 'JournalMappingRecorded':
      state.journalMappings.set(event.data.agencyId, {
        version: event.data.version,
        eventId: event.eventId,
      });
      return;
    case 'OutcomeRetracted': {
      const outcome = state.outcomes.get(event.data.outcomeId);
      if (outcome === undefined)
        throw new Error(`invariant: retraction of unknown outcome ${event.data.outcomeId}`);
      outcome.retracted = true;
      return;
    }
    case 'AgreementRecorded':
    case 'SchemeDetailsRecorded':
    case 'SpendRecorded':
    case 'SpendReversed':
    case 'CommitmentRaised':
    case 'CommitmentReleased':
    case 'CommitmentReversed':
    case 'ForecastRecorded':
    case 'ForecastWithdrawn':
    case 'FinancialYearSettled':
      return evolvePoolYear(state, event);
    case 'RateCardRecorded':
    case 'OutcomeClaimed':
    case 'ClaimValidated':
    case 'ClaimRejected':
    case 'ClaimPaid':
      return evolveOutcomePayments(state, event);
    case 'BcfMinimumsRecorded':
      state.poolYear.bcfMinimums.set(event.data.financialYear, {
        version: event.data.version,
        eventId: event.eventId,
      });
      return;
    default:
      return evolveControls(state, event);
  }
}

/** The pooled-fund year's events (events/poolYear.ts). */
function evolvePoolYear(state: PotState, event: PoolYearEvent & FoldedPotEvent): void {
  const pool = state.poolYear;
  switch (event.type) {
    case 'AgreementRecorded': {
      const d = event.data;
      pool.agreement = {
        version: d.version,
        eventId: event.eventId,
        reference: d.reference,
        boardDecisionRef: d.boardDecisionRef,
        spendTracking: d.spendTracking,
        overspend: d.overspend,
        underspend: d.underspend,
        data: d,
      };
      return;
    }
    case 'SchemeDetailsRecorded':
      requireIntervention(state, event.data.interventionId);
      pool.schemes.set(event.data.interventionId, event.data);
      return;
    case 'SpendRecorded': {
      const d = event.data;
      requireIntervention(state, d.interventionId);
      const amount = money(d.amount);
      const released = d.commitmentReleased === undefined ? ZERO : money(d.commitmentReleased);
      pool.spends.set(d.spendId, {
        eventId: event.eventId,
        interventionId: d.interventionId,
        amount,
        effectiveDate: d.effectiveDate,
        ...(d.commitmentId === undefined ? {} : { commitmentId: d.commitmentId }),
        commitmentReleased: released,
        reversed: false,
      });
      const figures = schemeYear(pool, financialYearOf(d.effectiveDate), d.interventionId);
      figures.spent = figures.spent.plus(amount);
      if (d.commitmentId !== undefined && !released.isZero())
        moveCommitment(state, d.commitmentId, released.negated());
      return;
    }
    case 'SpendReversed': {
      const d = event.data;
      const spend = pool.spends.get(d.spendId);
      if (spend === undefined) throw new Error(`invariant: reversal of unknown spend ${d.spendId}`);
      spend.reversed = true;
      const figures = schemeYear(pool, financialYearOf(d.effectiveDate), d.interventionId);
      figures.spent = figures.spent.minus(money(d.amount));
      if (d.commitmentId !== undefined && d.commitmentRestored !== undefined)
        moveCommitment(state, d.commitmentId, money(d.commitmentRestored));
      return;
    }
    case 'CommitmentRaised': {
      const d = event.data;
      requireIntervention(state, d.interventionId);
      const amount = money(d.amount);
      pool.commitments.set(d.commitmentId, {
        eventId: event.eventId,
        interventionId: d.interventionId,
        amount,
        effectiveDate: d.effectiveDate,
        outstanding: ZERO,
        reversed: false,
      });
      moveCommitment(state, d.commitmentId, amount);
      return;
    }
    case 'CommitmentReleased':
      return moveCommitment(state, event.data.commitmentId, money(event.data.amount).negated());
    case 'CommitmentReversed': {
      moveCommitment(state, event.data.commitmentId, money(event.data.amount).negated());
      pool.commitments.get(event.data.commitmentId)!.reversed = true;
      return;
    }
    case 'ForecastRecorded': {
      const d = event.data;
      requireIntervention(state, d.interventionId);
      pool.forecasts.set(d.forecastId, {
        eventId: event.eventId,
        interventionId: d.interventionId,
        financialYear: d.financialYear,
        quarter: d.quarter,
        withdrawn: false,
      });
      return;
    }
    case 'ForecastWithdrawn': {
      const forecast = pool.forecasts.get(event.data.forecastId);
      if (forecast === undefined)
        throw new Error(`invariant: withdrawal of unknown forecast ${event.data.forecastId}`);
      forecast.withdrawn = true;
      return;
    }
    case 'FinancialYearSettled':
      return settleYear(state, event.eventId, event.data);
  }
}

/** Outcome payments (events/outcomePayments.ts): a paid claim is spend of its intervention. */
function evolveOutcomePayments(state: PotState, event: OutcomePaymentEvent): void {
  const payments = state.outcomePayments;
  switch (event.type) {
    case 'RateCardRecorded':
      requireIntervention(state, event.data.interventionId);
      return noteRateCard(payments, event.data);
    case 'OutcomeClaimed':
      requireIntervention(state, event.data.interventionId);
      return noteClaim(payments, event.data);
    case 'ClaimValidated':
      moveClaim(payments, event.data.claimId, ['claimed'], 'validated').validatedBy =
        event.data.validatedBy;
      return;
    case 'ClaimRejected':
      moveClaim(payments, event.data.claimId, ['claimed', 'validated'], 'rejected').rejected = {
        by: event.data.rejectedBy,
        reason: event.data.reason,
      };
      return;
    case 'ClaimPaid': {
      const d = event.data;
      moveClaim(payments, d.claimId, ['validated'], 'paid').paid = {
        spendId: d.spendId,
        effectiveDate: d.effectiveDate,
        by: d.paidBy,
        payerShares: d.payerShares,
      };
      const figures = schemeYear(
        state.poolYear,
        financialYearOf(d.effectiveDate),
        d.interventionId,
      );
      figures.spent = figures.spent.plus(money(d.amount));
      return;
    }
  }
}

/** A commitment's outstanding amount moves, and with it its year's committed figure. */
function moveCommitment(state: PotState, commitmentId: string, delta: Money): void {
  const commitment = state.poolYear.commitments.get(commitmentId);
  if (commitment === undefined) throw new Error(`invariant: unknown commitment ${commitmentId}`);
  commitment.outstanding = commitment.outstanding.plus(delta);
  if (commitment.outstanding.isNegative())
    throw new Error(`invariant: commitment ${commitmentId} released beyond what it reserved`);
  const figures = schemeYear(
    state.poolYear,
    financialYearOf(commitment.effectiveDate),
    commitment.interventionId,
  );
  figures.committed = figures.committed.plus(delta);
}

function openPot(state: PotState, d: PotEventOf<'PotOpened'>['data']): void {
  state.opened = true;
  state.potId = d.potId;
  state.name = d.name;
  state.hostAgencyId = d.hostAgencyId;
  state.approvalThreshold = d.approvalThreshold === undefined ? null : money(d.approvalThreshold);
  for (const agencyId of d.partnerAgencyIds) {
    state.partners.push(agencyId);
    state.stakes.set(agencyId, ZERO);
  }
}

function receiveContribution(
  state: PotState,
  eventId: string,
  d: PotEventOf<'ContributionReceived'>['data'],
): void {
  const amount = money(d.amount);
  state.contributions.set(d.contributionId, {
    eventId,
    effectiveDate: d.effectiveDate,
    agencyId: d.agencyId,
    amount,
    ...(d.riskShareFor === undefined ? {} : { riskShareFor: d.riskShareFor }),
    reversed: false,
  });
  if (d.riskShareFor !== undefined) {
    // It pays the partner's debt for the settled year; the stake is untouched.
    noteRiskSharePayment(state.poolYear, d.riskShareFor, d.agencyId, amount);
    state.totalRiskSharePaid = state.totalRiskSharePaid.plus(amount);
    return;
  }
  addTo(state.stakes, d.agencyId, amount);
  state.totalContributed = state.totalContributed.plus(amount);
  noteContribution(state.poolYear, d.effectiveDate, d.agencyId, amount);
}

/** The funding partners' stakes go to the intervention; the allocation keeps its place in the stream. */
function allocateFunds(
  state: PotState,
  event: PotEventOf<'FundsAllocated'> & FoldedPotEvent,
): void {
  const d = event.data;
  const intervention = requireIntervention(state, d.interventionId);
  for (const share of d.fundingShares) {
    const amount = money(share.amount);
    addTo(state.stakes, share.agencyId, amount.negated());
    addTo(intervention.netFundingByAgency, share.agencyId, amount);
  }
  state.totalAllocated = state.totalAllocated.plus(money(d.amount));
  noteAllocation(
    state.poolYear,
    d.effectiveDate,
    d.interventionId,
    money(d.amount),
    d.fundingShares,
    1,
  );
  state.allocations.set(d.allocationId, {
    eventId: event.eventId,
    sequence: state.eventsFolded,
    effectiveDate: d.effectiveDate,
    interventionId: d.interventionId,
    amount: money(d.amount),
    fundingShares: d.fundingShares,
    reversed: false,
  });
  // An allocation that went through a request was approved by a second person: only direct ones count.
  if (!state.requests.has(d.allocationId))
    noteDirectAllocation(
      state.directAllocations,
      d.interventionId,
      money(d.amount),
      event.metadata,
    );
}

function recordOutcome(
  state: PotState,
  eventId: string,
  d: PotEventOf<'OutcomeRecorded'>['data'],
): void {
  state.outcomes.set(d.outcomeId, {
    eventId,
    sequence: state.eventsFolded,
    effectiveDate: d.effectiveDate,
    interventionId: d.interventionId,
    benefits: d.benefits,
    flows: d.flows,
    retracted: false,
  });
}

function reverseContribution(state: PotState, d: PotEventOf<'ContributionReversed'>['data']): void {
  const contribution = state.contributions.get(d.contributionId);
  if (contribution === undefined)
    throw new Error(`invariant: reversal of unknown contribution ${d.contributionId}`);
  contribution.reversed = true;
  const amount = money(d.amount);
  if (contribution.riskShareFor !== undefined) {
    noteRiskSharePaymentReversed(state.poolYear, contribution.riskShareFor, d.agencyId, amount);
    state.totalRiskSharePaid = state.totalRiskSharePaid.minus(amount);
    return;
  }
  addTo(state.stakes, d.agencyId, amount.negated());
  state.totalContributed = state.totalContributed.minus(amount);
  noteContribution(state.poolYear, d.effectiveDate, d.agencyId, amount.negated());
}

/** The shares go back to the partners' stakes, exactly as the allocation took them. */
function reverseAllocation(state: PotState, d: PotEventOf<'AllocationReversed'>['data']): void {
  const allocation = state.allocations.get(d.allocationId);
  if (allocation === undefined)
    throw new Error(`invariant: reversal of unknown allocation ${d.allocationId}`);
  allocation.reversed = true;
  const intervention = requireIntervention(state, d.interventionId);
  for (const share of d.fundingShares) {
    const amount = money(share.amount);
    addTo(state.stakes, share.agencyId, amount);
    addTo(intervention.netFundingByAgency, share.agencyId, amount.negated());
  }
  state.totalAllocated = state.totalAllocated.minus(money(d.amount));
  noteAllocation(
    state.poolYear,
    d.effectiveDate,
    d.interventionId,
    money(d.amount),
    d.fundingShares,
    -1,
  );
}

/**
 * The year-end settlement, exactly as its event records it: released underspend back to the
 * stakes, cover drawn from them, shares owed by the partners (funding without a stake), and
 * under `return` every stake given back.
 */
export function settleYear(state: PotState, eventId: string, d: FinancialYearSettled): void {
  for (const scheme of d.schemes) {
    const intervention = requireIntervention(state, scheme.interventionId);
    for (const line of scheme.released) {
      const amount = money(line.amount);
      addTo(state.stakes, line.agencyId, amount);
      addTo(intervention.netFundingByAgency, line.agencyId, amount.negated());
      state.totalAllocated = state.totalAllocated.minus(amount);
    }
    for (const line of scheme.covered) {
      const amount = money(line.amount);
      addTo(state.stakes, line.agencyId, amount.negated());
      addTo(intervention.netFundingByAgency, line.agencyId, amount);
      state.totalAllocated = state.totalAllocated.plus(amount);
    }
    for (const line of scheme.shared)
      addToMap(intervention.netFundingByAgency, line.agencyId, money(line.amount));
  }
  for (const returned of d.returns) {
    const amount = money(returned.amount);
    if (!stakeOf(state, returned.agencyId).equals(amount))
      throw new Error(
        `invariant: settlement of ${d.financialYear} returned ${amount.toFixed(2)} to ${returned.agencyId}, not its whole stake`,
      );
    state.stakes.set(returned.agencyId, ZERO);
    state.totalReturned = state.totalReturned.plus(amount);
  }
  // stakesAfter lists only positive stakes (an Amount is positive): every other stake must be zero.
  const recorded = new Map(d.stakesAfter.map((after) => [after.agencyId, money(after.amount)]));
  for (const agencyId of new Set([...state.stakes.keys(), ...recorded.keys()])) {
    const expected = recorded.get(agencyId) ?? ZERO;
    if (!stakeOf(state, agencyId).equals(expected))
      throw new Error(
        `invariant: settlement of ${d.financialYear} leaves ${agencyId} a stake of ${stakeOf(state, agencyId).toFixed(2)}, not ${expected.toFixed(2)}`,
      );
  }
  noteSettlement(state.poolYear, eventId, d);
}

/** The controls' events: approval, the financial-year close and the pot's close. */
function evolveControls(state: PotState, event: Exclude<PotEvent, { type: MoneyEventType }>): void {
  switch (event.type) {
    case 'ApprovalThresholdChanged':
      state.approvalThreshold =
        event.data.approvalThreshold === null ? null : money(event.data.approvalThreshold);
      return;
    case 'AllocationRequested': {
      const d = event.data;
      state.requests.set(d.allocationId, {
        allocationId: d.allocationId,
        interventionId: d.interventionId,
        amount: money(d.amount),
        effectiveDate: d.effectiveDate,
        reason: d.reason,
        requestedBy: d.requestedBy,
        ...(d.priorPeriodAdjustment === undefined
          ? {}
          : { priorPeriodAdjustment: d.priorPeriodAdjustment }),
        status: 'pending',
      });
      return;
    }
    case 'AllocationApproved':
      requirePendingRequest(state, event.data.allocationId).status = 'approved';
      return;
    case 'AllocationRejected':
      requirePendingRequest(state, event.data.allocationId).status = 'rejected';
      return;
    case 'SelfApprovalAttempted':
      // Refused and recorded; the request stays pending.
      return;
    case 'FinancialYearClosed':
      state.closedThrough = event.data.closedThrough;
      state.closedFinancialYears.push(event.data.financialYear);
      return;
    case 'PotClosed': {
      for (const returned of event.data.returns) {
        const amount = money(returned.amount);
        if (!stakeOf(state, returned.agencyId).equals(amount)) {
          throw new Error(
            `invariant: pot ${state.potId} returned ${amount.toFixed(2)} to ${returned.agencyId}, not its whole stake`,
          );
        }
        state.stakes.set(returned.agencyId, ZERO);
        state.totalReturned = state.totalReturned.plus(amount);
      }
      state.status = 'closed';
      return;
    }
    default: {
      const unhandled: never = event;
      throw new Error(`invariant: unhandled pot event ${JSON.stringify(unhandled)}`);
    }
  }
}

/** Events evolveByType handles itself; the rest (the pot's controls) go to evolveControls. */
type MoneyEventType =
  | PoolYearEvent['type']
  | OutcomePaymentEvent['type']
  | 'BcfMinimumsRecorded'
  | 'ContributionAgreed'
  | 'InterventionAssumptionsSet'
  | 'JournalMappingRecorded'
  | 'PotOpened'
  | 'PartnerJoined'
  | 'ContributionReceived'
  | 'InterventionDefined'
  | 'FundsAllocated'
  | 'OutcomeRecorded'
  | 'ContributionReversed'
  | 'AllocationReversed'
  | 'OutcomeRetracted';

function requirePendingRequest(state: PotState, allocationId: string): AllocationRequestRecord {
  const request = state.requests.get(allocationId);
  if (request === undefined || request.status !== 'pending')
    throw new Error(
      `invariant: decision on allocation request ${allocationId}, which is not pending`,
    );
  return request;
}

function requireIntervention(state: PotState, interventionId: string): InterventionRecord {
  const intervention = state.interventions.get(interventionId);
  if (intervention === undefined)
    throw new Error(`invariant: unknown intervention ${interventionId}`);
  return intervention;
}

/**
 * The pot's books must balance after every money event, or the process stops loudly rather
 * than decide anything from a state that has created or lost money.
 */
export function assertPotInvariants(state: PotState): void {
  for (const [agencyId, stake] of state.stakes) {
    if (stake.isNegative())
      throw new Error(`invariant: pot ${state.potId}: stake of ${agencyId} is ${stake.toFixed(2)}`);
  }
  const stakes = sum(state.stakes.values());
  if (!stakes.equals(available(state))) {
    throw new Error(
      `invariant: pot ${state.potId}: sum of stakes ${stakes.toFixed(2)} ≠ available ${available(state).toFixed(2)}`,
    );
  }
  if (state.status === 'closed' && !stakes.isZero())
    throw new Error(`invariant: closed pot ${state.potId} still holds ${stakes.toFixed(2)}`);
}

/** Net funding of an intervention, per agency with a positive amount, in agency id order. */
export function fundersOf(intervention: InterventionRecord): { agencyId: string; amount: Money }[] {
  return [...intervention.netFundingByAgency]
    .filter(([, amount]) => amount.gt(0))
    .map(([agencyId, amount]) => ({ agencyId, amount }))
    .sort((a, b) => (a.agencyId < b.agencyId ? -1 : a.agencyId > b.agencyId ? 1 : 0));
}

/**
 * The outcomes whose benefit flows rest on an allocation: standing (not retracted) outcomes of
 * its intervention recorded after it, whose flows were split by a funding that included it.
 * Outcomes recorded before it were attributed without it, so it can go without touching them.
 */
export function outcomesResting(
  state: PotState,
  allocation: AllocationRecord,
): { outcomeId: string; eventId: string }[] {
  const resting: { outcomeId: string; eventId: string }[] = [];
  for (const [outcomeId, outcome] of state.outcomes) {
    if (
      !outcome.retracted &&
      outcome.interventionId === allocation.interventionId &&
      outcome.sequence > allocation.sequence
    ) {
      resting.push({ outcomeId, eventId: outcome.eventId });
    }
  }
  return resting;
}
