/**
 * The pooled-fund year's books (../shared/POOLED-FUND-YEAR.md, docs/pooled-fund-year.md): per
 * pot, what the quarterly monitoring report and the memorandum account read — agreement
 * versions, scheme details, each scheme's budget, spend and commitments by date and year, each
 * partner's contributions and risk-share payments by date, agreed contributions, settlements,
 * closes and returns. The reports themselves are pure functions over this state
 * (projections/poolYearReports.ts).
 *
 * Every figure follows the one year rule (reportingYear.ts): an entry counts in the financial
 * year of its own effective date, a reversal in the year it is dated in. A commitment's
 * movements count in the year it was raised (it reserves that year's budget), dated when they
 * happened, so "outstanding at the quarter's end" is a sum over dates.
 *
 * Bounded: per pot, per year and scheme, one running figure per date (at most a year of dates
 * for budget and spend); per year and partner, one per date for contributions; one small record
 * per commitment and per forecast (a forecast is needed for "latest at a quarter", a commitment
 * for the year its movements count in). Books read by effective date (`asAt`) fold a filtered
 * history, so a movement of a commitment the filter left out is ignored rather than fatal: the
 * movement is never dated before the commitment, so only an inconsistent log can have one.
 *
 * Every figure is whole pence (`Pence`, bigint, issue 18), added without decimal.js and turned
 * into Decimal or a 2-dp string only when a report is built. bigint rather than a JS number: one
 * line may be £1 trillion (10^14 pence), so a sum of a hundred such lines passes 2^53.
 */
import type { Envelope } from '../events/index.ts';
import { parsePence, type Pence } from '../events/money.ts';
import type { FinancialYearSettled, SchemeDetailsRecorded } from '../events/poolYear.ts';
import type { AgreementRecorded } from '../events/poolYear.ts';
import type { JournalMappingRecorded } from '../events/journalMapping.ts';
import type { BcfMinimumsRecorded } from '../events/betterCareFund.ts';
import { financialYearOf } from '../events/primitives.ts';
import {
  emptyAgreedContributions,
  noteAgreement,
  type AgreedContributionsFigures,
} from './agreedContributions.ts';
import type { Projection } from './projection.ts';

/** What moved on one date: budget (allocations), spend, and the commitments raised in this year. */
export interface DatedMovement {
  budget: Pence;
  spent: Pence;
  committed: Pence;
}

/** One scheme (intervention) in one financial year. */
export interface SchemeYearBooks {
  /** Net allocations dated in the year. */
  budget: Pence;
  /** Net spend dated in the year. */
  spent: Pence;
  /** Each partner's net allocation shares dated in the year, before any settlement. */
  readonly funding: Map<string, Pence>;
  /** Movements by effective date (committed: of commitments raised in this year, whenever dated). */
  readonly byDate: Map<string, DatedMovement>;
}

/** One partner in one financial year. */
export interface PartnerYearBooks {
  /** Net contributions dated in the year, risk-share payments not included. */
  contributions: Pence;
  /** Net contributions by effective date, for "received to the quarter's end". */
  readonly contributionsByDate: Map<string, Pence>;
  /** Net risk-share payments dated in the year (they pay a debt, not a stake). */
  riskSharePaid: Pence;
  /** Given back in the year: a settlement's returns (dated 31 March) and the pot's close. */
  returned: Pence;
}

export interface YearBooks {
  readonly schemes: Map<string, SchemeYearBooks>;
  readonly partners: Map<string, PartnerYearBooks>;
  settlement: { readonly eventId: string; readonly data: FinancialYearSettled } | null;
  /** FinancialYearClosed recorded for the year. */
  closed: boolean;
  /**
   * A Better Care Fund pot's contributions by "fundingStream agencyId", net, by effective date
   * (risk-share payments not included).
   */
  readonly streams: Map<
    string,
    {
      readonly fundingStream: string;
      readonly agencyId: string;
      readonly byDate: Map<string, Pence>;
    }
  >;
}

/** An agreement version as GET …/agreements answers it: the event's data and where it sits. */
export type AgreementVersionView = AgreementRecorded & {
  readonly eventId: string;
  readonly position: string;
  readonly recordedAt: string;
};

export interface ForecastBooks {
  readonly interventionId: string;
  readonly financialYear: string;
  readonly quarter: number;
  readonly forecastOutturn: string;
  readonly explanation: string | null;
  readonly position: bigint;
  withdrawn: boolean;
}

