/**
 * Issue 4, point 2: every GET that reads the books answers as at a business date (asAt) and as
 * at a log position (atPosition), alone or together, and says so in its headers. The history has
 * backdated entries (an allocation dated before a contribution it drew on, a contribution dated
 * into the previous year); each answer must equal the projections folded by hand from the same
 * events filtered the same way (test/support/handFold.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costBenefitReport } from '../../projections/costBenefit.ts';
import { readDeflatorFile } from '../../src/unitCosts/unitCostFile.ts';
import { asLedgerEnvelope, type Envelope } from '../../events/index.ts';
import {
  agencyBalances,
  auditEntriesFrom,
  flowsMatrix,
  getAgency,
  listAgencies,
  listPots,
  potSummary,
  type LedgerProjections,
} from '../../projections/index.ts';
import { datedOnOrBefore, foldByHand } from '../support/handFold.ts';
import { createTestLedger } from '../support/testLedger.ts';
import {
  allocate,
  contribute,
  expectCreated,
  expectProblem,
  expectValidation,
  head,
  recordOutcome,
  scenarioCtx,
  withQuery,
  type Ctx,
} from './helpers.ts';
import { eventsByPosition } from '../support/auditPages.ts';

const AGENCIES = ['essex-cc', 'essex-police', 'essex-probation', 'nhs-mid-essex'] as const;
const AS_AT_DATES = [
  undefined,
  '2025-04-01',
  '2025-04-05',
  '2025-04-10',
  '2025-04-11',
  '2026-03-30',
  '2026-03-31',
  '2026-04-02',
  '2026-04-20',
  '2099-12-31',
];

/** A projection GET, and what the hand-folded books say it must answer. */
interface ReadRoute {
  readonly name: string;
  url(ctx: Ctx): string;
  /** The JSON answer, or 404 when the books do not know the thing asked for. */
  expected(state: LedgerProjections, ctx: Ctx, log: readonly Envelope[]): unknown;
}

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const READ_ROUTES: readonly ReadRoute[] = [
  {
    name: 'GET /v1/agencies',
    url: () => '/v1/agencies',
    expected: (s) => ({ agencies: listAgencies(s.agencyDirectory) }),
  },
  ...AGENCIES.map((agencyId): ReadRoute => ({
    name: `GET /v1/agencies/${agencyId}/balances`,
    url: () => `/v1/agencies/${agencyId}/balances`,
    expected: (s) =>
      getAgency(s.agencyDirectory, agencyId) === null
        ? 404
        : agencyBalances(s.agencyBalances, agencyId),
  })),
  {
    name: 'GET /v1/pots',
    url: () => '/v1/pots',
    expected: (s) => ({ pots: listPots(s.potSummary) }),
  },
  {
    name: 'GET /v1/pots/:potId',
    url: (c) => `/v1/pots/${c.potId}`,
    expected: (s, c) => potSummary(s.potSummary, c.potId) ?? 404,
  },
  { name: 'GET /v1/flows', url: () => '/v1/flows', expected: (s) => flowsMatrix(s.benefitFlows) },
  {
    name: 'GET /v1/pots/:potId/cba',
    url: (c) => `/v1/pots/${c.potId}/cba`,
    expected: (s, c) => {
      const report = costBenefitReport(s.costBenefitInputs, c.potId, {}, readDeflatorFile());
      return report === null || report === 'unknown-intervention' || 'refusal' in report
        ? 404
        : report;
    },
  },
  {
    name: 'GET /v1/flows?potId=',
    url: (c) => `/v1/flows?potId=${c.potId}`,
    expected: (s, c) => flowsMatrix(s.benefitFlows, { potId: c.potId }),
  },
  ...['2025-26', '2026-27'].map((financialYear): ReadRoute => ({
    name: `GET /v1/flows?financialYear=${financialYear}`,
    url: () => `/v1/flows?financialYear=${financialYear}`,
    expected: (s) => flowsMatrix(s.benefitFlows, { financialYear }),
  })),
  {
    name: 'GET /v1/audit',
    url: () => '/v1/audit?limit=1000',
    expected: (s, _c, log) =>
      auditEntriesFrom(s.auditTrail, { limit: 1_000 }, eventsByPosition(log)),
  },
  {
    name: 'GET /v1/audit/export.csv',
    url: () => '/v1/audit/export.csv',
    // The CSV's first column is the position: one row per entry the books hold, in log order.
    expected: (s, _c, log) =>
      auditEntriesFrom(s.auditTrail, { limit: 1_000 }, eventsByPosition(log)).entries.map(
        (e) => e.position,
      ),
  },
];

