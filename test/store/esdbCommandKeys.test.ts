/**
 * Command keys on EventStoreDB (issue 18): a key is claimed in its own key stream before the
 * events land, so a key reused on another stream is refused by the store, by any process, at any
 * later time, and a crash between the claim and the events neither loses a retry nor lets the
 * key in twice (src/store/esdb/commandKeyClaims.ts).
 *
 * Three layers, all without a server (the real-server checks are in esdbEventStore.test.ts,
 * which skips without Docker):
 * - the decision alone (judgeKeyClaim), one given/when/then per rule;
 * - the adapter over ModelEsdbClient, each process its own store over one shared model;
 * - a fast-check property that interleaves the adapter's client calls from several processes at
 *   random (fc.scheduler), some of them crashing between claim and events, and checks that the
 *   key's events are in the log at most once, in one stream.
 */
import { Readable } from 'node:stream';
import { UnavailableError, type EventData } from '@eventstore/db-client';
import fc from 'fast-check';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import {
  IdempotencyKeyTakenError,
  WrongExpectedRevisionError,
  type CommandKey,
  type EventStore,
  type NewEvent,
} from '../../src/store/eventStore.ts';
import {
  COMMAND_KEY_STREAM_PREFIX,
  commandKeyStreamId,
  judgeKeyClaim,
  type AtClaimedRevision,
  type KeyClaim,
  type KeyVerdict,
} from '../../src/store/esdb/commandKeyClaims.ts';
import { createEsdbEventStore, type EsdbClient } from '../../src/store/esdb/esdbEventStore.ts';
import { ModelEsdbClient } from './esdbModelClient.ts';

const KEY: CommandKey = { sub: 'alice', commandId: 'cmd-1' };
const POT_A = 'pot-a';
const POT_B = 'pot-b';

function keyedEvents(key: CommandKey, count = 2): NewEvent[] {
  return Array.from({ length: count }, (_, n) => ({
    eventId: ulid(),
    type: 'ContributionReceived',
    data: { n },
    metadata: {
      commandId: key.commandId,
      correlationId: ulid(),
      actor: { sub: key.sub, role: 'finance-officer' },
      recordedAt: '2025-06-01T09:30:00.000Z',
    },
  }));
}

/** The decision, in the form "given this claim, when this append, then this verdict". */
function given(claim: KeyClaim | undefined) {
  return {
    when(streamId: string, firstRevision: bigint, at: AtClaimedRevision = 'nothing') {
      return {
        then(verdict: KeyVerdict): void {
          expect(judgeKeyClaim(claim, streamId, firstRevision, at)).toEqual(verdict);
        },
      };
    },
  };
}

describe('judgeKeyClaim: what a key stream’s latest claim means for an append', () => {
  it('no claim yet: claim the key', () => {
    given(undefined).when(POT_A, 0n).then({ kind: 'claim' });
  });
  it('claimed for another stream: taken, whatever that stream holds', () => {
    for (const at of ['nothing', 'this-command', 'another-command'] as const)
      given({ streamId: POT_A, firstRevision: 3n })
        .when(POT_B, 3n, at)
        .then({ kind: 'taken', takenByStreamId: POT_A });
  });
  it('the command is at the claimed revision: already appended (SQLite’s "taken by this stream")', () => {
    given({ streamId: POT_A, firstRevision: 3n })
      .when(POT_A, 3n, 'this-command')
      .then({ kind: 'already-appended' });
    given({ streamId: POT_A, firstRevision: 3n })
      .when(POT_A, 7n, 'this-command')
      .then({ kind: 'already-appended' });
  });
  it('nothing at the claimed revision (a crash, or a copy in flight): only that revision may be tried', () => {
    given({ streamId: POT_A, firstRevision: 3n }).when(POT_A, 3n, 'nothing').then({
      kind: 'append',
    });
    given({ streamId: POT_A, firstRevision: 3n }).when(POT_A, 4n, 'nothing').then({
      kind: 'conflict',
    });
    given({ streamId: POT_A, firstRevision: 3n }).when(POT_A, 2n, 'nothing').then({
      kind: 'conflict',
    });
  });
  it('another command took the claimed revision: the claim moves, unless this append is as stale', () => {
    given({ streamId: POT_A, firstRevision: 3n })
      .when(POT_A, 5n, 'another-command')
      .then({ kind: 'repoint' });
    given({ streamId: POT_A, firstRevision: 3n })
      .when(POT_A, 3n, 'another-command')
      .then({ kind: 'conflict' });
  });
});

