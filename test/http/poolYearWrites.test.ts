/**
 * The pooled-fund year's write routes over HTTP (docs/pooled-fund-year.md): the agreement
 * register, scheme details, spend, commitments (raise, release), forecasts, their reversals
 * through POST /v1/pots/:potId/reversals, and contributions marked riskShareFor. Each route:
 * its 201 answer and event, idempotent replay, every refusal it can answer (problem+json with a
 * `code`, nothing appended) and every kind of caller.
 *
 * A settled year cannot be built over HTTP on this branch (no settle route yet): the
 * YEAR_SETTLED locks and successful risk-share payments are covered by the specs in
 * test/commands.
 */
import { describe, expect, it } from 'vitest';
import {
  allEvents,
  allocate,
  describeWriteRouteRefusals,
  expectInvalid,
  expectRefused,
  expectWritten,
  head,
  useScenario,
  type Ctx,
  type Json,
} from './helpers.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
/** 15 January 2026, inside 2025-26. */
const CLOCK = () => '2026-01-15T10:00:00.000Z';

const AGREEMENT = {
  reference: 'S75-ESSEX-2025',
  legalBasis: 's75-nhs-act-2006',
  startDate: '2025-04-01',
  poolManager: 'Director of Finance, Essex CC',
  scope: 'Reducing reoffending services',
  boardDecisionRef: 'HWB-2025-03',
  signedOn: '2025-03-20',
  spendTracking: true,
};
const SCHEME = {
  schemeType: 'Reablement in a person’s own home',
  fundingSource: 'nhs-minimum',
  recurrent: true,
  expenditure: 'revenue',
};
const SPEND = {
  amount: '300.00',
  effectiveDate: '2025-06-15',
  supplier: 'Acme Care Ltd',
  invoiceRef: 'INV-1',
};
const COMMITMENT = { amount: '800.00', effectiveDate: '2025-06-01', reference: 'PO-C-1' };
const FORECAST = { financialYear: '2025-26', quarter: 2, forecastOutturn: '1000.00' };

const agreementsUrl = (c: Ctx, potId = c.potId) => `/v1/pots/${potId}/agreements`;
const schemeUrl = (c: Ctx, interventionId = c.interventionId, potId = c.potId) =>
  `/v1/pots/${potId}/interventions/${interventionId}/scheme`;
const spendUrl = (c: Ctx, interventionId = c.interventionId, potId = c.potId) =>
  `/v1/pots/${potId}/interventions/${interventionId}/spend`;
const commitmentsUrl = (c: Ctx, interventionId = c.interventionId, potId = c.potId) =>
  `/v1/pots/${potId}/interventions/${interventionId}/commitments`;
const releaseUrl = (c: Ctx, commitmentId: string, interventionId = c.interventionId) =>
  `/v1/pots/${c.potId}/interventions/${interventionId}/commitments/${commitmentId}/release`;
const forecastsUrl = (c: Ctx, interventionId = c.interventionId, potId = c.potId) =>
  `/v1/pots/${potId}/interventions/${interventionId}/forecasts`;
const reversalsUrl = (c: Ctx) => `/v1/pots/${c.potId}/reversals`;

/** Finance officers of the scenario: council (host), police (partner), probation (partner, no stake), NHS (not a partner). */
const nhsToken = (c: Ctx) =>
  c.ledger.token('finance-officer', { sub: 'nina', agency: 'nhs-mid-essex' });
const probationToken = (c: Ctx) =>
  c.ledger.token('finance-officer', { sub: 'pete', agency: 'essex-probation' });

async function recordAgreement(c: Ctx, body: Json = {}) {
  return expectWritten(
    await c.ledger.post(agreementsUrl(c), c.tokens.admin, { ...AGREEMENT, ...body }),
    body.replaces === undefined ? ['version'] : ['version', 'replaces'],
  );
}

/** An agreement with spend tracking on (overspend policy as given) and a £1,000.00 budget for 2025-26. */
async function tracking(c: Ctx, policy: 'warn' | 'block' = 'warn'): Promise<void> {
  await recordAgreement(c, { overspend: { policy } });
  expectWritten(await allocate(c, '1000.00'), ['allocationId', 'status', 'fundingShares']);
}

async function raise(c: Ctx, body: Json = {}): Promise<Json> {
  return expectWritten(
    await c.ledger.post(commitmentsUrl(c), c.tokens.admin, { ...COMMITMENT, ...body }),
    ['commitmentId'],
  );
}

async function eventOf(c: Ctx, eventId: string): Promise<Json> {
  const event = (await allEvents(c.ledger)).find((e) => e.eventId === eventId);
  expect(event, `event ${eventId} in GET /v1/events`).toBeDefined();
  return event!;
}

/** The same key and body answer the original and append nothing; another body is 409 IDEMPOTENCY_KEY_REUSED. */
async function expectIdempotent(
  c: Ctx,
  url: string,
  token: string,
  body: Json,
  otherBody: Json,
  keys: string[],
): Promise<void> {
  const headers = { 'idempotency-key': `key-${url.length}-${keys.join('-')}` };
  const first = expectWritten(await c.ledger.post(url, token, body, headers), keys);
  const before = await head(c.ledger);
  const again = await c.ledger.post(url, token, body, headers);
  expect(again.statusCode).toBe(201);
  expect(again.json()).toEqual(first);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(await head(c.ledger)).toBe(before);
  await expectRefused(
    c.ledger,
    () => c.ledger.post(url, token, otherBody, headers),
    409,
    'IDEMPOTENCY_KEY_REUSED',
  );
}

// ---------------------------------------------------------------------------------------------

