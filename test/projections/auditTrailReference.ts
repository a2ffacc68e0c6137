/**
 * THE REFERENCE for test/projections/auditTrailColumns.test.ts: the audit trail as it was before
 * it kept its entries in columns (projections/auditTrail.ts), one AuditEntry object per event
 * and a plain scan. Kept only as the model the compact one must answer exactly like.
 *
 * Audit trail: one entry per event in log order — every event type, the idempotency claims
 * included, because an auditor must be able to account for every entry in the log.
 *
 * Logs get long (years of a place's pooled spending), so entries sit in an array in position
 * order with indexes by pot, agency and actor; a page starts with a binary search for the
 * cursor and reads forward, never from the top.
 */
import type { Envelope } from '../../events/index.ts';
import { agencyIdOfStream, potIdOfStream } from '../../events/streams.ts';
import type { AuditNames } from '../../projections/auditSummary.ts';
import { emptyAuditNames, rememberNames, summarise } from '../../projections/auditSummary.ts';
import { amountOfEvent } from '../../projections/auditTrail.ts';
import type { Projection } from '../../projections/projection.ts';
import { parseTimeBound } from '../../projections/timeBounds.ts';

/** A page holds at most this many entries. */
const MAX_AUDIT_PAGE_SIZE = 1_000;
/**
 * A page reads at most this many entries looking for matches, so a narrow filter over a huge
 * log answers promptly; the cursor it returns lets the client carry on from where it stopped.
 */
import { MAX_AUDIT_ENTRIES_SCANNED_PER_PAGE } from '../../projections/auditTrail.ts';

interface AuditEntry {
  readonly position: string;
  readonly eventId: string;
  readonly type: string;
  readonly streamId: string;
  readonly recordedAt: string;
  readonly effectiveDate?: string;
  readonly actor: { readonly sub: string; readonly role: string; readonly agencyId?: string };
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId?: string;
  readonly reason?: string;
  readonly summary: string;
  readonly amount?: string;
  readonly reversedEventId?: string;
  readonly potId?: string;
  /** Every agency the event touches, for filtering. */
  readonly agencyIds: readonly string[];
}

export interface ReferenceAuditTrailState {
  readonly entries: AuditEntry[];
  /** positions[i] and recordedAtMs[i] belong to entries[i]; kept apart to search and filter fast. */
  readonly positions: bigint[];
  readonly recordedAtMs: number[];
  /** potId / agencyId / actor sub → indexes into entries, ascending. */
  readonly byPot: Map<string, number[]>;
  readonly byAgency: Map<string, number[]>;
  readonly byActor: Map<string, number[]>;
  readonly names: AuditNames;
}

interface AuditQuery {
  readonly potId?: string;
  readonly agencyId?: string;
  /** Matches actor.sub. */
  readonly actor?: string;
  /** Inclusive bounds on recordedAt: YYYY-MM-DD (the whole UTC day) or an ISO timestamp with a zone. */
  readonly from?: string;
  readonly to?: string;
  /** A position (digit string): entries strictly after it. */
  readonly cursor?: string;
  readonly limit: number;
}

interface AuditPage {
  readonly entries: AuditEntry[];
  /**
   * Pass as the next cursor while more entries may follow: the last entry returned, or the
   * last entry read when a page ran out of its scan budget. Null when nothing more matches.
   */
  readonly nextCursor: string | null;
}

export const referenceAuditTrailProjection: Projection<ReferenceAuditTrailState> = {
  name: 'referenceAuditTrail',
  initialState: () => ({
    entries: [],
    positions: [],
    recordedAtMs: [],
    byPot: new Map(),
    byAgency: new Map(),
    byActor: new Map(),
    names: emptyAuditNames(),
  }),
  evolve(state, event) {
    const last = state.positions.at(-1);
    // Paging by binary search is only right if positions strictly increase.
    if (last !== undefined && event.position <= last) {
      throw new Error(`invariant: audit trail got position ${event.position} after ${last}`);
    }
    const recordedAtMs = Date.parse(event.metadata.recordedAt);
    if (Number.isNaN(recordedAtMs))
      throw new Error(
        `invariant: event ${event.eventId} has recordedAt ${event.metadata.recordedAt}`,
      );

    const entry = toEntry(state.names, event);
    const index = state.entries.length;
    state.entries.push(entry);
    state.positions.push(event.position);
    state.recordedAtMs.push(recordedAtMs);
    if (entry.potId !== undefined) indexUnder(state.byPot, entry.potId, index);
    for (const agencyId of entry.agencyIds) indexUnder(state.byAgency, agencyId, index);
    indexUnder(state.byActor, entry.actor.sub, index);
    rememberNames(state.names, event);
    return state;
  },
};

