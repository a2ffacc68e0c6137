/**
 * Outcome payments over HTTP (payment by results): POST …/interventions/:id/rate-card (admin),
 * POST …/interventions/:id/claims, POST …/claims/:claimId/validate | reject | pay (a partner's
 * finance officer or an admin; validate and pay by someone other than the claimant) and
 * GET …/claims (any role; the participant and the people withheld from figures-only readers).
 * Today is 15 January 2026. The Essex scenario: council 300,000.00, police 200,000.00,
 * intervention led by probation.
 */
import { describe, expect, it } from 'vitest';
import {
  allEvents,
  allocate,
  expectInvalid,
  expectProblem,
  expectRefused,
  expectWritten,
  head,
  potSummary,
  recordOutcome,
  useScenario,
  useSharedScenario,
  type Ctx,
  type Json,
} from './helpers.ts';
import { potPoolYearExceptions } from '../../projections/exceptions.ts';

const IN_YEAR = () => '2026-01-15T10:00:00.000Z';
const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const EMPLOYMENT = 'TF-SUSTAINED-EMPLOYMENT';

const AGREEMENT = {
  reference: 'S75-ESSEX-2025',
  legalBasis: 's75-nhs-act-2006',
  startDate: '2025-04-01',
  poolManager: 'Director of Finance, Essex CC',
  scope: 'Troubled families',
  boardDecisionRef: 'HWB-2025-03',
  signedOn: '2025-03-20',
  spendTracking: true,
};

const RATE_CARD = {
  contractRef: 'TF-ESSEX-2025',
  capPerContract: '8000.00',
  coPayers: [
    { agencyId: 'essex-cc', basisPoints: 6000 },
    { agencyId: 'essex-police', basisPoints: 4000 },
  ],
  outcomes: [
    {
      code: EMPLOYMENT,
      definition: 'An adult of the family in work for 26 weeks out of 30',
      evidenceRequired: 'DWP employment record',
      price: '800.00',
      maxClaimsPerParticipant: 1,
      claimWindowDays: 365,
    },
  ],
};

const rateCardUrl = (c: Ctx) => `/v1/pots/${c.potId}/interventions/${c.interventionId}/rate-card`;
const claimsUrl = (c: Ctx) => `/v1/pots/${c.potId}/interventions/${c.interventionId}/claims`;
const claimUrl = (c: Ctx, claimId: string, action: string) =>
  `/v1/pots/${c.potId}/claims/${claimId}/${action}`;
const listUrl = (c: Ctx, query = '') => `/v1/pots/${c.potId}/claims${query}`;

const claimBody = (participantRef = 'P-0001', extra: Json = {}) => ({
  code: EMPLOYMENT,
  participantRef,
  outcomeDate: '2025-12-01',
  evidenceRef: 'DWP-REC-1',
  ...extra,
});

async function rateCard(c: Ctx, body: Json = {}): Promise<Json> {
  return expectWritten(
    await c.ledger.post(rateCardUrl(c), c.tokens.admin, { ...RATE_CARD, ...body }),
    ['version'],
  );
}

async function claim(c: Ctx, participantRef = 'P-0001', token = c.tokens.police): Promise<string> {
  const body = expectWritten(await c.ledger.post(claimsUrl(c), token, claimBody(participantRef)), [
    'claimId',
    'price',
  ]);
  return body.claimId as string;
}

async function pooledFund(c: Ctx): Promise<void> {
  expectWritten(await c.ledger.post(`/v1/pots/${c.potId}/agreements`, c.tokens.admin, AGREEMENT), [
    'version',
  ]);
  expectWritten(await allocate(c, '10000.00'), ['allocationId', 'status', 'fundingShares']);
  await rateCard(c);
}

