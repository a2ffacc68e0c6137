/**
 * Four-eyes approval over HTTP: the threshold (at opening and changed by an admin), requests at
 * or above it, approval by a second person, rejection, and the self-approval refusal that is
 * recorded for the exceptions list.
 */
import { describe, expect, it } from 'vitest';
import {
  allEvents,
  allocate,
  describeWriteRouteRefusals,
  expectInvalid,
  expectProblem,
  expectRefused,
  expectWritten,
  head,
  potSummary,
  ULID,
  useScenario,
  type Ctx,
} from './helpers.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const THRESHOLD = '250000.00';

async function setThreshold(c: Ctx, approvalThreshold: string | null = THRESHOLD) {
  return expectWritten(
    await c.ledger.post(`/v1/pots/${c.potId}/approval-threshold`, c.tokens.admin, {
      approvalThreshold,
      reason: 'Board minute 12',
    }),
    ['approvalThreshold'],
  );
}

/** bob (Essex Police) asks for 300,000.00: above the threshold, so only requested. */
async function requestLarge(c: Ctx, amount = '300000.00'): Promise<string> {
  const body = expectWritten(await allocate(c, amount, {}, c.tokens.police), [
    'allocationId',
    'status',
    'approvalReason',
  ]);
  expect(body.status).toBe('pending-approval');
  return body.allocationId as string;
}

const approve = (
  c: Ctx,
  allocationId: string,
  token: string,
  body: object = {},
  headers: Record<string, string> = {},
) => c.ledger.post(`/v1/pots/${c.potId}/allocations/${allocationId}/approve`, token, body, headers);
const reject = (c: Ctx, allocationId: string, token: string, reason = "Not in this year's plan") =>
  c.ledger.post(`/v1/pots/${c.potId}/allocations/${allocationId}/reject`, token, { reason });

/** The request each shared-refusal suite approves or rejects, per ledger. */
const requests = new WeakMap<Ctx, string>();
async function prepareRequest(c: Ctx): Promise<void> {
  await setThreshold(c);
  requests.set(c, await requestLarge(c));
}

describe('approval threshold', () => {
  const ctx = useScenario();

  it('POST /v1/pots accepts approvalThreshold; the summary shows it (null when none)', async () => {
    const c = await ctx();
    expect((await potSummary(c)).approvalThreshold).toBeNull();
    const opened = expectWritten(
      await c.ledger.post('/v1/pots', c.tokens.admin, {
        name: 'Falls',
        area: 'Essex',
        hostAgencyId: 'essex-cc',
        approvalThreshold: '1000',
      }),
      ['potId'],
    );
    expect((await potSummary(c, opened.potId)).approvalThreshold).toBe('1000.00');
    await expectInvalid(
      c.ledger,
      () =>
        c.ledger.post('/v1/pots', c.tokens.admin, {
          name: 'Bad',
          area: 'Essex',
          hostAgencyId: 'essex-cc',
          approvalThreshold: '-5',
        }),
      'body.approvalThreshold',
    );
  });

  it('201: an admin sets it, and removes it with null; the summary follows', async () => {
    const c = await ctx();
    const set = await setThreshold(c);
    expect(set.approvalThreshold).toBe(THRESHOLD);
    expect((await potSummary(c)).approvalThreshold).toBe(THRESHOLD);
    expect((await setThreshold(c, null)).approvalThreshold).toBeNull();
    expect((await potSummary(c)).approvalThreshold).toBeNull();
    const event = (await allEvents(c.ledger)).at(-1)!;
    expect(event).toMatchObject({
      type: 'ApprovalThresholdChanged',
      data: { potId: c.potId, approvalThreshold: null, reason: 'Board minute 12' },
    });
  });

  it('400 VALIDATION_FAILED for a bad amount or a missing reason; 404 NOT_FOUND for an unknown pot; nothing appended', async () => {
    const c = await ctx();
    const url = `/v1/pots/${c.potId}/approval-threshold`;
    await expectInvalid(
      c.ledger,
      () => c.ledger.post(url, c.tokens.admin, { approvalThreshold: '1.234', reason: 'x' }),
      'body.approvalThreshold',
    );
    await expectInvalid(
      c.ledger,
      () => c.ledger.post(url, c.tokens.admin, { approvalThreshold: '10.00' }),
      'body.reason',
    );
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(`/v1/pots/${UNKNOWN_ULID}/approval-threshold`, c.tokens.admin, {
          approvalThreshold: '10.00',
          reason: 'x',
        }),
      404,
      'NOT_FOUND',
    );
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/approval-threshold',
    url: (c) => `/v1/pots/${c.potId}/approval-threshold`,
    body: () => ({ approvalThreshold: '1000.00', reason: 'Board minute 12' }),
    allowed: (c) => c.tokens.admin,
    claims: { role: 'admin' },
    forbidden: [
      { who: 'a finance officer of a partner', token: (c) => c.tokens.cc },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: ['approvalThreshold'],
  });
});

