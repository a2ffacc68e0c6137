/**
 * Which rows a batch of events changed, and those rows as the in-memory books now show them.
 *
 * The writer never recomputes a figure: it notes the keys each event touches (pots, agencies,
 * flow cells, audit positions), then copies exactly those rows out of the books after the batch
 * is folded. A row is the current state of its key, so writing it twice is harmless, and the
 * SQL tables always say what the API says at the checkpoint.
 */
import type { Envelope } from '../../../events/index.ts';
import { formatAmount, formatPence, money, ZERO, type Money } from '../../../events/money.ts';
import type { LedgerProjections } from '../../../projections/index.ts';
import {
  agencyBalances,
  auditEntryAt,
  getAgency,
  outstandingOf,
  potSummary,
  settlementLinesOf,
} from '../../../projections/index.ts';
import { financialYearOf } from '../../../events/primitives.ts';
import { columnAt, type PositionColumn } from '../../../projections/columns.ts';
import {
  AGENCIES,
  AGREEMENTS,
  COMMITMENTS,
  FORECASTS,
  SETTLEMENT_LINES,
  SPEND,
  AGENCY_POT_BALANCES,
  AUDIT_TRAIL,
  AUDIT_TRAIL_AGENCIES,
  BENEFIT_FLOWS,
  INTERVENTIONS,
  INVESTMENTS,
  POT_PARTNERS,
  POTS,
  type ReadModelProjection,
  type Row,
  type TableSpec,
} from './tables.ts';

/** Keys whose rows must be (re)written, per projection. */
export interface DirtyKeys {
  readonly agencies: Set<string>;
  /** agencyId → potIds */
  readonly balances: Map<string, Set<string>>;
  readonly pots: Set<string>;
  /** `${potId} ${interventionId}`: every financial year of it is rewritten (cheap, and right whichever year an entry counts in). */
  readonly flowInterventions: Set<string>;
  /** Lowest position whose audit entry is not yet written; undefined when none is owed. */
  auditFrom: bigint | undefined;
  /**
   * The events noted since auditFrom, in log order: the trail keeps no entry text in memory, so
   * its rows are built from these (the events each batch brought) and the trail's names.
   */
  auditEvents: Envelope[];
  /**
   * Set when the events from auditFrom up to and including this position are not held (more
   * were owed than the writer may hold, MAX_HELD_AUDIT_EVENTS): they are read back from the store
   * before the rows are built. auditEvents then holds only the events after it.
   */
  auditUnreadThrough: bigint | undefined;
  /** pooledFundRecords: `agreement <potId> <version>`, `spend <id>`, `commitment <id>`, `forecast <id>`, `settlement <potId> <year>`. */
  readonly poolRecords: Set<string>;
}

export function emptyDirtyKeys(): DirtyKeys {
  return {
    agencies: new Set(),
    balances: new Map(),
    pots: new Set(),
    flowInterventions: new Set(),
    auditFrom: undefined,
    auditEvents: [],
    auditUnreadThrough: undefined,
    poolRecords: new Set(),
  };
}

export function isClean(dirty: DirtyKeys): boolean {
  return (
    dirty.agencies.size === 0 &&
    dirty.balances.size === 0 &&
    dirty.pots.size === 0 &&
    dirty.flowInterventions.size === 0 &&
    dirty.auditFrom === undefined &&
    dirty.poolRecords.size === 0
  );
}

/** Adds `from` into `into` (a failed write hands its keys back this way). */
export function mergeDirtyKeys(into: DirtyKeys, from: DirtyKeys): void {
  for (const id of from.agencies) into.agencies.add(id);
  for (const [agencyId, potIds] of from.balances)
    for (const potId of potIds) addBalance(into, agencyId, potId);
  for (const id of from.pots) into.pots.add(id);
  for (const key of from.flowInterventions) into.flowInterventions.add(key);
  for (const key of from.poolRecords) into.poolRecords.add(key);
  if (
    from.auditFrom !== undefined &&
    (into.auditFrom === undefined || from.auditFrom < into.auditFrom)
  )
    into.auditFrom = from.auditFrom;
  // `from` was noted after `into` (a failed transaction's keys merged with those noted since):
  // its events follow into's, so its unread range, when it has one, covers all of into's.
  if (from.auditUnreadThrough !== undefined) {
    into.auditUnreadThrough = from.auditUnreadThrough;
    into.auditEvents = from.auditEvents;
  } else if (from.auditEvents.length > 0) {
    const last = into.auditEvents[into.auditEvents.length - 1];
    if (last === undefined || from.auditEvents[0]!.position > last.position)
      into.auditEvents = into.auditEvents.concat(from.auditEvents);
    else {
      // Not expected (note() refuses a batch at or before one applied); kept correct anyway.
      const byPosition = new Map(into.auditEvents.map((event) => [event.position, event]));
      for (const event of from.auditEvents) byPosition.set(event.position, event);
      into.auditEvents = [...byPosition.values()].sort((a, b) =>
        a.position < b.position ? -1 : a.position > b.position ? 1 : 0,
      );
    }
  }
}

