/**
 * The benchmark's data generator (bench/generate.ts) must write the same log for the same seed,
 * or two benchmark runs would not measure the same thing, and a log the real verifier accepts
 * with no command refused, although it keeps many commands in flight. Small logs only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLedgerData } from '../../bench/generate.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { REPO_ROOT } from '../e2e/serverProcess.ts';

async function logFor(seed: number, kind: 'mixed' | 'bigPot' = 'mixed', path = ':memory:') {
  const store = createSqliteEventStore(path);
  const data = await generateLedgerData({ store, seed, kind, pots: 4, events: 600 });
  const events = await store.readAll(0n, 10_000);
  await store.close();
  return { data, events };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('bench data generator', () => {
  it('writes the same log, ids and hashes included, for the same seed', async () => {
    const first = await logFor(42);
    const second = await logFor(42);
    expect(first.events.length).toBeGreaterThanOrEqual(600);
    expect(second.events).toEqual(first.events);
    expect(second.data.pots).toEqual(first.data.pots);
  });

  it('writes a different log for another seed, with the whole mix in it', async () => {
    const first = await logFor(42);
    const other = await logFor(43);
    expect(other.events.map((e) => e.eventId)).not.toEqual(first.events.map((e) => e.eventId));
    const types = new Set(first.events.map((e) => e.type));
    for (const type of [
      'AgencyRegistered',
      'PotOpened',
      'InterventionDefined',
      'ContributionReceived',
      'FundsAllocated',
      'OutcomeRecorded',
    ]) {
      expect(types, type).toContain(type);
    }
  });

  it('puts a big-pot log on one pot, with the whole mix, and leaves the second pot fresh', async () => {
    const { data, events } = await logFor(42, 'bigPot');
    expect(data.pots).toHaveLength(2);
    const [big, fresh] = data.pots;
    const onPot = (potId: string) =>
      events.filter((e) => (e.data as { potId?: string }).potId === potId);
    expect(onPot(big!.potId).length).toBeGreaterThan(500);
    expect(new Set(onPot(fresh!.potId).map((e) => e.type))).toEqual(
      new Set(['PotOpened', 'InterventionDefined']),
    );
    expect(new Set(onPot(big!.potId).map((e) => e.type))).toEqual(
      new Set([
        'PotOpened',
        'InterventionDefined',
        'ContributionReceived',
        'FundsAllocated',
        'OutcomeRecorded',
      ]),
    );
  });

  it('writes a log that `potledger verify` accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-generator-'));
    dirs.push(dir);
    const path = join(dir, 'ledger.db');
    await logFor(7, 'mixed', path);
    const verify = spawnSync(process.execPath, ['bin/potledger.js', 'verify'], {
      cwd: REPO_ROOT,
      env: { ...process.env, LEDGER_STORE: `sqlite:${path}` },
      encoding: 'utf8',
    });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^OK: \d+ events verified/m);
  });
});
