/**
 * Ways to tamper with one stored event of a SQLite log, straight in the database, shared by the
 * tests that check verification finds the same first failure with worker threads on and off.
 */
import type Database from 'better-sqlite3';

export type Tamper = (db: Database.Database, position: number, events: number) => void;

const setMetadata = (db: Database.Database, position: number, path: string, value: string) =>
  db
    .prepare('UPDATE events SET metadata = json_set(metadata, ?, ?) WHERE position = ?')
    .run(path, value, position);

/** Ways to tamper with the event at `position`, straight in the database. */
export const TAMPERS: Readonly<Record<string, Tamper>> = {
  'data edited': (db, p) =>
    db
      .prepare(`UPDATE events SET data = json_set(data, '$.note', 'edited') WHERE position = ?`)
      .run(p),
  'type edited': (db, p) =>
    db.prepare(`UPDATE events SET type = 'SomethingElse' WHERE position = ?`).run(p),
  'event deleted': (db, p) => db.prepare('DELETE FROM events WHERE position = ?').run(p),
  'hash removed': (db, p) =>
    db
      .prepare(`UPDATE events SET metadata = json_remove(metadata, '$.hash') WHERE position = ?`)
      .run(p),
  'hash not hex': (db, p) => setMetadata(db, p, '$.hash', 'not-a-hash'),
  'previousHash changed': (db, p) => setMetadata(db, p, '$.previousHash', 'a'.repeat(64)),
  'log hash removed': (db, p) =>
    db.prepare('UPDATE events SET log_hash = NULL WHERE position = ?').run(p),
  'log hash changed': (db, p) =>
    db.prepare('UPDATE events SET log_hash = ? WHERE position = ?').run('b'.repeat(64), p),
  'revision moved': (db, p) =>
    db
      .prepare('UPDATE events SET stream_revision = stream_revision + 1000 WHERE position = ?')
      .run(p),
  'swapped with the next event': (db, p, events) => {
    const q = p === events ? p - 1 : p + 1;
    db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(p);
    db.prepare('UPDATE events SET position = ? WHERE position = ?').run(p, q);
    db.prepare('UPDATE events SET position = ? WHERE position = -1').run(q);
  },
};
