import { describe, expect, it } from 'vitest';
import {
  allEvents,
  allocate,
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
  type Ctx,
} from './helpers.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

describe('POST /v1/pots/:potId/allocations', () => {
  const ctx = useScenario();

  it('201 with eventId, position, allocationId and the funding shares, drawn pro rata to stakes (3:2)', async () => {
    const c = await ctx();
    const body = expectWritten(await allocate(c, '100000.00'), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    expect(body.allocationId).toMatch(ULID);
    expect(body.fundingShares).toEqual([
      { agencyId: 'essex-cc', amount: '60000.00' },
      { agencyId: 'essex-police', amount: '40000.00' },
    ]);

    const summary = await potSummary(c, c.potId, body.position);
    expect(summary).toMatchObject({
      contributed: '500000.00',
      allocated: '100000.00',
      available: '400000.00',
      partners: [
        { agencyId: 'essex-cc', contributed: '300000.00', drawn: '60000.00', stake: '240000.00' },
        {
          agencyId: 'essex-police',
          contributed: '200000.00',
          drawn: '40000.00',
          stake: '160000.00',
        },
        { agencyId: 'essex-probation', contributed: '0.00', drawn: '0.00', stake: '0.00' },
      ],
      interventions: [{ interventionId: c.interventionId, funded: '100000.00', benefits: '0.00' }],
    });

    const event = (await allEvents(c.ledger)).find((e) => e.eventId === body.eventId);
    expect(event).toMatchObject({
      type: 'FundsAllocated',
      streamId: `pot-${c.potId}`,
      data: {
        potId: c.potId,
        allocationId: body.allocationId,
        interventionId: c.interventionId,
        amount: '100000.00',
        effectiveDate: '2025-05-01',
        reason: 'Year one delivery',
        fundingShares: body.fundingShares,
      },
    });
  });

  it('rounds shares to pence by largest remainder, so they sum to the amount exactly', async () => {
    const c = await ctx();
    // 33,333p × 3/5 = 19,999.8p, × 2/5 = 13,333.2p: the spare penny goes to the larger remainder.
    expect(
      expectWritten(await allocate(c, '333.33'), ['allocationId', 'status', 'fundingShares'])
        .fundingShares,
    ).toEqual([
      { agencyId: 'essex-cc', amount: '200.00' },
      { agencyId: 'essex-police', amount: '133.33' },
    ]);
  });

  it('a one-penny allocation draws the penny from one partner only (zero shares are left out)', async () => {
    const c = await ctx();
    expect(
      expectWritten(await allocate(c, '0.01'), ['allocationId', 'status', 'fundingShares'])
        .fundingShares,
    ).toEqual([{ agencyId: 'essex-cc', amount: '0.01' }]);
  });

  it('draws in proportion to the UNALLOCATED stakes, not to what each partner ever paid in', async () => {
    const c = await ctx();
    await allocate(c, '100000.00'); // stakes now 240,000 / 160,000
    expectWritten(await contribute(c, c.tokens.police, 'essex-police', '100000.00'), [
      'contributionId',
    ]); // police 260,000
    const body = expectWritten(await allocate(c, '50000.00'), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    expect(body.fundingShares).toEqual([
      { agencyId: 'essex-cc', amount: '24000.00' },
      { agencyId: 'essex-police', amount: '26000.00' },
    ]);
    const summary = await potSummary(c);
    expect(summary).toMatchObject({
      contributed: '600000.00',
      allocated: '150000.00',
      available: '450000.00',
    });
    expect(summary.interventions[0].funded).toBe('150000.00');
  });

  it('ties in the remainder go to the agency id that sorts first, not the partner that joined first', async () => {
    const c = await ctx();
    const tie = await threeEqualPartners(c);
    const shares = expectWritten(
      await c.ledger.post(`/v1/pots/${tie.potId}/allocations`, c.tokens.admin, tie.body('100.00')),
      ['allocationId', 'status', 'fundingShares'],
    ).fundingShares;
    expect(shares).toEqual([
      { agencyId: 'essex-cc', amount: '33.34' },
      { agencyId: 'essex-police', amount: '33.33' },
      { agencyId: 'essex-probation', amount: '33.33' },
    ]);
    const two = expectWritten(
      await c.ledger.post(`/v1/pots/${tie.potId}/allocations`, c.tokens.admin, tie.body('0.02')),
      ['allocationId', 'status', 'fundingShares'],
    );
    // Stakes are now 66.66 / 66.67 / 66.67: probation and police have the larger remainders.
    expect(two.fundingShares).toEqual([
      { agencyId: 'essex-police', amount: '0.01' },
      { agencyId: 'essex-probation', amount: '0.01' },
    ]);
  });

  it('allocating exactly what is available empties the pot; one penny more is INSUFFICIENT_FUNDS', async () => {
    const c = await ctx();
    expectWritten(await allocate(c, '500000.00'), ['allocationId', 'status', 'fundingShares']);
    expect(await potSummary(c)).toMatchObject({ available: '0.00', allocated: '500000.00' });
    const body = await expectRefused(
      c.ledger,
      () => allocate(c, '0.01'),
      409,
      'INSUFFICIENT_FUNDS',
    );
    expect(body.detail).toContain('0.01');
  });

  it('409 INSUFFICIENT_FUNDS for more than the available balance; nothing appended', async () => {
    const c = await ctx();
    const body = await expectRefused(
      c.ledger,
      () => allocate(c, '500000.01'),
      409,
      'INSUFFICIENT_FUNDS',
    );
    expect(body.detail).toContain('500000.01');
    expect(body.detail).toContain('500000.00');
    await expectRefused(c.ledger, () => allocate(c, '1000000000000.00'), 409, 'INSUFFICIENT_FUNDS');
  });

  it('404 NOT_FOUND for an intervention not in the pot, one of another pot, or an unknown pot; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => allocate(c, '10.00', { interventionId: UNKNOWN_ULID }),
      404,
      'NOT_FOUND',
    );
    const other = await threeEqualPartners(c);
    await expectRefused(
      c.ledger,
      () => allocate(c, '10.00', { interventionId: other.interventionId }),
      404,
      'NOT_FOUND',
    );
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(`/v1/pots/${UNKNOWN_ULID}/allocations`, c.tokens.admin, {
          interventionId: c.interventionId,
          amount: '1.00',
          effectiveDate: '2025-05-01',
          reason: 'r',
        }),
      404,
      'NOT_FOUND',
    );
  });

  it('a finance officer of a partner may allocate, even one whose agency has no stake', async () => {
    const c = await ctx();
    expectWritten(await allocate(c, '10.00', {}, c.tokens.police), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    expectWritten(await allocate(c, '10.00', {}, c.tokens.probation), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
  });

  describe('400 VALIDATION_FAILED for bad amounts; nothing appended', () => {
    const ctx = useSharedScenario();
    for (const amount of BAD_AMOUNTS) {
      it(`amount ${JSON.stringify(amount)}`, async () => {
        const c = await ctx();
        await expectInvalid(c.ledger, () => allocate(c, amount as string), 'body.amount');
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
          () => allocate(c, '10.00', { effectiveDate }),
          'body.effectiveDate',
        );
      });
    }
  });

  describe('400 VALIDATION_FAILED for other bad bodies and params; nothing appended', () => {
    const ctx = useSharedScenario();
    const cases: [string, (c: Ctx) => Record<string, unknown>, string][] = [
      [
        'missing interventionId',
        () => ({ amount: '1.00', effectiveDate: '2025-05-01', reason: 'r' }),
        'body.interventionId',
      ],
      [
        'missing amount',
        (c) => ({ interventionId: c.interventionId, effectiveDate: '2025-05-01', reason: 'r' }),
        'body.amount',
      ],
      [
        'missing effectiveDate',
        (c) => ({ interventionId: c.interventionId, amount: '1.00', reason: 'r' }),
        'body.effectiveDate',
      ],
      [
        'missing reason',
        (c) => ({ interventionId: c.interventionId, amount: '1.00', effectiveDate: '2025-05-01' }),
        'body.reason',
      ],
      [
        'interventionId not a ULID',
        () => ({
          interventionId: 'employment-support',
          amount: '1.00',
          effectiveDate: '2025-05-01',
          reason: 'r',
        }),
        'body.interventionId',
      ],
      [
        'reason blank',
        (c) => ({
          interventionId: c.interventionId,
          amount: '1.00',
          effectiveDate: '2025-05-01',
          reason: '\n\n',
        }),
        'body.reason',
      ],
      [
        'reason over 1000 characters',
        (c) => ({
          interventionId: c.interventionId,
          amount: '1.00',
          effectiveDate: '2025-05-01',
          reason: 'r'.repeat(1001),
        }),
        'body.reason',
      ],
      [
        'reason with a control character',
        (c) => ({
          interventionId: c.interventionId,
          amount: '1.00',
          effectiveDate: '2025-05-01',
          reason: 'a\u0007b',
        }),
        'body.reason',
      ],
      [
        'fundingShares chosen by the client',
        (c) => ({
          interventionId: c.interventionId,
          amount: '1.00',
          effectiveDate: '2025-05-01',
          reason: 'r',
          fundingShares: [],
        }),
        'body',
      ],
      [
        'an extra field',
        (c) => ({
          interventionId: c.interventionId,
          amount: '1.00',
          effectiveDate: '2025-05-01',
          reason: 'r',
          approvedBy: 'x',
        }),
        'body',
      ],
    ];
    for (const [name, body, path] of cases) {
      it(name, async () => {
        const c = await ctx();
        await expectInvalid(
          c.ledger,
          () => c.ledger.post(`/v1/pots/${c.potId}/allocations`, c.tokens.admin, body(c)),
          path,
        );
      });
    }
    it('potId not a ULID', async () => {
      const c = await ctx();
      await expectInvalid(
        c.ledger,
        () =>
          c.ledger.post('/v1/pots/xyz/allocations', c.tokens.admin, {
            interventionId: c.interventionId,
            amount: '1.00',
            effectiveDate: '2025-05-01',
            reason: 'r',
          }),
        'params.potId',
      );
    });
    it('a multi-line reason is accepted (it is free text)', async () => {
      const c = await ctx();
      expectWritten(
        await allocate(c, '1.00', { reason: 'Board decision 12/3\nMinute 4.2\ttabled' }),
        ['allocationId', 'status', 'fundingShares'],
      );
    });
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/allocations',
    url: (c) => `/v1/pots/${c.potId}/allocations`,
    body: (c) => ({
      interventionId: c.interventionId,
      amount: '1000.00',
      effectiveDate: '2025-05-01',
      reason: 'Year one',
    }),
    allowed: (c) => c.tokens.cc,
    claims: { role: 'finance-officer', agency: 'essex-cc' },
    forbidden: [
      { who: 'a finance officer of a non-partner', token: (c) => c.tokens.nhs },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: ['allocationId', 'status', 'fundingShares'],
  });
});

/** A second pot whose three partners (joined probation, police, council) each have £100.00. */
async function threeEqualPartners(c: Ctx) {
  const pot = expectWritten(
    await c.ledger.post('/v1/pots', c.tokens.admin, {
      name: 'Tie pot',
      area: 'Essex',
      hostAgencyId: 'essex-probation',
      partnerAgencyIds: ['essex-police', 'essex-cc'],
    }),
    ['potId'],
  );
  const potId = pot.potId as string;
  for (const [token, agencyId] of [
    [c.tokens.probation, 'essex-probation'],
    [c.tokens.police, 'essex-police'],
    [c.tokens.cc, 'essex-cc'],
  ] as const) {
    expectWritten(
      await c.ledger.post(`/v1/pots/${potId}/contributions`, token, {
        agencyId,
        amount: '100.00',
        effectiveDate: '2025-04-01',
        reference: 'TIE',
      }),
      ['contributionId'],
    );
  }
  const intervention = expectWritten(
    await c.ledger.post(`/v1/pots/${potId}/interventions`, c.tokens.admin, {
      name: 'Tie',
      leadAgencyId: 'essex-cc',
    }),
    ['interventionId'],
  );
  const interventionId = intervention.interventionId as string;
  return {
    potId,
    interventionId,
    body: (amount: string) => ({
      interventionId,
      amount,
      effectiveDate: '2025-05-01',
      reason: 'tie',
    }),
  };
}
