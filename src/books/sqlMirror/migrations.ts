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

const SQLITE_V1 = `
CREATE TABLE rm_checkpoints (
  projection  TEXT    PRIMARY KEY,
  position    INTEGER NOT NULL,
  updated_at  TEXT    NOT NULL
);
CREATE TABLE rm_agencies (
  agency_id     TEXT    PRIMARY KEY,
  name          TEXT    NOT NULL,
  kind          TEXT    NOT NULL,
  registered_at TEXT    NOT NULL,
  position      INTEGER NOT NULL
);
CREATE TABLE rm_agency_pot_balances (
  agency_id                            TEXT    NOT NULL,
  pot_id                               TEXT    NOT NULL,
  contributed                          TEXT    NOT NULL,
  contributed_pence                    INTEGER NOT NULL,
  drawn                                TEXT    NOT NULL,
  drawn_pence                          INTEGER NOT NULL,
  stake                                TEXT    NOT NULL,
  stake_pence                          INTEGER NOT NULL,
  benefits_received                    TEXT    NOT NULL,
  benefits_received_pence              INTEGER NOT NULL,
  benefits_received_cashable           TEXT    NOT NULL,
  benefits_received_cashable_pence     INTEGER NOT NULL,
  benefits_received_non_cashable       TEXT    NOT NULL,
  benefits_received_non_cashable_pence INTEGER NOT NULL,
  benefits_produced_for_others         TEXT    NOT NULL,
  benefits_produced_for_others_pence   INTEGER NOT NULL,
  net_fiscal_position                  TEXT    NOT NULL,
  net_fiscal_position_pence            INTEGER NOT NULL,
  PRIMARY KEY (agency_id, pot_id)
);
CREATE INDEX rm_agency_pot_balances_pot ON rm_agency_pot_balances (pot_id);
CREATE TABLE rm_pots (
  pot_id            TEXT    PRIMARY KEY,
  name              TEXT    NOT NULL,
  area              TEXT    NOT NULL,
  host_agency_id    TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  currency          TEXT    NOT NULL,
  contributed       TEXT    NOT NULL,
  contributed_pence INTEGER NOT NULL,
  allocated         TEXT    NOT NULL,
  allocated_pence   INTEGER NOT NULL,
  available         TEXT    NOT NULL,
  available_pence   INTEGER NOT NULL,
  opened_at         TEXT    NOT NULL,
  position          INTEGER NOT NULL
);
CREATE TABLE rm_pot_partners (
  pot_id            TEXT    NOT NULL,
  agency_id         TEXT    NOT NULL,
  partner_order     INTEGER NOT NULL,
  contributed       TEXT    NOT NULL,
  contributed_pence INTEGER NOT NULL,
  drawn             TEXT    NOT NULL,
  drawn_pence       INTEGER NOT NULL,
  stake             TEXT    NOT NULL,
  stake_pence       INTEGER NOT NULL,
  PRIMARY KEY (pot_id, agency_id)
);
CREATE TABLE rm_interventions (
  pot_id             TEXT    NOT NULL,
  intervention_id    TEXT    NOT NULL,
  intervention_order INTEGER NOT NULL,
  name               TEXT    NOT NULL,
  lead_agency_id     TEXT    NOT NULL,
  funded             TEXT    NOT NULL,
  funded_pence       INTEGER NOT NULL,
  benefits           TEXT    NOT NULL,
  benefits_pence     INTEGER NOT NULL,
  PRIMARY KEY (pot_id, intervention_id)
);
CREATE TABLE rm_benefit_flows (
  pot_id                TEXT    NOT NULL,
  intervention_id       TEXT    NOT NULL,
  financial_year        TEXT    NOT NULL,
  from_agency_id        TEXT    NOT NULL,
  to_agency_id          TEXT    NOT NULL,
  amount                TEXT    NOT NULL,
  amount_pence          INTEGER NOT NULL,
  cashable_amount       TEXT    NOT NULL,
  cashable_amount_pence INTEGER NOT NULL,
  PRIMARY KEY (pot_id, intervention_id, financial_year, from_agency_id, to_agency_id)
);
CREATE INDEX rm_benefit_flows_year ON rm_benefit_flows (financial_year);
CREATE TABLE rm_investments (
  pot_id          TEXT    NOT NULL,
  intervention_id TEXT    NOT NULL,
  financial_year  TEXT    NOT NULL,
  agency_id       TEXT    NOT NULL,
  invested        TEXT    NOT NULL,
  invested_pence  INTEGER NOT NULL,
  PRIMARY KEY (pot_id, intervention_id, financial_year, agency_id)
);
CREATE TABLE rm_audit_trail (
  position        INTEGER PRIMARY KEY,
  event_id        TEXT    NOT NULL UNIQUE,
  type            TEXT    NOT NULL,
  stream_id       TEXT    NOT NULL,
  recorded_at     TEXT    NOT NULL,
  effective_date  TEXT,
  actor_sub       TEXT    NOT NULL,
  actor_role      TEXT    NOT NULL,
  actor_agency_id TEXT,
  command_id      TEXT    NOT NULL,
  correlation_id  TEXT    NOT NULL,
  causation_id    TEXT,
  reason          TEXT,
  summary         TEXT    NOT NULL,
  pot_id          TEXT
);
CREATE INDEX rm_audit_trail_pot ON rm_audit_trail (pot_id, position);
CREATE INDEX rm_audit_trail_actor ON rm_audit_trail (actor_sub, position);
CREATE INDEX rm_audit_trail_recorded_at ON rm_audit_trail (recorded_at);
CREATE TABLE rm_audit_trail_agencies (
  position  INTEGER NOT NULL,
  agency_id TEXT    NOT NULL,
  PRIMARY KEY (position, agency_id)
);
CREATE INDEX rm_audit_trail_agencies_agency ON rm_audit_trail_agencies (agency_id, position);
`;

