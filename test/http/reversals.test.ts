import { describe, expect, it } from 'vitest';
import {
  allEvents,
  allocate,
  BAD_DATES,
  contribute,
  describeWriteRouteRefusals,
  expectInvalid,
  expectRefused,
  expectWritten,
  potSummary,
  recordOutcome,
  useScenario,
  useSharedScenario,
  type Ctx,
} from './helpers.ts';

const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const TODAY = '2025-06-15';
const REVERSAL_KEYS = ['type', 'reversedEventId', 'amount'];

/** The event id of the scenario's first event of a type (optionally with a matching reference). */
async function eventIdOf(c: Ctx, type: string, reference?: string): Promise<string> {
  const event = (await allEvents(c.ledger)).find(
    (e) => e.type === type && (reference === undefined || e.data.reference === reference),
  );
  if (event === undefined) throw new Error(`no ${type} ${reference ?? ''} in the log`);
  return event.eventId as string;
}

describe('POST /v1/pots/:potId/reversals', () => {
  const ctx = useScenario({ clock: () => `${TODAY}T10:00:00.000Z` });
  const reverse = (
    c: Ctx,
    body: Record<string, unknown>,
    token: string = c.tokens.admin,
    potId: string = c.potId,
  ) => c.ledger.post(`/v1/pots/${potId}/reversals`, token, body);

  describe('contributions', () => {
    it('201 with eventId, position, type, reversedEventId and amount; the stake and the pot shrink by it', async () => {
      const c = await ctx();
      const original = await eventIdOf(c, 'ContributionReceived', 'PO-1');
      const body = expectWritten(
        await reverse(c, { eventId: original, reason: 'Paid into the wrong pot' }, c.tokens.cc),
        REVERSAL_KEYS,
      );
      expect(body).toMatchObject({
        type: 'ContributionReversed',
        reversedEventId: original,
        amount: '300000.00',
      });

      const summary = await potSummary(c, c.potId, body.position);
      expect(summary).toMatchObject({
        contributed: '200000.00',
        allocated: '0.00',
        available: '200000.00',
      });
      expect(summary.partners[0]).toEqual({
        agencyId: 'essex-cc',
        contributed: '0.00',
        drawn: '0.00',
        returned: '0.00',
        stake: '0.00',
      });

      const events = await allEvents(c.ledger);
      const contributionId = events.find((e) => e.eventId === original)!.data.contributionId;
      expect(events.find((e) => e.eventId === body.eventId)).toMatchObject({
        type: 'ContributionReversed',
        streamId: `pot-${c.potId}`,
        data: {
          potId: c.potId,
          reversedEventId: original,
          contributionId,
          agencyId: 'essex-cc',
          amount: '300000.00',
          reason: 'Paid into the wrong pot',
          effectiveDate: TODAY,
        },
        metadata: { actor: { sub: 'carol', role: 'finance-officer', agencyId: 'essex-cc' } },
      });
    });

    it('409 ALREADY_REVERSED for a second reversal; nothing appended', async () => {
      const c = await ctx();
      const original = await eventIdOf(c, 'ContributionReceived', 'PO-1');
      expectWritten(await reverse(c, { eventId: original, reason: 'first' }), REVERSAL_KEYS);
      await expectRefused(
        c.ledger,
        () => reverse(c, { eventId: original, reason: 'second' }),
        409,
        'ALREADY_REVERSED',
      );
      await expectRefused(
        c.ledger,
        () => reverse(c, { eventId: original, reason: 'third' }, c.tokens.cc),
        409,
        'ALREADY_REVERSED',
      );
    });

    it('409 INSUFFICIENT_FUNDS when the money has been drawn (the stake would go below zero); nothing appended', async () => {
      const c = await ctx();
      await allocate(c, '100000.00'); // council stake 240,000 < 300,000; police 160,000 < 200,000
      const council = await eventIdOf(c, 'ContributionReceived', 'PO-1');
      const police = await eventIdOf(c, 'ContributionReceived', 'PO-2');
      const body = await expectRefused(
        c.ledger,
        () => reverse(c, { eventId: council, reason: 'x' }),
        409,
        'INSUFFICIENT_FUNDS',
      );
      expect(body.detail).toContain('240000.00');
      await expectRefused(
        c.ledger,
        () => reverse(c, { eventId: police, reason: 'x' }, c.tokens.police),
        409,
        'INSUFFICIENT_FUNDS',
      );
      // A later contribution still within the stake can be reversed.
      const extra = expectWritten(
        await contribute(c, c.tokens.police, 'essex-police', '50000.00'),
        ['contributionId'],
      );
      expectWritten(
        await reverse(c, { eventId: extra.eventId, reason: 'duplicate' }, c.tokens.police),
        REVERSAL_KEYS,
      );
      expect((await potSummary(c)).partners[1]).toMatchObject({ stake: '160000.00' });
    });

    it('403 FORBIDDEN for a finance officer reversing another agency\u2019s contribution; an admin may; nothing appended', async () => {
      const c = await ctx();
      const original = await eventIdOf(c, 'ContributionReceived', 'PO-1');
      await expectRefused(
        c.ledger,
        () => reverse(c, { eventId: original, reason: 'x' }, c.tokens.police),
        403,
        'FORBIDDEN',
      );
      await expectRefused(
        c.ledger,
        () => reverse(c, { eventId: original, reason: 'x' }, c.tokens.nhs),
        403,
        'FORBIDDEN',
      );
      expectWritten(
        await reverse(c, { eventId: original, reason: 'on behalf of the council' }, c.tokens.admin),
        REVERSAL_KEYS,
      );
    });
  });

  describe('allocations', () => {
    it('201 AllocationReversed; the funding shares go back to the stakes and the intervention is unfunded', async () => {
      const c = await ctx();
      const allocation = expectWritten(await allocate(c, '100000.00'), [
        'allocationId',
        'status',
        'fundingShares',
      ]);
      const body = expectWritten(
        await reverse(
          c,
          { eventId: allocation.eventId, reason: 'Board minute rescinded' },
          c.tokens.police,
        ),
        REVERSAL_KEYS,
      );
      expect(body).toMatchObject({
        type: 'AllocationReversed',
        reversedEventId: allocation.eventId,
        amount: '100000.00',
      });

      const summary = await potSummary(c, c.potId, body.position);
      expect(summary).toMatchObject({
        contributed: '500000.00',
        allocated: '0.00',
        available: '500000.00',
        partners: [
          {
            agencyId: 'essex-cc',
            contributed: '300000.00',
            drawn: '0.00',
            returned: '0.00',
            stake: '300000.00',
          },
          {
            agencyId: 'essex-police',
            contributed: '200000.00',
            drawn: '0.00',
            returned: '0.00',
            stake: '200000.00',
          },
          {
            agencyId: 'essex-probation',
            contributed: '0.00',
            drawn: '0.00',
            returned: '0.00',
            stake: '0.00',
          },
        ],
        interventions: [{ interventionId: c.interventionId, funded: '0.00' }],
      });
      const event = (await allEvents(c.ledger)).find((e) => e.eventId === body.eventId);
      expect(event).toMatchObject({
        data: {
          reversedEventId: allocation.eventId,
          allocationId: allocation.allocationId,
          interventionId: c.interventionId,
          amount: '100000.00',
          fundingShares: allocation.fundingShares,
          reason: 'Board minute rescinded',
          effectiveDate: TODAY,
        },
      });
      await expectRefused(
        c.ledger,
        () => reverse(c, { eventId: allocation.eventId, reason: 'again' }),
        409,
        'ALREADY_REVERSED',
      );
    });

    it('once an allocation is reversed, the contributions it drew on can be reversed', async () => {
      const c = await ctx();
      const allocation = expectWritten(await allocate(c, '100000.00'), [
        'allocationId',
        'status',
        'fundingShares',
      ]);
      const council = await eventIdOf(c, 'ContributionReceived', 'PO-1');
      await expectRefused(
        c.ledger,
        () => reverse(c, { eventId: council, reason: 'x' }),
        409,
        'INSUFFICIENT_FUNDS',
      );
      expectWritten(
        await reverse(c, { eventId: allocation.eventId, reason: 'undo' }),
        REVERSAL_KEYS,
      );
      expectWritten(await reverse(c, { eventId: council, reason: 'now possible' }), REVERSAL_KEYS);
    });

    // Issue 13: allocate 0.01, record a £1,000,000 outcome, reverse the allocation — the
    // intervention showed funded 0.00 and benefits £1,000,000 produced on nothing invested.
    it('409 OUTCOMES_DEPEND_ON_ALLOCATION while an outcome recorded after it stands, naming it; nothing appended. Retract it, then the allocation goes', async () => {
      const c = await ctx();
      const allocation = expectWritten(await allocate(c, '0.01'), [
        'allocationId',
        'status',
        'fundingShares',
      ]);
      const outcome = expectWritten(
        await recordOutcome(c, {
          benefits: [{ agencyId: 'nhs-mid-essex', amount: '1000000.00', cashable: false }],
        }),
        ['outcomeId', 'flows'],
      );
      for (const token of [c.tokens.admin, c.tokens.cc]) {
        const refused = await expectRefused(
          c.ledger,
          () => reverse(c, { eventId: allocation.eventId, reason: 'Keyed in error' }, token),
          409,
          'OUTCOMES_DEPEND_ON_ALLOCATION',
        );
        expect(refused.detail).toContain(outcome.eventId);
        expect(refused.detail).toContain('retract them first');
        expect(refused.details).toEqual({
          allocationId: allocation.allocationId,
          outcomes: 1,
          outcomeEventIds: [outcome.eventId],
          outcomeIds: [outcome.outcomeId],
        });
      }
      expect((await potSummary(c)).interventions[0]).toMatchObject({
        funded: '0.01',
        benefits: '1000000.00',
      });

      expectWritten(
        await reverse(c, { eventId: outcome.eventId, reason: 'Recorded on the wrong funding' }),
        ['type', 'reversedEventId'],
      );
      const body = expectWritten(
        await reverse(c, { eventId: allocation.eventId, reason: 'Keyed in error' }),
        REVERSAL_KEYS,
      );
      expect((await potSummary(c, c.potId, body.position)).interventions[0]).toMatchObject({
        funded: '0.00',
        benefits: '0.00',
      });
      // No investor is left credited with benefits it never paid for.
      const balances = (
        await c.ledger.get(
          `/v1/agencies/essex-cc/balances?minPosition=${body.position}`,
          c.tokens.reporter,
        )
      ).json();
      expect(balances.total).toMatchObject({ drawn: '0.00', benefitsProducedForOthers: '0.00' });
    });

    it('an allocation made after an outcome can be reversed while the outcome stands: it was attributed without it', async () => {
      const c = await ctx();
      expectWritten(await allocate(c, '100000.00'), ['allocationId', 'status', 'fundingShares']);
      expectWritten(await recordOutcome(c), ['outcomeId', 'flows']);
      const later = expectWritten(await allocate(c, '5000.00'), [
        'allocationId',
        'status',
        'fundingShares',
      ]);
      const body = expectWritten(
        await reverse(c, { eventId: later.eventId, reason: 'Not needed' }),
        REVERSAL_KEYS,
      );
      expect((await potSummary(c, c.potId, body.position)).interventions[0]).toMatchObject({
        funded: '100000.00',
        benefits: '60000.00',
      });
    });
  });

  describe('outcomes', () => {
    it('201 OutcomeRetracted without an amount; the benefits and flows are withdrawn', async () => {
      const c = await ctx();
      await allocate(c, '100000.00');
      const outcome = expectWritten(await recordOutcome(c), ['outcomeId', 'flows']);
      const body = expectWritten(
        await reverse(c, { eventId: outcome.eventId, reason: 'Evidence withdrawn' }, c.tokens.cc),
        ['type', 'reversedEventId'],
      );
      expect(body).toMatchObject({ type: 'OutcomeRetracted', reversedEventId: outcome.eventId });

      const summary = await potSummary(c, c.potId, body.position);
      expect(summary.interventions[0]).toMatchObject({ funded: '100000.00', benefits: '0.00' });
      const flows = (
        await c.ledger.get(
          `/v1/flows?potId=${c.potId}&minPosition=${body.position}`,
          c.tokens.reporter,
        )
      ).json();
      expect(flows.rows).toEqual([]);
      await expectRefused(
        c.ledger,
        () => reverse(c, { eventId: outcome.eventId, reason: 'again' }),
        409,
        'ALREADY_REVERSED',
      );
    });
  });

  it('404 NOT_FOUND for an event id not in the log, in another pot or another stream, or an unknown pot; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () => reverse(c, { eventId: UNKNOWN_ULID, reason: 'x' }),
      404,
      'NOT_FOUND',
    );
    const agencyEvent = await eventIdOf(c, 'AgencyRegistered');
    await expectRefused(
      c.ledger,
      () => reverse(c, { eventId: agencyEvent, reason: 'x' }),
      404,
      'NOT_FOUND',
    );
    const other = expectWritten(
      await c.ledger.post('/v1/pots', c.tokens.admin, {
        name: 'Other',
        area: 'Essex',
        hostAgencyId: 'essex-cc',
      }),
      ['potId'],
    );
    const otherContribution = expectWritten(
      await c.ledger.post(`/v1/pots/${other.potId}/contributions`, c.tokens.cc, {
        agencyId: 'essex-cc',
        amount: '5.00',
        effectiveDate: '2025-04-01',
        reference: 'O',
      }),
      ['contributionId'],
    );
    await expectRefused(
      c.ledger,
      () => reverse(c, { eventId: otherContribution.eventId, reason: 'x' }),
      404,
      'NOT_FOUND',
    );
    const council = await eventIdOf(c, 'ContributionReceived', 'PO-1');
    await expectRefused(
      c.ledger,
      () => reverse(c, { eventId: council, reason: 'x' }, c.tokens.admin, UNKNOWN_ULID),
      404,
      'NOT_FOUND',
    );
  });

  it('400 VALIDATION_FAILED for events that cannot be reversed: pot opened, partner joined, intervention defined, a reversal itself', async () => {
    const c = await ctx();
    const joined = expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/partners`, c.tokens.admin, {
        agencyId: 'nhs-mid-essex',
      }),
      ['potId', 'agencyId'],
    );
    const council = await eventIdOf(c, 'ContributionReceived', 'PO-1');
    const reversal = expectWritten(
      await reverse(c, { eventId: council, reason: 'x' }),
      REVERSAL_KEYS,
    );
    for (const eventId of [
      await eventIdOf(c, 'PotOpened'),
      joined.eventId,
      await eventIdOf(c, 'InterventionDefined'),
      reversal.eventId,
    ]) {
      await expectRefused(
        c.ledger,
        () => reverse(c, { eventId, reason: 'x' }),
        400,
        'VALIDATION_FAILED',
      );
    }
  });

  describe('effectiveDate of the reversal', () => {
    it('defaults to today; may be given; never before the entry it undoes (400, nothing appended)', async () => {
      const c = await ctx();
      const council = await eventIdOf(c, 'ContributionReceived', 'PO-1'); // dated 2025-04-10
      await expectRefused(
        c.ledger,
        () => reverse(c, { eventId: council, reason: 'x', effectiveDate: '2025-04-09' }),
        400,
        'VALIDATION_FAILED',
      );
      const body = expectWritten(
        await reverse(c, { eventId: council, reason: 'x', effectiveDate: '2025-04-10' }),
        REVERSAL_KEYS,
      );
      expect(
        (await allEvents(c.ledger)).find((e) => e.eventId === body.eventId)!.data.effectiveDate,
      ).toBe('2025-04-10');
    });

    it('defaults to the original date when that is later than today', async () => {
      const c = await ctx();
      const future = expectWritten(
        await contribute(c, c.tokens.cc, 'essex-cc', '10.00', { effectiveDate: '2026-01-31' }),
        ['contributionId'],
      );
      const body = expectWritten(
        await reverse(c, { eventId: future.eventId, reason: 'x' }),
        REVERSAL_KEYS,
      );
      expect(
        (await allEvents(c.ledger)).find((e) => e.eventId === body.eventId)!.data.effectiveDate,
      ).toBe('2026-01-31');
    });

    for (const effectiveDate of BAD_DATES) {
      it(`400 VALIDATION_FAILED for effectiveDate ${JSON.stringify(effectiveDate)}; nothing appended`, async () => {
        const c = await ctx();
        const council = await eventIdOf(c, 'ContributionReceived', 'PO-1');
        await expectInvalid(
          c.ledger,
          () => reverse(c, { eventId: council, reason: 'x', effectiveDate }),
          'body.effectiveDate',
        );
      });
    }
  });

  describe('400 VALIDATION_FAILED for bad bodies and params; nothing appended', () => {
    const ctx = useSharedScenario();
    const cases: [string, (id: string) => Record<string, unknown>, string][] = [
      ['missing eventId', () => ({ reason: 'x' }), 'body.eventId'],
      ['eventId not a ULID', () => ({ eventId: 'PO-1', reason: 'x' }), 'body.eventId'],
      ['eventId a number', () => ({ eventId: 1, reason: 'x' }), 'body.eventId'],
      ['missing reason', (id) => ({ eventId: id }), 'body.reason'],
      ['reason blank', (id) => ({ eventId: id, reason: '   ' }), 'body.reason'],
      [
        'reason over 1000 characters',
        (id) => ({ eventId: id, reason: 'r'.repeat(1001) }),
        'body.reason',
      ],
      [
        'an amount chosen by the client',
        (id) => ({ eventId: id, reason: 'x', amount: '1.00' }),
        'body',
      ],
      ['an extra field', (id) => ({ eventId: id, reason: 'x', force: true }), 'body'],
    ];
    for (const [name, body, path] of cases) {
      it(name, async () => {
        const c = await ctx();
        const council = await eventIdOf(c, 'ContributionReceived', 'PO-1');
        await expectInvalid(c.ledger, () => reverse(c, body(council)), path);
      });
    }
    it('potId not a ULID', async () => {
      const c = await ctx();
      const council = await eventIdOf(c, 'ContributionReceived', 'PO-1');
      await expectInvalid(
        c.ledger,
        () => reverse(c, { eventId: council, reason: 'x' }, c.tokens.admin, 'essex'),
        'params.potId',
      );
    });
  });

  const targets = new WeakMap<Ctx, string>();
  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/reversals',
    url: (c) => `/v1/pots/${c.potId}/reversals`,
    body: (c) => ({ eventId: targets.get(c), reason: 'Paid twice' }),
    allowed: (c) => c.tokens.cc,
    claims: { role: 'finance-officer', agency: 'essex-cc' },
    forbidden: [
      { who: 'a finance officer of a non-partner', token: (c) => c.tokens.nhs },
      {
        who: 'a finance officer of another partner (not the contributor)',
        token: (c) => c.tokens.police,
      },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: REVERSAL_KEYS,
    prepare: async (c) => {
      targets.set(c, await eventIdOf(c, 'ContributionReceived', 'PO-1'));
    },
  });
});
