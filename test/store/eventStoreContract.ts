/**
 * The one contract every event store adapter satisfies (embedded SQLite today; PostgreSQL and
 * EventStoreDB later). An adapter's test file calls describeEventStoreContract with a factory;
 * nothing here knows which adapter it is testing.
 *
 * Every test uses fresh stream ids and reads the log relative to the head it started from, so
 * the suite also passes against a store that is shared between tests.
 */
import fc from 'fast-check';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logChainEventHash, logChainHash } from '../../src/audit/logChain.ts';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../../src/store/eventStore.ts';

export interface EventStoreUnderTest {
  readonly store: EventStore;
  readonly cleanup: () => Promise<void>;
}

/** How long a test waits for a subscription to deliver what it should. */
const DELIVERY_TIMEOUT_MS = 5_000;
/** How long a test watches a closed subscription to be sure nothing more arrives. */
const QUIET_PERIOD_MS = 200;
/** More than one subscription page in common adapters, so catch-up paging is exercised. */
const CATCH_UP_EVENTS = 2_500;
const CATCH_UP_APPEND_BATCH_EVENTS = 250;
const PARALLEL_SAME_STREAM_WRITERS = 20;
const PARALLEL_DISTINCT_STREAM_WRITERS = 50;
const PROPERTY_RUNS = 30;

function newStreamId(prefix = 'pot'): string {
  return `${prefix}-${ulid()}`;
}

function newEvent(type = 'TestHappened', data: unknown = { n: 1 }): NewEvent {
  const eventId = ulid();
  return {
    eventId,
    type,
    data,
    metadata: {
      commandId: ulid(),
      correlationId: ulid(),
      actor: { sub: 'alice', role: 'finance-officer', agencyId: 'essex-police' },
      recordedAt: '2025-06-01T09:30:00.000Z',
    },
  };
}

function newEvents(count: number, type = 'TestHappened'): NewEvent[] {
  return Array.from({ length: count }, (_, i) => newEvent(type, { n: i }));
}

/** The fields the caller supplied, to compare what went in with what came out. */
function asWritten(event: NewEvent | RecordedEvent): NewEvent {
  return { eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata };
}

async function readAllAfter(
  store: EventStore,
  afterPosition: bigint,
  pageSize = 1_000,
): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let cursor = afterPosition;
  for (;;) {
    const page = await store.readAll(cursor, pageSize);
    if (page.length === 0) return all;
    // Fail fast rather than page forever if a store ever hands back the cursor's own event.
    expect(page[0]!.position).toBeGreaterThan(cursor);
    all.push(...page);
    cursor = page[page.length - 1]!.position;
  }
}

/**
 * On a chained store, every event after `head` carries the log chain recomputed over the log in
 * order from the event at `head`; elsewhere none carries a logHash. Returns the events.
 */