export interface PoolYearPot {
  readonly potId: string;
  readonly hostAgencyId: string;
  /** In the order they joined (the host first). */
  readonly partners: string[];
  readonly interventions: Map<string, { readonly name: string; readonly leadAgencyId: string }>;
  /** Versions in log order; the last is the one in force. */
  readonly agreements: AgreementVersionView[];
  readonly schemes: Map<string, SchemeDetailsRecorded>;
  /** commitmentId → the scheme and year its movements count in. */
  readonly commitments: Map<string, { readonly interventionId: string; readonly year: string }>;
  readonly forecasts: Map<string, ForecastBooks>;
  readonly years: Map<string, YearBooks>;
  readonly agreed: AgreedContributionsFigures;
  /** Each agency's journal mapping versions in log order; the last is the one in force. */
  readonly journalMappings: Map<string, JournalMappingView[]>;
  /** A Better Care Fund pot's contributions that named a funding stream: contributionId → stream. */
  readonly contributionStreams: Map<string, string>;
  /** The Better Care Fund minimums in force, by financial year (the latest record). */
  readonly bcfMinimums: Map<string, BcfMinimumsRecorded>;
}

export type JournalMappingView = JournalMappingRecorded & {
  readonly eventId: string;
  readonly position: string;
  readonly recordedAt: string;
};

export interface PoolYearState {
  readonly pots: Map<string, PoolYearPot>;
}

export const poolYearProjection: Projection<PoolYearState> = {
  name: 'poolYear',
  initialState: () => ({ pots: new Map() }),
  evolve(state, event) {
    if (event.type === 'PotOpened') {
      openPot(state, event);
      return state;
    }
    if (
      event.type === 'AgencyRegistered' ||
      event.type === 'IdempotencyKeyClaimed' ||
      event.type === 'UnitCostAdded' ||
      event.type === 'SignInMappingChanged'
    )
      return state;
    const pot = state.pots.get(event.data.potId);
    if (pot === undefined)
      throw new Error(
        `invariant: ${event.type} ${event.eventId} names unknown pot ${event.data.potId}`,
      );
    evolvePot(pot, event);
    return state;
  },
};

type PotEnvelope = Exclude<
  Envelope,
  {
    type:
      | 'PotOpened'
      | 'AgencyRegistered'
      | 'IdempotencyKeyClaimed'
      | 'UnitCostAdded'
      | 'SignInMappingChanged';
  }
>;
type EventOf<T extends Envelope['type']> = Extract<Envelope, { type: T }>;

