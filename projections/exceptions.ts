/**
 * The exceptions list an inspectorate asks for: every entry that undid or challenged the
 * normal flow of money — reversals (ContributionReversed, AllocationReversed,
 * OutcomeRetracted), rejected allocation requests (AllocationRejected) and attempted
 * self-approvals (SelfApprovalAttempted) — per pot, in log order.
 *
 * A pure fold like every projection. It keeps its own names (the same ones the audit trail
 * keeps) so each row carries the audit trail's one-line summary and stands alone in a report.
 *
 *   potExceptions(books.state.exceptions, potId, { financialYear: '2025-26' })
 */
import { revealHiddenCharacters } from '../events/hiddenCharacters.ts';
import type { Envelope } from '../events/index.ts';
import { formatAmount, money, sum } from '../events/money.ts';
import { financialYearOf } from '../events/primitives.ts';
import type { AuditNames } from './auditSummary.ts';
import { emptyAuditNames, rememberNames, summarise } from './auditSummary.ts';
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

export interface ExceptionEntry {
  readonly position: string;
  readonly eventId: string;
  readonly type: ExceptionType;
  readonly kind: ExceptionKind;
  /**
   * The business date: a reversal's effective date; for a rejection or a self-approval attempt
   * (which have none) the business date of the request it decides (the UTC day it was recorded if that request is unknown).
   */
  readonly date: string;
  readonly financialYear: string;
  readonly recordedAt: string;
  readonly actor: { readonly sub: string; readonly role: string; readonly agencyId?: string };
  readonly potId: string;
  /** The money concerned (for an outcome, its benefits); null when the request is not known. */
  readonly amount: string | null;
  readonly reason: string | null;
  readonly summary: string;
}

export interface ExceptionsState {
  /** potId → its exceptions in log order. */
  readonly byPot: Map<string, ExceptionEntry[]>;
  readonly names: AuditNames;
}

export const exceptionsProjection: Projection<ExceptionsState> = {
  name: 'exceptions',
  initialState: () => ({ byPot: new Map(), names: emptyAuditNames() }),
  evolve(state, event) {
    const entry = toException(state.names, event);
    if (entry !== null) {
      const list = state.byPot.get(entry.potId);
      if (list === undefined) state.byPot.set(entry.potId, [entry]);
      else list.push(entry);
    }
    rememberNames(state.names, event);
    return state;
  },
};

/**
 * A decision on a request carries no business date of its own: it belongs to the period of the
 * request it decides, so the year's pack shows the attempt beside the allocation it concerned.
 */
function requestDateOf(names: AuditNames, allocationId: string): string | undefined {
  return names.allocationRequests.get(allocationId)?.effectiveDate;
}

function toException(names: AuditNames, event: Envelope): ExceptionEntry | null {
  const recordedDay = event.metadata.recordedAt.slice(0, 10);
  let facts: {
    kind: ExceptionKind;
    type: ExceptionType;
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
      const benefits = formatAmount(sum(event.data.benefits.map((b) => money(b.amount))));
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
    financialYear: financialYearOf(facts.date),
    recordedAt: event.metadata.recordedAt,
    actor: {
      sub: actor.sub,
      role: actor.role,
      ...(actor.agencyId === undefined ? {} : { agencyId: actor.agencyId }),
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

/** As the audit trail shows it: hidden characters in typed text as visible <U+202E> markers (hiddenCharacters.ts). */
function shown(entry: ExceptionEntry): ExceptionEntry {
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