const POSTGRES_V1 = `
CREATE TABLE rm_checkpoints (
  projection TEXT        PRIMARY KEY,
  position   BIGINT      NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE rm_agencies (
  agency_id     TEXT COLLATE "C" PRIMARY KEY,
  name          TEXT             NOT NULL,
  kind          TEXT             NOT NULL,
  registered_at TIMESTAMPTZ      NOT NULL,
  position      BIGINT           NOT NULL
);
CREATE TABLE rm_agency_pot_balances (
  agency_id                            TEXT COLLATE "C" NOT NULL,
  pot_id                               TEXT COLLATE "C" NOT NULL,
  contributed                          NUMERIC(20,2)    NOT NULL,
  contributed_pence                    BIGINT           NOT NULL,
  drawn                                NUMERIC(20,2)    NOT NULL,
  drawn_pence                          BIGINT           NOT NULL,
  stake                                NUMERIC(20,2)    NOT NULL,
  stake_pence                          BIGINT           NOT NULL,
  benefits_received                    NUMERIC(20,2)    NOT NULL,
  benefits_received_pence              BIGINT           NOT NULL,
  benefits_received_cashable           NUMERIC(20,2)    NOT NULL,
  benefits_received_cashable_pence     BIGINT           NOT NULL,
  benefits_received_non_cashable       NUMERIC(20,2)    NOT NULL,
  benefits_received_non_cashable_pence BIGINT           NOT NULL,
  benefits_produced_for_others         NUMERIC(20,2)    NOT NULL,
  benefits_produced_for_others_pence   BIGINT           NOT NULL,
  net_fiscal_position                  NUMERIC(20,2)    NOT NULL,
  net_fiscal_position_pence            BIGINT           NOT NULL,
  PRIMARY KEY (agency_id, pot_id)
);
CREATE INDEX rm_agency_pot_balances_pot ON rm_agency_pot_balances (pot_id);
CREATE TABLE rm_pots (
  pot_id            TEXT COLLATE "C" PRIMARY KEY,
  name              TEXT             NOT NULL,
  area              TEXT             NOT NULL,
  host_agency_id    TEXT COLLATE "C" NOT NULL,
  status            TEXT             NOT NULL,
  currency          TEXT             NOT NULL,
  contributed       NUMERIC(20,2)    NOT NULL,
  contributed_pence BIGINT           NOT NULL,
  allocated         NUMERIC(20,2)    NOT NULL,
  allocated_pence   BIGINT           NOT NULL,
  available         NUMERIC(20,2)    NOT NULL,
  available_pence   BIGINT           NOT NULL,
  opened_at         TIMESTAMPTZ      NOT NULL,
  position          BIGINT           NOT NULL
);
CREATE TABLE rm_pot_partners (
  pot_id            TEXT COLLATE "C" NOT NULL,
  agency_id         TEXT COLLATE "C" NOT NULL,
  partner_order     INTEGER          NOT NULL,
  contributed       NUMERIC(20,2)    NOT NULL,
  contributed_pence BIGINT           NOT NULL,
  drawn             NUMERIC(20,2)    NOT NULL,
  drawn_pence       BIGINT           NOT NULL,
  stake             NUMERIC(20,2)    NOT NULL,
  stake_pence       BIGINT           NOT NULL,
  PRIMARY KEY (pot_id, agency_id)
);
CREATE TABLE rm_interventions (
  pot_id             TEXT COLLATE "C" NOT NULL,
  intervention_id    TEXT COLLATE "C" NOT NULL,
  intervention_order INTEGER          NOT NULL,
  name               TEXT             NOT NULL,
  lead_agency_id     TEXT COLLATE "C" NOT NULL,
  funded             NUMERIC(20,2)    NOT NULL,
  funded_pence       BIGINT           NOT NULL,
  benefits           NUMERIC(20,2)    NOT NULL,
  benefits_pence     BIGINT           NOT NULL,
  PRIMARY KEY (pot_id, intervention_id)
);
CREATE TABLE rm_benefit_flows (
  pot_id                TEXT COLLATE "C" NOT NULL,
  intervention_id       TEXT COLLATE "C" NOT NULL,
  financial_year        TEXT COLLATE "C" NOT NULL,
  from_agency_id        TEXT COLLATE "C" NOT NULL,
  to_agency_id          TEXT COLLATE "C" NOT NULL,
  amount                NUMERIC(20,2)    NOT NULL,
  amount_pence          BIGINT           NOT NULL,
  cashable_amount       NUMERIC(20,2)    NOT NULL,
  cashable_amount_pence BIGINT           NOT NULL,
  PRIMARY KEY (pot_id, intervention_id, financial_year, from_agency_id, to_agency_id)
);
CREATE INDEX rm_benefit_flows_year ON rm_benefit_flows (financial_year);
CREATE TABLE rm_investments (
  pot_id          TEXT COLLATE "C" NOT NULL,
  intervention_id TEXT COLLATE "C" NOT NULL,
  financial_year  TEXT COLLATE "C" NOT NULL,
  agency_id       TEXT COLLATE "C" NOT NULL,
  invested        NUMERIC(20,2)    NOT NULL,
  invested_pence  BIGINT           NOT NULL,
  PRIMARY KEY (pot_id, intervention_id, financial_year, agency_id)
);
CREATE TABLE rm_audit_trail (
  position        BIGINT           PRIMARY KEY,
  event_id        TEXT             NOT NULL UNIQUE,
  type            TEXT             NOT NULL,
  stream_id       TEXT             NOT NULL,
  recorded_at     TIMESTAMPTZ      NOT NULL,
  effective_date  DATE             ,
  actor_sub       TEXT             NOT NULL,
  actor_role      TEXT             NOT NULL,
  actor_agency_id TEXT             ,
  command_id      TEXT             NOT NULL,
  correlation_id  TEXT             NOT NULL,
  causation_id    TEXT             ,
  reason          TEXT             ,
  summary         TEXT             NOT NULL,
  pot_id          TEXT COLLATE "C"
);
CREATE INDEX rm_audit_trail_pot ON rm_audit_trail (pot_id, position);
CREATE INDEX rm_audit_trail_actor ON rm_audit_trail (actor_sub, position);
CREATE INDEX rm_audit_trail_recorded_at ON rm_audit_trail (recorded_at);
CREATE TABLE rm_audit_trail_agencies (
  position  BIGINT           NOT NULL,
  agency_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (position, agency_id)
);
CREATE INDEX rm_audit_trail_agencies_agency ON rm_audit_trail_agencies (agency_id, position);
`;

