/**
 * The runner folds every event of the log exactly once, in log order, whichever way it comes:
 * handed over by the write path (in order, late, twice, with gaps, out of order) or read by the
 * store's subscription (a store that heeds `heldThrough` or one that ignores it), with folds that
 * finish at once or later.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createProjectionRunner } from '../../src/books/projectionRunner.ts';
import type { EventMetadata, RecordedEvent } from '../../src/store/eventStore.ts';

function eventAt(position: bigint, withLogHash = true): RecordedEvent {
  return {
    position,
    eventId: `event-${position}`,
    streamId: 'pot-p',
    streamRevision: position - 1n,
    type: 'Noted',
    data: {},
    metadata: { commandId: `command-${position}` } as unknown as EventMetadata,
    ...(withLogHash ? { logHash: `hash-${position}` } : {}),
  };
}

/**
 * A store whose log and subscription the test drives by hand: `deliver` reads one page after the
 * subscription's cursor (or after what the runner holds, when it heeds heldThrough) and awaits
 * the runner's onBatch, as a store's follow loop does.
 */
function handDrivenStore(options: { heedsHeldThrough: boolean; logChained?: boolean }) {
  const log: RecordedEvent[] = [];
  let onBatch: ((events: RecordedEvent[]) => Promise<void> | void) | undefined;
  let heldThrough: (() => bigint) | undefined;
  let cursor = 0n;
  let closed = false;
  let subscribed!: () => void;
  const whenSubscribed = new Promise<void>((resolve) => (subscribed = resolve));
  return {
    log,
    positionsContiguous: true,
    logChained: options.logChained ?? true,
    append(count: number): RecordedEvent[] {
      const added = Array.from({ length: count }, (_, i) => eventAt(BigInt(log.length + i + 1)));
      log.push(...added);
      return added;
    },
    headPosition: () => Promise.resolve(BigInt(log.length)),
    subscribe(
      afterPosition: bigint,
      batches: (events: RecordedEvent[]) => Promise<void> | void,
      subscribeOptions: { heldThrough?: () => bigint } = {},
    ) {
      cursor = afterPosition;
      onBatch = batches;
      heldThrough = subscribeOptions.heldThrough;
      subscribed();
      return { close: () => void (closed = true) };
    },
    /** One page of up to `limit` events; false when there was nothing to read. */
    async deliver(limit: number): Promise<boolean> {
      if (closed || onBatch === undefined) return false;
      const held = options.heedsHeldThrough ? (heldThrough?.() ?? cursor) : cursor;
      const from = held > cursor ? held : cursor;
      const page = log.slice(Number(from), Number(from) + limit);
      if (page.length === 0) return false;
      await onBatch(page);
      cursor = page[page.length - 1]!.position;
      return true;
    },
    isClosed: () => closed,
    whenSubscribed,
  };
}

type Step =
  | { kind: 'append'; count: number; handOver: 'now' | 'later' | 'twice' | 'never' }
  | { kind: 'handOverLate'; index: number }
  | { kind: 'handOverSlice'; from: number; length: number }
  | { kind: 'deliver'; limit: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('append' as const),
    count: fc.integer({ min: 1, max: 4 }),
    handOver: fc.constantFrom('now' as const, 'later' as const, 'twice' as const, 'never' as const),
  }),
  fc.record({ kind: fc.constant('handOverLate' as const), index: fc.nat() }),
  fc.record({
    kind: fc.constant('handOverSlice' as const),
    from: fc.nat(),
    length: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ kind: fc.constant('deliver' as const), limit: fc.integer({ min: 1, max: 6 }) }),
);

