/**
 * Read-model tables in PostgreSQL (pg): the events' own database when the ledger runs on
 * PostgreSQL, or any database LEDGER_READ_MODELS names (the EventStoreDB case).
 */
import pg from 'pg';
import { POSTGRES_MIGRATIONS } from './migrations.ts';
import { CheckpointConflictError, sqlValuesOf, upsertClause, type SqlTarget } from './sqlTarget.ts';
import {
  CHECKPOINTS_TABLE,
  SCHEMA_VERSION_TABLE,
  sqlColumnsOf,
  type RowValue,
  type TableSpec,
} from './tables.ts';

/** PostgreSQL refuses more than 65,535 parameters in one statement; stay well below. */
export const MAX_PARAMETERS_PER_STATEMENT = 30_000;
/** Connections the writer holds: it writes one transaction at a time. */
export const POSTGRES_POOL_SIZE = 2;
/** Serialises two processes migrating a fresh database at once (any constant, the same in every build). */
const MIGRATION_LOCK_KEY = 7_402_113_511;

export function createPostgresTarget(connectionString: string): SqlTarget {
  const pool = new pg.Pool({
    connectionString,
    max: POSTGRES_POOL_SIZE,
    application_name: 'potledger-read-models',
  });
  // An idle connection dropped by the server emits 'error' on the pool; unhandled it would kill
  // the process. The next write fails on its own and is reported (and retried) by the writer.
  pool.on('error', () => undefined);
  // A connection checked out of the pool emits on itself, not on the pool, when the server ends
  // it between two queries (a restart): the query under way or the next one fails on its own.
  pool.on('connect', (client) => client.on('error', () => undefined));

  async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch (rollbackError) {
        // The connection is unusable: destroy it rather than return it to the pool.
        client.release(rollbackError as Error);
      }
      throw error;
    }
  }

  return {
    dialect: 'postgres',

    async migrate() {
      return inTransaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${SCHEMA_VERSION_TABLE} (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)`,
        );
        const { rows } = await client.query<{ version: number }>(
          `SELECT COALESCE(MAX(version), 0)::int AS version FROM ${SCHEMA_VERSION_TABLE}`,
        );
        const current = rows[0]!.version;
        if (current > POSTGRES_MIGRATIONS.length) {
          throw new Error(
            `read-model schema version ${current} is newer than this build knows (${POSTGRES_MIGRATIONS.length})`,
          );
        }
        for (let version = current + 1; version <= POSTGRES_MIGRATIONS.length; version += 1) {
          await client.query(POSTGRES_MIGRATIONS[version - 1]!);
          await client.query(
            `INSERT INTO ${SCHEMA_VERSION_TABLE} (version, applied_at) VALUES ($1, now())`,
            [version],
          );
        }
        return POSTGRES_MIGRATIONS.length;
      });
    },

    async readCheckpoints(projections) {
      return inTransaction(async (client) => {
        for (const projection of projections) {
          await client.query(
            `INSERT INTO ${CHECKPOINTS_TABLE} (projection, position, updated_at) VALUES ($1, 0, now()) ON CONFLICT (projection) DO NOTHING`,
            [projection],
          );
        }
        // One statement, so one snapshot: another server's commit cannot land between two
        // projections and make checkpoints that move together look split.
        const { rows } = await client.query<{ projection: string; position: string }>(
          `SELECT projection, position FROM ${CHECKPOINTS_TABLE} WHERE projection = ANY($1::text[])`,
          [[...projections]],
        );
        const stored = new Map(rows.map((row) => [row.projection, BigInt(row.position)]));
        return new Map(projections.map((projection) => [projection, stored.get(projection)!]));
      });
    },

    async commit(plan) {
      await inTransaction(async (client) => {
        // Checkpoints first: a second server writing the same tables waits here on the row
        // locks, then finds the position moved and gives up before touching a row (no deadlock
        // between the two sets of upserts).
        for (const checkpoint of plan.checkpoints) {
          const { rowCount } = await client.query(
            `UPDATE ${CHECKPOINTS_TABLE} SET position = $1, updated_at = $2 WHERE projection = $3 AND position = $4`,
            [
              checkpoint.position.toString(),
              plan.updatedAt,
              checkpoint.projection,
              checkpoint.expected.toString(),
            ],
          );
          if (rowCount !== 1)
            throw new CheckpointConflictError(checkpoint.projection, checkpoint.expected);
        }
        for (const [table, rows] of plan.upserts) {
          const columns = sqlColumnsOf(table);
          const rowsPerStatement = Math.max(
            1,
            Math.floor(MAX_PARAMETERS_PER_STATEMENT / columns.length),
          );
          for (let start = 0; start < rows.length; start += rowsPerStatement) {
            const chunk = rows.slice(start, start + rowsPerStatement);
            const parameters: (string | null)[] = [];
            const tuples = chunk.map((row) => {
              const values = sqlValuesOf(table, row).map(toParameter);
              const placeholders = values.map((_, i) => `$${parameters.length + i + 1}`);
              parameters.push(...values);
              return `(${placeholders.join(', ')})`;
            });
            await client.query(
              `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ${upsertClause(table, columns)}`,
              parameters,
            );
          }
        }
      });
    },

    async reset(projections, tables: readonly TableSpec[], updatedAt) {
      await inTransaction(async (client) => {
        // DELETE, not TRUNCATE: TRUNCATE takes an ACCESS EXCLUSIVE lock that would block every
        // reporting query for the length of the transaction, and is not MVCC-safe for them.
        for (const table of tables) await client.query(`DELETE FROM ${table.name}`);
        for (const projection of projections) {
          await client.query(
            `UPDATE ${CHECKPOINTS_TABLE} SET position = 0, updated_at = $1 WHERE projection = $2`,
            [updatedAt, projection],
          );
        }
      });
    },

    async close() {
      if (pool.ended) return;
      await pool.end();
    },
  };
}

/** pg sends strings; a bigint would otherwise fail to serialise, and a number could lose digits. */
function toParameter(value: RowValue): string | null {
  if (value === null) return null;
  return typeof value === 'string' ? value : value.toString();
}