/**
 * v2 (issue 4, closing a pot): what the close returned to each partner. Added at the end of the
 * tables (a column once published is never moved); rows written before it returned nothing.
 */
const SQLITE_V2 = `
ALTER TABLE rm_agency_pot_balances ADD COLUMN returned TEXT NOT NULL DEFAULT '0.00';
ALTER TABLE rm_agency_pot_balances ADD COLUMN returned_pence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rm_pot_partners ADD COLUMN returned TEXT NOT NULL DEFAULT '0.00';
ALTER TABLE rm_pot_partners ADD COLUMN returned_pence INTEGER NOT NULL DEFAULT 0;
`;

const POSTGRES_V2 = `
ALTER TABLE rm_agency_pot_balances ADD COLUMN returned NUMERIC(20,2) NOT NULL DEFAULT 0;
ALTER TABLE rm_agency_pot_balances ADD COLUMN returned_pence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rm_pot_partners ADD COLUMN returned NUMERIC(20,2) NOT NULL DEFAULT 0;
ALTER TABLE rm_pot_partners ADD COLUMN returned_pence BIGINT NOT NULL DEFAULT 0;
`;

export const SQLITE_MIGRATIONS: readonly string[] = [SQLITE_V1, SQLITE_V2];
export const POSTGRES_MIGRATIONS: readonly string[] = [POSTGRES_V1, POSTGRES_V2];
