/**
 * Shared helpers for the API suites: a fresh ledger with the Essex scenario per test, problem
 * and write-answer assertions, hand-built bad tokens, and the refusals every write route shares
 * (401 for each kind of bad credential, 403 per role, 413, 415, unparseable bodies).
 */
import { createHmac } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/app.ts';
import { MAX_TOKEN_LIFETIME_MS } from '../../src/auth/tokens.ts';
import {
  createTestLedger,
  essexScenario,
  expectCreated,
  TEST_JWT_SECRET,
  type Scenario,
  type TestLedger,
} from '../support/testLedger.ts';

export type Response = LightMyRequestResponse;
export type Json = Record<string, any>;

export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const DIGITS = /^\d+$/;
export const MONEY = /^-?\d+\.\d{2}$/;
export const PROBLEM_JSON = /^application\/problem\+json(\s*;.*)?$/;
export const JSON_TYPE = /^application\/json(\s*;.*)?$/;
export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export interface Ctx extends Scenario {
  readonly ledger: TestLedger;
  readonly tokens: Scenario['tokens'] & {
    /** Finance officer of NHS Mid Essex: registered, but not a partner of the Essex pot. */
    readonly nhs: string;
    /** Finance officer of Essex Probation: a partner with no stake. */
    readonly probation: string;
  };
}

export async function scenarioCtx(options: { clock?: () => string } = {}): Promise<Ctx> {
  const ledger = await createTestLedger(options);
  const s = await essexScenario(ledger);
  return {
    ...s,
    ledger,
    tokens: {
      ...s.tokens,
      nhs: ledger.token('finance-officer', { sub: 'nina', agency: 'nhs-mid-essex' }),
      probation: ledger.token('finance-officer', { sub: 'pete', agency: 'essex-probation' }),
    },
  };
}

export type CtxGetter = () => Promise<Ctx>;

export interface ScenarioOptions {
  readonly clock?: () => string;
  /** Writes the tests need beyond the scenario (e.g. funding before outcomes). */
  readonly prepare?: (ctx: Ctx) => Promise<void>;
}

async function preparedCtx(options: ScenarioOptions): Promise<Ctx> {
  const ctx = await scenarioCtx(options.clock === undefined ? {} : { clock: options.clock });
  await options.prepare?.(ctx);
  return ctx;
}

/**
 * A fresh ledger with the Essex scenario for each test that asks for one (lazily, so nested
 * describes that share a ledger pay nothing), closed after the test.
 */
export function useScenario(options: ScenarioOptions = {}): CtxGetter {
  let ctx: Promise<Ctx> | undefined;
  afterEach(async () => {
    const pending = ctx;
    ctx = undefined;
    if (pending !== undefined) await (await pending).ledger.close();
  });
  return () => (ctx ??= preparedCtx(options));
}

/**
 * One ledger with the Essex scenario shared by every test of the enclosing describe, for tests
 * that only read or are refused (each of them checks that nothing was appended).
 */
export function useSharedScenario(options: ScenarioOptions = {}): CtxGetter {
  let ctx: Promise<Ctx> | undefined;
  afterAll(async () => {
    const pending = ctx;
    ctx = undefined;
    if (pending !== undefined) await (await pending).ledger.close();
  });
  return () => (ctx ??= preparedCtx(options));
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** POSTs a raw string body with the given content type. */
export function rawPost(
  ledger: TestLedger,
  url: string,
  token: string | null,
  payload: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return ledger.app.inject({
    method: 'POST',
    url,
    payload,
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : bearer(token)),
      ...headers,
    },
  });
}

/** Asserts an RFC 9457 problem answer with the given status and code, and returns its body. */
export function expectProblem(res: Response, status: number, code: string): Json {
  expect(res.statusCode, `expected ${status} ${code}, got ${res.statusCode}: ${res.body}`).toBe(
    status,
  );
  expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  const body = res.json() as Json;
  expect(body).toMatchObject({ status, code });
  expect(typeof body.type).toBe('string');
  expect(body.type.length).toBeGreaterThan(0);
  expect(typeof body.title).toBe('string');
  expect(body.title.length).toBeGreaterThan(0);
  expect(typeof body.detail).toBe('string');
  return body;
}

