/**
 * The benchmark's data generator (bench/generate.ts) must write the same log for the same seed,
 * or two benchmark runs would not measure the same thing. Small: a few hundred events in memory.
 */
import { describe, expect, it } from 'vitest';
import { generateLedgerData } from '../../bench/generate.ts';
import { createSqliteEventStore } from '../../src/store/sqliteEventStore.ts';

async function logFor(seed: number) {
  const store = createSqliteEventStore(':memory:');
  const data = await generateLedgerData({ store, seed, pots: 4, events: 300 });
  const events = await store.readAll(0n, 10_000);
  await store.close();
  return { data, events };
}

describe('bench data generator', () => {
  it('writes the same log, ids and hashes included, for the same seed', async () => {
    const first = await logFor(42);
    const second = await logFor(42);
    expect(first.events.length).toBeGreaterThanOrEqual(300);
    expect(second.events).toEqual(first.events);
    expect(second.data.pots).toEqual(first.data.pots);
  });

  it('writes a different log for another seed, with the whole mix in it', async () => {
    const first = await logFor(42);
    const other = await logFor(43);
    expect(other.events.map((e) => e.eventId)).not.toEqual(first.events.map((e) => e.eventId));
    const types = new Set(first.events.map((e) => e.type));
    for (const type of ['AgencyRegistered', 'PotOpened', 'InterventionDefined', 'ContributionReceived', 'FundsAllocated', 'OutcomeRecorded']) {
      expect(types, type).toContain(type);
    }
  });
});