function addBalance(dirty: DirtyKeys, agencyId: string, potId: string): void {
  let potIds = dirty.balances.get(agencyId);
  if (potIds === undefined) {
    potIds = new Set();
    dirty.balances.set(agencyId, potIds);
  }
  potIds.add(potId);
}

/**
 * Notes the keys `event` touches in each projection `wants` (those this writer keeps and whose
 * checkpoint is below the event). Over-noting is harmless — a row that did not change is
 * rewritten as it was — so every agency an event names is noted, not only the ones today's
 * fold happens to change.
 */
export function noteEvent(
  dirty: DirtyKeys,
  event: Envelope,
  wants: (projection: ReadModelProjection) => boolean,
): void {
  if (wants('auditTrail')) {
    if (dirty.auditFrom === undefined) dirty.auditFrom = event.position;
    dirty.auditEvents.push(event);
  }
  if (event.type === 'IdempotencyKeyClaimed') return;
  // The catalogue has no SQL read model: only the audit trail shows its entries.
  if (event.type === 'UnitCostAdded') return;
  // The sign-in mapping has no SQL read model either.
  if (event.type === 'SignInMappingChanged') return;
  if (event.type === 'AgencyRegistered') {
    if (wants('agencyDirectory')) dirty.agencies.add(event.data.agencyId);
    return;
  }
  const { potId } = event.data;
  if (wants('potSummary')) dirty.pots.add(potId);
  if (wants('agencyBalances'))
    for (const agencyId of agenciesNamedBy(event)) addBalance(dirty, agencyId, potId);
  if (wants('benefitFlows')) {
    switch (event.type) {
      case 'FundsAllocated':
      case 'AllocationReversed':
      case 'OutcomeRecorded':
      case 'OutcomeRetracted':
        dirty.flowInterventions.add(`${potId} ${event.data.interventionId}`);
        break;
      case 'FinancialYearSettled':
        for (const scheme of event.data.schemes)
          dirty.flowInterventions.add(`${potId} ${scheme.interventionId}`);
        break;
      default:
        break;
    }
  }
  if (wants('pooledFundRecords')) {
    const key = poolRecordKeyOf(event);
    if (key !== undefined) dirty.poolRecords.add(key);
  }
}

/** The pooledFundRecords row an event changes (a spend against a commitment changes that too: see rowsOf). */
function poolRecordKeyOf(event: Envelope): string | undefined {
  switch (event.type) {
    case 'AgreementRecorded':
      return `agreement ${event.data.potId} ${event.data.version}`;
    case 'SpendRecorded':
    case 'SpendReversed':
      return `spend ${event.data.spendId}`;
    case 'CommitmentRaised':
    case 'CommitmentReleased':
    case 'CommitmentReversed':
      return `commitment ${event.data.commitmentId}`;
    case 'ForecastRecorded':
    case 'ForecastWithdrawn':
      return `forecast ${event.data.forecastId}`;
    case 'FinancialYearSettled':
      return `settlement ${event.data.potId} ${event.data.financialYear}`;
    default:
      return undefined;
  }
}

