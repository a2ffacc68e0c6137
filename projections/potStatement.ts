/**
 * The pooled fund's memorandum statement for one financial year — what a Section 75 pooled
 * budget's host must publish and what an inspector checks line by line: the opening balance,
 * contributions by partner, allocations by intervention, outcomes and benefits by agency,
 * reversals, the closing balance and each partner's share of it.
 *
 * The statement is built from the pot's own events (its stream), by effective date: entries
 * dated before the year make the opening balance, entries dated inside it are the year's
 * movements, entries dated after it are left out. Two independent routes reach the closing
 * balance — the opening balance plus the year's movements, and the sum of the partners'
 * closing stakes — and they must agree, or the statement is not published (the fold throws).
 *
 * The pooled-fund year (events/poolYear.ts): spend paid to providers is listed by intervention
 * (it is money paid out of the funding already allocated, so it does not move the balance);
 * the year-end settlement, dated 31 March of its year, moves the stakes — released underspend
 * back (+), cover drawn (−), under `return` every stake given back — and its shares are debts
 * of the partners, listed but outside the balance; risk-share payments pay those debts and
 * are listed apart from contributions, never in a stake.
 */
import type { Envelope } from '../events/index.ts';
import { formatAmount, formatShares, money, sum, ZERO, type Money } from '../events/money.ts';
import type { FundingShare } from '../events/pot.ts';
import {
  priorPeriodAdjustmentOf,
  yearRelation,
  type MoneyEntry,
  type PriorPeriodAdjustmentLine,
} from './reportingYear.ts';

const MONEY_ENTRY_TYPES: ReadonlySet<string> = new Set<MoneyEntry['type']>([
  'ContributionReceived',
  'ContributionReversed',
  'FundsAllocated',
  'AllocationReversed',
  'OutcomeRecorded',
  'OutcomeRetracted',
]);

/** Requests and approvals carry the label too, but move no money: the FundsAllocated does. */
function isMoneyEntry(event: Envelope): event is MoneyEntry {
  return MONEY_ENTRY_TYPES.has(event.type);
}

export interface StatementPeriod {
  readonly financialYear: string;
  /** First day of the year, 1 April. */
  readonly from: string;
  /** Last day of the year, 31 March. */
  readonly to: string;
}

export interface StatementPartnerLine {
  readonly agencyId: string;
  readonly openingStake: string;
  readonly contributionsReceived: string;
  readonly contributionsReversed: string;
  readonly drawn: string;
  readonly drawnReversed: string;
  readonly returned: string;
  /** The year's settlement: underspend released back to its stake. */
  readonly settlementReleased?: string;
  /** The year's settlement: overspend covered from its stake. */
  readonly settlementCovered?: string;
  /** The year's settlement: its share of the overspend, a debt to the pot (not in its stake). */
  readonly riskShareOwed?: string;
  /** Risk-share payments dated in the year, net of reversals dated in it (not in its stake). */
  readonly riskSharePaid?: string;
  readonly closingStake: string;
  /**
   * Closing stake ÷ closing balance, to 4 dp; null when the closing balance is zero. The
   * partners' shares sum to exactly 1 (largest remainder: money.ts formatShares).
   */
  readonly shareOfClosingBalance: string | null;
  /** Net contributions in the year ÷ the pot's net contributions in the year; null when zero. */
  readonly shareOfContributions: string | null;
}

export interface StatementInterventionLine {
  readonly interventionId: string;
  readonly name: string;
  readonly leadAgencyId: string;
  readonly allocated: string;
  readonly allocationsReversed: string;
  readonly netAllocated: string;
  readonly outcomesRecorded: number;
  readonly outcomesRetracted: number;
  readonly benefits: string;
  readonly benefitsRetracted: string;
  readonly netBenefits: string;
  /** Spend paid to providers dated in the year, its reversals, and the net. */
  readonly spent?: string;
  readonly spendReversed?: string;
  readonly netSpent?: string;
  /** The year's settlement of this scheme: released underspend, cover from the stakes, partners' shares. */
  readonly settlementReleased?: string;
  readonly settlementCovered?: string;
  readonly settlementShared?: string;
}

