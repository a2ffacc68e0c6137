/**
 * GET /v1/pots/:potId/exceptions, and the whole of issue 4 points 3–4 as a user would meet it:
 * open a pot with a threshold, request, a refused self-approval (the exceptions list shows it),
 * a second officer approves, year-end, a refused backdated entry and an accepted prior-period
 * adjustment, and the pot's close.
 */
import { describe, expect, it } from 'vitest';
import {
  allocate,
  contribute,
  describeMinPosition,
  describeReadRouteAuth,
  expectProblem,
  expectRefused,
  expectValidation,
  expectWritten,
  potSummary,
  useScenario,
  type Ctx,
} from './helpers.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const AFTER_YEAR_END = () => '2026-04-20T09:00:00.000Z';

const exceptionsOf = async (c: Ctx, query = '', token: string = c.tokens.auditor) => {
  const res = await c.ledger.get(`/v1/pots/${c.potId}/exceptions${query}`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { potId: string; exceptions: Record<string, any>[] };
};

describe('end to end: four-eyes, year-end and close', () => {
  const ctx = useScenario({ clock: AFTER_YEAR_END });

  it('runs the whole control story through the API', async () => {
    const c = await ctx();
    // Open a second pot with a threshold, fund it.
    const pot = expectWritten(
      await c.ledger.post('/v1/pots', c.tokens.admin, {
        name: 'Essex Early Help',
        area: 'Essex',
        hostAgencyId: 'essex-cc',
        partnerAgencyIds: ['essex-police'],
        approvalThreshold: '500000.00',
      }),
      ['potId'],
    );
    const p: Ctx = { ...c, potId: pot.potId as string };
    expectWritten(
      await contribute(p, c.tokens.cc, 'essex-cc', '700000.00', { effectiveDate: '2025-04-10' }),
      ['contributionId'],
    );
    expectWritten(
      await contribute(p, c.tokens.police, 'essex-police', '300000.00', {
        effectiveDate: '2025-04-11',
      }),
      ['contributionId'],
    );
    const intervention = expectWritten(
      await c.ledger.post(`/v1/pots/${p.potId}/interventions`, c.tokens.cc, {
        name: 'Family support workers',
        leadAgencyId: 'essex-cc',
      }),
      ['interventionId'],
    );
    const body = (amount: string, extra: object = {}) => ({
      interventionId: intervention.interventionId,
      amount,
      effectiveDate: '2025-06-01',
      reason: 'Year one delivery',
      ...extra,
    });

    // bob requests £600,000: pending, nothing reserved.
    const requested = expectWritten(
      await c.ledger.post(`/v1/pots/${p.potId}/allocations`, c.tokens.police, body('600000.00')),
      ['allocationId', 'status', 'approvalReason'],
    );
    expect(requested.status).toBe('pending-approval');
    expect(await potSummary(p)).toMatchObject({
      available: '1000000.00',
      pendingApprovals: [{ allocationId: requested.allocationId, amount: '600000.00' }],
    });

    // bob tries to approve it himself: 409, recorded, shown in the exceptions list.
    const approveUrl = `/v1/pots/${p.potId}/allocations/${requested.allocationId}/approve`;
    expectProblem(
      await c.ledger.post(approveUrl, c.tokens.police, {}),
      409,
      'SEGREGATION_OF_DUTIES',
    );
    const afterAttempt = await exceptionsOf(p);
    expect(afterAttempt.exceptions).toEqual([
      expect.objectContaining({
        type: 'SelfApprovalAttempted',
        kind: 'self-approval-attempt',
        actor: { sub: 'bob', role: 'finance-officer', agencyId: 'essex-police' },
        potId: p.potId,
        amount: '600000.00',
        // The attempt has no date of its own: it takes the request's, so it sits in the request's year.
        date: '2025-06-01',
        financialYear: '2025-26',
        summary:
          'bob (finance officer, Essex Police) tried to approve their own request for £600,000.00 for Family support workers in Essex Early Help — refused (segregation of duties)',
      }),
    ]);

    // carol approves: 600,000 drawn 70/30, available falls.
    const approved = expectWritten(await c.ledger.post(approveUrl, c.tokens.cc, {}), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    expect(approved.fundingShares).toEqual([
      { agencyId: 'essex-cc', amount: '420000.00' },
      { agencyId: 'essex-police', amount: '180000.00' },
    ]);
    expect(await potSummary(p)).toMatchObject({
      allocated: '600000.00',
      available: '400000.00',
      pendingApprovals: [],
    });

    // Year-end: 2025-26 closes (the clock says 20 April 2026).
    expectWritten(
      await c.ledger.post(`/v1/pots/${p.potId}/financial-years/2025-26/close`, c.tokens.admin, {}),
      ['financialYear', 'closedThrough'],
    );
    await expectRefused(
      c.ledger,
      () => contribute(p, c.tokens.cc, 'essex-cc', '5000.00', { effectiveDate: '2026-03-15' }),
      409,
      'PERIOD_CLOSED',
    );
    const adjustment = expectWritten(
      await contribute(p, c.tokens.cc, 'essex-cc', '5000.00', {
        effectiveDate: '2026-04-20',
        priorPeriodAdjustment: '2025-26',
        reference: 'Late invoice',
      }),
      ['contributionId'],
    );
    const audit = (await c.ledger.get(`/v1/audit?potId=${p.potId}`, c.tokens.auditor)).json();
    expect(
      audit.entries.find((e: { eventId: string }) => e.eventId === adjustment.eventId).summary,
    ).toBe(
      'carol (finance officer, Essex County Council) contributed £5,000.00 to Essex Early Help, ref Late invoice — prior-period adjustment for 2025-26',
    );

    // Close the pot: the returns are the stakes, summing to available.
    const available = (await potSummary(p)).available;
    expect(available).toBe('405000.00');
    const closed = expectWritten(
      await c.ledger.post(`/v1/pots/${p.potId}/close`, c.tokens.admin, {
        reason: 'Programme ended',
      }),
      ['effectiveDate', 'returns'],
    );
    expect(closed.returns).toEqual([
      { agencyId: 'essex-cc', amount: '285000.00' },
      { agencyId: 'essex-police', amount: '120000.00' },
    ]);
    expect(await potSummary(p)).toMatchObject({
      status: 'closed',
      available: '0.00',
      closedFinancialYears: ['2025-26'],
    });
    await expectRefused(
      c.ledger,
      () => contribute(p, c.tokens.cc, 'essex-cc', '1.00', { effectiveDate: '2026-04-20' }),
      409,
      'POT_CLOSED',
    );
  });
});

describe('GET /v1/pots/:potId/exceptions', () => {
  const ctx = useScenario({ clock: AFTER_YEAR_END });

  it('lists every reversal, rejected approval and self-approval attempt in log order, with amounts and reasons; filters by financial year', async () => {
    const c = await ctx();
    const contribution = expectWritten(
      await contribute(c, c.tokens.cc, 'essex-cc', '1000.00', { effectiveDate: '2025-05-01' }),
      ['contributionId'],
    );
    const allocation = expectWritten(await allocate(c, '2000.00'), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    const reversals = `/v1/pots/${c.potId}/reversals`;
    expectWritten(
      await c.ledger.post(reversals, c.tokens.cc, {
        eventId: contribution.eventId,
        reason: 'Keyed twice',
        effectiveDate: '2025-06-01',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    expectWritten(
      await c.ledger.post(reversals, c.tokens.admin, {
        eventId: allocation.eventId,
        reason: 'Wrong intervention',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/approval-threshold`, c.tokens.admin, {
        approvalThreshold: '100000.00',
        reason: 'x',
      }),
      ['approvalThreshold'],
    );
    const requested = expectWritten(await allocate(c, '150000.00', {}, c.tokens.police), [
      'allocationId',
      'status',
      'approvalReason',
    ]);
    expectWritten(
      await c.ledger.post(
        `/v1/pots/${c.potId}/allocations/${requested.allocationId}/reject`,
        c.tokens.cc,
        { reason: 'Not in the plan' },
      ),
      ['allocationId', 'status'],
    );
    // A plain contribution is not an exception.
    expectWritten(
      await contribute(c, c.tokens.cc, 'essex-cc', '1.00', { effectiveDate: '2026-04-20' }),
      ['contributionId'],
    );

    const { potId, exceptions } = await exceptionsOf(c);
    expect(potId).toBe(c.potId);
    expect(
      exceptions.map((e) => [e.type, e.kind, e.date, e.amount, e.reason, e.actor.sub]),
    ).toEqual([
      ['ContributionReversed', 'reversal', '2025-06-01', '1000.00', 'Keyed twice', 'carol'],
      ['AllocationReversed', 'reversal', '2026-04-20', '2000.00', 'Wrong intervention', 'alice'],
      // A rejection has no date of its own: it takes its request's (the allocate helper dates it 2025-05-01).
      [
        'AllocationRejected',
        'rejected-approval',
        '2025-05-01',
        '150000.00',
        'Not in the plan',
        'carol',
      ],
    ]);
    const positions = exceptions.map((e) => BigInt(e.position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    expect(exceptions[2]!.summary).toBe(
      'carol (finance officer, Essex County Council) rejected request for £150,000.00 for Employment support for ex-offenders by bob in Essex Reducing Reoffending; reason: Not in the plan',
    );
    expect((await exceptionsOf(c, '?financialYear=2025-26')).exceptions.map((e) => e.type)).toEqual(
      ['ContributionReversed', 'AllocationRejected'],
    );
    expect(
      (await exceptionsOf(c, '?financialYear=2026-27', c.tokens.admin)).exceptions.map(
        (e) => e.type,
      ),
    ).toEqual(['AllocationReversed']);
  });

  it('an empty list for a pot with no exceptions; 404 NOT_FOUND for an unknown pot; 400 for a bad year or potId', async () => {
    const c = await ctx();
    expect((await exceptionsOf(c)).exceptions).toEqual([]);
    expectProblem(
      await c.ledger.get(`/v1/pots/${UNKNOWN_ULID}/exceptions`, c.tokens.auditor),
      404,
      'NOT_FOUND',
    );
    expectValidation(
      await c.ledger.get(`/v1/pots/${c.potId}/exceptions?financialYear=2025`, c.tokens.auditor),
      'querystring.financialYear',
    );
    expectValidation(
      await c.ledger.get('/v1/pots/not-a-ulid/exceptions', c.tokens.auditor),
      'params.potId',
    );
  });

  it("200 for the finance officers of the pot's partners (they read their own pots in full); 403 FORBIDDEN for a non-partner's and for reporters", async () => {
    const c = await ctx();
    const url = `/v1/pots/${c.potId}/exceptions`;
    const expected = (await c.ledger.get(url, c.tokens.auditor)).json();
    for (const token of [c.tokens.cc, c.tokens.police, c.tokens.probation]) {
      const res = await c.ledger.get(url, token);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual(expected);
    }
    const refused = expectProblem(await c.ledger.get(url, c.tokens.nhs), 403, 'FORBIDDEN');
    expect(refused.detail).toMatch(/nhs-mid-essex is not a partner/);
    expectProblem(await c.ledger.get(url, c.tokens.reporter), 403, 'FORBIDDEN');
    // An unknown pot is 404 for a finance officer too: pots are listed to every role anyway.
    expectProblem(
      await c.ledger.get(`/v1/pots/${UNKNOWN_ULID}/exceptions`, c.tokens.cc),
      404,
      'NOT_FOUND',
    );
  });

  describeReadRouteAuth('GET /v1/pots/:potId/exceptions', (c) => `/v1/pots/${c.potId}/exceptions`);
  describeMinPosition('GET /v1/pots/:potId/exceptions', (c) => `/v1/pots/${c.potId}/exceptions`);
});