function evolvePot(pot: PoolYearPot, event: PotEnvelope): void {
  switch (event.type) {
    case 'PartnerJoined':
      if (!pot.partners.includes(event.data.agencyId)) pot.partners.push(event.data.agencyId);
      return;
    case 'InterventionDefined':
      pot.interventions.set(event.data.interventionId, {
        name: event.data.name,
        leadAgencyId: event.data.leadAgencyId,
      });
      return;
    case 'ContributionReceived':
    case 'ContributionReversed':
      return moveContribution(pot, event);
    case 'ContributionAgreed':
      return noteAgreement(pot.agreed, event.data);
    case 'FundsAllocated':
    case 'AllocationReversed':
      return moveAllocation(pot, event);
    case 'SpendRecorded':
    case 'SpendReversed':
      return moveSpend(pot, event);
    case 'ClaimPaid': {
      // A paid outcome claim is spend of its intervention (events/outcomePayments.ts).
      const d = event.data;
      const scheme = schemeYear(yearBooks(pot, financialYearOf(d.effectiveDate)), d.interventionId);
      const amount = parsePence(d.amount);
      scheme.spent += amount;
      movementOn(scheme, d.effectiveDate).spent += amount;
      return;
    }
    case 'CommitmentRaised': {
      const d = event.data;
      const year = financialYearOf(d.effectiveDate);
      pot.commitments.set(d.commitmentId, { interventionId: d.interventionId, year });
      return moveCommitment(pot, d.commitmentId, d.effectiveDate, parsePence(d.amount));
    }
    case 'CommitmentReleased':
    case 'CommitmentReversed':
      return moveCommitment(
        pot,
        event.data.commitmentId,
        event.data.effectiveDate,
        -parsePence(event.data.amount),
      );
    case 'ForecastRecorded': {
      const d = event.data;
      pot.forecasts.set(d.forecastId, {
        interventionId: d.interventionId,
        financialYear: d.financialYear,
        quarter: d.quarter,
        forecastOutturn: d.forecastOutturn,
        explanation: d.explanation ?? null,
        position: event.position,
        withdrawn: false,
      });
      return;
    }
    case 'ForecastWithdrawn': {
      const forecast = pot.forecasts.get(event.data.forecastId);
      if (forecast !== undefined) forecast.withdrawn = true;
      return;
    }
    case 'AgreementRecorded':
      pot.agreements.push({
        ...event.data,
        eventId: event.eventId,
        position: event.position.toString(),
        recordedAt: event.metadata.recordedAt,
      });
      return;
    case 'SchemeDetailsRecorded':
      pot.schemes.set(event.data.interventionId, event.data);
      return;
    case 'JournalMappingRecorded': {
      const versions = pot.journalMappings.get(event.data.agencyId) ?? [];
      versions.push({
        ...event.data,
        eventId: event.eventId,
        position: event.position.toString(),
        recordedAt: event.metadata.recordedAt,
      });
      pot.journalMappings.set(event.data.agencyId, versions);
      return;
    }
    case 'BcfMinimumsRecorded':
      pot.bcfMinimums.set(event.data.financialYear, event.data);
      return;
    case 'FinancialYearSettled': {
      const year = yearBooks(pot, event.data.financialYear);
      if (year.settlement !== null)
        throw new Error(`invariant: ${event.data.financialYear} of pot ${pot.potId} settled twice`);
      year.settlement = { eventId: event.eventId, data: event.data };
      noteReturns(year, event.data.returns);
      return;
    }
    case 'FinancialYearClosed':
      yearBooks(pot, event.data.financialYear).closed = true;
      return;
    case 'PotClosed': {
      noteReturns(yearBooks(pot, financialYearOf(event.data.effectiveDate)), event.data.returns);
      return;
    }
    case 'OutcomeRecorded':
    case 'OutcomeRetracted':
    case 'InterventionAssumptionsSet':
    case 'ApprovalThresholdChanged':
    case 'AllocationRequested':
    case 'AllocationApproved':
    case 'AllocationRejected':
    case 'SelfApprovalAttempted':
    case 'RateCardRecorded':
    case 'OutcomeClaimed':
    case 'ClaimValidated':
    case 'ClaimRejected':
      return;
    default: {
      const unhandled: never = event;
      throw new Error(`invariant: poolYear does not know event ${(unhandled as Envelope).type}`);
    }
  }
}

function openPot(state: PoolYearState, event: EventOf<'PotOpened'>): void {
  const d = event.data;
  if (state.pots.has(d.potId)) throw new Error(`invariant: pot ${d.potId} opened twice`);
  state.pots.set(d.potId, {
    potId: d.potId,
    hostAgencyId: d.hostAgencyId,
    partners: [d.hostAgencyId, ...d.partnerAgencyIds.filter((id) => id !== d.hostAgencyId)],
    interventions: new Map(),
    agreements: [],
    schemes: new Map(),
    commitments: new Map(),
    forecasts: new Map(),
    years: new Map(),
    agreed: emptyAgreedContributions(),
    journalMappings: new Map(),
    contributionStreams: new Map(),
    bcfMinimums: new Map(),
  });
}

export function yearBooks(pot: PoolYearPot, financialYear: string): YearBooks {
  let year = pot.years.get(financialYear);
  if (year === undefined) {
    year = {
      schemes: new Map(),
      partners: new Map(),
      settlement: null,
      closed: false,
      streams: new Map(),
    };
    pot.years.set(financialYear, year);
  }
  return year;
}

function schemeYear(year: YearBooks, interventionId: string): SchemeYearBooks {
  let scheme = year.schemes.get(interventionId);
  if (scheme === undefined) {
    scheme = { budget: 0n, spent: 0n, funding: new Map(), byDate: new Map() };
    year.schemes.set(interventionId, scheme);
  }
  return scheme;
}

function partnerYear(year: YearBooks, agencyId: string): PartnerYearBooks {
  let partner = year.partners.get(agencyId);
  if (partner === undefined) {
    partner = {
      contributions: 0n,
      contributionsByDate: new Map(),
      riskSharePaid: 0n,
      returned: 0n,
    };
    year.partners.set(agencyId, partner);
  }
  return partner;
}

function noteReturns(
  year: YearBooks,
  returns: readonly { readonly agencyId: string; readonly amount: string }[],
): void {
  for (const returned of returns) {
    const partner = partnerYear(year, returned.agencyId);
    partner.returned += parsePence(returned.amount);
  }
}

