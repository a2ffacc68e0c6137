/**
 * The PostgreSQL store across a restart of its database (a private cluster, so stopping it
 * disturbs no other test file): while the database is down every call fails with
 * StoreUnavailableError, a live subscription waits instead of stopping, and once the database is
 * back the same store object appends again and the subscription delivers every event exactly once.
 */
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  StoreUnavailableError,
  type NewEvent,
  type RecordedEvent,
} from '../../src/store/eventStore.ts';
import {
  createPostgresEventStore,
  type PostgresEventStore,
} from '../../src/store/postgres/postgresEventStore.ts';
import {
  privateClusterUnavailableReason,
  startPrivateCluster,
  type PrivateCluster,
} from '../support/pgCluster.ts';

const DELIVERY_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 20;
const OUTAGE_MS = 1_500;

const skipReason = privateClusterUnavailableReason();
if (skipReason !== undefined) console.warn(`[postgresOutage] SKIPPED: ${skipReason}`);

function newEvent(n: number): NewEvent {
  return {
    eventId: ulid(),
    type: 'TestHappened',
    data: { n },
    metadata: {
      commandId: ulid(),
      correlationId: ulid(),
      actor: { sub: 'alice', role: 'admin' },
      recordedAt: '2025-06-01T09:30:00.000Z',
    },
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

describe.skipIf(skipReason !== undefined)('the PostgreSQL store when its database restarts', () => {
  let cluster: PrivateCluster;
  let store: PostgresEventStore;

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    store = await createPostgresEventStore(cluster.primary.url());
  });
  afterAll(async () => {
    await store?.close();
    await cluster?.destroy();
  });

  it('fails calls with StoreUnavailableError while down; the subscription waits and delivers everything once after', async () => {
    const delivered: RecordedEvent[] = [];
    const errors: unknown[] = [];
    const subscription = store.subscribe(0n, (batch) => void delivered.push(...batch), {
      onError: (error) => errors.push(error),
    });
    const stream = `pot-${ulid()}`;
    await store.append(stream, [newEvent(0), newEvent(1)], 'no-stream');
    await until(() => delivered.length === 2, 'the first two events');

    await cluster.primary.stop();
    await expect(store.append(stream, [newEvent(2)], 1n)).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(store.ping()).rejects.toMatchObject({ reason: 'connection refused' });
    await expect(store.headPosition()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.readStream(stream)).rejects.toBeInstanceOf(StoreUnavailableError);
    // Long enough for the subscription's reads to fail several times over.
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await cluster.primary.start();

    await store.append(stream, [newEvent(2), newEvent(3)], 1n);
    await until(() => delivered.length >= 4, 'the events appended after the restart');
    subscription.close();
    expect(errors).toEqual([]);
    expect(delivered.map((event) => event.position)).toEqual([1n, 2n, 3n, 4n]);
    expect(delivered.map((event) => (event.data as { n: number }).n)).toEqual([0, 1, 2, 3]);
  });
});
