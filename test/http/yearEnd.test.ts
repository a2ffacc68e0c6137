/**
 * Year-end and winding up over HTTP: closing a financial year (the server clock decides whether
 * it has ended; the tests fix it), prior-period adjustments, and closing the pot.
 */
import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT } from '../../events/money.ts';
import { chainedMetadata } from '../../src/audit/eventHash.ts';
import { newUlid } from '../../src/writePath/fastUlid.ts';
import {
  allEvents,
  allocate,
  contribute,
  describeWriteRouteRefusals,
  expectInvalid,
  expectRefused,
  expectWritten,
  potSummary,
  useScenario,
  type Ctx,
} from './helpers.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
/** After 31 March 2026, so 2025-26 has ended. */
const AFTER_YEAR_END = () => '2026-04-20T09:00:00.000Z';

const closeYear = (c: Ctx, financialYear = '2025-26', token: string = c.tokens.admin) =>
  c.ledger.post(`/v1/pots/${c.potId}/financial-years/${financialYear}/close`, token, {
    reason: 'Accounts signed off',
  });
/** Appends an event to the pot's stream as an older version might have, with no decider in the way. */
async function appendUnchecked(c: Ctx, type: string, data: Record<string, unknown>): Promise<void> {
  const streamId = `pot-${c.potId}`;
  const stream = await c.ledger.store.readStream(streamId);
  const last = stream.at(-1)!;
  const eventId = newUlid();
  const event = { streamId, streamRevision: last.streamRevision + 1n, eventId, type, data };
  const metadata = chainedMetadata(
    {
      ...event,
      metadata: {
        commandId: newUlid(),
        correlationId: newUlid(),
        actor: { sub: 'old-version', role: 'admin' },
        recordedAt: '2025-04-11T09:00:00.000Z',
        schemaVersion: 1,
      },
    },
    last.metadata.hash as string,
  );
  await c.ledger.store.append(streamId, [{ eventId, type, data, metadata }], last.streamRevision);
}

const closePot = (c: Ctx, body: object = { reason: 'Programme ended' }, potId: string = c.potId) =>
  c.ledger.post(`/v1/pots/${potId}/close`, c.tokens.admin, body);