function movementOn(scheme: SchemeYearBooks, date: string): DatedMovement {
  let movement = scheme.byDate.get(date);
  if (movement === undefined) {
    movement = { budget: 0n, spent: 0n, committed: 0n };
    scheme.byDate.set(date, movement);
  }
  return movement;
}

function addTo(map: Map<string, Pence>, key: string, delta: Pence): void {
  map.set(key, (map.get(key) ?? 0n) + delta);
}

function moveContribution(
  pot: PoolYearPot,
  event: EventOf<'ContributionReceived' | 'ContributionReversed'>,
): void {
  const d = event.data;
  const received = parsePence(d.amount);
  const amount = event.type === 'ContributionReceived' ? received : -received;
  const year = yearBooks(pot, financialYearOf(d.effectiveDate));
  const partner = partnerYear(year, d.agencyId);
  if (d.riskShareFor !== undefined) {
    partner.riskSharePaid += amount;
    return;
  }
  partner.contributions += amount;
  addTo(partner.contributionsByDate, d.effectiveDate, amount);
  const fundingStream =
    event.type === 'ContributionReceived'
      ? event.data.fundingStream
      : pot.contributionStreams.get(d.contributionId);
  if (fundingStream === undefined) return;
  if (event.type === 'ContributionReceived')
    pot.contributionStreams.set(d.contributionId, fundingStream);
  const key = `${fundingStream} ${d.agencyId}`;
  let stream = year.streams.get(key);
  if (stream === undefined) {
    stream = { fundingStream, agencyId: d.agencyId, byDate: new Map() };
    year.streams.set(key, stream);
  }
  addTo(stream.byDate, d.effectiveDate, amount);
}

/** Whether the agreement in force makes the pot a Better Care Fund pot. */
export function isBetterCareFund(pot: PoolYearPot): boolean {
  return pot.agreements.at(-1)?.betterCareFund !== undefined;
}

function moveAllocation(
  pot: PoolYearPot,
  event: EventOf<'FundsAllocated' | 'AllocationReversed'>,
): void {
  const d = event.data;
  const sign = event.type === 'FundsAllocated' ? 1n : -1n;
  const scheme = schemeYear(yearBooks(pot, financialYearOf(d.effectiveDate)), d.interventionId);
  const amount = parsePence(d.amount) * sign;
  scheme.budget += amount;
  movementOn(scheme, d.effectiveDate).budget += amount;
  for (const share of d.fundingShares)
    addTo(scheme.funding, share.agencyId, parsePence(share.amount) * sign);
}

function moveSpend(pot: PoolYearPot, event: EventOf<'SpendRecorded' | 'SpendReversed'>): void {
  const d = event.data;
  const sign = event.type === 'SpendRecorded' ? 1n : -1n;
  const scheme = schemeYear(yearBooks(pot, financialYearOf(d.effectiveDate)), d.interventionId);
  const amount = parsePence(d.amount) * sign;
  scheme.spent += amount;
  movementOn(scheme, d.effectiveDate).spent += amount;
  // A spend against a commitment releases part of it; its reversal makes that part outstanding again.
  const commitmentMoved =
    event.type === 'SpendRecorded' ? event.data.commitmentReleased : event.data.commitmentRestored;
  if (d.commitmentId !== undefined && commitmentMoved !== undefined)
    moveCommitment(pot, d.commitmentId, d.effectiveDate, parsePence(commitmentMoved) * -sign);
}

function moveCommitment(pot: PoolYearPot, commitmentId: string, date: string, delta: Pence): void {
  const commitment = pot.commitments.get(commitmentId);
  if (commitment === undefined) return;
  const scheme = schemeYear(yearBooks(pot, commitment.year), commitment.interventionId);
  movementOn(scheme, date).committed += delta;
}

/**
 * Whether year Y counts spend against budgets. An agreement version applies to every year not
 * yet settled (POOLED-FUND-YEAR.md), so a year tracks spend when it is settled, or when the
 * agreement in force tracks spend and the year was not closed before it (a pot tracking spend
 * cannot close a year with budgets unsettled, so a closed unsettled year was closed under the
 * old rule). Every other year behaves as potledger always has: an allocation counts as money
 * spent. Both reports, and both ways to the memorandum's closing balance, use this one rule.
 */
export function tracksSpendIn(pot: PoolYearPot, financialYear: string): boolean {
  const year = pot.years.get(financialYear);
  if (year?.settlement != null) return true;
  return pot.agreements.at(-1)?.spendTracking === true && year?.closed !== true;
}