export interface StatementBenefitLine {
  readonly agencyId: string;
  readonly cashable: string;
  readonly nonCashable: string;
  readonly total: string;
}

export interface StatementReversalLine {
  readonly position: string;
  readonly eventId: string;
  readonly type: 'ContributionReversed' | 'AllocationReversed' | 'OutcomeRetracted';
  readonly reversedEventId: string;
  /** The agency whose contribution was reversed; null for an allocation or an outcome. */
  readonly agencyId: string | null;
  /** The intervention whose allocation or outcome was undone; null for a contribution. */
  readonly interventionId: string | null;
  readonly effectiveDate: string;
  readonly amount: string;
  readonly reason: string;
  readonly actor: string;
}

/** The settlement dated in the year (31 March): its totals and what each partner owes. */
export interface StatementSettlement {
  readonly financialYear: string;
  readonly eventId: string;
  readonly effectiveDate: string;
  readonly agreementVersion: number;
  readonly released: string;
  readonly covered: string;
  readonly shared: string;
  readonly returned: string;
  readonly owedByPartners: readonly { readonly agencyId: string; readonly amount: string }[];
}

/** A correction booked in this year for a closed earlier year (labelled so by the ledger). */
export type StatementAdjustmentLine = PriorPeriodAdjustmentLine;

export interface PotStatement {
  readonly potId: string;
  readonly name: string;
  readonly area: string;
  readonly hostAgencyId: string;
  readonly currency: string;
  readonly period: StatementPeriod;
  /** Position of the last pot event the statement read (entries after the year included). */
  readonly position: string;
  readonly openingBalance: string;
  readonly contributions: {
    readonly received: string;
    readonly reversed: string;
    readonly net: string;
  };
  readonly allocations: {
    readonly allocated: string;
    readonly reversed: string;
    readonly net: string;
  };
  /** Given back to the partners in the year: the pot's close and a settlement under `return`. */
  readonly returnedToPartners: string;
  /** The year's settlement, or null when it has none. */
  readonly settlement?: StatementSettlement | null;
  /** Settlement movements of the stakes in the year: released back (+), covered from them (−). */
  readonly settlementMovements?: { readonly released: string; readonly covered: string };
  /** Risk-share payments dated in the year: they pay debts, outside the balance. */
  readonly riskSharePayments?: {
    readonly received: string;
    readonly reversed: string;
    readonly net: string;
  };
  /** Spend dated in the year: money paid out of funding already allocated, outside the balance. */
  readonly spend?: { readonly spent: string; readonly reversed: string; readonly net: string };
  readonly closingBalance: string;
  readonly partners: readonly StatementPartnerLine[];
  readonly interventions: readonly StatementInterventionLine[];
  /** Net benefits of outcomes dated in the year, by the agency whose budget they land in. */
  readonly benefitsByAgency: readonly StatementBenefitLine[];
  readonly reversals: readonly StatementReversalLine[];
  readonly priorPeriodAdjustments: readonly StatementAdjustmentLine[];
  /** Whether the year has been closed (FinancialYearClosed): its figures can no longer change. */
  readonly yearClosed: boolean;
  /** The effective date the pot was closed on, when that falls in the year. */
  readonly potClosedOn: string | null;
  /** Entries counted in the year for how the books were built, in log order. */
  readonly entriesInYear: number;
}

interface PartnerFigures {
  opening: Money;
  received: Money;
  reversed: Money;
  drawn: Money;
  drawnReversed: Money;
  returned: Money;
  released: Money;
  covered: Money;
  riskShareOwed: Money;
  riskSharePaid: Money;
}

interface InterventionFigures {
  readonly name: string;
  readonly leadAgencyId: string;
  allocated: Money;
  reversed: Money;
  outcomes: number;
  retracted: number;
  benefits: Money;
  benefitsRetracted: Money;
  spent: Money;
  spendReversed: Money;
  released: Money;
  covered: Money;
  shared: Money;
}

