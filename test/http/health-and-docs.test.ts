import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { createTestLedger, type TestLedger } from '../support/testLedger.ts';
import { documentedExamples, openApiValidator } from '../support/openapiSchemas.ts';
import { operationIdOf } from '../../src/http/plugins/openapiDocument.ts';
import {
  allocate,
  bearer,
  contribute,
  expectProblem,
  expectWritten,
  handSignedToken,
  head,
  useScenario,
  useSharedScenario,
} from './helpers.ts';

/** Every /v1 route of the API (docs/api.md; shared/DESIGN.md "HTTP API (v1)"), with its methods, as OpenAPI paths. */
const DESIGNED_ROUTES: Record<string, string[]> = {
  '/v1/agencies': ['get', 'post'],
  '/v1/agencies/{agencyId}/balances': ['get'],
  '/v1/pots': ['get', 'post'],
  '/v1/pots/{potId}': ['get'],
  '/v1/pots/{potId}/partners': ['post'],
  '/v1/pots/{potId}/contributions': ['post'],
  '/v1/pots/{potId}/interventions': ['post'],
  '/v1/pots/{potId}/allocations': ['post'],
  '/v1/pots/{potId}/interventions/{interventionId}/outcomes': ['post'],
  '/v1/pots/{potId}/reversals': ['post'],
  '/v1/flows': ['get'],
  '/v1/audit': ['get'],
  '/v1/audit/export.csv': ['get'],
  '/v1/events': ['get'],
  '/v1/unit-costs': ['get', 'post'],
  '/v1/unit-costs/{code}/versions': ['post'],
  '/v1/unit-costs/{code}': ['get'],
  '/v1/pots/{potId}/approval-threshold': ['post'],
  '/v1/pots/{potId}/allocations/{allocationId}/approve': ['post'],
  '/v1/pots/{potId}/allocations/{allocationId}/reject': ['post'],
  '/v1/pots/{potId}/financial-years/{financialYear}/close': ['post'],
  '/v1/pots/{potId}/close': ['post'],
  '/v1/pots/{potId}/exceptions': ['get'],
  '/v1/pots/{potId}/statement': ['get'],
  '/v1/pots/{potId}/agreements': ['get', 'post'],
  '/v1/pots/{potId}/interventions/{interventionId}/scheme': ['post'],
  '/v1/pots/{potId}/interventions/{interventionId}/spend': ['post'],
  '/v1/pots/{potId}/interventions/{interventionId}/rate-card': ['post'],
  '/v1/pots/{potId}/interventions/{interventionId}/claims': ['post'],
  '/v1/pots/{potId}/claims/{claimId}/validate': ['post'],
  '/v1/pots/{potId}/claims/{claimId}/reject': ['post'],
  '/v1/pots/{potId}/claims/{claimId}/pay': ['post'],
  '/v1/pots/{potId}/claims': ['get'],
  '/v1/pots/{potId}/interventions/{interventionId}/commitments': ['post'],
  '/v1/pots/{potId}/interventions/{interventionId}/commitments/{commitmentId}/release': ['post'],
  '/v1/pots/{potId}/interventions/{interventionId}/forecasts': ['post'],
  '/v1/pots/{potId}/financial-years/{financialYear}/settlement-preview': ['get'],
  '/v1/pots/{potId}/financial-years/{financialYear}/settle': ['post'],
  '/v1/pots/{potId}/monitoring': ['get'],
  '/v1/pots/{potId}/bcf-minimums': ['post'],
  '/v1/pots/{potId}/bcf-return': ['get'],
  '/v1/pots/{potId}/memorandum': ['get'],
  '/v1/pots/{potId}/journal-mappings/{agencyId}': ['get', 'post'],
  '/v1/pots/{potId}/journals/{agencyId}': ['get'],
  '/v1/pots/{potId}/agreed-contributions': ['post'],
  '/v1/pots/{potId}/interventions/{interventionId}/assumptions': ['post'],
  '/v1/pots/{potId}/cba': ['get'],
  '/v1/audit/checkpoint': ['get'],
  '/v1/audit/proof/{eventId}': ['get'],
  '/v1/audit/consistency': ['get'],
  '/v1/sign-in-mapping': ['get', 'post'],
};
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