describe('key stream names', () => {
  it('are outside every potledger prefix, one per (caller, key), and unambiguous', () => {
    const id = commandKeyStreamId(KEY);
    expect(id).toMatch(new RegExp(`^${COMMAND_KEY_STREAM_PREFIX}[0-9a-f]{64}$`));
    expect(commandKeyStreamId({ sub: 'alice', commandId: 'cmd-1' })).toBe(id);
    expect(commandKeyStreamId({ sub: 'bob', commandId: 'cmd-1' })).not.toBe(id);
    // Joined as JSON, so the boundary between caller and key cannot move.
    expect(commandKeyStreamId({ sub: 'a', commandId: 'bc' })).not.toBe(
      commandKeyStreamId({ sub: 'ab', commandId: 'c' }),
    );
  });

  it('a store refuses stream prefixes that would show key streams to readers', () => {
    const model = new ModelEsdbClient();
    for (const prefix of ['potledger-', 'potledger-key-x', 'p'])
      expect(() =>
        createEsdbEventStore(model as unknown as EsdbClient, { streamPrefixes: [prefix] }),
      ).toThrow(/overlap/);
  });
});

/** One process's view of the shared model: its own store, optionally failing some appends. */
function processOn(
  model: ModelEsdbClient,
  options: { failEventAppends?: () => boolean } = {},
): EventStore {
  const client = {
    appendToStream: async (streamName: string, events: EventData | EventData[], opts?: object) => {
      if (!streamName.startsWith(COMMAND_KEY_STREAM_PREFIX) && options.failEventAppends?.())
        throw new UnavailableError(undefined, 'connection lost');
      return model.appendToStream(streamName, events, opts);
    },
    readStream: model.readStream.bind(model),
    readAll: model.readAll.bind(model),
    subscribeToAll: model.subscribeToAll.bind(model),
    dispose: model.dispose.bind(model),
  };
  return createEsdbEventStore(client as unknown as EsdbClient);
}

async function appendKeyed(
  store: EventStore,
  streamId: string,
  expected: bigint | 'no-stream',
  key: CommandKey = KEY,
) {
  const [outcome] = await store.appendBatch([
    { streamId, events: keyedEvents(key), expected, commandKey: key },
  ]);
  return outcome!;
}

