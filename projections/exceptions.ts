/**
 * The exceptions list an inspectorate asks for: every entry that undid or challenged the
 * normal flow of money — reversals (ContributionReversed, AllocationReversed,
 * OutcomeRetracted, and in the pooled-fund year SpendReversed, CommitmentReversed and
 * ForecastWithdrawn), rejected allocation requests (AllocationRejected), attempted
 * self-approvals (SelfApprovalAttempted), and spend or commitments that took a scheme over its
 * budget (SpendRecorded / CommitmentRaised / ClaimPaid with an overspend flag, accepted under the
 * agreement's `warn` policy) — per pot, in log order.
 *
 * A pure fold like every projection. Each row carries the audit trail's one-line summary and
 * stands alone in a report; in the books the names it is built from are the audit trail's
 * (evolveExceptionsBesideTrail), less what no exception could still read.
 *
 *   potExceptions(books.state.exceptions, potId, { financialYear: '2025-26' })
 */
import { revealHiddenCharacters } from '../events/hiddenCharacters.ts';
import type { Envelope } from '../events/index.ts';
import { formatPence, parsePence, sumPence } from '../events/money.ts';
import { financialYearOf } from '../events/primitives.ts';
import { quarterEnd } from '../events/poolYear.ts';
import {
  emptyAuditNameHistory,
  learnNamesAt,
  namesBeforeRow,
  type AuditNameHistory,
} from './auditNameHistory.ts';
import type { AuditNameLookup } from './auditSummary.ts';
import { summarise } from './auditSummary.ts';
import type { AuditTrailState } from './auditTrail.ts';
import { columnAt } from './columns.ts';
import { interned } from './interned.ts';
import type { Projection } from './projection.ts';

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
  /**
   * The names the summaries read, when the exceptions are folded on their own
   * (exceptionsProjection). Folded in the books beside the audit trail
   * (evolveExceptionsBesideTrail) they keep none: they read the trail's (issue 18: these grow
   * with every contribution, allocation, outcome, spend, commitment and claim).
   */
  readonly own?: { readonly names: AuditNameHistory; rows: number };
}

export type PoolYearExceptionEntry = ExceptionEntry<PoolYearExceptionType, PoolYearExceptionKind>;

/** The exceptions folded on their own, keeping their own names. */
export const exceptionsProjection: Projection<ExceptionsState> = {
  name: 'exceptions',
  initialState: () => ({
    byPot: new Map(),
    poolYearByPot: new Map(),
    own: { names: emptyAuditNameHistory(), rows: 0 },
  }),
  evolve(state, event) {
    const own = state.own;
    if (own === undefined)
      throw new Error(
        'invariant: these exceptions read the audit trail’s names (evolveExceptionsBesideTrail)',
      );
    addException(state, event, own.names, own.rows);
    learnNamesAt(own.names, event, own.rows);
    own.rows += 1;
    return state;
  },
};

/** Exceptions to fold in the books beside the audit trail, reading its names. */
export function initialExceptionsBesideTrail(): ExceptionsState {
  return { byPot: new Map(), poolYearByPot: new Map() };
}

/** Folds `event` into exceptions kept beside `trail`, which has just folded it. */
export function evolveExceptionsBesideTrail(
  state: ExceptionsState,
  event: Envelope,
  trail: AuditTrailState,
): ExceptionsState {
  const row = trail.size - 1;
  if (row < 0 || columnAt(trail.positions, row) !== event.position)
    throw new Error(
      `invariant: exceptions at position ${event.position} folded before the audit trail`,
    );
  addException(state, event, trail.names, row);
  return state;
}

/**
 * An exception reads the names as they stood before its event, less those made moot by an
 * earlier event — exactly what the exceptions used to keep in names of their own, deleting
 * what no later exception could read (namesBeforeRow's `unlessForgotten`).
 */
function addException(
  state: ExceptionsState,
  event: Envelope,
  names: AuditNameHistory,
  row: number,
): void {
  const entry = toException(() => namesBeforeRow(names, row, { unlessForgotten: true }), event);
  if (entry === null) return;
  const byPot = (isPoolYearType(entry.type) ? state.poolYearByPot : state.byPot) as Map<
    string,
    AnyExceptionEntry[]
  >;
  const list = byPot.get(entry.potId);
  if (list === undefined) byPot.set(entry.potId, [entry]);
  else list.push(entry);
}

/**
 * A decision on a request carries no business date of its own: it belongs to the period of the
 * request it decides, so the year's pack shows the attempt beside the allocation it concerned.
 */
function requestDateOf(names: AuditNameLookup, allocationId: string): string | undefined {
  return names.allocationRequests.get(allocationId)?.effectiveDate;
}

type AnyExceptionEntry = ExceptionEntry<
  ExceptionType | PoolYearExceptionType,
  ExceptionKind | PoolYearExceptionKind
>;

function isPoolYearType(type: string): type is PoolYearExceptionType {
  return (POOL_YEAR_EXCEPTION_TYPES as readonly string[]).includes(type);
}

function toException(namesNow: () => AuditNameLookup, event: Envelope): AnyExceptionEntry | null {
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
    case 'AllocationRejected': {
      const names = namesNow();
      facts = {
        kind: 'rejected-approval',
        type: event.type,
        date: requestDateOf(names, event.data.allocationId) ?? recordedDay,
        amount: names.allocationRequests.get(event.data.allocationId)?.amount ?? null,
        reason: event.data.reason,
        potId: event.data.potId,
      };
      break;
    }
    case 'SelfApprovalAttempted': {
      const names = namesNow();
      facts = {
        kind: 'self-approval-attempt',
        type: event.type,
        date: requestDateOf(names, event.data.allocationId) ?? recordedDay,
        amount: names.allocationRequests.get(event.data.allocationId)?.amount ?? null,
        reason: null,
        potId: event.data.potId,
      };
      break;
    }
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
    summary: summarise(namesNow(), event),
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