/**
 * A 400 VALIDATION_FAILED with a field-level `errors` list; each given path (e.g. "body.amount")
 * must be named by at least one error.
 */
export function expectValidation(res: Response, ...paths: string[]): Json {
  const body = expectProblem(res, 400, 'VALIDATION_FAILED');
  expect(Array.isArray(body.errors), `no errors list in ${res.body}`).toBe(true);
  expect(body.errors.length).toBeGreaterThan(0);
  for (const error of body.errors) {
    expect(typeof error.path).toBe('string');
    expect(typeof error.message).toBe('string');
  }
  for (const path of paths) {
    const named = (body.errors as { path: string }[]).some(
      (e) => e.path === path || e.path.startsWith(`${path}.`),
    );
    expect(named, `expected an error on ${path}, got ${JSON.stringify(body.errors)}`).toBe(true);
  }
  return body;
}

/** Sends a write that must be refused, and checks the log did not move. */
export async function expectRefused(
  ledger: TestLedger,
  send: () => Promise<Response>,
  status: number,
  code: string,
): Promise<Json> {
  const before = await ledger.store.headPosition();
  const res = await send();
  const body = expectProblem(res, status, code);
  expect(await ledger.store.headPosition(), 'a refused write appended to the log').toBe(before);
  return body;
}

/** A validation refusal that appended nothing. */
export async function expectInvalid(
  ledger: TestLedger,
  send: () => Promise<Response>,
  ...paths: string[]
): Promise<Json> {
  const before = await ledger.store.headPosition();
  const body = expectValidation(await send(), ...paths);
  expect(await ledger.store.headPosition(), 'a refused write appended to the log').toBe(before);
  return body;
}

/** A 201 write answer: JSON, eventId (ULID), position (digits) and exactly the given extra keys. */
export function expectWritten(res: Response, extraKeys: string[]): Json {
  expect(res.statusCode, res.body).toBe(201);
  expect(res.headers['content-type']).toMatch(JSON_TYPE);
  const body = res.json() as Json;
  expect(Object.keys(body).sort()).toEqual(['eventId', 'position', ...extraKeys].sort());
  expect(body.eventId).toMatch(ULID);
  expect(body.position).toMatch(DIGITS);
  return body;
}

export async function head(ledger: TestLedger): Promise<bigint> {
  return ledger.store.headPosition();
}

/** Every event in the log, read through GET /v1/events as an auditor. */
export async function allEvents(ledger: TestLedger): Promise<Json[]> {
  const auditor = ledger.token('auditor', { sub: 'events-reader' });
  const events: Json[] = [];
  let after = '0';
  for (;;) {
    const res = await ledger.get(`/v1/events?after=${after}&limit=1000`, auditor);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as { events: Json[]; nextCursor: string | null };
    events.push(...page.events);
    if (page.nextCursor === null) return events;
    after = page.nextCursor;
  }
}