describe('allocation requests', () => {
  const ctx = useScenario();

  it('at or above the threshold: 201 pending-approval, listed on the pot, nothing reserved', async () => {
    const c = await ctx();
    await setThreshold(c);
    const below = expectWritten(await allocate(c, '249999.99', {}, c.tokens.police), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    expect(below.status).toBe('allocated');
    const res = await allocate(c, '250000.00', {}, c.tokens.police);
    const body = expectWritten(res, ['allocationId', 'status', 'approvalReason']);
    expect(body).toMatchObject({
      status: 'pending-approval',
      allocationId: expect.stringMatching(ULID),
    });
    const summary = await potSummary(c);
    expect(summary).toMatchObject({ allocated: '249999.99', available: '250000.01' });
    const pending = {
      allocationId: body.allocationId,
      interventionId: c.interventionId,
      amount: '250000.00',
      effectiveDate: '2025-05-01',
      reason: 'Year one delivery',
      requestedBy: { sub: 'bob', role: 'finance-officer', agencyId: 'essex-police' },
      requestedAt: expect.any(String),
      eventId: body.eventId,
    };
    // A reporter reads the figures: who asked, and why, are withheld and said to be.
    expect(summary.pendingApprovals).toEqual([{ ...pending, reason: null, requestedBy: null }]);
    expect(summary.redacted).toEqual([
      'pendingApprovals[].reason',
      'pendingApprovals[].requestedBy',
    ]);
    // A partner's finance officer (another one: carol of Essex County Council, who may approve it) reads it in full.
    const full = (await c.ledger.get(`/v1/pots/${c.potId}`, c.tokens.cc)).json();
    expect(full.pendingApprovals).toEqual([pending]);
    expect(full.redacted).toBeUndefined();
  });

  it('the requester is shown to admins, auditors and partners; withheld from reporters and non-partners (GET /v1/pots and /v1/pots/:potId)', async () => {
    const c = await ctx();
    await setThreshold(c);
    expectWritten(await allocate(c, '250000.00', {}, c.tokens.police), [
      'allocationId',
      'status',
      'approvalReason',
    ]);
    const readers = [
      { who: 'an admin', token: c.tokens.admin, full: true },
      { who: 'an auditor', token: c.tokens.auditor, full: true },
      { who: 'the requester, a partner', token: c.tokens.police, full: true },
      { who: 'a partner with no stake', token: c.tokens.probation, full: true },
      { who: 'a reporter', token: c.tokens.reporter, full: false },
      { who: 'a finance officer of a non-partner', token: c.tokens.nhs, full: false },
    ];
    for (const { who, token, full } of readers) {
      const one = (await c.ledger.get(`/v1/pots/${c.potId}`, token)).json();
      const listed = (await c.ledger.get('/v1/pots', token))
        .json()
        .pots.find((p: { potId: string }) => p.potId === c.potId);
      for (const pot of [one, listed]) {
        expect(pot.pendingApprovals, who).toHaveLength(1);
        expect(pot.pendingApprovals[0].amount, who).toBe('250000.00');
        expect(pot.pendingApprovals[0].requestedBy?.sub ?? null, who).toBe(full ? 'bob' : null);
        expect(pot.pendingApprovals[0].reason, who).toBe(full ? 'Year one delivery' : null);
        expect(pot.redacted, who).toEqual(
          full ? undefined : ['pendingApprovals[].reason', 'pendingApprovals[].requestedBy'],
        );
      }
    }
  });

  it('409 INSUFFICIENT_FUNDS at request time already; nothing appended', async () => {
    const c = await ctx();
    await setThreshold(c);
    await expectRefused(
      c.ledger,
      () => allocate(c, '500000.01', {}, c.tokens.police),
      409,
      'INSUFFICIENT_FUNDS',
    );
  });
});

describe('POST /v1/pots/:potId/allocations/:allocationId/approve', () => {
  const ctx = useScenario({ prepare: prepareRequest });

  it('201: a second finance officer approves; the shares are fixed now and available falls', async () => {
    const c = await ctx();
    const allocationId = requests.get(c)!;
    const body = expectWritten(
      await approve(c, allocationId, c.tokens.cc, { comment: 'Matches the plan' }),
      ['allocationId', 'status', 'fundingShares'],
    );
    expect(body).toMatchObject({
      allocationId,
      status: 'allocated',
      fundingShares: [
        { agencyId: 'essex-cc', amount: '180000.00' },
        { agencyId: 'essex-police', amount: '120000.00' },
      ],
    });
    const summary = await potSummary(c);
    expect(summary).toMatchObject({
      allocated: '300000.00',
      available: '200000.00',
      pendingApprovals: [],
    });
    const events = await allEvents(c.ledger);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['AllocationApproved', 'FundsAllocated']);
    expect(events.at(-2)!.data).toEqual({
      potId: c.potId,
      allocationId,
      approvedBy: { sub: 'carol', role: 'finance-officer', agencyId: 'essex-cc' },
      comment: 'Matches the plan',
    });
  });

  it('409 SEGREGATION_OF_DUTIES for the requester: the attempt is recorded once, a retry with the same key appends nothing', async () => {
    const c = await ctx();
    const allocationId = requests.get(c)!;
    const before = await head(c.ledger);
    const key = { 'idempotency-key': 'bob-approves-himself' };
    const first = expectProblem(
      await approve(c, allocationId, c.tokens.police, {}, key),
      409,
      'SEGREGATION_OF_DUTIES',
    );
    expect(await head(c.ledger)).toBe(before + 1n);
    const recorded = (await allEvents(c.ledger)).at(-1)!;
    expect(recorded).toMatchObject({
      type: 'SelfApprovalAttempted',
      data: {
        potId: c.potId,
        allocationId,
        attemptedBy: { sub: 'bob', role: 'finance-officer', agencyId: 'essex-police' },
      },
    });
    const again = expectProblem(
      await approve(c, allocationId, c.tokens.police, {}, key),
      409,
      'SEGREGATION_OF_DUTIES',
    );
    expect(again.details).toEqual(first.details);
    expect(await head(c.ledger)).toBe(before + 1n);
    // Still pending: another person may approve it.
    expect(
      (await potSummary(c)).pendingApprovals.map((p: { allocationId: string }) => p.allocationId),
    ).toEqual([allocationId]);
    expectWritten(await approve(c, allocationId, c.tokens.admin), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
  });

  it('a retried approval with the same Idempotency-Key repeats the answer and appends nothing', async () => {
    const c = await ctx();
    const allocationId = requests.get(c)!;
    const key = { 'idempotency-key': 'carol-approves-once' };
    const first = await approve(c, allocationId, c.tokens.cc, {}, key);
    const before = await head(c.ledger);
    const again = await approve(c, allocationId, c.tokens.cc, {}, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await head(c.ledger)).toBe(before);
    expect((await potSummary(c)).allocated).toBe('300000.00');
  });

  it('404 NOT_FOUND for an unknown request or pot; 409 ALREADY_DECIDED for a decided one; nothing appended', async () => {
    const c = await ctx();
    const allocationId = requests.get(c)!;
    await expectRefused(c.ledger, () => approve(c, UNKNOWN_ULID, c.tokens.cc), 404, 'NOT_FOUND');
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(
          `/v1/pots/${UNKNOWN_ULID}/allocations/${allocationId}/approve`,
          c.tokens.admin,
          {},
        ),
      404,
      'NOT_FOUND',
    );
    expectWritten(await reject(c, allocationId, c.tokens.cc), ['allocationId', 'status']);
    await expectRefused(
      c.ledger,
      () => approve(c, allocationId, c.tokens.admin),
      409,
      'ALREADY_DECIDED',
    );
  });

  it('409 INSUFFICIENT_FUNDS when the money was allocated elsewhere meanwhile', async () => {
    const c = await ctx();
    expectWritten(await allocate(c, '249000.00'), ['allocationId', 'status', 'fundingShares']);
    await expectRefused(
      c.ledger,
      () => approve(c, requests.get(c)!, c.tokens.cc),
      409,
      'INSUFFICIENT_FUNDS',
    );
  });

  it('400 VALIDATION_FAILED for an allocationId that is not a ULID or an unknown body field', async () => {
    const c = await ctx();
    await expectInvalid(
      c.ledger,
      () => approve(c, 'not-a-ulid', c.tokens.cc),
      'params.allocationId',
    );
    await expectInvalid(c.ledger, () =>
      approve(c, requests.get(c)!, c.tokens.cc, { amount: '1.00' }),
    );
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/allocations/:allocationId/approve',
    url: (c) => `/v1/pots/${c.potId}/allocations/${requests.get(c)}/approve`,
    body: () => ({}),
    allowed: (c) => c.tokens.cc,
    claims: { role: 'finance-officer', agency: 'essex-cc' },
    forbidden: [
      { who: 'a finance officer of an agency that is not a partner', token: (c) => c.tokens.nhs },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: ['allocationId', 'status', 'fundingShares'],
    prepare: prepareRequest,
  });
});

describe('POST /v1/pots/:potId/allocations/:allocationId/reject', () => {
  const ctx = useScenario({ prepare: prepareRequest });

  it('201: a second person rejects with a reason; nothing is allocated and the request leaves the list', async () => {
    const c = await ctx();
    const allocationId = requests.get(c)!;
    expect(
      expectWritten(await reject(c, allocationId, c.tokens.admin), ['allocationId', 'status']),
    ).toMatchObject({ allocationId, status: 'rejected' });
    expect(await potSummary(c)).toMatchObject({
      allocated: '0.00',
      available: '500000.00',
      pendingApprovals: [],
    });
  });

  it('201: the requester may withdraw their own request', async () => {
    const c = await ctx();
    expectWritten(
      await reject(c, requests.get(c)!, c.tokens.police, 'Withdrawn: wrong intervention'),
      ['allocationId', 'status'],
    );
    expect((await allEvents(c.ledger)).at(-1)).toMatchObject({
      type: 'AllocationRejected',
      data: { rejectedBy: { sub: 'bob' } },
    });
  });

  it('409 ALREADY_DECIDED, 404 NOT_FOUND, 400 VALIDATION_FAILED without a reason; nothing appended', async () => {
    const c = await ctx();
    const allocationId = requests.get(c)!;
    expectWritten(await reject(c, allocationId, c.tokens.cc), ['allocationId', 'status']);
    await expectRefused(
      c.ledger,
      () => reject(c, allocationId, c.tokens.admin),
      409,
      'ALREADY_DECIDED',
    );
    await expectRefused(c.ledger, () => reject(c, UNKNOWN_ULID, c.tokens.admin), 404, 'NOT_FOUND');
    await expectInvalid(
      c.ledger,
      () =>
        c.ledger.post(`/v1/pots/${c.potId}/allocations/${UNKNOWN_ULID}/reject`, c.tokens.admin, {}),
      'body.reason',
    );
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/allocations/:allocationId/reject',
    url: (c) => `/v1/pots/${c.potId}/allocations/${requests.get(c)}/reject`,
    body: () => ({ reason: 'Not in the plan' }),
    allowed: (c) => c.tokens.cc,
    claims: { role: 'finance-officer', agency: 'essex-cc' },
    forbidden: [
      { who: 'a finance officer of an agency that is not a partner', token: (c) => c.tokens.nhs },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: ['allocationId', 'status'],
    prepare: prepareRequest,
  });
});

describe('the rolling rule: allocations split under the threshold (issue 13)', () => {
  // A clock the test moves: the window is measured on the server's recordedAt.
  let nowMs = Date.parse('2026-01-15T10:00:00.000Z');
  const ctx = useScenario({ clock: () => new Date(nowMs).toISOString() });
  const DAY_MS = 86_400_000;

  it("bob's allocations to one intervention add up: the one reaching the threshold is 201 pending-approval, approvalReason rolling, and the record says why", async () => {
    nowMs = Date.parse('2026-01-15T10:00:00.000Z');
    const c = await ctx();
    await setThreshold(c);
    for (const day of [0, 1]) {
      nowMs = Date.parse('2026-01-15T10:00:00.000Z') + day * DAY_MS;
      expect(
        expectWritten(await allocate(c, '100000.00', {}, c.tokens.police), [
          'allocationId',
          'status',
          'fundingShares',
        ]).status,
      ).toBe('allocated');
    }
    // Back-dating does not help: the window is on the server's clock.
    const res = await allocate(c, '50000.00', { effectiveDate: '2025-04-20' }, c.tokens.police, {
      'idempotency-key': 'split-3',
    });
    const body = expectWritten(res, ['allocationId', 'status', 'approvalReason', 'rollingWindow']);
    expect(body).toMatchObject({
      status: 'pending-approval',
      approvalReason: 'rolling',
      rollingWindow: { days: 30, allocatedInWindow: '200000.00' },
    });
    // A retry gets the same answer, reason and all.
    const retry = await allocate(c, '50000.00', { effectiveDate: '2025-04-20' }, c.tokens.police, {
      'idempotency-key': 'split-3',
    });
    expect(retry.json()).toEqual(body);
    const summary = await potSummary(c, c.potId, body.position);
    expect(summary).toMatchObject({ allocated: '200000.00' });
    expect(summary.pendingApprovals.map((p: { allocationId: string }) => p.allocationId)).toEqual([
      body.allocationId,
    ]);
    const requested = (await allEvents(c.ledger)).find((e) => e.type === 'AllocationRequested')!;
    expect(requested.data).toMatchObject({
      amount: '50000.00',
      approvalThreshold: THRESHOLD,
      rollingWindow: { days: 30, allocatedInWindow: '200000.00' },
    });
    const audit = (
      await c.ledger.get(
        `/v1/audit?potId=${c.potId}&minPosition=${body.position}`,
        c.tokens.auditor,
      )
    ).json();
    expect(
      audit.entries.find((e: { eventId: string }) => e.eventId === body.eventId).summary,
    ).toContain('in the last 30 days');
    // Another officer approves it, as any request.
    const approved = await c.ledger.post(
      `/v1/pots/${c.potId}/allocations/${body.allocationId}/approve`,
      c.tokens.cc,
      {},
    );
    expect(approved.statusCode, approved.body).toBe(201);
  });

  it("another officer's allocations, another intervention's, and those recorded over 30 days ago do not count", async () => {
    nowMs = Date.parse('2026-01-15T10:00:00.000Z');
    const c = await ctx();
    await setThreshold(c);
    expectWritten(await allocate(c, '200000.00', {}, c.tokens.police), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    // carol (the council's officer) on the same intervention: her own total is what counts.
    expect(
      expectWritten(await allocate(c, '100000.00', {}, c.tokens.cc), [
        'allocationId',
        'status',
        'fundingShares',
      ]).status,
    ).toBe('allocated');
    const second = expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/interventions`, c.tokens.admin, {
        name: 'Second',
        leadAgencyId: 'essex-cc',
      }),
      ['interventionId'],
    );
    expect(
      expectWritten(
        await allocate(c, '60000.00', { interventionId: second.interventionId }, c.tokens.police),
        ['allocationId', 'status', 'fundingShares'],
      ).status,
    ).toBe('allocated');
    // 31 days later bob's 200,000.00 has left the window.
    nowMs += 31 * DAY_MS;
    expect(
      expectWritten(await allocate(c, '60000.00', {}, c.tokens.police), [
        'allocationId',
        'status',
        'fundingShares',
      ]).status,
    ).toBe('allocated');
  });

  it('an allocation at the threshold on its own says approvalReason threshold', async () => {
    nowMs = Date.parse('2026-01-15T10:00:00.000Z');
    const c = await ctx();
    await setThreshold(c);
    const body = expectWritten(await allocate(c, THRESHOLD, {}, c.tokens.police), [
      'allocationId',
      'status',
      'approvalReason',
    ]);
    expect(body).toMatchObject({ status: 'pending-approval', approvalReason: 'threshold' });
  });
});
