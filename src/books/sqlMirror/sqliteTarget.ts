/**
 * Read-model tables in SQLite (better-sqlite3): usually the very file that holds the events,
 * through a connection of its own. WAL lets reporting jobs read while the ledger writes.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import {
  CheckpointConflictError,
  sqlValuesOf,
  upsertClause,
  type SqlTarget,
  type WritePlan,
} from './sqlTarget.ts';
import {
  CHECKPOINTS_TABLE,
  SCHEMA_VERSION_TABLE,
  sqlColumnsOf,
  type ReadModelProjection,
  type TableSpec,
} from './tables.ts';

/** How long a write waits for the event store's (or a reporting job's) write lock. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

export function createSqliteTarget(path: string): SqlTarget {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  db.defaultSafeIntegers(true);
  db.pragma('journal_mode = WAL');
  // NORMAL, not the event store's FULL: a power cut may lose the last read-model commit, but WAL
  // keeps rows and checkpoint together, and the next start rewrites everything after it.
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);

  const upserts = new Map<TableSpec, Database.Statement>();
  const upsertOf = (table: TableSpec): Database.Statement => {
    let statement = upserts.get(table);
    if (statement === undefined) {
      const columns = sqlColumnsOf(table);
      statement = db.prepare(
        `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${upsertClause(table, columns)}`,
      );
      upserts.set(table, statement);
    }
    return statement;
  };

  const commitPlan = db.transaction((plan: WritePlan) => {
    for (const [table, rows] of plan.upserts) {
      const statement = upsertOf(table);
      for (const row of rows) statement.run(sqlValuesOf(table, row));
    }
    const move = db.prepare(
      `UPDATE ${CHECKPOINTS_TABLE} SET position = ?, updated_at = ? WHERE projection = ? AND position = ?`,
    );
    for (const checkpoint of plan.checkpoints) {
      const { changes } = move.run(
        checkpoint.position,
        plan.updatedAt,
        checkpoint.projection,
        checkpoint.expected,
      );
      // Throwing inside the transaction rolls every row above back with it.
      if (changes !== 1)
        throw new CheckpointConflictError(checkpoint.projection, checkpoint.expected);
    }
  });

  return {
    dialect: 'sqlite',

    async migrate() {
      const run = db.transaction((): number => {
        db.exec(
          `CREATE TABLE IF NOT EXISTS ${SCHEMA_VERSION_TABLE} (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`,
        );
        const current = Number(
          db.prepare(`SELECT COALESCE(MAX(version), 0) FROM ${SCHEMA_VERSION_TABLE}`).pluck().get(),
        );
        if (current > SQLITE_MIGRATIONS.length) {
          throw new Error(
            `read-model schema version ${current} is newer than this build knows (${SQLITE_MIGRATIONS.length})`,
          );
        }
        const record = db.prepare(
          `INSERT INTO ${SCHEMA_VERSION_TABLE} (version, applied_at) VALUES (?, ?)`,
        );
        for (let version = current + 1; version <= SQLITE_MIGRATIONS.length; version += 1) {
          db.exec(SQLITE_MIGRATIONS[version - 1]!);
          record.run(version, new Date().toISOString());
        }
        return SQLITE_MIGRATIONS.length;
      });
      // IMMEDIATE: two processes opening a fresh file at once must not both apply version 1.
      return run.immediate();
    },

    async readCheckpoints(projections) {
      const ensure = db.prepare(
        `INSERT INTO ${CHECKPOINTS_TABLE} (projection, position, updated_at) VALUES (?, 0, ?) ON CONFLICT (projection) DO NOTHING`,
      );
      const select = db
        .prepare(`SELECT position FROM ${CHECKPOINTS_TABLE} WHERE projection = ?`)
        .pluck();
      const read = db.transaction(() => {
        const now = new Date().toISOString();
        const checkpoints = new Map<ReadModelProjection, bigint>();
        for (const projection of projections) {
          ensure.run(projection, now);
          checkpoints.set(projection, select.get(projection) as bigint);
        }
        return checkpoints;
      });
      return read.immediate();
    },

    async commit(plan) {
      // IMMEDIATE takes the write lock first, as the event store's appends do, so neither
      // side fails to upgrade a read lock halfway through.
      commitPlan.immediate(plan);
    },

    async reset(projections, tables, updatedAt) {
      const run = db.transaction(() => {
        for (const table of tables) db.prepare(`DELETE FROM ${table.name}`).run();
        const zero = db.prepare(
          `UPDATE ${CHECKPOINTS_TABLE} SET position = 0, updated_at = ? WHERE projection = ?`,
        );
        for (const projection of projections) zero.run(updatedAt, projection);
      });
      run.immediate();
    },

    async close() {
      if (db.open) db.close();
    },
  };
}
