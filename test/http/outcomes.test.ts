import { describe, expect, it } from 'vitest';
import {
  eventDataBytes,
  MAX_EVENT_DATA_BYTES,
  MAX_FLOWS_PER_OUTCOME,
  MAX_PARTNERS_PER_POT,
} from '../../events/primitives.ts';
import { createTestLedger } from '../support/testLedger.ts';
import {
  allEvents,
  allocate,
  BAD_AMOUNTS,
  BAD_DATES,
  describeWriteRouteRefusals,
  ESSEX_BENEFITS,
  expectCreated,
  expectInvalid,
  expectRefused,
  expectWritten,
  potSummary,
  recordOutcome,
  ULID,
  useScenario,
  useSharedScenario,
} from './helpers.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const ESSEX_FLOWS = [
  { fromAgencyId: 'essex-cc', toAgencyId: 'essex-cc', amount: '6000.00', cashable: true },
  { fromAgencyId: 'essex-cc', toAgencyId: 'essex-police', amount: '18000.00', cashable: true },
  { fromAgencyId: 'essex-cc', toAgencyId: 'nhs-mid-essex', amount: '12000.00', cashable: false },
  { fromAgencyId: 'essex-police', toAgencyId: 'essex-cc', amount: '4000.00', cashable: true },
  { fromAgencyId: 'essex-police', toAgencyId: 'essex-police', amount: '12000.00', cashable: true },
  { fromAgencyId: 'essex-police', toAgencyId: 'nhs-mid-essex', amount: '8000.00', cashable: false },
];

