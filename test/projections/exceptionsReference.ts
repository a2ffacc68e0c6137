/**
 * THE REFERENCE for test/projections/namesOutOfTables.test.ts: the exceptions as they were before
 * they read the audit trail's names (projections/exceptions.ts), keeping their own Maps. Kept only
 * as the model the new ones must answer exactly like.
 */
/**
 * The exceptions list an inspectorate asks for: every entry that undid or challenged the
 * normal flow of money — reversals (ContributionReversed, AllocationReversed,
 * OutcomeRetracted, and in the pooled-fund year SpendReversed, CommitmentReversed and
 * ForecastWithdrawn), rejected allocation requests (AllocationRejected), attempted
 * self-approvals (SelfApprovalAttempted), and spend or commitments that took a scheme over its
 * budget (SpendRecorded / CommitmentRaised / ClaimPaid with an overspend flag, accepted under the
 * agreement's `warn` policy) — per pot, in log order.
 *
 * A pure fold like every projection. It keeps its own names (the same ones the audit trail
 * keeps) so each row carries the audit trail's one-line summary and stands alone in a report;
 * only as much of them as an exception's summary can still read (rememberWhatExceptionsRead).
 *
 *   potExceptions(books.state.exceptions, potId, { financialYear: '2025-26' })
 */
import { revealHiddenCharacters } from '../../events/hiddenCharacters.ts';
import type { Envelope } from '../../events/index.ts';
import { formatPence, parsePence, sumPence } from '../../events/money.ts';
import { financialYearOf } from '../../events/primitives.ts';
import { quarterEnd } from '../../events/poolYear.ts';
import type { AuditNames } from '../../projections/auditSummary.ts';
import {
  emptyAuditNames,
  MAX_SUMMARY_DESCRIPTION_CHARS,
  oneLine,
  rememberNames,
  summarise,
} from '../../projections/auditSummary.ts';
import { interned } from '../../projections/interned.ts';
import type { Projection } from '../../projections/projection.ts';

export const EXCEPTION_TYPES = [
  'ContributionReversed',
  'AllocationReversed',
  'OutcomeRetracted',
  'AllocationRejected',
  'SelfApprovalAttempted',
] as const;
export type ExceptionType = (typeof EXCEPTION_TYPES)[number];

export type ExceptionKind = 'reversal' | 'rejected-approval' | 'self-approval-attempt';

/**
 * The pooled-fund year's exceptions, kept apart from EXCEPTION_TYPES because GET
 * …/exceptions publishes those three kinds as its contract (src/http/routes/potControls.ts);
 * potPoolYearExceptions answers these, in the same shape.
 */
export const POOL_YEAR_EXCEPTION_TYPES = [
  'SpendReversed',
  'CommitmentReversed',
  'ForecastWithdrawn',
  'SpendRecorded',
  'CommitmentRaised',
  'ClaimPaid',
] as const;
export type PoolYearExceptionType = (typeof POOL_YEAR_EXCEPTION_TYPES)[number];
export type PoolYearExceptionKind = 'reversal' | 'overspend';

export interface ExceptionEntry<
  T extends string = ExceptionType,
  K extends string = ExceptionKind,
> {
  readonly position: string;
  readonly eventId: string;
  readonly type: T;
  readonly kind: K;
  /**
   * The business date: a reversal's effective date; for a rejection or a self-approval attempt
   * (which have none) the business date of the request it decides (the UTC day it was recorded if that request is unknown).
   */
  readonly date: string;
  readonly financialYear: string;
  readonly recordedAt: string;
  readonly actor: { readonly sub: string; readonly role: string; readonly agencyId?: string };
  readonly potId: string;
  /**
   * The money concerned (for an outcome, its benefits; for an overspend, the entry's amount, its
   * summary saying by how much it went over); null when the request is not known or for a
   * withdrawn forecast.
   */
  readonly amount: string | null;
  readonly reason: string | null;
  readonly summary: string;
}

export interface ExceptionsState {
  /** potId → its exceptions in log order. */
  readonly byPot: Map<string, ExceptionEntry[]>;
  /** potId → its pooled-fund-year exceptions in log order. */
  readonly poolYearByPot: Map<string, PoolYearExceptionEntry[]>;
  readonly names: AuditNames;
}

