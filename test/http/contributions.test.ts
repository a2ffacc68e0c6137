import { describe, expect, it } from 'vitest';
import {
  allEvents,
  BAD_AMOUNTS,
  BAD_DATES,
  contribute,
  describeWriteRouteRefusals,
  expectInvalid,
  expectRefused,
  expectWritten,
  potSummary,
  ULID,
  useScenario,
  useSharedScenario,
} from './helpers.ts';

const UNKNOWN_POT = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

describe('POST /v1/pots/:potId/contributions', () => {
  const ctx = useScenario();
  const url = (potId: string) => `/v1/pots/${potId}/contributions`;

  it('201 with eventId, position and contributionId; the pot and the agency stake grow by the amount', async () => {
    const c = await ctx();
    const res = await c.ledger.post(url(c.potId), c.tokens.police, {
      agencyId: 'essex-police',
      amount: '1234.50',
      effectiveDate: '2025-06-30',
      reference: 'PO-1234',
    });
    const body = expectWritten(res, ['contributionId']);
    expect(body.contributionId).toMatch(ULID);
    expect(body.contributionId).not.toBe(body.eventId);

    const summary = await potSummary(c, c.potId, body.position);
    expect(summary).toMatchObject({
      contributed: '501234.50',
      allocated: '0.00',
      available: '501234.50',
    });
    expect(summary.partners[1]).toEqual({
      agencyId: 'essex-police',
      contributed: '201234.50',
      drawn: '0.00',
      returned: '0.00',
      stake: '201234.50',
    });

    const event = (await allEvents(c.ledger)).find((e) => e.eventId === body.eventId);
    expect(event).toMatchObject({
      type: 'ContributionReceived',
      streamId: `pot-${c.potId}`,
      position: body.position,
      data: {
        potId: c.potId,
        contributionId: body.contributionId,
        agencyId: 'essex-police',
        amount: '1234.50',
        effectiveDate: '2025-06-30',
        reference: 'PO-1234',
      },
      metadata: { actor: { sub: 'bob', role: 'finance-officer', agencyId: 'essex-police' } },
    });
  });

  it('amounts are written with exactly two decimals, whatever the precision sent', async () => {
    const c = await ctx();
    const ids: Record<string, string> = {};
    // With the scenario's 500,000.00 these fill the pot to the £1tn a pot may hold, exactly.
    for (const amount of ['7', '7.5', '0.01', '999999499985', '0.49']) {
      ids[amount] = expectWritten(await contribute(c, c.tokens.cc, 'essex-cc', amount), [
        'contributionId',
      ]).eventId as string;
    }
    const events = await allEvents(c.ledger);
    const amountOf = (eventId: string) => events.find((e) => e.eventId === eventId)!.data.amount;
    expect(amountOf(ids['7']!)).toBe('7.00');
    expect(amountOf(ids['7.5']!)).toBe('7.50');
    expect(amountOf(ids['0.01']!)).toBe('0.01');
    expect(amountOf(ids['999999499985']!)).toBe('999999499985.00');
    expect(amountOf(ids['0.49']!)).toBe('0.49');
    const summary = await potSummary(c);
    expect(summary.contributed).toBe('1000000000000.00');
  });

  it('a partner with no stake yet (probation) may contribute; dates at the edges of the range are accepted', async () => {
    const c = await ctx();
    expectWritten(
      await contribute(c, c.tokens.probation, 'essex-probation', '5.00', {
        effectiveDate: '2000-01-01',
      }),
      ['contributionId'],
    );
    expectWritten(
      await contribute(c, c.tokens.probation, 'essex-probation', '5.00', {
        effectiveDate: '2099-12-31',
      }),
      ['contributionId'],
    );
    expectWritten(
      await contribute(c, c.tokens.probation, 'essex-probation', '5.00', {
        effectiveDate: '2024-02-29',
      }),
      ['contributionId'],
    );
    expect((await potSummary(c)).partners[2]).toMatchObject({
      agencyId: 'essex-probation',
      stake: '15.00',
    });
  });

  it('403 FORBIDDEN for a finance officer contributing for another agency; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => contribute(c, c.tokens.police, 'essex-cc', '10.00'),
      403,
      'FORBIDDEN',
    );
    await expectRefused(
      c.ledger,
      () => contribute(c, c.tokens.cc, 'essex-probation', '10.00'),
      403,
      'FORBIDDEN',
    );
    await expectRefused(
      c.ledger,
      () => contribute(c, c.tokens.nhs, 'essex-police', '10.00'),
      403,
      'FORBIDDEN',
    );
  });

  it('403 FORBIDDEN for a finance officer of a non-partner agency paying for its own agency; nothing appended', async () => {
    // DESIGN "Auth": finance officers act only on pots their agency is a partner of. Every other
    // pot route refuses such an officer with FORBIDDEN; a contribution must too.
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => contribute(c, c.tokens.nhs, 'nhs-mid-essex', '10.00'),
      403,
      'FORBIDDEN',
    );
  });

  it('409 NOT_A_PARTNER (or 403) never appends when the contributing agency is not a partner', async () => {
    const c = await ctx();
    const before = await c.ledger.store.headPosition();
    const res = await contribute(c, c.tokens.nhs, 'nhs-mid-essex', '10.00');
    expect([403, 409]).toContain(res.statusCode);
    expect(['FORBIDDEN', 'NOT_A_PARTNER']).toContain(res.json().code);
    expect(await c.ledger.store.headPosition()).toBe(before);
  });

  it('404 NOT_FOUND for an unknown pot; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(url(UNKNOWN_POT), c.tokens.cc, {
          agencyId: 'essex-cc',
          amount: '1.00',
          effectiveDate: '2025-04-01',
          reference: 'X',
        }),
      404,
      'NOT_FOUND',
    );
  });

  it('400 VALIDATION_FAILED for a potId that is not a ULID; nothing appended', async () => {
    const c = await ctx();
    await expectInvalid(
      c.ledger,
      () =>
        c.ledger.post(url('pot-1'), c.tokens.cc, {
          agencyId: 'essex-cc',
          amount: '1.00',
          effectiveDate: '2025-04-01',
          reference: 'X',
        }),
      'params.potId',
    );
  });

  describe('400 VALIDATION_FAILED for bad amounts; nothing appended', () => {
    const ctx = useSharedScenario();
    for (const amount of BAD_AMOUNTS) {
      it(`amount ${JSON.stringify(amount)}`, async () => {
        const c = await ctx();
        await expectInvalid(
          c.ledger,
          () => contribute(c, c.tokens.cc, 'essex-cc', amount as string),
          'body.amount',
        );
      });
    }
  });

  describe('400 VALIDATION_FAILED for bad effective dates; nothing appended', () => {
    const ctx = useSharedScenario();
    for (const effectiveDate of BAD_DATES) {
      it(`effectiveDate ${JSON.stringify(effectiveDate)}`, async () => {
        const c = await ctx();
        await expectInvalid(
          c.ledger,
          () => contribute(c, c.tokens.cc, 'essex-cc', '10.00', { effectiveDate }),
          'body.effectiveDate',
        );
      });
    }
  });

  describe('400 VALIDATION_FAILED for other bad bodies; nothing appended', () => {
    const ctx = useSharedScenario();
    const valid = {
      agencyId: 'essex-cc',
      amount: '10.00',
      effectiveDate: '2025-04-01',
      reference: 'PO-9',
    };
    const without = (key: keyof typeof valid) =>
      Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key));
    const cases: [string, Record<string, unknown>, string][] = [
      ['missing agencyId', without('agencyId'), 'body.agencyId'],
      ['missing amount', without('amount'), 'body.amount'],
      ['missing effectiveDate', without('effectiveDate'), 'body.effectiveDate'],
      ['missing reference', without('reference'), 'body.reference'],
      ['agencyId not a slug', { ...valid, agencyId: 'Essex CC' }, 'body.agencyId'],
      ['reference blank', { ...valid, reference: '  ' }, 'body.reference'],
      [
        'reference with a control character',
        { ...valid, reference: 'PO\u001b9' },
        'body.reference',
      ],
      ['reference over 200 characters', { ...valid, reference: 'r'.repeat(201) }, 'body.reference'],
      ['reference a number', { ...valid, reference: 9 }, 'body.reference'],
      [
        'a contributionId chosen by the client',
        { ...valid, contributionId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' },
        'body',
      ],
      ['a currency field', { ...valid, currency: 'GBP' }, 'body'],
    ];
    for (const [name, body, path] of cases) {
      it(name, async () => {
        const c = await ctx();
        await expectInvalid(c.ledger, () => c.ledger.post(url(c.potId), c.tokens.cc, body), path);
      });
    }
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/contributions',
    url: (c) => url(c.potId),
    body: () => ({
      agencyId: 'essex-cc',
      amount: '250.00',
      effectiveDate: '2025-05-01',
      reference: 'PO-77',
    }),
    allowed: (c) => c.tokens.cc,
    claims: { role: 'finance-officer', agency: 'essex-cc' },
    forbidden: [
      {
        who: 'an admin (contributions are a finance officer\u2019s, for their own agency)',
        token: (c) => c.tokens.admin,
      },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
      { who: 'a finance officer of another partner', token: (c) => c.tokens.police },
      { who: 'a finance officer of a non-partner', token: (c) => c.tokens.nhs },
    ],
    answerKeys: ['contributionId'],
  });
});
