/**
 * Issue 13, item 1: historical answers (asAt / atPosition books, pot statements) never stall
 * live traffic. They are built off the event loop (worker threads with their own connection to
 * the log; main-thread folds in slices where no other thread can reach it), at most
 * MAX_CONCURRENT_HISTORICAL_FOLDS at once, at most MAX_HISTORICAL_QUEUE waiting (503
 * HISTORY_BUSY beyond), each within a time budget (503 HISTORY_TIMEOUT past it).
 *
 * The proofs are orderings, not timings: live requests answer while historical ones are still
 * outstanding. The figures (live p99 idle and under historical load) are in `npm run bench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MAX_CONCURRENT_HISTORICAL_FOLDS,
  MAX_HISTORICAL_QUEUE,
} from '../../src/books/historicalBooks.ts';
import { HISTORY_RETRY_AFTER_SECONDS } from '../../src/books/historyPool.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import {
  createTestLedger,
  essexScenario,
  expectCreated,
  testStoreKind,
  type Scenario,
  type TestLedger,
} from '../support/testLedger.ts';
import { bearer, expectProblem, type Response } from './helpers.ts';

/** Contributions written before the load: with the scenario, a log of a few thousand events. */
const SEED_CONTRIBUTIONS = 2_000;
const SEED_PARALLEL_WRITES = 50;
/** As many historical requests as the gate admits at once: every one is accepted, none refused. */
const PARALLEL_HISTORICAL = MAX_CONCURRENT_HISTORICAL_FOLDS + MAX_HISTORICAL_QUEUE;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function sqliteFilePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'potledger-history-'));
  dirs.push(dir);
  return join(dir, 'ledger.db');
}

/** An in-memory store (so no worker can reach it) whose readAll can be held: the folds wait, the live path does not. */
function holdableStore() {
  const { readerLocation: _none, ...inner } = createSqliteEventStore(':memory:');
  let held: Promise<void> | undefined;
  let letGo = (): void => undefined;
  const store: EventStore = {
    ...inner,
    async readAll(after, limit) {
      if (held !== undefined) await held;
      return inner.readAll(after, limit);
    },
  };
  return {
    store,
    hold() {
      held = new Promise<void>((resolve) => (letGo = resolve));
    },
    release() {
      held = undefined;
      letGo();
    },
  };
}

function contribution(s: Scenario, i: number) {
  const month = String(4 + (i % 9)).padStart(2, '0');
  return {
    agencyId: 'essex-cc',
    amount: '1.00',
    effectiveDate: `2025-${month}-15`,
    reference: `SEED-${i}`,
  };
}

async function seed(ledger: TestLedger, s: Scenario): Promise<void> {
  for (let from = 0; from < SEED_CONTRIBUTIONS; from += SEED_PARALLEL_WRITES) {
    const batch = Array.from({ length: SEED_PARALLEL_WRITES }, (_, k) =>
      ledger.post(`/v1/pots/${s.potId}/contributions`, s.tokens.cc, contribution(s, from + k)),
    );
    await Promise.all(batch.map((write) => expectCreated(write)));
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turns = 0; !condition(); turns += 1) {
    if (turns > 1_000_000) throw new Error(`never happened: ${what}`);
    await turn();
  }
}

/** Which stores to load: the suite's own (in-memory SQLite, or PostgreSQL), and a SQLite file on SQLite runs. */
const stores: Array<{
  name: string;
  where: 'worker' | 'main-thread';
  open: () => EventStore | undefined;
}> = [
  {
    name: `the suite store (${testStoreKind()})`,
    where: testStoreKind() === 'postgres' ? 'worker' : 'main-thread',
    open: () => undefined,
  },
  ...(testStoreKind() === 'sqlite'
    ? [
        {
          name: 'a SQLite file',
          where: 'worker' as const,
          open: () => createSqliteEventStore(sqliteFilePath()),
        },
      ]
    : []),
];

