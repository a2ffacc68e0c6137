/**
 * The year-end settlement over HTTP (../shared/POOLED-FUND-YEAR.md "Year-end settlement",
 * docs/pooled-fund-year.md): GET …/financial-years/:fy/settlement-preview (any role) and
 * POST …/financial-years/:fy/settle (admin). The preview answers what settling would record and
 * equals the settlement figure for figure; settle writes one FinancialYearSettled, replays under
 * its Idempotency-Key and refuses a second settlement; every refusal appends nothing; after it
 * the year is locked (YEAR_SETTLED), the partners pay their debts with contributions marked
 * riskShareFor, the year can be closed, and the audit trail, the event log and the memorandum
 * account show the settlement.
 */
import { describe, expect, it } from 'vitest';
import {
  allEvents,
  allocate,
  contribute,
  expectInvalid,
  expectProblem,
  expectRefused,
  expectWritten,
  head,
  potSummary,
  useScenario,
  useSharedScenario,
  type Ctx,
  type Json,
} from './helpers.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
/** After 31 March 2026, so 2025-26 has ended. */
const AFTER_YEAR_END = () => '2026-04-20T09:00:00.000Z';
/** 15 January 2026, inside 2025-26. */
const IN_YEAR = () => '2026-01-15T10:00:00.000Z';

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

const previewUrl = (c: Ctx, financialYear = '2025-26', potId = c.potId) =>
  `/v1/pots/${potId}/financial-years/${financialYear}/settlement-preview`;
const settleUrl = (c: Ctx, financialYear = '2025-26', potId = c.potId) =>
  `/v1/pots/${potId}/financial-years/${financialYear}/settle`;
const closeUrl = (c: Ctx, financialYear = '2025-26') =>
  `/v1/pots/${c.potId}/financial-years/${financialYear}/close`;
const spendUrl = (c: Ctx, interventionId: string) =>
  `/v1/pots/${c.potId}/interventions/${interventionId}/spend`;
const commitmentsUrl = (c: Ctx, interventionId: string) =>
  `/v1/pots/${c.potId}/interventions/${interventionId}/commitments`;

const nhsToken = (c: Ctx) =>
  c.ledger.token('finance-officer', { sub: 'nina', agency: 'nhs-mid-essex' });

const preview = (c: Ctx, token: string | null = c.tokens.admin, url = previewUrl(c)) =>
  c.ledger.get(url, token);
const settle = (
  c: Ctx,
  token: string | null = c.tokens.admin,
  headers: Record<string, string> = {},
  url = settleUrl(c),
) => c.ledger.post(url, token, {}, headers);

async function recordAgreement(c: Ctx, body: Json = {}): Promise<Json> {
  return expectWritten(
    await c.ledger.post(`/v1/pots/${c.potId}/agreements`, c.tokens.admin, {
      ...AGREEMENT,
      ...body,
    }),
    body.replaces === undefined ? ['version'] : ['version', 'replaces'],
  );
}