async function expectLogChain(store: EventStore, head: bigint): Promise<RecordedEvent[]> {
  const log = await readAllAfter(store, head);
  if (!store.logChained) {
    for (const event of log) expect(event.logHash).toBeUndefined();
    return log;
  }
  let previous = head === 0n ? undefined : (await store.readAll(head - 1n, 1))[0]!.logHash;
  for (const event of log) {
    const expected = logChainHash(previous, event.position, logChainEventHash(event.metadata));
    expect(event.logHash, `log hash at position ${event.position}`).toBe(expected);
    previous = expected;
  }
  return log;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${DELIVERY_TIMEOUT_MS} ms waiting for ${what}`);
    await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function expectStrictlyIncreasing(positions: readonly bigint[]): void {
  for (let i = 1; i < positions.length; i += 1)
    expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
}

/** What an adapter's backing store can promise beyond the common contract. */
export interface EventStoreCapabilities {
  /**
   * true: an event id already anywhere in the log is refused (SQLite, PostgreSQL: a UNIQUE
   * column). false: refused only when repeated in its own stream (EventStoreDB has no lookup
   * by event id across streams).
   */
  readonly refusesEventIdsAcrossStreams: boolean;
}

export function describeEventStoreContract(
  name: string,
  makeStore: () => Promise<EventStoreUnderTest>,
  capabilities: EventStoreCapabilities = { refusesEventIdsAcrossStreams: true },
): void {
  describe(`event store contract: ${name}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });

    afterEach(async () => {
      await cleanup();
    });

    describe('append and read back', () => {
      it('appends to a new stream with no-stream and reads the events back in order', async () => {
        const streamId = newStreamId();
        const events = newEvents(3);

        const result = await store.append(streamId, events, 'no-stream');

        expect(result.lastRevision).toBe(2n);
        expect(result.positions).toHaveLength(3);
        const read = await store.readStream(streamId);
        expect(read.map(asWritten)).toEqual(events);
        expect(read.map((e) => e.streamId)).toEqual([streamId, streamId, streamId]);
        expect(read.map((e) => e.position)).toEqual(result.positions);
      });

      it('numbers a stream 0..n-1 across several appends', async () => {
        const streamId = newStreamId();
        await store.append(streamId, newEvents(2), 'no-stream');
        await store.append(streamId, newEvents(1), 1n);
        const { lastRevision } = await store.append(streamId, newEvents(3), 2n);

        expect(lastRevision).toBe(5n);
        const revisions = (await store.readStream(streamId)).map((e) => e.streamRevision);
        expect(revisions).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
      });

      it('gives strictly increasing positions that are global across streams', async () => {
        const head = await store.headPosition();
        const a = newStreamId('agency');
        const b = newStreamId();
        const first = await store.append(a, newEvents(2), 'no-stream');
        const second = await store.append(b, newEvents(2), 'no-stream');
        const third = await store.append(a, newEvents(1), 1n);

        const positions = [...first.positions, ...second.positions, ...third.positions];
        expect(positions[0]!).toBeGreaterThan(head);
        expectStrictlyIncreasing(positions);
        const log = await readAllAfter(store, head);
        expect(log.map((e) => e.position)).toEqual(positions);
        expect(log.map((e) => e.streamId)).toEqual([a, a, b, b, a]);
      });

      it('returns positions as bigint, never as a lossy number', async () => {
        const streamId = newStreamId();
        const { positions, lastRevision } = await store.append(streamId, newEvents(1), 'no-stream');
        const [read] = await store.readStream(streamId);

        expect(typeof positions[0]).toBe('bigint');
        expect(typeof lastRevision).toBe('bigint');
        expect(typeof read!.position).toBe('bigint');
        expect(typeof read!.streamRevision).toBe('bigint');
        expect(typeof (await store.headPosition())).toBe('bigint');
      });

      it('refuses an empty event list', async () => {
        const head = await store.headPosition();
        await expect(store.append(newStreamId(), [], 'any')).rejects.toThrow();
        expect(await store.headPosition()).toBe(head);
      });

      it('round-trips data and metadata exactly: nested objects, unicode, money strings', async () => {
        const streamId = newStreamId();
        const data = {
          amount: '1234.50',
          tiny: '0.01',
          huge: '1000000000000.00',
          bigDigits: '9007199254740993',
          nested: {
            fundingShares: [{ agencyId: 'essex-police', amount: '100.00' }],
            deeper: { flag: true, none: null },
          },
          unicode: 'Café £5,000 — “wrong pocket” 😀 漢字 \u2028 line',
          escapes: 'quote " backslash \\ newline \n tab \t',
          emptyList: [],
          number: 42,
        };
        const event = newEvent('ContributionReceived', data);
        const metadata = {
          ...event.metadata,
          causationId: ulid(),
          hash: 'ab'.repeat(32),
          extra: { a: [1, '2'] },
        };

        await store.append(streamId, [{ ...event, metadata }], 'no-stream');

        const [read] = await store.readStream(streamId);
        expect(read!.data).toEqual(data);
        expect(read!.metadata).toEqual(metadata);
        expect((read!.data as typeof data).amount).toBe('1234.50');
        const [fromLog] = await store.readAll(read!.position - 1n, 1);
        expect(fromLog).toEqual(read);
      });

      it.runIf(capabilities.refusesEventIdsAcrossStreams)(
        'appends several events atomically: all of them or none',
        async () => {
          const streamId = newStreamId();
          const taken = newEvent();
          await store.append(newStreamId(), [taken], 'no-stream');
          const head = await store.headPosition();

          // The second event reuses an event id already in the log, so the whole batch must fail.
          await expect(
            store.append(streamId, [newEvent(), taken, newEvent()], 'no-stream'),
          ).rejects.toThrow();

          expect(await store.readStream(streamId)).toEqual([]);
          expect(await store.headPosition()).toBe(head);
          const { lastRevision } = await store.append(streamId, newEvents(2), 'no-stream');
          expect(lastRevision).toBe(1n);
        },
      );

      it('refuses a batch that repeats an event id within itself, appending none of it', async () => {
        const streamId = newStreamId();
        const repeated = newEvent();
        const head = await store.headPosition();
        await expect(
          store.append(streamId, [repeated, newEvent(), repeated], 'no-stream'),
        ).rejects.toThrow();
        expect(await store.readStream(streamId)).toEqual([]);
        expect(await store.headPosition()).toBe(head);
      });

      it('keeps its positionsContiguous promise: 1, 2, 3… with no number taken by a refused append', async () => {
        // `potledger verify` reads a missing position as a deleted event only on such stores.
        const streamId = newStreamId();
        const head = await store.headPosition();
        const first = await store.append(streamId, newEvents(2), 'no-stream');
        await expect(store.append(streamId, [newEvent()], 'no-stream')).rejects.toThrow(
          WrongExpectedRevisionError,
        );
        const repeated = newEvent();
        await expect(
          store.append(newStreamId(), [repeated, repeated], 'no-stream'),
        ).rejects.toThrow();
        const second = await store.append(streamId, newEvents(2), first.lastRevision);
        const positions = (await store.readAll(head, 10)).map((e) => e.position);
        expect(positions).toEqual([...first.positions, ...second.positions]);
        if (store.positionsContiguous) {
          expect(positions).toEqual([head + 1n, head + 2n, head + 3n, head + 4n]);
        } else {
          for (let i = 1; i < positions.length; i++)
            expect(positions[i]! > positions[i - 1]!).toBe(true);
        }
      });

      it('finds an event by id, where it can: its position, or undefined for an id never stored', async () => {
        // The Merkle log of a store with dense positions proves an event by id this way.
        const { positionOfEventId } = store;
        if (positionOfEventId === undefined) return;
        const events = newEvents(3);
        const { positions } = await store.append(newStreamId(), events, 'no-stream');
        for (const [i, event] of events.entries())
          expect(await positionOfEventId(event.eventId)).toBe(positions[i]);
        expect(await positionOfEventId(ulid())).toBeUndefined();
      });
    });

    describe('expected revision', () => {
      async function expectRefused(
        streamId: string,
        expected: Parameters<EventStore['append']>[2],
        actual: bigint | 'no-stream',
      ): Promise<void> {
        const head = await store.headPosition();
        const before = await store.readStream(streamId);

        const refusal = await store.append(streamId, newEvents(2), expected).then(
          () => undefined,
          (error: unknown) => error,
        );

        expect(refusal).toBeInstanceOf(WrongExpectedRevisionError);
        expect(refusal).toMatchObject({
          code: 'WRONG_EXPECTED_REVISION',
          streamId,
          expected,
          actual,
        });
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(streamId)).toEqual(before);
      }

      it('refuses no-stream when the stream exists, appending nothing', async () => {
        const streamId = newStreamId();
        await store.append(streamId, newEvents(2), 'no-stream');
        await expectRefused(streamId, 'no-stream', 1n);
      });

      it('refuses a revision that is not the last one, appending nothing', async () => {
        const streamId = newStreamId();
        await store.append(streamId, newEvents(2), 'no-stream');
        await expectRefused(streamId, 0n, 1n);
        await expectRefused(streamId, 2n, 1n);
      });

      it('refuses a revision on a stream that does not exist, appending nothing', async () => {
        const streamId = newStreamId();
        await expectRefused(streamId, 0n, 'no-stream');
      });

      it('accepts the correct revision', async () => {
        const streamId = newStreamId();
        await store.append(streamId, newEvents(2), 'no-stream');
        const { lastRevision } = await store.append(streamId, newEvents(1), 1n);
        expect(lastRevision).toBe(2n);
      });

      it('accepts any, on a missing stream and on an existing one', async () => {
        const streamId = newStreamId();
        expect((await store.append(streamId, newEvents(1), 'any')).lastRevision).toBe(0n);
        expect((await store.append(streamId, newEvents(2), 'any')).lastRevision).toBe(2n);
      });
    });

    describe('reading', () => {
      it('reads a stream from a given revision, inclusive', async () => {
        const streamId = newStreamId();
        const events = newEvents(5);
        await store.append(streamId, events, 'no-stream');

        const fromTwo = await store.readStream(streamId, 2n);
        expect(fromTwo.map((e) => e.streamRevision)).toEqual([2n, 3n, 4n]);
        expect(fromTwo.map(asWritten)).toEqual(events.slice(2));
        expect(await store.readStream(streamId, 5n)).toEqual([]);
      });

      it('reads a missing stream as an empty list', async () => {
        expect(await store.readStream(newStreamId())).toEqual([]);
      });

      it('pages readAll: afterPosition is exclusive, limit is respected, pages join to the full log', async () => {
        const head = await store.headPosition();
        const { positions } = await store.append(newStreamId(), newEvents(7), 'no-stream');
        const full = await store.readAll(head, 100);
        expect(full.map((e) => e.position)).toEqual(positions);

        const firstPage = await store.readAll(head, 3);
        expect(firstPage.map((e) => e.position)).toEqual(positions.slice(0, 3));
        const afterThird = await store.readAll(positions[2]!, 2);
        expect(afterThird.map((e) => e.position)).toEqual(positions.slice(3, 5));
        expect(await store.readAll(positions[6]!, 10)).toEqual([]);

        const paged = await readAllAfter(store, head, 2);
        expect(paged).toEqual(full);
      });

      it('readPositions reads the events at the positions asked for, in log order, each once, leaving out positions with no event', async () => {
        const head = await store.headPosition();
        const { positions } = await store.append(newStreamId(), newEvents(5), 'no-stream');
        const full = await store.readAll(head, 100);
        const asked = [positions[3]!, positions[0]!, positions[3]!, positions[4]!];
        expect(await store.readPositions(asked)).toEqual([full[0], full[3], full[4]]);
        expect(await store.readPositions([])).toEqual([]);
        // Beyond the head: nothing there, nothing returned.
        expect(await store.readPositions([positions[4]! + 1_000_000n])).toEqual([]);
        await expect(store.readPositions([0n])).rejects.toThrow(RangeError);
      });

      it('reports the head position: 0 or the last event, moving with each append', async () => {
        const head = await store.headPosition();
        expect(head).toBeGreaterThanOrEqual(0n);
        const { positions } = await store.append(newStreamId(), newEvents(3), 'no-stream');
        expect(await store.headPosition()).toBe(positions[2]);
      });

      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('subscribe', () => {
      it('catches up from the start, then follows live appends, without duplicates or gaps', async () => {
        const head = await store.headPosition();
        const streamId = newStreamId();
        for (let written = 0; written < CATCH_UP_EVENTS; written += CATCH_UP_APPEND_BATCH_EVENTS) {
          await store.append(streamId, newEvents(CATCH_UP_APPEND_BATCH_EVENTS), 'any');
        }
        const received: RecordedEvent[] = [];
        const subscription = store.subscribe(head, (batch) => {
          received.push(...batch);
        });
        try {
          await waitFor(() => received.length >= CATCH_UP_EVENTS, 'catch-up');
          const live = [newEvent(), newEvent()];
          await store.append(streamId, live, BigInt(CATCH_UP_EVENTS - 1));
          await store.append(newStreamId(), [newEvent()], 'no-stream');
          await waitFor(() => received.length >= CATCH_UP_EVENTS + 3, 'live events');

          const log = await readAllAfter(store, head);
          expect(received.map((e) => e.position)).toEqual(log.map((e) => e.position));
          expect(received).toEqual(log);
          expect(new Set(received.map((e) => e.eventId)).size).toBe(received.length);
        } finally {
          subscription.close();
        }
      });

      it('starts strictly after the given position', async () => {
        const streamId = newStreamId();
        const { positions } = await store.append(streamId, newEvents(6), 'no-stream');
        const received: RecordedEvent[] = [];
        const subscription = store.subscribe(positions[2]!, (batch) => {
          received.push(...batch);
        });
        try {
          await waitFor(() => received.length >= 3, 'events after the middle');
          await sleep(QUIET_PERIOD_MS);
          expect(received.map((e) => e.position)).toEqual(positions.slice(3));
        } finally {
          subscription.close();
        }
      });

      it('awaits each batch before delivering the next, in log order', async () => {
        const head = await store.headPosition();
        const received: RecordedEvent[] = [];
        let inFlight = 0;
        let maxInFlight = 0;
        const subscription = store.subscribe(head, async (batch) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(20);
          received.push(...batch);
          inFlight -= 1;
        });
        try {
          const streamId = newStreamId();
          const appended: bigint[] = [];
          for (let i = 0; i < 10; i += 1) {
            appended.push(...(await store.append(streamId, [newEvent()], 'any')).positions);
            await sleep(3);
          }
          await waitFor(() => received.length >= 10, 'all ten events');
          expect(maxInFlight).toBe(1);
          expect(received.map((e) => e.position)).toEqual(appended);
        } finally {
          subscription.close();
        }
      });

      it('delivers nothing after close', async () => {
        const head = await store.headPosition();
        const received: RecordedEvent[] = [];
        const subscription = store.subscribe(head, (batch) => {
          received.push(...batch);
        });
        await store.append(newStreamId(), [newEvent()], 'no-stream');
        await waitFor(() => received.length === 1, 'the first event');

        subscription.close();
        await store.append(newStreamId(), [newEvent()], 'no-stream');
        await sleep(QUIET_PERIOD_MS);
        expect(received).toHaveLength(1);
      });

      it('stops and reports the error when a batch handler throws', async () => {
        const head = await store.headPosition();
        const failure = new Error('projection failed');
        const errors: unknown[] = [];
        let calls = 0;
        const subscription = store.subscribe(
          head,
          () => {
            calls += 1;
            throw failure;
          },
          { onError: (error) => errors.push(error) },
        );
        try {
          await store.append(newStreamId(), [newEvent()], 'no-stream');
          await waitFor(() => errors.length === 1, 'the error report');
          await store.append(newStreamId(), [newEvent()], 'no-stream');
          await sleep(QUIET_PERIOD_MS);
          expect(errors).toEqual([failure]);
          expect(calls).toBe(1);
        } finally {
          subscription.close();
        }
      });
    });

    describe('concurrent writers', () => {
      it(`lets exactly one of ${PARALLEL_SAME_STREAM_WRITERS} parallel appends at the same revision win`, async () => {
        const streamId = newStreamId();
        await store.append(streamId, [newEvent()], 'no-stream');
        const head = await store.headPosition();

        const outcomes = await Promise.allSettled(
          Array.from({ length: PARALLEL_SAME_STREAM_WRITERS }, () =>
            store.append(streamId, newEvents(2), 0n),
          ),
        );

        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(PARALLEL_SAME_STREAM_WRITERS - 1);
        for (const refusal of lost)
          expect(refusal.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect((await store.readStream(streamId)).map((e) => e.streamRevision)).toEqual([
          0n,
          1n,
          2n,
        ]);
        expect(await readAllAfter(store, head)).toHaveLength(2);
      });

      it(`accepts ${PARALLEL_DISTINCT_STREAM_WRITERS} parallel appends to different streams, at distinct positions`, async () => {
        const head = await store.headPosition();
        const streamIds = Array.from({ length: PARALLEL_DISTINCT_STREAM_WRITERS }, () =>
          newStreamId(),
        );

        const results = await Promise.all(
          streamIds.map((id) => store.append(id, newEvents(2), 'no-stream')),
        );

        const positions = results.flatMap((r) => r.positions);
        expect(new Set(positions).size).toBe(PARALLEL_DISTINCT_STREAM_WRITERS * 2);
        for (const r of results) expectStrictlyIncreasing(r.positions);
        const log = await expectLogChain(store, head);
        expect(log.map((e) => e.position).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(
          [...positions].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
        );
      });
    });

    describe('log chain', () => {
      it('chains every appended event after the one before it in the log, whatever its stream, and returns it from every read', async () => {
        const head = await store.headPosition();
        const a = newStreamId();
        const b = newStreamId();
        const hashed = newEvent();
        // An event hash the chain covers; events without one contribute '' (src/audit/logChain.ts).
        const withHash = { ...hashed, metadata: { ...hashed.metadata, hash: 'ab'.repeat(32) } };
        await store.append(a, newEvents(3), 'no-stream');
        await store.append(b, [withHash], 'no-stream');
        await store.append(a, newEvents(2), 2n);
        const log = await expectLogChain(store, head);
        expect(log).toHaveLength(6);
        // Refused appends leave the chain whole.
        await expect(store.append(a, [newEvent()], 'no-stream')).rejects.toThrow(
          WrongExpectedRevisionError,
        );
        await store.append(b, newEvents(1), 0n);
        expect(await expectLogChain(store, head)).toHaveLength(7);

        const byPosition = new Map(log.map((e) => [e.position, e.logHash]));
        for (const event of [...(await store.readStream(a)), ...(await store.readStream(b))].filter(
          (e) => byPosition.has(e.position),
        )) {
          expect(event.logHash).toBe(byPosition.get(event.position));
        }
        const received: RecordedEvent[] = [];
        const subscription = store.subscribe(head, (batch) => void received.push(...batch));
        try {
          await waitFor(() => received.length >= 7, 'the subscription to catch up');
        } finally {
          subscription.close();
        }
        for (const event of received.filter((e) => byPosition.has(e.position)))
          expect(event.logHash).toBe(byPosition.get(event.position));
      });
    });

    describe('idempotent retries', () => {
      it('refuses a retry with the same event id and keeps one copy in the log', async () => {
        const streamId = newStreamId();
        const event = newEvent();
        const { positions } = await store.append(streamId, [event], 'no-stream');
        const head = await store.headPosition();

        // A blind retry ('any') gets past the revision check; only the event id stops it.
        await expect(store.append(streamId, [event], 'any')).rejects.toThrow();
        // A retry with the revision the first attempt saw is refused by the revision check.
        await expect(store.append(streamId, [event], 'no-stream')).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        if (capabilities.refusesEventIdsAcrossStreams) {
          // Same id, another stream: still the one event in the whole log.
          await expect(store.append(newStreamId(), [event], 'no-stream')).rejects.toThrow();
        }

        expect(await store.headPosition()).toBe(head);
        const copies = (await readAllAfter(store, positions[0]! - 1n)).filter(
          (e) => e.eventId === event.eventId,
        );
        expect(copies).toHaveLength(1);
        expect(await store.readStream(streamId)).toHaveLength(1);
      });
    });

    describe('properties', () => {
      it('readAll equals the appends in order, and every stream counts 0..n-1', async () => {
        const appendPlan = fc.array(
          fc.record({
            stream: fc.integer({ min: 0, max: 2 }),
            count: fc.integer({ min: 1, max: 4 }),
            blind: fc.boolean(),
          }),
          { minLength: 1, maxLength: 15 },
        );
        await fc.assert(
          fc.asyncProperty(appendPlan, async (plan) => {
            const head = await store.headPosition();
            const streamIds = [newStreamId(), newStreamId('agency'), newStreamId()];
            const expectedLog: { streamId: string; streamRevision: bigint; event: NewEvent }[] = [];
            const lengths = new Map<string, bigint>();

            for (const step of plan) {
              const streamId = streamIds[step.stream]!;
              const length = lengths.get(streamId) ?? 0n;
              const events = newEvents(step.count);
              const expected = step.blind ? 'any' : length === 0n ? 'no-stream' : length - 1n;
              const result = await store.append(streamId, events, expected);
              expect(result.lastRevision).toBe(length + BigInt(step.count) - 1n);
              events.forEach((event, i) =>
                expectedLog.push({ streamId, streamRevision: length + BigInt(i), event }),
              );
              lengths.set(streamId, length + BigInt(step.count));
            }

            const log = await readAllAfter(store, head, 7);
            expect(
              log.map((e) => ({
                streamId: e.streamId,
                streamRevision: e.streamRevision,
                event: asWritten(e),
              })),
            ).toEqual(expectedLog);
            expectStrictlyIncreasing(log.map((e) => e.position));
            for (const streamId of streamIds) {
              const revisions = (await store.readStream(streamId)).map((e) => e.streamRevision);
              const length = Number(lengths.get(streamId) ?? 0n);
              expect(revisions).toEqual(Array.from({ length }, (_, i) => BigInt(i)));
            }
          }),
          { numRuns: PROPERTY_RUNS },
        );
      });
    });
  });
}
