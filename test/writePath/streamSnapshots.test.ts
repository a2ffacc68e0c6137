/**
 * A handler started from a stream snapshot decides every later command exactly as one that
 * folded the whole stream, and a snapshot the stored stream does not vouch for is ignored.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../commands/domainError.ts';
import { initialPotState } from '../../commands/potState.ts';
import { money } from '../../events/money.ts';
import type { CommandOutcome, StreamSnapshots } from '../../src/writePath/commandHandler.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { decodeState, encodeState } from '../../src/books/snapshots/stateCodec.ts';
import { asStreamSnapshot, STREAM_SNAPSHOT_FORMAT } from '../../src/writePath/streamSnapshot.ts';
import {
  allEvents,
  counterIds,
  EFFECTIVE_DATE,
  ledgerOn,
  openStore,
  setUp,
  type Setup,
} from './support.ts';

type Op =
  | { readonly kind: 'contribute'; readonly agency: number; readonly pence: number }
  | { readonly kind: 'allocate'; readonly pence: number }
  | { readonly kind: 'reverse'; readonly n: number }
  | { readonly kind: 'retry'; readonly n: number };

const AGENCY_IDS = ['essex-cc', 'essex-police', 'essex-fire'];
const pounds = (pence: number) =>
  `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`;
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('contribute' as const),
      agency: fc.nat(2),
      pence: fc.integer({ min: 1, max: 50_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('allocate' as const),
      pence: fc.integer({ min: 1, max: 80_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), n: fc.nat(1_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retry' as const), n: fc.nat(1_000) }) },
);

/** Snapshots kept as the snapshot codec's bytes, as the real store keeps them. */
function memorySnapshots() {
  const saved = new Map<string, Buffer>();
  const snapshots: StreamSnapshots = {
    load: async (streamId) => {
      const bytes = saved.get(streamId);
      return bytes === undefined ? undefined : decodeState(bytes);
    },
    save: (streamId, snapshot) => saved.set(streamId, encodeState(snapshot)),
  };
  return { saved, snapshots };
}

/** Money as format 2 kept it: its decimal text under a tag (the codec that was retired). */
function taggedAsFormat2(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Decimal.isDecimal(value)) return { $potledgerMoney: (value as Decimal).toFixed() };
  if (Array.isArray(value)) return value.map(taggedAsFormat2);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, taggedAsFormat2(v)]));
  if (value instanceof Set) return new Set([...value].map(taggedAsFormat2));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, taggedAsFormat2(v)]));
}

/** Records where each stream read started, to see whether a handler folded from the start. */
function readsFrom(store: EventStore) {
  const starts: { streamId: string; fromRevision: bigint }[] = [];
  const watched: EventStore = Object.assign(Object.create(store) as EventStore, {
    readStream: (streamId: string, fromRevision = 0n, limit?: number) => {
      starts.push({ streamId, fromRevision });
      return store.readStream(streamId, fromRevision, limit);
    },
  });
  return { starts, watched };
}