function indexUnder(index: Map<string, number[]>, key: string, entryIndex: number): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [entryIndex]);
  else list.push(entryIndex);
}

function toEntry(names: AuditNames, event: Envelope): AuditEntry {
  const { metadata } = event;
  const data = event.data as {
    effectiveDate?: string;
    reason?: string;
    potId?: string;
    reversedEventId?: string;
  };
  const actor = metadata.actor;
  const amount = amountOfEvent(event.data);
  return {
    position: event.position.toString(),
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    recordedAt: metadata.recordedAt,
    ...(data.effectiveDate === undefined ? {} : { effectiveDate: data.effectiveDate }),
    actor: {
      sub: actor.sub,
      role: actor.role,
      ...(actor.agencyId === undefined ? {} : { agencyId: actor.agencyId }),
    },
    commandId: metadata.commandId,
    correlationId: metadata.correlationId,
    ...(metadata.causationId === undefined ? {} : { causationId: metadata.causationId }),
    ...(data.reason === undefined ? {} : { reason: data.reason }),
    summary: summarise(names, event),
    ...(amount === null ? {} : { amount }),
    ...(data.reversedEventId === undefined ? {} : { reversedEventId: data.reversedEventId }),
    ...potOf(event),
    agencyIds: agenciesTouchedBy(event),
  };
}

function potOf(event: Envelope): { potId?: string } {
  if (event.type === 'AgencyRegistered') return {};
  if (event.type === 'UnitCostAdded') return {};
  if (event.type === 'IdempotencyKeyClaimed') {
    // A claim names the stream it is about to create; an auditor filtering by pot wants it too.
    const potId = potIdOfStream(event.data.targetStreamId);
    return potId === undefined ? {} : { potId };
  }
  return { potId: event.data.potId };
}

