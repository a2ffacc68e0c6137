/**
 * The dialect seam: what the read-model writer needs from a database. One implementation per
 * dialect (sqliteTarget.ts, postgresTarget.ts); everything else is shared.
 */
import { money, toPence } from '../../../events/money.ts';
import type { ReadModelProjection, Row, RowValue, TableSpec } from './tables.ts';

export type SqlDialect = 'sqlite' | 'postgres';

export interface CheckpointMove {
  readonly projection: ReadModelProjection;
  /** What the writer believes the stored checkpoint is; anything else means another writer moved it. */
  readonly expected: bigint;
  readonly position: bigint;
}

/** Everything one transaction writes: rows first, then the checkpoints that cover them. */
export interface WritePlan {
  readonly upserts: ReadonlyMap<TableSpec, readonly Row[]>;
  readonly checkpoints: readonly CheckpointMove[];
  /** Wall-clock time of the write, for rm_checkpoints.updated_at. */
  readonly updatedAt: string;
}

export interface SqlTarget {
  readonly dialect: SqlDialect;
  /** Brings the rm_ tables to the latest schema version; returns that version. */
  migrate(): Promise<number>;
  /** Stored checkpoints, creating a 0 row for any projection that has none. */
  readCheckpoints(
    projections: readonly ReadModelProjection[],
  ): Promise<Map<ReadModelProjection, bigint>>;
  /** Writes the plan in ONE transaction, or nothing (then throws). */
  commit(plan: WritePlan): Promise<void>;
  /** Empties the projections' tables and sets their checkpoints to 0, in one transaction. */
  reset(
    projections: readonly ReadModelProjection[],
    tables: readonly TableSpec[],
    updatedAt: string,
  ): Promise<void>;
  close(): Promise<void>;
}

/**
 * Another writer (a `potledger rebuild`, a second server) moved a checkpoint under this one.
 * Nothing was written; this writer can no longer tell which rows are current and must stop —
 * a restart replays the log and writes everything after the stored checkpoint.
 */
export class CheckpointConflictError extends Error {
  readonly code = 'READ_MODEL_CHECKPOINT_CONFLICT';
  constructor(
    readonly projection: ReadModelProjection,
    readonly expected: bigint,
  ) {
    super(
      `read model ${projection}: its checkpoint is no longer ${expected} (another writer, such as potledger rebuild, changed it); restart to resume`,
    );
  }
}

/** A row's values in the table's SQL column order, each amount followed by its pence twin. */
export function sqlValuesOf(table: TableSpec, row: Row): RowValue[] {
  const values: RowValue[] = [];
  for (const column of table.columns) {
    const value = row[column.name];
    if (value === undefined)
      throw new Error(`invariant: row for ${table.name} has no ${column.name}`);
    const nullable =
      column.kind === 'optionalText' ||
      column.kind === 'optionalDate' ||
      column.kind === 'optionalAmount' ||
      column.kind === 'flag';
    if (value === null && !nullable) {
      throw new Error(`invariant: ${table.name}.${column.name} may not be NULL`);
    }
    values.push(value);
    if (column.kind === 'optionalAmount') {
      if (value !== null && typeof value !== 'string')
        throw new Error(`invariant: ${table.name}.${column.name} must be a decimal string`);
      values.push(value === null ? null : penceOf(value));
      continue;
    }
    if (column.kind === 'amount') {
      if (typeof value !== 'string')
        throw new Error(`invariant: ${table.name}.${column.name} must be a decimal string`);
      values.push(penceOf(value));
    }
  }
  return values;
}

/** `INSERT … ON CONFLICT (pk) DO UPDATE` wording shared by both dialects (SQLite ≥ 3.24, PostgreSQL ≥ 9.5). */
export function upsertClause(table: TableSpec, columns: readonly string[]): string {
  const updates = columns
    .filter((c) => !table.primaryKey.includes(c))
    .map((c) => `${c} = excluded.${c}`);
  return `ON CONFLICT (${table.primaryKey.join(', ')}) DO ${updates.length === 0 ? 'NOTHING' : `UPDATE SET ${updates.join(', ')}`}`;
}

/** A 2-dp decimal as formatAmount writes it: optional minus, digits, a point, two digits. */
const TWO_DP = /^(-?)(\d{1,15})\.(\d\d)$/;

/**
 * toPence(money(text)), without a Decimal for the common case: the writer sends every amount as
 * formatAmount wrote it, and a rebuild writes several per row. Anything else goes the long way.
 */
export function penceOf(text: string): bigint {
  const match = TWO_DP.exec(text);
  if (match === null) return toPence(money(text));
  const pence = BigInt(match[2]! + match[3]!);
  return match[1] === '-' ? -pence : pence;
}