describe.each(stores)(
  'historical reads under load, on $name (folds run: $where)',
  ({ where, open }) => {
    it(`with ${PARALLEL_HISTORICAL} historical reads and statements outstanding, /health, a contribution, a live read and background writes all answer before the last of them`, async () => {
      const store = open();
      const ledger = await createTestLedger(store === undefined ? {} : { store });
      try {
        expect(ledger.historical.pool.where).toBe(where);
        const s = await essexScenario(ledger);
        await seed(ledger, s);
        const base = await ledger.app.listen({ port: 0, host: '127.0.0.1' });
        const head = await ledger.store.headPosition();
        const auth = bearer(s.tokens.reporter);
        const finished: string[] = [];
        const send = (name: string, path: string, init: RequestInit = {}) =>
          fetch(`${base}${path}`, {
            ...init,
            headers: { ...auth, ...(init.headers as Record<string, string> | undefined) },
          }).then(async (response) => {
            const body = await response.text();
            finished.push(name);
            return { status: response.status, body };
          });

        const acceptedBefore = ledger.historical.pool.load().accepted;
        // Every request a different point, so none is answered from another's fold or the cache.
        const historical = Array.from({ length: PARALLEL_HISTORICAL }, (_, i) => {
          const atPosition = head - BigInt(i);
          return i % 3 === 2
            ? send(
                'historical',
                `/v1/pots/${s.potId}/statement?financialYear=2025-26&atPosition=${atPosition}`,
              )
            : send(
                'historical',
                `/v1/pots?asAt=2025-${String(4 + (i % 9)).padStart(2, '0')}-20&atPosition=${atPosition}`,
              );
        });
        let historicalSettled = false;
        const allHistorical = Promise.all(historical).finally(() => (historicalSettled = true));
        // Live requests go out only once every historical one is inside the gate.
        await until(
          () =>
            historicalSettled ||
            ledger.historical.pool.load().accepted - acceptedBefore === PARALLEL_HISTORICAL,
          'all historical requests accepted',
        );

        let writes = 0;
        const writer = (async () => {
          for (let i = 0; !historicalSettled; i += 1) {
            const written = await send('write', `/v1/pots/${s.potId}/contributions`, {
              method: 'POST',
              headers: { ...bearer(s.tokens.cc), 'content-type': 'application/json' },
              body: JSON.stringify(contribution(s, SEED_CONTRIBUTIONS + 1_000 + i)),
            });
            expect(written.status, written.body).toBe(201);
            writes += 1;
          }
        })();
        const live = await Promise.all([
          send('health', '/health'),
          send('contribution', `/v1/pots/${s.potId}/contributions`, {
            method: 'POST',
            headers: { ...bearer(s.tokens.police), 'content-type': 'application/json' },
            body: JSON.stringify({
              agencyId: 'essex-police',
              amount: '5.00',
              effectiveDate: '2025-05-01',
              reference: 'LIVE-1',
            }),
          }),
          send('live read', `/v1/pots/${s.potId}`),
        ]);
        const historicalDoneWhenLiveAnswered = finished.filter(
          (name) => name === 'historical',
        ).length;
        const writesWhenLiveAnswered = writes;

        expect(live.map((r) => r.status)).toEqual([200, 201, 200]);
        expect(
          historicalDoneWhenLiveAnswered,
          `live requests answered only after ${historicalDoneWhenLiveAnswered} of ${PARALLEL_HISTORICAL} historical ones`,
        ).toBeLessThan(PARALLEL_HISTORICAL);
        const answered = await allHistorical;
        await writer;
        expect(answered.map((r) => r.status)).toEqual(answered.map(() => 200));
        expect(writesWhenLiveAnswered + writes).toBeGreaterThan(0);
        expect(ledger.historical.pool.load()).toMatchObject({ running: 0, waiting: 0 });
      } finally {
        await ledger.close();
      }
    }, 120_000);
  },
);