interface BenefitFigures {
  cashable: Money;
  nonCashable: Money;
}

/** 1 April to 31 March of a year labelled "2025-26". */
export function statementPeriod(financialYear: string): StatementPeriod {
  const startYear = Number(financialYear.slice(0, 4));
  return { financialYear, from: `${startYear}-04-01`, to: `${startYear + 1}-03-31` };
}

type When = 'before' | 'during' | 'after';

/** The one rule of reportingYear.ts: an entry, a reversal included, counts in its own date's year. */
function whenOf(effectiveDate: string, period: StatementPeriod): When {
  return yearRelation({ effectiveDate }, period.financialYear);
}

type PotOpenedData = Extract<Envelope, { type: 'PotOpened' }>['data'];
type EventOf<T extends Envelope['type']> = Extract<Envelope, { type: T }>;

/** What the statement has gathered so far from the pot's events, in log order. */
interface StatementFold {
  readonly potId: string;
  readonly period: StatementPeriod;
  opened: PotOpenedData | undefined;
  position: bigint;
  entriesInYear: number;
  yearClosed: boolean;
  closedOn: string | undefined;
  readonly partners: Map<string, PartnerFigures>;
  readonly interventions: Map<string, InterventionFigures>;
  readonly benefits: Map<string, BenefitFigures>;
  readonly reversals: StatementReversalLine[];
  readonly priorPeriodAdjustments: StatementAdjustmentLine[];
  settlement: StatementSettlement | undefined;
  /** The pot has recorded an agreement: only then does the statement carry the pooled-fund lines. */
  pooledFund: boolean;
  readonly totals: {
    received: Money;
    reversed: Money;
    allocated: Money;
    allocationsReversed: Money;
    returned: Money;
    released: Money;
    covered: Money;
    riskShareReceived: Money;
    riskShareReversed: Money;
    spent: Money;
    spendReversed: Money;
    openingByMovements: Money;
  };
}

function emptyFold(potId: string, period: StatementPeriod): StatementFold {
  return {
    potId,
    period,
    opened: undefined,
    position: 0n,
    entriesInYear: 0,
    yearClosed: false,
    closedOn: undefined,
    partners: new Map(),
    interventions: new Map(),
    benefits: new Map(),
    reversals: [],
    priorPeriodAdjustments: [],
    settlement: undefined,
    pooledFund: false,
    totals: {
      received: ZERO,
      reversed: ZERO,
      allocated: ZERO,
      allocationsReversed: ZERO,
      returned: ZERO,
      released: ZERO,
      covered: ZERO,
      riskShareReceived: ZERO,
      riskShareReversed: ZERO,
      spent: ZERO,
      spendReversed: ZERO,
      openingByMovements: ZERO,
    },
  };
}

function partnerOf(fold: StatementFold, agencyId: string): PartnerFigures {
  let figures = fold.partners.get(agencyId);
  if (figures === undefined) {
    figures = {
      opening: ZERO,
      received: ZERO,
      reversed: ZERO,
      drawn: ZERO,
      drawnReversed: ZERO,
      returned: ZERO,
      released: ZERO,
      covered: ZERO,
      riskShareOwed: ZERO,
      riskSharePaid: ZERO,
    };
    fold.partners.set(agencyId, figures);
  }
  return figures;
}

function interventionOf(fold: StatementFold, interventionId: string): InterventionFigures {
  const figures = fold.interventions.get(interventionId);
  if (figures === undefined)
    throw new Error(
      `invariant: intervention ${interventionId} is not defined in pot ${fold.potId}`,
    );
  return figures;
}

/** A reversal line of the year: what it reversed, for how much, why and by whom. */
function addReversal(
  fold: StatementFold,
  event: EventOf<'ContributionReversed' | 'AllocationReversed' | 'OutcomeRetracted'>,
  amount: Money,
): void {
  fold.reversals.push({
    position: event.position.toString(),
    eventId: event.eventId,
    type: event.type,
    reversedEventId: event.data.reversedEventId,
    agencyId: event.type === 'ContributionReversed' ? event.data.agencyId : null,
    interventionId: event.type === 'ContributionReversed' ? null : event.data.interventionId,
    effectiveDate: event.data.effectiveDate,
    amount: formatAmount(amount),
    reason: event.data.reason,
    actor: event.metadata.actor.sub,
  });
}