describe('eventstoredb command keys, against a model of the client', () => {
  it('refuses a key reused on another stream, from another process, long after: nothing written', async () => {
    const model = new ModelEsdbClient();
    const first = processOn(model);
    const second = processOn(model);
    expect(await appendKeyed(first, POT_A, 'no-stream')).toMatchObject({ lastRevision: 1n });

    const refused = await appendKeyed(second, POT_B, 'no-stream');
    expect(refused).toBeInstanceOf(IdempotencyKeyTakenError);
    expect(refused).toMatchObject({ streamId: POT_B, takenByStreamId: POT_A, commandKey: KEY });
    expect(await second.readStream(POT_B)).toEqual([]);
    expect(await second.commandKeyStream(KEY)).toBe(POT_A);
    expect(await second.commandKeyStream({ sub: 'bob', commandId: KEY.commandId })).toBe(undefined);
  });

  it('answers the same command again on its own stream with a revision conflict, as SQLite does', async () => {
    const model = new ModelEsdbClient();
    const store = processOn(model);
    await appendKeyed(store, POT_A, 'no-stream');
    // Even at the stream's current revision: the command is there already.
    const again = await appendKeyed(store, POT_A, 1n);
    expect(again).toBeInstanceOf(WrongExpectedRevisionError);
    expect(again).toMatchObject({ actual: 1n });
    expect(await store.readStream(POT_A)).toHaveLength(2);
  });

  it('lets a retry of a command whose process died between claim and events succeed, on that stream only', async () => {
    const model = new ModelEsdbClient();
    const crashing = processOn(model, { failEventAppends: () => true });
    await expect(appendKeyed(crashing, POT_A, 'no-stream')).resolves.toBeInstanceOf(
      UnavailableError,
    );
    expect(model.log.filter((r) => r.streamId === POT_A)).toEqual([]);

    const retry = processOn(model);
    // The key is bound to pot A: refused elsewhere, while the retry on pot A goes in.
    expect(await appendKeyed(retry, POT_B, 'no-stream')).toBeInstanceOf(IdempotencyKeyTakenError);
    expect(await appendKeyed(retry, POT_A, 'no-stream')).toMatchObject({ lastRevision: 1n });
    expect(await appendKeyed(retry, POT_A, 1n)).toBeInstanceOf(WrongExpectedRevisionError);
  });

  it('moves a claim whose revision another command took, so the command decided again goes in', async () => {
    const model = new ModelEsdbClient();
    const store = processOn(model);
    const other: CommandKey = { sub: 'alice', commandId: 'other' };
    await appendKeyed(store, POT_A, 'no-stream', other); // revisions 0, 1
    // Decided on a stale view (expects no stream): claims revision 0, which `other` holds.
    expect(await appendKeyed(store, POT_A, 'no-stream')).toBeInstanceOf(WrongExpectedRevisionError);
    // Decided again on the stream as it is: the claim moves to revision 2 and the events land.
    expect(await appendKeyed(store, POT_A, 1n)).toMatchObject({ lastRevision: 3n });
    expect(await appendKeyed(store, POT_A, 3n)).toBeInstanceOf(WrongExpectedRevisionError);
    expect(await appendKeyed(store, POT_B, 'no-stream')).toBeInstanceOf(IdempotencyKeyTakenError);
  });

  it('never moves a claim away from a copy still in flight, so a stale copy cannot land later too', async () => {
    const model = new ModelEsdbClient();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const other = processOn(model);
    const slowClient = {
      appendToStream: async (name: string, events: EventData | EventData[], opts?: object) => {
        if (!name.startsWith(COMMAND_KEY_STREAM_PREFIX)) await gate;
        return model.appendToStream(name, events, opts);
      },
      readStream: model.readStream.bind(model),
      readAll: model.readAll.bind(model),
      subscribeToAll: model.subscribeToAll.bind(model),
      dispose: model.dispose.bind(model),
    };
    const inFlight = createEsdbEventStore(slowClient as unknown as EsdbClient);
    await appendKeyed(other, POT_A, 'no-stream', { sub: 'alice', commandId: 'other' }); // 0, 1

    // One copy claims revision 2 and stalls before its events land.
    const first = appendKeyed(inFlight, POT_A, 1n);
    await expect
      .poll(() => model.log.some((r) => r.streamId === commandKeyStreamId(KEY)))
      .toBe(true);
    // A copy decided on a stale view may not move the claim: nothing is at revision 2 yet.
    expect(await appendKeyed(other, POT_A, 0n)).toBeInstanceOf(WrongExpectedRevisionError);
    release();
    expect(await first).toMatchObject({ lastRevision: 3n });
    // Decided again on the stream as it now is: the command is there.
    expect(await appendKeyed(other, POT_A, 3n)).toBeInstanceOf(WrongExpectedRevisionError);
    expect(await other.readStream(POT_A)).toHaveLength(4);
  });

  it('refuses a taken key even behind a refused request in one batch, as SQLite does', async () => {
    const model = new ModelEsdbClient();
    const store = processOn(model);
    await appendKeyed(store, POT_A, 'no-stream');
    const outcomes = await store.appendBatch([
      { streamId: POT_B, events: keyedEvents({ sub: 'alice', commandId: 'x' }), expected: 5n },
      { streamId: POT_B, events: keyedEvents(KEY), expected: 'no-stream', commandKey: KEY },
      {
        streamId: POT_B,
        events: keyedEvents({ sub: 'alice', commandId: 'y' }),
        expected: 'no-stream',
        commandKey: { sub: 'alice', commandId: 'y' },
      },
    ]);
    expect(outcomes[0]).toBeInstanceOf(WrongExpectedRevisionError);
    expect(outcomes[1]).toBeInstanceOf(IdempotencyKeyTakenError);
    expect(outcomes[2]).toBeInstanceOf(WrongExpectedRevisionError);
  });

  it('keeps key streams out of readAll, headPosition and subscribe', async () => {
    const model = new ModelEsdbClient();
    const store = processOn(model);
    const result = await appendKeyed(store, POT_A, 'no-stream');
    if (result instanceof Error) throw result;
    expect(model.log.some((r) => r.streamId === commandKeyStreamId(KEY))).toBe(true);

    expect((await store.readAll(0n, 100)).map((e) => e.streamId)).toEqual([POT_A, POT_A]);
    expect(await store.headPosition()).toBe(result.positions[1]);
    const delivered: string[] = [];
    const subscription = store.subscribe(0n, (batch) => {
      delivered.push(...batch.map((e) => e.streamId));
    });
    // A key claimed after the subscription went live is not delivered either.
    await appendKeyed(store, POT_B, 'no-stream', { sub: 'bob', commandId: 'z' });
    await expect.poll(() => delivered.length).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    subscription.close();
    expect(delivered).toEqual([POT_A, POT_A, POT_B, POT_B]);
    await store.close();
  });
});

