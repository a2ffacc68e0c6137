/**
 * The unit-cost catalogue over HTTP (POST /v1/unit-costs, POST /v1/unit-costs/:code/versions,
 * GET /v1/unit-costs, GET /v1/unit-costs/:code) and outcomes recorded by quantity. Who may call
 * each route is in access.test.ts.
 */
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { createCommandHandler } from '../../src/writePath/commandHandler.ts';
import { createLedgerCommands } from '../../src/writePath/ledgerCommands.ts';
import { readDeflatorFile } from '../../src/unitCosts/unitCostFile.ts';
import { DV, domesticViolenceBody, HIP, hipFractureBody } from '../unitCosts/fixtures.ts';
import {
  allEvents,
  allocate,
  describeWriteRouteRefusals,
  expectInvalid,
  expectProblem,
  expectRefused,
  expectWritten,
  recordOutcome,
  useScenario,
  type Ctx,
} from './helpers.ts';

const { code: _hip, ...hipFigures } = hipFractureBody();
const revisedHip = {
  ...hipFigures,
  amount: '13000.00',
  split: [
    { agencyKind: 'health', amount: '10300.00', cashable: false },
    { agencyKind: 'council', amount: '2700.00', cashable: true, label: 'adult social care' },
  ],
};

const addUnitCost = (c: Ctx, body: unknown, headers: Record<string, string> = {}) =>
  c.ledger.post('/v1/unit-costs', c.tokens.admin, body, headers);
const supersede = (c: Ctx, code: string, body: unknown) =>
  c.ledger.post(`/v1/unit-costs/${code}/versions`, c.tokens.admin, body);