function csvPositions(body: string): string[] {
  return body
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.split(',')[0]!);
}

describe('the books as they stood: asAt and atPosition on every projection GET', () => {
  let ctx: Ctx;
  let log: Envelope[];
  /** Log positions worth reading at: after the scenario and after each backdated step. */
  const positions: bigint[] = [];

  beforeAll(async () => {
    ctx = await scenarioCtx();
    const step = async () => positions.push(await head(ctx.ledger));
    await step(); // the scenario: council 300,000 dated 2025-04-10, police 200,000 dated 2025-04-11
    // Backdated before the police's money was dated, though it draws 40% from it.
    await expectCreated(allocate(ctx, '100000.00', { effectiveDate: '2025-04-05' }));
    await step();
    await expectCreated(recordOutcome(ctx, { effectiveDate: '2026-03-31' }));
    await step();
    await expectCreated(
      contribute(ctx, ctx.tokens.cc, 'essex-cc', '50000.00', { effectiveDate: '2026-03-15' }),
    );
    await step();
    const second = await expectCreated(allocate(ctx, '20000.00', { effectiveDate: '2026-04-02' }));
    await expectCreated(
      ctx.ledger.post(`/v1/pots/${ctx.potId}/reversals`, ctx.tokens.admin, {
        eventId: second.eventId,
        reason: 'Wrong intervention',
        effectiveDate: '2026-04-20',
      }),
    );
    await step();
    await expectCreated(
      recordOutcome(ctx, {
        effectiveDate: '2026-04-02',
        benefits: [{ agencyId: 'nhs-mid-essex', amount: '5000.00', cashable: false }],
      }),
    );
    await step();
    log = (await ctx.ledger.store.readAll(0n, 10_000))
      .map((e) => asLedgerEnvelope(e))
      .filter((e): e is Envelope => e !== null);
  });
  afterAll(async () => {
    await ctx?.ledger.close();
  });

  const ask = (route: ReadRoute, query: string) =>
    ctx.ledger.get(
      query === '' ? route.url(ctx) : withQuery(route.url(ctx), query),
      ctx.tokens.admin,
    );

  it('every route, at every asAt × atPosition (and neither), answers what the hand-folded books say, labelled with Ledger-Position and Ledger-As-At', async () => {
    const headPosition = await head(ctx.ledger);
    const atPositions: Array<bigint | undefined> = [undefined, 0n, ...positions];
    let compared = 0;
    for (const atPosition of atPositions) {
      for (const asAt of AS_AT_DATES) {
        const kept = log
          .filter((e) => e.position <= (atPosition ?? headPosition))
          .filter(asAt === undefined ? () => true : datedOnOrBefore(asAt));
        const books = foldByHand(kept, asAt !== undefined);
        const query = [
          asAt === undefined ? '' : `asAt=${asAt}`,
          atPosition === undefined ? '' : `atPosition=${atPosition}`,
        ]
          .filter((q) => q !== '')
          .join('&');
        // The routes of one question are asked at once: they share its one fold (the answers
        // are cached per question), so on PostgreSQL the reads overlap instead of queueing.
        const answers = await Promise.all(READ_ROUTES.map((route) => ask(route, query)));
        for (const [index, route] of READ_ROUTES.entries()) {
          const res = answers[index]!;
          const where = `${route.name} ?${query}`;
          const expected = route.expected(books, ctx, log);
          if (expected === 404) {
            expectProblem(res, 404, 'NOT_FOUND');
          } else {
            expect(res.statusCode, `${where}: ${res.body}`).toBe(200);
            const answer = route.name.endsWith('.csv') ? csvPositions(res.body) : res.json();
            expect(answer, where).toEqual(json(expected));
          }
          expect(res.headers['ledger-position'], where).toBe(String(atPosition ?? headPosition));
          expect(res.headers['ledger-as-at'], where).toBe(asAt);
          compared += 1;
        }
      }
    }
    expect(compared).toBe(atPositions.length * AS_AT_DATES.length * READ_ROUTES.length);
    // Hundreds of requests, each a historical fold: on PostgreSQL under a loaded CI machine this
    // took over the default 30 s, and a timed-out run kept folding into the next test's count.
  }, 180_000);

  it('an asAt between an allocation and the contribution it drew on answers 200 with the truthful figures: a negative stake, shown as it is', async () => {
    const pot = await ask(
      READ_ROUTES.find((r) => r.name === 'GET /v1/pots/:potId')!,
      'asAt=2025-04-10',
    );
    expect(pot.statusCode, pot.body).toBe(200);
    expect(pot.json()).toMatchObject({
      contributed: '300000.00',
      allocated: '100000.00',
      available: '200000.00',
      partners: [
        { agencyId: 'essex-cc', contributed: '300000.00', drawn: '60000.00', stake: '240000.00' },
        { agencyId: 'essex-police', contributed: '0.00', drawn: '40000.00', stake: '-40000.00' },
        { agencyId: 'essex-probation', contributed: '0.00', drawn: '0.00', stake: '0.00' },
      ],
    });
    const police = await ctx.ledger.get(
      '/v1/agencies/essex-police/balances?asAt=2025-04-10',
      ctx.tokens.police,
    );
    expect(police.json().total).toMatchObject({
      contributed: '0.00',
      drawn: '40000.00',
      stake: '-40000.00',
      netFiscalPosition: '0.00',
    });
    // A day later the police's money is in, and the books are whole again.
    const nextDay = await ctx.ledger.get(
      `/v1/pots/${ctx.potId}?asAt=2025-04-11`,
      ctx.tokens.reporter,
    );
    expect(nextDay.json().partners[1]).toEqual({
      agencyId: 'essex-police',
      contributed: '200000.00',
      drawn: '40000.00',
      returned: '0.00',
      stake: '160000.00',
    });
  });

  it('the books as they stood on 31 March 2026: the year-end figures, whatever was written after', async () => {
    const res = await ctx.ledger.get(`/v1/pots/${ctx.potId}?asAt=2026-03-31`, ctx.tokens.auditor);
    expect(res.json()).toMatchObject({
      contributed: '550000.00',
      allocated: '100000.00',
      available: '450000.00',
      interventions: [{ funded: '100000.00', benefits: '60000.00' }],
    });
    expect(res.headers['ledger-as-at']).toBe('2026-03-31');
    // Between the second allocation (2 April) and its reversal (20 April) it counted; after, it did not.
    expect(
      (await ctx.ledger.get(`/v1/pots/${ctx.potId}?asAt=2026-04-19`, ctx.tokens.auditor)).json()
        .allocated,
    ).toBe('120000.00');
    expect(
      (await ctx.ledger.get(`/v1/pots/${ctx.potId}?asAt=2026-04-20`, ctx.tokens.auditor)).json()
        .allocated,
    ).toBe('100000.00');
  });

  it('atPosition=0 is the empty books; a pot asked for there does not exist yet (404)', async () => {
    const pots = await ctx.ledger.get('/v1/pots?atPosition=0', ctx.tokens.reporter);
    expect(pots.json()).toEqual({ pots: [] });
    expect(pots.headers['ledger-position']).toBe('0');
    expectProblem(
      await ctx.ledger.get(`/v1/pots/${ctx.potId}?atPosition=0`, ctx.tokens.reporter),
      404,
      'NOT_FOUND',
    );
  });

  it('with neither, the live books as today: Ledger-Position is the position they have folded, no Ledger-As-At, no fold', async () => {
    const folds = ctx.ledger.historical.foldsRun();
    const res = await ctx.ledger.get('/v1/pots', ctx.tokens.reporter);
    expect(res.headers['ledger-position']).toBe(String(ctx.ledger.books.position));
    expect(res.headers['ledger-as-at']).toBeUndefined();
    expect(ctx.ledger.historical.foldsRun()).toBe(folds);
  });

  it('minPosition still works alongside asAt and atPosition', async () => {
    const at = positions[1]!;
    const res = await ctx.ledger.get(
      `/v1/pots/${ctx.potId}?minPosition=${await head(ctx.ledger)}&asAt=2026-03-31&atPosition=${at}`,
      ctx.tokens.reporter,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ contributed: '500000.00', allocated: '100000.00' });
    expect(res.headers['ledger-position']).toBe(String(at));
    expectProblem(
      await ctx.ledger.get(
        `/v1/pots?minPosition=${(await head(ctx.ledger)) + 1n}&asAt=2026-03-31`,
        ctx.tokens.reporter,
      ),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('the same question is folded once (routes reading the same projections share it); asAt alone is answered afresh after a new write, atPosition never is', async () => {
    const before = ctx.ledger.historical.foldsRun();
    const url = `/v1/pots/${ctx.potId}?asAt=2026-12-31`;
    const first = await ctx.ledger.get(url, ctx.tokens.reporter);
    // The pot list reads the same projection (potSummary) as the pot: the same fold.
    await ctx.ledger.get(`/v1/pots?asAt=2026-12-31`, ctx.tokens.reporter);
    expect(ctx.ledger.historical.foldsRun()).toBe(before + 1);
    const atFirst = await ctx.ledger.get(
      `/v1/pots/${ctx.potId}?atPosition=${positions[0]}`,
      ctx.tokens.reporter,
    );
    expect(ctx.ledger.historical.foldsRun()).toBe(before + 2);

    await expectCreated(
      contribute(ctx, ctx.tokens.police, 'essex-police', '1000.00', {
        effectiveDate: '2026-06-01',
      }),
    );
    const after = await ctx.ledger.get(url, ctx.tokens.reporter);
    expect(ctx.ledger.historical.foldsRun()).toBe(before + 3);
    expect(after.json().contributed).not.toBe(first.json().contributed);
    expect(BigInt(after.headers['ledger-position'] as string)).toBeGreaterThan(
      BigInt(first.headers['ledger-position'] as string),
    );
    expect(
      (
        await ctx.ledger.get(
          `/v1/pots/${ctx.potId}?atPosition=${positions[0]}`,
          ctx.tokens.reporter,
        )
      ).body,
    ).toBe(atFirst.body);
    expect(ctx.ledger.historical.foldsRun()).toBe(before + 3);
  });

  it('the OpenAPI document shows asAt, atPosition and minPosition on every /v1 GET that reads the books (all but the raw events)', async () => {
    const doc = (await ctx.ledger.get('/openapi.json', null)).json();
    const gets = Object.entries(
      doc.paths as Record<string, { get?: { parameters?: { name: string; in: string }[] } }>,
    ).filter(
      // The raw events and the audit proofs read the log itself, not the books; the statement reads
      // the pot's stream from the store (asAt and atPosition, but nothing to wait for: no minPosition);
      // the settlement preview is what settling would record now, on the write side's state, and
      // the outcome claims are read from the pot's stream as they stand.
      ([path, item]) =>
        path.startsWith('/v1/') &&
        item.get !== undefined &&
        ![
          '/v1/events',
          '/v1/audit/checkpoint',
          '/v1/audit/proof/{eventId}',
          '/v1/audit/consistency',
          '/v1/pots/{potId}/statement',
          '/v1/pots/{potId}/financial-years/{financialYear}/settlement-preview',
          '/v1/pots/{potId}/claims',
        ].includes(path),
    );
    expect(gets.length).toBeGreaterThanOrEqual(7);
    for (const [path, item] of gets) {
      const query = item.get!.parameters!.filter((p) => p.in === 'query').map((p) => p.name);
      expect(query, path).toEqual(expect.arrayContaining(['asAt', 'atPosition', 'minPosition']));
    }
  });

  describe('refusals: 400 VALIDATION_FAILED problem+json on every route', () => {
    for (const route of READ_ROUTES) {
      it(`${route.name}: bad dates, bad positions, a position beyond the end of the log`, async () => {
        for (const bad of [
          '2025-02-30',
          '2025-02-29',
          '2025-1-1',
          '2025-04-01T00:00:00Z',
          '1999-12-31',
          '2100-01-01',
          'yesterday',
          '',
        ]) {
          expectValidation(await ask(route, `asAt=${encodeURIComponent(bad)}`), 'querystring.asAt');
        }
        for (const bad of ['abc', '-1', '1.5', '1e3', '', '0x10', '9'.repeat(31)]) {
          expectValidation(
            await ask(route, `atPosition=${encodeURIComponent(bad)}`),
            'querystring.atPosition',
          );
        }
        const beyond = (await head(ctx.ledger)) + 1n;
        const refusal = expectProblem(
          await ask(route, `atPosition=${beyond}`),
          400,
          'VALIDATION_FAILED',
        );
        expect(refusal.detail).toMatch(/beyond the end of the log/);
        expectProblem(
          await ask(route, `asAt=2026-03-31&atPosition=${beyond}`),
          400,
          'VALIDATION_FAILED',
        );
      });
    }
  });
});

describe('the labels reach a browser', () => {
  it('with CORS configured, Ledger-Position and Ledger-As-At are exposed to the calling page', async () => {
    const ledger = await createTestLedger({ corsOrigins: ['https://audit.example.gov.uk'] });
    try {
      const res = await ledger.get('/v1/pots?asAt=2026-03-31', ledger.token('auditor'), {
        origin: 'https://audit.example.gov.uk',
      });
      expect(res.statusCode, res.body).toBe(200);
      const exposed = String(res.headers['access-control-expose-headers'])
        .toLowerCase()
        .split(/,\s*/);
      expect(exposed).toEqual(expect.arrayContaining(['ledger-position', 'ledger-as-at']));
      expect(res.headers['ledger-as-at']).toBe('2026-03-31');
    } finally {
      await ledger.close();
    }
  });
});
