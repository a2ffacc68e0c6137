import { describe, expect, it } from 'vitest';
import {
  allEvents,
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

describe('POST /v1/pots/:potId/interventions', () => {
  const ctx = useScenario();
  const url = (potId: string) => `/v1/pots/${potId}/interventions`;

  it('201 with eventId, position and interventionId, for an admin and for a finance officer of a partner', async () => {
    const c = await ctx();
    const byAdmin = expectWritten(
      await c.ledger.post(url(c.potId), c.tokens.admin, {
        name: 'Falls prevention',
        leadAgencyId: 'essex-cc',
        description: 'Home checks and strength classes\nfor over-65s',
      }),
      ['interventionId'],
    );
    const byOfficer = expectWritten(
      await c.ledger.post(url(c.potId), c.tokens.police, {
        name: 'Knife crime diversion',
        leadAgencyId: 'essex-police',
      }),
      ['interventionId'],
    );
    const byZeroStakePartner = expectWritten(
      await c.ledger.post(url(c.potId), c.tokens.probation, {
        name: 'Housing first',
        leadAgencyId: 'essex-probation',
      }),
      ['interventionId'],
    );
    for (const w of [byAdmin, byOfficer, byZeroStakePartner])
      expect(w.interventionId).toMatch(ULID);
    expect(
      new Set([
        byAdmin.interventionId,
        byOfficer.interventionId,
        byZeroStakePartner.interventionId,
        c.interventionId,
      ]).size,
    ).toBe(4);

    const summary = await potSummary(c);
    expect(summary.interventions).toEqual([
      {
        interventionId: c.interventionId,
        name: 'Employment support for ex-offenders',
        leadAgencyId: 'essex-probation',
        funded: '0.00',
        benefits: '0.00',
      },
      {
        interventionId: byAdmin.interventionId,
        name: 'Falls prevention',
        leadAgencyId: 'essex-cc',
        funded: '0.00',
        benefits: '0.00',
      },
      {
        interventionId: byOfficer.interventionId,
        name: 'Knife crime diversion',
        leadAgencyId: 'essex-police',
        funded: '0.00',
        benefits: '0.00',
      },
      {
        interventionId: byZeroStakePartner.interventionId,
        name: 'Housing first',
        leadAgencyId: 'essex-probation',
        funded: '0.00',
        benefits: '0.00',
      },
    ]);

    const events = await allEvents(c.ledger);
    expect(events.find((e) => e.eventId === byAdmin.eventId)).toMatchObject({
      type: 'InterventionDefined',
      streamId: `pot-${c.potId}`,
      data: {
        potId: c.potId,
        interventionId: byAdmin.interventionId,
        name: 'Falls prevention',
        leadAgencyId: 'essex-cc',
        description: 'Home checks and strength classes\nfor over-65s',
      },
    });
    expect(events.find((e) => e.eventId === byOfficer.eventId)!.data).not.toHaveProperty(
      'description',
    );
  });

  it('409 NOT_A_PARTNER when the lead agency is not a partner (registered or not); nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(url(c.potId), c.tokens.admin, { name: 'X', leadAgencyId: 'nhs-mid-essex' }),
      409,
      'NOT_A_PARTNER',
    );
    await expectRefused(
      c.ledger,
      () => c.ledger.post(url(c.potId), c.tokens.cc, { name: 'X', leadAgencyId: 'ghost-agency' }),
      409,
      'NOT_A_PARTNER',
    );
  });

  it('404 NOT_FOUND for an unknown pot; nothing appended', async () => {
    const c = await ctx();
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(url(UNKNOWN_POT), c.tokens.admin, { name: 'X', leadAgencyId: 'essex-cc' }),
      404,
      'NOT_FOUND',
    );
  });

  describe('400 VALIDATION_FAILED for bad bodies and params; nothing appended', () => {
    const ctx = useSharedScenario();
    const valid = { name: 'Falls prevention', leadAgencyId: 'essex-cc' };
    const cases: [string, Record<string, unknown>, string][] = [
      ['missing name', { leadAgencyId: 'essex-cc' }, 'body.name'],
      ['missing leadAgencyId', { name: 'X' }, 'body.leadAgencyId'],
      ['name blank', { ...valid, name: '\t ' }, 'body.name'],
      ['name over 200 characters', { ...valid, name: 'n'.repeat(201) }, 'body.name'],
      ['name an object', { ...valid, name: { en: 'X' } }, 'body.name'],
      ['leadAgencyId not a slug', { ...valid, leadAgencyId: 'Essex CC' }, 'body.leadAgencyId'],
      ['description blank', { ...valid, description: '   ' }, 'body.description'],
      [
        'description over 4000 characters',
        { ...valid, description: 'd'.repeat(4001) },
        'body.description',
      ],
      ['description with a NUL', { ...valid, description: 'a\u0000b' }, 'body.description'],
      ['description null', { ...valid, description: null }, 'body.description'],
      ['an interventionId chosen by the client', { ...valid, interventionId: UNKNOWN_POT }, 'body'],
      ['an extra field', { ...valid, budget: '100.00' }, 'body'],
    ];
    for (const [name, body, path] of cases) {
      it(name, async () => {
        const c = await ctx();
        await expectInvalid(
          c.ledger,
          () => c.ledger.post(url(c.potId), c.tokens.admin, body),
          path,
        );
      });
    }
    it('potId not a ULID', async () => {
      const c = await ctx();
      await expectInvalid(
        c.ledger,
        () => c.ledger.post(url('essex'), c.tokens.admin, valid),
        'params.potId',
      );
    });
  });

  describeWriteRouteRefusals({
    name: 'POST /v1/pots/:potId/interventions',
    url: (c) => url(c.potId),
    body: () => ({ name: 'Falls prevention', leadAgencyId: 'essex-cc' }),
    allowed: (c) => c.tokens.cc,
    claims: { role: 'finance-officer', agency: 'essex-cc' },
    forbidden: [
      { who: 'a finance officer of a non-partner', token: (c) => c.tokens.nhs },
      { who: 'an auditor', token: (c) => c.tokens.auditor },
      { who: 'a reporter', token: (c) => c.tokens.reporter },
    ],
    answerKeys: ['interventionId'],
  });
});