describe('projection runner: handed-over and subscribed pages', () => {
  it('folds each event exactly once, in log order, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArbitrary, { maxLength: 40 }),
        fc.boolean(),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 5 }),
        async (steps, heedsHeldThrough, foldsLater, startWith) => {
          const store = handDrivenStore({ heedsHeldThrough });
          store.append(startWith);
          const folded: bigint[] = [];
          let applies = 0;
          const runner = createProjectionRunner({
            store,
            // Some folds finish at once, some later (the SQL mirror catching up): nothing else
            // may fold while one is unfinished.
            apply: (events) => {
              const later = foldsLater[applies++ % foldsLater.length]!;
              const fold = (): void => void folded.push(...events.map((event) => event.position));
              if (!later) return fold();
              return new Promise<void>((resolve) =>
                setImmediate(() => {
                  fold();
                  resolve();
                }),
              );
            },
          });
          const started = runner.start();
          await store.whenSubscribed;
          // Catch up what was there before the runner started.
          while (await store.deliver(3));
          await started;

          const stashed: RecordedEvent[][] = [];
          let delivering: Promise<boolean> = Promise.resolve(false);
          for (const step of steps) {
            if (step.kind === 'append') {
              const added = store.append(step.count);
              if (step.handOver === 'now' || step.handOver === 'twice') runner.handOver(added);
              if (step.handOver === 'twice') runner.handOver(added);
              if (step.handOver === 'later') stashed.push(added);
            } else if (step.kind === 'handOverLate') {
              if (stashed.length > 0)
                runner.handOver(stashed.splice(step.index % stashed.length, 1)[0]!);
            } else if (step.kind === 'handOverSlice') {
              // Any run of the log: behind the books, overlapping them, or beyond a gap.
              const from = step.from % (store.log.length + 1);
              const slice = store.log.slice(from, from + step.length);
              if (slice.length > 0) runner.handOver(slice);
            } else {
              // The subscription delivers one page at a time: the next waits for the last.
              await delivering;
              delivering = store.deliver(step.limit);
            }
          }
          await delivering;
          for (const late of stashed) runner.handOver(late);
          while (await store.deliver(4));
          await runner.waitFor(BigInt(store.log.length), 1_000);

          const everyPosition = store.log.map((event) => event.position);
          expect(folded).toEqual(everyPosition);
          expect(runner.position()).toBe(BigInt(store.log.length));
          expect(runner.failure()).toBeUndefined();
          runner.stop();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('folds a page handed over in order at once, without the subscription', async () => {
    const store = handDrivenStore({ heedsHeldThrough: true });
    const folded: bigint[] = [];
    const runner = createProjectionRunner({
      store,
      apply: (events) => void folded.push(...events.map((event) => event.position)),
    });
    await runner.start();

    expect(runner.handOver(store.append(2))).toBe(true);
    expect(runner.position()).toBe(2n);
    // The subscription, reading after what the runner holds, finds nothing to deliver.
    expect(await store.deliver(10)).toBe(false);
    expect(folded).toEqual([1n, 2n]);
  });

  it('leaves a page after a gap to the subscription, which reads the gap and the page', async () => {
    const store = handDrivenStore({ heedsHeldThrough: true });
    const folded: bigint[] = [];
    const runner = createProjectionRunner({
      store,
      apply: (events) => void folded.push(...events.map((event) => event.position)),
    });
    await runner.start();
    store.append(1); // appended by another process: never handed over

    expect(runner.handOver(store.append(1))).toBe(false);
    expect(runner.position()).toBe(0n);
    expect(await store.deliver(10)).toBe(true);
    expect(folded).toEqual([1n, 2n]);
  });

  it('takes from the store an event without its log hash, when the store keeps the log chain', async () => {
    const store = handDrivenStore({ heedsHeldThrough: true, logChained: true });
    const runner = createProjectionRunner({ store, apply: () => undefined });
    await runner.start();
    store.append(1);

    // A books snapshot names its last event by log hash: one without it must not be folded.
    expect(runner.handOver([eventAt(1n, false)])).toBe(false);
    expect(runner.position()).toBe(0n);
  });

  it('stops and reports once when a handed-over page fails to fold', async () => {
    const store = handDrivenStore({ heedsHeldThrough: true });
    const failures: unknown[] = [];
    const runner = createProjectionRunner({
      store,
      apply: () => {
        throw new Error('books invariant broken');
      },
      onFailure: (error) => failures.push(error),
    });
    await runner.start();

    expect(runner.handOver(store.append(1))).toBe(false);
    expect(runner.position()).toBe(0n);
    expect(failures).toHaveLength(1);
    expect(store.isClosed()).toBe(true);
    expect(runner.handOver(store.append(1))).toBe(false);
    expect(failures).toHaveLength(1);
  });
});