function addContribution(
  fold: StatementFold,
  event: EventOf<'ContributionReceived' | 'ContributionReversed'>,
): void {
  const when = whenOf(event.data.effectiveDate, fold.period);
  if (when === 'after') return;
  const { totals } = fold;
  const figures = partnerOf(fold, event.data.agencyId);
  const amount = money(event.data.amount);
  const received = event.type === 'ContributionReceived';
  if (event.data.riskShareFor !== undefined) {
    // A risk-share payment pays a debt: never in a stake, so no opening balance either.
    if (when === 'before') return;
    fold.entriesInYear += 1;
    figures.riskSharePaid = received
      ? figures.riskSharePaid.plus(amount)
      : figures.riskSharePaid.minus(amount);
    if (event.type === 'ContributionReversed') {
      addReversal(fold, event, amount);
      totals.riskShareReversed = totals.riskShareReversed.plus(amount);
    } else totals.riskShareReceived = totals.riskShareReceived.plus(amount);
    return;
  }
  if (when === 'before') {
    figures.opening = received ? figures.opening.plus(amount) : figures.opening.minus(amount);
    totals.openingByMovements = received
      ? totals.openingByMovements.plus(amount)
      : totals.openingByMovements.minus(amount);
    return;
  }
  fold.entriesInYear += 1;
  if (event.type === 'ContributionReversed') {
    addReversal(fold, event, amount);
    figures.reversed = figures.reversed.plus(amount);
    totals.reversed = totals.reversed.plus(amount);
    return;
  }
  figures.received = figures.received.plus(amount);
  totals.received = totals.received.plus(amount);
}

/** Moves the funding partners' stakes: into the opening before the year, into drawn during it. */
function moveShares(
  fold: StatementFold,
  shares: readonly FundingShare[],
  when: When,
  sign: 1 | -1,
): void {
  for (const share of shares) {
    const figures = partnerOf(fold, share.agencyId);
    const amount = money(share.amount);
    if (when === 'before') figures.opening = figures.opening.minus(amount.times(sign));
    else if (sign === 1) figures.drawn = figures.drawn.plus(amount);
    else figures.drawnReversed = figures.drawnReversed.plus(amount);
  }
}

function addAllocation(
  fold: StatementFold,
  event: EventOf<'FundsAllocated' | 'AllocationReversed'>,
): void {
  const when = whenOf(event.data.effectiveDate, fold.period);
  if (when === 'after') return;
  const { totals } = fold;
  const allocated = event.type === 'FundsAllocated';
  const amount = money(event.data.amount);
  moveShares(fold, event.data.fundingShares, when, allocated ? 1 : -1);
  if (when === 'before') {
    totals.openingByMovements = allocated
      ? totals.openingByMovements.minus(amount)
      : totals.openingByMovements.plus(amount);
    return;
  }
  fold.entriesInYear += 1;
  const figures = interventionOf(fold, event.data.interventionId);
  if (event.type === 'FundsAllocated') {
    figures.allocated = figures.allocated.plus(amount);
    totals.allocated = totals.allocated.plus(amount);
  } else {
    figures.reversed = figures.reversed.plus(amount);
    totals.allocationsReversed = totals.allocationsReversed.plus(amount);
    addReversal(fold, event, amount);
  }
}