describe('POST /v1/unit-costs', () => {
  const ctx = useScenario();

  it('201: adds version 1; GET lists it with who added it and when; GET /:code shows its history', async () => {
    const c = await ctx();
    const written = expectWritten(await addUnitCost(c, hipFractureBody()), ['code', 'version']);
    expect(written).toMatchObject({ code: HIP, version: 1 });
    const entry = {
      ...hipFractureBody(),
      version: 1,
      addedAt: expect.any(String),
      addedBy: 'alice',
      position: written.position,
    };
    for (const token of [c.tokens.auditor, c.tokens.admin]) {
      const list = await c.ledger.get('/v1/unit-costs', token);
      expect(list.statusCode).toBe(200);
      expect(list.json().unitCosts).toEqual([entry]);
    }
    // The catalogue belongs to no pot: the other roles read its figures, the admin's name withheld and said to be.
    for (const token of [c.tokens.reporter, c.tokens.cc]) {
      const figures = { ...entry, addedBy: null, redacted: ['addedBy'] };
      expect((await c.ledger.get('/v1/unit-costs', token)).json().unitCosts).toEqual([figures]);
      expect((await c.ledger.get(`/v1/unit-costs/${HIP}`, token)).json()).toEqual({
        code: HIP,
        versions: [figures],
      });
    }
    expect((await c.ledger.get(`/v1/unit-costs/${HIP}`, c.tokens.auditor)).json()).toEqual({
      code: HIP,
      versions: [entry],
    });
    const audit = (await c.ledger.get('/v1/audit', c.tokens.auditor)).json().entries;
    expect(audit.at(-1)).toMatchObject({
      type: 'UnitCostAdded',
      streamId: `unit-cost-${HIP}`,
      summary: `alice (admin) added unit cost ${HIP} version 1: £12,700.00 per incident (2008-09 prices), Hip fracture: hospital treatment and the social care that follows`,
    });
  });

  it('a retry with the same Idempotency-Key answers the original and appends nothing', async () => {
    const c = await ctx();
    const first = expectWritten(
      await addUnitCost(c, hipFractureBody(), { 'idempotency-key': 'uc-1' }),
      ['code', 'version'],
    );
    const before = await c.ledger.store.headPosition();
    const again = await addUnitCost(c, hipFractureBody(), { 'idempotency-key': 'uc-1' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first);
    expect(await c.ledger.store.headPosition()).toBe(before);
  });

  it('409 IDEMPOTENCY_KEY_REUSED for the same key with another body; nothing appended', async () => {
    const c = await ctx();
    expectWritten(await addUnitCost(c, hipFractureBody(), { 'idempotency-key': 'uc-2' }), [
      'code',
      'version',
    ]);
    await expectRefused(
      c.ledger,
      () =>
        addUnitCost(c, hipFractureBody({ description: 'another' }), { 'idempotency-key': 'uc-2' }),
      409,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it('409 ALREADY_EXISTS for a code already in the catalogue', async () => {
    const c = await ctx();
    expectWritten(await addUnitCost(c, hipFractureBody()), ['code', 'version']);
    await expectRefused(
      c.ledger,
      () =>
        addUnitCost(
          c,
          hipFractureBody({
            amount: '1.00',
            split: [{ agencyKind: 'health', amount: '1.00', cashable: false }],
          }),
        ),
      409,
      'ALREADY_EXISTS',
    );
  });

  it('400 VALIDATION_FAILED when the split does not sum to the amount, with both figures', async () => {
    const c = await ctx();
    const body = await expectRefused(
      c.ledger,
      () => addUnitCost(c, hipFractureBody({ amount: '12700.01' })),
      400,
      'VALIDATION_FAILED',
    );
    expect(body.detail).toContain('12700.00');
  });

  it('400 VALIDATION_FAILED with field errors for a bad code, price year, kind or amount', async () => {
    const c = await ctx();
    await expectInvalid(
      c.ledger,
      () => addUnitCost(c, hipFractureBody({ code: 'hip fracture' })),
      'body.code',
    );
    await expectInvalid(
      c.ledger,
      () => addUnitCost(c, hipFractureBody({ priceYear: '2008-10' })),
      'body.priceYear',
    );
    await expectInvalid(
      c.ledger,
      () =>
        addUnitCost(c, {
          ...hipFractureBody(),
          split: [{ agencyKind: 'nhs', amount: '12700.00', cashable: false }],
        }),
      'body.split',
    );
    await expectInvalid(
      c.ledger,
      () => addUnitCost(c, hipFractureBody({ amount: '12700.001' })),
      'body.amount',
    );
    await expectInvalid(
      c.ledger,
      () => addUnitCost(c, { ...hipFractureBody(), sourceUrl: 'javascript:alert(1)' }),
      'body.sourceUrl',
    );
    await expectInvalid(c.ledger, () => addUnitCost(c, { ...hipFractureBody(), version: 2 }));
  });
});

describe('POST /v1/unit-costs/:code/versions', () => {
  const ctx = useScenario();

  it('201: version 2 supersedes version 1; GET shows only the version in force unless includeSuperseded=true', async () => {
    const c = await ctx();
    expectWritten(await addUnitCost(c, hipFractureBody()), ['code', 'version']);
    const written = expectWritten(await supersede(c, HIP, revisedHip), [
      'code',
      'version',
      'supersedesVersion',
    ]);
    expect(written).toMatchObject({ code: HIP, version: 2, supersedesVersion: 1 });
    const audit = (await c.ledger.get('/v1/audit', c.tokens.auditor)).json().entries;
    expect(audit.at(-1).summary).toBe(
      `alice (admin) superseded unit cost ${HIP} version 1 with version 2: £13,000.00 per incident (2008-09 prices), Hip fracture: hospital treatment and the social care that follows`,
    );
    const current = (await c.ledger.get('/v1/unit-costs', c.tokens.auditor)).json().unitCosts;
    expect(current.map((u: { version: number; amount: string }) => [u.version, u.amount])).toEqual([
      [2, '13000.00'],
    ]);
    const every = (
      await c.ledger.get('/v1/unit-costs?includeSuperseded=true', c.tokens.auditor)
    ).json().unitCosts;
    expect(
      every.map((u: { version: number; supersededByVersion?: number }) => [
        u.version,
        u.supersededByVersion,
      ]),
    ).toEqual([
      [1, 2],
      [2, undefined],
    ]);
  });

  it('404 NOT_FOUND for a code never added; 400 for a split that does not sum; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(c.ledger, () => supersede(c, 'NO-SUCH-CODE', revisedHip), 404, 'NOT_FOUND');
    expectWritten(await addUnitCost(c, hipFractureBody()), ['code', 'version']);
    await expectRefused(
      c.ledger,
      () => supersede(c, HIP, { ...revisedHip, amount: '13000.01' }),
      400,
      'VALIDATION_FAILED',
    );
    await expectInvalid(c.ledger, () => supersede(c, 'lower-case', revisedHip), 'params.code');
  });
});

describe('GET /v1/unit-costs?priceYear=', () => {
  const ctx = useScenario();

  it("restates each entry in that year's prices with the shipped deflators, showing the indices used", async () => {
    const c = await ctx();
    expectWritten(await addUnitCost(c, hipFractureBody()), ['code', 'version']);
    const res = await c.ledger.get('/v1/unit-costs?priceYear=2023-24', c.tokens.reporter);
    expect(res.statusCode).toBe(200);
    // 12,700.00 × 106.5 ÷ 74.6 = 18,130.6970… → 18,130.70; split 10,000 : 2,700 by largest remainder.
    expect(res.json().unitCosts[0].uprated).toEqual({
      priceYear: '2023-24',
      amount: '18130.70',
      split: [
        { agencyKind: 'health', cashable: false, amount: '14276.14' },
        { agencyKind: 'council', cashable: true, amount: '3854.56' },
      ],
      deflator: {
        name: expect.stringContaining('GDP deflator'),
        fromIndex: '74.6',
        toIndex: '106.5',
      },
    });
    const plain = await c.ledger.get('/v1/unit-costs', c.tokens.reporter);
    expect(plain.json().unitCosts[0].uprated).toBeUndefined();
  });

  it('400 VALIDATION_FAILED for a year the series does not cover, or a malformed year', async () => {
    const c = await ctx();
    expectWritten(await addUnitCost(c, hipFractureBody()), ['code', 'version']);
    const body = expectProblem(
      await c.ledger.get('/v1/unit-costs?priceYear=1990-91', c.tokens.reporter),
      400,
      'VALIDATION_FAILED',
    );
    expect(body.detail).toContain('1990-91');
    expectProblem(
      await c.ledger.get('/v1/unit-costs?priceYear=2023', c.tokens.reporter),
      400,
      'VALIDATION_FAILED',
    );
  });
});

describe('unit costs priced in a year the deflator series does not cover', () => {
  const ctx = useScenario();
  const OLD = 'JUSTICE-OLD-FIGURE';

  it('400 VALIDATION_FAILED naming the years covered, for a new entry or a new version; nothing appended', async () => {
    const c = await ctx();
    const body = await expectRefused(
      c.ledger,
      () => addUnitCost(c, hipFractureBody({ priceYear: '1999-00' })),
      400,
      'VALIDATION_FAILED',
    );
    expect(body.detail).toContain('1999-00');
    expect(body.detail).toContain('2005-06 to 2025-26');
    expectWritten(await addUnitCost(c, hipFractureBody()), ['code', 'version']);
    const again = await expectRefused(
      c.ledger,
      () => supersede(c, HIP, { ...revisedHip, priceYear: '2030-31' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(again.detail).toContain('2030-31');
  });

  it('GET ?priceYear= answers uprated: null with an upratingProblem for just that entry; the others are uprated', async () => {
    const c = await ctx();
    expectWritten(await addUnitCost(c, hipFractureBody()), ['code', 'version']);
    // An entry recorded before such years were refused: written with a series that covered 1999-00.
    const shipped = readDeflatorFile();
    const older = createLedgerCommands(
      createCommandHandler({ store: c.ledger.store }),
      undefined,
      undefined,
      { index: { ...shipped.index, '1999-00': '60.0' } },
    );
    await older.addUnitCost(hipFractureBody({ code: OLD, priceYear: '1999-00' }), {
      actor: { sub: 'alice', role: 'admin' },
      commandId: ulid(),
      clientSuppliedKey: false,
      correlationId: ulid(),
    });
    const res = await c.ledger.get('/v1/unit-costs?priceYear=2023-24', c.tokens.reporter);
    expect(res.statusCode, res.body).toBe(200);
    const byCode = Object.fromEntries(
      res.json().unitCosts.map((u: { code: string }) => [u.code, u]),
    );
    expect(byCode[OLD]).toMatchObject({
      uprated: null,
      upratingProblem: expect.stringContaining('1999-00'),
    });
    expect(byCode[HIP].uprated).toMatchObject({ amount: '18130.70' });
    expect(byCode[HIP].upratingProblem).toBeUndefined();
  });
});

describe('GET /v1/unit-costs/:code', () => {
  const ctx = useScenario();

  it('404 NOT_FOUND for a code never added; 400 for a malformed code', async () => {
    const c = await ctx();
    expectProblem(
      await c.ledger.get('/v1/unit-costs/NO-SUCH-CODE', c.tokens.reporter),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await c.ledger.get('/v1/unit-costs/no%20such', c.tokens.reporter),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await c.ledger.get('/v1/unit-costs?includeSuperseded=yes', c.tokens.reporter),
      400,
      'VALIDATION_FAILED',
    );
  });
});

describe('POST …/outcomes with lines by quantity', () => {
  const ctx = useScenario({
    prepare: async (c) => {
      expectWritten(await addUnitCost(c, hipFractureBody()), ['code', 'version']);
      expectWritten(await addUnitCost(c, domesticViolenceBody()), ['code', 'version']);
      expectWritten(await allocate(c, '3000.00'), ['allocationId', 'fundingShares', 'status']);
    },
  });
  const hipLine = { unitCostCode: HIP, quantity: '2', beneficiaries: { health: 'nhs-mid-essex' } };

  it('201: values the lines from the catalogue, credits the one council partner, and keeps the valuation in the event', async () => {
    const c = await ctx();
    const res = await recordOutcome(c, { benefits: undefined, lines: [hipLine] });
    const written = expectWritten(res, ['outcomeId', 'flows', 'lines']);
    expect(written.lines).toEqual([
      {
        unitCostCode: HIP,
        version: 1,
        priceYear: '2008-09',
        unit: 'per incident',
        quantity: '2',
        unitAmount: '12700.00',
        amount: '25400.00',
        split: [
          {
            agencyKind: 'health',
            agencyId: 'nhs-mid-essex',
            cashable: false,
            unitAmount: '10000.00',
            amount: '20000.00',
          },
          {
            agencyKind: 'council',
            agencyId: 'essex-cc',
            cashable: true,
            unitAmount: '2700.00',
            amount: '5400.00',
          },
        ],
      },
    ]);
    const flowTotal = written.flows.reduce(
      (total: number, f: { amount: string }) => total + Math.round(Number(f.amount) * 100),
      0,
    );
    expect(flowTotal).toBe(2_540_000);
    const recorded = (await allEvents(c.ledger)).find((e) => e.type === 'OutcomeRecorded');
    expect(recorded?.data.lines).toEqual(written.lines);
    expect(recorded?.data.benefits).toEqual([
      { agencyId: 'essex-cc', amount: '5400.00', cashable: true },
      { agencyId: 'nhs-mid-essex', amount: '20000.00', cashable: false },
    ]);
  });

  it('a superseded figure values new outcomes only: the earlier outcome keeps the version it was valued with', async () => {
    const c = await ctx();
    expectWritten(await recordOutcome(c, { benefits: undefined, lines: [hipLine] }), [
      'outcomeId',
      'flows',
      'lines',
    ]);
    expectWritten(await supersede(c, HIP, revisedHip), ['code', 'version', 'supersedesVersion']);
    const second = expectWritten(
      await recordOutcome(c, { benefits: undefined, lines: [hipLine] }),
      ['outcomeId', 'flows', 'lines'],
    );
    expect(second.lines[0]).toMatchObject({
      version: 2,
      unitAmount: '13000.00',
      amount: '26000.00',
    });
    const recorded = (await allEvents(c.ledger)).filter((e) => e.type === 'OutcomeRecorded');
    expect(recorded.map((e) => e.data.lines[0].version)).toEqual([1, 2]);
    const pot = (await c.ledger.get(`/v1/pots/${c.potId}`, c.tokens.reporter)).json();
    expect(pot.interventions[0].benefits).toBe('51400.00');
  });

  it('benefits in pounds and lines together', async () => {
    const c = await ctx();
    const res = await recordOutcome(c, { lines: [hipLine] });
    expectWritten(res, ['outcomeId', 'flows', 'lines']);
    const recorded = (await allEvents(c.ledger)).find((e) => e.type === 'OutcomeRecorded');
    expect(recorded?.data.benefits.length).toBe(5);
  });

  it('400 VALIDATION_FAILED naming the kind when no partner has it and the line gives no mapping', async () => {
    const c = await ctx();
    const body = await expectRefused(
      c.ledger,
      () =>
        recordOutcome(c, { benefits: undefined, lines: [{ unitCostCode: HIP, quantity: '1' }] }),
      400,
      'VALIDATION_FAILED',
    );
    expect(body.detail).toContain('health');
    expect(body.detail).toContain('beneficiaries');
  });

  it('400 VALIDATION_FAILED for a code the catalogue does not hold', async () => {
    const c = await ctx();
    const body = await expectRefused(
      c.ledger,
      () =>
        recordOutcome(c, {
          benefits: undefined,
          lines: [{ unitCostCode: 'NO-SUCH-CODE', quantity: '1' }],
        }),
      400,
      'VALIDATION_FAILED',
    );
    expect(body.detail).toContain('NO-SUCH-CODE');
  });

  it('404 NOT_FOUND when a mapping names an agency nobody registered', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () =>
        recordOutcome(c, {
          benefits: undefined,
          lines: [{ unitCostCode: DV, quantity: '1', beneficiaries: { health: 'nobody' } }],
        }),
      404,
      'NOT_FOUND',
    );
  });

  it('400 with field errors for a bad quantity, an unknown kind in a mapping, or neither benefits nor lines', async () => {
    const c = await ctx();
    for (const quantity of ['0', '-1', '1.234', '1e3', '1000000.01', 2]) {
      await expectInvalid(
        c.ledger,
        () => recordOutcome(c, { benefits: undefined, lines: [{ unitCostCode: HIP, quantity }] }),
        'body.lines',
      );
    }
    await expectInvalid(
      c.ledger,
      () =>
        recordOutcome(c, {
          benefits: undefined,
          lines: [{ unitCostCode: HIP, quantity: '1', beneficiaries: { nhs: 'nhs-mid-essex' } }],
        }),
      'body.lines',
    );
    await expectInvalid(c.ledger, () => recordOutcome(c, { benefits: undefined }), 'body.benefits');
  });
});

const NOT_ADMIN = [
  { who: 'a finance officer of a partner', token: (c: Ctx) => c.tokens.cc },
  { who: 'a finance officer of a non-partner', token: (c: Ctx) => c.tokens.nhs },
  { who: 'an auditor', token: (c: Ctx) => c.tokens.auditor },
  { who: 'a reporter', token: (c: Ctx) => c.tokens.reporter },
];

describeWriteRouteRefusals({
  name: 'POST /v1/unit-costs',
  url: () => '/v1/unit-costs',
  body: () => hipFractureBody(),
  allowed: (c) => c.tokens.admin,
  claims: { role: 'admin' },
  forbidden: NOT_ADMIN,
  answerKeys: ['code', 'version'],
});

describeWriteRouteRefusals({
  name: 'POST /v1/unit-costs/:code/versions',
  url: () => `/v1/unit-costs/${HIP}/versions`,
  body: () => revisedHip,
  allowed: (c) => c.tokens.admin,
  claims: { role: 'admin' },
  forbidden: NOT_ADMIN,
  answerKeys: ['code', 'version', 'supersedesVersion'],
  prepare: async (c) => {
    expectWritten(await addUnitCost(c, hipFractureBody()), ['code', 'version']);
  },
});
