/**
 * The operators' routes (issue 19 item 4): Prometheus metrics at /metrics (auditor and admin
 * only), readiness at /ready (distinct from /health), and load shedding with 503 OVERLOADED.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import type { AppendBatchOutcome, AppendRequest } from '../../src/store/eventStore.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServedLedger, type ServedLedger } from '../../src/app/servedLedger.ts';
import { signToken } from '../../src/auth/tokens.ts';
import { createBooksSnapshots } from '../../src/books/snapshots/booksSnapshots.ts';
import { createTestLedger, TEST_JWT_SECRET, type TestLedger } from '../support/testLedger.ts';
import {
  allocate,
  bearer,
  contribute,
  expectProblem,
  expectWritten,
  handSignedToken,
  useScenario,
} from './helpers.ts';

/** One sample's value from Prometheus text: the line `name{labels} value`, labels in any order. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  const ctx = useScenario();

  it('after writes: requests and latency by route, commands by outcome, group-commit sizes, projection lag, store errors', async () => {
    const c = await ctx();
    const route = '/v1/pots/:potId/contributions';
    const body = {
      agencyId: 'essex-cc',
      amount: '10.00',
      effectiveDate: '2025-05-01',
      reference: 'M-1',
    };
    const key = { 'idempotency-key': 'metrics-1' };
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/contributions`, c.tokens.cc, body, key),
      ['contributionId'],
    );
    // The same key and body again: the original answer, counted as replayed.
    expect(
      (await c.ledger.post(`/v1/pots/${c.potId}/contributions`, c.tokens.cc, body, key)).headers[
        'idempotent-replayed'
      ],
    ).toBe('true');
    // The police officer may not contribute for the council: FORBIDDEN.
    expectProblem(
      await c.ledger.post(`/v1/pots/${c.potId}/contributions`, c.tokens.police, body),
      403,
      'FORBIDDEN',
    );
    expectProblem(await allocate(c, '99999999.00'), 409, 'INSUFFICIENT_FUNDS');

    const res = await c.ledger.get('/metrics', c.tokens.auditor);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    const post = { method: 'POST', route };
    // The scenario's two contributions, this test's, and its replay.
    expect(sample(text, 'potledger_http_requests_total', { ...post, status: '201' })).toBe(4);
    expect(sample(text, 'potledger_http_requests_total', { ...post, status: '403' })).toBe(1);
    expect(
      sample(text, 'potledger_http_request_duration_seconds_count', { ...post, status: '201' }),
    ).toBe(4);
    expect(
      sample(text, 'potledger_http_request_duration_seconds_bucket', {
        ...post,
        status: '201',
        le: '+Inf',
      }),
    ).toBe(4);
    expect(sample(text, 'potledger_commands_total', { route, outcome: 'written' })).toBe(3);
    expect(sample(text, 'potledger_commands_total', { route, outcome: 'replayed' })).toBe(1);
    expect(sample(text, 'potledger_commands_total', { route, outcome: 'FORBIDDEN' })).toBe(1);
    expect(
      sample(text, 'potledger_commands_total', {
        route: '/v1/pots/:potId/allocations',
        outcome: 'INSUFFICIENT_FUNDS',
      }),
    ).toBe(1);
    const groups = sample(text, 'potledger_group_commit_batch_requests_count')!;
    expect(groups).toBeGreaterThanOrEqual(1);
    // Every command of the scenario and this test was written in some group.
    expect(sample(text, 'potledger_group_commit_batch_requests_sum')).toBeGreaterThanOrEqual(
      groups,
    );
    expect(sample(text, 'potledger_group_commit_batch_events_sum')).toBeGreaterThanOrEqual(groups);
    expect(sample(text, 'potledger_projection_lag_events')).toBe(0);
    expect(sample(text, 'potledger_projection_failed')).toBe(0);
    expect(sample(text, 'potledger_event_store_errors_total', { operation: 'append' })).toBe(0);
    expect(sample(text, 'potledger_append_conflicts_given_up_total')).toBe(0);
    // No snapshots in this ledger: the series is declared, with no sample.
    expect(text).toContain('# TYPE potledger_books_snapshot_age_seconds gauge');
    expect(sample(text, 'potledger_books_snapshot_age_seconds')).toBeUndefined();
  });

  it('each role: auditor and admin read it; finance officers and reporters 403; no token or a bad one 401', async () => {
    const c = await ctx();
    for (const token of [c.tokens.auditor, c.tokens.admin])
      expect((await c.ledger.get('/metrics', token)).statusCode).toBe(200);
    for (const token of [c.tokens.cc, c.tokens.nhs, c.tokens.reporter])
      expectProblem(await c.ledger.get('/metrics', token), 403, 'FORBIDDEN');
    expectProblem(await c.ledger.get('/metrics', null), 401, 'UNAUTHENTICATED');
    expectProblem(
      await c.ledger.get(
        '/metrics',
        null,
        bearer(handSignedToken({ sub: 'x', role: 'auditor', exp: 1 })),
      ),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('one registry per app: a second ledger in the same process counts only its own requests', async () => {
    const c = await ctx();
    await contribute(c, c.tokens.cc, 'essex-cc', '1.00');
    const other = await createTestLedger();
    try {
      const admin = other.token('admin');
      const text = (await other.get('/metrics', admin)).body;
      expect(
        sample(text, 'potledger_commands_total', {
          route: '/v1/pots/:potId/contributions',
          outcome: 'written',
        }),
      ).toBeUndefined();
      expect(sample(text, 'potledger_group_commit_batch_requests_count')).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('GET /metrics with books snapshots on', () => {
  let ledger: ServedLedger | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('potledger_books_snapshot_age_seconds and _position appear once a snapshot is taken', async () => {
    dir = mkdtempSync(join(tmpdir(), 'potledger-metrics-'));
    ledger = await createServedLedger({
      store: createSqliteEventStore(':memory:'),
      jwtSecret: TEST_JWT_SECRET,
      snapshots: createBooksSnapshots({ dir }),
    });
    const admin = signToken(TEST_JWT_SECRET, { sub: 'alice', role: 'admin' });
    const metrics = async () =>
      (await ledger!.app.inject({ method: 'GET', url: '/metrics', headers: bearer(admin) })).body;
    expect(sample(await metrics(), 'potledger_books_snapshot_age_seconds')).toBeUndefined();
    const written = await ledger.app.inject({
      method: 'POST',
      url: '/v1/agencies',
      headers: bearer(admin),
      payload: { agencyId: 'essex-cc', name: 'Essex County Council', kind: 'council' },
    });
    expect(written.statusCode).toBe(201);
    await ledger.runner.waitFor(1n);
    await ledger.snapshotNow();
    const text = await metrics();
    expect(sample(text, 'potledger_books_snapshot_position', { store: 'books' })).toBe(1);
    const age = sample(text, 'potledger_books_snapshot_age_seconds', { store: 'books' });
    expect(age).toBeGreaterThanOrEqual(0);
  });
});

describe('GET /metrics when the store refuses a write', () => {
  let ledger: TestLedger | undefined;
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
  });

  it('counts the failed group commit under potledger_event_store_errors_total{operation="append"}', async () => {
    const inner = createSqliteEventStore(':memory:');
    let failing = false;
    ledger = await createTestLedger({
      store: {
        ...inner,
        async appendBatch(requests: readonly AppendRequest[]): Promise<AppendBatchOutcome[]> {
          if (failing) throw new Error('disk I/O error');
          return inner.appendBatch(requests);
        },
      },
    });
    const admin = ledger.token('admin');
    failing = true;
    const res = await ledger.post('/v1/agencies', admin, {
      agencyId: 'essex-cc',
      name: 'Essex County Council',
      kind: 'council',
    });
    expect(res.statusCode).toBe(500);
    failing = false;
    const text = (await ledger.get('/metrics', admin)).body;
    expect(sample(text, 'potledger_event_store_errors_total', { operation: 'append' })).toBe(1);
    expect(
      sample(text, 'potledger_commands_total', {
        route: '/v1/agencies',
        outcome: 'INTERNAL_ERROR',
      }),
    ).toBe(1);
  });
});

describe('GET /ready', () => {
  let ledger: TestLedger | undefined;
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
  });

  /** A store that can be made unreachable, or to report a head further along than it is. */
  function controllableStore() {
    const inner = createSqliteEventStore(':memory:');
    const control = { down: false, headAhead: 0n };
    const store = {
      ...inner,
      async ping() {
        if (control.down) throw new Error('connection refused by db.internal:5432');
        return inner.ping();
      },
      async headPosition() {
        if (control.down) throw new Error('connection refused by db.internal:5432');
        return (await inner.headPosition()) + control.headAhead;
      },
    };
    return { store, control };
  }

  it('200 without a token once the books are loaded and caught up', async () => {
    ledger = await createTestLedger();
    const admin = ledger.token('admin');
    await ledger.post('/v1/agencies', admin, {
      agencyId: 'essex-cc',
      name: 'Essex County Council',
      kind: 'council',
    });
    const res = await ledger.get('/ready', null);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ready',
      headPosition: '1',
      projectionPosition: '1',
      lagEvents: '0',
    });
  });

  it('503 NOT_READY with Retry-After while the books are further behind the log than the bound, 200 once within it', async () => {
    const { store, control } = controllableStore();
    ledger = await createTestLedger({ store, readyMaxLagEvents: 10 });
    // As if another server had appended 11 events the books have not folded yet.
    control.headAhead = 11n;
    const res = await ledger.app.inject({ method: 'GET', url: '/ready' });
    const body = expectProblem(res, 503, 'NOT_READY');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(body.checks).toEqual({ store: 'ok', books: 'catching-up', lagEvents: '11' });
    // /health is liveness: a server catching up is alive and must not be restarted.
    expect((await ledger.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    control.headAhead = 10n;
    expect((await ledger.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });

  it('503 NOT_READY when the live books stopped on an error; potledger_projection_failed is 1', async () => {
    const inner = createSqliteEventStore(':memory:');
    let stopBooks: ((error: unknown) => void) | undefined;
    ledger = await createTestLedger({
      store: {
        ...inner,
        subscribe(from, onBatch, options) {
          stopBooks = options?.onError;
          return inner.subscribe(from, onBatch, options);
        },
      },
    });
    expect((await ledger.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    stopBooks!(new Error('a fold threw'));
    const body = expectProblem(
      await ledger.app.inject({ method: 'GET', url: '/ready' }),
      503,
      'NOT_READY',
    );
    expect(body.checks).toEqual({ store: 'ok', books: 'stopped' });
    const text = (await ledger.get('/metrics', ledger.token('admin'))).body;
    expect(sample(text, 'potledger_projection_failed')).toBe(1);
  });

  it("503 NOT_READY when the store does not answer, without the store's own message", async () => {
    const { store, control } = controllableStore();
    ledger = await createTestLedger({ store });
    control.down = true;
    const res = await ledger.app.inject({ method: 'GET', url: '/ready' });
    const body = expectProblem(res, 503, 'NOT_READY');
    expect(body.checks).toEqual({ store: 'unreachable' });
    expect(res.body).not.toContain('db.internal');
    control.down = false;
    const text = (await ledger.get('/metrics', ledger.token('auditor'))).body;
    expect(sample(text, 'potledger_event_store_errors_total', { operation: 'ping' })).toBe(1);
    expect((await ledger.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });
});

describe('load shedding (@fastify/under-pressure)', () => {
  let ledger: TestLedger | undefined;
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
  });

  const busyFor = (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      // Hold the event loop, as a saturated server would.
    }
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('a saturated event loop gets 503 OVERLOADED with Retry-After; /health and /metrics are still answered; it recovers', async () => {
    // A long sample, held busy for longer than one: the sample taken as the loop frees up sees
    // it saturated, and its verdict stands for a whole interval, time enough for the requests
    // below however slow the machine is.
    const sampleIntervalMs = 1_000;
    ledger = await createTestLedger({
      pressureLimits: {
        maxEventLoopDelayMs: 0,
        maxEventLoopUtilization: 0.5,
        sampleIntervalMs,
        retryAfterSeconds: 7,
      },
    });
    const app = ledger.app as typeof ledger.app & { isUnderPressure(): boolean };
    const reporter = ledger.token('reporter');
    const auditor = ledger.token('auditor');
    let shed: Awaited<ReturnType<typeof app.inject>> | undefined;
    let exemptAnswered: number[] = [];
    for (let attempt = 0; attempt < 5 && shed === undefined; attempt++) {
      busyFor(sampleIntervalMs + 100);
      // Let the overdue sampler run once after the busy stretch.
      await sleep(1);
      const res = await app.inject({ method: 'GET', url: '/v1/pots', headers: bearer(reporter) });
      if (res.statusCode !== 503) continue;
      shed = res;
      exemptAnswered = [
        (await app.inject({ method: 'GET', url: '/health' })).statusCode,
        (await app.inject({ method: 'GET', url: '/metrics', headers: bearer(auditor) })).statusCode,
      ];
      // Still under pressure after those two answers: they were exempt, not lucky.
      expect(app.isUnderPressure()).toBe(true);
    }
    expect(shed, 'no request was shed while the loop was held').toBeDefined();
    const body = expectProblem(shed!, 503, 'OVERLOADED');
    expect(body.detail).toMatch(/eventLoopUtilization/);
    expect(shed!.headers['retry-after']).toBe('7');
    expect(exemptAnswered).toEqual([200, 200]);

    // Idle again: once a sample sees a quiet loop, requests are served.
    let recovered = false;
    for (let attempt = 0; attempt < 100 && !recovered; attempt++) {
      await sleep(100);
      recovered = !app.isUnderPressure();
    }
    expect(recovered).toBe(true);
    const res = await app.inject({ method: 'GET', url: '/v1/pots', headers: bearer(reporter) });
    expect(res.statusCode).toBe(200);
    const text = (await ledger.get('/metrics', auditor)).body;
    expect(sample(text, 'potledger_http_shed_total', { kind: 'eventLoopUtilization' })).toBe(1);
  });
});
