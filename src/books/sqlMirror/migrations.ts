/**
 * Versioned schema of the read-model tables, one list per dialect: step i brings the database
 * to version i + 1 (recorded in rm_schema_version). Steps are only ever added, never edited,
 * because databases in the field, and the reporting jobs reading them, already depend on the
 * earlier ones. The rm_ prefix keeps these tables apart from the event store's own.
 *
 * Amounts: SQLite has no exact decimal type (a NUMERIC column would turn "0.10" into a float),
 * so an amount is TEXT "1234.50" with an INTEGER pence twin; PostgreSQL has NUMERIC(20,2) and
 * the same BIGINT twin, so one reporting query can sum pence exactly in either database.
 * PostgreSQL id columns use the "C" collation so ORDER BY sorts ids by code unit, as the API
 * does (projections/ordering.ts), whatever the database's locale.
 */

/** What a migration creates a column as; each dialect gives it its own SQL type (see COLUMN_TYPES). Not tables.ts's ColumnKind, which says how a published column is read. */
type DdlKind =
  /** An id or other key (a financial year): "C" collation on PostgreSQL, so it sorts by code unit. */
  | 'key'
  | 'text'
  /** A 2-dp amount, always next to its `_pence` twin. */
  | 'amount'
  | 'pence'
  /** A log position. */
  | 'position'
  /** A small whole number: an order among siblings. */
  | 'order'
  | 'timestamp'
  | 'date';

type Dialect = 'sqlite' | 'postgres';

const COLUMN_TYPES: Readonly<Record<Dialect, Readonly<Record<DdlKind, string>>>> = {
  sqlite: {
    key: 'TEXT',
    text: 'TEXT',
    amount: 'TEXT',
    pence: 'INTEGER',
    position: 'INTEGER',
    order: 'INTEGER',
    timestamp: 'TEXT',
    date: 'TEXT',
  },
  postgres: {
    key: 'TEXT COLLATE "C"',
    text: 'TEXT',
    amount: 'NUMERIC(20,2)',
    pence: 'BIGINT',
    position: 'BIGINT',
    order: 'INTEGER',
    timestamp: 'TIMESTAMPTZ',
    date: 'DATE',
  },
};

/**
 * A column: `[name, kind]` is NOT NULL; a third element says otherwise: 'null' for a column that
 * may be empty, 'primary key' or 'not null unique' for a one-column key.
 */
type Column = readonly [
  name: string,
  kind: DdlKind,
  constraint?: 'null' | 'primary key' | 'not null unique',
];

interface Table {
  readonly name: string;
  readonly columns: readonly Column[];
  /** A key of several columns; a one-column key is marked on its column. */
  readonly primaryKey?: readonly string[];
  /** Index name and its columns. */
  readonly indexes?: readonly (readonly [name: string, columns: readonly string[]])[];
}

/** An amount column and its pence twin. */
function money(name: string): readonly Column[] {
  return [
    [name, 'amount'],
    [`${name}_pence`, 'pence'],
  ];
}

