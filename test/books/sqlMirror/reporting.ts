/**
 * A reporting job's side: the API's answers rebuilt from nothing but SELECTs over the rm_
 * tables, written the way docs/reporting.md recommends (sum the *_pence twins; format and
 * divide in the reporting tool). If these agree with the API, the documented recipes work.
 */
import { Decimal } from 'decimal.js';
import type { ReportingDb } from './support.ts';

type Json = Record<string, unknown>;

const str = (value: unknown): string => String(value);
const optional = (value: unknown): string | undefined =>
  value === null || value === undefined ? undefined : String(value);

/** Integer pence (bigint, number or numeric string from either driver) → "1234.50". */
export function poundsOf(pence: unknown): string {
  const value = BigInt(pence === null || pence === undefined ? 0 : String(pence));
  const negative = value < 0n;
  const abs = negative ? -value : value;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

function ratio(numeratorPence: bigint, denominatorPence: bigint): string | null {
  if (denominatorPence === 0n) return null;
  return new Decimal(numeratorPence.toString())
    .dividedBy(denominatorPence.toString())
    .toFixed(4, Decimal.ROUND_HALF_EVEN);
}

function withoutUndefined(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

export async function agenciesFromSql(db: ReportingDb): Promise<Json[]> {
  const rows = await db.all(
    `SELECT agency_id, name, kind, ${db.timestampText('registered_at')} AS registered_at, position FROM rm_agencies ORDER BY agency_id`,
  );
  return rows.map((r) => ({
    agencyId: str(r.agency_id),
    name: str(r.name),
    kind: str(r.kind),
    registeredAt: str(r.registered_at),
    position: str(r.position),
  }));
}

export async function potsFromSql(db: ReportingDb): Promise<Json[]> {
  const pots = await db.all(
    `SELECT pot_id, name, area, host_agency_id, status, currency, contributed, allocated, available,
            ${db.timestampText('opened_at')} AS opened_at, position
       FROM rm_pots ORDER BY pot_id`,
  );
  const partners = await db.all(
    'SELECT pot_id, agency_id, contributed, drawn, returned, stake FROM rm_pot_partners ORDER BY pot_id, partner_order',
  );
  const interventions = await db.all(
    'SELECT pot_id, intervention_id, name, lead_agency_id, funded, benefits FROM rm_interventions ORDER BY pot_id, intervention_order',
  );
  return pots.map((p) => ({
    potId: str(p.pot_id),
    name: str(p.name),
    area: str(p.area),
    hostAgencyId: str(p.host_agency_id),
    status: str(p.status),
    currency: str(p.currency),
    contributed: str(p.contributed),
    allocated: str(p.allocated),
    available: str(p.available),
    partners: partners
      .filter((r) => r.pot_id === p.pot_id)
      .map((r) => ({
        agencyId: str(r.agency_id),
        contributed: str(r.contributed),
        drawn: str(r.drawn),
        returned: str(r.returned),
        stake: str(r.stake),
      })),
    interventions: interventions
      .filter((r) => r.pot_id === p.pot_id)
      .map((r) => ({
        interventionId: str(r.intervention_id),
        name: str(r.name),
        leadAgencyId: str(r.lead_agency_id),
        funded: str(r.funded),
        benefits: str(r.benefits),
      })),
    openedAt: str(p.opened_at),
    position: str(p.position),
  }));
}

const BALANCE_COLUMNS = {
  contributed: 'contributed',
  drawn: 'drawn',
  stake: 'stake',
  benefitsReceived: 'benefits_received',
  benefitsReceivedCashable: 'benefits_received_cashable',
  benefitsReceivedNonCashable: 'benefits_received_non_cashable',
  benefitsProducedForOthers: 'benefits_produced_for_others',
  netFiscalPosition: 'net_fiscal_position',
  returned: 'returned',
} as const;

export async function balancesFromSql(db: ReportingDb, agencyId: string): Promise<Json> {
  const entries = Object.entries(BALANCE_COLUMNS);
  const pots = await db.all(
    `SELECT pot_id, ${entries.map(([, c]) => c).join(', ')} FROM rm_agency_pot_balances WHERE agency_id = ? ORDER BY pot_id`,
    [agencyId],
  );
  const [totals] = await db.all(
    `SELECT ${entries.map(([, c]) => `SUM(${c}_pence) AS ${c}`).join(', ')} FROM rm_agency_pot_balances WHERE agency_id = ?`,
    [agencyId],
  );
  return {
    agencyId,
    total: Object.fromEntries(entries.map(([key, c]) => [key, poundsOf(totals![c])])),
    pots: pots.map((r) => ({
      potId: str(r.pot_id),
      ...Object.fromEntries(entries.map(([key, c]) => [key, str(r[c])])),
    })),
  };
}

export async function flowsFromSql(
  db: ReportingDb,
  scope: { potId?: string; financialYear?: string } = {},
): Promise<Json> {
  const conditions: string[] = [];
  const params: string[] = [];
  if (scope.potId !== undefined) {
    conditions.push('pot_id = ?');
    params.push(scope.potId);
  }
  if (scope.financialYear !== undefined) {
    conditions.push('financial_year = ?');
    params.push(scope.financialYear);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;

  const rows = await db.all(
    `SELECT from_agency_id, to_agency_id, SUM(amount_pence) AS amount, SUM(cashable_amount_pence) AS cashable_amount
       FROM rm_benefit_flows ${where}
      GROUP BY from_agency_id, to_agency_id
     HAVING SUM(amount_pence) <> 0
      ORDER BY from_agency_id, to_agency_id`,
    params,
  );
  const invested = await db.all(
    `SELECT agency_id, SUM(invested_pence) AS invested FROM rm_investments ${where} GROUP BY agency_id`,
    params,
  );
  const produced = await db.all(
    `SELECT from_agency_id AS agency_id, SUM(amount_pence) AS produced,
            SUM(CASE WHEN from_agency_id <> to_agency_id THEN amount_pence ELSE 0 END) AS produced_for_others
       FROM rm_benefit_flows ${where} GROUP BY from_agency_id`,
    params,
  );
  const received = await db.all(
    `SELECT to_agency_id AS agency_id, SUM(amount_pence) AS received FROM rm_benefit_flows ${where} GROUP BY to_agency_id`,
    params,
  );

  const totals = new Map<
    string,
    { invested: bigint; produced: bigint; producedForOthers: bigint; received: bigint }
  >();
  const of = (agencyId: unknown) => {
    const id = str(agencyId);
    let t = totals.get(id);
    if (t === undefined) {
      t = { invested: 0n, produced: 0n, producedForOthers: 0n, received: 0n };
      totals.set(id, t);
    }
    return t;
  };
  for (const r of invested) of(r.agency_id).invested += BigInt(str(r.invested));
  for (const r of produced) {
    of(r.agency_id).produced += BigInt(str(r.produced));
    of(r.agency_id).producedForOthers += BigInt(str(r.produced_for_others));
  }
  for (const r of received) of(r.agency_id).received += BigInt(str(r.received));

  return {
    rows: rows.map((r) => ({
      fromAgencyId: str(r.from_agency_id),
      toAgencyId: str(r.to_agency_id),
      amount: poundsOf(r.amount),
      cashableAmount: poundsOf(r.cashable_amount),
    })),
    agencies: [...totals]
      .filter(([, t]) => t.invested !== 0n || t.produced !== 0n || t.received !== 0n)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([agencyId, t]) => ({
        agencyId,
        invested: poundsOf(t.invested),
        benefitsProduced: poundsOf(t.produced),
        benefitsReceived: poundsOf(t.received),
        returnPerPound: ratio(t.produced, t.invested),
        wrongPocketShare: ratio(t.producedForOthers, t.produced),
      })),
  };
}

export async function auditFromSql(db: ReportingDb): Promise<Json[]> {
  const entries = await db.all(
    `SELECT position, event_id, type, stream_id, ${db.timestampText('recorded_at')} AS recorded_at,
            ${db.dateText('effective_date')} AS effective_date, actor_sub, actor_role, actor_agency_id,
            command_id, correlation_id, causation_id, reason, summary, pot_id, amount_pence,
            reversed_event_id
       FROM rm_audit_trail ORDER BY position`,
  );
  const agencies = await db.all(
    'SELECT position, agency_id FROM rm_audit_trail_agencies ORDER BY position, agency_id',
  );
  const agenciesAt = new Map<string, string[]>();
  for (const r of agencies)
    agenciesAt.set(str(r.position), [...(agenciesAt.get(str(r.position)) ?? []), str(r.agency_id)]);
  return entries.map((r) =>
    withoutUndefined({
      position: str(r.position),
      eventId: str(r.event_id),
      type: str(r.type),
      streamId: str(r.stream_id),
      recordedAt: str(r.recorded_at),
      effectiveDate: optional(r.effective_date),
      actor: withoutUndefined({
        sub: str(r.actor_sub),
        role: str(r.actor_role),
        agencyId: optional(r.actor_agency_id),
      }),
      commandId: str(r.command_id),
      correlationId: str(r.correlation_id),
      causationId: optional(r.causation_id),
      reason: optional(r.reason),
      summary: str(r.summary),
      potId: optional(r.pot_id),
      amount: r.amount_pence === null ? undefined : poundsOf(r.amount_pence),
      reversedEventId: optional(r.reversed_event_id),
      agencyIds: agenciesAt.get(str(r.position)) ?? [],
    }),
  );
}