describe('POST /v1/pots/:potId/agreements', () => {
  const ctx = useScenario({ clock: CLOCK });

  it('201 version 1 for an admin, with the defaults filled in; GET /v1/events shows the AgreementRecorded', async () => {
    const c = await ctx();
    const body = await recordAgreement(c);
    expect(body.version).toBe(1);
    const event = await eventOf(c, body.eventId);
    expect(event).toMatchObject({
      type: 'AgreementRecorded',
      streamId: `pot-${c.potId}`,
      data: {
        potId: c.potId,
        version: 1,
        ...AGREEMENT,
        overspend: { policy: 'warn', coverFromPot: true, share: 'contributions' },
        underspend: 'carry-forward',
      },
    });
    expect(event.data.replaces).toBeUndefined();
  });

  it('a variation naming the version in force is version 2, naming what it replaces', async () => {
    const c = await ctx();
    const v1 = await recordAgreement(c);
    const v2 = await recordAgreement(c, {
      replaces: 1,
      boardDecisionRef: 'HWB-2025-09',
      overspend: { share: 'fixed', percentages: { 'essex-cc': 6000, 'essex-police': 4000 } },
      underspend: 'return',
    });
    expect(v2).toMatchObject({ version: 2, replaces: 1 });
    expect((await eventOf(c, v2.eventId)).data).toMatchObject({
      version: 2,
      replaces: { version: 1, agreementEventId: v1.eventId, boardDecisionRef: 'HWB-2025-03' },
      overspend: {
        policy: 'warn',
        coverFromPot: true,
        share: 'fixed',
        percentages: { 'essex-cc': 6000, 'essex-police': 4000 },
      },
      underspend: 'return',
    });
  });

  it('idempotent replay; another body under the same key is 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const c = await ctx();
    await expectIdempotent(
      c,
      agreementsUrl(c),
      c.tokens.admin,
      AGREEMENT,
      { ...AGREEMENT, scope: 'Other' },
      ['version'],
    );
  });

  it('409 ALREADY_EXISTS for a second agreement naming no version; 409 AGREEMENT_VERSION_CONFLICT for a stale one; nothing appended', async () => {
    const c = await ctx();
    await recordAgreement(c);
    await recordAgreement(c, { replaces: 1 });
    const exists = await expectRefused(
      c.ledger,
      () => c.ledger.post(agreementsUrl(c), c.tokens.admin, AGREEMENT),
      409,
      'ALREADY_EXISTS',
    );
    expect(exists.details).toMatchObject({ version: 2 });
    await expectRefused(
      c.ledger,
      () => c.ledger.post(agreementsUrl(c), c.tokens.admin, { ...AGREEMENT, replaces: 1 }),
      409,
      'AGREEMENT_VERSION_CONFLICT',
    );
  });

  it('400 VALIDATION_FAILED from the decider: replaces on the first, end before start, fixed without percentages or not summing to 10000, percentages with another rule; nothing appended', async () => {
    const c = await ctx();
    for (const body of [
      { replaces: 1 },
      { endDate: '2025-03-31' },
      { overspend: { share: 'fixed' } },
      { overspend: { share: 'fixed', percentages: { 'essex-cc': 5000 } } },
      { overspend: { percentages: { 'essex-cc': 10000 } } },
    ]) {
      await expectRefused(
        c.ledger,
        () => c.ledger.post(agreementsUrl(c), c.tokens.admin, { ...AGREEMENT, ...body }),
        400,
        'VALIDATION_FAILED',
      );
    }
  });

  it('400 VALIDATION_FAILED naming the field for a malformed body; nothing appended', async () => {
    const c = await ctx();
    const cases: [Json, string][] = [
      [{ legalBasis: 's999' }, 'body.legalBasis'],
      [{ startDate: '2025-02-30' }, 'body.startDate'],
      [{ spendTracking: 'yes' }, 'body.spendTracking'],
      [{ overspend: { policy: 'ignore' } }, 'body.overspend'],
      [{ overspend: { percentages: { 'essex-cc': 10001 } } }, 'body.overspend'],
      [{ overspend: { caps: { 'essex-cc': '-1.00' } } }, 'body.overspend'],
      [{ underspend: 'keep' }, 'body.underspend'],
      [{ replaces: 0 }, 'body.replaces'],
      [{ extra: true }, 'body'],
    ];
    for (const [patch, path] of cases) {
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(agreementsUrl(c), c.tokens.admin, { ...AGREEMENT, ...patch }),
        path,
      );
    }
    const { reference: _omitted, ...withoutReference } = AGREEMENT;
    await expectInvalid(
      c.ledger,
      () => c.ledger.post(agreementsUrl(c), c.tokens.admin, withoutReference),
      'body.reference',
    );
  });

  it('409 NOT_A_PARTNER for percentages or caps naming a non-partner; 404 for an unknown pot; nothing appended', async () => {
    const c = await ctx();
    const refused = await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(agreementsUrl(c), c.tokens.admin, {
          ...AGREEMENT,
          overspend: { caps: { 'nhs-mid-essex': '10.00' } },
        }),
      409,
      'NOT_A_PARTNER',
    );
    expect(refused.details).toEqual({ agencyIds: ['nhs-mid-essex'] });
    await expectRefused(
      c.ledger,
      () => c.ledger.post(agreementsUrl(c, UNKNOWN_ULID), c.tokens.admin, AGREEMENT),
      404,
      'NOT_FOUND',
    );
  });

  it('409 POT_CLOSED on a closed pot; nothing appended', async () => {
    const c = await ctx();
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/close`, c.tokens.admin, { reason: 'Ended' }),
      ['returns', 'effectiveDate'],
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(agreementsUrl(c), c.tokens.admin, AGREEMENT),
      409,
      'POT_CLOSED',
    );
  });

  it('400 VALIDATION_FAILED switching spend tracking off while spend stands; allowed once it is reversed', async () => {
    const c = await ctx();
    await tracking(c);
    const spend = expectWritten(await c.ledger.post(spendUrl(c), c.tokens.admin, SPEND), [
      'spendId',
    ]);
    const refused = await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(agreementsUrl(c), c.tokens.admin, {
          ...AGREEMENT,
          replaces: 1,
          spendTracking: false,
        }),
      400,
      'VALIDATION_FAILED',
    );
    expect(refused.details).toEqual({ financialYears: ['2025-26'] });
    expectWritten(
      await c.ledger.post(reversalsUrl(c), c.tokens.admin, {
        eventId: spend.eventId,
        reason: 'Wrong scheme',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    await recordAgreement(c, { replaces: 1, spendTracking: false });
    await expectRefused(
      c.ledger,
      () => c.ledger.post(spendUrl(c), c.tokens.admin, SPEND),
      409,
      'SPEND_TRACKING_OFF',
    );
  });
});

describeWriteRouteRefusals({
  name: 'POST /v1/pots/:potId/agreements',
  url: (c) => agreementsUrl(c),
  body: () => AGREEMENT,
  allowed: (c) => c.tokens.admin,
  claims: { role: 'admin' },
  forbidden: [
    { who: 'a finance officer of the host', token: (c) => c.tokens.cc },
    { who: 'a finance officer of a partner', token: (c) => c.tokens.police },
    { who: 'a finance officer of a non-partner', token: nhsToken },
    { who: 'an auditor', token: (c) => c.tokens.auditor },
    { who: 'a reporter', token: (c) => c.tokens.reporter },
  ],
  answerKeys: ['version'],
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/pots/:potId/interventions/:interventionId/scheme', () => {
  const ctx = useScenario({ clock: CLOCK });

  it('201 for an admin: the lead agency commissions 100% by default; GET /v1/events shows it', async () => {
    const c = await ctx();
    const body = expectWritten(await c.ledger.post(schemeUrl(c), c.tokens.admin, SCHEME), [
      'interventionId',
    ]);
    expect(body.interventionId).toBe(c.interventionId);
    expect(await eventOf(c, body.eventId)).toMatchObject({
      type: 'SchemeDetailsRecorded',
      data: {
        potId: c.potId,
        interventionId: c.interventionId,
        ...SCHEME,
        commissioner: [{ agencyId: 'essex-probation', percent: '100' }],
      },
    });
  });

  it("201 for the host's finance officer, with a split and a provider; a later record replaces it", async () => {
    const c = await ctx();
    const commissioner = [
      { agencyId: 'essex-cc', percent: '60' },
      { agencyId: 'essex-police', percent: '40' },
    ];
    const first = expectWritten(
      await c.ledger.post(schemeUrl(c), c.tokens.cc, {
        ...SCHEME,
        commissioner,
        provider: 'Essex Reablement Ltd',
      }),
      ['interventionId'],
    );
    expect((await eventOf(c, first.eventId)).data).toMatchObject({
      commissioner,
      provider: 'Essex Reablement Ltd',
    });
    expectWritten(
      await c.ledger.post(schemeUrl(c), c.tokens.cc, { ...SCHEME, expenditure: 'capital' }),
      ['interventionId'],
    );
  });

  it('idempotent replay; another body under the same key is 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const c = await ctx();
    await expectIdempotent(c, schemeUrl(c), c.tokens.cc, SCHEME, { ...SCHEME, recurrent: false }, [
      'interventionId',
    ]);
  });

  it('400 VALIDATION_FAILED for a split not summing to 100 or naming an agency twice; 409 NOT_A_PARTNER; 404 for an unknown intervention or pot; nothing appended', async () => {
    const c = await ctx();
    const post =
      (body: Json, url = schemeUrl(c)) =>
      () =>
        c.ledger.post(url, c.tokens.admin, { ...SCHEME, ...body });
    await expectRefused(
      c.ledger,
      post({
        commissioner: [
          { agencyId: 'essex-cc', percent: '60' },
          { agencyId: 'essex-police', percent: '39.99' },
        ],
      }),
      400,
      'VALIDATION_FAILED',
    );
    await expectRefused(
      c.ledger,
      post({
        commissioner: [
          { agencyId: 'essex-cc', percent: '50' },
          { agencyId: 'essex-cc', percent: '50' },
        ],
      }),
      400,
      'VALIDATION_FAILED',
    );
    await expectRefused(
      c.ledger,
      post({ commissioner: [{ agencyId: 'nhs-mid-essex', percent: '100' }] }),
      409,
      'NOT_A_PARTNER',
    );
    await expectRefused(c.ledger, post({}, schemeUrl(c, UNKNOWN_ULID)), 404, 'NOT_FOUND');
    await expectRefused(
      c.ledger,
      post({}, schemeUrl(c, c.interventionId, UNKNOWN_ULID)),
      404,
      'NOT_FOUND',
    );
  });

  it('400 VALIDATION_FAILED naming the field for a malformed body; nothing appended', async () => {
    const c = await ctx();
    const cases: [Json, string][] = [
      [{ fundingSource: 'lottery' }, 'body.fundingSource'],
      [{ expenditure: 'both' }, 'body.expenditure'],
      [{ recurrent: 'yes' }, 'body.recurrent'],
      [{ commissioner: [] }, 'body.commissioner'],
      [{ commissioner: [{ agencyId: 'essex-cc', percent: '100.001' }] }, 'body.commissioner'],
      [{ schemeType: '' }, 'body.schemeType'],
    ];
    for (const [patch, path] of cases) {
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(schemeUrl(c), c.tokens.admin, { ...SCHEME, ...patch }),
        path,
      );
    }
  });
});

describeWriteRouteRefusals({
  name: 'POST /v1/pots/:potId/interventions/:interventionId/scheme',
  url: (c) => schemeUrl(c),
  body: () => SCHEME,
  allowed: (c) => c.tokens.cc,
  claims: { role: 'finance-officer', agency: 'essex-cc' },
  forbidden: [
    { who: 'a finance officer of a partner that is not the host', token: (c) => c.tokens.police },
    { who: 'a finance officer of a partner with no stake', token: probationToken },
    { who: 'a finance officer of a non-partner', token: nhsToken },
    { who: 'an auditor', token: (c) => c.tokens.auditor },
    { who: 'a reporter', token: (c) => c.tokens.reporter },
  ],
  answerKeys: ['interventionId'],
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/pots/:potId/interventions/:interventionId/spend', () => {
  const ctx = useScenario({ clock: CLOCK });

  it('409 SPEND_TRACKING_OFF without an agreement, and with one that has it off; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => c.ledger.post(spendUrl(c), c.tokens.admin, SPEND),
      409,
      'SPEND_TRACKING_OFF',
    );
    await recordAgreement(c, { spendTracking: false });
    await expectRefused(
      c.ledger,
      () => c.ledger.post(spendUrl(c), c.tokens.admin, SPEND),
      409,
      'SPEND_TRACKING_OFF',
    );
  });

  it('201 within the budget, no flag; VAT recorded; GET /v1/events shows the SpendRecorded', async () => {
    const c = await ctx();
    await tracking(c);
    const body = expectWritten(
      await c.ledger.post(spendUrl(c), c.tokens.police, {
        ...SPEND,
        vat: '50.00',
        vatRecoverable: false,
      }),
      ['spendId'],
    );
    expect(await eventOf(c, body.eventId)).toMatchObject({
      type: 'SpendRecorded',
      streamId: `pot-${c.potId}`,
      data: {
        potId: c.potId,
        spendId: body.spendId,
        interventionId: c.interventionId,
        ...SPEND,
        vat: '50.00',
        vatRecoverable: false,
      },
    });
  });

  it('each allowed caller: admin and finance officers of every partner (host, partner, no stake)', async () => {
    const c = await ctx();
    await tracking(c);
    for (const token of [c.tokens.admin, c.tokens.cc, c.tokens.police, probationToken(c)]) {
      expectWritten(await c.ledger.post(spendUrl(c), token, { ...SPEND, amount: '1.00' }), [
        'spendId',
      ]);
    }
  });

  it('under warn, spend past the budget is accepted and flagged with only the part past it', async () => {
    const c = await ctx();
    await tracking(c);
    expectWritten(
      await c.ledger.post(spendUrl(c), c.tokens.admin, { ...SPEND, amount: '900.00' }),
      ['spendId'],
    );
    const body = expectWritten(
      await c.ledger.post(spendUrl(c), c.tokens.admin, { ...SPEND, amount: '300.00' }),
      ['spendId', 'overspend'],
    );
    expect(body.overspend).toEqual({
      financialYear: '2025-26',
      budget: '1000.00',
      spent: '900.00',
      committed: '0.00',
      remaining: '100.00',
      overBy: '200.00',
    });
    expect((await eventOf(c, body.eventId)).data.overspend).toEqual(body.overspend);
  });

  it('under block, 409 BUDGET_EXCEEDED with the figures; nothing appended', async () => {
    const c = await ctx();
    await tracking(c, 'block');
    const refused = await expectRefused(
      c.ledger,
      () => c.ledger.post(spendUrl(c), c.tokens.admin, { ...SPEND, amount: '1000.01' }),
      409,
      'BUDGET_EXCEEDED',
    );
    expect(refused.details).toMatchObject({
      interventionId: c.interventionId,
      remaining: '1000.00',
      overBy: '0.01',
    });
    expectWritten(
      await c.ledger.post(spendUrl(c), c.tokens.admin, { ...SPEND, amount: '1000.00' }),
      ['spendId'],
    );
  });

  it('against a commitment: releases it (commitmentReleased) and is no overspend where it covered it', async () => {
    const c = await ctx();
    await tracking(c, 'block');
    const commitment = await raise(c);
    const body = expectWritten(
      await c.ledger.post(spendUrl(c), c.tokens.admin, {
        ...SPEND,
        amount: '1000.00',
        commitmentId: commitment.commitmentId,
      }),
      ['spendId', 'commitmentReleased'],
    );
    expect(body.commitmentReleased).toBe('800.00');
    expect((await eventOf(c, body.eventId)).data).toMatchObject({
      commitmentId: commitment.commitmentId,
      commitmentReleased: '800.00',
    });
  });

  it('404 NOT_FOUND for an unknown intervention, pot or commitment; nothing appended', async () => {
    const c = await ctx();
    await tracking(c);
    await expectRefused(
      c.ledger,
      () => c.ledger.post(spendUrl(c, UNKNOWN_ULID), c.tokens.admin, SPEND),
      404,
      'NOT_FOUND',
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(spendUrl(c, c.interventionId, UNKNOWN_ULID), c.tokens.admin, SPEND),
      404,
      'NOT_FOUND',
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(spendUrl(c), c.tokens.admin, { ...SPEND, commitmentId: UNKNOWN_ULID }),
      404,
      'NOT_FOUND',
    );
  });

  it('400 VALIDATION_FAILED for vatRecoverable without vat, and naming the field for a malformed body; nothing appended', async () => {
    const c = await ctx();
    await tracking(c);
    await expectRefused(
      c.ledger,
      () => c.ledger.post(spendUrl(c), c.tokens.admin, { ...SPEND, vatRecoverable: true }),
      400,
      'VALIDATION_FAILED',
    );
    const cases: [Json, string][] = [
      [{ amount: '0.00' }, 'body.amount'],
      [{ amount: '-1.00' }, 'body.amount'],
      [{ amount: '1.234' }, 'body.amount'],
      [{ effectiveDate: '2025-02-30' }, 'body.effectiveDate'],
      [{ supplier: '' }, 'body.supplier'],
      [{ vat: 'x' }, 'body.vat'],
      [{ commitmentId: 'not-a-ulid' }, 'body.commitmentId'],
      [{ overspend: true }, 'body'],
    ];
    for (const [patch, path] of cases) {
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(spendUrl(c), c.tokens.admin, { ...SPEND, ...patch }),
        path,
      );
    }
  });

  it('409 PERIOD_CLOSED for spend dated in a closed year; nothing appended', async () => {
    const c = await ctx();
    await tracking(c);
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/financial-years/2024-25/close`, c.tokens.admin, {}),
      ['financialYear', 'closedThrough'],
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(spendUrl(c), c.tokens.admin, { ...SPEND, effectiveDate: '2025-03-31' }),
      409,
      'PERIOD_CLOSED',
    );
  });

  it('idempotent replay; another body under the same key is 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const c = await ctx();
    await tracking(c);
    await expectIdempotent(
      c,
      spendUrl(c),
      c.tokens.police,
      SPEND,
      { ...SPEND, invoiceRef: 'INV-2' },
      ['spendId'],
    );
  });
});