/** Outcomes count only in the year they are dated in: benefits have no opening balance. */
function addOutcome(
  fold: StatementFold,
  event: EventOf<'OutcomeRecorded' | 'OutcomeRetracted'>,
): void {
  if (whenOf(event.data.effectiveDate, fold.period) !== 'during') return;
  fold.entriesInYear += 1;
  const recorded = event.type === 'OutcomeRecorded';
  const figures = interventionOf(fold, event.data.interventionId);
  const total = sum(event.data.benefits.map((b) => money(b.amount)));
  for (const line of event.data.benefits) {
    let agency = fold.benefits.get(line.agencyId);
    if (agency === undefined) {
      agency = { cashable: ZERO, nonCashable: ZERO };
      fold.benefits.set(line.agencyId, agency);
    }
    const amount = money(line.amount).times(recorded ? 1 : -1);
    if (line.cashable) agency.cashable = agency.cashable.plus(amount);
    else agency.nonCashable = agency.nonCashable.plus(amount);
  }
  if (event.type === 'OutcomeRecorded') {
    figures.outcomes += 1;
    figures.benefits = figures.benefits.plus(total);
  } else {
    figures.retracted += 1;
    figures.benefitsRetracted = figures.benefitsRetracted.plus(total);
    addReversal(fold, event, total);
  }
}

/** Spend is paid out of funding already allocated: listed by intervention, outside the balance. */
function addSpend(
  fold: StatementFold,
  event: EventOf<'SpendRecorded' | 'SpendReversed' | 'ClaimPaid'>,
): void {
  if (whenOf(event.data.effectiveDate, fold.period) !== 'during') return;
  fold.entriesInYear += 1;
  const figures = interventionOf(fold, event.data.interventionId);
  const amount = money(event.data.amount);
  // A paid outcome claim is spend of its intervention.
  if (event.type === 'SpendRecorded' || event.type === 'ClaimPaid') {
    figures.spent = figures.spent.plus(amount);
    fold.totals.spent = fold.totals.spent.plus(amount);
  } else {
    figures.spendReversed = figures.spendReversed.plus(amount);
    fold.totals.spendReversed = fold.totals.spendReversed.plus(amount);
    // Not a `reversals` line: that list's shape (and what a figures-only reader is shown of it)
    // is the statement route's contract, which knows three types. The exceptions list and the
    // audit trail name the spend reversal, its reason and who made it.
  }
}

/**
 * The settlement moves stakes as commands/potState.ts settleYear does: released underspend back
 * (+), cover drawn (−), returns given back (−); the shares are debts, outside the balance.
 */
function addSettlement(fold: StatementFold, event: EventOf<'FinancialYearSettled'>): void {
  const d = event.data;
  const when = whenOf(d.effectiveDate, fold.period);
  if (when === 'after') return;
  const { totals } = fold;
  const lineTotal = (lines: readonly { amount: string }[]): Money =>
    sum(lines.map((l) => money(l.amount)));
  for (const scheme of d.schemes) {
    for (const line of scheme.released) {
      const amount = money(line.amount);
      const figures = partnerOf(fold, line.agencyId);
      if (when === 'before') {
        figures.opening = figures.opening.plus(amount);
        totals.openingByMovements = totals.openingByMovements.plus(amount);
      } else {
        figures.released = figures.released.plus(amount);
        totals.released = totals.released.plus(amount);
      }
    }
    for (const line of scheme.covered) {
      const amount = money(line.amount);
      const figures = partnerOf(fold, line.agencyId);
      if (when === 'before') {
        figures.opening = figures.opening.minus(amount);
        totals.openingByMovements = totals.openingByMovements.minus(amount);
      } else {
        figures.covered = figures.covered.plus(amount);
        totals.covered = totals.covered.plus(amount);
      }
    }
    if (when === 'during') {
      const intervention = interventionOf(fold, scheme.interventionId);
      intervention.released = intervention.released.plus(lineTotal(scheme.released));
      intervention.covered = intervention.covered.plus(lineTotal(scheme.covered));
      intervention.shared = intervention.shared.plus(lineTotal(scheme.shared));
    }
  }
  for (const line of d.returns) {
    const amount = money(line.amount);
    const figures = partnerOf(fold, line.agencyId);
    if (when === 'before') {
      figures.opening = figures.opening.minus(amount);
      totals.openingByMovements = totals.openingByMovements.minus(amount);
    } else {
      figures.returned = figures.returned.plus(amount);
      totals.returned = totals.returned.plus(amount);
    }
  }
  if (when === 'before') return;
  fold.entriesInYear += 1;
  for (const owed of d.owedByPartners) {
    const figures = partnerOf(fold, owed.agencyId);
    figures.riskShareOwed = figures.riskShareOwed.plus(money(owed.amount));
  }
  fold.settlement = {
    financialYear: d.financialYear,
    eventId: event.eventId,
    effectiveDate: d.effectiveDate,
    agreementVersion: d.agreement.version,
    released: formatAmount(sum(d.schemes.map((s) => lineTotal(s.released)))),
    covered: formatAmount(sum(d.schemes.map((s) => lineTotal(s.covered)))),
    shared: formatAmount(sum(d.schemes.map((s) => lineTotal(s.shared)))),
    returned: formatAmount(lineTotal(d.returns)),
    owedByPartners: d.owedByPartners.map((l) => ({ agencyId: l.agencyId, amount: l.amount })),
  };
}