function agenciesNamedBy(
  event: Exclude<
    Envelope,
    {
      type: 'AgencyRegistered' | 'IdempotencyKeyClaimed' | 'UnitCostAdded' | 'SignInMappingChanged';
    }
  >,
): string[] {
  switch (event.type) {
    case 'PotOpened':
      return [event.data.hostAgencyId, ...event.data.partnerAgencyIds];
    case 'PartnerJoined':
    case 'ContributionReceived':
    case 'ContributionReversed':
    case 'ContributionAgreed':
      return [event.data.agencyId];
    case 'InterventionAssumptionsSet':
      return [];
    case 'InterventionDefined':
      return [event.data.leadAgencyId];
    case 'FundsAllocated':
    case 'AllocationReversed':
      return event.data.fundingShares.map((share) => share.agencyId);
    case 'OutcomeRecorded':
    case 'OutcomeRetracted':
      return [
        ...event.data.benefits.map((benefit) => benefit.agencyId),
        ...event.data.flows.flatMap((flow) => [flow.fromAgencyId, flow.toAgencyId]),
      ];
    case 'PotClosed':
      return event.data.returns.map((r) => r.agencyId);
    case 'FinancialYearSettled': {
      const d = event.data;
      return [
        ...d.stakesBefore.map((l) => l.agencyId),
        ...d.schemes.flatMap((s) =>
          [...s.released, ...s.covered, ...s.shared].map((l) => l.agencyId),
        ),
        ...d.returns.map((l) => l.agencyId),
        ...d.owedByPartners.map((l) => l.agencyId),
      ];
    }
    case 'AgreementRecorded':
    case 'SchemeDetailsRecorded':
    case 'JournalMappingRecorded':
    case 'SpendRecorded':
    case 'SpendReversed':
    case 'CommitmentRaised':
    case 'CommitmentReleased':
    case 'CommitmentReversed':
    case 'ForecastRecorded':
    case 'ForecastWithdrawn':
    case 'RateCardRecorded':
    case 'OutcomeClaimed':
    case 'ClaimValidated':
    case 'ClaimRejected':
    case 'ClaimPaid':
    case 'BcfMinimumsRecorded':
      // Rules, records and reservations: no agency's balances move (spend is paid from funding).
      return [];
    case 'ApprovalThresholdChanged':
    case 'AllocationRequested':
    case 'AllocationApproved':
    case 'AllocationRejected':
    case 'SelfApprovalAttempted':
    case 'FinancialYearClosed':
      // No agency's balances move until an approval's FundsAllocated or the pot's close.
      return [];
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/**
 * The rows of every dirty key, copied out of `books` now, as plain strings and numbers: the
 * books move on with the next batch, the rows must not. Keys the books do not hold (an agency
 * named by an event but with no figures in that pot) give no row.
 */
export function rowsOf(dirty: DirtyKeys, books: LedgerProjections): Map<TableSpec, Row[]> {
  const rows = new Map<TableSpec, Row[]>();
  const push = (table: TableSpec, row: Row): void => {
    const list = rows.get(table);
    if (list === undefined) rows.set(table, [row]);
    else list.push(row);
  };

  for (const agencyId of dirty.agencies) {
    const agency = getAgency(books.agencyDirectory, agencyId);
    if (agency === null) continue;
    push(AGENCIES, {
      agency_id: agency.agencyId,
      name: agency.name,
      kind: agency.kind,
      registered_at: agency.registeredAt,
      position: BigInt(agency.position),
    });
  }

  for (const [agencyId, potIds] of dirty.balances) {
    if (!books.agencyBalances.agencies.has(agencyId)) continue;
    for (const pot of agencyBalances(books.agencyBalances, agencyId).pots) {
      if (!potIds.has(pot.potId)) continue;
      push(AGENCY_POT_BALANCES, {
        agency_id: agencyId,
        pot_id: pot.potId,
        contributed: pot.contributed,
        drawn: pot.drawn,
        stake: pot.stake,
        benefits_received: pot.benefitsReceived,
        benefits_received_cashable: pot.benefitsReceivedCashable,
        benefits_received_non_cashable: pot.benefitsReceivedNonCashable,
        benefits_produced_for_others: pot.benefitsProducedForOthers,
        net_fiscal_position: pot.netFiscalPosition,
        returned: pot.returned,
        risk_share_owed: pot.riskShareOwed ?? '0.00',
        risk_share_paid: pot.riskSharePaid ?? '0.00',
      });
    }
  }

  for (const potId of dirty.pots) {
    const pot = potSummary(books.potSummary, potId);
    if (pot === null) continue;
    push(POTS, {
      pot_id: pot.potId,
      name: pot.name,
      area: pot.area,
      host_agency_id: pot.hostAgencyId,
      status: pot.status,
      currency: pot.currency,
      contributed: pot.contributed,
      allocated: pot.allocated,
      available: pot.available,
      opened_at: pot.openedAt,
      position: BigInt(pot.position),
      risk_share_owed: pot.riskShareOwed ?? '0.00',
      risk_share_paid: pot.riskSharePaid ?? '0.00',
    });
    pot.partners.forEach((partner, index) =>
      push(POT_PARTNERS, {
        pot_id: pot.potId,
        agency_id: partner.agencyId,
        partner_order: index,
        contributed: partner.contributed,
        drawn: partner.drawn,
        stake: partner.stake,
        returned: partner.returned,
        risk_share_owed: partner.riskShareOwed ?? '0.00',
        risk_share_paid: partner.riskSharePaid ?? '0.00',
      }),
    );
    pot.interventions.forEach((intervention, index) =>
      push(INTERVENTIONS, {
        pot_id: pot.potId,
        intervention_id: intervention.interventionId,
        intervention_order: index,
        name: intervention.name,
        lead_agency_id: intervention.leadAgencyId,
        funded: intervention.funded,
        benefits: intervention.benefits,
        spent: intervention.spent ?? '0.00',
      }),
    );
  }

  if (dirty.flowInterventions.size > 0) {
    // Zero figures are written too: a retracted outcome must set its row back to 0.00, not leave it.
    for (const cell of books.benefitFlows.cells.values()) {
      if (!dirty.flowInterventions.has(`${cell.potId} ${cell.interventionId}`)) continue;
      const cellKey = {
        pot_id: cell.potId,
        intervention_id: cell.interventionId,
        financial_year: cell.financialYear,
      };
      for (const flow of cell.flows.values()) {
        push(BENEFIT_FLOWS, {
          ...cellKey,
          from_agency_id: flow.fromAgencyId,
          to_agency_id: flow.toAgencyId,
          amount: formatPence(flow.amount),
          cashable_amount: formatPence(flow.cashableAmount),
        });
      }
      for (const [agencyId, invested] of cell.invested) {
        push(INVESTMENTS, { ...cellKey, agency_id: agencyId, invested: formatPence(invested) });
      }
    }
  }

  const records = books.pooledFundRecords;
  const flagOf = (value: boolean | null): number | null => (value === null ? null : value ? 1 : 0);
  const commitmentRow = (commitmentId: string): void => {
    const c = records.commitments.get(commitmentId);
    if (c === undefined) return;
    push(COMMITMENTS, {
      commitment_id: commitmentId,
      pot_id: c.potId,
      intervention_id: c.interventionId,
      event_id: c.eventId,
      amount: c.amount,
      effective_date: c.effectiveDate,
      financial_year: financialYearOf(c.effectiveDate),
      reference: c.reference,
      supplier: c.supplier,
      released: formatAmount(c.released),
      cancelled: formatAmount(c.cancelled),
      outstanding: outstandingOf(c),
      overspend_by: c.overBy,
      reversed_by_event_id: c.reversedByEventId,
    });
  };
  const commitmentsWritten = new Set<string>();
  for (const key of dirty.poolRecords) {
    const [kind, id, more] = key.split(' ') as [string, string, string | undefined];
    if (kind === 'agreement') {
      const a = records.agreements.get(`${id} ${more}`);
      if (a === undefined) continue;
      const d = a.data;
      push(AGREEMENTS, {
        pot_id: d.potId,
        version: d.version,
        event_id: a.eventId,
        position: a.position,
        reference: d.reference,
        legal_basis: d.legalBasis,
        start_date: d.startDate,
        end_date: d.endDate ?? null,
        pool_manager: d.poolManager,
        board_decision_ref: d.boardDecisionRef,
        signed_on: d.signedOn,
        spend_tracking: flagOf(d.spendTracking),
        overspend_policy: d.overspend.policy,
        cover_from_pot: flagOf(d.overspend.coverFromPot),
        overspend_share: d.overspend.share,
        underspend: d.underspend,
        replaces_version: d.replaces === undefined ? null : String(d.replaces.version),
      });
    } else if (kind === 'spend') {
      const sp = records.spends.get(id);
      if (sp === undefined) continue;
      push(SPEND, {
        spend_id: id,
        pot_id: sp.potId,
        intervention_id: sp.interventionId,
        event_id: sp.eventId,
        amount: sp.amount,
        effective_date: sp.effectiveDate,
        financial_year: financialYearOf(sp.effectiveDate),
        supplier: sp.supplier,
        invoice_ref: sp.invoiceRef,
        vat: sp.vat,
        vat_recoverable: flagOf(sp.vatRecoverable),
        commitment_id: sp.commitmentId,
        overspend_by: sp.overBy,
        reversed_by_event_id: sp.reversedByEventId,
        reversed_on: sp.reversedOn,
      });
      // A spend (or its reversal) against a commitment moves what the commitment still reserves.
      if (sp.commitmentId !== null && !commitmentsWritten.has(sp.commitmentId)) {
        commitmentsWritten.add(sp.commitmentId);
        commitmentRow(sp.commitmentId);
      }
    } else if (kind === 'commitment') {
      if (commitmentsWritten.has(id)) continue;
      commitmentsWritten.add(id);
      commitmentRow(id);
    } else if (kind === 'forecast') {
      const f = records.forecasts.get(id);
      if (f === undefined) continue;
      const d = f.data;
      push(FORECASTS, {
        forecast_id: id,
        pot_id: d.potId,
        intervention_id: d.interventionId,
        event_id: f.eventId,
        financial_year: d.financialYear,
        quarter: d.quarter,
        forecast_outturn: d.forecastOutturn,
        budget: d.budget,
        explanation: d.explanation ?? null,
        withdrawn_by_event_id: f.withdrawnByEventId,
      });
    } else if (kind === 'settlement') {
      const settled = records.settlements.get(`${id} ${more}`);
      if (settled === undefined) continue;
      const d = settled.data;
      // Several lines of one kind for one scheme and partner would share a key: summed.
      const lines = new Map<
        string,
        { line: ReturnType<typeof settlementLinesOf>[number]; total: Money }
      >();
      for (const line of settlementLinesOf(d)) {
        const lineKey = `${line.interventionId} ${line.agencyId} ${line.kind}`;
        const seen = lines.get(lineKey);
        lines.set(lineKey, {
          line,
          total: (seen?.total ?? ZERO).plus(money(line.amount)),
        });
      }
      for (const { line, total } of lines.values()) {
        push(SETTLEMENT_LINES, {
          pot_id: d.potId,
          financial_year: d.financialYear,
          intervention_id: line.interventionId,
          agency_id: line.agencyId,
          kind: line.kind,
          amount: formatAmount(total),
          event_id: settled.eventId,
          effective_date: d.effectiveDate,
        });
      }
    }
  }

  if (dirty.auditFrom !== undefined) {
    const trail = books.auditTrail;
    const events = new Map(dirty.auditEvents.map((event) => [event.position, event]));
    for (
      let i = firstAtOrAfter(trail.positions, trail.size, dirty.auditFrom);
      i < trail.size;
      i++
    ) {
      const position = columnAt(trail.positions, i);
      const event = events.get(position);
      if (event === undefined)
        throw new Error(`invariant: the read-model writer was not given the event at ${position}`);
      const entry = auditEntryAt(trail, i, event);
      push(AUDIT_TRAIL, {
        position,
        event_id: entry.eventId,
        type: entry.type,
        stream_id: entry.streamId,
        recorded_at: entry.recordedAt,
        effective_date: entry.effectiveDate ?? null,
        actor_sub: entry.actor.sub,
        actor_role: entry.actor.role,
        actor_agency_id: entry.actor.agencyId ?? null,
        command_id: entry.commandId,
        correlation_id: entry.correlationId,
        causation_id: entry.causationId ?? null,
        reason: entry.reason ?? null,
        summary: entry.summary,
        pot_id: entry.potId ?? null,
        amount: entry.amount ?? null,
        reversed_event_id: entry.reversedEventId ?? null,
      });
      for (const agencyId of entry.agencyIds)
        push(AUDIT_TRAIL_AGENCIES, { position, agency_id: agencyId });
    }
  }

  return rows;
}

/** First index i < length with positions.at(i) >= position, or length. */
function firstAtOrAfter(positions: PositionColumn, length: number, position: bigint): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (columnAt(positions, mid) < position) low = mid + 1;
    else high = mid;
  }
  return low;
}