describeWriteRouteRefusals({
  name: 'POST /v1/pots/:potId/interventions/:interventionId/spend',
  url: (c) => spendUrl(c),
  body: () => SPEND,
  allowed: (c) => c.tokens.police,
  claims: { role: 'finance-officer', agency: 'essex-police' },
  forbidden: [
    { who: 'a finance officer of a non-partner', token: nhsToken },
    { who: 'an auditor', token: (c) => c.tokens.auditor },
    { who: 'a reporter', token: (c) => c.tokens.reporter },
  ],
  answerKeys: ['spendId'],
  prepare: (c) => tracking(c),
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/pots/:potId/interventions/:interventionId/commitments', () => {
  const ctx = useScenario({ clock: CLOCK });

  it('409 SPEND_TRACKING_OFF without an agreement; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => c.ledger.post(commitmentsUrl(c), c.tokens.admin, COMMITMENT),
      409,
      'SPEND_TRACKING_OFF',
    );
  });

  it('201 with the commitmentId; it reserves budget: later spend is flagged past what is left', async () => {
    const c = await ctx();
    await tracking(c);
    const body = expectWritten(
      await c.ledger.post(commitmentsUrl(c), c.tokens.cc, {
        ...COMMITMENT,
        supplier: 'Acme',
        description: 'Care package',
      }),
      ['commitmentId'],
    );
    expect(await eventOf(c, body.eventId)).toMatchObject({
      type: 'CommitmentRaised',
      data: {
        commitmentId: body.commitmentId,
        interventionId: c.interventionId,
        ...COMMITMENT,
        supplier: 'Acme',
      },
    });
    const spend = expectWritten(await c.ledger.post(spendUrl(c), c.tokens.admin, SPEND), [
      'spendId',
      'overspend',
    ]);
    expect(spend.overspend).toMatchObject({ committed: '800.00', overBy: '100.00' });
  });

  it('under warn flagged; under block 409 BUDGET_EXCEEDED; nothing appended', async () => {
    const c = await ctx();
    await tracking(c);
    const body = expectWritten(
      await c.ledger.post(commitmentsUrl(c), c.tokens.admin, { ...COMMITMENT, amount: '1200.00' }),
      ['commitmentId', 'overspend'],
    );
    expect(body.overspend).toMatchObject({ remaining: '1000.00', overBy: '200.00' });
    await recordAgreement(c, { replaces: 1, overspend: { policy: 'block' } });
    await expectRefused(
      c.ledger,
      () => c.ledger.post(commitmentsUrl(c), c.tokens.admin, { ...COMMITMENT, amount: '0.01' }),
      409,
      'BUDGET_EXCEEDED',
    );
  });

  it('404 for an unknown intervention; 400 naming the field for a malformed body; nothing appended', async () => {
    const c = await ctx();
    await tracking(c);
    await expectRefused(
      c.ledger,
      () => c.ledger.post(commitmentsUrl(c, UNKNOWN_ULID), c.tokens.admin, COMMITMENT),
      404,
      'NOT_FOUND',
    );
    for (const [patch, path] of [
      [{ amount: '0' }, 'body.amount'],
      [{ reference: '' }, 'body.reference'],
      [{ effectiveDate: 'tomorrow' }, 'body.effectiveDate'],
    ] as [Json, string][]) {
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(commitmentsUrl(c), c.tokens.admin, { ...COMMITMENT, ...patch }),
        path,
      );
    }
  });

  it('idempotent replay; another body under the same key is 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const c = await ctx();
    await tracking(c);
    await expectIdempotent(
      c,
      commitmentsUrl(c),
      c.tokens.police,
      COMMITMENT,
      { ...COMMITMENT, amount: '1.00' },
      ['commitmentId'],
    );
  });
});