/**
 * A process in the property: sends one command (KEY, or another key as noise) to one stream,
 * deciding on the stream as it reads it and again after each conflict, as the write path does,
 * but without the write path's own memory of commands: only the store stands between a retry
 * and a second acceptance. A crashing one dies on its first event append (after its claim).
 */
interface Actor {
  readonly stream: 0 | 1;
  readonly noise: boolean;
  readonly crash: boolean;
}

const STREAMS = [POT_A, POT_B] as const;
const MAX_DECISIONS = 3;

/** A client whose every call waits for the scheduler, so processes interleave at random. */
function scheduledClient(model: ModelEsdbClient, s: fc.Scheduler, crash: boolean): EsdbClient {
  let crashed = false;
  const client = {
    appendToStream: async (streamName: string, events: EventData | EventData[], opts?: object) => {
      await s.schedule(Promise.resolve(), `append ${streamName}`);
      if (crash && !crashed && !streamName.startsWith(COMMAND_KEY_STREAM_PREFIX)) {
        crashed = true;
        throw new UnavailableError(undefined, 'process died');
      }
      return model.appendToStream(streamName, events, opts);
    },
    readStream: (streamName: string, opts: Parameters<ModelEsdbClient['readStream']>[1]) => {
      const read = Readable.from(
        (async function* () {
          await s.schedule(Promise.resolve(), `read ${streamName}`);
          for await (const item of model.readStream(streamName, opts)) yield item;
        })(),
      );
      return Object.assign(read, { cancel: async () => undefined });
    },
    readAll: model.readAll.bind(model),
    subscribeToAll: model.subscribeToAll.bind(model),
    dispose: async () => undefined,
  };
  return client as unknown as EsdbClient;
}

async function runActor(store: EventStore, actor: Actor, index: number): Promise<void> {
  const key = actor.noise ? { sub: 'bob', commandId: `noise-${index}` } : KEY;
  const streamId = STREAMS[actor.stream];
  for (let decision = 0; decision < MAX_DECISIONS; decision += 1) {
    const read = await store.readStream(streamId);
    const expected = read.length === 0 ? 'no-stream' : read[read.length - 1]!.streamRevision;
    const outcome = await appendKeyed(store, streamId, expected, key);
    if (!(outcome instanceof WrongExpectedRevisionError)) return;
  }
}

describe('eventstoredb command keys, property', () => {
  it('never lets a key’s events into the log twice or into two streams, whatever the interleaving and crashes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(
          fc.record({ stream: fc.constantFrom(0, 1), noise: fc.boolean(), crash: fc.boolean() }),
          {
            minLength: 2,
            maxLength: 6,
          },
        ),
        async (s, actors) => {
          const model = new ModelEsdbClient();
          const runs = actors.map((actor, index) =>
            runActor(
              createEsdbEventStore(scheduledClient(model, s, actor.crash)),
              actor as Actor,
              index,
            ),
          );
          await s.waitFor(Promise.all(runs));

          const keyed = model.log.filter((r) => {
            const metadata = JSON.parse(r.metadata) as { commandId?: string };
            return (
              !r.streamId.startsWith(COMMAND_KEY_STREAM_PREFIX) &&
              metadata.commandId === KEY.commandId
            );
          });
          // Each command is two events: the key's are there once, or not at all, in one stream.
          expect([0, 2]).toContain(keyed.length);
          expect(new Set(keyed.map((r) => r.streamId)).size).toBeLessThanOrEqual(1);
          // Other keys too: at most once each.
          for (const index of actors.keys()) {
            const count = model.log.filter(
              (r) =>
                (JSON.parse(r.metadata) as { commandId?: string }).commandId === `noise-${index}`,
            ).length;
            expect([0, 2]).toContain(count);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