describe('GET /health', () => {
  const ctx = useScenario();

  it('200 without a token: store ok, head and projection positions and write-conflict counters as digit strings', async () => {
    const c = await ctx();
    const res = await c.ledger.get('/health', null);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      status: 'ok',
      store: 'ok',
      headPosition: String(await head(c.ledger)),
      projectionPosition: expect.stringMatching(/^\d+$/),
      // One process on its own store: nobody else changes a stream first.
      appendConflictsRetried: '0',
      appendConflictsGivenUp: '0',
    });
  });

  it('follows the log: after writes and a read-your-writes GET, both positions are the new head', async () => {
    const c = await ctx();
    await contribute(c, c.tokens.cc, 'essex-cc', '1.00');
    const w = expectWritten(await allocate(c, '1.00'), ['allocationId', 'status', 'fundingShares']);
    expect(
      (await c.ledger.get(`/v1/pots/${c.potId}?minPosition=${w.position}`, c.tokens.reporter))
        .statusCode,
    ).toBe(200);
    const res = await c.ledger.get('/health', null);
    expect(res.json()).toMatchObject({
      status: 'ok',
      headPosition: w.position,
      projectionPosition: w.position,
    });
    expect(BigInt(w.position)).toBe(await head(c.ledger));
  });

  it('is public: any token, even a bad one, is ignored', async () => {
    const c = await ctx();
    for (const headers of [
      bearer(c.tokens.reporter),
      bearer('garbage'),
      bearer(handSignedToken({ sub: 'x', role: 'admin', exp: 1 })),
    ]) {
      expect((await c.ledger.get('/health', null, headers)).statusCode).toBe(200);
    }
  });
});

describe('GET /health when the store is unreachable', () => {
  let ledger: TestLedger | undefined;
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
  });

  it('503 with status unavailable', async () => {
    const inner = createSqliteEventStore(':memory:');
    let down = false;
    const store = {
      ...inner,
      async ping() {
        if (down) throw new Error('disk I/O error');
        return inner.ping();
      },
      async headPosition() {
        if (down) throw new Error('disk I/O error');
        return inner.headPosition();
      },
    };
    ledger = await createTestLedger({ store });
    expect((await ledger.get('/health', null)).statusCode).toBe(200);
    down = true;
    const res = await ledger.get('/health', null);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable' });
    down = false;
  });
});

