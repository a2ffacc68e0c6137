/**
 * The EventStoreDB / KurrentDB adapter.
 *
 * Two halves:
 * - **Against a real server** (testcontainers): the shared contract suite, plus what only a real
 *   EventStoreDB can show (UUID ids on the wire, commit = prepare positions, idempotent appends,
 *   resubscription after a dropped connection). Skipped, with the reason printed, when no
 *   Docker engine is reachable.
 * - **Against ModelEsdbClient** (esdbModelClient.ts), a small in-memory stand-in for the client that behaves as
 *   EventStoreDB is documented to (inclusive forward reads of $all from record starts only,
 *   exclusive catch-up subscriptions, idempotent appends within a stream, duplicates across
 *   streams accepted). It checks the adapter's own logic (cursor resolution, paging, refusals,
 *   batching, resubscription) on any machine. It is a model: only the first half is evidence
 *   about EventStoreDB itself.
 */
import { randomUUID } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import {
  AccessDeniedError,
  EventStoreDBClient,
  NO_STREAM,
  START,
  UnavailableError,
  jsonEvent,
  type JSONType,
} from '@eventstore/db-client';
import {
  GenericContainer,
  Wait,
  getContainerRuntimeClient,
  type StartedTestContainer,
} from 'testcontainers';
import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  IdempotencyKeyTakenError,
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../../src/store/eventStore.ts';
import {
  DuplicateEventIdError,
  RESUBSCRIBE_INITIAL_DELAY_MS,
  SUBSCRIPTION_BATCH_EVENTS,
  createEsdbEventStore,
  toEsdbConnectionString,
  type EsdbClient,
  type SubscriptionRetry,
} from '../../src/store/esdb/esdbEventStore.ts';
import {
  KEY_CLAIMED_EVENT_TYPE,
  commandKeyStreamId,
} from '../../src/store/esdb/commandKeyClaims.ts';
import { ulidToUuid } from '../../src/store/ulidUuid.ts';
import { describeEventStoreContract } from './eventStoreContract.ts';
import { ModelEsdbClient } from './esdbModelClient.ts';

const ESDB_IMAGE = process.env.POTLEDGER_ESDB_IMAGE ?? 'eventstore/eventstore:24.10';
const ESDB_PORT = 2113;
/** First start pulls the image, which can take a while on a slow link. */
const CONTAINER_STARTUP_TIMEOUT_MS = 180_000;
/** /health/live answers before the node is leader; appends are retried until it is. */
const SERVER_WRITABLE_TIMEOUT_MS = 60_000;
const DELIVERY_TIMEOUT_MS = 10_000;
/** A resubscription waits out backoff and the client's reconnection: allow it longer. */
const RESUBSCRIBE_TIMEOUT_MS = 30_000;
const QUIET_PERIOD_MS = 200;

type DockerEngine =
  { readonly available: true } | { readonly available: false; readonly reason: string };

