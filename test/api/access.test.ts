/**
 * DESIGN "HTTP API (v1)" and "Auth" as one access table: every route × every kind of caller.
 * "Allowed" means the answer is a success (the request sent is valid for that caller), and
 * "denied" means 401 UNAUTHENTICATED without a token and 403 FORBIDDEN with one, with nothing
 * appended to the log. A second test fails when the app grows a route the table does not list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocate, bearer, expectProblem, expectWritten, head, PROBLEM_JSON, recordOutcome, scenarioCtx, type Ctx } from './helpers.ts';

type Caller = 'admin' | 'finance officer (partner)' | 'finance officer (non-partner)' | 'auditor' | 'reporter' | 'no token';
const CALLERS: readonly Caller[] = ['admin', 'finance officer (partner)', 'finance officer (non-partner)', 'auditor', 'reporter', 'no token'];
const SIGNED_IN: readonly Caller[] = CALLERS.filter((c) => c !== 'no token');
const EVERYONE: readonly Caller[] = CALLERS;

interface Fixture extends Ctx {
  /** One allocation per caller, so each allowed reversal has an entry of its own to undo. */
  readonly allocations: Readonly<Record<Caller, string>>;
  /** Pending allocation requests (made by bob of Essex Police), one per caller to approve and one to reject. */
  readonly toApprove: Readonly<Record<Caller, string>>;
  readonly toReject: Readonly<Record<Caller, string>>;
  /** A second pot, for the admin to close without closing the pot the other rows use. */
  readonly sparePotId: string;
}

interface Row {
  readonly method: 'GET' | 'POST';
  /** The route as fastify declares it. */
  readonly route: string;
  readonly allowed: readonly Caller[];
  url(f: Fixture): string;
  body?(f: Fixture, caller: Caller, n: number): unknown;
}

const AGENCY_OF: Readonly<Record<Caller, string>> = {
  admin: 'essex-cc',
  'finance officer (partner)': 'essex-cc',
  'finance officer (non-partner)': 'nhs-mid-essex',
  auditor: 'essex-cc',
  reporter: 'essex-cc',
  'no token': 'essex-cc',
};

/** A unit-cost entry, added as ACCESS-BASE before the table runs so it can be superseded. */
const ACCESS_UNIT_COST = {
  code: 'ACCESS-BASE',
  description: 'access table',
  unit: 'per incident',
  amount: '10.00',
  priceYear: '2010-11',
  split: [{ agencyKind: 'police', amount: '10.00', cashable: false }],
  source: 'access table',
};