describe(`a full historical gate (${MAX_CONCURRENT_HISTORICAL_FOLDS} running, ${MAX_HISTORICAL_QUEUE} waiting)`, () => {
  it('refuses one more historical read or statement 503 HISTORY_BUSY with Retry-After, appends nothing, and keeps serving live reads and writes', async () => {
    const held = holdableStore();
    const ledger = await createTestLedger({ store: held.store });
    try {
      const s = await essexScenario(ledger);
      for (let i = 0; i < PARALLEL_HISTORICAL; i += 1)
        await expectCreated(
          ledger.post(`/v1/pots/${s.potId}/contributions`, s.tokens.cc, contribution(s, i)),
        );
      const head = await ledger.store.headPosition();
      held.hold();
      const outstanding = Array.from({ length: PARALLEL_HISTORICAL }, (_, i) =>
        ledger.get(`/v1/pots?atPosition=${head - BigInt(i)}`, s.tokens.reporter),
      );
      await until(
        () =>
          ledger.historical.pool.load().running + ledger.historical.pool.load().waiting ===
          PARALLEL_HISTORICAL,
        'the gate is full',
      );
      expect(ledger.historical.pool.load()).toMatchObject({
        running: MAX_CONCURRENT_HISTORICAL_FOLDS,
        waiting: MAX_HISTORICAL_QUEUE,
      });

      const refusals: Response[] = [
        await ledger.get(`/v1/pots?asAt=2025-04-10`, s.tokens.reporter),
        await ledger.get(`/v1/pots/${s.potId}/statement?financialYear=2025-26`, s.tokens.auditor),
        await ledger.get(`/v1/agencies/essex-cc/balances?atPosition=1`, s.tokens.admin),
      ];
      for (const refusal of refusals) {
        expectProblem(refusal, 503, 'HISTORY_BUSY');
        expect(refusal.headers['retry-after']).toBe(String(HISTORY_RETRY_AFTER_SECONDS));
      }
      expect(await ledger.store.headPosition(), 'a refused read appended to the log').toBe(head);

      expect((await ledger.get('/health', null)).statusCode).toBe(200);
      expect((await ledger.get(`/v1/pots/${s.potId}`, s.tokens.reporter)).statusCode).toBe(200);
      await expectCreated(
        ledger.post(`/v1/pots/${s.potId}/contributions`, s.tokens.cc, contribution(s, 1)),
      );

      held.release();
      const answered = await Promise.all(outstanding);
      expect(answered.map((r) => r.statusCode)).toEqual(answered.map(() => 200));
      // Room again once the queue drains.
      expect((await ledger.get(`/v1/pots?asAt=2025-04-10`, s.tokens.reporter)).statusCode).toBe(
        200,
      );
    } finally {
      held.release();
      await ledger.close();
    }
  });
});

describe('the time budget of a historical request', () => {
  const BUDGET_MS = 1_000;

  it(`past its budget (${BUDGET_MS} ms here), a running or waiting historical read answers 503 HISTORY_TIMEOUT with Retry-After; the next one is served`, async () => {
    const held = holdableStore();
    const ledger = await createTestLedger({ store: held.store, historyBudgetMs: BUDGET_MS });
    try {
      const s = await essexScenario(ledger);
      const head = await ledger.store.headPosition();
      held.hold();
      // Two run (held), one waits behind them: all three run out of time.
      const slow = await Promise.all(
        [1n, 2n, 3n].map((back) =>
          ledger.get(`/v1/pots?atPosition=${head - back}`, s.tokens.reporter),
        ),
      );
      for (const refusal of slow) {
        expectProblem(refusal, 503, 'HISTORY_TIMEOUT');
        expect(refusal.headers['retry-after']).toBe(String(HISTORY_RETRY_AFTER_SECONDS));
      }
      expect(ledger.historical.pool.load().waiting).toBe(0);
      held.release();
      // The abandoned folds stop; the gate frees up and answers again.
      await until(() => ledger.historical.pool.load().running === 0, 'abandoned folds stopped');
      const served = await ledger.get(`/v1/pots?atPosition=${head}`, s.tokens.reporter);
      expect(served.statusCode, served.body).toBe(200);
    } finally {
      held.release();
      await ledger.close();
    }
  });

  it.runIf(testStoreKind() === 'sqlite')(
    'in a worker thread: the job is abandoned (the worker stops at its next turn, or is terminated past WORKER_ABANDON_GRACE_MS), the request answers 503 HISTORY_TIMEOUT, live traffic goes on',
    async () => {
      // 1 ms: a worker thread cannot even start in that time, so the budget always runs out.
      const ledger = await createTestLedger({
        store: createSqliteEventStore(sqliteFilePath()),
        historyBudgetMs: 1,
      });
      try {
        expect(ledger.historical.pool.where).toBe('worker');
        const s = await essexScenario(ledger);
        const statement = await ledger.get(
          `/v1/pots/${s.potId}/statement?financialYear=2025-26`,
          s.tokens.reporter,
        );
        expectProblem(statement, 503, 'HISTORY_TIMEOUT');
        expect(statement.headers['retry-after']).toBe(String(HISTORY_RETRY_AFTER_SECONDS));
        expectProblem(
          await ledger.get(`/v1/pots?asAt=2025-04-10`, s.tokens.reporter),
          503,
          'HISTORY_TIMEOUT',
        );
        await until(() => ledger.historical.pool.load().running === 0, 'abandoned jobs stopped');
        expect((await ledger.get('/health', null)).statusCode).toBe(200);
        expect((await ledger.get(`/v1/pots/${s.potId}`, s.tokens.reporter)).statusCode).toBe(200);
      } finally {
        await ledger.close();
      }
    },
  );
});

