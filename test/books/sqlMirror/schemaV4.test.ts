/**
 * Schema v4 on a read-model database written by v3: the audit trail gains its amount and
 * reversed-event columns, and because its old rows have neither, they are dropped and the audit
 * trail's checkpoint goes back to 0 so the writer rewrites them; every other table is kept.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from '../../../src/books/sqlMirror/migrations.ts';
import { openReadModelWriter } from '../../../src/books/sqlMirror/openReadModels.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('read-model schema v4 (the audit trail’s amounts)', () => {
  it('given a v3 database with audit rows, when a v4 writer opens it, then the audit trail is emptied and owed again from 0, and the rest is kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'potledger-rm-v4-'));
    dirs.push(dir);
    const file = join(dir, 'read-models.db');
    const v3 = new Database(file);
    v3.exec(
      'CREATE TABLE rm_schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    for (let version = 1; version <= 3; version += 1) {
      v3.exec(SQLITE_MIGRATIONS[version - 1]!);
      v3.prepare('INSERT INTO rm_schema_version VALUES (?, ?)').run(
        version,
        '2026-01-01T00:00:00Z',
      );
    }
    v3.prepare(
      `INSERT INTO rm_audit_trail (position, event_id, type, stream_id, recorded_at, actor_sub,
         actor_role, command_id, correlation_id, summary) VALUES (1, 'e1', 'AgencyRegistered',
         'agency-x', '2026-01-01T00:00:00Z', 'alice', 'admin', 'c1', 'c1', 'Registered X')`,
    ).run();
    v3.prepare(`INSERT INTO rm_audit_trail_agencies VALUES (1, 'x')`).run();
    v3.prepare(
      `INSERT INTO rm_agencies VALUES ('x', 'X', 'council', '2026-01-01T00:00:00Z', 1)`,
    ).run();
    for (const projection of ['auditTrail', 'agencyDirectory'])
      v3.prepare(`INSERT INTO rm_checkpoints VALUES (?, 1, '2026-01-01T00:00:00Z')`).run(
        projection,
      );
    v3.close();

    const writer = await openReadModelWriter(`sqlite:${file}`);
    const checkpoints = writer.checkpoints();
    await writer.close();

    expect(checkpoints.get('auditTrail')).toBe(0n);
    expect(checkpoints.get('agencyDirectory')).toBe(1n);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM rm_audit_trail').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM rm_audit_trail_agencies').pluck().get()).toBe(0);
      expect(db.prepare('SELECT name FROM rm_agencies').pluck().all()).toEqual(['X']);
      const columns = db
        .prepare('SELECT name FROM pragma_table_info(?)')
        .pluck()
        .all('rm_audit_trail');
      expect(columns).toEqual(
        expect.arrayContaining(['amount', 'amount_pence', 'reversed_event_id']),
      );
      expect(db.prepare('SELECT max(version) FROM rm_schema_version').pluck().get()).toBe(4);
    } finally {
      db.close();
    }
  });
});