/** Version 1's tables. Frozen: later versions add steps below, never edit these. */
const V1_TABLES: readonly Table[] = [
  {
    name: 'rm_checkpoints',
    columns: [
      ['projection', 'text', 'primary key'],
      ['position', 'position'],
      ['updated_at', 'timestamp'],
    ],
  },
  {
    name: 'rm_agencies',
    columns: [
      ['agency_id', 'key', 'primary key'],
      ['name', 'text'],
      ['kind', 'text'],
      ['registered_at', 'timestamp'],
      ['position', 'position'],
    ],
  },
  {
    name: 'rm_agency_pot_balances',
    columns: [
      ['agency_id', 'key'],
      ['pot_id', 'key'],
      ...money('contributed'),
      ...money('drawn'),
      ...money('stake'),
      ...money('benefits_received'),
      ...money('benefits_received_cashable'),
      ...money('benefits_received_non_cashable'),
      ...money('benefits_produced_for_others'),
      ...money('net_fiscal_position'),
    ],
    primaryKey: ['agency_id', 'pot_id'],
    indexes: [['rm_agency_pot_balances_pot', ['pot_id']]],
  },
  {
    name: 'rm_pots',
    columns: [
      ['pot_id', 'key', 'primary key'],
      ['name', 'text'],
      ['area', 'text'],
      ['host_agency_id', 'key'],
      ['status', 'text'],
      ['currency', 'text'],
      ...money('contributed'),
      ...money('allocated'),
      ...money('available'),
      ['opened_at', 'timestamp'],
      ['position', 'position'],
    ],
  },
  {
    name: 'rm_pot_partners',
    columns: [
      ['pot_id', 'key'],
      ['agency_id', 'key'],
      ['partner_order', 'order'],
      ...money('contributed'),
      ...money('drawn'),
      ...money('stake'),
    ],
    primaryKey: ['pot_id', 'agency_id'],
  },
  {
    name: 'rm_interventions',
    columns: [
      ['pot_id', 'key'],
      ['intervention_id', 'key'],
      ['intervention_order', 'order'],
      ['name', 'text'],
      ['lead_agency_id', 'key'],
      ...money('funded'),
      ...money('benefits'),
    ],
    primaryKey: ['pot_id', 'intervention_id'],
  },
  {
    name: 'rm_benefit_flows',
    columns: [
      ['pot_id', 'key'],
      ['intervention_id', 'key'],
      ['financial_year', 'key'],
      ['from_agency_id', 'key'],
      ['to_agency_id', 'key'],
      ...money('amount'),
      ...money('cashable_amount'),
    ],
    primaryKey: ['pot_id', 'intervention_id', 'financial_year', 'from_agency_id', 'to_agency_id'],
    indexes: [['rm_benefit_flows_year', ['financial_year']]],
  },
  {
    name: 'rm_investments',
    columns: [
      ['pot_id', 'key'],
      ['intervention_id', 'key'],
      ['financial_year', 'key'],
      ['agency_id', 'key'],
      ...money('invested'),
    ],
    primaryKey: ['pot_id', 'intervention_id', 'financial_year', 'agency_id'],
  },
  {
    name: 'rm_audit_trail',
    columns: [
      ['position', 'position', 'primary key'],
      ['event_id', 'text', 'not null unique'],
      ['type', 'text'],
      ['stream_id', 'text'],
      ['recorded_at', 'timestamp'],
      ['effective_date', 'date', 'null'],
      ['actor_sub', 'text'],
      ['actor_role', 'text'],
      ['actor_agency_id', 'text', 'null'],
      ['command_id', 'text'],
      ['correlation_id', 'text'],
      ['causation_id', 'text', 'null'],
      ['reason', 'text', 'null'],
      ['summary', 'text'],
      ['pot_id', 'key', 'null'],
    ],
    indexes: [
      ['rm_audit_trail_pot', ['pot_id', 'position']],
      ['rm_audit_trail_actor', ['actor_sub', 'position']],
      ['rm_audit_trail_recorded_at', ['recorded_at']],
    ],
  },
  {
    name: 'rm_audit_trail_agencies',
    columns: [
      ['position', 'position'],
      ['agency_id', 'key'],
    ],
    primaryKey: ['position', 'agency_id'],
    indexes: [['rm_audit_trail_agencies_agency', ['agency_id', 'position']]],
  },
];

function columnSql(dialect: Dialect, [name, kind, constraint]: Column): string {
  const type = COLUMN_TYPES[dialect][kind];
  if (constraint === 'null') return `  ${name} ${type}`;
  return `  ${name} ${type} ${(constraint ?? 'not null').toUpperCase()}`;
}

function createTableSql(dialect: Dialect, table: Table): string {
  const lines = table.columns.map((column) => columnSql(dialect, column));
  if (table.primaryKey !== undefined) lines.push(`  PRIMARY KEY (${table.primaryKey.join(', ')})`);
  const indexes = (table.indexes ?? []).map(
    ([name, columns]) => `CREATE INDEX ${name} ON ${table.name} (${columns.join(', ')});\n`,
  );
  return `CREATE TABLE ${table.name} (\n${lines.join(',\n')}\n);\n${indexes.join('')}`;
}

/**
 * v2 (issue 4, closing a pot): what the close returned to each partner. Added at the end of the
 * tables (a column once published is never moved); rows written before it returned nothing.
 */
const V2_RETURNED: readonly { readonly table: string; readonly column: string }[] = [
  { table: 'rm_agency_pot_balances', column: 'returned' },
  { table: 'rm_pot_partners', column: 'returned' },
];

/** An amount column and its pence twin added to a table that has rows: they start at zero. */
function addMoneyColumnSql(dialect: Dialect, table: string, column: string): string {
  const zero = dialect === 'sqlite' ? `'0.00'` : '0';
  const { amount, pence } = COLUMN_TYPES[dialect];
  return (
    `ALTER TABLE ${table} ADD COLUMN ${column} ${amount} NOT NULL DEFAULT ${zero};\n` +
    `ALTER TABLE ${table} ADD COLUMN ${column}_pence ${pence} NOT NULL DEFAULT 0;\n`
  );
}

/**
 * v3 (the pooled-fund year, ../shared/POOLED-FUND-YEAR.md): risk-share debts and payments on
 * the balances, pots and partners, spend on the interventions (zero in rows written before, as
 * no such event existed), and the year's records, one table each.
 */
const V3_ADDED_MONEY: readonly { readonly table: string; readonly column: string }[] = [
  { table: 'rm_agency_pot_balances', column: 'risk_share_owed' },
  { table: 'rm_agency_pot_balances', column: 'risk_share_paid' },
  { table: 'rm_pots', column: 'risk_share_owed' },
  { table: 'rm_pots', column: 'risk_share_paid' },
  { table: 'rm_pot_partners', column: 'risk_share_owed' },
  { table: 'rm_pot_partners', column: 'risk_share_paid' },
  { table: 'rm_interventions', column: 'spent' },
];

/** An amount that may be NULL, and its pence twin. */
function optionalMoney(name: string): readonly Column[] {
  return [
    [name, 'amount', 'null'],
    [`${name}_pence`, 'pence', 'null'],
  ];
}