describe('/openapi.json and /docs', () => {
  const ctx = useScenario();

  it('/openapi.json is an OpenAPI 3.1 document, public, listing every /v1 route of the design with its methods', async () => {
    const c = await ctx();
    const res = await c.ledger.get('/openapi.json', null);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const v1: Record<string, string[]> = {};
    for (const [path, item] of Object.entries(
      doc.paths as Record<string, Record<string, unknown>>,
    )) {
      if (!path.startsWith('/v1/')) continue;
      v1[path] = Object.keys(item)
        .filter((k) => HTTP_METHODS.has(k))
        .sort();
    }
    expect(v1).toEqual(
      Object.fromEntries(Object.entries(DESIGNED_ROUTES).map(([p, m]) => [p, [...m].sort()])),
    );
    expect(doc.paths['/health']?.get).toBeDefined();
    expect(doc.paths['/ready']?.get).toBeDefined();
    expect(doc.paths['/metrics']?.get).toBeDefined();
  });

  it('documents request bodies, parameters and the problem answers', async () => {
    const c = await ctx();
    const doc = (await c.ledger.get('/openapi.json', null)).json();
    const contribution = doc.paths['/v1/pots/{potId}/contributions'].post;
    const schema = contribution.requestBody.content['application/json'].schema;
    expect(Object.keys(schema.properties).sort()).toEqual([
      'agencyId',
      'amount',
      'effectiveDate',
      'fundingStream',
      'priorPeriodAdjustment',
      'reference',
      'riskShareFor',
    ]);
    expect(
      contribution.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
    ).toEqual(
      expect.arrayContaining(['path:potId', 'header:idempotency-key', 'header:x-correlation-id']),
    );
    expect(Object.keys(contribution.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '404', '409', '413']),
    );
    expect(doc.paths['/v1/events'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['after', 'limit']),
    );
    expect(doc.components?.securitySchemes?.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('/docs serves the HTML docs UI without a token', async () => {
    const c = await ctx();
    let res = await c.ledger.get('/docs', null);
    for (let hops = 0; hops < 3 && res.statusCode >= 300 && res.statusCode < 400; hops++) {
      res = await c.ledger.get(String(res.headers.location), null);
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body.toLowerCase()).toContain('<html');
  });
});

describe('/openapi.json tells the truth (issue 19 item 6)', () => {
  const ctx = useSharedScenario();
  const operationsOf = (doc: Record<string, any>) =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => HTTP_METHODS.has(method))
        .map(([method, operation]) => ({ path, method, operation })),
    );

  it('names its servers and licence; every operation has a unique operationId; every tag is described', async () => {
    const c = await ctx();
    const doc = (await c.ledger.get('/openapi.json', null)).json();
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(doc.info.license).toMatchObject({ name: expect.any(String) });
    expect(doc.info.license.identifier ?? doc.info.license.url).toEqual(expect.any(String));
    const ids = operationsOf(doc).map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operationIdOf('post', '/v1/pots/{potId}/contributions')).toBe(
      'postPotsByPotIdContributions',
    );
    const tags = new Set(operationsOf(doc).flatMap(({ operation }) => operation.tags ?? []));
    expect(doc.tags.map((t: { name: string }) => t.name).sort()).toEqual([...tags].sort());
    for (const tag of doc.tags) expect(tag.description.length).toBeGreaterThan(0);
  });

  it('LEDGER_PUBLIC_URL becomes the server', async () => {
    const ledger = await createTestLedger({ publicUrl: 'https://ledger.essex.example/' });
    try {
      const doc = (await ledger.get('/openapi.json', null)).json();
      expect(doc.servers).toEqual([
        { url: 'https://ledger.essex.example', description: expect.any(String) },
      ]);
    } finally {
      await ledger.close();
    }
  });

  it('documents refusals as application/problem+json, writes with 429 RATE_LIMITED, and 503 with Retry-After everywhere but /health and /metrics', async () => {
    const c = await ctx();
    const doc = (await c.ledger.get('/openapi.json', null)).json();
    const wrong: string[] = [];
    for (const { path, method, operation } of operationsOf(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        if (!/^[45]/.test(status)) continue;
        const types = Object.keys(response.content ?? {});
        // /health's own 503 body is not a problem: it is the liveness answer, kept as it was.
        if (path === '/health' && status === '503') continue;
        if (types.join() !== 'application/problem+json') wrong.push(`${where} ${status}: ${types}`);
      }
      if (['post', 'put', 'patch', 'delete'].includes(method)) {
        if (operation.responses['429']?.headers?.['Retry-After'] === undefined)
          wrong.push(`${where}: no 429 with Retry-After`);
      }
      if (!['/health', '/metrics'].includes(path)) {
        if (operation.responses['503']?.headers?.['Retry-After'] === undefined)
          wrong.push(`${where}: no 503 with Retry-After`);
      }
    }
    expect(wrong).toEqual([]);
    expect(doc.components.schemas.Problem.required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']),
    );
  });

  it('a refusal is sent with the media type the document gives it, and its body fits the Problem schema', async () => {
    const c = await ctx();
    const doc = (await c.ledger.get('/openapi.json', null)).json();
    const validate = openApiValidator(doc);
    const res = await c.ledger.post(`/v1/pots/${c.potId}/contributions`, c.tokens.reporter, {});
    const documented = Object.keys(
      doc.paths['/v1/pots/{potId}/contributions'].post.responses['403'].content,
    );
    expect(documented).toEqual(['application/problem+json']);
    expect(String(res.headers['content-type']).split(';')[0]).toBe(documented[0]);
    expect(validate({ $ref: '#/components/schemas/Problem' }, res.json())).toEqual([]);
  });

  it('every example in the document is valid against its schema', async () => {
    const c = await ctx();
    const doc = (await c.ledger.get('/openapi.json', null)).json();
    const validate = openApiValidator(doc);
    const examples = documentedExamples(doc);
    // Amounts, quantities and percentages carry examples: the walk must find them.
    expect(examples.length).toBeGreaterThan(20);
    const invalid = examples.flatMap(({ at, schema, value }) =>
      validate(schema, value).map((error) => `${at}: ${JSON.stringify(value)} ${error}`),
    );
    expect(invalid).toEqual([]);
  });

  it('the example check fails on a bad example (the walk reaches nested and media-type examples)', () => {
    const doc = {
      components: { schemas: { Amount: { type: 'string', pattern: '^\\d+\\.\\d{2}$' } } },
      paths: {
        '/x': {
          post: {
            requestBody: {
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: { amount: { $ref: '#/components/schemas/Amount' } },
                  },
                  example: { amount: '12' },
                },
              },
            },
            responses: {
              200: {
                description: 'OK',
                content: { 'application/json': { schema: { type: 'integer', example: 'seven' } } },
              },
            },
          },
        },
      },
    };
    const validate = openApiValidator(doc);
    const bad = documentedExamples(doc).filter(
      ({ schema, value }) => validate(schema, value).length > 0,
    );
    expect(bad.map((e) => e.at).sort()).toEqual([
      '#/paths/~1x/post/requestBody/content/application~1json/example',
      '#/paths/~1x/post/responses/200/content/application~1json/schema/example',
    ]);
  });
});

describe('unknown routes', () => {
  const ctx = useScenario();

  it('404 NOT_FOUND as problem+json, with or without a token', async () => {
    const c = await ctx();
    for (const url of [
      '/nope',
      '/v1',
      '/v1/pot',
      '/v2/pots',
      '/v1/pots/01ARZ3NDEKTSV4RRFFQ69G5FAV/closures',
      '/v1/agencies/essex-cc',
    ]) {
      expectProblem(await c.ledger.get(url, null), 404, 'NOT_FOUND');
      expectProblem(await c.ledger.get(url, c.tokens.admin), 404, 'NOT_FOUND');
    }
  });

  it('404 NOT_FOUND for a method a path does not have; nothing appended', async () => {
    const c = await ctx();
    const before = await head(c.ledger);
    for (const [method, url] of [
      ['DELETE', `/v1/pots/${c.potId}`],
      ['PUT', '/v1/agencies'],
      ['PATCH', `/v1/pots/${c.potId}`],
      ['POST', '/v1/flows'],
      ['POST', '/health'],
    ] as const) {
      const res = await c.ledger.app.inject({
        method,
        url,
        headers: bearer(c.tokens.admin),
        payload: {},
      });
      expectProblem(res, 404, 'NOT_FOUND');
    }
    expect(await head(c.ledger)).toBe(before);
  });
});