describe('outcome payments: a claim from rate card to payment', () => {
  const ctx = useScenario({ clock: IN_YEAR });

  it('claimed by one finance officer, validated and paid by another: spend of the intervention, split between the co-payers, in the audit trail with the outcome it evidences', async () => {
    const c = await ctx();
    await pooledFund(c);
    const outcome = await recordOutcome(c, {
      description: 'Family in sustained employment',
      effectiveDate: '2025-12-01',
    });
    expect(outcome.statusCode, outcome.body).toBe(201);
    const outcomeId = outcome.json().outcomeId as string;

    const claimed = expectWritten(
      await c.ledger.post(claimsUrl(c), c.tokens.police, claimBody('P-0001', { outcomeId })),
      ['claimId', 'price'],
    );
    expect(claimed.price).toBe('800.00');
    const claimId = claimed.claimId as string;

    // The claimant may neither validate nor pay their own claim.
    await expectRefused(
      c.ledger,
      () => c.ledger.post(claimUrl(c, claimId, 'validate'), c.tokens.police, {}),
      409,
      'SEGREGATION_OF_DUTIES',
    );
    // Not yet validated: it cannot be paid.
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(claimUrl(c, claimId, 'pay'), c.tokens.cc, { effectiveDate: '2026-01-10' }),
      409,
      'ALREADY_DECIDED',
    );
    expectWritten(await c.ledger.post(claimUrl(c, claimId, 'validate'), c.tokens.cc, {}), [
      'claimId',
    ]);
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(claimUrl(c, claimId, 'pay'), c.tokens.police, {
          effectiveDate: '2026-01-10',
        }),
      409,
      'SEGREGATION_OF_DUTIES',
    );
    const paid = expectWritten(
      await c.ledger.post(claimUrl(c, claimId, 'pay'), c.tokens.cc, {
        effectiveDate: '2026-01-10',
      }),
      ['claimId', 'spendId', 'amount', 'payerShares'],
    );
    expect(paid.amount).toBe('800.00');
    expect(paid.payerShares).toEqual([
      { agencyId: 'essex-cc', amount: '480.00' },
      { agencyId: 'essex-police', amount: '320.00' },
    ]);

    const list = await c.ledger.get(listUrl(c, '?status=paid'), c.tokens.police);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().claims).toMatchObject([
      {
        claimId,
        status: 'paid',
        participantRef: 'P-0001',
        price: '800.00',
        outcomeId,
        claimedBy: { sub: 'bob' },
        validatedBy: { sub: 'carol' },
        paidBy: { sub: 'carol' },
        paidOn: '2026-01-10',
      },
    ]);
    expect((await c.ledger.get(listUrl(c, '?status=claimed'), c.tokens.admin)).json()).toEqual({
      claims: [],
    });

    // Paid claims are spend of the intervention.
    const summary = await potSummary(c);
    const intervention = summary.interventions.find(
      (i: Json) => i.interventionId === c.interventionId,
    );
    expect(intervention.spent).toBe('800.00');

    // …and the quarterly monitoring return counts it in the scheme's actual spend.
    const monitoring = await c.ledger.get(
      `/v1/pots/${c.potId}/monitoring?financialYear=2025-26&quarter=4`,
      c.tokens.admin,
    );
    expect(monitoring.statusCode, monitoring.body).toBe(200);
    expect(monitoring.json().totals.actual).toBe('800.00');

    // The cost-benefit report lists the payment next to the outcome it evidences.
    const cba = await c.ledger.get(`/v1/pots/${c.potId}/cba`, c.tokens.admin);
    expect(cba.statusCode, cba.body).toBe(200);
    const row = (cba.json().interventions as Json[]).find(
      (i) => i.interventionId === c.interventionId,
    )!;
    expect(row.grossBenefits.outcomes.map((o: Json) => o.outcomeId)).toContain(outcomeId);
    expect(row.outcomePayments).toEqual({
      paid: '800.00',
      claims: [
        {
          claimId,
          code: EMPLOYMENT,
          amount: '800.00',
          paidOn: '2026-01-10',
          financialYear: '2025-26',
          outcomeId,
        },
      ],
    });

    const audit = await c.ledger.get(`/v1/audit?potId=${c.potId}`, c.tokens.auditor);
    expect(audit.statusCode, audit.body).toBe(200);
    const summaries = (audit.json().entries as Json[]).map((e) => e.summary as string);
    expect(summaries.some((s) => s.includes('recorded rate card version 1'))).toBe(true);
    expect(
      summaries.some(
        (s) =>
          s.includes(`paid claim ${claimId} for outcome code ${EMPLOYMENT}, £800.00`) &&
          s.includes(`evidencing outcome "Family in sustained employment" (${outcomeId})`),
      ),
    ).toBe(true);
  });

  it('a claim is rejected with a reason, stops counting and cannot be decided again', async () => {
    const c = await ctx();
    await pooledFund(c);
    const claimId = await claim(c);
    await expectRefused(
      c.ledger,
      () => c.ledger.post(claimsUrl(c), c.tokens.police, claimBody('P-0001')),
      400,
      'VALIDATION_FAILED',
    );
    expectWritten(
      await c.ledger.post(claimUrl(c, claimId, 'reject'), c.tokens.cc, { reason: 'No record' }),
      ['claimId'],
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(claimUrl(c, claimId, 'validate'), c.tokens.cc, {}),
      409,
      'ALREADY_DECIDED',
    );
    // The participant may be claimed for again.
    await claim(c, 'P-0001');
    const rejected = await c.ledger.get(listUrl(c, '?status=rejected'), c.tokens.admin);
    expect(rejected.json().claims).toMatchObject([
      { claimId, rejectionReason: 'No record', rejectedBy: { sub: 'carol' } },
    ]);
  });

  it('the claim that would pass the cap is refused 409 CLAIM_CAP_EXCEEDED', async () => {
    const c = await ctx();
    await pooledFund(c);
    await rateCard(c, { replaces: 1, capPerContract: '1600.00' });
    await claim(c, 'P-1');
    await claim(c, 'P-2');
    const problem = await expectRefused(
      c.ledger,
      () => c.ledger.post(claimsUrl(c), c.tokens.police, claimBody('P-3')),
      409,
      'CLAIM_CAP_EXCEEDED',
    );
    expect(problem.details).toMatchObject({ capPerContract: '1600.00', standing: '1600.00' });
  });

  it('a payment beyond the scheme’s budget is flagged under `warn` (and listed among the pooled-fund exceptions), refused 409 BUDGET_EXCEEDED under `block`', async () => {
    const c = await ctx();
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/agreements`, c.tokens.admin, AGREEMENT),
      ['version'],
    );
    expectWritten(await allocate(c, '500.00'), ['allocationId', 'status', 'fundingShares']);
    await rateCard(c);
    const first = await claim(c, 'P-1');
    const second = await claim(c, 'P-2');
    for (const claimId of [first, second])
      expectWritten(await c.ledger.post(claimUrl(c, claimId, 'validate'), c.tokens.cc, {}), [
        'claimId',
      ]);
    const paid = expectWritten(
      await c.ledger.post(claimUrl(c, first, 'pay'), c.tokens.admin, {
        effectiveDate: '2026-01-10',
      }),
      ['claimId', 'spendId', 'amount', 'payerShares', 'overspend'],
    );
    expect(paid.overspend).toMatchObject({ financialYear: '2025-26', overBy: '300.00' });
    await c.ledger.get(listUrl(c), c.tokens.admin);
    expect(
      potPoolYearExceptions(c.ledger.books.state.exceptions, c.potId).map((x) => [
        x.type,
        x.kind,
        x.amount,
      ]),
    ).toEqual([['ClaimPaid', 'overspend', '800.00']]);
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/agreements`, c.tokens.admin, {
        ...AGREEMENT,
        replaces: 1,
        boardDecisionRef: 'HWB-2025-09',
        overspend: { policy: 'block', coverFromPot: true, share: 'contributions' },
      }),
      ['version', 'replaces'],
    );
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(claimUrl(c, second, 'pay'), c.tokens.admin, { effectiveDate: '2026-01-10' }),
      409,
      'BUDGET_EXCEEDED',
    );
  });

  it('paying needs spend tracking: 409 SPEND_TRACKING_OFF without an agreement', async () => {
    const c = await ctx();
    await rateCard(c);
    const claimId = await claim(c);
    expectWritten(await c.ledger.post(claimUrl(c, claimId, 'validate'), c.tokens.admin, {}), [
      'claimId',
    ]);
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(claimUrl(c, claimId, 'pay'), c.tokens.cc, { effectiveDate: '2026-01-10' }),
      409,
      'SPEND_TRACKING_OFF',
    );
  });

  it('many claims in parallel never pass the cap: exactly as many as fit succeed, the rest are CLAIM_CAP_EXCEEDED', async () => {
    const c = await ctx();
    await pooledFund(c);
    // Cap 8000.00 at 800.00 a claim: ten fit; thirty race.
    const before = await head(c.ledger);
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        c.ledger.post(
          claimsUrl(c),
          i % 2 === 0 ? c.tokens.police : c.tokens.cc,
          claimBody(`P-${i}`),
        ),
      ),
    );
    const won = responses.filter((res) => res.statusCode === 201);
    for (const res of responses)
      if (res.statusCode !== 201) expectProblem(res, 409, 'CLAIM_CAP_EXCEEDED');
    expect(won).toHaveLength(10);
    const appended = (await allEvents(c.ledger)).filter((e) => BigInt(e.position) > before);
    expect(appended.map((e) => e.type)).toEqual(Array(10).fill('OutcomeClaimed'));
    const list = await c.ledger.get(listUrl(c), c.tokens.admin);
    const total = (list.json().claims as Json[]).reduce(
      (sum, claim) => sum + Math.round(Number(claim.price) * 100),
      0,
    );
    expect(total).toBe(800000);
  });
});

