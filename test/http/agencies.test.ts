import { describe, expect, it } from 'vitest';
import {
  allocate,
  describeMinPosition,
  describeReadRouteAuth,
  describeWriteRouteRefusals,
  expectInvalid,
  expectProblem,
  expectRefused,
  expectWritten,
  expectValidation,
  allEvents,
  head,
  ISO_TIMESTAMP,
  recordOutcome,
  useScenario,
  useSharedScenario,
  DIGITS,
} from './helpers.ts';

describe('agencies', () => {
  const ctx = useScenario();

  describe('POST /v1/agencies', () => {
    it('201 with eventId, position and agencyId; the agency is listed and its event logged', async () => {
      const { ledger, tokens } = await ctx();
      const before = await head(ledger);
      const res = await ledger.post('/v1/agencies', tokens.admin, {
        agencyId: 'essex-fire',
        name: 'Essex Fire and Rescue',
        kind: 'fire',
      });
      const body = expectWritten(res, ['agencyId']);
      expect(body.agencyId).toBe('essex-fire');
      expect(BigInt(body.position) > before).toBe(true);
      expect(BigInt(body.position)).toBe(await head(ledger));

      const list = await ledger.get(`/v1/agencies?minPosition=${body.position}`, tokens.reporter);
      expect(list.statusCode).toBe(200);
      expect(list.json().agencies).toContainEqual({
        agencyId: 'essex-fire',
        name: 'Essex Fire and Rescue',
        kind: 'fire',
        registeredAt: expect.stringMatching(ISO_TIMESTAMP),
        position: body.position,
      });

      const events = await allEvents(ledger);
      expect(events.at(-1)).toMatchObject({
        eventId: body.eventId,
        position: body.position,
        type: 'AgencyRegistered',
        streamId: 'agency-essex-fire',
        streamRevision: '0',
        data: { agencyId: 'essex-fire', name: 'Essex Fire and Rescue', kind: 'fire' },
        metadata: { actor: { sub: 'alice', role: 'admin' } },
      });
    });

    it('accepts every agency kind of the design', async () => {
      const { ledger, tokens } = await ctx();
      const kinds = [
        'council',
        'police',
        'health',
        'dwp',
        'probation',
        'fire',
        'housing',
        'education',
        'voluntary',
        'other',
      ];
      for (const kind of kinds) {
        expectWritten(
          await ledger.post('/v1/agencies', tokens.admin, {
            agencyId: `agency-${kind}`,
            name: `A ${kind}`,
            kind,
          }),
          ['agencyId'],
        );
      }
    });

    it('positions strictly increase from one write to the next', async () => {
      const { ledger, tokens } = await ctx();
      const positions: bigint[] = [];
      for (const id of ['a-1', 'a-2', 'a-3']) {
        positions.push(
          BigInt(
            expectWritten(
              await ledger.post('/v1/agencies', tokens.admin, {
                agencyId: id,
                name: id,
                kind: 'other',
              }),
              ['agencyId'],
            ).position,
          ),
        );
      }
      expect(positions[1]! > positions[0]!).toBe(true);
      expect(positions[2]! > positions[1]!).toBe(true);
    });

    it('409 ALREADY_EXISTS for an agency id already registered (even with another name); nothing appended', async () => {
      const { ledger, tokens } = await ctx();
      const body = await expectRefused(
        ledger,
        () =>
          ledger.post('/v1/agencies', tokens.admin, {
            agencyId: 'essex-police',
            name: 'Another Police',
            kind: 'police',
          }),
        409,
        'ALREADY_EXISTS',
      );
      expect(body.detail).toContain('essex-police');
    });

    describe('400 VALIDATION_FAILED for bad bodies; nothing appended', () => {
      const ctx = useSharedScenario();
      const valid = { agencyId: 'essex-fire', name: 'Essex Fire', kind: 'fire' };
      const cases: [string, Record<string, unknown>, string][] = [
        ['missing agencyId', { name: 'X', kind: 'fire' }, 'body.agencyId'],
        ['missing name', { agencyId: 'x', kind: 'fire' }, 'body.name'],
        ['missing kind', { agencyId: 'x', name: 'X' }, 'body.kind'],
        ['agencyId a number', { ...valid, agencyId: 42 }, 'body.agencyId'],
        ['name an array', { ...valid, name: ['Essex'] }, 'body.name'],
        ['kind not in the list', { ...valid, kind: 'bank' }, 'body.kind'],
        ['kind in capitals', { ...valid, kind: 'FIRE' }, 'body.kind'],
        [
          'agencyId with spaces and capitals',
          { ...valid, agencyId: 'Essex Fire' },
          'body.agencyId',
        ],
        ['agencyId with an underscore', { ...valid, agencyId: 'essex_fire' }, 'body.agencyId'],
        ['agencyId with a leading hyphen', { ...valid, agencyId: '-essex' }, 'body.agencyId'],
        ['agencyId with a trailing hyphen', { ...valid, agencyId: 'essex-' }, 'body.agencyId'],
        ['agencyId empty', { ...valid, agencyId: '' }, 'body.agencyId'],
        ['agencyId over 64 characters', { ...valid, agencyId: 'a'.repeat(65) }, 'body.agencyId'],
        ['name blank', { ...valid, name: '   ' }, 'body.name'],
        ['name with a control character', { ...valid, name: 'Essex\u0000Fire' }, 'body.name'],
        ['name with a line break', { ...valid, name: 'Essex\nFire' }, 'body.name'],
        ['name over 200 characters', { ...valid, name: 'n'.repeat(201) }, 'body.name'],
        ['an extra field', { ...valid, admin: true }, 'body'],
      ];
      for (const [name, body, path] of cases) {
        it(name, async () => {
          const { ledger, tokens } = await ctx();
          await expectInvalid(ledger, () => ledger.post('/v1/agencies', tokens.admin, body), path);
        });
      }
    });

    describeWriteRouteRefusals({
      name: 'POST /v1/agencies',
      url: () => '/v1/agencies',
      body: () => ({ agencyId: 'essex-fire', name: 'Essex Fire and Rescue', kind: 'fire' }),
      allowed: (c) => c.tokens.admin,
      claims: { role: 'admin' },
      forbidden: [
        { who: 'a finance officer of a partner', token: (c) => c.tokens.cc },
        { who: 'a finance officer of a non-partner', token: (c) => c.tokens.nhs },
        { who: 'an auditor', token: (c) => c.tokens.auditor },
        { who: 'a reporter', token: (c) => c.tokens.reporter },
      ],
      answerKeys: ['agencyId'],
    });
  });

  describe('GET /v1/agencies', () => {
    it('lists every registered agency, in registration order, for every role', async () => {
      const { ledger, tokens } = await ctx();
      for (const token of [tokens.admin, tokens.cc, tokens.nhs, tokens.auditor, tokens.reporter]) {
        const res = await ledger.get('/v1/agencies', token);
        expect(res.statusCode).toBe(200);
        const { agencies } = res.json();
        expect(agencies.map((a: { agencyId: string }) => a.agencyId)).toEqual([
          'essex-cc',
          'essex-police',
          'essex-probation',
          'nhs-mid-essex',
        ]);
        expect(agencies[0]).toEqual({
          agencyId: 'essex-cc',
          name: 'Essex County Council',
          kind: 'council',
          registeredAt: expect.stringMatching(ISO_TIMESTAMP),
          position: (await allEvents(ledger))[0]!.position,
        });
        for (const agency of agencies) expect(agency.position).toMatch(DIGITS);
      }
    });

    describeReadRouteAuth('GET /v1/agencies', () => '/v1/agencies');
    describeMinPosition('GET /v1/agencies', () => '/v1/agencies');
  });

  describe('GET /v1/agencies/:agencyId/balances', () => {
    const ZERO_BALANCES = {
      contributed: '0.00',
      drawn: '0.00',
      returned: '0.00',
      stake: '0.00',
      benefitsReceived: '0.00',
      benefitsReceivedCashable: '0.00',
      benefitsReceivedNonCashable: '0.00',
      benefitsProducedForOthers: '0.00',
      netFiscalPosition: '0.00',
      netFiscalPositionOnMoneySpent: '0.00',
      netFiscalPositionNote: null,
    };

    it('per-pot and total balances after contributions, an allocation and an outcome (hand-computed)', async () => {
      const c = await ctx();
      expectWritten(await allocate(c, '100000.00'), ['allocationId', 'status', 'fundingShares']);
      const outcome = expectWritten(await recordOutcome(c), ['outcomeId', 'flows']);

      // council funded 60%: its flows are 18,000 to police, 12,000 to the NHS, 6,000 to itself;
      // it receives 6,000 from itself and 4,000 from the police.
      const council = {
        contributed: '300000.00',
        drawn: '60000.00',
        returned: '0.00',
        stake: '240000.00',
        benefitsReceived: '10000.00',
        benefitsReceivedCashable: '10000.00',
        benefitsReceivedNonCashable: '0.00',
        benefitsProducedForOthers: '30000.00',
        netFiscalPosition: '-290000.00',
        // £240,000.00 is still in the pot: on the £60,000.00 spent, £10,000.00 has come back.
        netFiscalPositionOnMoneySpent: '-50000.00',
        netFiscalPositionNote:
          '£240,000.00 of the £300,000.00 put in is still unspent in the pot: it is not lost. ' +
          'Counting only the money spent so far, the net fiscal position is -£50,000.00.',
      };
      const res = await c.ledger.get(
        `/v1/agencies/essex-cc/balances?minPosition=${outcome.position}`,
        c.tokens.reporter,
      );
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        agencyId: 'essex-cc',
        total: council,
        pots: [{ potId: c.potId, ...council }],
      });

      const nhs = await c.ledger.get('/v1/agencies/nhs-mid-essex/balances', c.tokens.auditor);
      const nhsFigures = {
        ...ZERO_BALANCES,
        benefitsReceived: '20000.00',
        benefitsReceivedNonCashable: '20000.00',
        netFiscalPosition: '20000.00',
        netFiscalPositionOnMoneySpent: '20000.00',
      };
      expect(nhs.json()).toEqual({
        agencyId: 'nhs-mid-essex',
        total: nhsFigures,
        pots: [{ potId: c.potId, ...nhsFigures }],
      });

      const police = (
        await c.ledger.get('/v1/agencies/essex-police/balances', c.tokens.police)
      ).json();
      expect(police.total).toEqual({
        contributed: '200000.00',
        drawn: '40000.00',
        returned: '0.00',
        stake: '160000.00',
        benefitsReceived: '30000.00',
        benefitsReceivedCashable: '30000.00',
        benefitsReceivedNonCashable: '0.00',
        benefitsProducedForOthers: '12000.00',
        netFiscalPosition: '-170000.00',
        netFiscalPositionOnMoneySpent: '-10000.00',
        netFiscalPositionNote:
          '£160,000.00 of the £200,000.00 put in is still unspent in the pot: it is not lost. ' +
          'Counting only the money spent so far, the net fiscal position is -£10,000.00.',
      });
    });

    it('sums several pots into the total', async () => {
      const c = await ctx();
      const second = expectWritten(
        await c.ledger.post('/v1/pots', c.tokens.admin, {
          name: 'Second pot',
          area: 'Essex',
          hostAgencyId: 'essex-cc',
        }),
        ['potId'],
      );
      const w = expectWritten(
        await c.ledger.post(`/v1/pots/${second.potId}/contributions`, c.tokens.cc, {
          agencyId: 'essex-cc',
          amount: '0.01',
          effectiveDate: '2025-06-01',
          reference: 'P2',
        }),
        ['contributionId'],
      );
      const res = (
        await c.ledger.get(
          `/v1/agencies/essex-cc/balances?minPosition=${w.position}`,
          c.tokens.reporter,
        )
      ).json();
      expect(res.total.contributed).toBe('300000.01');
      expect(res.total.netFiscalPosition).toBe('-300000.01');
      expect(res.pots).toHaveLength(2);
      expect(res.pots).toContainEqual(
        expect.objectContaining({ potId: second.potId, contributed: '0.01', stake: '0.01' }),
      );
    });

    it('a registered agency with no pot has zero totals and no pots', async () => {
      const { ledger, tokens } = await ctx();
      const w = expectWritten(
        await ledger.post('/v1/agencies', tokens.admin, {
          agencyId: 'essex-fire',
          name: 'Essex Fire',
          kind: 'fire',
        }),
        ['agencyId'],
      );
      const res = await ledger.get(
        `/v1/agencies/essex-fire/balances?minPosition=${w.position}`,
        tokens.reporter,
      );
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ agencyId: 'essex-fire', total: ZERO_BALANCES, pots: [] });
    });

    it('is readable by every role', async () => {
      const { ledger, tokens } = await ctx();
      for (const token of [tokens.admin, tokens.cc, tokens.nhs, tokens.auditor, tokens.reporter]) {
        expect((await ledger.get('/v1/agencies/essex-police/balances', token)).statusCode).toBe(
          200,
        );
      }
    });

    it('404 NOT_FOUND for an agency that is not registered', async () => {
      const { ledger, tokens } = await ctx();
      expectProblem(
        await ledger.get('/v1/agencies/nobody-here/balances', tokens.reporter),
        404,
        'NOT_FOUND',
      );
    });

    it('400 VALIDATION_FAILED for an agency id that is not a slug', async () => {
      const { ledger, tokens } = await ctx();
      for (const bad of ['Essex_Police', 'essex-', '-x', 'a'.repeat(65), '%20']) {
        expectValidation(
          await ledger.get(`/v1/agencies/${bad}/balances`, tokens.reporter),
          'params.agencyId',
        );
      }
    });

    describeReadRouteAuth(
      'GET /v1/agencies/:agencyId/balances',
      () => '/v1/agencies/essex-cc/balances',
    );
    describeMinPosition(
      'GET /v1/agencies/:agencyId/balances',
      () => '/v1/agencies/essex-cc/balances',
    );
  });
});
