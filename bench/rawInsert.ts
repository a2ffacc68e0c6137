/**
 * "Append path vs raw better-sqlite3": the same rows, in the same batch sizes, in the same run.
 * The append path is SqliteEventStore.append (revision check, serialisation, log chain, one
 * IMMEDIATE transaction per call); raw is a prepared INSERT into a table with the store's own
 * schema and pragmas (WAL, synchronous=FULL), one transaction per batch, of the rows the append
 * path wrote (log hash included), so both write the same bytes to the same indexes.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RecordedEvent } from '../src/store/eventStore.ts';
import { createSqliteEventStore } from '../src/store/sqlite/sqliteEventStore.ts';

export interface InsertComparison {
  readonly batchSize: number;
  readonly rows: number;
  readonly appendRowsPerSecond: number;
  readonly rawRowsPerSecond: number;
  /** append ÷ raw: 1 would be no overhead at all. */
  readonly ratio: number;
}

function removeDb(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

export async function compareAppendWithRaw(
  source: readonly RecordedEvent[],
  batchSize: number,
  workDir: string,
): Promise<InsertComparison> {
  const appendPath = join(workDir, `append-${batchSize}.db`);
  const rawPath = join(workDir, `raw-${batchSize}.db`);
  removeDb(appendPath);
  removeDb(rawPath);

  const store = createSqliteEventStore(appendPath);
  const batches: (typeof source)[] = [];
  for (let i = 0; i < source.length; i += batchSize) batches.push(source.slice(i, i + batchSize));
  let started = performance.now();
  for (const [k, batch] of batches.entries()) {
    await store.append(
      `bench-${batchSize}-${k}`,
      batch.map((event) => ({
        eventId: event.eventId,
        type: event.type,
        data: event.data,
        metadata: event.metadata,
      })),
      'no-stream',
    );
  }
  const appendMs = performance.now() - started;
  await store.close();

  const written = new Database(appendPath, { readonly: true });
  const schema = written
    .prepare(
      "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, name",
    )
    .pluck()
    .all() as string[];
  const rows = written
    .prepare(
      'SELECT event_id, stream_id, stream_revision, type, data, metadata, log_hash FROM events ORDER BY position',
    )
    .raw()
    .all() as unknown[][];
  written.close();

  const raw = new Database(rawPath);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  // Tables first, then their indexes.
  for (const sql of schema) raw.exec(sql);
  const insert = raw.prepare(
    'INSERT INTO events (event_id, stream_id, stream_revision, type, data, metadata, log_hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertBatch = raw.transaction((batch: unknown[][]) => {
    for (const row of batch) insert.run(row);
  });
  started = performance.now();
  for (let i = 0; i < rows.length; i += batchSize)
    insertBatch.immediate(rows.slice(i, i + batchSize));
  const rawMs = performance.now() - started;
  raw.close();
  removeDb(appendPath);
  removeDb(rawPath);

  const appendRowsPerSecond = Math.round(rows.length / (appendMs / 1000));
  const rawRowsPerSecond = Math.round(rows.length / (rawMs / 1000));
  return {
    batchSize,
    rows: rows.length,
    appendRowsPerSecond,
    rawRowsPerSecond,
    ratio: Math.round((appendRowsPerSecond / rawRowsPerSecond) * 100) / 100,
  };
}
