/**
 * GET /v1/pots/:potId/statement?financialYear= — the memorandum statement of a pooled fund,
 * as an auditor reads it over HTTP. The Essex scenario: council £300,000 (10 April 2025),
 * police £200,000 (11 April 2025), then the tests add entries either side of year ends.
 */
import { describe, expect, it } from 'vitest';
import {
  allocate,
  contribute,
  describeReadRouteAuth,
  expectProblem,
  expectValidation,
  expectWritten,
  head,
  recordOutcome,
  useScenario,
  type Ctx,
} from './helpers.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

const statementOf = async (c: Ctx, query: string, token: string = c.tokens.auditor) => {
  const res = await c.ledger.get(`/v1/pots/${c.potId}/statement?${query}`, token);
  expect(res.statusCode, res.body).toBe(200);
  return { body: res.json() as Record<string, any>, position: res.headers['ledger-position'] };
};

describe('GET /v1/pots/:potId/statement', () => {
  const ctx = useScenario();

  it('partners’ shares print summing to exactly 1 where rounding each alone gives 1.0001', async () => {
    const c = await ctx();
    // 300,000 : 200,000 : 100,133 rounds one by one to 0.4999 + 0.3333 + 0.1669 = 1.0001.
    expectWritten(await contribute(c, c.tokens.probation, 'essex-probation', '100133.00'), [
      'contributionId',
    ]);
    const { body } = await statementOf(c, 'financialYear=2025-26');
    const shares = (field: string) =>
      body.partners.map((p: Record<string, string>) => [p.agencyId, p[field]]);
    // Largest remainder over 10,000 ten-thousandths: floors 4998 + 3332 + 1668 = 9998; the two
    // left go to the largest remainders, the council's (.89) and the police's (.59).
    expect(shares('shareOfContributions')).toEqual([
      ['essex-cc', '0.4999'],
      ['essex-police', '0.3333'],
      ['essex-probation', '0.1668'],
    ]);
    expect(shares('shareOfClosingBalance')).toEqual(shares('shareOfContributions'));
  });

  it('200: the year from its opening to its closing balance, each partner’s share, the reversals', async () => {
    const c = await ctx();
    // Dated in 2024-25: makes 2025-26's opening balance.
    expectWritten(
      await contribute(c, c.tokens.police, 'essex-police', '10000.00', {
        effectiveDate: '2025-03-31',
      }),
      ['contributionId'],
    );
    const allocation = expectWritten(
      await allocate(c, '100000.00', { effectiveDate: '2025-05-01' }),
      ['allocationId', 'fundingShares', 'status'],
    );
    const outcome = expectWritten(await recordOutcome(c, { effectiveDate: '2025-09-30' }), [
      'outcomeId',
      'flows',
    ]);
    // The outcome stands on the allocation's funding, so it is retracted first (OUTCOMES_DEPEND_ON_ALLOCATION).
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.admin, {
        eventId: outcome.eventId,
        reason: 'Wrong cohort',
        effectiveDate: '2025-10-01',
      }),
      ['type', 'reversedEventId'],
    );
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.admin, {
        eventId: allocation.eventId,
        reason: 'Wrong cohort',
        effectiveDate: '2025-10-01',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    // Dated in 2026-27: not in 2025-26 at all.
    expectWritten(
      await contribute(c, c.tokens.cc, 'essex-cc', '5000.00', { effectiveDate: '2026-04-01' }),
      ['contributionId'],
    );

    const { body, position } = await statementOf(c, 'financialYear=2025-26');
    expect(position).toBe(String(await head(c.ledger)));
    expect(body).toMatchObject({
      potId: c.potId,
      name: 'Essex Reducing Reoffending',
      period: { financialYear: '2025-26', from: '2025-04-01', to: '2026-03-31' },
      openingBalance: '10000.00',
      contributions: { received: '500000.00', reversed: '0.00', net: '500000.00' },
      allocations: { allocated: '100000.00', reversed: '100000.00', net: '0.00' },
      returnedToPartners: '0.00',
      closingBalance: '510000.00',
      yearClosed: false,
      potClosedOn: null,
    });
    const partners = Object.fromEntries(
      (body.partners as Record<string, any>[]).map((p) => [p.agencyId, p]),
    );
    expect(partners['essex-police']).toMatchObject({
      openingStake: '10000.00',
      contributionsReceived: '200000.00',
      closingStake: '210000.00',
    });
    expect(partners['essex-cc']).toMatchObject({
      openingStake: '0.00',
      contributionsReceived: '300000.00',
      closingStake: '300000.00',
      shareOfContributions: '0.6000',
    });
    expect(body.reversals).toEqual([
      expect.objectContaining({
        type: 'OutcomeRetracted',
        reversedEventId: outcome.eventId,
        agencyId: null,
        interventionId: c.interventionId,
        amount: '60000.00',
        effectiveDate: '2025-10-01',
        reason: 'Wrong cohort',
        actor: 'alice',
      }),
      expect.objectContaining({
        type: 'AllocationReversed',
        amount: '100000.00',
        effectiveDate: '2025-10-01',
        reason: 'Wrong cohort',
        actor: 'alice',
      }),
    ]);
    expect(body.interventions[0]).toMatchObject({
      allocated: '100000.00',
      allocationsReversed: '100000.00',
      netAllocated: '0.00',
      outcomesRecorded: 1,
    });

    // The year before closes on what 2025-26 opened with; the year after opens on 2025-26's close.
    expect((await statementOf(c, 'financialYear=2024-25')).body).toMatchObject({
      openingBalance: '0.00',
      closingBalance: '10000.00',
    });
    expect((await statementOf(c, 'financialYear=2026-27')).body).toMatchObject({
      openingBalance: '510000.00',
      closingBalance: '515000.00',
    });
  });

  it('atPosition: the year as the ledger knew it then, labelled with that position', async () => {
    const c = await ctx();
    const before = await head(c.ledger);
    expectWritten(
      await contribute(c, c.tokens.police, 'essex-police', '7000.00', {
        effectiveDate: '2025-06-01',
      }),
      ['contributionId'],
    );
    const then = await statementOf(c, `financialYear=2025-26&atPosition=${before}`);
    expect(then.position).toBe(String(before));
    expect(then.body.contributions.received).toBe('500000.00');
    expect((await statementOf(c, 'financialYear=2025-26')).body.contributions.received).toBe(
      '507000.00',
    );
  });

  it('asAt: the year so far, as at a business date, labelled Ledger-As-At; an atPosition inside an append reads to its end', async () => {
    const c = await ctx();
    expectWritten(
      await contribute(c, c.tokens.police, 'essex-police', '7000.00', {
        effectiveDate: '2025-06-01',
      }),
      ['contributionId'],
    );
    const res = await c.ledger.get(
      `/v1/pots/${c.potId}/statement?financialYear=2025-26&asAt=2025-04-10`,
      c.tokens.auditor,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['ledger-as-at']).toBe('2025-04-10');
    // Only the council's £300,000 of 10 April is dated on or before the day.
    expect(res.json()).toMatchObject({
      contributions: { received: '300000.00' },
      closingBalance: '300000.00',
    });
    expectValidation(
      await c.ledger.get(
        `/v1/pots/${c.potId}/statement?financialYear=2025-26&asAt=2025-02-30`,
        c.tokens.auditor,
      ),
      'querystring.asAt',
    );
  });

  it('is readable by every signed-in role, a non-partner finance officer included', async () => {
    const c = await ctx();
    for (const token of [
      c.tokens.admin,
      c.tokens.auditor,
      c.tokens.reporter,
      c.tokens.cc,
      c.tokens.nhs,
    ]) {
      expect((await statementOf(c, 'financialYear=2025-26', token)).body.closingBalance).toBe(
        '500000.00',
      );
    }
  });

  it("reversals' reasons and actors: shown to admins, auditors and the pot's partners; withheld from reporters and non-partners, and said to be", async () => {
    const c = await ctx();
    const allocation = expectWritten(
      await allocate(c, '100000.00', { effectiveDate: '2025-05-01' }),
      ['allocationId', 'fundingShares', 'status'],
    );
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.cc, {
        eventId: allocation.eventId,
        reason: 'Raised with bob: wrong cohort',
        effectiveDate: '2025-10-01',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    const full = (await statementOf(c, 'financialYear=2025-26')).body;
    expect(full.reversals).toEqual([
      expect.objectContaining({
        amount: '100000.00',
        reason: 'Raised with bob: wrong cohort',
        actor: 'carol',
      }),
    ]);
    expect(full.redacted).toBeUndefined();
    for (const token of [c.tokens.admin, c.tokens.cc, c.tokens.police, c.tokens.probation]) {
      expect((await statementOf(c, 'financialYear=2025-26', token)).body).toEqual(full);
    }
    for (const token of [c.tokens.reporter, c.tokens.nhs]) {
      const { body } = await statementOf(c, 'financialYear=2025-26', token);
      expect(body).toEqual({
        ...full,
        reversals: [{ ...full.reversals[0], reason: null, actor: null }],
        redacted: ['reversals[].actor', 'reversals[].reason'],
      });
      expect(JSON.stringify(body)).not.toMatch(/carol|bob/);
    }
  });

  it('404 NOT_FOUND for a pot that does not exist, or did not yet at atPosition', async () => {
    const c = await ctx();
    expectProblem(
      await c.ledger.get(
        `/v1/pots/${UNKNOWN_ULID}/statement?financialYear=2025-26`,
        c.tokens.auditor,
      ),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await c.ledger.get(
        `/v1/pots/${c.potId}/statement?financialYear=2025-26&atPosition=1`,
        c.tokens.auditor,
      ),
      404,
      'NOT_FOUND',
    );
  });

  it('400 VALIDATION_FAILED for a missing or malformed financial year, a malformed pot id, a bad or future atPosition', async () => {
    const c = await ctx();
    const get = (url: string) => c.ledger.get(url, c.tokens.auditor);
    expectValidation(await get(`/v1/pots/${c.potId}/statement`), 'querystring.financialYear');
    expectValidation(
      await get(`/v1/pots/${c.potId}/statement?financialYear=2025-27`),
      'querystring.financialYear',
    );
    expectValidation(
      await get(`/v1/pots/${c.potId}/statement?financialYear=2025`),
      'querystring.financialYear',
    );
    expectValidation(
      await get(`/v1/pots/not-a-pot/statement?financialYear=2025-26`),
      'params.potId',
    );
    expectValidation(
      await get(`/v1/pots/${c.potId}/statement?financialYear=2025-26&atPosition=-1`),
      'querystring.atPosition',
    );
    const beyond = (await head(c.ledger)) + 10n;
    expectProblem(
      await get(`/v1/pots/${c.potId}/statement?financialYear=2025-26&atPosition=${beyond}`),
      400,
      'VALIDATION_FAILED',
    );
  });
});

describeReadRouteAuth(
  'GET /v1/pots/:potId/statement',
  (c) => `/v1/pots/${c.potId}/statement?financialYear=2025-26`,
);
