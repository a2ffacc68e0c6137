/**
 * The event store unreachable (a database restart, a failover): writes and the store-backed reads
 * answer 503 STORE_UNAVAILABLE with Retry-After and say whether anything may have been recorded;
 * /health says why; once the store answers again, so does the ledger. The real thing, with a
 * PostgreSQL cluster stopped and started under running servers, is test/deploy/postgresRestart.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError, type EventStore } from '../../src/store/eventStore.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { essexScenario, createTestLedger, type TestLedger } from '../support/testLedger.ts';
import { expectProblem } from './helpers.ts';

let ledger: TestLedger | undefined;
afterEach(async () => {
  await ledger?.close();
  ledger = undefined;
});

/** A SQLite store that fails like an unreachable database while `outage` names how. */
function storeWithOutages() {
  const inner = createSqliteEventStore(':memory:');
  const state: { outage: StoreUnavailableError | undefined } = { outage: undefined };
  const guard = <T>(work: () => Promise<T>): Promise<T> =>
    state.outage === undefined ? work() : Promise.reject(state.outage);
  const store: EventStore = {
    ...inner,
    append: (...args) => guard(() => inner.append(...args)),
    appendBatch: (...args) => guard(() => inner.appendBatch(...args)),
    readStream: (...args) => guard(() => inner.readStream(...args)),
    readAll: (...args) => guard(() => inner.readAll(...args)),
    readPositions: (...args) => guard(() => inner.readPositions(...args)),
    headPosition: () => guard(() => inner.headPosition()),
    ping: () => guard(() => inner.ping()),
  };
  return { store, state };
}

const contribution = (reference: string) => ({
  agencyId: 'essex-cc',
  amount: '10.00',
  effectiveDate: '2025-05-01',
  reference,
});

describe('the event store unreachable', () => {
  it('a write answers 503 STORE_UNAVAILABLE with Retry-After, recorded "no", and succeeds once the store is back', async () => {
    const { store, state } = storeWithOutages();
    ledger = await createTestLedger({ store });
    const { potId, tokens } = await essexScenario(ledger);
    state.outage = new StoreUnavailableError('connection refused');

    const down = await ledger.post(
      `/v1/pots/${potId}/contributions`,
      tokens.cc,
      contribution('X'),
      {
        'idempotency-key': 'outage-1',
      },
    );
    const body = expectProblem(down, 503, 'STORE_UNAVAILABLE');
    expect(down.headers['retry-after']).toBe('2');
    expect(body).toMatchObject({ recorded: 'no' });
    expect(body.detail).toBe('connection refused; nothing was recorded');

    state.outage = undefined;
    const back = await ledger.post(
      `/v1/pots/${potId}/contributions`,
      tokens.cc,
      contribution('X'),
      {
        'idempotency-key': 'outage-1',
      },
    );
    expect(back.statusCode).toBe(201);
  });

  it('a write whose commit went unanswered says it may have been recorded, and to retry with the same key', async () => {
    const { store, state } = storeWithOutages();
    ledger = await createTestLedger({ store });
    const { potId, tokens } = await essexScenario(ledger);
    state.outage = new StoreUnavailableError('connection lost', 'unknown');

    const res = await ledger.post(`/v1/pots/${potId}/contributions`, tokens.cc, contribution('Y'));
    const body = expectProblem(res, 503, 'STORE_UNAVAILABLE');
    expect(body).toMatchObject({ recorded: 'unknown' });
    expect(body.detail).toMatch(/may or may not have been recorded.*same Idempotency-Key/);
  });

  it('a read of the log itself answers 503 STORE_UNAVAILABLE for every role that may read it', async () => {
    const { store, state } = storeWithOutages();
    ledger = await createTestLedger({ store });
    await essexScenario(ledger);
    state.outage = new StoreUnavailableError('connection refused');
    for (const role of ['auditor', 'admin'] as const) {
      const res = await ledger.app.inject({
        method: 'GET',
        url: '/v1/events?limit=10',
        headers: { authorization: `Bearer ${ledger.token(role)}` },
      });
      expectProblem(res, 503, 'STORE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('2');
    }
  });

  it('the audit trail (its entries are read from the log) answers 503 STORE_UNAVAILABLE, JSON and CSV, and the same page once the store is back', async () => {
    const { store, state } = storeWithOutages();
    ledger = await createTestLedger({ store });
    await essexScenario(ledger);
    const before = await ledger.get('/v1/audit?limit=5', ledger.token('auditor'));
    expect(before.statusCode).toBe(200);
    state.outage = new StoreUnavailableError('connection refused');
    for (const url of ['/v1/audit?limit=5', '/v1/audit/export.csv']) {
      const res = await ledger.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${ledger.token('auditor')}` },
      });
      expectProblem(res, 503, 'STORE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('2');
    }
    state.outage = undefined;
    const after = await ledger.get('/v1/audit?limit=5', ledger.token('auditor'));
    expect(after.body).toBe(before.body);
  });

  it('a historical read (atPosition) answers 503 STORE_UNAVAILABLE; the live books go on answering', async () => {
    const { store, state } = storeWithOutages();
    ledger = await createTestLedger({ store });
    const { potId, tokens } = await essexScenario(ledger);
    await ledger.get(`/v1/pots/${potId}`, tokens.auditor);
    state.outage = new StoreUnavailableError('connection refused');
    const live = await ledger.app.inject({
      method: 'GET',
      url: `/v1/pots/${potId}`,
      headers: { authorization: `Bearer ${tokens.auditor}` },
    });
    expect(live.statusCode).toBe(200);
    const historical = await ledger.app.inject({
      method: 'GET',
      url: `/v1/pots/${potId}?atPosition=3`,
      headers: { authorization: `Bearer ${tokens.auditor}` },
    });
    expectProblem(historical, 503, 'STORE_UNAVAILABLE');
  });

  it('/health answers 503 with the kind of failure and Retry-After, and 200 again once the store is back', async () => {
    const { store, state } = storeWithOutages();
    ledger = await createTestLedger({ store });
    state.outage = new StoreUnavailableError('the database server was shut down');
    const down = await ledger.app.inject({ method: 'GET', url: '/health' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('2');
    expect(down.json()).toEqual({
      status: 'unavailable',
      store: 'unreachable',
      detail: 'the event store did not answer: the database server was shut down',
    });
    state.outage = undefined;
    expect((await ledger.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