/** Runs `ops` one by one on the setup's first pot; answers each command's result in words. */
async function drive(
  ledger: ReturnType<typeof ledgerOn>,
  setup: Setup,
  ops: readonly Op[],
  contributions: string[],
  keys: string[],
): Promise<string[]> {
  const potId = setup.potIds[0]!;
  const answers: string[] = [];
  for (const o of ops) {
    let outcome: Promise<CommandOutcome>;
    if (o.kind === 'contribute') {
      const key = `c-${keys.length}`;
      keys.push(key);
      outcome = ledger.commands.contributeToPot(
        potId,
        {
          agencyId: AGENCY_IDS[o.agency]!,
          amount: pounds(o.pence),
          effectiveDate: EFFECTIVE_DATE,
          reference: key,
        },
        ledger.envelope(undefined, key),
      );
    } else if (o.kind === 'allocate') {
      outcome = ledger.commands.allocateToIntervention(
        potId,
        {
          interventionId: setup.interventionIds[0]!,
          amount: pounds(o.pence),
          effectiveDate: EFFECTIVE_DATE,
          reason: 'r',
        },
        ledger.envelope(),
      );
    } else if (o.kind === 'reverse') {
      if (contributions.length === 0) continue;
      outcome = ledger.commands.reverseEntry(
        potId,
        {
          eventId: contributions[o.n % contributions.length]!,
          reason: 'r',
          effectiveDate: EFFECTIVE_DATE,
        },
        ledger.envelope(),
      );
    } else {
      // A client retrying an earlier contribution's key: the original answer, or a refusal if the body differs.
      if (keys.length === 0) continue;
      const key = keys[o.n % keys.length]!;
      outcome = ledger.commands.contributeToPot(
        potId,
        { agencyId: AGENCY_IDS[0]!, amount: '1.00', effectiveDate: EFFECTIVE_DATE, reference: key },
        ledger.envelope(undefined, key),
      );
    }
    try {
      const { events, replayed } = await outcome;
      if (o.kind === 'contribute') contributions.push(events[0]!.eventId);
      answers.push(
        `${o.kind}:${replayed ? 'replayed' : 'ok'}:${events.map((e) => `${e.type}@${e.streamRevision}`).join(',')}`,
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      answers.push(`${o.kind}:${error.code}`);
    }
  }
  return answers;
}

/** The same deterministic ledger (ids, clock) on a fresh store: identical events, hashes included. */
function deterministicLedger(
  store: EventStore,
  name: string,
  options: Parameters<typeof ledgerOn>[1] = {},
) {
  return ledgerOn(store, { newEventId: counterIds(`01H${name}`), ...options }, name);
}

describe('stream snapshots', () => {
  it('a handler started from a snapshot decides every later command as one that folded the whole stream', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 40 }),
        fc.array(op, { minLength: 1, maxLength: 20 }),
        async (before, after) => {
          const withSnapshots = openStore();
          const without = openStore();
          try {
            const { saved, snapshots } = memorySnapshots();
            // The first handler folds and snapshots as it goes; the second starts cold from the snapshots.
            const first = deterministicLedger(withSnapshots.store, 'A', {
              streamSnapshots: snapshots,
              snapshotEveryEvents: 1,
            });
            const setup = await setUp(first, 1);
            const contributionsA: string[] = [];
            const keysA: string[] = [];
            await drive(first, setup, before, contributionsA, keysA);
            await new Promise((resolve) => setImmediate(resolve));
            const potStream = `pot-${setup.potIds[0]}`;
            expect(saved.has(potStream)).toBe(true);
            const { starts, watched } = readsFrom(withSnapshots.store);
            const fromSnapshot = deterministicLedger(watched, 'B', { streamSnapshots: snapshots });
            const answersA = await drive(fromSnapshot, setup, after, contributionsA, keysA);
            // It never folded the pot from its first event.
            expect(starts.filter((s) => s.streamId === potStream && s.fromRevision === 0n)).toEqual(
              [],
            );

            const folding = deterministicLedger(without.store, 'A');
            const setupB = await setUp(folding, 1);
            expect(setupB).toEqual(setup);
            const contributionsB: string[] = [];
            const keysB: string[] = [];
            await drive(folding, setupB, before, contributionsB, keysB);
            const answersB = await drive(
              deterministicLedger(without.store, 'B'),
              setupB,
              after,
              contributionsB,
              keysB,
            );

            expect(answersA).toEqual(answersB);
            const strip = (events: Awaited<ReturnType<typeof allEvents>>) =>
              events.map((e) => ({ ...e, logHash: undefined }));
            expect(strip(await allEvents(withSnapshots.store))).toEqual(
              strip(await allEvents(without.store)),
            );
          } finally {
            await withSnapshots.store.close();
            await without.store.close();
          }
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);

  it('ignores a snapshot whose hash the stored stream does not have, and one of the wrong shape', async () => {
    const { store } = openStore();
    const { saved, snapshots } = memorySnapshots();
    const first = deterministicLedger(store, 'A', {
      streamSnapshots: snapshots,
      snapshotEveryEvents: 1,
    });
    const setup = await setUp(first, 1);
    await new Promise((resolve) => setImmediate(resolve));
    const potStream = `pot-${setup.potIds[0]}`;
    const genuine = asStreamSnapshot(decodeState(saved.get(potStream)!), potStream)!;
    expect(genuine).toBeDefined();
    // A forged snapshot: a fortune in the police's stake, under a hash the stream never had.
    const state = decodeState(saved.get(potStream)!) as {
      state: ReturnType<typeof initialPotState>;
    };
    state.state.stakes.set('essex-police', money('1000000.00'));
    state.state.totalContributed = money('1000000.00');
    saved.set(potStream, encodeState({ ...genuine, state: state.state, lastHash: 'f'.repeat(64) }));
    const allocate = (ledger: ReturnType<typeof ledgerOn>) =>
      ledger.commands.allocateToIntervention(
        setup.potIds[0]!,
        {
          interventionId: setup.interventionIds[0]!,
          amount: '500.00',
          effectiveDate: EFFECTIVE_DATE,
          reason: 'r',
        },
        ledger.envelope(),
      );
    await expect(
      allocate(deterministicLedger(store, 'B', { streamSnapshots: snapshots })),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    // The genuine snapshot is used (the pot is not folded from its first event), so the refusal
    // above came from the hash check, not from snapshots being ignored altogether.
    saved.set(potStream, encodeState(genuine));
    const { starts, watched } = readsFrom(store);
    await expect(
      allocate(deterministicLedger(watched, 'C', { streamSnapshots: snapshots })),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    expect(starts.filter((s) => s.streamId === potStream).map((s) => s.fromRevision)).toEqual([
      genuine.revision,
      genuine.revision + 1n,
    ]);
    // Wrong shapes are ignored rather than trusted or fatal.
    const junks = [
      null,
      42,
      { ...genuine, format: 99 },
      { ...genuine, streamId: 'pot-other' },
      { ...genuine, revision: 5 },
    ];
    for (const [i, junk] of junks.entries()) {
      saved.set(potStream, encodeState(junk));
      await expect(
        allocate(deterministicLedger(store, 'DEFGH'[i]!, { streamSnapshots: snapshots })),
      ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    }
    await store.close();
  });

  it('ignores a snapshot in an older format, even one the stored stream vouches for, rather than misreading it', async () => {
    const { store } = openStore();
    const { saved, snapshots } = memorySnapshots();
    const first = deterministicLedger(store, 'A', {
      streamSnapshots: snapshots,
      snapshotEveryEvents: 1,
    });
    const setup = await setUp(first, 1);
    await first.commands.contributeToPot(
      setup.potIds[0]!,
      { agencyId: 'essex-police', amount: '300.00', effectiveDate: EFFECTIVE_DATE, reference: 'r' },
      first.envelope(),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const potStream = `pot-${setup.potIds[0]}`;
    const genuine = asStreamSnapshot(decodeState(saved.get(potStream)!), potStream)!;
    expect(genuine.format).toBe(STREAM_SNAPSHOT_FORMAT);
    // As the handler wrote it before this format: same revision and hash, Money tagged as text.
    const format2 = { ...genuine, format: 2, state: taggedAsFormat2(genuine.state) };
    expect(STREAM_SNAPSHOT_FORMAT).toBeGreaterThan(2);
    saved.set(potStream, encodeState(format2));
    const { starts, watched } = readsFrom(store);
    const cold = deterministicLedger(watched, 'B', { streamSnapshots: snapshots });
    const allocate = (amount: string) =>
      cold.commands.allocateToIntervention(
        setup.potIds[0]!,
        {
          interventionId: setup.interventionIds[0]!,
          amount,
          effectiveDate: EFFECTIVE_DATE,
          reason: 'r',
        },
        cold.envelope(),
      );
    // Folded from the first event, so the stake is real Money: 300.00 can be drawn, not a penny more.
    await expect(allocate('300.01')).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    expect(starts.filter((s) => s.streamId === potStream).map((s) => s.fromRevision)[0]).toBe(0n);
    const { events } = await allocate('300.00');
    expect(events.map((e) => e.type)).toContain('FundsAllocated');
    await store.close();
  });

  it('keeps a pot state through the snapshot codec, Money coming back as Money', () => {
    const state = initialPotState();
    state.stakes.set('essex-police', money('12.34'));
    state.totalContributed = money('12.34');
    const back = decodeState(encodeState(state)) as typeof state;
    expect(back.stakes.get('essex-police')!.plus(money('0.66')).toFixed(2)).toBe('13.00');
    expect(back.totalContributed.eq(money('12.34'))).toBe(true);
    expect(back).toEqual(state);
  });
});
