/**
 * Audit trail: one entry per event in log order — every event type, the idempotency claims
 * included, because an auditor must be able to account for every entry in the log.
 *
 * Logs get long (years of a place's pooled spending), so the trail keeps in memory only what
 * filtering and paging need — per entry its position, type, recordedAt, pot, agencies and
 * actor as numbers in typed-array columns, with index lists by pot, agency and actor — and the
 * names the summaries use (auditNameHistory.ts). The entry itself (ids, reason, amount, the
 * one-line summary) is built when a page is read, from the event the store holds at that
 * position: one batched read per page (EventStore.readPositions). A page starts with a binary
 * search for the cursor and reads forward, never from the top.
 */
import { revealHiddenCharacters } from '../events/hiddenCharacters.ts';
import type { Envelope } from '../events/index.ts';
import { formatPence, parsePence, sumPence } from '../events/money.ts';
import { agencyIdOfStream, potIdOfStream } from '../events/streams.ts';
import {
  emptyAuditNameHistory,
  learnNamesAt,
  namesBeforeRow,
  type AuditNameHistory,
} from './auditNameHistory.ts';
import { summarise } from './auditSummary.ts';
import {
  columnAt,
  columnPush,
  createFloat64Column,
  createInterner,
  createPositionColumn,
  createRowList,
  createUint32Column,
  internedNumber,
  internedValue,
  rowListAt,
  rowListPush,
  type Float64Column,
  type Interner,
  type PositionColumn,
  type RowList,
  type Uint32Column,
} from './columns.ts';
import type { Projection } from './projection.ts';
import { parseTimeBound } from './timeBounds.ts';

/** A page holds at most this many entries. */
export const MAX_AUDIT_PAGE_SIZE = 1_000;
/**
 * A page reads at most this many entries looking for matches, so a narrow filter over a huge
 * log answers promptly; the cursor it returns lets the client carry on from where it stopped.
 */
export const MAX_AUDIT_ENTRIES_SCANNED_PER_PAGE = 100_000;

export interface AuditEntry {
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
  /** The money the event moves (amountOfEvent), as a plain decimal; absent when it moves none. */
  readonly amount?: string;
  /** A reversal or retraction: the event it undoes, so a reader can pair them. */
  readonly reversedEventId?: string;
  readonly potId?: string;
  /** Every agency the event touches, for filtering. */
  readonly agencyIds: readonly string[];
}

/**
 * One row per event, in columns of numbers: a long log has millions of entries, and their text
 * (ids, reasons, summaries) is already in the store. Strings that repeat (types, pots, actors,
 * agency lists) are kept once and numbered.
 */
export interface AuditTrailState {
  /** Entries folded so far. */
  size: number;
  /** positions.at(i) and recordedAtMs.at(i) belong to entry i; searched and filtered without reading the store. */
  readonly positions: PositionColumn;
  readonly recordedAtMs: Float64Column;
  /** Numbers in the interners below; 0 where the entry has none. */
  readonly typeIds: Uint32Column;
  readonly actorIds: Uint32Column;
  readonly potIds: Uint32Column;
  readonly agencyListIds: Uint32Column;
  readonly strings: Interner<string>;
  readonly actors: Interner<AuditEntry['actor']>;
  readonly agencyLists: Interner<readonly string[]>;
  /** potId / agencyId / actor sub → rows, ascending. */
  readonly byPot: Map<string, RowList>;
  readonly byAgency: Map<string, RowList>;
  readonly byActor: Map<string, RowList>;
  readonly names: AuditNameHistory;
}