export type PoolYearExceptionEntry = ExceptionEntry<PoolYearExceptionType, PoolYearExceptionKind>;

export const exceptionsProjection: Projection<ExceptionsState> = {
  name: 'exceptions',
  initialState: () => ({ byPot: new Map(), poolYearByPot: new Map(), names: emptyAuditNames() }),
  evolve(state, event) {
    const entry = toException(state.names, event);
    if (entry !== null) {
      const byPot = (isPoolYearType(entry.type) ? state.poolYearByPot : state.byPot) as Map<
        string,
        AnyExceptionEntry[]
      >;
      const list = byPot.get(entry.potId);
      if (list === undefined) byPot.set(entry.potId, [entry]);
      else list.push(entry);
    }
    rememberWhatExceptionsRead(state.names, event);
    return state;
  },
};

/**
 * The audit trail's names, less what no exception can read any more (issue 18: these maps grow
 * with every contribution, allocation, outcome, spend, commitment and claim). An entry is
 * dropped once the one event that could read it has happened: a reversal is refused for what
 * was already reversed, and a request once decided (approved or rejected) is never decided or
 * self-approved again (decideAllocationRequest's pendingRequest), nor a claim paid or rejected
 * twice. An outcome's description is only ever shown as oneLine(…,
 * MAX_SUMMARY_DESCRIPTION_CHARS), which gives the same text when applied twice, so that is all
 * that is kept. (Dates need no interning: V8's JSON.parse already shares strings of up to 10
 * characters.)
 */
function rememberWhatExceptionsRead(names: AuditNames, event: Envelope): void {
  rememberNames(names, event);
  switch (event.type) {
    case 'OutcomeRecorded':
      names.outcomeDescriptions.set(
        event.data.outcomeId,
        oneLine(event.data.description, MAX_SUMMARY_DESCRIPTION_CHARS),
      );
      return;
    case 'ContributionReversed':
      names.contributionReferences.delete(event.data.contributionId);
      return;
    case 'AllocationReversed':
      names.allocationDates.delete(event.data.allocationId);
      return;
    case 'AllocationApproved':
    case 'AllocationRejected':
      names.allocationRequests.delete(event.data.allocationId);
      return;
    case 'SpendReversed':
      names.spends.delete(event.data.spendId);
      return;
    case 'CommitmentReversed':
      names.commitmentReferences.delete(event.data.commitmentId);
      return;
    case 'ClaimPaid':
    case 'ClaimRejected':
      names.claims.delete(event.data.claimId);
      return;
    default:
      return;
  }
}

/**
 * A decision on a request carries no business date of its own: it belongs to the period of the
 * request it decides, so the year's pack shows the attempt beside the allocation it concerned.
 */
function requestDateOf(names: AuditNames, allocationId: string): string | undefined {
  return names.allocationRequests.get(allocationId)?.effectiveDate;
}

type AnyExceptionEntry = ExceptionEntry<
  ExceptionType | PoolYearExceptionType,
  ExceptionKind | PoolYearExceptionKind
>;

function isPoolYearType(type: string): type is PoolYearExceptionType {
  return (POOL_YEAR_EXCEPTION_TYPES as readonly string[]).includes(type);
}