export async function potSummary(
  ctx: Ctx,
  potId: string = ctx.potId,
  minPosition?: string,
): Promise<Json> {
  const res = await ctx.ledger.get(
    `/v1/pots/${potId}${minPosition === undefined ? `?minPosition=${await head(ctx.ledger)}` : `?minPosition=${minPosition}`}`,
    ctx.tokens.reporter,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Json;
}

export function contribute(
  ctx: Ctx,
  token: string,
  agencyId: string,
  amount: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return ctx.ledger.post(
    `/v1/pots/${ctx.potId}/contributions`,
    token,
    { agencyId, amount, effectiveDate: '2025-04-15', reference: `REF-${amount}`, ...extra },
    headers,
  );
}

export function allocate(
  ctx: Ctx,
  amount: string,
  extra: Record<string, unknown> = {},
  token: string = ctx.tokens.admin,
  headers: Record<string, string> = {},
) {
  return ctx.ledger.post(
    `/v1/pots/${ctx.potId}/allocations`,
    token,
    {
      interventionId: ctx.interventionId,
      amount,
      effectiveDate: '2025-05-01',
      reason: 'Year one delivery',
      ...extra,
    },
    headers,
  );
}

export const ESSEX_BENEFITS = [
  { agencyId: 'essex-police', amount: '30000.00', cashable: true },
  { agencyId: 'nhs-mid-essex', amount: '20000.00', cashable: false },
  { agencyId: 'essex-cc', amount: '10000.00', cashable: true },
];

export function recordOutcome(
  ctx: Ctx,
  body: Record<string, unknown> = {},
  token: string = ctx.tokens.admin,
  interventionId: string = ctx.interventionId,
) {
  return ctx.ledger.post(
    `/v1/pots/${ctx.potId}/interventions/${interventionId}/outcomes`,
    token,
    {
      description: 'Fewer reoffences among the first cohort',
      effectiveDate: '2025-09-30',
      benefits: ESSEX_BENEFITS,
      ...body,
    },
    {},
  );
}

export { expectCreated };

// ---------------------------------------------------------------------------------------------
// Tokens built by hand, to test what the server refuses rather than what our signer produces.

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function handSignedToken(
  payload: Record<string, unknown>,
  options: { secret?: string; header?: Record<string, unknown> } = {},
): string {
  const header = b64url(options.header ?? { alg: 'HS256', typ: 'JWT' });
  const body = b64url(payload);
  const signature = createHmac('sha256', options.secret ?? TEST_JWT_SECRET)
    .update(`${header}.${body}`)
    .digest('base64url');
  return `${header}.${body}.${signature}`;
}

export function unsignedToken(payload: Record<string, unknown>): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface BadAuthorization {
  readonly name: string;
  readonly headers: () => Record<string, string>;
}

/**
 * Credentials that must all answer 401. The claims are an admin's (or the finance officer's the
 * route needs), so a 401 is about the credential, never about the role.
 */
export function badAuthorizations(
  claims: { role: string; agency?: string } = { role: 'admin' },
): BadAuthorization[] {
  const good = { sub: 'mallory', ...claims };
  return [
    { name: 'no Authorization header', headers: () => ({}) },
    {
      name: 'an expired token',
      headers: () =>
        bearer(handSignedToken({ ...good, iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 })),
    },
    {
      name: 'a token signed with the wrong secret',
      headers: () =>
        bearer(
          handSignedToken(
            { ...good, exp: nowSeconds() + 3600 },
            { secret: 'not-the-server-secret-not-the-server-secret' },
          ),
        ),
    },
    {
      name: 'an unsigned alg:none token',
      headers: () => bearer(unsignedToken({ ...good, exp: nowSeconds() + 3600 })),
    },
    {
      name: 'an HS512 token signed with the right secret',
      headers: () => {
        const header = b64url({ alg: 'HS512', typ: 'JWT' });
        const body = b64url({ ...good, exp: nowSeconds() + 3600 });
        const sig = createHmac('sha512', TEST_JWT_SECRET)
          .update(`${header}.${body}`)
          .digest('base64url');
        return bearer(`${header}.${body}.${sig}`);
      },
    },
    {
      name: 'a valid token with its payload swapped',
      headers: () => {
        const [h, , s] = handSignedToken({
          sub: 'mallory',
          role: 'reporter',
          exp: nowSeconds() + 3600,
        }).split('.');
        return bearer(`${h}.${b64url({ ...good, exp: nowSeconds() + 3600 })}.${s}`);
      },
    },
    {
      name: 'a token without exp',
      headers: () => bearer(handSignedToken({ ...good, iat: nowSeconds() })),
    },
    // Signed with the server's own secret, but not as the minting rules allow (issue 13 item 10).
    {
      name: 'a token without iat',
      headers: () => bearer(handSignedToken({ ...good, exp: nowSeconds() + 3600 })),
    },
    {
      name: 'a token issued an hour in the future',
      headers: () =>
        bearer(handSignedToken({ ...good, iat: nowSeconds() + 3600, exp: nowSeconds() + 7200 })),
    },
    {
      name: 'a token living 100 years',
      headers: () =>
        bearer(
          handSignedToken({ ...good, iat: nowSeconds(), exp: nowSeconds() + 100 * 365 * 86_400 }),
        ),
    },
    {
      name: 'a token living one second longer than the maximum lifetime',
      headers: () =>
        bearer(
          handSignedToken({
            ...good,
            iat: nowSeconds() - 60,
            exp: nowSeconds() - 60 + MAX_TOKEN_LIFETIME_MS / 1000 + 1,
          }),
        ),
    },
    {
      name: 'a token with an unknown role',
      headers: () =>
        bearer(handSignedToken({ sub: 'mallory', role: 'superuser', exp: nowSeconds() + 3600 })),
    },
    {
      name: 'a finance-officer token without an agency',
      headers: () =>
        bearer(
          handSignedToken({ sub: 'mallory', role: 'finance-officer', exp: nowSeconds() + 3600 }),
        ),
    },
    { name: 'a token that is not a JWT', headers: () => bearer('not-a-jwt') },
    {
      name: 'a Basic Authorization header',
      headers: () => ({ authorization: 'Basic YWxpY2U6c2VjcmV0' }),
    },
    { name: '"Bearer" with no token', headers: () => ({ authorization: 'Bearer ' }) },
    {
      name: 'a token followed by junk',
      headers: () => ({
        authorization: `Bearer ${handSignedToken({ ...good, exp: nowSeconds() + 3600 })} extra`,
      }),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Refusals every write route shares.

export interface WriteRouteSpec {
  /** "POST /v1/pots/:potId/contributions" */
  readonly name: string;
  url(ctx: Ctx): string;
  /** A body that the allowed token gets a 201 for. */
  body(ctx: Ctx): Record<string, unknown>;
  /** A token whose request with body() succeeds. */
  allowed(ctx: Ctx): string;
  /** Claims the bad credentials carry (the allowed role's, so only the credential is wrong). */
  readonly claims: { role: string; agency?: string };
  /** Tokens refused with 403 FORBIDDEN, by role (and agency). */
  readonly forbidden: readonly { readonly who: string; token(ctx: Ctx): string }[];
  /** The response keys besides eventId and position. */
  readonly answerKeys: readonly string[];
  /** State the valid body needs beyond the scenario (e.g. funding before an outcome). */
  prepare?(ctx: Ctx): Promise<void>;
}

export function describeWriteRouteRefusals(spec: WriteRouteSpec): void {
  describe(`${spec.name}: refusals every write route shares`, () => {
    // Refusals append nothing, so they share one ledger; the control that writes runs last.
    const ready = useSharedScenario(spec.prepare === undefined ? {} : { prepare: spec.prepare });

    for (const bad of badAuthorizations(spec.claims)) {
      it(`401 UNAUTHENTICATED for ${bad.name}; nothing appended`, async () => {
        const c = await ready();
        await expectRefused(
          c.ledger,
          () => c.ledger.post(spec.url(c), null, spec.body(c), bad.headers()),
          401,
          'UNAUTHENTICATED',
        );
      });
    }

    for (const who of spec.forbidden) {
      it(`403 FORBIDDEN for ${who.who}; nothing appended`, async () => {
        const c = await ready();
        await expectRefused(
          c.ledger,
          () => c.ledger.post(spec.url(c), who.token(c), spec.body(c)),
          403,
          'FORBIDDEN',
        );
      });
    }

    it('413 PAYLOAD_TOO_LARGE for a body over 1 MiB; nothing appended', async () => {
      const c = await ready();
      const payload = JSON.stringify({ ...spec.body(c), padding: 'x'.repeat(MAX_BODY_BYTES) });
      expect(Buffer.byteLength(payload)).toBeGreaterThan(MAX_BODY_BYTES);
      await expectRefused(
        c.ledger,
        () => rawPost(c.ledger, spec.url(c), spec.allowed(c), payload),
        413,
        'PAYLOAD_TOO_LARGE',
      );
    });

    for (const contentType of [
      'application/xml',
      'application/x-www-form-urlencoded',
      'text/plain',
    ]) {
      it(`415 UNSUPPORTED_MEDIA_TYPE for a ${contentType} body; nothing appended`, async () => {
        const c = await ready();
        const payload = JSON.stringify(spec.body(c));
        await expectRefused(
          c.ledger,
          () =>
            rawPost(c.ledger, spec.url(c), spec.allowed(c), payload, {
              'content-type': contentType,
            }),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        );
      });
    }

    it('400 VALIDATION_FAILED for unparseable or non-object JSON bodies; nothing appended', async () => {
      const c = await ready();
      for (const payload of [
        '{"unterminated": ',
        '',
        'null',
        '[]',
        '"a string"',
        '42',
        '{"__proto__": {"admin": true}}',
      ]) {
        await expectRefused(
          c.ledger,
          () => rawPost(c.ledger, spec.url(c), spec.allowed(c), payload),
          400,
          'VALIDATION_FAILED',
        );
      }
    });

    it('400 VALIDATION_FAILED for a malformed Idempotency-Key or X-Correlation-Id; nothing appended', async () => {
      const c = await ready();
      const headerSets: Record<string, string>[] = [
        { 'idempotency-key': 'has spaces in it' },
        { 'idempotency-key': 'k'.repeat(201) },
        { 'idempotency-key': '' },
        { 'x-correlation-id': 'not ok' },
        { 'x-causation-id': 'c'.repeat(201) },
      ];
      for (const headers of headerSets) {
        await expectRefused(
          c.ledger,
          () => c.ledger.post(spec.url(c), spec.allowed(c), spec.body(c), headers),
          400,
          'VALIDATION_FAILED',
        );
      }
    });

    it('control: the body used above is accepted with the allowed token', async () => {
      const c = await ready();
      expectWritten(await c.ledger.post(spec.url(c), spec.allowed(c), spec.body(c)), [
        ...spec.answerKeys,
      ]);
    });
  });
}

/** 401 for every bad credential on a GET route. */
export function describeReadRouteAuth(name: string, url: (ctx: Ctx) => string): void {
  describe(`${name}: authentication`, () => {
    const ctx = useSharedScenario();
    for (const bad of badAuthorizations()) {
      it(`401 UNAUTHENTICATED for ${bad.name}`, async () => {
        const c = await ctx();
        expectProblem(await c.ledger.get(url(c), null, bad.headers()), 401, 'UNAUTHENTICATED');
      });
    }
  });
}

/** minPosition on a projection GET: the head is fine, beyond it and malformed are 400. */
export function describeMinPosition(name: string, url: (ctx: Ctx) => string): void {
  describe(`${name}: minPosition`, () => {
    const ctx = useSharedScenario();
    it('accepts the log head and answers 200', async () => {
      const c = await ctx();
      const res = await c.ledger.get(
        withQuery(url(c), `minPosition=${await head(c.ledger)}`),
        c.tokens.admin,
      );
      expect(res.statusCode, res.body).toBe(200);
    });
    it('400 VALIDATION_FAILED for a minPosition beyond the end of the log', async () => {
      const c = await ctx();
      const beyond = (await head(c.ledger)) + 1n;
      expectProblem(
        await c.ledger.get(withQuery(url(c), `minPosition=${beyond}`), c.tokens.admin),
        400,
        'VALIDATION_FAILED',
      );
    });
    it('400 VALIDATION_FAILED for a malformed minPosition', async () => {
      const c = await ctx();
      for (const bad of ['abc', '-1', '1.5', '1e3', '', '0x10', '9'.repeat(31)]) {
        expectValidation(
          await c.ledger.get(
            withQuery(url(c), `minPosition=${encodeURIComponent(bad)}`),
            c.tokens.admin,
          ),
          'querystring.minPosition',
        );
      }
    });
  });
}

export function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

export const BAD_AMOUNTS: readonly unknown[] = [
  '1.234',
  '-5',
  '-5.00',
  '1e3',
  '0',
  '0.00',
  '',
  ' 10.00',
  '10.00 ',
  '1,000.00',
  '01.00',
  '.50',
  '10.',
  '+10.00',
  'NaN',
  'Infinity',
  '1000000000000.01',
  '10000000000000',
  1000,
  10.5,
  null,
];

export const BAD_DATES: readonly unknown[] = [
  '2025-02-30',
  '2025-02-29',
  '2024-13-01',
  '2025-04-31',
  '2025-4-1',
  '25-04-01',
  '2025/04/01',
  '2025-04-01T00:00:00Z',
  '1999-12-31',
  '2100-01-01',
  '',
  20250401,
  null,
];