function addPotClosed(fold: StatementFold, event: EventOf<'PotClosed'>): void {
  const when = whenOf(event.data.effectiveDate, fold.period);
  if (when === 'after') return;
  const { totals } = fold;
  if (when === 'during') fold.entriesInYear += 1;
  for (const line of event.data.returns) {
    const figures = partnerOf(fold, line.agencyId);
    const amount = money(line.amount);
    if (when === 'before') {
      figures.opening = figures.opening.minus(amount);
      totals.openingByMovements = totals.openingByMovements.minus(amount);
    } else {
      figures.returned = figures.returned.plus(amount);
      totals.returned = totals.returned.plus(amount);
    }
  }
  if (when === 'during') fold.closedOn = event.data.effectiveDate;
}

/** Folds one event of the pot's stream into the statement. */
function addEvent(fold: StatementFold, event: Envelope): void {
  fold.position = event.position;
  const adjustment = isMoneyEntry(event) ? priorPeriodAdjustmentOf(event) : null;
  if (adjustment !== null && whenOf(adjustment.effectiveDate, fold.period) === 'during')
    fold.priorPeriodAdjustments.push(adjustment);
  switch (event.type) {
    case 'PotOpened':
      fold.opened = event.data;
      for (const agencyId of event.data.partnerAgencyIds) partnerOf(fold, agencyId);
      break;
    case 'PartnerJoined':
      partnerOf(fold, event.data.agencyId);
      break;
    case 'InterventionDefined':
      fold.interventions.set(event.data.interventionId, {
        name: event.data.name,
        leadAgencyId: event.data.leadAgencyId,
        allocated: ZERO,
        reversed: ZERO,
        outcomes: 0,
        retracted: 0,
        benefits: ZERO,
        benefitsRetracted: ZERO,
        spent: ZERO,
        spendReversed: ZERO,
        released: ZERO,
        covered: ZERO,
        shared: ZERO,
      });
      break;
    case 'ContributionReceived':
    case 'ContributionReversed':
      addContribution(fold, event);
      break;
    case 'FundsAllocated':
    case 'AllocationReversed':
      addAllocation(fold, event);
      break;
    case 'OutcomeRecorded':
    case 'OutcomeRetracted':
      addOutcome(fold, event);
      break;
    case 'PotClosed':
      addPotClosed(fold, event);
      break;
    case 'SpendRecorded':
    case 'SpendReversed':
    case 'ClaimPaid':
      addSpend(fold, event);
      break;
    case 'FinancialYearSettled':
      addSettlement(fold, event);
      break;
    case 'AgreementRecorded':
      // Rules, not money; a pot that tracks spend shows the pooled-fund lines from now on.
      if (event.data.spendTracking) fold.pooledFund = true;
      break;
    case 'FinancialYearClosed':
      // Closing a year locks every day up to its end, so earlier years are closed with it.
      if (event.data.closedThrough >= fold.period.to) fold.yearClosed = true;
      break;
    // Requests, approvals and refusals move no money: the FundsAllocated an approval writes does.
    case 'ApprovalThresholdChanged':
    case 'AllocationRequested':
    case 'AllocationApproved':
    case 'AllocationRejected':
    case 'SelfApprovalAttempted':
    case 'AgencyRegistered':
    case 'IdempotencyKeyClaimed':
    case 'UnitCostAdded':
    case 'SignInMappingChanged':
    case 'ContributionAgreed':
    case 'InterventionAssumptionsSet':
    case 'SchemeDetailsRecorded':
    case 'JournalMappingRecorded':
    case 'CommitmentRaised':
    case 'CommitmentReleased':
    case 'CommitmentReversed':
    case 'ForecastRecorded':
    case 'ForecastWithdrawn':
    case 'RateCardRecorded':
    case 'OutcomeClaimed':
    case 'ClaimValidated':
    case 'ClaimRejected':
    case 'BcfMinimumsRecorded':
      // None of these moves money (agreements, cost-benefit assumptions, scheme details,
      // commitments, which only reserve budget, and forecasts included): the statement's figures
      // ignore them.
      break;
    default: {
      const unhandled: never = event;
      throw new Error(
        `invariant: the statement does not know event ${(unhandled as Envelope).type}`,
      );
    }
  }
}