function toException(names: AuditNames, event: Envelope): AnyExceptionEntry | null {
  const recordedDay = event.metadata.recordedAt.slice(0, 10);
  let facts: {
    kind: ExceptionKind | PoolYearExceptionKind;
    type: ExceptionType | PoolYearExceptionType;
    date: string;
    amount: string | null;
    reason: string | null;
    potId: string;
  };
  switch (event.type) {
    case 'ContributionReversed':
    case 'AllocationReversed':
      facts = {
        kind: 'reversal',
        type: event.type,
        date: event.data.effectiveDate,
        amount: event.data.amount,
        reason: event.data.reason,
        potId: event.data.potId,
      };
      break;
    case 'OutcomeRetracted': {
      const benefits = formatPence(sumPence(event.data.benefits.map((b) => parsePence(b.amount))));
      facts = {
        kind: 'reversal',
        type: event.type,
        date: event.data.effectiveDate,
        amount: benefits,
        reason: event.data.reason,
        potId: event.data.potId,
      };
      break;
    }
    case 'SpendReversed':
    case 'CommitmentReversed':
      facts = {
        kind: 'reversal',
        type: event.type,
        date: event.data.effectiveDate,
        amount: event.data.amount,
        reason: event.data.reason,
        potId: event.data.potId,
      };
      break;
    case 'ForecastWithdrawn':
      // A forecast has no business date of its own: the end of the quarter it forecast.
      facts = {
        kind: 'reversal',
        type: event.type,
        date: quarterEnd(event.data.financialYear, event.data.quarter),
        amount: null,
        reason: event.data.reason,
        potId: event.data.potId,
      };
      break;
    case 'SpendRecorded':
    case 'CommitmentRaised':
    case 'ClaimPaid':
      // A paid outcome claim is spend: flagged when it took the scheme beyond its budget.
      if (event.data.overspend === undefined) return null;
      facts = {
        kind: 'overspend',
        type: event.type,
        date: event.data.effectiveDate,
        amount: event.data.amount,
        reason: null,
        potId: event.data.potId,
      };
      break;
    case 'AllocationRejected':
      facts = {
        kind: 'rejected-approval',
        type: event.type,
        date: requestDateOf(names, event.data.allocationId) ?? recordedDay,
        amount: names.allocationRequests.get(event.data.allocationId)?.amount ?? null,
        reason: event.data.reason,
        potId: event.data.potId,
      };
      break;
    case 'SelfApprovalAttempted':
      facts = {
        kind: 'self-approval-attempt',
        type: event.type,
        date: requestDateOf(names, event.data.allocationId) ?? recordedDay,
        amount: names.allocationRequests.get(event.data.allocationId)?.amount ?? null,
        reason: null,
        potId: event.data.potId,
      };
      break;
    default:
      return null;
  }
  const { actor } = event.metadata;
  return {
    position: event.position.toString(),
    eventId: event.eventId,
    ...facts,
    potId: interned(facts.potId),
    financialYear: interned(financialYearOf(facts.date)),
    recordedAt: event.metadata.recordedAt,
    actor: {
      sub: interned(actor.sub),
      role: interned(actor.role),
      ...(actor.agencyId === undefined ? {} : { agencyId: interned(actor.agencyId) }),
    },
    summary: summarise(names, event),
  };
}

/** One pot's exceptions in log order, optionally only those dated in one financial year. */
export function potExceptions(
  state: ExceptionsState,
  potId: string,
  filter: { readonly financialYear?: string } = {},
): ExceptionEntry[] {
  const entries = state.byPot.get(potId) ?? [];
  return (
    filter.financialYear === undefined
      ? entries
      : entries.filter((e) => e.financialYear === filter.financialYear)
  ).map(shown);
}

/** One pot's pooled-fund-year exceptions (reversed spend and commitments, withdrawn forecasts, overspends) in log order. */
export function potPoolYearExceptions(
  state: ExceptionsState,
  potId: string,
  filter: { readonly financialYear?: string } = {},
): PoolYearExceptionEntry[] {
  const entries = state.poolYearByPot.get(potId) ?? [];
  return (
    filter.financialYear === undefined
      ? entries
      : entries.filter((e) => e.financialYear === filter.financialYear)
  ).map(shown);
}

/** As the audit trail shows it: hidden characters in typed text as visible <U+202E> markers (hiddenCharacters.ts). */
function shown<E extends AnyExceptionEntry>(entry: E): E {
  const { actor } = entry;
  return {
    ...entry,
    actor: {
      sub: revealHiddenCharacters(actor.sub),
      role: revealHiddenCharacters(actor.role),
      ...(actor.agencyId === undefined ? {} : { agencyId: revealHiddenCharacters(actor.agencyId) }),
    },
    reason: entry.reason === null ? null : revealHiddenCharacters(entry.reason),
    summary: revealHiddenCharacters(entry.summary),
  };
}
