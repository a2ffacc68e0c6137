/**
 * The SQL read models: which projections are written to tables, and the shape of each table.
 *
 * Reporting jobs SELECT from these tables (docs/reporting.md), so a column once published is
 * never renamed or retyped: a change is a new migration that adds. The descriptors here drive
 * the upserts and truncation; the DDL itself is literal SQL in migrations.ts, and a test checks
 * that the two agree.
 */

/** The projections kept in SQL, named as in projections/index.ts `LedgerProjections`. */
export const READ_MODEL_PROJECTIONS = [
  'agencyDirectory',
  'agencyBalances',
  'potSummary',
  'benefitFlows',
  'auditTrail',
  'pooledFundRecords',
] as const;
export type ReadModelProjection = (typeof READ_MODEL_PROJECTIONS)[number];

export function isReadModelProjection(name: string): name is ReadModelProjection {
  return (READ_MODEL_PROJECTIONS as readonly string[]).includes(name);
}

/** The projection of that name, or an Error that lists the names there are. */
export function parseReadModelProjection(name: string): ReadModelProjection {
  if (isReadModelProjection(name)) return name;
  throw new UnknownProjectionError(name);
}

export class UnknownProjectionError extends Error {
  readonly code = 'UNKNOWN_PROJECTION';
  constructor(readonly projection: string) {
    super(
      `unknown projection ${JSON.stringify(projection)}; the projections are: ${READ_MODEL_PROJECTIONS.join(', ')}`,
    );
  }
}

/**
 * What a column holds, which fixes its SQL type in each dialect:
 * - text / optionalText: TEXT (NULL allowed only for optionalText);
 * - amount: an exact 2-dp decimal (SQLite TEXT "1234.50", PostgreSQL NUMERIC(20,2)) AND a twin
 *   `<name>_pence` integer column, so SQL sums are exact in both databases;
 * - position: a log position (INTEGER / BIGINT);
 * - ordinal: a small integer that orders rows as the API lists them;
 * - timestamp: UTC instant (SQLite ISO-8601 TEXT, PostgreSQL TIMESTAMPTZ);
 * - optionalDate: a business date (SQLite TEXT YYYY-MM-DD, PostgreSQL DATE), may be NULL;
 * - optionalAmount: an amount that may be NULL (a VAT not given), its pence twin NULL with it;
 * - flag: 1 or 0 (INTEGER in both databases), NULL when the event did not say.
 */
export type ColumnKind =
  | 'text'
  | 'optionalText'
  | 'amount'
  | 'optionalAmount'
  | 'position'
  | 'ordinal'
  | 'timestamp'
  | 'optionalDate'
  | 'flag';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
}

export interface TableSpec {
  readonly name: string;
  readonly projection: ReadModelProjection;
  readonly columns: readonly ColumnSpec[];
  readonly primaryKey: readonly string[];
}

/** A row as the writer builds it: amounts as 2-dp strings, positions as bigint, ordinals as numbers. */
export type RowValue = string | bigint | number | null;
export type Row = Readonly<Record<string, RowValue>>;

/** Suffix of the integer-pence twin of every amount column. */
export const PENCE_SUFFIX = '_pence';

const text = (name: string): ColumnSpec => ({ name, kind: 'text' });
const optionalText = (name: string): ColumnSpec => ({ name, kind: 'optionalText' });
const amount = (name: string): ColumnSpec => ({ name, kind: 'amount' });
const position = (name: string): ColumnSpec => ({ name, kind: 'position' });
const ordinal = (name: string): ColumnSpec => ({ name, kind: 'ordinal' });
const timestamp = (name: string): ColumnSpec => ({ name, kind: 'timestamp' });
const optionalDate = (name: string): ColumnSpec => ({ name, kind: 'optionalDate' });
const optionalAmount = (name: string): ColumnSpec => ({ name, kind: 'optionalAmount' });
const flag = (name: string): ColumnSpec => ({ name, kind: 'flag' });

/** Columns schema v3 added at the end of existing tables (risk-share debts and payments). */
const V3_RISK_SHARE = [amount('risk_share_owed'), amount('risk_share_paid')];