/**
 * The statement of pot `potId` for `financialYear`, from the pot's events in log order (other
 * streams' events are ignored), or null when the pot was never opened.
 */
export function potStatement(
  events: Iterable<Envelope>,
  potId: string,
  financialYear: string,
): PotStatement | null {
  const fold = emptyFold(potId, statementPeriod(financialYear));
  for (const event of events) {
    if (event.streamId === `pot-${potId}`) addEvent(fold, event);
  }
  return fold.opened === undefined ? null : statementOf(fold, fold.opened);
}

/** The published statement, once the two routes to the balances agree (else it throws). */
function statementOf(fold: StatementFold, opened: PotOpenedData): PotStatement {
  const { partners, totals, period } = fold;
  const closingStakes = new Map<string, Money>();
  for (const [agencyId, f] of partners) {
    closingStakes.set(
      agencyId,
      f.opening
        .plus(f.received)
        .minus(f.reversed)
        .minus(f.drawn)
        .plus(f.drawnReversed)
        .plus(f.released)
        .minus(f.covered)
        .minus(f.returned),
    );
  }
  const openingBalance = sum([...partners.values()].map((f) => f.opening));
  const closingBalance = sum(closingStakes.values());
  const netContributions = totals.received.minus(totals.reversed);
  const netAllocations = totals.allocated.minus(totals.allocationsReversed);
  const closingByMovements = totals.openingByMovements
    .plus(netContributions)
    .minus(netAllocations)
    .plus(totals.released)
    .minus(totals.covered)
    .minus(totals.returned);
  // The second route to the same figures: pot-level movements against the partners' stakes.
  if (
    !openingBalance.equals(totals.openingByMovements) ||
    !closingBalance.equals(closingByMovements)
  ) {
    throw new Error(
      `invariant: pot ${fold.potId} ${period.financialYear}: stakes give opening ${formatAmount(openingBalance)} / closing ${formatAmount(closingBalance)}, ` +
        `movements give ${formatAmount(totals.openingByMovements)} / ${formatAmount(closingByMovements)}`,
    );
  }

  // Shares that make up a whole print summing to exactly 1 (largest remainder, as money is split).
  const shares = {
    ofClosingBalance: formatShares(
      [...partners.keys()].map((key) => ({ key, weight: closingStakes.get(key)! })),
    ),
    ofContributions: formatShares(
      [...partners].map(([key, f]) => ({ key, weight: f.received.minus(f.reversed) })),
    ),
  };

  return {
    potId: opened.potId,
    name: opened.name,
    area: opened.area,
    hostAgencyId: opened.hostAgencyId,
    currency: opened.currency,
    period,
    position: fold.position.toString(),
    openingBalance: formatAmount(openingBalance),
    contributions: {
      received: formatAmount(totals.received),
      reversed: formatAmount(totals.reversed),
      net: formatAmount(netContributions),
    },
    allocations: {
      allocated: formatAmount(totals.allocated),
      reversed: formatAmount(totals.allocationsReversed),
      net: formatAmount(netAllocations),
    },
    returnedToPartners: formatAmount(totals.returned),
    // A pot with an agreement (the pooled-fund year) has these lines; one without answers as it always has.
    ...(fold.pooledFund
      ? {
          settlement: fold.settlement ?? null,
          settlementMovements: {
            released: formatAmount(totals.released),
            covered: formatAmount(totals.covered),
          },
          riskSharePayments: {
            received: formatAmount(totals.riskShareReceived),
            reversed: formatAmount(totals.riskShareReversed),
            net: formatAmount(totals.riskShareReceived.minus(totals.riskShareReversed)),
          },
          spend: {
            spent: formatAmount(totals.spent),
            reversed: formatAmount(totals.spendReversed),
            net: formatAmount(totals.spent.minus(totals.spendReversed)),
          },
        }
      : {}),
    closingBalance: formatAmount(closingBalance),
    partners: [...partners].map(([agencyId, f]) =>
      partnerLine(agencyId, f, closingStakes.get(agencyId)!, shares, fold.pooledFund),
    ),
    interventions: [...fold.interventions].map(([interventionId, f]) =>
      interventionLine(interventionId, f, fold.pooledFund),
    ),
    benefitsByAgency: [...fold.benefits]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([agencyId, f]) => ({
        agencyId,
        cashable: formatAmount(f.cashable),
        nonCashable: formatAmount(f.nonCashable),
        total: formatAmount(f.cashable.plus(f.nonCashable)),
      })),
    reversals: fold.reversals,
    priorPeriodAdjustments: fold.priorPeriodAdjustments,
    yearClosed: fold.yearClosed,
    potClosedOn: fold.closedOn ?? null,
    entriesInYear: fold.entriesInYear,
  };
}