export interface AuditQuery {
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

export interface AuditPage {
  readonly entries: AuditEntry[];
  /**
   * Pass as the next cursor while more entries may follow: the last entry returned, or the
   * last entry read when a page ran out of its scan budget. Null when nothing more matches.
   */
  readonly nextCursor: string | null;
}

/** The rows of a page (what the filters and the cursor select), before any is read from the store. */
export interface AuditPageRows {
  readonly rows: readonly number[];
  readonly nextCursor: string | null;
}

/**
 * The stored events at these positions (EventStore.readPositions, as ledger envelopes), in
 * any order; a position left out is an event the store lost, and the page fails loudly.
 */
export type ReadAuditEvents = (positions: readonly bigint[]) => Promise<readonly Envelope[]>;

export const auditTrailProjection: Projection<AuditTrailState> = {
  name: 'auditTrail',
  initialState: () => ({
    size: 0,
    positions: createPositionColumn(),
    recordedAtMs: createFloat64Column(),
    typeIds: createUint32Column(),
    actorIds: createUint32Column(),
    potIds: createUint32Column(),
    agencyListIds: createUint32Column(),
    strings: createInterner(),
    actors: createInterner(),
    agencyLists: createInterner(),
    byPot: new Map(),
    byAgency: new Map(),
    byActor: new Map(),
    names: emptyAuditNameHistory(),
  }),
  evolve(state, event) {
    const index = state.size;
    const last = index === 0 ? undefined : columnAt(state.positions, index - 1);
    // Paging by binary search is only right if positions strictly increase.
    if (last !== undefined && event.position <= last) {
      throw new Error(`invariant: audit trail got position ${event.position} after ${last}`);
    }
    const { metadata } = event;
    const recordedAtMs = Date.parse(metadata.recordedAt);
    if (Number.isNaN(recordedAtMs))
      throw new Error(`invariant: event ${event.eventId} has recordedAt ${metadata.recordedAt}`);

    const actor = metadata.actor;
    const potId = potOf(event);
    const agencyIds = agenciesTouchedBy(event);
    columnPush(state.positions, event.position);
    columnPush(state.recordedAtMs, recordedAtMs);
    columnPush(state.typeIds, internString(state, event.type));
    columnPush(
      state.actorIds,
      internedNumber(
        state.actors,
        actor.agencyId === undefined
          ? `${actor.sub}\u0000${actor.role}`
          : `${actor.sub}\u0000${actor.role}\u0000${actor.agencyId}`,
        () => ({
          sub: actor.sub,
          role: actor.role,
          ...(actor.agencyId === undefined ? {} : { agencyId: actor.agencyId }),
        }),
      ),
    );
    columnPush(state.potIds, potId === undefined ? 0 : internString(state, potId));
    columnPush(
      state.agencyListIds,
      internedNumber(state.agencyLists, agencyIds.join('\u0000'), () => agencyIds),
    );
    state.size = index + 1;

    if (potId !== undefined) indexUnder(state.byPot, potId, index);
    for (const agencyId of agencyIds) indexUnder(state.byAgency, agencyId, index);
    indexUnder(state.byActor, actor.sub, index);
    learnNamesAt(state.names, event, index);
    return state;
  },
};

/** The money an event moves, as a plain decimal: its amount, or the sum of its benefit or return lines. */
export function amountOfEvent(data: unknown): string | null {
  const record = data as { amount?: unknown; benefits?: unknown; returns?: unknown };
  if (typeof record.amount === 'string') return record.amount;
  for (const lines of [record.benefits, record.returns]) {
    if (
      Array.isArray(lines) &&
      lines.every((l) => typeof (l as { amount?: unknown }).amount === 'string')
    ) {
      return formatPence(sumPence(lines.map((l) => parsePence((l as { amount: string }).amount))));
    }
  }
  return null;
}

function internString(state: AuditTrailState, text: string): number {
  return internedNumber(state.strings, text, () => text);
}

function indexUnder(index: Map<string, RowList>, key: string, row: number): void {
  let list = index.get(key);
  if (list === undefined) {
    list = createRowList();
    index.set(key, list);
  }
  rowListPush(list, row);
}

/**
 * Entry i (0 ≤ i < state.size) as the API shows it, built from `event` — the stored event at
 * the entry's position — and the names as they stood when the entry was folded; a fresh object
 * each time. Text a person typed (the actor's name, the reason, the names and references in the
 * summary) is shown with any hidden character (hiddenCharacters.ts) as a visible <U+202E>:
 * older events may hold them, and an auditor must see what is there, not what it pretends to
 * be. The log itself keeps the text exactly (GET /v1/events).
 */
export function auditEntryAt(state: AuditTrailState, i: number, event: Envelope): AuditEntry {
  if (!Number.isInteger(i) || i < 0 || i >= state.size)
    throw new RangeError(`no audit entry ${i} in a trail of ${state.size}`);
  const position = columnAt(state.positions, i);
  if (event.position !== position)
    throw new Error(
      `invariant: audit entry ${i} is at position ${position}, not ${event.position}`,
    );
  const { metadata } = event;
  const data = event.data as {
    effectiveDate?: string;
    reason?: string;
    reversedEventId?: unknown;
  };
  const { actor } = metadata;
  const potId = potOf(event);
  const amount = amountOfEvent(event.data);
  return {
    position: position.toString(),
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    recordedAt: metadata.recordedAt,
    ...(data.effectiveDate === undefined ? {} : { effectiveDate: data.effectiveDate }),
    actor: {
      sub: revealHiddenCharacters(actor.sub),
      role: revealHiddenCharacters(actor.role),
      ...(actor.agencyId === undefined ? {} : { agencyId: revealHiddenCharacters(actor.agencyId) }),
    },
    commandId: revealHiddenCharacters(metadata.commandId),
    correlationId: revealHiddenCharacters(metadata.correlationId),
    ...(metadata.causationId === undefined
      ? {}
      : { causationId: revealHiddenCharacters(metadata.causationId) }),
    ...(data.reason === undefined ? {} : { reason: revealHiddenCharacters(data.reason) }),
    summary: revealHiddenCharacters(summarise(namesBeforeRow(state.names, i), event)),
    ...(amount === null ? {} : { amount }),
    ...(typeof data.reversedEventId === 'string' ? { reversedEventId: data.reversedEventId } : {}),
    ...(potId === undefined ? {} : { potId }),
    agencyIds: agenciesTouchedBy(event),
  };
}

/** The type of entry i, without reading the store. */
export function auditEntryType(state: AuditTrailState, i: number): string {
  return internedValue(state.strings, columnAt(state.typeIds, i));
}

/** The rows of the entries of one pot, ascending. */
export function auditRowsOfPot(state: AuditTrailState, potId: string): number[] {
  const list = state.byPot.get(potId);
  return list === undefined ? [] : Array.from(list.rows.subarray(0, list.length));
}

function potOf(event: Envelope): string | undefined {
  if (event.type === 'AgencyRegistered') return undefined;
  if (event.type === 'UnitCostAdded') return undefined;
  if (event.type === 'SignInMappingChanged') return undefined;
  // A claim names the stream it is about to create; an auditor filtering by pot wants it too.
  if (event.type === 'IdempotencyKeyClaimed') return potIdOfStream(event.data.targetStreamId);
  return event.data.potId;
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
    case 'SignInMappingChanged':
      // Rules name agencies people act for; no agency's books are touched.
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
 * The rows of a page of audit entries in log order, filtered. Throws RangeError for a limit
 * outside 1..MAX_AUDIT_PAGE_SIZE, a cursor that is not a digit string, or an unreadable
 * from/to; the HTTP layer validates first and answers 400.
 */
export function auditPageRows(state: AuditTrailState, query: AuditQuery): AuditPageRows {
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
  const none = createRowList();
  const candidates: RowList[] = [];
  if (query.potId !== undefined) candidates.push(state.byPot.get(query.potId) ?? none);
  if (query.agencyId !== undefined) candidates.push(state.byAgency.get(query.agencyId) ?? none);
  if (query.actor !== undefined) candidates.push(state.byActor.get(query.actor) ?? none);
  const walk = candidates.sort((a, b) => a.length - b.length)[0];
  const length = walk === undefined ? state.size : walk.length;
  const entryIndexAt = walk === undefined ? (i: number) => i : (i: number) => rowListAt(walk, i);

  // A pot that was never interned matches no entry (and its index list above is empty).
  const potNumber =
    query.potId === undefined ? undefined : (state.strings.ids.get(query.potId) ?? -1);
  const matches = (i: number): boolean => {
    const at = columnAt(state.recordedAtMs, i);
    return (
      (potNumber === undefined || columnAt(state.potIds, i) === potNumber) &&
      (query.agencyId === undefined ||
        internedValue(state.agencyLists, columnAt(state.agencyListIds, i)).includes(
          query.agencyId,
        )) &&
      (query.actor === undefined ||
        internedValue(state.actors, columnAt(state.actorIds, i)).sub === query.actor) &&
      at >= fromMs &&
      at <= toMs
    );
  };

  const rows: number[] = [];
  const positionOf = (i: number): string => columnAt(state.positions, i).toString();
  let scanned = 0;
  for (
    let k = firstAfter(length, (i) => columnAt(state.positions, entryIndexAt(i)), after);
    k < length;
    k++
  ) {
    const i = entryIndexAt(k);
    if (scanned === MAX_AUDIT_ENTRIES_SCANNED_PER_PAGE) {
      // Out of budget: everything read so far either was returned or did not match, so the
      // next page can start after the last entry read.
      return { rows, nextCursor: positionOf(entryIndexAt(k - 1)) };
    }
    scanned += 1;
    if (!matches(i)) continue;
    // One match beyond the page proves there is more to read.
    if (rows.length === limit) return { rows, nextCursor: positionOf(rows.at(-1)!) };
    rows.push(i);
  }
  return { rows, nextCursor: null };
}

/**
 * A page of audit entries: the rows selected in memory, then their events read from the store
 * in one batch. The rows are chosen in one synchronous step; an entry never changes once
 * folded (the names it uses are those from before it), so books that move on during the read
 * still give the page exactly as it stood.
 */
export async function auditEntries(
  state: AuditTrailState,
  query: AuditQuery,
  readEvents: ReadAuditEvents,
): Promise<AuditPage> {
  const page = auditPageRows(state, query);
  const events =
    page.rows.length === 0
      ? []
      : await readEvents(page.rows.map((i) => columnAt(state.positions, i)));
  const byPosition = new Map(events.map((event) => [event.position, event]));
  return {
    entries: page.rows.map((i) => auditEntryAt(state, i, eventOfRow(state, i, byPosition))),
    nextCursor: page.nextCursor,
  };
}

/** As auditEntries, for a caller that holds the events already (the mirror, a pack, tests). */
export function auditEntriesFrom(
  state: AuditTrailState,
  query: AuditQuery,
  events: ReadonlyMap<bigint, Envelope>,
): AuditPage {
  const page = auditPageRows(state, query);
  return {
    entries: page.rows.map((i) => auditEntryAt(state, i, eventOfRow(state, i, events))),
    nextCursor: page.nextCursor,
  };
}

function eventOfRow(
  state: AuditTrailState,
  i: number,
  events: ReadonlyMap<bigint, Envelope>,
): Envelope {
  const position = columnAt(state.positions, i);
  const event = events.get(position);
  if (event === undefined)
    throw new Error(`invariant: the store has no event at position ${position} (audit entry ${i})`);
  return event;
}