const BALANCE_AMOUNTS = [
  'contributed',
  'drawn',
  'stake',
  'benefits_received',
  'benefits_received_cashable',
  'benefits_received_non_cashable',
  'benefits_produced_for_others',
  'net_fiscal_position',
].map(amount);

export const AGENCIES: TableSpec = {
  name: 'rm_agencies',
  projection: 'agencyDirectory',
  columns: [
    text('agency_id'),
    text('name'),
    text('kind'),
    timestamp('registered_at'),
    position('position'),
  ],
  primaryKey: ['agency_id'],
};

export const AGENCY_POT_BALANCES: TableSpec = {
  name: 'rm_agency_pot_balances',
  projection: 'agencyBalances',
  // `returned` came with schema v2, so it sits after the v1 columns.
  columns: [
    text('agency_id'),
    text('pot_id'),
    ...BALANCE_AMOUNTS,
    amount('returned'),
    ...V3_RISK_SHARE,
  ],
  primaryKey: ['agency_id', 'pot_id'],
};

export const POTS: TableSpec = {
  name: 'rm_pots',
  projection: 'potSummary',
  columns: [
    text('pot_id'),
    text('name'),
    text('area'),
    text('host_agency_id'),
    text('status'),
    text('currency'),
    amount('contributed'),
    amount('allocated'),
    amount('available'),
    timestamp('opened_at'),
    position('position'),
    ...V3_RISK_SHARE,
  ],
  primaryKey: ['pot_id'],
};

export const POT_PARTNERS: TableSpec = {
  name: 'rm_pot_partners',
  projection: 'potSummary',
  columns: [
    text('pot_id'),
    text('agency_id'),
    ordinal('partner_order'),
    amount('contributed'),
    amount('drawn'),
    amount('stake'),
    amount('returned'),
    ...V3_RISK_SHARE,
  ],
  primaryKey: ['pot_id', 'agency_id'],
};

export const INTERVENTIONS: TableSpec = {
  name: 'rm_interventions',
  projection: 'potSummary',
  columns: [
    text('pot_id'),
    text('intervention_id'),
    ordinal('intervention_order'),
    text('name'),
    text('lead_agency_id'),
    amount('funded'),
    amount('benefits'),
    amount('spent'),
  ],
  primaryKey: ['pot_id', 'intervention_id'],
};

export const BENEFIT_FLOWS: TableSpec = {
  name: 'rm_benefit_flows',
  projection: 'benefitFlows',
  columns: [
    text('pot_id'),
    text('intervention_id'),
    text('financial_year'),
    text('from_agency_id'),
    text('to_agency_id'),
    amount('amount'),
    amount('cashable_amount'),
  ],
  primaryKey: ['pot_id', 'intervention_id', 'financial_year', 'from_agency_id', 'to_agency_id'],
};

export const INVESTMENTS: TableSpec = {
  name: 'rm_investments',
  projection: 'benefitFlows',
  columns: [
    text('pot_id'),
    text('intervention_id'),
    text('financial_year'),
    text('agency_id'),
    amount('invested'),
  ],
  primaryKey: ['pot_id', 'intervention_id', 'financial_year', 'agency_id'],
};

export const AUDIT_TRAIL: TableSpec = {
  name: 'rm_audit_trail',
  projection: 'auditTrail',
  columns: [
    position('position'),
    text('event_id'),
    text('type'),
    text('stream_id'),
    timestamp('recorded_at'),
    optionalDate('effective_date'),
    text('actor_sub'),
    text('actor_role'),
    optionalText('actor_agency_id'),
    text('command_id'),
    text('correlation_id'),
    optionalText('causation_id'),
    optionalText('reason'),
    text('summary'),
    optionalText('pot_id'),
    // Schema v4.
    optionalAmount('amount'),
    optionalText('reversed_event_id'),
  ],
  primaryKey: ['position'],
};

export const AUDIT_TRAIL_AGENCIES: TableSpec = {
  name: 'rm_audit_trail_agencies',
  projection: 'auditTrail',
  columns: [position('position'), text('agency_id')],
  primaryKey: ['position', 'agency_id'],
};