const ACCESS_TABLE: readonly Row[] = [
  {
    method: 'POST',
    route: '/v1/agencies',
    allowed: ['admin'],
    url: () => '/v1/agencies',
    body: (_f, _c, n) => ({ agencyId: `access-agency-${n}`, name: `Access ${n}`, kind: 'other' }),
  },
  { method: 'GET', route: '/v1/agencies', allowed: SIGNED_IN, url: () => '/v1/agencies' },
  { method: 'GET', route: '/v1/agencies/:agencyId/balances', allowed: SIGNED_IN, url: () => '/v1/agencies/essex-police/balances' },
  {
    method: 'POST',
    route: '/v1/pots',
    allowed: ['admin'],
    url: () => '/v1/pots',
    body: (_f, _c, n) => ({ name: `Access pot ${n}`, area: 'Essex', hostAgencyId: 'essex-cc' }),
  },
  { method: 'GET', route: '/v1/pots', allowed: SIGNED_IN, url: () => '/v1/pots' },
  { method: 'GET', route: '/v1/pots/:potId', allowed: SIGNED_IN, url: (f) => `/v1/pots/${f.potId}` },
  {
    method: 'POST',
    route: '/v1/pots/:potId/partners',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/partners`,
    // Not NHS: it must stay a non-partner for the rows below.
    body: () => ({ agencyId: 'essex-fire' }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/contributions',
    // A finance officer pays in for their own agency, on a pot their agency is a partner of.
    allowed: ['finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/contributions`,
    body: (_f, caller, n) => ({ agencyId: AGENCY_OF[caller], amount: '100.00', effectiveDate: '2025-05-01', reference: `ACCESS-${n}` }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions`,
    body: (_f, _c, n) => ({ name: `Access intervention ${n}`, leadAgencyId: 'essex-police' }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/allocations',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/allocations`,
    body: (f) => ({ interventionId: f.interventionId, amount: '10.00', effectiveDate: '2025-05-01', reason: 'access table' }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/outcomes',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions/${f.interventionId}/outcomes`,
    body: () => ({ description: 'access table', effectiveDate: '2025-09-30', benefits: [{ agencyId: 'nhs-mid-essex', amount: '5.00', cashable: false }] }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/reversals',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/reversals`,
    body: (f, caller) => ({ eventId: f.allocations[caller], reason: 'access table' }),
  },
  { method: 'GET', route: '/v1/flows', allowed: SIGNED_IN, url: (f) => `/v1/flows?potId=${f.potId}` },
  { method: 'GET', route: '/v1/audit', allowed: ['admin', 'auditor'], url: () => '/v1/audit' },
  { method: 'GET', route: '/v1/audit/export.csv', allowed: ['admin', 'auditor'], url: () => '/v1/audit/export.csv' },
  { method: 'GET', route: '/v1/events', allowed: ['admin', 'auditor'], url: () => '/v1/events' },
  {
    method: 'POST',
    route: '/v1/pots/:potId/approval-threshold',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/approval-threshold`,
    body: () => ({ approvalThreshold: '5000.00', reason: 'access table' }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/allocations/:allocationId/approve',
    // Another finance officer of a partner, or an admin; never the requester (bob of Essex Police).
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/allocations/${f.toApprove[currentCaller]}/approve`,
    body: () => ({}),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/allocations/:allocationId/reject',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/allocations/${f.toReject[currentCaller]}/reject`,
    body: () => ({ reason: 'access table' }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/financial-years/:financialYear/close',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/financial-years/2024-25/close`,
    body: () => ({ reason: 'access table' }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/close',
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.sparePotId}/close`,
    body: () => ({ reason: 'access table' }),
  },
  { method: 'GET', route: '/v1/pots/:potId/exceptions', allowed: ['admin', 'auditor'], url: (f) => `/v1/pots/${f.potId}/exceptions` },
  { method: 'GET', route: '/v1/pots/:potId/statement', allowed: SIGNED_IN, url: (f) => `/v1/pots/${f.potId}/statement?financialYear=2025-26` },
  { method: 'GET', route: '/health', allowed: EVERYONE, url: () => '/health' },
  { method: 'GET', route: '/openapi.json', allowed: EVERYONE, url: () => '/openapi.json' },
  {
    method: 'POST',
    route: '/v1/unit-costs',
    allowed: ['admin'],
    url: () => '/v1/unit-costs',
    body: (_f, _c, n) => ({ ...ACCESS_UNIT_COST, code: `ACCESS-${n}` }),
  },
  {
    method: 'POST',
    route: '/v1/unit-costs/:code/versions',
    allowed: ['admin'],
    url: () => '/v1/unit-costs/ACCESS-BASE/versions',
    body: () => ({ ...ACCESS_UNIT_COST, code: undefined }),
  },
  { method: 'GET', route: '/v1/unit-costs', allowed: SIGNED_IN, url: () => '/v1/unit-costs?includeSuperseded=true' },
  { method: 'GET', route: '/v1/unit-costs/:code', allowed: SIGNED_IN, url: () => '/v1/unit-costs/ACCESS-BASE' },
  {
    method: 'POST',
    route: '/v1/pots/:potId/agreed-contributions',
    // What the board agreed is an admin's to record: no finance officer, the host's (essex-cc here) included.
    allowed: ['admin'],
    url: (f) => `/v1/pots/${f.potId}/agreed-contributions`,
    body: (_f, _c, n) => ({ agencyId: 'essex-police', financialYear: '2025-26', amount: `${n}.00`, boardDecisionRef: `PB-ACCESS-${n}` }),
  },
  {
    method: 'POST',
    route: '/v1/pots/:potId/interventions/:interventionId/assumptions',
    allowed: ['admin', 'finance officer (partner)'],
    url: (f) => `/v1/pots/${f.potId}/interventions/${f.interventionId}/assumptions`,
    body: () => ({ deadweightPercent: '10', attributionPercent: '80', optimismBiasPercent: '15', benefitProfile: ['100', '50'], reason: 'access table' }),
  },
  { method: 'GET', route: '/v1/pots/:potId/cba', allowed: SIGNED_IN, url: (f) => `/v1/pots/${f.potId}/cba` },
  { method: 'GET', route: '/v1/audit/checkpoint', allowed: ['admin', 'auditor'], url: () => '/v1/audit/checkpoint' },
  { method: 'GET', route: '/v1/audit/proof/:eventId', allowed: ['admin', 'auditor'], url: (f) => `/v1/audit/proof/${f.allocations.admin}` },
  { method: 'GET', route: '/v1/audit/consistency', allowed: ['admin', 'auditor'], url: () => '/v1/audit/consistency?from=1' },
];

/**
 * Rows whose url depends on the caller read it from here: the test sets it before each request.
 * (Row.url takes only the fixture, so each caller's own pending request is passed this way.)
 */
let currentCaller: Caller = 'admin';

function tokenOf(f: Fixture, caller: Caller): string | null {
  switch (caller) {
    case 'admin':
      return f.tokens.admin;
    case 'finance officer (partner)':
      return f.tokens.cc;
    case 'finance officer (non-partner)':
      return f.tokens.nhs;
    case 'auditor':
      return f.tokens.auditor;
    case 'reporter':
      return f.tokens.reporter;
    case 'no token':
      return null;
  }
}

/** "METHOD /path" for every route `printRoutes` shows (a tree: one segment per line, methods in brackets). */
export function routesOf(tree: string): string[] {
  const routes: string[] = [];
  const segments: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = match[1]!.length / 4;
    segments.length = depth;
    segments.push(match[2]!);
    const path = segments.join('');
    for (const method of match[3]?.split(', ') ?? []) routes.push(`${method} ${path}`);
  }
  return routes;
}

describe('access table', () => {
  let f: Fixture;

  beforeAll(async () => {
    const ctx = await scenarioCtx();
    expectWritten(await ctx.ledger.post('/v1/agencies', ctx.tokens.admin, { agencyId: 'essex-fire', name: 'Essex Fire', kind: 'fire' }), ['agencyId']);
    // Fund the intervention (so outcomes can be recorded) and give every caller an allocation to reverse.
    const allocations = {} as Record<Caller, string>;
    for (const caller of CALLERS) allocations[caller] = expectWritten(await allocate(ctx, '1000.00'), ['allocationId', 'status', 'fundingShares']).eventId as string;
    expectWritten(await recordOutcome(ctx), ['outcomeId', 'flows']);
    expectWritten(await ctx.ledger.post('/v1/unit-costs', ctx.tokens.admin, ACCESS_UNIT_COST), ['code', 'version']);
    // Requests need a threshold; bob (Essex Police) asks, so neither the admin nor carol is the requester.
    expectWritten(
      await ctx.ledger.post(`/v1/pots/${ctx.potId}/approval-threshold`, ctx.tokens.admin, { approvalThreshold: '5000.00', reason: 'four-eyes' }),
      ['approvalThreshold'],
    );
    const request = async () =>
      expectWritten(await allocate(ctx, '6000.00', {}, ctx.tokens.police), ['allocationId', 'status']).allocationId as string;
    const toApprove = {} as Record<Caller, string>;
    const toReject = {} as Record<Caller, string>;
    for (const caller of CALLERS) {
      toApprove[caller] = await request();
      toReject[caller] = await request();
    }
    const spare = expectWritten(
      await ctx.ledger.post('/v1/pots', ctx.tokens.admin, { name: 'Spare pot', area: 'Essex', hostAgencyId: 'essex-cc' }),
      ['potId'],
    );
    f = { ...ctx, allocations, toApprove, toReject, sparePotId: spare.potId as string };
  });
  afterAll(async () => {
    await f?.ledger.close();
  });

  it('every route × every caller: allowed callers succeed, the others get 401/403 problem+json and append nothing', async () => {
    const mismatches: string[] = [];
    let n = 0;
    for (const row of ACCESS_TABLE) {
      for (const method of row.method === 'GET' ? (['GET', 'HEAD'] as const) : (['POST'] as const)) {
        for (const caller of CALLERS) {
          n += 1;
          const token = tokenOf(f, caller);
          currentCaller = caller;
          const before = await head(f.ledger);
          const res = await f.ledger.app.inject({
            method,
            url: row.url(f),
            headers: token === null ? {} : bearer(token),
            ...(method === 'POST' ? { payload: row.body!(f, caller, n) as object } : {}),
          });
          const cell = `${method} ${row.route} as ${caller}`;
          const expectAllowed = row.allowed.includes(caller);
          if (expectAllowed) {
            const ok = method === 'POST' ? res.statusCode === 201 : res.statusCode === 200;
            if (!ok) mismatches.push(`${cell}: expected allowed, got ${res.statusCode} ${res.body.slice(0, 200)}`);
          } else {
            const wanted = caller === 'no token' ? 401 : 403;
            if (res.statusCode !== wanted) {
              mismatches.push(`${cell}: expected ${wanted}, got ${res.statusCode} ${res.body.slice(0, 200)}`);
            } else {
              if (!PROBLEM_JSON.test(String(res.headers['content-type']))) mismatches.push(`${cell}: denial is not problem+json`);
              if (method !== 'HEAD') {
                const code = res.json().code;
                if (code !== (wanted === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN')) mismatches.push(`${cell}: denial code ${code}`);
              }
            }
            if ((await head(f.ledger)) !== before) mismatches.push(`${cell}: a denied request appended to the log`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('the table lists every route the app serves under /v1 (and no route the app lacks)', async () => {
    const served = routesOf(f.ledger.app.printRoutes({ commonPrefix: false }));
    // Sanity: the parser reads the deepest route of the tree.
    expect(served).toContain('POST /v1/pots/:potId/interventions/:interventionId/outcomes');
    const tabled = new Set(ACCESS_TABLE.flatMap((row) => (row.method === 'GET' ? [`GET ${row.route}`, `HEAD ${row.route}`] : [`POST ${row.route}`])));
    const isApi = (route: string) => route.split(' ')[1]!.startsWith('/v1') || ['/health', '/openapi.json'].includes(route.split(' ')[1]!);
    expect(served.filter(isApi).filter((route) => !tabled.has(route)), 'routes served but missing from the access table').toEqual([]);
    expect([...tabled].filter((route) => !served.includes(route)), 'routes in the access table the app does not serve').toEqual([]);

    // The OpenAPI document agrees: every documented /v1 operation is in the table.
    const doc = (await f.ledger.get('/openapi.json', null)).json();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      if (!path.startsWith('/v1')) continue;
      const route = path.replace(/\{(\w+)\}/g, ':$1');
      for (const method of Object.keys(item).filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k))) {
        expect(tabled.has(`${method.toUpperCase()} ${route}`), `${method.toUpperCase()} ${route} is documented but not in the access table`).toBe(true);
      }
    }
  });
});

/** Routes that read the event log itself, not the books: they take no asAt / atPosition (a checkpoint's size looks back instead). */
const LOG_ROUTES = new Set(['/v1/events', '/v1/audit/checkpoint', '/v1/audit/proof/:eventId', '/v1/audit/consistency']);

describe('access table, read as at a date and a position', () => {
  it('every GET that reads the books, with ?asAt=&atPosition=: the same callers allowed, the same refused', async () => {
    // These rows' URLs need no allocations: only the reversal row reads them.
    const f: Fixture = { ...(await scenarioCtx()), allocations: {} as Fixture['allocations'], toApprove: {} as Fixture['toApprove'], toReject: {} as Fixture['toReject'], sparePotId: '' };
    try {
      expectWritten(await f.ledger.post('/v1/unit-costs', f.tokens.admin, ACCESS_UNIT_COST), ['code', 'version']);
      const at = await head(f.ledger);
      const mismatches: string[] = [];
      // The log routes read the raw log, not the books.
      const rows = ACCESS_TABLE.filter((row) => row.method === 'GET' && row.route.startsWith('/v1/') && !LOG_ROUTES.has(row.route));
      expect(rows.length).toBeGreaterThanOrEqual(7);
      for (const row of rows) {
        for (const caller of CALLERS) {
          const url = row.url(f);
          const res = await f.ledger.get(`${url}${url.includes('?') ? '&' : '?'}asAt=2026-03-31&atPosition=${at}`, tokenOf(f, caller));
          const wanted = row.allowed.includes(caller) ? 200 : caller === 'no token' ? 401 : 403;
          if (res.statusCode !== wanted) mismatches.push(`GET ${row.route} as ${caller}: expected ${wanted}, got ${res.statusCode} ${res.body.slice(0, 200)}`);
          else if (wanted === 200 && res.headers['ledger-as-at'] !== '2026-03-31') mismatches.push(`GET ${row.route} as ${caller}: no Ledger-As-At`);
        }
      }
      expect(mismatches).toEqual([]);
    } finally {
      await f.ledger.close();
    }
  });
});

describe('tokens over time', () => {
  it('a token is refused once it expires, even after it was accepted (and cached) before', async () => {
    const ctx = await scenarioCtx();
    try {
      const shortLived = ctx.ledger.token('admin', { sub: 'temp', expiresIn: '1s' });
      expect((await ctx.ledger.get('/v1/pots', shortLived)).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expectProblem(await ctx.ledger.get('/v1/pots', shortLived), 401, 'UNAUTHENTICATED');
      const before = await head(ctx.ledger);
      expectProblem(
        await ctx.ledger.post('/v1/agencies', shortLived, { agencyId: 'late-agency', name: 'Late', kind: 'other' }),
        401,
        'UNAUTHENTICATED',
      );
      expect(await head(ctx.ledger)).toBe(before);
    } finally {
      await ctx.ledger.close();
    }
  });

  it('a token signed for another ledger (another secret) is refused on every route', async () => {
    const ctx = await scenarioCtx();
    try {
      const foreign = ctx.ledger.token('admin', { secret: 'a-different-ledger-secret-0123456789abcdef' });
      for (const url of ['/v1/agencies', '/v1/pots', `/v1/pots/${ctx.potId}`, '/v1/flows', '/v1/audit', '/v1/events', '/v1/agencies/essex-cc/balances']) {
        expectProblem(await ctx.ledger.get(url, foreign), 401, 'UNAUTHENTICATED');
      }
    } finally {
      await ctx.ledger.close();
    }
  });
});