describe('POST /v1/pots/:potId/financial-years/:financialYear/close', () => {
  const ctx = useScenario({ clock: AFTER_YEAR_END });

  it('201 with closedThrough; the summary lists the year; a backdated entry is then 409 PERIOD_CLOSED', async () => {
    const c = await ctx();
    expect(expectWritten(await closeYear(c), ['financialYear', 'closedThrough'])).toMatchObject({
      financialYear: '2025-26',
      closedThrough: '2026-03-31',
    });
    expect((await potSummary(c)).closedFinancialYears).toEqual(['2025-26']);
    const refused = await expectRefused(
      c.ledger,
      () => contribute(c, c.tokens.cc, 'essex-cc', '10.00', { effectiveDate: '2026-03-31' }),
      409,
      'PERIOD_CLOSED',
    );
    expect(refused.details).toEqual({ effectiveDate: '2026-03-31', closedThrough: '2026-03-31' });
    await expectRefused(
      c.ledger,
      () => allocate(c, '10.00', { effectiveDate: '2025-12-01' }),
      409,
      'PERIOD_CLOSED',
    );
    expectWritten(
      await contribute(c, c.tokens.cc, 'essex-cc', '10.00', { effectiveDate: '2026-04-01' }),
      ['contributionId'],
    );
  });

  it('a prior-period adjustment dated in the open year is accepted, carried by the event and labelled in the audit trail', async () => {
    const c = await ctx();
    expectWritten(await closeYear(c), ['financialYear', 'closedThrough']);
    const body = expectWritten(
      await contribute(c, c.tokens.cc, 'essex-cc', '1250.00', {
        effectiveDate: '2026-04-10',
        priorPeriodAdjustment: '2025-26',
        reference: 'PPA-1',
      }),
      ['contributionId'],
    );
    const event = (await allEvents(c.ledger)).find((e) => e.eventId === body.eventId)!;
    expect(event.data).toMatchObject({
      effectiveDate: '2026-04-10',
      priorPeriodAdjustment: '2025-26',
    });
    const audit = (await c.ledger.get(`/v1/audit?potId=${c.potId}`, c.tokens.auditor)).json();
    expect(audit.entries.at(-1).summary).toMatch(/prior-period adjustment for 2025-26$/);
  });

  it('a reversal of an entry in the closed year: 409 PERIOD_CLOSED unless it is a prior-period adjustment', async () => {
    const c = await ctx();
    const allocation = expectWritten(await allocate(c, '1000.00'), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    expectWritten(await closeYear(c), ['financialYear', 'closedThrough']);
    const url = `/v1/pots/${c.potId}/reversals`;
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(url, c.tokens.admin, {
          eventId: allocation.eventId,
          reason: 'Wrong intervention',
        }),
      409,
      'PERIOD_CLOSED',
    );
    const reversed = expectWritten(
      await c.ledger.post(url, c.tokens.admin, {
        eventId: allocation.eventId,
        reason: 'Wrong intervention',
        priorPeriodAdjustment: '2025-26',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    const event = (await allEvents(c.ledger)).find((e) => e.eventId === reversed.eventId)!;
    expect(event.data).toMatchObject({
      effectiveDate: '2026-04-20',
      priorPeriodAdjustment: '2025-26',
    });
  });

  it('400 VALIDATION_FAILED for a year not yet ended, a malformed year, or a bad prior-period label; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(c.ledger, () => closeYear(c, '2026-27'), 400, 'VALIDATION_FAILED');
    await expectInvalid(c.ledger, () => closeYear(c, '2025-27'), 'params.financialYear');
    await expectInvalid(c.ledger, () => closeYear(c, 'last-year'), 'params.financialYear');
    // 2024-25 is not closed: a correction cannot claim to be for it.
    await expectRefused(
      c.ledger,
      () =>
        contribute(c, c.tokens.cc, 'essex-cc', '1.00', {
          effectiveDate: '2026-04-10',
          priorPeriodAdjustment: '2024-25',
        }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('409 PERIOD_CLOSED for a year already closed (or locked by a later one); 404 NOT_FOUND for an unknown pot', async () => {
    const c = await ctx();
    expectWritten(await closeYear(c), ['financialYear', 'closedThrough']);
    await expectRefused(c.ledger, () => closeYear(c), 409, 'PERIOD_CLOSED');
    await expectRefused(c.ledger, () => closeYear(c, '2023-24'), 409, 'PERIOD_CLOSED');
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(`/v1/pots/${UNKNOWN_ULID}/financial-years/2025-26/close`, c.tokens.admin, {}),
      404,
      'NOT_FOUND',
    );
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/financial-years/:financialYear/close',
    url: (c) => `/v1/pots/${c.potId}/financial-years/2024-25/close`,
    body: () => ({ reason: 'Accounts signed off' }),
    allowed: (c) => c.tokens.admin,
    claims: { role: 'admin' },
    forbidden: [
      { who: 'a finance officer of a partner', token: (c) => c.tokens.cc },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: ['financialYear', 'closedThrough'],
  });
});

describe('POST /v1/pots/:potId/close', () => {
  const ctx = useScenario({ clock: AFTER_YEAR_END });

  // Issue 13: a partner's stake past £1,000,000,000,000.00 made the close fail to write its
  // return (a ZodError, answered 500). The contribution that would make it is now refused.
  it('409 AMOUNT_LIMIT_EXCEEDED for the contribution that takes the pot past £1tn; the full pot closes 201', async () => {
    const c = await ctx();
    // The scenario holds 500,000.00: this fills the pot to the limit exactly.
    expectWritten(await contribute(c, c.tokens.cc, 'essex-cc', '999999500000.00'), [
      'contributionId',
    ]);
    const refused = await expectRefused(
      c.ledger,
      () => contribute(c, c.tokens.cc, 'essex-cc', MAX_AMOUNT),
      409,
      'AMOUNT_LIMIT_EXCEEDED',
    );
    expect(refused.detail).toContain(MAX_AMOUNT);
    expect(refused.details).toEqual({
      limit: MAX_AMOUNT,
      contributed: MAX_AMOUNT,
      requested: MAX_AMOUNT,
    });
    await expectRefused(
      c.ledger,
      () => contribute(c, c.tokens.police, 'essex-police', '0.01'),
      409,
      'AMOUNT_LIMIT_EXCEEDED',
    );
    const body = expectWritten(await closePot(c), ['effectiveDate', 'returns']);
    expect(body.returns).toEqual([
      { agencyId: 'essex-cc', amount: '999999800000.00' },
      { agencyId: 'essex-police', amount: '200000.00' },
    ]);
  });

  it('409 AMOUNT_LIMIT_EXCEEDED, never 500, closing a pot written before the limit with a stake past £1tn', async () => {
    const c = await ctx();
    // Such a pot can only come from an older version: write its contribution past the decider.
    await appendUnchecked(c, 'ContributionReceived', {
      potId: c.potId,
      contributionId: '01KAAAAAAAAAAAAAAAAAAAAAAA',
      agencyId: 'essex-cc',
      amount: MAX_AMOUNT,
      effectiveDate: '2025-04-11',
      reference: 'OLD-1',
    });
    const refused = await expectRefused(c.ledger, () => closePot(c), 409, 'AMOUNT_LIMIT_EXCEEDED');
    expect(refused.detail).toContain('essex-cc (1000000300000.00)');
    expect(refused.details).toEqual({ limit: MAX_AMOUNT, agencyIds: ['essex-cc'] });
    // The way out the detail names: bring the stake within the limit, then close.
    expectWritten(await allocate(c, '500000.00'), ['allocationId', 'status', 'fundingShares']);
    expectWritten(await closePot(c), ['effectiveDate', 'returns']);
  });

  it("201: each partner's unallocated stake is returned, exactly; the pot is closed with nothing available", async () => {
    const c = await ctx();
    expectWritten(await allocate(c, '100000.01'), ['allocationId', 'status', 'fundingShares']);
    const available = (await potSummary(c)).available;
    const body = expectWritten(await closePot(c), ['effectiveDate', 'returns']);
    expect(body).toMatchObject({
      effectiveDate: '2026-04-20',
      returns: [
        { agencyId: 'essex-cc', amount: '239999.99' },
        { agencyId: 'essex-police', amount: '160000.00' },
      ],
    });
    // Exact pence, never floats: the returns add up to what was available, to the penny.
    const pence = (amount: string) => BigInt(amount.replace('.', ''));
    const returned = body.returns.reduce(
      (total: bigint, r: { amount: string }) => total + pence(r.amount),
      0n,
    );
    expect(returned).toBe(pence(available));
    const summary = await potSummary(c);
    expect(summary).toMatchObject({ status: 'closed', available: '0.00', allocated: '100000.01' });
    expect(summary.partners).toEqual([
      {
        agencyId: 'essex-cc',
        contributed: '300000.00',
        drawn: '60000.01',
        returned: '239999.99',
        stake: '0.00',
      },
      {
        agencyId: 'essex-police',
        contributed: '200000.00',
        drawn: '40000.00',
        returned: '160000.00',
        stake: '0.00',
      },
      {
        agencyId: 'essex-probation',
        contributed: '0.00',
        drawn: '0.00',
        returned: '0.00',
        stake: '0.00',
      },
    ]);
    const balances = (
      await c.ledger.get('/v1/agencies/essex-cc/balances', c.tokens.reporter)
    ).json();
    // netFiscalPosition = benefitsReceived − (contributed − returned) = 0 − 60,000.01.
    expect(balances.total).toMatchObject({
      contributed: '300000.00',
      returned: '239999.99',
      stake: '0.00',
      netFiscalPosition: '-60000.01',
    });
  });

  it('409 POT_CLOSED for every write afterwards; nothing appended', async () => {
    const c = await ctx();
    expectWritten(await closePot(c), ['effectiveDate', 'returns']);
    await expectRefused(
      c.ledger,
      () => contribute(c, c.tokens.cc, 'essex-cc', '10.00', { effectiveDate: '2026-04-20' }),
      409,
      'POT_CLOSED',
    );
    await expectRefused(
      c.ledger,
      () => allocate(c, '10.00', { effectiveDate: '2026-04-20' }),
      409,
      'POT_CLOSED',
    );
    await expectRefused(c.ledger, () => closePot(c), 409, 'POT_CLOSED');
    await expectRefused(c.ledger, () => closeYear(c, '2024-25'), 409, 'POT_CLOSED');
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(`/v1/pots/${c.potId}/approval-threshold`, c.tokens.admin, {
          approvalThreshold: null,
          reason: 'x',
        }),
      409,
      'POT_CLOSED',
    );
  });

  it('409 PENDING_APPROVALS while a request waits, naming it in the detail', async () => {
    const c = await ctx();
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/approval-threshold`, c.tokens.admin, {
        approvalThreshold: '1000.00',
        reason: 'x',
      }),
      ['approvalThreshold'],
    );
    const requested = expectWritten(
      await allocate(c, '5000.00', { effectiveDate: '2026-04-20' }, c.tokens.police),
      ['allocationId', 'status', 'approvalReason'],
    );
    const problem = await expectRefused(c.ledger, () => closePot(c), 409, 'PENDING_APPROVALS');
    expect(problem.detail).toContain(requested.allocationId);
    expect(problem.details).toEqual({ pendingAllocationIds: [requested.allocationId] });
  });

  it('409 PERIOD_CLOSED for a close dated in a closed year; 400 without a reason; 404 for an unknown pot', async () => {
    const c = await ctx();
    expectWritten(await closeYear(c), ['financialYear', 'closedThrough']);
    await expectRefused(
      c.ledger,
      () => closePot(c, { reason: 'x', effectiveDate: '2026-03-01' }),
      409,
      'PERIOD_CLOSED',
    );
    await expectInvalid(c.ledger, () => closePot(c, {}), 'body.reason');
    await expectRefused(
      c.ledger,
      () => closePot(c, { reason: 'x' }, UNKNOWN_ULID),
      404,
      'NOT_FOUND',
    );
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/close',
    url: (c) => `/v1/pots/${c.potId}/close`,
    body: () => ({ reason: 'Programme ended' }),
    allowed: (c) => c.tokens.admin,
    claims: { role: 'admin' },
    forbidden: [
      { who: 'a finance officer of a partner', token: (c) => c.tokens.cc },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: ['effectiveDate', 'returns'],
  });
});