async function detectDockerEngine(): Promise<DockerEngine> {
  try {
    await getContainerRuntimeClient();
    return { available: true };
  } catch (error) {
    const where =
      process.env.DOCKER_HOST === undefined
        ? 'DOCKER_HOST unset'
        : `DOCKER_HOST=${process.env.DOCKER_HOST}`;
    return {
      available: false,
      reason: `${where}; testcontainers: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

const docker = await detectDockerEngine();
if (!docker.available)
  console.warn(`EventStoreDB tests skipped: no Docker engine (${docker.reason})`);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

function newEvent(data: unknown = { amount: '10.00' }): NewEvent {
  return {
    eventId: ulid(),
    type: 'ContributionReceived',
    data,
    metadata: {
      commandId: ulid(),
      correlationId: ulid(),
      actor: { sub: 'alice', role: 'finance-officer', agencyId: 'essex-police' },
      recordedAt: '2025-06-01T09:30:00.000Z',
    },
  };
}

function newEvents(count: number): NewEvent[] {
  return Array.from({ length: count }, (_, n) => newEvent({ n }));
}

const potStream = (): string => `pot-${ulid()}`;

describe('eventstoredb adapter, against a model of the client', () => {
  let model: ModelEsdbClient;
  let store: EventStore;
  let retries: SubscriptionRetry[];

  beforeEach(() => {
    model = new ModelEsdbClient();
    retries = [];
    store = createEsdbEventStore(model as unknown as EsdbClient, {
      onSubscriptionRetry: (retry) => retries.push(retry),
    });
  });

  afterEach(async () => {
    await store.close();
  });

  it('writes ULID event ids as UUIDs and reads the ULIDs back, with commit positions as bigint', async () => {
    const streamId = potStream();
    const events = newEvents(3);
    const { positions, lastRevision } = await store.append(streamId, events, 'no-stream');

    expect(lastRevision).toBe(2n);
    const written = model.log.filter((r) => r.streamId === streamId);
    expect(written.map((r) => r.id)).toEqual(events.map((e) => ulidToUuid(e.eventId)));
    expect(positions).toEqual(written.map((r) => r.position));
    const read = await store.readStream(streamId);
    expect(read.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    expect(read.map((e) => e.metadata)).toEqual(events.map((e) => e.metadata));
    expect(read.map((e) => typeof e.position)).toEqual(['bigint', 'bigint', 'bigint']);
  });

  it('maps a refused expected revision, with the actual revision', async () => {
    const streamId = potStream();
    await store.append(streamId, newEvents(2), 'no-stream');

    await expect(store.append(streamId, newEvents(1), 'no-stream')).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_REVISION',
      expected: 'no-stream',
      actual: 1n,
    });
    await expect(store.append(potStream(), newEvents(1), 0n)).rejects.toMatchObject({
      expected: 0n,
      actual: 'no-stream',
    });
    await expect(store.append(streamId, newEvents(1), 0n)).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
  });

  it('turns EventStoreDB’s idempotent "success" for repeated ids into a refusal, writing nothing', async () => {
    const streamId = potStream();
    const first = [newEvent(), newEvent()];
    await store.append(streamId, first, 'no-stream');
    const logLength = model.log.length;

    await expect(store.append(streamId, first, 'any')).rejects.toBeInstanceOf(
      DuplicateEventIdError,
    );
    await expect(store.append(streamId, first, 'no-stream')).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_REVISION',
      expected: 'no-stream',
      actual: 1n,
    });
    await store.append(streamId, newEvents(1), 1n);
    // The model, like EventStoreDB, answers this retry of revision 0..1 with "already written".
    await expect(store.append(streamId, first, 'no-stream')).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
    expect(model.log.length).toBe(logLength + 1);
  });

  it('refuses a batch that repeats an event id within itself', async () => {
    const event = newEvent();
    await expect(
      store.append(potStream(), [event, newEvent(), event], 'no-stream'),
    ).rejects.toBeInstanceOf(DuplicateEventIdError);
    expect(model.log).toHaveLength(1);
  });

  it('cannot refuse an event id already used in another stream (EventStoreDB has no index by id)', async () => {
    // The documented gap: the contract suite's cross-stream cases fail against EventStoreDB.
    const event = newEvent();
    await store.append(potStream(), [event], 'no-stream');
    await expect(store.append(potStream(), [event], 'no-stream')).resolves.toMatchObject({
      lastRevision: 0n,
    });
  });

  it('refuses, before any I/O, what EventStoreDB could not store or potledger could not read back', async () => {
    await expect(store.append('other-1', newEvents(1), 'any')).rejects.toThrow(/potledger streams/);
    await expect(store.append('pot-', newEvents(1), 'any')).rejects.toThrow(/potledger streams/);
    await expect(store.append(potStream(), [], 'any')).rejects.toThrow(/empty/);
    await expect(
      store.append(potStream(), [{ ...newEvent(), eventId: 'w0-1' }], 'any'),
    ).rejects.toThrow(/ULID/);
    await expect(
      store.append(potStream(), [{ ...newEvent(), eventId: ulid().toLowerCase() }], 'any'),
    ).rejects.toThrow(/ULID/);
    await expect(store.append(potStream(), [newEvent({ amount: 10n })], 'any')).rejects.toThrow(
      TypeError,
    );
    await expect(
      store.append(potStream(), [{ ...newEvent(), data: undefined }], 'any'),
    ).rejects.toThrow(/JSON/);
    await expect(store.append(potStream(), newEvents(1), -1n)).rejects.toThrow(RangeError);
    await expect(store.readAll(0n, Number.NaN)).rejects.toThrow(RangeError);
    expect(() => store.subscribe(-1n, () => undefined)).toThrow(RangeError);
    expect(model.log).toHaveLength(1);
  });

  it('reads $all after any cursor, even one that is no event’s position, hiding other streams', async () => {
    const streamId = potStream();
    const { positions } = await store.append(streamId, newEvents(4), 'no-stream');
    model.write('other-app', [jsonEvent({ type: 'Foreign', data: {} })]);
    model.write('$stats', [jsonEvent({ type: 'Stats', data: {} })]);
    const later = await store.append('agency-essex-police', newEvents(1), 'no-stream');

    const all = await store.readAll(0n, 100);
    expect(all.map((e) => e.position)).toEqual([...positions, ...later.positions]);
    expect(await store.readAll(positions[1]!, 2)).toMatchObject([
      { position: positions[2] },
      { position: positions[3] },
    ]);
    // Between two events: the model, like EventStoreDB, refuses to read from there.
    const fresh = createEsdbEventStore(model as unknown as EsdbClient);
    try {
      expect((await fresh.readAll(positions[2]! - 1n, 1)).map((e) => e.position)).toEqual([
        positions[2],
      ]);
      expect((await fresh.readAll(positions[3]! + 1n, 10)).map((e) => e.position)).toEqual(
        later.positions,
      );
    } finally {
      await fresh.close();
    }
    expect(await store.readAll(later.positions[0]!, 10)).toEqual([]);
  });

  it('pages through a long $all with foreign events in between, never repeating or skipping one', async () => {
    const positions: bigint[] = [];
    for (let i = 0; i < 25; i += 1) {
      positions.push(...(await store.append(potStream(), newEvents(100), 'no-stream')).positions);
      model.write(
        `other-${i}`,
        Array.from({ length: 30 }, () => jsonEvent({ type: 'Foreign', data: {} })),
      );
    }
    const read: bigint[] = [];
    let cursor = 0n;
    for (;;) {
      const page = await store.readAll(cursor, 333);
      if (page.length === 0) break;
      read.push(...page.map((e) => e.position));
      cursor = page[page.length - 1]!.position;
    }
    expect(read).toEqual(positions);
  });

  it('reports the head as the last potledger event, past later system events', async () => {
    expect(await store.headPosition()).toBe(0n);
    const { positions } = await store.append(potStream(), newEvents(2), 'no-stream');
    model.write(
      '$stats',
      Array.from({ length: 2_500 }, () => jsonEvent({ type: 'Stats', data: {} })),
    );
    expect(await store.headPosition()).toBe(positions[1]);
  });

  it('delivers catch-up in batches, then live events, then resumes from its checkpoint after a drop', async () => {
    const streamId = potStream();
    const before = await store.append(streamId, newEvents(2_500), 'no-stream');
    const batches: RecordedEvent[][] = [];
    const subscription = store.subscribe(0n, async (batch) => {
      batches.push(batch);
      await sleep(1);
    });
    const received = (): RecordedEvent[] => batches.flat();
    try {
      await waitFor(() => received().length === 2_500, 'catch-up');
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(
        SUBSCRIPTION_BATCH_EVENTS,
      );
      expect(batches.length).toBeLessThan(2_500);

      model.dropSubscriptions();
      const whileDown = await store.append(streamId, newEvents(3), 2_499n);
      await waitFor(
        () => received().length === 2_503,
        'events appended while the subscription was down',
      );
      const live = await store.append(streamId, newEvents(2), 2_502n);
      await waitFor(() => received().length === 2_505, 'live events after resubscribing');
      await sleep(QUIET_PERIOD_MS);

      expect(received().map((e) => e.position)).toEqual([
        ...before.positions,
        ...whileDown.positions,
        ...live.positions,
      ]);
      expect(retries).toHaveLength(1);
      expect(retries[0]).toMatchObject({
        afterPosition: before.positions[2_499],
        attempt: 1,
        delayMs: RESUBSCRIBE_INITIAL_DELAY_MS,
      });
      expect(retries[0]!.error).toBeInstanceOf(UnavailableError);
      // Resumed from the checkpoint itself (an event position), not from the start.
      expect(model.subscribeCalls).toEqual([
        START,
        { commit: before.positions[2_499], prepare: before.positions[2_499] },
      ]);
    } finally {
      subscription.close();
    }
  });

  it('starts strictly after a cursor that is no event’s position', async () => {
    const { positions } = await store.append(potStream(), newEvents(4), 'no-stream');
    const fresh = createEsdbEventStore(model as unknown as EsdbClient);
    const received: RecordedEvent[] = [];
    const subscription = fresh.subscribe(positions[2]! - 1n, (batch) => {
      received.push(...batch);
    });
    try {
      await waitFor(() => received.length >= 2, 'events from the third on');
      await sleep(QUIET_PERIOD_MS);
      expect(received.map((e) => e.position)).toEqual(positions.slice(2));
    } finally {
      subscription.close();
      await fresh.close();
    }
  });

  it('stops and reports when the handler throws, without resubscribing', async () => {
    const failure = new UnavailableError(undefined, 'the projection’s own database is down');
    const errors: unknown[] = [];
    let calls = 0;
    const subscription = store.subscribe(
      0n,
      () => {
        calls += 1;
        throw failure;
      },
      { onError: (error) => errors.push(error) },
    );
    await store.append(potStream(), newEvents(1), 'no-stream');
    await waitFor(() => errors.length === 1, 'the error report');
    await store.append(potStream(), newEvents(1), 'no-stream');
    await sleep(QUIET_PERIOD_MS);
    expect(errors).toEqual([failure]);
    expect(calls).toBe(1);
    expect(retries).toEqual([]);
    subscription.close();
  });

  it('reports an error a resubscription would only meet again, instead of retrying', async () => {
    const errors: unknown[] = [];
    store.subscribe(0n, () => undefined, { onError: (error) => errors.push(error) });
    await waitFor(() => model.subscriptions.size === 1, 'the subscription');
    const denied = new AccessDeniedError(undefined, 'access denied');
    model.dropSubscriptions(denied);
    await waitFor(() => errors.length === 1, 'the error report');
    expect(errors).toEqual([denied]);
    expect(retries).toEqual([]);
  });

  it('delivers nothing after close, and refuses work once the store is closed', async () => {
    const received: RecordedEvent[] = [];
    const subscription = store.subscribe(0n, (batch) => {
      received.push(...batch);
    });
    await store.append(potStream(), newEvents(1), 'no-stream');
    await waitFor(() => received.length === 1, 'the first event');
    subscription.close();
    await store.append(potStream(), newEvents(1), 'no-stream');
    await sleep(QUIET_PERIOD_MS);
    expect(received).toHaveLength(1);

    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
    await expect(store.append(potStream(), newEvents(1), 'any')).rejects.toThrow(/closed/);
    expect(() => store.subscribe(0n, () => undefined)).toThrow(/closed/);
  });
});

describe('eventstoredb connection strings', () => {
  it('accepts esdb:// and KurrentDB’s kurrentdb://, and nothing else', () => {
    expect(toEsdbConnectionString('esdb://localhost:2113?tls=false')).toBe(
      'esdb://localhost:2113?tls=false',
    );
    expect(toEsdbConnectionString('kurrentdb://admin:changeit@db:2113')).toBe(
      'esdb://admin:changeit@db:2113',
    );
    expect(toEsdbConnectionString('kurrentdb+discover://db:2113')).toBe('esdb+discover://db:2113');
    expect(() => toEsdbConnectionString('postgres://db/ledger')).toThrow(/esdb:\/\//);
    expect(() => createEsdbEventStore('sqlite:ledger.db')).toThrow(/esdb:\/\//);
  });
});

// ---------------------------------------------------------------------------------------------
// A real EventStoreDB, when a Docker engine is reachable.
// ---------------------------------------------------------------------------------------------

/** A TCP proxy that can cut every connection through it, to drop the client's connection on demand. */
async function startDroppableProxy(targetHost: string, targetPort: number) {
  const sockets = new Set<Socket>();
  let refusing = false;
  const server = createServer((inbound) => {
    if (refusing) {
      inbound.destroy();
      return;
    }
    const outbound = connect(targetPort, targetHost);
    const pair = [inbound, outbound];
    for (const socket of pair) {
      sockets.add(socket);
      socket.on('error', () => pair.forEach((s) => s.destroy()));
      socket.on('close', () => {
        sockets.delete(socket);
        pair.forEach((s) => s.destroy());
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    /** Cuts every connection and refuses new ones until `resume`. */
    drop() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    resume() {
      refusing = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function waitUntilWritable(connectionString: string): Promise<void> {
  const client = EventStoreDBClient.connectionString(connectionString);
  const deadline = Date.now() + SERVER_WRITABLE_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        await client.appendToStream(
          `warmup-${randomUUID()}`,
          jsonEvent({ type: 'Warmup', data: {} }),
        );
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  } finally {
    await client.dispose();
  }
}

const describeWithDocker = docker.available ? describe : describe.skip;
const realServerSuiteName = docker.available
  ? `eventstoredb (${ESDB_IMAGE} via testcontainers)`
  : `eventstoredb (skipped: no Docker engine: ${docker.reason})`;

describeWithDocker(realServerSuiteName, () => {
  let container: StartedTestContainer | undefined;
  let connectionString = '';
  let host = '';
  let mappedPort = 0;

  beforeAll(async () => {
    container = await new GenericContainer(ESDB_IMAGE)
      .withEnvironment({
        EVENTSTORE_INSECURE: 'true',
        EVENTSTORE_RUN_PROJECTIONS: 'None',
        EVENTSTORE_MEM_DB: 'true',
      })
      .withExposedPorts(ESDB_PORT)
      .withWaitStrategy(
        Wait.forHttp('/health/live', ESDB_PORT).forStatusCodeMatching(
          (status) => status >= 200 && status < 300,
        ),
      )
      .withStartupTimeout(CONTAINER_STARTUP_TIMEOUT_MS)
      .start();
    host = container.getHost();
    mappedPort = container.getMappedPort(ESDB_PORT);
    connectionString = `esdb://${host}:${mappedPort}?tls=false`;
    await waitUntilWritable(connectionString);
  }, CONTAINER_STARTUP_TIMEOUT_MS + SERVER_WRITABLE_TIMEOUT_MS);

  afterAll(async () => {
    await container?.stop();
  });

  describeEventStoreContract(
    'eventstoredb',
    async () => {
      const store = createEsdbEventStore(connectionString);
      return { store, cleanup: () => store.close() };
    },
    { refusesEventIdsAcrossStreams: false },
  );

  describe('eventstoredb specifics', () => {
    let store: EventStore;
    let raw: EventStoreDBClient;

    beforeEach(() => {
      store = createEsdbEventStore(connectionString);
      raw = EventStoreDBClient.connectionString(connectionString);
    });

    afterEach(async () => {
      await store.close();
      await raw.dispose();
    });

    it('stores ULIDs as UUIDs, and gives one multi-event append distinct commit = prepare positions', async () => {
      const streamId = potStream();
      const events = newEvents(5);
      const { positions } = await store.append(streamId, events, 'no-stream');

      const stored = [];
      for await (const resolvedEvent of raw.readStream(streamId)) stored.push(resolvedEvent.event!);
      expect(stored.map((e) => e.id)).toEqual(events.map((e) => ulidToUuid(e.eventId)));
      // The premise of using the commit position as the port's position.
      expect(stored.map((e) => e.position?.commit)).toEqual(positions);
      expect(stored.map((e) => e.position?.prepare)).toEqual(positions);
      for (let i = 1; i < positions.length; i += 1)
        expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
    });

    it('refuses a repeated append that EventStoreDB itself would answer with "success"', async () => {
      const streamId = potStream();
      const events = newEvents(2);
      await store.append(streamId, events, 'no-stream');
      // What the server says on its own: success, nothing written.
      const direct = await raw.appendToStream(
        streamId,
        events.map((e) =>
          jsonEvent({
            id: ulidToUuid(e.eventId),
            type: e.type,
            data: e.data as JSONType,
            metadata: e.metadata,
          }),
        ),
        { expectedRevision: NO_STREAM },
      );
      expect(direct.nextExpectedRevision).toBe(1n);

      await expect(store.append(streamId, events, 'no-stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(store.append(streamId, events, 'any')).rejects.toBeInstanceOf(
        DuplicateEventIdError,
      );
      expect(await store.readStream(streamId)).toHaveLength(2);
    });

    it('writes an event id already used in another stream: the documented gap', async () => {
      const event = newEvent();
      await store.append(potStream(), [event], 'no-stream');
      await expect(store.append(potStream(), [event], 'no-stream')).resolves.toMatchObject({
        lastRevision: 0n,
      });
    });

    it('refuses a command key reused on another stream from another connection, and keeps its key stream hidden', async () => {
      const key = { sub: 'alice', commandId: ulid() };
      const other = createEsdbEventStore(connectionString);
      try {
        const head = await store.headPosition();
        const [streamA, streamB] = [potStream(), potStream()];
        const [accepted] = await store.appendBatch([
          { streamId: streamA, events: newEvents(2), expected: 'no-stream', commandKey: key },
        ]);
        expect(accepted).toMatchObject({ lastRevision: 1n });
        // The claim is in EventStoreDB itself, written with expected revision no-stream.
        const claims = [];
        for await (const r of raw.readStream(commandKeyStreamId(key))) claims.push(r.event!);
        expect(claims.map((e) => [e.type, e.revision])).toEqual([[KEY_CLAIMED_EVENT_TYPE, 0n]]);

        const [refused] = await other.appendBatch([
          { streamId: streamB, events: newEvents(1), expected: 'no-stream', commandKey: key },
        ]);
        expect(refused).toBeInstanceOf(IdempotencyKeyTakenError);
        expect(refused).toMatchObject({ takenByStreamId: streamA });
        expect(await other.readStream(streamB)).toEqual([]);
        expect(await other.commandKeyStream(key)).toBe(streamA);
        const [again] = await other.appendBatch([
          { streamId: streamA, events: newEvents(1), expected: 1n, commandKey: key },
        ]);
        expect(again).toBeInstanceOf(WrongExpectedRevisionError);

        expect((await store.readAll(head, 100)).map((e) => e.streamId)).toEqual([streamA, streamA]);
      } finally {
        await other.close();
      }
    });

    it('hides streams that are not potledger’s from readAll and subscribe', async () => {
      const head = await store.headPosition();
      const received: RecordedEvent[] = [];
      const subscription = store.subscribe(head, (batch) => {
        received.push(...batch);
      });
      try {
        await raw.appendToStream(`other-${ulid()}`, jsonEvent({ type: 'Foreign', data: {} }));
        const { positions } = await store.append(potStream(), newEvents(1), 'no-stream');
        await waitFor(() => received.length >= 1, 'the potledger event');
        await sleep(QUIET_PERIOD_MS);
        expect(received.map((e) => e.position)).toEqual(positions);
        expect((await store.readAll(head, 100)).map((e) => e.position)).toEqual(positions);
      } finally {
        subscription.close();
      }
    });

    it(
      'resubscribes from its checkpoint after the connection drops: no gap, no duplicate',
      async () => {
        const proxy = await startDroppableProxy(host, mappedPort);
        const retries: SubscriptionRetry[] = [];
        const subscriber = createEsdbEventStore(`esdb://127.0.0.1:${proxy.port}?tls=false`, {
          onSubscriptionRetry: (retry) => retries.push(retry),
        });
        const received: RecordedEvent[] = [];
        const head = await store.headPosition();
        const subscription = subscriber.subscribe(head, (batch) => {
          received.push(...batch);
        });
        try {
          const streamId = potStream();
          await store.append(streamId, newEvents(5), 'no-stream');
          await waitFor(() => received.length === 5, 'events before the drop');

          proxy.drop();
          await store.append(streamId, newEvents(5), 4n);
          await waitFor(
            () => retries.length >= 1,
            'the subscription to notice the drop',
            RESUBSCRIBE_TIMEOUT_MS,
          );
          proxy.resume();
          await store.append(streamId, newEvents(5), 9n);
          await waitFor(
            () => received.length >= 15,
            'events after resubscribing',
            RESUBSCRIBE_TIMEOUT_MS,
          );
          await sleep(QUIET_PERIOD_MS);

          const log = await store.readAll(head, 100);
          expect(received.map((e) => e.position)).toEqual(log.map((e) => e.position));
          expect(received).toEqual(log);
          expect(retries[0]!.afterPosition).toBe(log[4]!.position);
        } finally {
          subscription.close();
          await subscriber.close();
          await proxy.close();
        }
      },
      RESUBSCRIBE_TIMEOUT_MS * 2,
    );
  });
});