function partnerLine(
  agencyId: string,
  f: PartnerFigures,
  closing: Money,
  shares: {
    readonly ofClosingBalance: ReadonlyMap<string, string | null>;
    readonly ofContributions: ReadonlyMap<string, string | null>;
  },
  pooledFund: boolean,
): StatementPartnerLine {
  return {
    agencyId,
    openingStake: formatAmount(f.opening),
    contributionsReceived: formatAmount(f.received),
    contributionsReversed: formatAmount(f.reversed),
    drawn: formatAmount(f.drawn),
    drawnReversed: formatAmount(f.drawnReversed),
    returned: formatAmount(f.returned),
    ...(pooledFund
      ? {
          settlementReleased: formatAmount(f.released),
          settlementCovered: formatAmount(f.covered),
          riskShareOwed: formatAmount(f.riskShareOwed),
          riskSharePaid: formatAmount(f.riskSharePaid),
        }
      : {}),
    closingStake: formatAmount(closing),
    shareOfClosingBalance: shares.ofClosingBalance.get(agencyId) ?? null,
    shareOfContributions: shares.ofContributions.get(agencyId) ?? null,
  };
}

function interventionLine(
  interventionId: string,
  f: InterventionFigures,
  pooledFund: boolean,
): StatementInterventionLine {
  return {
    interventionId,
    name: f.name,
    leadAgencyId: f.leadAgencyId,
    allocated: formatAmount(f.allocated),
    allocationsReversed: formatAmount(f.reversed),
    netAllocated: formatAmount(f.allocated.minus(f.reversed)),
    outcomesRecorded: f.outcomes,
    outcomesRetracted: f.retracted,
    benefits: formatAmount(f.benefits),
    benefitsRetracted: formatAmount(f.benefitsRetracted),
    netBenefits: formatAmount(f.benefits.minus(f.benefitsRetracted)),
    ...(pooledFund
      ? {
          spent: formatAmount(f.spent),
          spendReversed: formatAmount(f.spendReversed),
          netSpent: formatAmount(f.spent.minus(f.spendReversed)),
          settlementReleased: formatAmount(f.released),
          settlementCovered: formatAmount(f.covered),
          settlementShared: formatAmount(f.shared),
        }
      : {}),
  };
}