async function defineIntervention(c: Ctx, name: string): Promise<string> {
  const res = await c.ledger.post(`/v1/pots/${c.potId}/interventions`, c.tokens.cc, {
    name,
    leadAgencyId: 'essex-police',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().interventionId as string;
}

async function spend(c: Ctx, interventionId: string, amount: string, effectiveDate: string) {
  const res = await c.ledger.post(spendUrl(c, interventionId), c.tokens.admin, {
    amount,
    effectiveDate,
    supplier: 'Acme Care Ltd',
    invoiceRef: `INV-${amount}`,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Json;
}

/** The eventId and position a write answer adds to the event's data. */
function withoutWritten(body: Json): Json {
  const { eventId: _eventId, position: _position, ...rest } = body;
  return rest;
}

interface Year {
  /** The scenario's intervention: budgeted £400,000.00, spent £396,000.00 (under). */
  readonly a: string;
  /** A second scheme: budgeted £99,000.00, spent £106,500.00 (over). */
  readonly b: string;
}

/**
 * The year the settlement tests settle. The scenario's pot holds council (host) £300,000.00 and
 * police £200,000.00, both paid in in 2025-26; probation is a partner with no stake. The
 * agreement tracks spend with the defaults: warn, cover from the pot, share by contributions,
 * carry forward.
 *
 *   Allocations (drawn pro rata to the stakes, 3 : 2):
 *     A £400,000.00 → council 240,000.00, police 160,000.00; stakes 60,000.00 / 40,000.00
 *     B  £99,000.00 → council  59,400.00, police  39,600.00; stakes    600.00 /    400.00
 *   Spend: A £396,000.00 (underspend 4,000.00); B £106,500.00 (overspend 7,500.00).
 *
 * Settlement of 2025-26:
 *   stakesBefore      council 600.00, police 400.00 (probation has none: not listed)
 *   1 release  A      4,000.00 by A's funding of the year 240,000 : 160,000
 *                     → council 2,400.00, police 1,600.00; stakes 3,000.00 / 2,000.00
 *   2 cover    B      min(7,500.00, available 5,000.00) = 5,000.00 pro rata to the stakes
 *                     → council 3,000.00, police 2,000.00; stakes 0.00 / 0.00
 *   3 share    B      the remaining 2,500.00 by 2025-26 contributions 300,000 : 200,000
 *                     → council 1,500.00, police 1,000.00; nothing falls to the host
 *   4 carry-forward: no returns
 *   5 owedByPartners  council 1,500.00, police 1,000.00; stakesAfter: none (all 0.00)
 * After it each scheme's funding of the year equals its spend: A 396,000.00 =
 * 400,000.00 − 4,000.00; B 106,500.00 = 99,000.00 + 5,000.00 + 2,500.00.
 */
async function settleableYear(c: Ctx): Promise<Year> {
  await recordAgreement(c);
  const a = c.interventionId;
  const b = await defineIntervention(c, 'Reablement at home');
  expectWritten(await allocate(c, '400000.00', { interventionId: a }), [
    'allocationId',
    'status',
    'fundingShares',
  ]);
  expectWritten(await allocate(c, '99000.00', { interventionId: b }), [
    'allocationId',
    'status',
    'fundingShares',
  ]);
  await spend(c, a, '396000.00', '2025-09-01');
  const over = await spend(c, b, '106500.00', '2025-10-01');
  expect(over.overspend).toMatchObject({ financialYear: '2025-26', overBy: '7500.00' });
  return { a, b };
}

/** The settlement of settleableYear, as the hand-worked comment above has it. */
function expectedSettlement(c: Ctx, year: Year, agreementEventId: string): Json {
  const schemes = [
    {
      interventionId: year.a,
      budget: '400000.00',
      spent: '396000.00',
      underspend: '4000.00',
      overspend: '0.00',
      fundingOfYear: [
        { agencyId: 'essex-cc', amount: '240000.00' },
        { agencyId: 'essex-police', amount: '160000.00' },
      ],
      released: [
        { agencyId: 'essex-cc', amount: '2400.00' },
        { agencyId: 'essex-police', amount: '1600.00' },
      ],
      covered: [],
      shared: [],
      fellToHost: '0.00',
    },
    {
      interventionId: year.b,
      budget: '99000.00',
      spent: '106500.00',
      underspend: '0.00',
      overspend: '7500.00',
      fundingOfYear: [
        { agencyId: 'essex-cc', amount: '59400.00' },
        { agencyId: 'essex-police', amount: '39600.00' },
      ],
      released: [],
      covered: [
        { agencyId: 'essex-cc', amount: '3000.00' },
        { agencyId: 'essex-police', amount: '2000.00' },
      ],
      shared: [
        { agencyId: 'essex-cc', amount: '1500.00' },
        { agencyId: 'essex-police', amount: '1000.00' },
      ],
      fellToHost: '0.00',
    },
  ].sort((x, y) => (x.interventionId < y.interventionId ? -1 : 1));
  return {
    potId: c.potId,
    financialYear: '2025-26',
    effectiveDate: '2026-03-31',
    agreement: { version: 1, agreementEventId },
    overspend: { policy: 'warn', coverFromPot: true, share: 'contributions' },
    underspend: 'carry-forward',
    hostAgencyId: 'essex-cc',
    shareWeights: [
      { agencyId: 'essex-cc', weight: '300000.00' },
      { agencyId: 'essex-police', weight: '200000.00' },
    ],
    stakesBefore: [
      { agencyId: 'essex-cc', amount: '600.00' },
      { agencyId: 'essex-police', amount: '400.00' },
    ],
    schemes,
    returns: [],
    owedByPartners: [
      { agencyId: 'essex-cc', amount: '1500.00' },
      { agencyId: 'essex-police', amount: '1000.00' },
    ],
    stakesAfter: [],
  };
}

const SETTLEMENT_KEYS = [
  'potId',
  'financialYear',
  'effectiveDate',
  'agreement',
  'overspend',
  'underspend',
  'hostAgencyId',
  'shareWeights',
  'stakesBefore',
  'schemes',
  'returns',
  'owedByPartners',
  'stakesAfter',
];

async function agreementEventId(c: Ctx): Promise<string> {
  const res = await c.ledger.get(`/v1/pots/${c.potId}/agreements`, c.tokens.admin);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().current.eventId as string;
}

/** Settles settleableYear and returns the 201 answer. */
async function settled(c: Ctx): Promise<{ year: Year; settlement: Json }> {
  const year = await settleableYear(c);
  const settlement = expectWritten(await settle(c), SETTLEMENT_KEYS);
  return { year, settlement };
}

function partnerOf(summary: Json, agencyId: string): Json {
  const partner = (summary.partners as Json[]).find((p) => p.agencyId === agencyId);
  expect(partner, `partner ${agencyId} in the pot summary`).toBeDefined();
  return partner!;
}

// ---------------------------------------------------------------------------------------------

describe('the settlement and its preview', () => {
  const ctx = useScenario({ clock: AFTER_YEAR_END });

  it('the preview answers the hand-worked figures and writes nothing; settle answers 201 with the same figures plus eventId and position', async () => {
    const c = await ctx();
    const year = await settleableYear(c);
    const expected = expectedSettlement(c, year, await agreementEventId(c));

    const before = await head(c.ledger);
    const res = await preview(c);
    expect(res.statusCode, res.body).toBe(200);
    const previewed = res.json() as Json;
    expect(previewed).toEqual(expected);
    expect(await head(c.ledger), 'the preview appended').toBe(before);

    const written = expectWritten(await settle(c), SETTLEMENT_KEYS);
    expect(withoutWritten(written)).toEqual(previewed);
    expect(BigInt(written.position)).toBe(before + 1n);
  });

  it('the same Idempotency-Key replays the answer and appends nothing; another key, or none, is 409 ALREADY_SETTLED; the preview too', async () => {
    const c = await ctx();
    await settleableYear(c);
    const headers = { 'idempotency-key': 'settle-2025-26' };
    const first = expectWritten(await settle(c, c.tokens.admin, headers), SETTLEMENT_KEYS);
    const before = await head(c.ledger);
    const again = await settle(c, c.tokens.admin, headers);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first);
    expect(await head(c.ledger)).toBe(before);

    const others: Record<string, string>[] = [{ 'idempotency-key': 'settle-2025-26-again' }, {}];
    for (const other of others) {
      const refused = await expectRefused(
        c.ledger,
        () => settle(c, c.tokens.admin, other),
        409,
        'ALREADY_SETTLED',
      );
      expect(refused.details).toEqual({ settlementEventId: first.eventId });
    }
    const previewed = expectProblem(await preview(c), 409, 'ALREADY_SETTLED');
    expect(previewed.details).toEqual({ settlementEventId: first.eventId });
    expect(await head(c.ledger)).toBe(before);
  });

  it('GET /v1/events shows the FinancialYearSettled with the data settle answered', async () => {
    const c = await ctx();
    const { settlement } = await settled(c);
    const event = (await allEvents(c.ledger)).find((e) => e.eventId === settlement.eventId);
    expect(event).toMatchObject({
      type: 'FinancialYearSettled',
      streamId: `pot-${c.potId}`,
      position: settlement.position,
    });
    expect(event!.data).toEqual(withoutWritten(settlement));
  });

  it('the audit trail lists FinancialYearSettled, saying what was released, covered, shared and owed', async () => {
    const c = await ctx();
    const { settlement } = await settled(c);
    const res = await c.ledger.get(`/v1/audit?potId=${c.potId}`, c.tokens.auditor);
    expect(res.statusCode, res.body).toBe(200);
    const entry = (res.json().entries as Json[]).at(-1)!;
    expect(entry).toMatchObject({ eventId: settlement.eventId, type: 'FinancialYearSettled' });
    expect(entry.summary).toContain('settled 2025-26');
    expect(entry.summary).toContain('underspend released £4,000.00');
    expect(entry.summary).toContain('overspend covered £5,000.00');
    expect(entry.summary).toContain('shared £2,500.00');
    expect(entry.summary).toMatch(
      /owed by partners: Essex County Council £1,500\.00, Essex Police £1,000\.00$/,
    );
  });

  it('the pot summary after settling: the stakes drawn to zero, nothing available, contributed unchanged', async () => {
    const c = await ctx();
    await settled(c);
    const summary = await potSummary(c);
    expect(summary).toMatchObject({ contributed: '500000.00', available: '0.00' });
    for (const agencyId of ['essex-cc', 'essex-police'])
      expect(partnerOf(summary, agencyId).stake).toBe('0.00');
    // A pooled-fund pot's summary carries the debts the settlement put on the partners.
    expect(summary).toMatchObject({
      riskShareOwed: '2500.00',
      riskSharePaid: '0.00',
      riskShareOutstanding: '2500.00',
      settledFinancialYears: ['2025-26'],
    });
    expect(partnerOf(summary, 'essex-cc')).toMatchObject({ riskShareOutstanding: '1500.00' });
    expect(partnerOf(summary, 'essex-police')).toMatchObject({ riskShareOutstanding: '1000.00' });
  });

  it("the memorandum account reconciles, and the partners' owedToPot are the settlement's owedByPartners", async () => {
    const c = await ctx();
    const { settlement } = await settled(c);
    const res = await c.ledger.get(
      `/v1/pots/${c.potId}/memorandum?financialYear=2025-26`,
      c.tokens.auditor,
    );
    expect(res.statusCode, res.body).toBe(200);
    const memo = res.json() as Json;
    expect(memo).toMatchObject({
      financialYear: '2025-26',
      settled: true,
      settlementEventId: settlement.eventId,
    });
    expect(memo.reconciliation.agrees).toBe(true);
    expect(memo.reconciliation.closingBalanceFromPartners).toBe(
      memo.reconciliation.closingBalanceFromPot,
    );
    const owed = (memo.partners as Json[])
      .filter((p) => p.owedToPot !== '0.00')
      .map((p) => ({ agencyId: p.agencyId, amount: p.owedToPot }));
    expect(owed).toEqual(settlement.owedByPartners);
  });
});

// ---------------------------------------------------------------------------------------------

describe('who may preview and who may settle', () => {
  // Reads and refusals append nothing: one ledger; the admin's settle runs last.
  const ctx = useSharedScenario({
    clock: AFTER_YEAR_END,
    prepare: async (c) => {
      await settleableYear(c);
    },
  });

  const readers: [string, (c: Ctx) => string][] = [
    ['an admin', (c) => c.tokens.admin],
    ['a finance officer of a partner', (c) => c.tokens.police],
    ['a finance officer of a non-partner', nhsToken],
    ['an auditor', (c) => c.tokens.auditor],
    ['a reporter', (c) => c.tokens.reporter],
  ];
  for (const [who, token] of readers) {
    it(`the preview answers 200 to ${who}; nothing appended`, async () => {
      const c = await ctx();
      const before = await head(c.ledger);
      const res = await preview(c, token(c));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().owedByPartners).toEqual([
        { agencyId: 'essex-cc', amount: '1500.00' },
        { agencyId: 'essex-police', amount: '1000.00' },
      ]);
      expect(await head(c.ledger)).toBe(before);
    });
  }

  it('the preview without a token is 401 UNAUTHENTICATED', async () => {
    const c = await ctx();
    expectProblem(await preview(c, null), 401, 'UNAUTHENTICATED');
  });

  const forbidden: [string, (c: Ctx) => string][] = [
    ['a finance officer of the host', (c) => c.tokens.cc],
    ['a finance officer of a partner', (c) => c.tokens.police],
    ['a finance officer of a non-partner', nhsToken],
    ['an auditor', (c) => c.tokens.auditor],
    ['a reporter', (c) => c.tokens.reporter],
  ];
  for (const [who, token] of forbidden) {
    it(`settle is 403 FORBIDDEN for ${who}; nothing appended`, async () => {
      const c = await ctx();
      await expectRefused(c.ledger, () => settle(c, token(c)), 403, 'FORBIDDEN');
    });
  }

  it('settle without a token is 401 UNAUTHENTICATED; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(c.ledger, () => settle(c, null), 401, 'UNAUTHENTICATED');
  });

  it('control: the admin settles', async () => {
    const c = await ctx();
    expectWritten(await settle(c), SETTLEMENT_KEYS);
  });
});

// ---------------------------------------------------------------------------------------------

describe('refusals of the preview and the settle: the same code from both, nothing appended', () => {
  /** Asks both routes; both must refuse with the code and the log must not move. */
  async function bothRefuse(
    c: Ctx,
    status: number,
    code: string,
    financialYear = '2025-26',
    potId = c.potId,
  ): Promise<Json> {
    const before = await head(c.ledger);
    const previewed = expectProblem(
      await preview(c, c.tokens.admin, previewUrl(c, financialYear, potId)),
      status,
      code,
    );
    await expectRefused(
      c.ledger,
      () => settle(c, c.tokens.admin, {}, settleUrl(c, financialYear, potId)),
      status,
      code,
    );
    expect(await head(c.ledger)).toBe(before);
    return previewed;
  }

  describe('before the year has ended by the server clock', () => {
    const ctx = useScenario({ clock: IN_YEAR });
    it('400 VALIDATION_FAILED for 2025-26 on 15 January 2026, with the year end', async () => {
      const c = await ctx();
      await settleableYear(c);
      const refused = await bothRefuse(c, 400, 'VALIDATION_FAILED');
      expect(refused.details).toMatchObject({ yearEnd: '2026-03-31' });
    });
  });

  describe('after 31 March 2026', () => {
    const ctx = useScenario({ clock: AFTER_YEAR_END });

    it('400 VALIDATION_FAILED for a year not yet ended (2026-27)', async () => {
      const c = await ctx();
      await settleableYear(c);
      await bothRefuse(c, 400, 'VALIDATION_FAILED', '2026-27');
    });

    it('409 SPEND_TRACKING_OFF without an agreement, and with one that has spendTracking off', async () => {
      const c = await ctx();
      expectWritten(await allocate(c, '1000.00'), ['allocationId', 'status', 'fundingShares']);
      await bothRefuse(c, 409, 'SPEND_TRACKING_OFF');
      await recordAgreement(c, { spendTracking: false });
      await bothRefuse(c, 409, 'SPEND_TRACKING_OFF');
    });

    it('409 PERIOD_CLOSED for a year closed before its agreement was recorded', async () => {
      const c = await ctx();
      expectWritten(await allocate(c, '1000.00'), ['allocationId', 'status', 'fundingShares']);
      // No agreement yet: the year closes as it always did.
      expectWritten(await c.ledger.post(closeUrl(c), c.tokens.admin, {}), [
        'financialYear',
        'closedThrough',
      ]);
      await recordAgreement(c);
      const refused = await bothRefuse(c, 409, 'PERIOD_CLOSED');
      expect(refused.details).toEqual({ closedThrough: '2026-03-31' });
    });

    it('409 PERIOD_CLOSED for a spend-tracked year closed without budgets or spend', async () => {
      const c = await ctx();
      await recordAgreement(c);
      expectWritten(await c.ledger.post(closeUrl(c), c.tokens.admin, {}), [
        'financialYear',
        'closedThrough',
      ]);
      await bothRefuse(c, 409, 'PERIOD_CLOSED');
    });

    it('409 PENDING_APPROVALS while an allocation request dated in the year waits for approval', async () => {
      const c = await ctx();
      await settleableYear(c);
      expectWritten(
        await c.ledger.post(`/v1/pots/${c.potId}/approval-threshold`, c.tokens.admin, {
          approvalThreshold: '100.00',
          reason: 'Four eyes on every allocation',
        }),
        ['approvalThreshold'],
      );
      const request = await allocate(c, '500.00', { effectiveDate: '2026-02-01' }, c.tokens.cc);
      expect(request.statusCode, request.body).toBe(201);
      expect(request.json().status).toBe('pending-approval');
      const refused = await bothRefuse(c, 409, 'PENDING_APPROVALS');
      expect(refused.details).toEqual({ pendingAllocationIds: [request.json().allocationId] });
    });

    it('404 NOT_FOUND for an unknown pot', async () => {
      const c = await ctx();
      await bothRefuse(c, 404, 'NOT_FOUND', '2025-26', UNKNOWN_ULID);
    });

    it('400 VALIDATION_FAILED naming the financial year when it is malformed', async () => {
      const c = await ctx();
      await settleableYear(c);
      for (const bad of ['2025-27', '2025', 'last-year', '25-26']) {
        await expectInvalid(
          c.ledger,
          () => preview(c, c.tokens.admin, previewUrl(c, bad)),
          'params.financialYear',
        );
        await expectInvalid(
          c.ledger,
          () => settle(c, c.tokens.admin, {}, settleUrl(c, bad)),
          'params.financialYear',
        );
      }
    });

    it('the preview takes no asAt or atPosition (400); settle takes no body fields (400)', async () => {
      const c = await ctx();
      await settleableYear(c);
      for (const query of ['asAt=2026-03-31', 'atPosition=1']) {
        expectProblem(
          await preview(c, c.tokens.admin, `${previewUrl(c)}?${query}`),
          400,
          'VALIDATION_FAILED',
        );
      }
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(settleUrl(c), c.tokens.admin, { financialYear: '2025-26' }),
        'body',
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('after settling: the year is locked', () => {
  const ctx = useScenario({ clock: AFTER_YEAR_END });

  it('spend, commitments, allocations and contributions dated in 2025-26 are 409 YEAR_SETTLED; nothing appended', async () => {
    const c = await ctx();
    const { year, settlement } = await settled(c);
    const details = { financialYear: '2025-26', settlementEventId: settlement.eventId };
    const refusals: [string, () => ReturnType<Ctx['ledger']['post']>][] = [
      [
        'spend',
        () =>
          c.ledger.post(spendUrl(c, year.a), c.tokens.admin, {
            amount: '10.00',
            effectiveDate: '2026-03-15',
            supplier: 'Acme Care Ltd',
            invoiceRef: 'INV-LATE',
          }),
      ],
      [
        'a commitment',
        () =>
          c.ledger.post(commitmentsUrl(c, year.b), c.tokens.admin, {
            amount: '10.00',
            effectiveDate: '2026-03-15',
            reference: 'PO-LATE',
          }),
      ],
      ['an allocation', () => allocate(c, '10.00', { effectiveDate: '2026-03-15' })],
      [
        'a contribution',
        () =>
          contribute(c, c.tokens.police, 'essex-police', '10.00', { effectiveDate: '2026-03-15' }),
      ],
    ];
    for (const [what, send] of refusals) {
      const refused = await expectRefused(c.ledger, send, 409, 'YEAR_SETTLED');
      expect(refused.details, what).toMatchObject({ effectiveDate: '2026-03-15', ...details });
    }
  });

  it("a risk-share payment by the partner's own finance officer: 201; the debt falls, the stake and the pot's contributed and available do not move; reversing it makes the debt stand again", async () => {
    const c = await ctx();
    await settled(c);
    const before = await potSummary(c);
    /** What police still owes for 2025-26, as a payment of a penny more than `owed` is told. */
    const expectOwed = async (owed: string, over: string) => {
      const refused = await expectRefused(
        c.ledger,
        () =>
          contribute(c, c.tokens.police, 'essex-police', over, {
            effectiveDate: '2026-04-11',
            riskShareFor: '2025-26',
          }),
        400,
        'VALIDATION_FAILED',
      );
      expect(refused.details).toEqual({ owed, requested: over, financialYear: '2025-26' });
    };
    const stakesOf = (summary: Json) =>
      (summary.partners as Json[]).map(({ agencyId, contributed, drawn, returned, stake }) => ({
        agencyId,
        contributed,
        drawn,
        returned,
        stake,
      }));
    /** The stakes and the pot's figures never move; the police's outstanding debt is `owed`. */
    const unmoved = async (owed: string) => {
      const now = await potSummary(c);
      expect(now).toMatchObject({
        contributed: before.contributed,
        allocated: before.allocated,
        available: before.available,
      });
      expect(stakesOf(now)).toEqual(stakesOf(before));
      expect(partnerOf(now, 'essex-police').riskShareOutstanding).toBe(owed);
    };

    await expectOwed('1000.00', '1000.01');
    const payment = expectWritten(
      await contribute(c, c.tokens.police, 'essex-police', '400.00', {
        effectiveDate: '2026-04-10',
        reference: 'RS-2025-26',
        riskShareFor: '2025-26',
      }),
      ['contributionId'],
    );
    await unmoved('600.00');
    // More than is still owed (600.00) is refused.
    await expectOwed('600.00', '600.01');

    const reversal = expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.police, {
        eventId: payment.eventId,
        reason: 'Paid from the wrong budget',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    expect(reversal).toMatchObject({ type: 'ContributionReversed', amount: '400.00' });
    await unmoved('1000.00');
    // The whole debt stands again, and can be paid in full; then nothing more.
    await expectOwed('1000.00', '1000.01');
    expectWritten(
      await contribute(c, c.tokens.police, 'essex-police', '1000.00', {
        effectiveDate: '2026-04-12',
        reference: 'RS-2025-26-B',
        riskShareFor: '2025-26',
      }),
      ['contributionId'],
    );
    await unmoved('0.00');
    await expectOwed('0.00', '0.01');
  });

  it('400 VALIDATION_FAILED for a risk-share payment for a year not settled (an earlier one, or one not yet ended); nothing appended', async () => {
    const c = await ctx();
    await settled(c);
    for (const extra of [
      { effectiveDate: '2026-04-10', riskShareFor: '2024-25' },
      { effectiveDate: '2026-04-10', riskShareFor: '2026-27' },
    ]) {
      await expectRefused(
        c.ledger,
        () => contribute(c, c.tokens.police, 'essex-police', '10.00', extra),
        400,
        'VALIDATION_FAILED',
      );
    }
  });

  it('closing the settled year then succeeds', async () => {
    const c = await ctx();
    await settled(c);
    expectWritten(await c.ledger.post(closeUrl(c), c.tokens.admin, { reason: 'Signed off' }), [
      'financialYear',
      'closedThrough',
    ]);
    expect((await potSummary(c)).closedFinancialYears).toEqual(['2025-26']);
  });

  it('closing a spend-tracked year with budgets and spend before settling it is 409 YEAR_NOT_SETTLED; nothing appended', async () => {
    const c = await ctx();
    await settleableYear(c);
    const refused = await expectRefused(
      c.ledger,
      () => c.ledger.post(closeUrl(c), c.tokens.admin, { reason: 'Signed off' }),
      409,
      'YEAR_NOT_SETTLED',
    );
    expect(refused.details).toEqual({ financialYears: ['2025-26'] });
  });
});
