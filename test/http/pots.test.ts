import { describe, expect, it } from 'vitest';
import {
  allEvents,
  allocate,
  contribute,
  describeMinPosition,
  describeReadRouteAuth,
  describeWriteRouteRefusals,
  expectInvalid,
  expectProblem,
  expectRefused,
  expectValidation,
  expectWritten,
  head,
  ISO_TIMESTAMP,
  potSummary,
  ULID,
  useScenario,
  useSharedScenario,
  DIGITS,
} from './helpers.ts';

const UNKNOWN_POT = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

describe('pots', () => {
  const ctx = useScenario();

  describe('POST /v1/pots', () => {
    it('201 with eventId, position and a new ULID potId; the summary shows the pot, host first', async () => {
      const { ledger, tokens } = await ctx();
      const res = await ledger.post('/v1/pots', tokens.admin, {
        name: 'Southend Falls Prevention',
        area: 'Southend',
        hostAgencyId: 'nhs-mid-essex',
        partnerAgencyIds: ['essex-cc', 'essex-police'],
      });
      const body = expectWritten(res, ['potId']);
      expect(body.potId).toMatch(ULID);

      const summary = await ledger.get(
        `/v1/pots/${body.potId}?minPosition=${body.position}`,
        tokens.reporter,
      );
      expect(summary.statusCode).toBe(200);
      expect(summary.json()).toMatchObject({
        potId: body.potId,
        name: 'Southend Falls Prevention',
        area: 'Southend',
        hostAgencyId: 'nhs-mid-essex',
        status: 'open',
        currency: 'GBP',
        contributed: '0.00',
        allocated: '0.00',
        available: '0.00',
        partners: [
          {
            agencyId: 'nhs-mid-essex',
            contributed: '0.00',
            drawn: '0.00',
            returned: '0.00',
            stake: '0.00',
          },
          {
            agencyId: 'essex-cc',
            contributed: '0.00',
            drawn: '0.00',
            returned: '0.00',
            stake: '0.00',
          },
          {
            agencyId: 'essex-police',
            contributed: '0.00',
            drawn: '0.00',
            returned: '0.00',
            stake: '0.00',
          },
        ],
        interventions: [],
      });

      const [event] = (await allEvents(ledger)).filter((e) => e.eventId === body.eventId);
      expect(event).toMatchObject({
        type: 'PotOpened',
        streamId: `pot-${body.potId}`,
        streamRevision: '0',
        position: body.position,
        data: {
          potId: body.potId,
          hostAgencyId: 'nhs-mid-essex',
          partnerAgencyIds: ['nhs-mid-essex', 'essex-cc', 'essex-police'],
          currency: 'GBP',
        },
      });
    });

    it('a host already listed among the partners is not listed twice, and partnerAgencyIds may be left out', async () => {
      const { ledger, tokens } = await ctx();
      const listed = expectWritten(
        await ledger.post('/v1/pots', tokens.admin, {
          name: 'P1',
          area: 'A',
          hostAgencyId: 'essex-cc',
          partnerAgencyIds: ['essex-police', 'essex-cc'],
        }),
        ['potId'],
      );
      const alone = expectWritten(
        await ledger.post('/v1/pots', tokens.admin, {
          name: 'P2',
          area: 'A',
          hostAgencyId: 'essex-cc',
          currency: 'GBP',
        }),
        ['potId'],
      );
      expect(listed.potId).not.toBe(alone.potId);
      const s1 = await potSummary(await ctx(), listed.potId as string);
      expect(s1.partners.map((p: { agencyId: string }) => p.agencyId)).toEqual([
        'essex-police',
        'essex-cc',
      ]);
      const s2 = await potSummary(await ctx(), alone.potId as string);
      expect(s2.partners.map((p: { agencyId: string }) => p.agencyId)).toEqual(['essex-cc']);
    });

    it('404 NOT_FOUND when the host or a partner is not a registered agency; nothing appended', async () => {
      const { ledger, tokens } = await ctx();
      await expectRefused(
        ledger,
        () =>
          ledger.post('/v1/pots', tokens.admin, { name: 'P', area: 'A', hostAgencyId: 'nobody' }),
        404,
        'NOT_FOUND',
      );
      const body = await expectRefused(
        ledger,
        () =>
          ledger.post('/v1/pots', tokens.admin, {
            name: 'P',
            area: 'A',
            hostAgencyId: 'essex-cc',
            partnerAgencyIds: ['essex-police', 'ghost-agency'],
          }),
        404,
        'NOT_FOUND',
      );
      expect(body.detail).toContain('ghost-agency');
    });

    it('400 VALIDATION_FAILED when a partner is listed twice; nothing appended', async () => {
      const { ledger, tokens } = await ctx();
      await expectRefused(
        ledger,
        () =>
          ledger.post('/v1/pots', tokens.admin, {
            name: 'P',
            area: 'A',
            hostAgencyId: 'essex-cc',
            partnerAgencyIds: ['essex-police', 'essex-police'],
          }),
        400,
        'VALIDATION_FAILED',
      );
    });

    describe('400 VALIDATION_FAILED for bad bodies; nothing appended', () => {
      const ctx = useSharedScenario();
      const valid = {
        name: 'P',
        area: 'Essex',
        hostAgencyId: 'essex-cc',
        partnerAgencyIds: ['essex-police'],
      };
      const cases: [string, Record<string, unknown>, string][] = [
        ['missing name', { area: 'A', hostAgencyId: 'essex-cc' }, 'body.name'],
        ['missing area', { name: 'P', hostAgencyId: 'essex-cc' }, 'body.area'],
        ['missing hostAgencyId', { name: 'P', area: 'A' }, 'body.hostAgencyId'],
        ['name a number', { ...valid, name: 7 }, 'body.name'],
        ['name blank', { ...valid, name: ' ' }, 'body.name'],
        ['area over 200 characters', { ...valid, area: 'a'.repeat(201) }, 'body.area'],
        ['hostAgencyId not a slug', { ...valid, hostAgencyId: 'Essex CC' }, 'body.hostAgencyId'],
        [
          'partnerAgencyIds a string',
          { ...valid, partnerAgencyIds: 'essex-police' },
          'body.partnerAgencyIds',
        ],
        [
          'a partner id not a slug',
          { ...valid, partnerAgencyIds: ['Essex Police'] },
          'body.partnerAgencyIds',
        ],
        [
          'over 100 partners',
          { ...valid, partnerAgencyIds: Array.from({ length: 101 }, (_, i) => `agency-${i}`) },
          'body.partnerAgencyIds',
        ],
        ['currency EUR', { ...valid, currency: 'EUR' }, 'body.currency'],
        ['currency lower case', { ...valid, currency: 'gbp' }, 'body.currency'],
        ['a potId chosen by the client', { ...valid, potId: UNKNOWN_POT }, 'body'],
        ['an extra field', { ...valid, status: 'closed' }, 'body'],
      ];
      for (const [name, body, path] of cases) {
        it(name, async () => {
          const { ledger, tokens } = await ctx();
          await expectInvalid(ledger, () => ledger.post('/v1/pots', tokens.admin, body), path);
        });
      }
    });

    describeWriteRouteRefusals({
      name: 'POST /v1/pots',
      url: () => '/v1/pots',
      body: () => ({
        name: 'Essex Falls Prevention',
        area: 'Essex',
        hostAgencyId: 'essex-cc',
        partnerAgencyIds: ['nhs-mid-essex'],
      }),
      allowed: (c) => c.tokens.admin,
      claims: { role: 'admin' },
      forbidden: [
        { who: 'a finance officer of a partner', token: (c) => c.tokens.cc },
        { who: 'a finance officer of a non-partner', token: (c) => c.tokens.nhs },
        { who: 'an auditor', token: (c) => c.tokens.auditor },
        { who: 'a reporter', token: (c) => c.tokens.reporter },
      ],
      answerKeys: ['potId'],
    });
  });

  describe('POST /v1/pots/:potId/partners', () => {
    it('201 with eventId, position, potId and agencyId; the new partner has a zero stake and may then contribute', async () => {
      const c = await ctx();
      const res = await c.ledger.post(`/v1/pots/${c.potId}/partners`, c.tokens.admin, {
        agencyId: 'nhs-mid-essex',
      });
      const body = expectWritten(res, ['potId', 'agencyId']);
      expect(body).toMatchObject({ potId: c.potId, agencyId: 'nhs-mid-essex' });
      const summary = await potSummary(c, c.potId, body.position);
      expect(summary.partners.at(-1)).toEqual({
        agencyId: 'nhs-mid-essex',
        contributed: '0.00',
        drawn: '0.00',
        returned: '0.00',
        stake: '0.00',
      });
      expectWritten(await contribute(c, c.tokens.nhs, 'nhs-mid-essex', '50.00'), [
        'contributionId',
      ]);
      const event = (await allEvents(c.ledger)).find((e) => e.eventId === body.eventId);
      expect(event).toMatchObject({
        type: 'PartnerJoined',
        streamId: `pot-${c.potId}`,
        data: { potId: c.potId, agencyId: 'nhs-mid-essex' },
      });
    });

    it('409 ALREADY_EXISTS for an agency that is already a partner (the host included); nothing appended', async () => {
      const c = await ctx();
      for (const agencyId of ['essex-police', 'essex-cc']) {
        await expectRefused(
          c.ledger,
          () => c.ledger.post(`/v1/pots/${c.potId}/partners`, c.tokens.admin, { agencyId }),
          409,
          'ALREADY_EXISTS',
        );
      }
    });

    it('404 NOT_FOUND for an unregistered agency or an unknown pot; nothing appended', async () => {
      const c = await ctx();
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(`/v1/pots/${c.potId}/partners`, c.tokens.admin, {
            agencyId: 'ghost-agency',
          }),
        404,
        'NOT_FOUND',
      );
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(`/v1/pots/${UNKNOWN_POT}/partners`, c.tokens.admin, {
            agencyId: 'nhs-mid-essex',
          }),
        404,
        'NOT_FOUND',
      );
    });

    it('400 VALIDATION_FAILED for a potId that is not a ULID and for bad bodies; nothing appended', async () => {
      const c = await ctx();
      await expectInvalid(
        c.ledger,
        () =>
          c.ledger.post('/v1/pots/not-a-ulid/partners', c.tokens.admin, {
            agencyId: 'nhs-mid-essex',
          }),
        'params.potId',
      );
      for (const [body, path] of [
        [{}, 'body.agencyId'],
        [{ agencyId: 7 }, 'body.agencyId'],
        [{ agencyId: 'NHS' }, 'body.agencyId'],
        [{ agencyId: 'nhs-mid-essex', role: 'host' }, 'body'],
      ] as const) {
        await expectInvalid(
          c.ledger,
          () => c.ledger.post(`/v1/pots/${c.potId}/partners`, c.tokens.admin, body),
          path,
        );
      }
    });

    describeWriteRouteRefusals({
      name: 'POST /v1/pots/:potId/partners',
      url: (c) => `/v1/pots/${c.potId}/partners`,
      body: () => ({ agencyId: 'nhs-mid-essex' }),
      allowed: (c) => c.tokens.admin,
      claims: { role: 'admin' },
      forbidden: [
        { who: 'a finance officer of a partner', token: (c) => c.tokens.cc },
        { who: 'a finance officer of the joining agency', token: (c) => c.tokens.nhs },
        { who: 'an auditor', token: (c) => c.tokens.auditor },
        { who: 'a reporter', token: (c) => c.tokens.reporter },
      ],
      answerKeys: ['potId', 'agencyId'],
    });
  });

  describe('GET /v1/pots/:potId', () => {
    it('the exact summary of the Essex pot, for every role', async () => {
      const c = await ctx();
      const figuresOnly = [c.tokens.nhs, c.tokens.reporter];
      for (const token of [
        c.tokens.admin,
        c.tokens.cc,
        c.tokens.nhs,
        c.tokens.auditor,
        c.tokens.reporter,
      ]) {
        const res = await c.ledger.get(`/v1/pots/${c.potId}`, token);
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.json()).toEqual({
          potId: c.potId,
          name: 'Essex Reducing Reoffending',
          area: 'Essex',
          hostAgencyId: 'essex-cc',
          status: 'open',
          currency: 'GBP',
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
          interventions: [
            {
              interventionId: c.interventionId,
              name: 'Employment support for ex-offenders',
              leadAgencyId: 'essex-probation',
              funded: '0.00',
              benefits: '0.00',
            },
          ],
          approvalThreshold: null,
          pendingApprovals: [],
          closedFinancialYears: [],
          agreedContributions: [],
          openedAt: expect.stringMatching(ISO_TIMESTAMP),
          position: String(await head(c.ledger)),
          // A reporter and a non-partner's finance officer read the figures; the answer says what it withholds.
          ...(figuresOnly.includes(token)
            ? { redacted: ['pendingApprovals[].reason', 'pendingApprovals[].requestedBy'] }
            : {}),
        });
      }
    });

    it('404 NOT_FOUND for an unknown pot; 400 for a potId that is not a ULID', async () => {
      const c = await ctx();
      expectProblem(
        await c.ledger.get(`/v1/pots/${UNKNOWN_POT}`, c.tokens.reporter),
        404,
        'NOT_FOUND',
      );
      for (const bad of [
        'not-a-ulid',
        '01ARZ3NDEKTSV4RRFFQ69G5FA',
        '01ARZ3NDEKTSV4RRFFQ69G5FAVX',
        'ILOU0000000000000000000000',
      ]) {
        expectValidation(await c.ledger.get(`/v1/pots/${bad}`, c.tokens.reporter), 'params.potId');
      }
    });

    describe('read your own writes', () => {
      it("a write's position passed as minPosition shows the write", async () => {
        const c = await ctx();
        for (let i = 0; i < 5; i++) {
          const w = expectWritten(
            await contribute(c, c.tokens.cc, 'essex-cc', '1.00', { reference: `RYW-${i}` }),
            ['contributionId'],
          );
          const res = await c.ledger.get(
            `/v1/pots/${c.potId}?minPosition=${w.position}`,
            c.tokens.reporter,
          );
          expect(res.statusCode).toBe(200);
          const summary = res.json();
          expect(summary.contributed).toBe(`50000${i + 1}.00`);
          expect(BigInt(summary.position) >= BigInt(w.position)).toBe(true);
        }
      });

      it('minPosition beyond the head of the log is 400 VALIDATION_FAILED, at once', async () => {
        const c = await ctx();
        const started = Date.now();
        const beyond = (await head(c.ledger)) + 5n;
        expectProblem(
          await c.ledger.get(`/v1/pots/${c.potId}?minPosition=${beyond}`, c.tokens.reporter),
          400,
          'VALIDATION_FAILED',
        );
        expect(Date.now() - started).toBeLessThan(1_000);
      });

      it('malformed minPosition is 400 VALIDATION_FAILED', async () => {
        const c = await ctx();
        for (const bad of ['abc', '-1', '1.0', '', '0x1', '１']) {
          expectValidation(
            await c.ledger.get(
              `/v1/pots/${c.potId}?minPosition=${encodeURIComponent(bad)}`,
              c.tokens.reporter,
            ),
            'querystring.minPosition',
          );
        }
      });
    });

    describeReadRouteAuth('GET /v1/pots/:potId', (c) => `/v1/pots/${c.potId}`);
    describeMinPosition('GET /v1/pots/:potId', (c) => `/v1/pots/${c.potId}`);
  });

  describe('GET /v1/pots', () => {
    it('lists every pot with the same summary as GET /v1/pots/:potId, for every role', async () => {
      const c = await ctx();
      const second = expectWritten(
        await c.ledger.post('/v1/pots', c.tokens.admin, {
          name: 'Second',
          area: 'Essex',
          hostAgencyId: 'essex-police',
        }),
        ['potId'],
      );
      await allocate(c, '10.00');
      await potSummary(c);
      // Each pot in the list is read as that pot alone is: in full by its partners (and admins and
      // auditors), figures only (`redacted`) by everyone else. Carol's agency is a partner of the
      // Essex pot, not of the second.
      const readers = [
        { token: c.tokens.admin, fullOn: [c.potId, second.potId] },
        { token: c.tokens.cc, fullOn: [c.potId] },
        { token: c.tokens.nhs, fullOn: [] },
        { token: c.tokens.auditor, fullOn: [c.potId, second.potId] },
        { token: c.tokens.reporter, fullOn: [] },
      ];
      for (const { token, fullOn } of readers) {
        const res = await c.ledger.get(`/v1/pots?minPosition=${await head(c.ledger)}`, token);
        expect(res.statusCode).toBe(200);
        const { pots } = res.json();
        expect(pots).toHaveLength(2);
        expect(pots).toContainEqual((await c.ledger.get(`/v1/pots/${c.potId}`, token)).json());
        const other = pots.find((p: { potId: string }) => p.potId === second.potId);
        expect(other).toMatchObject({
          name: 'Second',
          hostAgencyId: 'essex-police',
          contributed: '0.00',
        });
        for (const pot of pots) {
          expect(pot.position).toMatch(DIGITS);
          expect(pot.redacted).toEqual(
            fullOn.includes(pot.potId)
              ? undefined
              : ['pendingApprovals[].reason', 'pendingApprovals[].requestedBy'],
          );
        }
      }
    });

    describeReadRouteAuth('GET /v1/pots', () => '/v1/pots');
    describeMinPosition('GET /v1/pots', () => '/v1/pots');
  });
});