describe('outcome payments: roles and refusals', () => {
  const ctx = useSharedScenario({ clock: IN_YEAR, prepare: pooledFund });

  it('only an admin records a rate card (403 for a finance officer, reporter, auditor)', async () => {
    const c = await ctx();
    for (const token of [c.tokens.cc, c.tokens.reporter, c.tokens.auditor])
      await expectRefused(
        c.ledger,
        () => c.ledger.post(rateCardUrl(c), token, { ...RATE_CARD, replaces: 1 }),
        403,
        'FORBIDDEN',
      );
  });

  it('a rate card without replaces when one is in force: 409 ALREADY_EXISTS; a stale one 409 AGREEMENT_VERSION_CONFLICT; co-payers must be partners', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => c.ledger.post(rateCardUrl(c), c.tokens.admin, RATE_CARD),
      409,
      'ALREADY_EXISTS',
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(rateCardUrl(c), c.tokens.admin, { ...RATE_CARD, replaces: 7 }),
      409,
      'AGREEMENT_VERSION_CONFLICT',
    );
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(rateCardUrl(c), c.tokens.admin, {
          ...RATE_CARD,
          replaces: 1,
          coPayers: [{ agencyId: 'nhs-mid-essex', basisPoints: 10000 }],
        }),
      409,
      'NOT_A_PARTNER',
    );
  });

  it('claims: 403 for a finance officer of a non-partner, a reporter and an auditor; 400 for a bad body or a code not on the card', async () => {
    const c = await ctx();
    for (const token of [c.tokens.nhs, c.tokens.reporter, c.tokens.auditor])
      await expectRefused(
        c.ledger,
        () => c.ledger.post(claimsUrl(c), token, claimBody('P-X')),
        403,
        'FORBIDDEN',
      );
    await expectInvalid(
      c.ledger,
      () =>
        c.ledger.post(claimsUrl(c), c.tokens.police, {
          ...claimBody(),
          participantRef: 'Jo Bloggs',
        }),
      'body.participantRef',
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(claimsUrl(c), c.tokens.police, claimBody('P-X', { code: 'TF-OTHER' })),
      400,
      'VALIDATION_FAILED',
    );
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(
          claimsUrl(c),
          c.tokens.police,
          claimBody('P-X', { outcomeDate: '2026-02-01' }),
        ),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('validate, reject and pay: 403 for other roles, 404 for an unknown claim', async () => {
    const c = await ctx();
    for (const action of ['validate', 'reject', 'pay']) {
      const body =
        action === 'reject'
          ? { reason: 'x' }
          : action === 'pay'
            ? { effectiveDate: '2026-01-10' }
            : {};
      for (const token of [c.tokens.nhs, c.tokens.reporter, c.tokens.auditor])
        await expectRefused(
          c.ledger,
          () => c.ledger.post(claimUrl(c, UNKNOWN_ULID, action), token, body),
          403,
          'FORBIDDEN',
        );
      await expectRefused(
        c.ledger,
        () => c.ledger.post(claimUrl(c, UNKNOWN_ULID, action), c.tokens.admin, body),
        404,
        'NOT_FOUND',
      );
    }
  });

  it('GET claims: partners and oversight read in full; reporters and other agencies the figures only; 404 for an unknown pot', async () => {
    const c = await ctx();
    // A claim written by an admin so the shared ledger's other tests stay refused-only.
    const before = await head(c.ledger);
    expect(before).toBeGreaterThan(0n);
    const full = await c.ledger.get(listUrl(c), c.tokens.police);
    expect(full.statusCode, full.body).toBe(200);
    for (const token of [c.tokens.reporter, c.tokens.nhs]) {
      const res = await c.ledger.get(listUrl(c), token);
      expect(res.statusCode, res.body).toBe(200);
      for (const entry of res.json().claims as Json[]) {
        expect(entry.participantRef).toBeNull();
        expect(entry.redacted).toContain('participantRef');
      }
    }
    expectProblem(
      await c.ledger.get(`/v1/pots/${UNKNOWN_ULID}/claims`, c.tokens.admin),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await c.ledger.get(listUrl(c, '?status=lost'), c.tokens.admin),
      400,
      'VALIDATION_FAILED',
    );
  });
});

describe('outcome payments: figures-only readers', () => {
  const ctx = useScenario({ clock: IN_YEAR, prepare: pooledFund });

  it('a reporter reads the claim without its participant or people', async () => {
    const c = await ctx();
    const claimId = await claim(c, 'P-SECRET');
    const res = await c.ledger.get(listUrl(c), c.tokens.reporter);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().claims).toMatchObject([
      { claimId, participantRef: null, claimedBy: null, price: '800.00', status: 'claimed' },
    ]);
    expect(res.body).not.toContain('P-SECRET');
    expect(res.body).not.toContain('bob');
  });
});