function agenciesTouchedBy(event: Envelope): string[] {
  const ids: string[] = [];
  switch (event.type) {
    case 'AgencyRegistered':
    case 'PartnerJoined':
    case 'ContributionReceived':
    case 'ContributionReversed':
    case 'ContributionAgreed':
      ids.push(event.data.agencyId);
      break;
    case 'PotOpened':
      ids.push(event.data.hostAgencyId, ...event.data.partnerAgencyIds);
      break;
    case 'InterventionDefined':
      ids.push(event.data.leadAgencyId);
      break;
    case 'FundsAllocated':
    case 'AllocationReversed':
      ids.push(...event.data.fundingShares.map((s) => s.agencyId));
      break;
    case 'OutcomeRecorded':
    case 'OutcomeRetracted':
      ids.push(...event.data.benefits.map((b) => b.agencyId));
      for (const flow of event.data.flows) ids.push(flow.fromAgencyId, flow.toAgencyId);
      break;
    case 'UnitCostAdded':
      break;
    case 'ApprovalThresholdChanged':
    case 'FinancialYearClosed':
      break;
    case 'AllocationRequested':
      ids.push(
        ...(event.data.requestedBy.agencyId === undefined ? [] : [event.data.requestedBy.agencyId]),
      );
      break;
    case 'AllocationApproved':
      ids.push(
        ...(event.data.approvedBy.agencyId === undefined ? [] : [event.data.approvedBy.agencyId]),
      );
      break;
    case 'AllocationRejected':
      ids.push(
        ...(event.data.rejectedBy.agencyId === undefined ? [] : [event.data.rejectedBy.agencyId]),
      );
      break;
    case 'SelfApprovalAttempted':
      ids.push(
        ...(event.data.attemptedBy.agencyId === undefined ? [] : [event.data.attemptedBy.agencyId]),
      );
      break;
    case 'PotClosed':
      ids.push(...event.data.returns.map((r) => r.agencyId));
      break;
    case 'InterventionAssumptionsSet':
      break;
    case 'AgreementRecorded':
      // The partners the risk-share rule names (fixed percentages, caps).
      ids.push(
        ...Object.keys(event.data.overspend.percentages ?? {}),
        ...Object.keys(event.data.overspend.caps ?? {}),
      );
      break;
    case 'SchemeDetailsRecorded':
      ids.push(...event.data.commissioner.map((c) => c.agencyId));
      break;
    case 'RateCardRecorded':
      ids.push(...(event.data.coPayers ?? []).map((p) => p.agencyId));
      break;
    case 'OutcomeClaimed':
      ids.push(
        ...(event.data.claimedBy.agencyId === undefined ? [] : [event.data.claimedBy.agencyId]),
      );
      break;
    case 'ClaimValidated':
      ids.push(
        ...(event.data.validatedBy.agencyId === undefined ? [] : [event.data.validatedBy.agencyId]),
      );
      break;
    case 'ClaimRejected':
      ids.push(
        ...(event.data.rejectedBy.agencyId === undefined ? [] : [event.data.rejectedBy.agencyId]),
      );
      break;
    case 'ClaimPaid':
      ids.push(...event.data.payerShares.map((s) => s.agencyId));
      break;
    case 'JournalMappingRecorded':
      ids.push(event.data.agencyId);
      break;
    case 'BcfMinimumsRecorded':
      // The ICBs and councils whose required minimums it records.
      ids.push(...event.data.minimums.map((m) => m.agencyId));
      break;
    case 'SpendRecorded':
    case 'SpendReversed':
    case 'CommitmentRaised':
    case 'CommitmentReleased':
    case 'CommitmentReversed':
    case 'ForecastRecorded':
    case 'ForecastWithdrawn':
      // Charged to the pot's scheme, not to one agency: its funders are found through the scheme.
      break;
    case 'FinancialYearSettled': {
      const d = event.data;
      ids.push(d.hostAgencyId, ...d.stakesBefore.map((l) => l.agencyId));
      for (const scheme of d.schemes)
        for (const line of [...scheme.released, ...scheme.covered, ...scheme.shared])
          ids.push(line.agencyId);
      ids.push(...d.returns.map((l) => l.agencyId), ...d.owedByPartners.map((l) => l.agencyId));
      break;
    }
    case 'IdempotencyKeyClaimed':
      {
        const agencyId = agencyIdOfStream(event.data.targetStreamId);
        if (agencyId !== undefined) ids.push(agencyId);
      }
      break;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
  return [...new Set(ids)];
}

/** First i in [0, length) with positionAt(i) > after, or length. */
function firstAfter(length: number, positionAt: (i: number) => bigint, after: bigint): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (positionAt(mid) <= after) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * A page of audit entries in log order, filtered. Throws RangeError for a limit outside
 * 1..MAX_AUDIT_PAGE_SIZE, a cursor that is not a digit string, or an unreadable from/to;
 * the HTTP layer validates first and answers 400.
 */
export function referenceAuditEntries(
  state: ReferenceAuditTrailState,
  query: AuditQuery,
): AuditPage {
  const { limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE_SIZE) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_AUDIT_PAGE_SIZE}`);
  }
  if (query.cursor !== undefined && !/^\d+$/.test(query.cursor))
    throw new RangeError('cursor must be a position (digits)');
  const after = query.cursor === undefined ? 0n : BigInt(query.cursor);
  const fromMs = query.from === undefined ? -Infinity : parseTimeBound(query.from, 'from');
  const toMs = query.to === undefined ? Infinity : parseTimeBound(query.to, 'to');

  // Walk the shortest index that the filters allow; the other filters are checked per entry.
  const candidates: (readonly number[])[] = [];
  if (query.potId !== undefined) candidates.push(state.byPot.get(query.potId) ?? []);
  if (query.agencyId !== undefined) candidates.push(state.byAgency.get(query.agencyId) ?? []);
  if (query.actor !== undefined) candidates.push(state.byActor.get(query.actor) ?? []);
  const walk = candidates.sort((a, b) => a.length - b.length)[0];
  const length = walk === undefined ? state.entries.length : walk.length;
  const entryIndexAt = walk === undefined ? (i: number) => i : (i: number) => walk[i]!;

  const matches = (i: number): boolean => {
    const entry = state.entries[i]!;
    const at = state.recordedAtMs[i]!;
    return (
      (query.potId === undefined || entry.potId === query.potId) &&
      (query.agencyId === undefined || entry.agencyIds.includes(query.agencyId)) &&
      (query.actor === undefined || entry.actor.sub === query.actor) &&
      at >= fromMs &&
      at <= toMs
    );
  };

  const entries: AuditEntry[] = [];
  let scanned = 0;
  for (
    let k = firstAfter(length, (i) => state.positions[entryIndexAt(i)]!, after);
    k < length;
    k++
  ) {
    const i = entryIndexAt(k);
    if (scanned === MAX_AUDIT_ENTRIES_SCANNED_PER_PAGE) {
      // Out of budget: everything read so far either was returned or did not match, so the
      // next page can start after the last entry read.
      return { entries, nextCursor: state.entries[entryIndexAt(k - 1)]!.position };
    }
    scanned += 1;
    if (!matches(i)) continue;
    // One match beyond the page proves there is more to read.
    if (entries.length === limit) return { entries, nextCursor: entries.at(-1)!.position };
    entries.push(state.entries[i]!);
  }
  return { entries, nextCursor: null };
}