describe('POST /v1/pots/:potId/interventions/:interventionId/outcomes', () => {
  const ctx = useScenario();
  const url = (potId: string, interventionId: string) =>
    `/v1/pots/${potId}/interventions/${interventionId}/outcomes`;

  it('201 with eventId, position, outcomeId and the flows: each benefit split 60/40 over the investors', async () => {
    const c = await ctx();
    expectWritten(await allocate(c, '100000.00'), ['allocationId', 'status', 'fundingShares']);
    const body = expectWritten(await recordOutcome(c, { evidenceRef: 'PNC extract 2025-09' }), [
      'outcomeId',
      'flows',
    ]);
    expect(body.outcomeId).toMatch(ULID);
    expect(body.flows).toEqual(ESSEX_FLOWS);

    const summary = await potSummary(c, c.potId, body.position);
    expect(summary.interventions[0]).toMatchObject({ funded: '100000.00', benefits: '60000.00' });
    // Outcomes move no money in the pot.
    expect(summary).toMatchObject({
      contributed: '500000.00',
      allocated: '100000.00',
      available: '400000.00',
    });

    const event = (await allEvents(c.ledger)).find((e) => e.eventId === body.eventId);
    expect(event).toMatchObject({
      type: 'OutcomeRecorded',
      streamId: `pot-${c.potId}`,
      data: {
        potId: c.potId,
        outcomeId: body.outcomeId,
        interventionId: c.interventionId,
        description: 'Fewer reoffences among the first cohort',
        effectiveDate: '2025-09-30',
        evidenceRef: 'PNC extract 2025-09',
        benefits: ESSEX_BENEFITS,
        flows: ESSEX_FLOWS,
      },
    });
  });

  it('keeps cashable and non-cashable flows to one beneficiary apart, cashable first', async () => {
    const c = await ctx();
    await allocate(c, '100000.00');
    const body = expectWritten(
      await recordOutcome(c, {
        benefits: [
          { agencyId: 'nhs-mid-essex', amount: '50.00', cashable: false },
          { agencyId: 'nhs-mid-essex', amount: '100.00', cashable: true },
        ],
      }),
      ['outcomeId', 'flows'],
    );
    expect(body.flows).toEqual([
      { fromAgencyId: 'essex-cc', toAgencyId: 'nhs-mid-essex', amount: '60.00', cashable: true },
      { fromAgencyId: 'essex-cc', toAgencyId: 'nhs-mid-essex', amount: '30.00', cashable: false },
      {
        fromAgencyId: 'essex-police',
        toAgencyId: 'nhs-mid-essex',
        amount: '40.00',
        cashable: true,
      },
      {
        fromAgencyId: 'essex-police',
        toAgencyId: 'nhs-mid-essex',
        amount: '20.00',
        cashable: false,
      },
    ]);
  });

  it('rounds each benefit line by largest remainder, then sums the lines (no penny created or lost)', async () => {
    const c = await ctx();
    await allocate(c, '100000.00');
    // Each 1p line goes to the 60% investor (remainder .6 beats .4); 1,000.01 splits 600.01 / 400.00.
    const body = expectWritten(
      await recordOutcome(c, {
        benefits: [
          { agencyId: 'essex-police', amount: '0.01', cashable: true },
          { agencyId: 'essex-police', amount: '0.01', cashable: true },
          { agencyId: 'nhs-mid-essex', amount: '1000.01', cashable: false },
        ],
      }),
      ['outcomeId', 'flows'],
    );
    expect(body.flows).toEqual([
      { fromAgencyId: 'essex-cc', toAgencyId: 'essex-police', amount: '0.02', cashable: true },
      { fromAgencyId: 'essex-cc', toAgencyId: 'nhs-mid-essex', amount: '600.01', cashable: false },
      {
        fromAgencyId: 'essex-police',
        toAgencyId: 'nhs-mid-essex',
        amount: '400.00',
        cashable: false,
      },
    ]);
  });

  it('credits investors by their NET funding: a reversed allocation no longer counts', async () => {
    const c = await ctx();
    const first = expectWritten(await allocate(c, '100000.00'), [
      'allocationId',
      'status',
      'fundingShares',
    ]); // 60,000 / 40,000
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/contributions`, c.tokens.police, {
        agencyId: 'essex-police',
        amount: '140000.00',
        effectiveDate: '2025-06-01',
        reference: 'P3',
      }),
      ['contributionId'],
    );
    // stakes now 240,000 / 300,000: the second allocation draws 4:5
    expect(
      expectWritten(await allocate(c, '90000.00'), ['allocationId', 'status', 'fundingShares'])
        .fundingShares,
    ).toEqual([
      { agencyId: 'essex-cc', amount: '40000.00' },
      { agencyId: 'essex-police', amount: '50000.00' },
    ]);
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.admin, {
        eventId: first.eventId,
        reason: 'Keyed twice',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    // Net funding is now 40,000 / 50,000.
    const body = expectWritten(
      await recordOutcome(c, {
        benefits: [{ agencyId: 'essex-probation', amount: '900.00', cashable: true }],
      }),
      ['outcomeId', 'flows'],
    );
    expect(body.flows).toEqual([
      { fromAgencyId: 'essex-cc', toAgencyId: 'essex-probation', amount: '400.00', cashable: true },
      {
        fromAgencyId: 'essex-police',
        toAgencyId: 'essex-probation',
        amount: '500.00',
        cashable: true,
      },
    ]);
  });

  it('400 VALIDATION_FAILED (never a 500) when lines for one beneficiary sum above the largest amount; nothing appended', async () => {
    const c = await ctx();
    expectWritten(await allocate(c, '1000.00'), ['allocationId', 'status', 'fundingShares']);
    const line = { agencyId: 'essex-police', amount: '1000000000000.00', cashable: true };
    await expectRefused(
      c.ledger,
      () => recordOutcome(c, { benefits: [line, line] }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('409 UNFUNDED_INTERVENTION for an intervention nobody has funded; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(c.ledger, () => recordOutcome(c), 409, 'UNFUNDED_INTERVENTION');
  });

  it('409 UNFUNDED_INTERVENTION again once its only allocation is reversed; nothing appended', async () => {
    const c = await ctx();
    const allocation = expectWritten(await allocate(c, '10.00'), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.admin, {
        eventId: allocation.eventId,
        reason: 'Wrong intervention',
      }),
      ['type', 'reversedEventId', 'amount'],
    );
    await expectRefused(c.ledger, () => recordOutcome(c), 409, 'UNFUNDED_INTERVENTION');
  });

  it('404 NOT_FOUND for a beneficiary that is not a registered agency; nothing appended', async () => {
    const c = await ctx();
    await allocate(c, '10.00');
    const body = await expectRefused(
      c.ledger,
      () =>
        recordOutcome(c, {
          benefits: [{ agencyId: 'ghost-agency', amount: '5.00', cashable: true }],
        }),
      404,
      'NOT_FOUND',
    );
    expect(body.detail).toContain('ghost-agency');
  });

  it('404 NOT_FOUND for an unknown intervention or pot; nothing appended', async () => {
    const c = await ctx();
    await allocate(c, '10.00');
    await expectRefused(
      c.ledger,
      () => recordOutcome(c, {}, c.tokens.admin, UNKNOWN_ULID),
      404,
      'NOT_FOUND',
    );
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(url(UNKNOWN_ULID, c.interventionId), c.tokens.admin, {
          description: 'd',
          effectiveDate: '2025-09-30',
          benefits: ESSEX_BENEFITS,
        }),
      404,
      'NOT_FOUND',
    );
  });

  it('benefits to a registered non-partner are fine, and a partner finance officer may record', async () => {
    const c = await ctx();
    await allocate(c, '10.00');
    expectWritten(
      await recordOutcome(
        c,
        { benefits: [{ agencyId: 'nhs-mid-essex', amount: '1.00', cashable: false }] },
        c.tokens.probation,
      ),
      ['outcomeId', 'flows'],
    );
  });

  describe('400 VALIDATION_FAILED for bad bodies and params; nothing appended', () => {
    const ctx = useSharedScenario({
      prepare: async (c) => {
        expectWritten(await allocate(c, '10.00'), ['allocationId', 'status', 'fundingShares']);
      },
    });
    const benefit = { agencyId: 'essex-police', amount: '10.00', cashable: true };
    const cases: [string, Record<string, unknown>, string][] = [
      ['benefits empty', { benefits: [] }, 'body.benefits'],
      ['benefits missing', { benefits: undefined }, 'body.benefits'],
      ['benefits an object', { benefits: benefit }, 'body.benefits'],
      [
        'over 100 benefit lines',
        { benefits: Array.from({ length: 101 }, () => benefit) },
        'body.benefits',
      ],
      [
        'a benefit without cashable',
        { benefits: [{ agencyId: 'essex-police', amount: '10.00' }] },
        'body.benefits',
      ],
      ['cashable as a string', { benefits: [{ ...benefit, cashable: 'yes' }] }, 'body.benefits'],
      ['a benefit with an extra field', { benefits: [{ ...benefit, note: 'x' }] }, 'body.benefits'],
      [
        'a benefit agency not a slug',
        { benefits: [{ ...benefit, agencyId: 'Essex Police' }] },
        'body.benefits',
      ],
      ['flows chosen by the client', { flows: [] }, 'body'],
      ['description missing', { description: undefined }, 'body.description'],
      ['description blank', { description: ' \n ' }, 'body.description'],
      ['description over 4000 characters', { description: 'd'.repeat(4001) }, 'body.description'],
      ['evidenceRef blank', { evidenceRef: '  ' }, 'body.evidenceRef'],
      ['evidenceRef over 500 characters', { evidenceRef: 'e'.repeat(501) }, 'body.evidenceRef'],
      ['evidenceRef with a line break', { evidenceRef: 'a\nb' }, 'body.evidenceRef'],
      ['an extra field', { approved: true }, 'body'],
    ];
    for (const [name, body, path] of cases) {
      it(name, async () => {
        const c = await ctx();
        await expectInvalid(c.ledger, () => recordOutcome(c, body), path);
      });
    }
    for (const amount of BAD_AMOUNTS) {
      it(`benefit amount ${JSON.stringify(amount)}`, async () => {
        const c = await ctx();
        await expectInvalid(
          c.ledger,
          () => recordOutcome(c, { benefits: [{ ...benefit, amount }] }),
          'body.benefits',
        );
      });
    }
    for (const effectiveDate of BAD_DATES) {
      it(`effectiveDate ${JSON.stringify(effectiveDate)}`, async () => {
        const c = await ctx();
        await expectInvalid(
          c.ledger,
          () => recordOutcome(c, { effectiveDate }),
          'body.effectiveDate',
        );
      });
    }
    it('potId or interventionId not a ULID', async () => {
      const c = await ctx();
      const body = { description: 'd', effectiveDate: '2025-09-30', benefits: ESSEX_BENEFITS };
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(url('essex', c.interventionId), c.tokens.admin, body),
        'params.potId',
      );
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(url(c.potId, 'employment'), c.tokens.admin, body),
        'params.interventionId',
      );
    });
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/interventions/:interventionId/outcomes',
    url: (c) => url(c.potId, c.interventionId),
    body: () => ({
      description: 'Fewer reoffences',
      effectiveDate: '2025-09-30',
      benefits: ESSEX_BENEFITS,
    }),
    allowed: (c) => c.tokens.cc,
    claims: { role: 'finance-officer', agency: 'essex-cc' },
    forbidden: [
      { who: 'a finance officer of a non-partner', token: (c) => c.tokens.nhs },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: ['outcomeId', 'flows'],
    // The scenario funds nothing; an outcome needs an allocation first.
    prepare: async (c) => {
      expectWritten(await allocate(c, '100000.00'), ['allocationId', 'status', 'fundingShares']);
    },
  });
});

/**
 * Issue 13: 100 partners funding one intervention and an outcome of 100 benefit lines made one
 * event of 10,000 flows (806 KB, and an 800 KB answer); ten of them held the server for seconds.
 */
describe('outcome size: benefit lines × funders is at most MAX_FLOWS_PER_OUTCOME', () => {
  it('400 OUTCOME_TOO_LARGE for the attack (100 lines × 100 funders), naming the limit; nothing appended. 10 × 100 = 1,000 is recorded', async () => {
    const ledger = await createTestLedger();
    try {
      const admin = ledger.token('admin', { sub: 'alice' });
      const partners = Array.from(
        { length: MAX_PARTNERS_PER_POT },
        (_, i) => `partner-${String(i + 1).padStart(3, '0')}`,
      );
      for (const agencyId of partners)
        await expectCreated(
          ledger.post('/v1/agencies', admin, { agencyId, name: agencyId, kind: 'council' }),
        );
      const { potId } = await expectCreated(
        ledger.post('/v1/pots', admin, {
          name: 'Wide',
          area: 'Essex',
          hostAgencyId: partners[0],
          partnerAgencyIds: partners.slice(1),
        }),
      );
      for (const agencyId of partners) {
        const token = ledger.token('finance-officer', { sub: `fo-${agencyId}`, agency: agencyId });
        await expectCreated(
          ledger.post(`/v1/pots/${potId}/contributions`, token, {
            agencyId,
            amount: '1.00',
            effectiveDate: '2025-04-10',
            reference: 'PO',
          }),
        );
      }
      const { interventionId } = await expectCreated(
        ledger.post(`/v1/pots/${potId}/interventions`, admin, {
          name: 'Everyone',
          leadAgencyId: partners[0],
        }),
      );
      await expectCreated(
        ledger.post(`/v1/pots/${potId}/allocations`, admin, {
          interventionId,
          amount: '100.00',
          effectiveDate: '2025-05-01',
          reason: 'All in',
        }),
      );

      const url = `/v1/pots/${potId}/interventions/${interventionId}/outcomes`;
      const lines = (n: number) =>
        partners
          .slice(0, n)
          .map((agencyId, i) => ({ agencyId, amount: `${i + 1}.00`, cashable: true }));
      const outcome = (n: number) =>
        ledger.post(url, admin, {
          description: 'Everything improved',
          effectiveDate: '2025-09-30',
          benefits: lines(n),
        });
      const refused = await expectRefused(ledger, () => outcome(100), 400, 'OUTCOME_TOO_LARGE');
      expect(refused.detail).toContain(`MAX_FLOWS_PER_OUTCOME ${MAX_FLOWS_PER_OUTCOME}`);
      expect(refused.details).toEqual({
        limit: MAX_FLOWS_PER_OUTCOME,
        benefitLines: 100,
        funders: 100,
        flows: 10_000,
      });
      await expectRefused(ledger, () => outcome(11), 400, 'OUTCOME_TOO_LARGE');

      const recorded = expectWritten(await outcome(10), ['outcomeId', 'flows']);
      expect(recorded.flows).toHaveLength(MAX_FLOWS_PER_OUTCOME);
      const event = (await allEvents(ledger)).find((e) => e.eventId === recorded.eventId)!;
      expect(eventDataBytes(event.data)).toBeLessThanOrEqual(MAX_EVENT_DATA_BYTES);
    } finally {
      await ledger.close();
    }
  });
});