export const AGREEMENTS: TableSpec = {
  name: 'rm_agreements',
  projection: 'pooledFundRecords',
  columns: [
    text('pot_id'),
    ordinal('version'),
    text('event_id'),
    position('position'),
    text('reference'),
    text('legal_basis'),
    optionalDate('start_date'),
    optionalDate('end_date'),
    text('pool_manager'),
    text('board_decision_ref'),
    optionalDate('signed_on'),
    flag('spend_tracking'),
    text('overspend_policy'),
    flag('cover_from_pot'),
    text('overspend_share'),
    text('underspend'),
    optionalText('replaces_version'),
  ],
  primaryKey: ['pot_id', 'version'],
};

export const SPEND: TableSpec = {
  name: 'rm_spend',
  projection: 'pooledFundRecords',
  columns: [
    text('spend_id'),
    text('pot_id'),
    text('intervention_id'),
    text('event_id'),
    amount('amount'),
    optionalDate('effective_date'),
    text('financial_year'),
    text('supplier'),
    text('invoice_ref'),
    optionalAmount('vat'),
    flag('vat_recoverable'),
    optionalText('commitment_id'),
    optionalAmount('overspend_by'),
    optionalText('reversed_by_event_id'),
    optionalDate('reversed_on'),
  ],
  primaryKey: ['spend_id'],
};

export const COMMITMENTS: TableSpec = {
  name: 'rm_commitments',
  projection: 'pooledFundRecords',
  columns: [
    text('commitment_id'),
    text('pot_id'),
    text('intervention_id'),
    text('event_id'),
    amount('amount'),
    optionalDate('effective_date'),
    text('financial_year'),
    text('reference'),
    optionalText('supplier'),
    amount('released'),
    amount('cancelled'),
    amount('outstanding'),
    optionalAmount('overspend_by'),
    optionalText('reversed_by_event_id'),
  ],
  primaryKey: ['commitment_id'],
};

export const FORECASTS: TableSpec = {
  name: 'rm_forecasts',
  projection: 'pooledFundRecords',
  columns: [
    text('forecast_id'),
    text('pot_id'),
    text('intervention_id'),
    text('event_id'),
    text('financial_year'),
    ordinal('quarter'),
    amount('forecast_outturn'),
    amount('budget'),
    optionalText('explanation'),
    optionalText('withdrawn_by_event_id'),
  ],
  primaryKey: ['forecast_id'],
};

export const SETTLEMENT_LINES: TableSpec = {
  name: 'rm_settlement_lines',
  projection: 'pooledFundRecords',
  columns: [
    text('pot_id'),
    text('financial_year'),
    text('intervention_id'),
    text('agency_id'),
    text('kind'),
    amount('amount'),
    text('event_id'),
    optionalDate('effective_date'),
  ],
  primaryKey: ['pot_id', 'financial_year', 'intervention_id', 'agency_id', 'kind'],
};

/** Every read-model table, in the order a transaction writes them. */
export const READ_MODEL_TABLES: readonly TableSpec[] = [
  AGENCIES,
  AGENCY_POT_BALANCES,
  POTS,
  POT_PARTNERS,
  INTERVENTIONS,
  BENEFIT_FLOWS,
  INVESTMENTS,
  AUDIT_TRAIL,
  AUDIT_TRAIL_AGENCIES,
  AGREEMENTS,
  SPEND,
  COMMITMENTS,
  FORECASTS,
  SETTLEMENT_LINES,
];

export const CHECKPOINTS_TABLE = 'rm_checkpoints';
export const SCHEMA_VERSION_TABLE = 'rm_schema_version';

export function tablesOf(projection: ReadModelProjection): TableSpec[] {
  return READ_MODEL_TABLES.filter((table) => table.projection === projection);
}

/** The SQL column names of a table, amount twins included, in DDL order. */
export function sqlColumnsOf(table: TableSpec): string[] {
  return table.columns.flatMap((column) =>
    column.kind === 'amount' || column.kind === 'optionalAmount'
      ? [column.name, `${column.name}${PENCE_SUFFIX}`]
      : [column.name],
  );
}