describeWriteRouteRefusals({
  name: 'POST /v1/pots/:potId/interventions/:interventionId/commitments',
  url: (c) => commitmentsUrl(c),
  body: () => COMMITMENT,
  allowed: (c) => c.tokens.cc,
  claims: { role: 'finance-officer', agency: 'essex-cc' },
  forbidden: [
    { who: 'a finance officer of a non-partner', token: nhsToken },
    { who: 'an auditor', token: (c) => c.tokens.auditor },
    { who: 'a reporter', token: (c) => c.tokens.reporter },
  ],
  answerKeys: ['commitmentId'],
  prepare: (c) => tracking(c),
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/pots/:potId/interventions/:interventionId/commitments/:commitmentId/release', () => {
  const ctx = useScenario({ clock: CLOCK });

  it('201 releasing part, then (without an amount) everything outstanding, dated today by default', async () => {
    const c = await ctx();
    await tracking(c);
    const { commitmentId } = await raise(c);
    const part = expectWritten(
      await c.ledger.post(releaseUrl(c, commitmentId), c.tokens.police, {
        amount: '300.00',
        effectiveDate: '2025-07-01',
        reason: 'Order cut',
      }),
      ['commitmentId', 'amount'],
    );
    expect(part).toMatchObject({ commitmentId, amount: '300.00' });
    const rest = expectWritten(
      await c.ledger.post(releaseUrl(c, commitmentId), c.tokens.admin, { reason: 'Completed' }),
      ['commitmentId', 'amount'],
    );
    expect(rest.amount).toBe('500.00');
    expect(await eventOf(c, rest.eventId)).toMatchObject({
      type: 'CommitmentReleased',
      data: {
        commitmentId,
        interventionId: c.interventionId,
        amount: '500.00',
        effectiveDate: '2026-01-15',
        reason: 'Completed',
      },
    });
    await expectRefused(
      c.ledger,
      () => c.ledger.post(releaseUrl(c, commitmentId), c.tokens.admin, { reason: 'Again' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('400 VALIDATION_FAILED for more than is outstanding, or dated before the commitment; nothing appended', async () => {
    const c = await ctx();
    await tracking(c);
    const { commitmentId } = await raise(c);
    const refused = await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(releaseUrl(c, commitmentId), c.tokens.admin, {
          amount: '800.01',
          reason: 'x',
        }),
      400,
      'VALIDATION_FAILED',
    );
    expect(refused.details).toEqual({ outstanding: '800.00' });
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(releaseUrl(c, commitmentId), c.tokens.admin, {
          effectiveDate: '2025-05-31',
          reason: 'x',
        }),
      400,
      'VALIDATION_FAILED',
    );
    await expectInvalid(
      c.ledger,
      () => c.ledger.post(releaseUrl(c, commitmentId), c.tokens.admin, { amount: '1.00' }),
      'body.reason',
    );
  });

  it('404 NOT_FOUND for an unknown commitment, or one of another intervention; 409 SPEND_TRACKING_OFF once tracking is off; nothing appended', async () => {
    const c = await ctx();
    await tracking(c);
    const other = expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/interventions`, c.tokens.cc, {
        name: 'Housing first',
        leadAgencyId: 'essex-cc',
      }),
      ['interventionId'],
    );
    const { commitmentId } = await raise(c);
    await expectRefused(
      c.ledger,
      () => c.ledger.post(releaseUrl(c, UNKNOWN_ULID), c.tokens.admin, { reason: 'x' }),
      404,
      'NOT_FOUND',
    );
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(releaseUrl(c, commitmentId, other.interventionId), c.tokens.admin, {
          reason: 'x',
        }),
      404,
      'NOT_FOUND',
    );
  });

  it('idempotent replay; another body under the same key is 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const c = await ctx();
    await tracking(c);
    const { commitmentId } = await raise(c);
    await expectIdempotent(
      c,
      releaseUrl(c, commitmentId),
      c.tokens.cc,
      { amount: '100.00', reason: 'Order cut' },
      { amount: '200.00', reason: 'Order cut' },
      ['commitmentId', 'amount'],
    );
  });
});

let releaseTarget = '';
describeWriteRouteRefusals({
  name: 'POST …/commitments/:commitmentId/release',
  url: (c) => releaseUrl(c, releaseTarget),
  body: () => ({ amount: '1.00', reason: 'Order cut' }),
  allowed: (c) => c.tokens.police,
  claims: { role: 'finance-officer', agency: 'essex-police' },
  forbidden: [
    { who: 'a finance officer of a non-partner', token: nhsToken },
    { who: 'an auditor', token: (c) => c.tokens.auditor },
    { who: 'a reporter', token: (c) => c.tokens.reporter },
  ],
  answerKeys: ['commitmentId', 'amount'],
  prepare: async (c) => {
    await tracking(c);
    releaseTarget = (await raise(c)).commitmentId;
  },
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/pots/:potId/interventions/:interventionId/forecasts', () => {
  const ctx = useScenario({ clock: CLOCK });

  it('201 with the budget and variance; a forecast off the budget needs an explanation', async () => {
    const c = await ctx();
    await tracking(c);
    const onBudget = expectWritten(await c.ledger.post(forecastsUrl(c), c.tokens.cc, FORECAST), [
      'forecastId',
      'budget',
      'variance',
    ]);
    expect(onBudget).toMatchObject({ budget: '1000.00', variance: '0.00' });
    await expectRefused(
      c.ledger,
      () => c.ledger.post(forecastsUrl(c), c.tokens.cc, { ...FORECAST, forecastOutturn: '900.00' }),
      400,
      'VALIDATION_FAILED',
    );
    const under = expectWritten(
      await c.ledger.post(forecastsUrl(c), c.tokens.police, {
        ...FORECAST,
        forecastOutturn: '900.00',
        explanation: 'Fewer referrals',
      }),
      ['forecastId', 'budget', 'variance'],
    );
    expect(under).toMatchObject({ budget: '1000.00', variance: '-100.00' });
    expect(await eventOf(c, under.eventId)).toMatchObject({
      type: 'ForecastRecorded',
      data: {
        forecastId: under.forecastId,
        financialYear: '2025-26',
        quarter: 2,
        forecastOutturn: '900.00',
        budget: '1000.00',
        explanation: 'Fewer referrals',
      },
    });
  });

  it('409 SPEND_TRACKING_OFF without tracking; 404 for an unknown intervention; 400 naming the field; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => c.ledger.post(forecastsUrl(c), c.tokens.admin, FORECAST),
      409,
      'SPEND_TRACKING_OFF',
    );
    await tracking(c);
    await expectRefused(
      c.ledger,
      () => c.ledger.post(forecastsUrl(c, UNKNOWN_ULID), c.tokens.admin, FORECAST),
      404,
      'NOT_FOUND',
    );
    for (const [patch, path] of [
      [{ quarter: 5 }, 'body.quarter'],
      [{ quarter: 0 }, 'body.quarter'],
      [{ financialYear: '2025-27' }, 'body.financialYear'],
      [{ forecastOutturn: '-1.00' }, 'body.forecastOutturn'],
    ] as [Json, string][]) {
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(forecastsUrl(c), c.tokens.admin, { ...FORECAST, ...patch }),
        path,
      );
    }
  });

  it('idempotent replay; another body under the same key is 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const c = await ctx();
    await tracking(c);
    await expectIdempotent(
      c,
      forecastsUrl(c),
      c.tokens.admin,
      FORECAST,
      { ...FORECAST, quarter: 3 },
      ['forecastId', 'budget', 'variance'],
    );
  });
});

describeWriteRouteRefusals({
  name: 'POST /v1/pots/:potId/interventions/:interventionId/forecasts',
  url: (c) => forecastsUrl(c),
  body: () => FORECAST,
  allowed: (c) => probationToken(c),
  claims: { role: 'finance-officer', agency: 'essex-probation' },
  forbidden: [
    { who: 'a finance officer of a non-partner', token: nhsToken },
    { who: 'an auditor', token: (c) => c.tokens.auditor },
    { who: 'a reporter', token: (c) => c.tokens.reporter },
  ],
  answerKeys: ['forecastId', 'budget', 'variance'],
  prepare: (c) => tracking(c),
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/pots/:potId/reversals of spend, commitments and forecasts', () => {
  const ctx = useScenario({ clock: CLOCK });

  it('a spend reversal restores what it released of its commitment; the commitment can then be reversed; a forecast withdrawn', async () => {
    const c = await ctx();
    await tracking(c, 'block');
    const commitment = await raise(c);
    const spend = expectWritten(
      await c.ledger.post(spendUrl(c), c.tokens.admin, {
        ...SPEND,
        commitmentId: commitment.commitmentId,
      }),
      ['spendId', 'commitmentReleased'],
    );
    const spendReversal = expectWritten(
      await c.ledger.post(reversalsUrl(c), c.tokens.police, {
        eventId: spend.eventId,
        reason: 'Invoice paid twice',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    expect(spendReversal).toMatchObject({
      type: 'SpendReversed',
      reversedEventId: spend.eventId,
      amount: '300.00',
    });
    expect((await eventOf(c, spendReversal.eventId)).data).toMatchObject({
      spendId: spend.spendId,
      commitmentId: commitment.commitmentId,
      commitmentRestored: '300.00',
      effectiveDate: '2026-01-15',
    });
    // The whole £800 is reserved again: £200.01 of spend not against it is past the budget.
    await expectRefused(
      c.ledger,
      () => c.ledger.post(spendUrl(c), c.tokens.admin, { ...SPEND, amount: '200.01' }),
      409,
      'BUDGET_EXCEEDED',
    );
    const commitmentReversal = expectWritten(
      await c.ledger.post(reversalsUrl(c), c.tokens.admin, {
        eventId: commitment.eventId,
        reason: 'Raised in error',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    expect(commitmentReversal).toMatchObject({ type: 'CommitmentReversed', amount: '800.00' });
    expectWritten(
      await c.ledger.post(spendUrl(c), c.tokens.admin, { ...SPEND, amount: '1000.00' }),
      ['spendId'],
    );

    const forecast = expectWritten(await c.ledger.post(forecastsUrl(c), c.tokens.admin, FORECAST), [
      'forecastId',
      'budget',
      'variance',
    ]);
    const withdrawn = expectWritten(
      await c.ledger.post(reversalsUrl(c), c.tokens.cc, {
        eventId: forecast.eventId,
        reason: 'Wrong quarter',
      }),
      ['type', 'reversedEventId'],
    );
    expect(withdrawn.type).toBe('ForecastWithdrawn');

    for (const eventId of [spend.eventId, commitment.eventId, forecast.eventId]) {
      await expectRefused(
        c.ledger,
        () => c.ledger.post(reversalsUrl(c), c.tokens.admin, { eventId, reason: 'Again' }),
        409,
        'ALREADY_REVERSED',
      );
    }
  });

  it('400 VALIDATION_FAILED for a reversal dated before the spend, or as a prior-period adjustment of an open year; 403 for a non-partner; nothing appended', async () => {
    const c = await ctx();
    await tracking(c);
    const spend = expectWritten(await c.ledger.post(spendUrl(c), c.tokens.admin, SPEND), [
      'spendId',
    ]);
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(reversalsUrl(c), c.tokens.admin, {
          eventId: spend.eventId,
          reason: 'x',
          effectiveDate: '2025-06-14',
        }),
      400,
      'VALIDATION_FAILED',
    );
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(reversalsUrl(c), c.tokens.admin, {
          eventId: spend.eventId,
          reason: 'x',
          priorPeriodAdjustment: '2025-26',
        }),
      400,
      'VALIDATION_FAILED',
    );
    for (const token of [nhsToken(c), c.tokens.auditor, c.tokens.reporter]) {
      await expectRefused(
        c.ledger,
        () => c.ledger.post(reversalsUrl(c), token, { eventId: spend.eventId, reason: 'x' }),
        403,
        'FORBIDDEN',
      );
    }
    await expectRefused(
      c.ledger,
      () => c.ledger.post(reversalsUrl(c), null, { eventId: spend.eventId, reason: 'x' }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('agreements and scheme details cannot be reversed (400); idempotent replay of a spend reversal', async () => {
    const c = await ctx();
    const agreement = await recordAgreement(c);
    expectWritten(await allocate(c, '1000.00'), ['allocationId', 'status', 'fundingShares']);
    const scheme = expectWritten(await c.ledger.post(schemeUrl(c), c.tokens.admin, SCHEME), [
      'interventionId',
    ]);
    for (const eventId of [agreement.eventId, scheme.eventId]) {
      await expectRefused(
        c.ledger,
        () => c.ledger.post(reversalsUrl(c), c.tokens.admin, { eventId, reason: 'x' }),
        400,
        'VALIDATION_FAILED',
      );
    }
    const spend = expectWritten(await c.ledger.post(spendUrl(c), c.tokens.admin, SPEND), [
      'spendId',
    ]);
    await expectIdempotent(
      c,
      reversalsUrl(c),
      c.tokens.admin,
      { eventId: spend.eventId, reason: 'Paid twice' },
      { eventId: spend.eventId, reason: 'Another reason' },
      ['type', 'reversedEventId', 'amount'],
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('POST /v1/pots/:potId/contributions with riskShareFor', () => {
  const ctx = useScenario({ clock: () => '2026-04-20T09:00:00.000Z' });
  const payment = {
    agencyId: 'essex-cc',
    amount: '10.00',
    effectiveDate: '2026-04-10',
    reference: 'RS-1',
    riskShareFor: '2025-26',
  };

  it('400 VALIDATION_FAILED for a year not settled (with or without spend tracking); nothing appended', async () => {
    const c = await ctx();
    const url = `/v1/pots/${c.potId}/contributions`;
    await expectRefused(
      c.ledger,
      () => c.ledger.post(url, c.tokens.cc, payment),
      400,
      'VALIDATION_FAILED',
    );
    await tracking(c);
    await expectRefused(
      c.ledger,
      () => c.ledger.post(url, c.tokens.cc, payment),
      400,
      'VALIDATION_FAILED',
    );
  });

  it("403 for another agency's finance officer or a non-partner's; 400 naming a malformed year; nothing appended", async () => {
    const c = await ctx();
    const url = `/v1/pots/${c.potId}/contributions`;
    for (const token of [c.tokens.police, nhsToken(c)]) {
      await expectRefused(c.ledger, () => c.ledger.post(url, token, payment), 403, 'FORBIDDEN');
    }
    await expectInvalid(
      c.ledger,
      () => c.ledger.post(url, c.tokens.cc, { ...payment, riskShareFor: '2025' }),
      'body.riskShareFor',
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('GET /v1/events and the audit trail list the new events', () => {
  const ctx = useScenario({ clock: CLOCK });

  it('every pooled-fund event type written through the API, with its data, in order', async () => {
    const c = await ctx();
    const start = await head(c.ledger);
    await tracking(c);
    expectWritten(await c.ledger.post(schemeUrl(c), c.tokens.cc, SCHEME), ['interventionId']);
    const commitment = await raise(c);
    expectWritten(
      await c.ledger.post(releaseUrl(c, commitment.commitmentId), c.tokens.admin, {
        amount: '100.00',
        reason: 'Cut',
      }),
      ['commitmentId', 'amount'],
    );
    const spend = expectWritten(await c.ledger.post(spendUrl(c), c.tokens.admin, SPEND), [
      'spendId',
    ]);
    const forecast = expectWritten(await c.ledger.post(forecastsUrl(c), c.tokens.admin, FORECAST), [
      'forecastId',
      'budget',
      'variance',
    ]);
    for (const eventId of [spend.eventId, commitment.eventId, forecast.eventId]) {
      expectWritten(
        await c.ledger.post(reversalsUrl(c), c.tokens.admin, { eventId, reason: 'Undo' }),
        eventId === forecast.eventId
          ? ['type', 'reversedEventId']
          : ['type', 'reversedEventId', 'amount'],
      );
    }
    const events = (await allEvents(c.ledger)).filter((e) => BigInt(e.position) > start);
    expect(events.map((e) => e.type)).toEqual([
      'AgreementRecorded',
      'FundsAllocated',
      'SchemeDetailsRecorded',
      'CommitmentRaised',
      'CommitmentReleased',
      'SpendRecorded',
      'ForecastRecorded',
      'SpendReversed',
      'CommitmentReversed',
      'ForecastWithdrawn',
    ]);
    for (const event of events) {
      expect(event.streamId).toBe(`pot-${c.potId}`);
      expect(event.data.potId).toBe(c.potId);
    }
    expect(events.find((e) => e.type === 'CommitmentReversed')!.data).toMatchObject({
      commitmentId: commitment.commitmentId,
      amount: '700.00',
    });
  });

  it('the audit trail lists them too, each with its one-line summary', async () => {
    const c = await ctx();
    await tracking(c);
    const spend = expectWritten(await c.ledger.post(spendUrl(c), c.tokens.admin, SPEND), [
      'spendId',
    ]);
    const audit = await c.ledger.get(`/v1/audit?potId=${c.potId}`, c.tokens.auditor);
    expect(audit.statusCode, audit.body).toBe(200);
    const types = (audit.json().entries as Json[]).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['AgreementRecorded', 'FundsAllocated', 'SpendRecorded']);
    expect((audit.json().entries as Json[]).at(-1)?.eventId).toBe(spend.eventId);
    expect((audit.json().entries as Json[]).at(-1)?.summary).toContain('recorded spend of £');
  });
});