const V3_TABLES: readonly Table[] = [
  {
    name: 'rm_agreements',
    columns: [
      ['pot_id', 'key'],
      ['version', 'order'],
      ['event_id', 'text'],
      ['position', 'position'],
      ['reference', 'text'],
      ['legal_basis', 'text'],
      ['start_date', 'date'],
      ['end_date', 'date', 'null'],
      ['pool_manager', 'text'],
      ['board_decision_ref', 'text'],
      ['signed_on', 'date'],
      ['spend_tracking', 'order'],
      ['overspend_policy', 'text'],
      ['cover_from_pot', 'order'],
      ['overspend_share', 'text'],
      ['underspend', 'text'],
      ['replaces_version', 'text', 'null'],
    ],
    primaryKey: ['pot_id', 'version'],
  },
  {
    name: 'rm_spend',
    columns: [
      ['spend_id', 'key', 'primary key'],
      ['pot_id', 'key'],
      ['intervention_id', 'key'],
      ['event_id', 'text'],
      ...money('amount'),
      ['effective_date', 'date'],
      ['financial_year', 'key'],
      ['supplier', 'text'],
      ['invoice_ref', 'text'],
      ...optionalMoney('vat'),
      ['vat_recoverable', 'order', 'null'],
      ['commitment_id', 'key', 'null'],
      ...optionalMoney('overspend_by'),
      ['reversed_by_event_id', 'text', 'null'],
      ['reversed_on', 'date', 'null'],
    ],
    indexes: [['rm_spend_pot_year', ['pot_id', 'financial_year', 'intervention_id']]],
  },
  {
    name: 'rm_commitments',
    columns: [
      ['commitment_id', 'key', 'primary key'],
      ['pot_id', 'key'],
      ['intervention_id', 'key'],
      ['event_id', 'text'],
      ...money('amount'),
      ['effective_date', 'date'],
      ['financial_year', 'key'],
      ['reference', 'text'],
      ['supplier', 'text', 'null'],
      ...money('released'),
      ...money('cancelled'),
      ...money('outstanding'),
      ...optionalMoney('overspend_by'),
      ['reversed_by_event_id', 'text', 'null'],
    ],
    indexes: [['rm_commitments_pot_year', ['pot_id', 'financial_year', 'intervention_id']]],
  },
  {
    name: 'rm_forecasts',
    columns: [
      ['forecast_id', 'key', 'primary key'],
      ['pot_id', 'key'],
      ['intervention_id', 'key'],
      ['event_id', 'text'],
      ['financial_year', 'key'],
      ['quarter', 'order'],
      ...money('forecast_outturn'),
      ...money('budget'),
      ['explanation', 'text', 'null'],
      ['withdrawn_by_event_id', 'text', 'null'],
    ],
    indexes: [['rm_forecasts_pot_year', ['pot_id', 'financial_year', 'quarter']]],
  },
  {
    name: 'rm_settlement_lines',
    columns: [
      ['pot_id', 'key'],
      ['financial_year', 'key'],
      ['intervention_id', 'key'],
      ['agency_id', 'key'],
      ['kind', 'text'],
      ...money('amount'),
      ['event_id', 'text'],
      ['effective_date', 'date'],
    ],
    primaryKey: ['pot_id', 'financial_year', 'intervention_id', 'agency_id', 'kind'],
    indexes: [['rm_settlement_lines_agency', ['agency_id', 'financial_year']]],
  },
];

/**
 * v4: the audit trail's `amount` (the money the event moves, with its pence twin; NULL when it
 * moves none) and `reversed_event_id` (the event a reversal undoes). Rows written before had
 * neither, so the audit trail's tables are emptied and its checkpoint set back to 0: the writer
 * rewrites them from the books, as a rebuild of that one projection would.
 */
function v4AuditAmounts(dialect: Dialect): string {
  const { amount, pence, text } = COLUMN_TYPES[dialect];
  return (
    `ALTER TABLE rm_audit_trail ADD COLUMN amount ${amount};\n` +
    `ALTER TABLE rm_audit_trail ADD COLUMN amount_pence ${pence};\n` +
    `ALTER TABLE rm_audit_trail ADD COLUMN reversed_event_id ${text};\n` +
    `DELETE FROM rm_audit_trail_agencies;\n` +
    `DELETE FROM rm_audit_trail;\n` +
    `UPDATE rm_checkpoints SET position = 0 WHERE projection = 'auditTrail';\n`
  );
}

function migrations(dialect: Dialect): readonly string[] {
  return [
    V1_TABLES.map((table) => createTableSql(dialect, table)).join(''),
    V2_RETURNED.map(({ table, column }) => addMoneyColumnSql(dialect, table, column)).join(''),
    V3_ADDED_MONEY.map(({ table, column }) => addMoneyColumnSql(dialect, table, column)).join('') +
      V3_TABLES.map((table) => createTableSql(dialect, table)).join(''),
    v4AuditAmounts(dialect),
  ];
}

export const SQLITE_MIGRATIONS: readonly string[] = migrations('sqlite');
export const POSTGRES_MIGRATIONS: readonly string[] = migrations('postgres');