describe.runIf(testStoreKind() === 'sqlite')('answers built in a worker thread', () => {
  it('equal, byte for byte, the answers folded on the main thread from the same log', async () => {
    const path = sqliteFilePath();
    const urls = (s: Scenario, head: bigint) => [
      '/v1/pots?asAt=2025-04-10',
      '/v1/pots?asAt=2025-06-30',
      `/v1/pots/${s.potId}?atPosition=${head - 3n}`,
      `/v1/agencies/essex-cc/balances?asAt=2025-05-20&atPosition=${head - 1n}`,
      `/v1/flows?potId=${s.potId}&asAt=2025-12-31`,
      `/v1/pots/${s.potId}/statement?financialYear=2025-26`,
      `/v1/pots/${s.potId}/statement?financialYear=2025-26&asAt=2025-07-31&atPosition=${head - 2n}`,
      `/v1/audit?asAt=2025-05-01&limit=5`,
    ];
    const answersOf = async (ledger: TestLedger, s: Scenario) => {
      const head = await ledger.store.headPosition();
      const out: Array<{ url: string; status: number; body: string; position: unknown }> = [];
      for (const url of urls(s, head)) {
        const res = await ledger.get(url, s.tokens.auditor);
        out.push({
          url,
          status: res.statusCode,
          body: res.body,
          position: res.headers['ledger-position'],
        });
      }
      return out;
    };

    const inWorker = await createTestLedger({ store: createSqliteEventStore(path) });
    let s: Scenario;
    let fromWorker;
    try {
      expect(inWorker.historical.pool.where).toBe('worker');
      s = await essexScenario(inWorker);
      for (let i = 0; i < 40; i += 1)
        await expectCreated(
          inWorker.post(`/v1/pots/${s.potId}/contributions`, s.tokens.cc, contribution(s, i)),
        );
      await expectCreated(
        inWorker.post(`/v1/pots/${s.potId}/allocations`, s.tokens.cc, {
          interventionId: s.interventionId,
          amount: '1000.00',
          effectiveDate: '2025-06-01',
          reason: 'first tranche',
        }),
      );
      fromWorker = await answersOf(inWorker, s);
    } finally {
      await inWorker.close();
    }

    const { readerLocation: _none, ...sameFile } = createSqliteEventStore(path);
    const onMainThread = await createTestLedger({ store: sameFile });
    try {
      expect(onMainThread.historical.pool.where).toBe('main-thread');
      const fromMainThread = await answersOf(onMainThread, s);
      expect(fromWorker.map((a) => a.status)).toEqual(fromWorker.map(() => 200));
      expect(fromWorker).toEqual(fromMainThread);
    } finally {
      await onMainThread.close();
    }
  });
});
