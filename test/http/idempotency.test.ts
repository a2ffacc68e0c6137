/**
 * DESIGN "Idempotency": the same Idempotency-Key with the same payload returns the original
 * answer and appends nothing, even in parallel; with a different payload it is refused with
 * 409 IDEMPOTENCY_KEY_REUSED. Routes that create a stream (pots, agencies) keep the same promise.
 * A key belongs to its caller (the token's sub), as payment APIs scope keys to the account:
 * another caller sending the same key sends a new, independent command, and never learns the
 * key was used (issue 13).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { idempotencyStreamId } from '../../events/index.ts';
import { commandScopeKey } from '../../src/writePath/commandHandler.ts';
import { sha256Hex } from '../../src/writePath/fingerprint.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { createTestLedger, essexScenario } from '../support/testLedger.ts';
import {
  allEvents,
  allocate,
  contribute,
  expectRefused,
  expectWritten,
  head,
  rawPost,
  useScenario,
  type Ctx,
  type Response,
} from './helpers.ts';

const PARALLEL_RETRIES = 20;

function expectSameAnswer(responses: Response[]) {
  const bodies = responses.map((r) => {
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  });
  for (const body of bodies) expect(body).toEqual(bodies[0]);
  return bodies[0];
}

function eventsOfType(events: Record<string, any>[], type: string) {
  return events.filter((e) => e.type === type);
}

describe('idempotency', () => {
  const ctx = useScenario();

  it('parallel copies of one command, the first refused and a later one accepted, keep the key: the same key on another stream is still refused', async () => {
    const c = await ctx();
    const fresh = expectWritten(
      await c.ledger.post(`/v1/pots/${c.potId}/interventions`, c.tokens.admin, {
        name: 'Not yet funded',
        leadAgencyId: 'essex-cc',
      }),
      ['interventionId'],
    );
    const outcome = () =>
      c.ledger.post(
        `/v1/pots/${c.potId}/interventions/${fresh.interventionId}/outcomes`,
        c.tokens.admin,
        {
          description: 'in parallel',
          effectiveDate: '2025-12-31',
          benefits: [{ agencyId: 'essex-cc', amount: '0.01', cashable: true }],
        },
        { 'idempotency-key': 'copies-1' },
      );
    // Sent at once: the contribution starts a commit, the rest wait behind it and are then
    // decided in this order: the first copy finds the intervention unfunded, the allocation
    // funds it, the second copy is accepted.
    const [, first, allocation, second] = await Promise.all([
      contribute(c, c.tokens.cc, 'essex-cc', '1.00'),
      outcome(),
      allocate(c, '0.01', { interventionId: fresh.interventionId }),
      outcome(),
    ]);
    expect(first.json().code).toBe('UNFUNDED_INTERVENTION');
    expectWritten(allocation, ['allocationId', 'status', 'fundingShares']);
    expectWritten(second, ['outcomeId', 'flows']);
    // The key now names that outcome: another request of the same caller under it, on another
    // stream, is refused (the first copy's refusal must not have freed it), appending nothing.
    await expectRefused(
      c.ledger,
      () =>
        c.ledger.post(
          '/v1/agencies',
          c.tokens.admin,
          { agencyId: 'copies-agency', name: 'Copies', kind: 'other' },
          { 'idempotency-key': 'copies-1' },
        ),
      409,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  describe('a pot-stream command (contribution)', () => {
    const body = {
      agencyId: 'essex-cc',
      amount: '2500.00',
      effectiveDate: '2025-05-01',
      reference: 'PO-77',
    };
    const send = (
      c: Ctx,
      key: string,
      b: Record<string, unknown> = body,
      token: string = c.tokens.cc,
    ) => c.ledger.post(`/v1/pots/${c.potId}/contributions`, token, b, { 'idempotency-key': key });

    it('a retry with the same key and payload gets the same answer, marked idempotent-replayed, and one event', async () => {
      const c = await ctx();
      const first = await send(c, 'contrib-1');
      const original = expectWritten(first, ['contributionId']);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const afterFirst = await head(c.ledger);

      const retry = await send(c, 'contrib-1');
      expect(retry.statusCode).toBe(201);
      expect(retry.json()).toEqual(original);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await head(c.ledger)).toBe(afterFirst);

      const logged = (await allEvents(c.ledger)).filter(
        (e) => e.metadata.commandId === 'contrib-1',
      );
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        eventId: original.eventId,
        position: original.position,
        data: { contributionId: original.contributionId },
      });
      const summary = (
        await c.ledger.get(`/v1/pots/${c.potId}?minPosition=${afterFirst}`, c.tokens.reporter)
      ).json();
      expect(summary.contributed).toBe('502500.00');
    });

    it('JSON key order and spacing do not make a different payload', async () => {
      const c = await ctx();
      const original = expectWritten(await send(c, 'contrib-json'), ['contributionId']);
      const reordered =
        '{ "reference" : "PO-77",\n  "effectiveDate":"2025-05-01",   "amount": "2500.00", "agencyId":"essex-cc" }';
      const retry = await rawPost(
        c.ledger,
        `/v1/pots/${c.potId}/contributions`,
        c.tokens.cc,
        reordered,
        { 'idempotency-key': 'contrib-json' },
      );
      expect(retry.statusCode, retry.body).toBe(201);
      expect(retry.json()).toEqual(original);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(
        (await allEvents(c.ledger)).filter((e) => e.metadata.commandId === 'contrib-json'),
      ).toHaveLength(1);
    });

    it('409 IDEMPOTENCY_KEY_REUSED for the same key with a different payload, route or intervention; nothing appended', async () => {
      const c = await ctx();
      expectWritten(await send(c, 'contrib-2'), ['contributionId']);
      await expectRefused(
        c.ledger,
        () => send(c, 'contrib-2', { ...body, amount: '2500.01' }),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      await expectRefused(
        c.ledger,
        () => send(c, 'contrib-2', { ...body, reference: 'PO-78' }),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      // "2500" is the same sum of money, but not the same request.
      await expectRefused(
        c.ledger,
        () => send(c, 'contrib-2', { ...body, amount: '2500' }),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      // Another command on the same pot with the key, from the same caller.
      await expectRefused(
        c.ledger,
        () => allocate(c, '10.00', {}, c.tokens.cc, { 'idempotency-key': 'contrib-2' }),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect(
        (await allEvents(c.ledger)).filter((e) => e.metadata.commandId === 'contrib-2'),
      ).toHaveLength(1);
    });

    it('an outcome key reused for another intervention of the same pot is refused', async () => {
      const c = await ctx();
      await allocate(c, '1000.00');
      const second = expectWritten(
        await c.ledger.post(`/v1/pots/${c.potId}/interventions`, c.tokens.admin, {
          name: 'Second',
          leadAgencyId: 'essex-cc',
        }),
        ['interventionId'],
      );
      await allocate(c, '1000.00', { interventionId: second.interventionId });
      const outcome = {
        description: 'd',
        effectiveDate: '2025-09-30',
        benefits: [{ agencyId: 'essex-police', amount: '5.00', cashable: true }],
      };
      expectWritten(
        await c.ledger.post(
          `/v1/pots/${c.potId}/interventions/${c.interventionId}/outcomes`,
          c.tokens.admin,
          outcome,
          { 'idempotency-key': 'out-1' },
        ),
        ['outcomeId', 'flows'],
      );
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            `/v1/pots/${c.potId}/interventions/${second.interventionId}/outcomes`,
            c.tokens.admin,
            outcome,
            { 'idempotency-key': 'out-1' },
          ),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });

    it(`${PARALLEL_RETRIES} parallel retries with one key: all 201 with the same answer, exactly one event appended`, async () => {
      const c = await ctx();
      const before = await head(c.ledger);
      const responses = await Promise.all(
        Array.from({ length: PARALLEL_RETRIES }, () => send(c, 'contrib-parallel')),
      );
      const answer = expectSameAnswer(responses);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(
        PARALLEL_RETRIES - 1,
      );
      const appended = (await allEvents(c.ledger)).filter((e) => BigInt(e.position) > before);
      expect(appended.map((e) => e.eventId)).toEqual([answer.eventId]);
      const logged = (await allEvents(c.ledger)).filter(
        (e) => e.metadata.commandId === 'contrib-parallel',
      );
      expect(logged.map((e) => e.eventId)).toEqual([answer.eventId]);
      expect(
        (
          await c.ledger.get(
            `/v1/pots/${c.potId}?minPosition=${answer.position}`,
            c.tokens.reporter,
          )
        ).json().contributed,
      ).toBe('502500.00');
    });

    it('without a key, two identical requests are two contributions', async () => {
      const c = await ctx();
      const a = expectWritten(
        await contribute(c, c.tokens.cc, 'essex-cc', '1.00', { reference: 'same' }),
        ['contributionId'],
      );
      const b = expectWritten(
        await contribute(c, c.tokens.cc, 'essex-cc', '1.00', { reference: 'same' }),
        ['contributionId'],
      );
      expect(a.contributionId).not.toBe(b.contributionId);
      expect(BigInt(b.position)).toBe(BigInt(a.position) + 1n);
    });

    it('a key does not let another finance officer replay (and so read) a request they may not make', async () => {
      // Another caller's key is another command, judged on its own merits: bob (Essex Police)
      // and nina (NHS, not a partner) may not contribute for the council, whatever key they send,
      // and the refusal is the one they would get with any key (it does not say the key exists).
      const c = await ctx();
      const original = expectWritten(await send(c, 'carol-po-77'), ['contributionId']);
      for (const token of [c.tokens.police, c.tokens.nhs]) {
        const before = await head(c.ledger);
        const res = await send(c, 'carol-po-77', body, token);
        const fresh = await send(c, 'never-used-key', body, token);
        expect(res.statusCode, `got ${res.statusCode} ${res.body}`).toBe(403);
        expect(res.json().code).toBe('FORBIDDEN');
        expect({ status: res.statusCode, code: res.json().code }).toEqual({
          status: fresh.statusCode,
          code: fresh.json().code,
        });
        expect(res.body).not.toContain(original.contributionId);
        expect(await head(c.ledger)).toBe(before);
      }
    });
  });

  describe("a caller's key names one request across the whole ledger, not per stream", () => {
    const body = {
      agencyId: 'essex-cc',
      amount: '1.00',
      effectiveDate: '2025-04-01',
      reference: 'X-1',
    };
    const secondPot = async (c: Ctx) =>
      expectWritten(
        await c.ledger.post('/v1/pots', c.tokens.admin, {
          name: 'Second',
          area: 'Essex',
          hostAgencyId: 'essex-cc',
        }),
        ['potId'],
      ).potId as string;

    it('409 IDEMPOTENCY_KEY_REUSED for a key reused on another pot; nothing appended', async () => {
      const c = await ctx();
      const other = await secondPot(c);
      const first = expectWritten(
        await c.ledger.post(`/v1/pots/${c.potId}/contributions`, c.tokens.cc, body, {
          'idempotency-key': 'cross-1',
        }),
        ['contributionId'],
      );
      expect(
        (await c.ledger.get(`/v1/pots/${c.potId}?minPosition=${first.position}`, c.tokens.reporter))
          .statusCode,
      ).toBe(200);
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(`/v1/pots/${other}/contributions`, c.tokens.cc, body, {
            'idempotency-key': 'cross-1',
          }),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });

    it('parallel requests with one key on five pots: exactly one is accepted', async () => {
      const c = await ctx();
      const pots = [c.potId];
      for (let i = 0; i < 4; i++) pots.push(await secondPot(c));
      const responses = await Promise.all(
        pots.map((potId) =>
          c.ledger.post(`/v1/pots/${potId}/contributions`, c.tokens.cc, body, {
            'idempotency-key': 'cross-parallel',
          }),
        ),
      );
      expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1);
      for (const r of responses.filter((x) => x.statusCode !== 201))
        expect(r.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(
        (await allEvents(c.ledger)).filter((e) => e.metadata.commandId === 'cross-parallel'),
      ).toHaveLength(1);
    });

    it('a key used on a pot command cannot then open a pot or register an agency (same caller)', async () => {
      const c = await ctx();
      const first = expectWritten(
        await c.ledger.post(
          `/v1/pots/${c.potId}/interventions`,
          c.tokens.admin,
          { name: 'Cross', leadAgencyId: 'essex-cc' },
          { 'idempotency-key': 'cross-2' },
        ),
        ['interventionId'],
      );
      await c.ledger.get(`/v1/pots?minPosition=${first.position}`, c.tokens.reporter);
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            '/v1/pots',
            c.tokens.admin,
            { name: 'P', area: 'A', hostAgencyId: 'essex-cc' },
            { 'idempotency-key': 'cross-2' },
          ),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            '/v1/agencies',
            c.tokens.admin,
            { agencyId: 'essex-fire', name: 'Essex Fire', kind: 'fire' },
            { 'idempotency-key': 'cross-2' },
          ),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });

    it('a key used to register an agency cannot then be used for a pot command by the same caller; nothing appended', async () => {
      const c = await ctx();
      const first = expectWritten(
        await c.ledger.post(
          '/v1/agencies',
          c.tokens.admin,
          { agencyId: 'essex-fire', name: 'Essex Fire', kind: 'fire' },
          { 'idempotency-key': 'cross-3' },
        ),
        ['agencyId'],
      );
      await c.ledger.get(`/v1/agencies?minPosition=${first.position}`, c.tokens.reporter);
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            `/v1/pots/${c.potId}/interventions`,
            c.tokens.admin,
            { name: 'Cross', leadAgencyId: 'essex-cc' },
            { 'idempotency-key': 'cross-3' },
          ),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });

    it('a key used to open a pot cannot then be used for a command on another pot by the same caller; nothing appended', async () => {
      const c = await ctx();
      const first = expectWritten(
        await c.ledger.post(
          '/v1/pots',
          c.tokens.admin,
          { name: 'P', area: 'A', hostAgencyId: 'essex-cc' },
          { 'idempotency-key': 'cross-4' },
        ),
        ['potId'],
      );
      await c.ledger.get(`/v1/pots?minPosition=${first.position}`, c.tokens.reporter);
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            `/v1/pots/${c.potId}/interventions`,
            c.tokens.admin,
            { name: 'Cross', leadAgencyId: 'essex-cc' },
            { 'idempotency-key': 'cross-4' },
          ),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });
  });

  describe('a key belongs to its caller (the token sub)', () => {
    const carolBody = {
      agencyId: 'essex-cc',
      amount: '2500.00',
      effectiveDate: '2025-05-01',
      reference: 'PO-SHARED',
    };
    const bobBody = {
      agencyId: 'essex-police',
      amount: '2500.00',
      effectiveDate: '2025-05-01',
      reference: 'PO-SHARED',
    };
    const contribute = (
      c: Ctx,
      potId: string,
      token: string,
      b: Record<string, unknown>,
      key: string,
    ) => c.ledger.post(`/v1/pots/${potId}/contributions`, token, b, { 'idempotency-key': key });
    const policePot = async (c: Ctx) =>
      expectWritten(
        await c.ledger.post('/v1/pots', c.tokens.admin, {
          name: 'Second',
          area: 'Essex',
          hostAgencyId: 'essex-cc',
          partnerAgencyIds: ['essex-police'],
        }),
        ['potId'],
      ).potId as string;
    const commandsWithKey = async (c: Ctx, key: string) =>
      (await allEvents(c.ledger))
        .filter((e) => e.metadata.commandId === key)
        .map((e) => ({ sub: e.metadata.actor.sub, eventId: e.eventId }));

    it('two callers, one key, one pot: two independent commands; each retry replays its own answer', async () => {
      const c = await ctx();
      const carol = expectWritten(
        await contribute(c, c.potId, c.tokens.cc, carolBody, 'shared-1'),
        ['contributionId'],
      );
      const bobFirst = await contribute(c, c.potId, c.tokens.police, bobBody, 'shared-1');
      const bob = expectWritten(bobFirst, ['contributionId']);
      expect(bobFirst.headers['idempotent-replayed']).toBeUndefined();
      expect(bob.contributionId).not.toBe(carol.contributionId);
      const afterBoth = await head(c.ledger);

      const carolAgain = await contribute(c, c.potId, c.tokens.cc, carolBody, 'shared-1');
      expect(carolAgain.json()).toEqual(carol);
      expect(carolAgain.headers['idempotent-replayed']).toBe('true');
      const bobAgain = await contribute(c, c.potId, c.tokens.police, bobBody, 'shared-1');
      expect(bobAgain.json()).toEqual(bob);
      expect(bobAgain.headers['idempotent-replayed']).toBe('true');
      expect(await head(c.ledger)).toBe(afterBoth);
      // Each caller's key still refuses a different payload from that caller.
      await expectRefused(
        c.ledger,
        () => contribute(c, c.potId, c.tokens.police, { ...bobBody, amount: '1.00' }, 'shared-1'),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      await expectRefused(
        c.ledger,
        () => contribute(c, c.potId, c.tokens.cc, { ...carolBody, amount: '1.00' }, 'shared-1'),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );

      // The event keeps the key as the client sent it; the caller is in actor.sub.
      expect(await commandsWithKey(c, 'shared-1')).toEqual([
        { sub: 'carol', eventId: carol.eventId },
        { sub: 'bob', eventId: bob.eventId },
      ]);
      expect(
        (
          await c.ledger.get(`/v1/pots/${c.potId}?minPosition=${afterBoth}`, c.tokens.reporter)
        ).json().contributed,
      ).toBe('505000.00');
    });

    it("the books at the position of the first of two callers' commands with one key stop there (they are two appends)", async () => {
      const c = await ctx();
      const carol = expectWritten(
        await contribute(c, c.potId, c.tokens.cc, carolBody, 'shared-at'),
        ['contributionId'],
      );
      const bob = expectWritten(
        await contribute(c, c.potId, c.tokens.police, bobBody, 'shared-at'),
        ['contributionId'],
      );
      expect(BigInt(bob.position)).toBe(BigInt(carol.position) + 1n);
      const res = await c.ledger.get(
        `/v1/pots/${c.potId}?atPosition=${carol.position}`,
        c.tokens.reporter,
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['ledger-position']).toBe(carol.position);
      expect(res.json().contributed).toBe('502500.00');
    });

    it('a key used by one caller on one pot is free for another caller on another pot, and still taken for the first', async () => {
      const c = await ctx();
      const other = await policePot(c);
      const carol = expectWritten(
        await contribute(c, c.potId, c.tokens.cc, carolBody, 'shared-2'),
        ['contributionId'],
      );
      const bobFirst = await contribute(c, other, c.tokens.police, bobBody, 'shared-2');
      expectWritten(bobFirst, ['contributionId']);
      expect(bobFirst.headers['idempotent-replayed']).toBeUndefined();
      expect(bobFirst.body).not.toContain(carol.contributionId);
      // Carol's key is carol's on the first pot: on the second it is a reuse.
      await expectRefused(
        c.ledger,
        () => contribute(c, other, c.tokens.cc, carolBody, 'shared-2'),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect((await commandsWithKey(c, 'shared-2')).map((e) => e.sub)).toEqual(['carol', 'bob']);
    });

    it(`${PARALLEL_RETRIES} parallel retries each from two callers with one key: one command per caller`, async () => {
      const c = await ctx();
      const before = await head(c.ledger);
      const sends = Array.from({ length: 2 * PARALLEL_RETRIES }, (_, i) =>
        i % 2 === 0
          ? contribute(c, c.potId, c.tokens.cc, carolBody, 'shared-parallel')
          : contribute(c, c.potId, c.tokens.police, bobBody, 'shared-parallel'),
      );
      const responses = await Promise.all(sends);
      const carol = expectSameAnswer(responses.filter((_, i) => i % 2 === 0));
      const bob = expectSameAnswer(responses.filter((_, i) => i % 2 === 1));
      expect(carol.eventId).not.toBe(bob.eventId);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(
        2 * (PARALLEL_RETRIES - 1),
      );
      const appended = (await allEvents(c.ledger)).filter((e) => BigInt(e.position) > before);
      expect(appended.map((e) => e.eventId).sort()).toEqual([carol.eventId, bob.eventId].sort());
    });

    it('another admin with the same key opens their own pot and registers their own agency; each retry replays its own', async () => {
      const c = await ctx();
      const amir = c.ledger.token('admin', { sub: 'amir' });
      const pot = { name: 'Falls Prevention', area: 'Mid Essex', hostAgencyId: 'essex-cc' };
      const alicePot = expectWritten(
        await c.ledger.post('/v1/pots', c.tokens.admin, pot, { 'idempotency-key': 'shared-pot' }),
        ['potId'],
      );
      const amirFirst = await c.ledger.post('/v1/pots', amir, pot, {
        'idempotency-key': 'shared-pot',
      });
      const amirPot = expectWritten(amirFirst, ['potId']);
      expect(amirFirst.headers['idempotent-replayed']).toBeUndefined();
      expect(amirPot.potId).not.toBe(alicePot.potId);
      expect(
        (
          await c.ledger.post('/v1/pots', c.tokens.admin, pot, { 'idempotency-key': 'shared-pot' })
        ).json(),
      ).toEqual(alicePot);
      expect(
        (await c.ledger.post('/v1/pots', amir, pot, { 'idempotency-key': 'shared-pot' })).json(),
      ).toEqual(amirPot);

      const fire = { agencyId: 'essex-fire', name: 'Essex Fire', kind: 'fire' };
      const aliceAgency = expectWritten(
        await c.ledger.post('/v1/agencies', c.tokens.admin, fire, {
          'idempotency-key': 'shared-agency',
        }),
        ['agencyId'],
      );
      // The same body from amir is a new command, refused on its merits, exactly as with any key.
      await expectRefused(
        c.ledger,
        () => c.ledger.post('/v1/agencies', amir, fire, { 'idempotency-key': 'shared-agency' }),
        409,
        'ALREADY_EXISTS',
      );
      expectWritten(
        await c.ledger.post(
          '/v1/agencies',
          amir,
          { ...fire, agencyId: 'herts-fire' },
          { 'idempotency-key': 'shared-agency' },
        ),
        ['agencyId'],
      );
      expect(
        (
          await c.ledger.post('/v1/agencies', c.tokens.admin, fire, {
            'idempotency-key': 'shared-agency',
          })
        ).json(),
      ).toEqual(aliceAgency);
    });

    it(`${PARALLEL_RETRIES} parallel pot opens each from two admins with one key open exactly two pots`, async () => {
      const c = await ctx();
      const amir = c.ledger.token('admin', { sub: 'amir' });
      const pot = { name: 'Parallel', area: 'Essex', hostAgencyId: 'essex-cc' };
      const responses = await Promise.all(
        Array.from({ length: 2 * PARALLEL_RETRIES }, (_, i) =>
          c.ledger.post('/v1/pots', i % 2 === 0 ? c.tokens.admin : amir, pot, {
            'idempotency-key': 'shared-open',
          }),
        ),
      );
      const alice = expectSameAnswer(responses.filter((_, i) => i % 2 === 0));
      const amirAnswer = expectSameAnswer(responses.filter((_, i) => i % 2 === 1));
      expect(alice.potId).not.toBe(amirAnswer.potId);
      const opened = eventsOfType(await allEvents(c.ledger), 'PotOpened').filter(
        (e) => e.metadata.commandId === 'shared-open',
      );
      expect(opened.map((e) => e.data.potId).sort()).toEqual(
        [alice.potId, amirAnswer.potId].sort(),
      );
    });
  });

  describe('POST /v1/pots (creates a stream)', () => {
    const pot = {
      name: 'Falls Prevention',
      area: 'Mid Essex',
      hostAgencyId: 'essex-cc',
      partnerAgencyIds: ['nhs-mid-essex'],
    };

    it('a retry returns the same potId, eventId and position, marked replayed, and opens no second pot', async () => {
      const c = await ctx();
      const first = await c.ledger.post('/v1/pots', c.tokens.admin, pot, {
        'idempotency-key': 'pot-1',
      });
      const original = expectWritten(first, ['potId']);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const afterFirst = await head(c.ledger);
      const retry = await c.ledger.post(
        '/v1/pots',
        c.tokens.admin,
        {
          partnerAgencyIds: ['nhs-mid-essex'],
          hostAgencyId: 'essex-cc',
          area: 'Mid Essex',
          name: 'Falls Prevention',
        },
        { 'idempotency-key': 'pot-1' },
      );
      expect(retry.statusCode).toBe(201);
      expect(retry.json()).toEqual(original);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await head(c.ledger)).toBe(afterFirst);
      const pots = (
        await c.ledger.get(`/v1/pots?minPosition=${afterFirst}`, c.tokens.reporter)
      ).json().pots;
      expect(pots.map((p: { potId: string }) => p.potId).sort()).toEqual(
        [c.potId, original.potId].sort(),
      );
    });

    it(`${PARALLEL_RETRIES} parallel retries with one key open exactly one pot, and all get its potId`, async () => {
      const c = await ctx();
      const responses = await Promise.all(
        Array.from({ length: PARALLEL_RETRIES }, () =>
          c.ledger.post('/v1/pots', c.tokens.admin, pot, { 'idempotency-key': 'pot-parallel' }),
        ),
      );
      const answer = expectSameAnswer(responses);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(
        PARALLEL_RETRIES - 1,
      );
      const events = await allEvents(c.ledger);
      const opened = eventsOfType(events, 'PotOpened').filter(
        (e) => e.metadata.commandId === 'pot-parallel',
      );
      expect(opened.map((e) => e.eventId)).toEqual([answer.eventId]);
      expect(opened[0]!.data.potId).toBe(answer.potId);
      expect(eventsOfType(events, 'PotOpened')).toHaveLength(2);
      // Whatever bookkeeping the key needs, it is a single claim, and no other stream was started.
      expect(eventsOfType(events, 'IdempotencyKeyClaimed').length).toBeLessThanOrEqual(1);
      const pots = (
        await c.ledger.get(`/v1/pots?minPosition=${await head(c.ledger)}`, c.tokens.reporter)
      ).json().pots;
      expect(pots).toHaveLength(2);
    });

    it('409 IDEMPOTENCY_KEY_REUSED for the same key with a different pot; nothing appended', async () => {
      const c = await ctx();
      expectWritten(
        await c.ledger.post('/v1/pots', c.tokens.admin, pot, { 'idempotency-key': 'pot-2' }),
        ['potId'],
      );
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            '/v1/pots',
            c.tokens.admin,
            { ...pot, name: 'Falls Prevention 2' },
            { 'idempotency-key': 'pot-2' },
          ),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            '/v1/pots',
            c.tokens.admin,
            { ...pot, partnerAgencyIds: [] },
            { 'idempotency-key': 'pot-2' },
          ),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      // Spelling out the default currency is the same request: the key replays, appending nothing.
      const before = await head(c.ledger);
      const explicit = await c.ledger.post(
        '/v1/pots',
        c.tokens.admin,
        { ...pot, currency: 'GBP' },
        { 'idempotency-key': 'pot-2' },
      );
      expect([201, 409]).toContain(explicit.statusCode);
      expect(await head(c.ledger)).toBe(before);
    });

    it('parallel requests with one key and different bodies: exactly one pot, the others 409', async () => {
      const c = await ctx();
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          c.ledger.post(
            '/v1/pots',
            c.tokens.admin,
            { ...pot, name: `Pot ${i}` },
            { 'idempotency-key': 'pot-race' },
          ),
        ),
      );
      const created = responses.filter((r) => r.statusCode === 201);
      expect(created).toHaveLength(1);
      for (const r of responses.filter((x) => x.statusCode !== 201)) {
        expect(r.statusCode).toBe(409);
        expect(r.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
      }
      expect(eventsOfType(await allEvents(c.ledger), 'PotOpened')).toHaveLength(2);
    });

    it('a refused pot (unknown agency) claims nothing: the key can then be used for a valid pot', async () => {
      const c = await ctx();
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            '/v1/pots',
            c.tokens.admin,
            { ...pot, hostAgencyId: 'ghost' },
            { 'idempotency-key': 'pot-3' },
          ),
        404,
        'NOT_FOUND',
      );
      expectWritten(
        await c.ledger.post('/v1/pots', c.tokens.admin, pot, { 'idempotency-key': 'pot-3' }),
        ['potId'],
      );
    });
  });

  describe('POST /v1/agencies (creates a stream)', () => {
    const agency = { agencyId: 'essex-fire', name: 'Essex Fire and Rescue', kind: 'fire' };

    it('a retry returns the same answer, marked replayed, and registers nothing twice', async () => {
      const c = await ctx();
      const original = expectWritten(
        await c.ledger.post('/v1/agencies', c.tokens.admin, agency, { 'idempotency-key': 'ag-1' }),
        ['agencyId'],
      );
      const afterFirst = await head(c.ledger);
      const retry = await c.ledger.post(
        '/v1/agencies',
        c.tokens.admin,
        { kind: 'fire', name: 'Essex Fire and Rescue', agencyId: 'essex-fire' },
        { 'idempotency-key': 'ag-1' },
      );
      expect(retry.statusCode, retry.body).toBe(201);
      expect(retry.json()).toEqual(original);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await head(c.ledger)).toBe(afterFirst);
    });

    it(`${PARALLEL_RETRIES} parallel retries with one key register exactly one agency`, async () => {
      const c = await ctx();
      const responses = await Promise.all(
        Array.from({ length: PARALLEL_RETRIES }, () =>
          c.ledger.post('/v1/agencies', c.tokens.admin, agency, {
            'idempotency-key': 'ag-parallel',
          }),
        ),
      );
      const answer = expectSameAnswer(responses);
      expect(answer.agencyId).toBe('essex-fire');
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(
        PARALLEL_RETRIES - 1,
      );
      const registered = eventsOfType(await allEvents(c.ledger), 'AgencyRegistered').filter(
        (e) => e.data.agencyId === 'essex-fire',
      );
      expect(registered.map((e) => e.eventId)).toEqual([answer.eventId]);
      const list = (
        await c.ledger.get(`/v1/agencies?minPosition=${await head(c.ledger)}`, c.tokens.reporter)
      ).json().agencies;
      expect(list.filter((a: { agencyId: string }) => a.agencyId === 'essex-fire')).toHaveLength(1);
    });

    it('409 IDEMPOTENCY_KEY_REUSED for the same key with another agency or name; nothing appended', async () => {
      const c = await ctx();
      expectWritten(
        await c.ledger.post('/v1/agencies', c.tokens.admin, agency, { 'idempotency-key': 'ag-2' }),
        ['agencyId'],
      );
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            '/v1/agencies',
            c.tokens.admin,
            { ...agency, name: 'Essex Fire' },
            { 'idempotency-key': 'ag-2' },
          ),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            '/v1/agencies',
            c.tokens.admin,
            { ...agency, agencyId: 'herts-fire' },
            { 'idempotency-key': 'ag-2' },
          ),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });

    it('a key used to register an agency cannot then open a pot', async () => {
      const c = await ctx();
      expectWritten(
        await c.ledger.post('/v1/agencies', c.tokens.admin, agency, {
          'idempotency-key': 'shared-key',
        }),
        ['agencyId'],
      );
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            '/v1/pots',
            c.tokens.admin,
            { name: 'P', area: 'A', hostAgencyId: 'essex-cc' },
            { 'idempotency-key': 'shared-key' },
          ),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });

    it('registering an existing agency with a fresh key is ALREADY_EXISTS and claims nothing', async () => {
      const c = await ctx();
      await expectRefused(
        c.ledger,
        () =>
          c.ledger.post(
            '/v1/agencies',
            c.tokens.admin,
            { agencyId: 'essex-police', name: 'Essex Police', kind: 'police' },
            { 'idempotency-key': 'ag-3' },
          ),
        409,
        'ALREADY_EXISTS',
      );
    });
  });

  describe('after a restart (a new ledger on the same store)', () => {
    it('retries still get the original answers, and reused keys are still refused', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'potledger-idem-'));
      const path = join(dir, 'ledger.db');
      try {
        const first = await createTestLedger({ store: createSqliteEventStore(path) });
        const s = await essexScenario(first);
        const body = {
          agencyId: 'essex-cc',
          amount: '10.00',
          effectiveDate: '2025-05-01',
          reference: 'R-1',
        };
        const pot = { name: 'Restart pot', area: 'Essex', hostAgencyId: 'essex-cc' };
        const agency = { agencyId: 'essex-fire', name: 'Essex Fire', kind: 'fire' };
        const contribution = expectWritten(
          await first.post(`/v1/pots/${s.potId}/contributions`, s.tokens.cc, body, {
            'idempotency-key': 'r-contrib',
          }),
          ['contributionId'],
        );
        const opened = expectWritten(
          await first.post('/v1/pots', s.tokens.admin, pot, { 'idempotency-key': 'r-pot' }),
          ['potId'],
        );
        const registered = expectWritten(
          await first.post('/v1/agencies', s.tokens.admin, agency, {
            'idempotency-key': 'r-agency',
          }),
          ['agencyId'],
        );
        await first.close();

        const second = await createTestLedger({ store: createSqliteEventStore(path) });
        try {
          // First after the restart, so only the key index rebuilt from the log knows: carol's key
          // on another pot is hers, reused.
          await expectRefused(
            second,
            () =>
              second.post(`/v1/pots/${opened.potId}/contributions`, s.tokens.cc, body, {
                'idempotency-key': 'r-contrib',
              }),
            409,
            'IDEMPOTENCY_KEY_REUSED',
          );
          const before = await head(second);
          const again = await second.post(`/v1/pots/${s.potId}/contributions`, s.tokens.cc, body, {
            'idempotency-key': 'r-contrib',
          });
          expect(again.statusCode).toBe(201);
          expect(again.json()).toEqual(contribution);
          expect(again.headers['idempotent-replayed']).toBe('true');
          const potAgain = await second.post('/v1/pots', s.tokens.admin, pot, {
            'idempotency-key': 'r-pot',
          });
          expect(potAgain.json()).toEqual(opened);
          const agencyAgain = await second.post('/v1/agencies', s.tokens.admin, agency, {
            'idempotency-key': 'r-agency',
          });
          expect(agencyAgain.json()).toEqual(registered);
          expect(await head(second)).toBe(before);
          await expectRefused(
            second,
            () =>
              second.post(
                `/v1/pots/${s.potId}/contributions`,
                s.tokens.cc,
                { ...body, amount: '11.00' },
                { 'idempotency-key': 'r-contrib' },
              ),
            409,
            'IDEMPOTENCY_KEY_REUSED',
          );
          await expectRefused(
            second,
            () =>
              second.post(
                '/v1/pots',
                s.tokens.admin,
                { ...pot, name: 'Other' },
                { 'idempotency-key': 'r-pot' },
              ),
            409,
            'IDEMPOTENCY_KEY_REUSED',
          );
          // The key index rebuilt from the log is per caller: bob may use carol's key.
          const bobs = await second.post(
            `/v1/pots/${s.potId}/contributions`,
            s.tokens.police,
            { ...body, agencyId: 'essex-police' },
            { 'idempotency-key': 'r-contrib' },
          );
          expect(bobs.statusCode, bobs.body).toBe(201);
          expect(bobs.headers['idempotent-replayed']).toBeUndefined();
        } finally {
          await second.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('a key claimed before keys were scoped to their caller', () => {
    it("the opener's retry still reaches the pot it opened; another admin's same key is their own", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'potledger-idem-legacy-'));
      try {
        const first = await createTestLedger({
          store: createSqliteEventStore(join(dir, 'now.db')),
        });
        const s = await essexScenario(first);
        const pot = { name: 'Old pot', area: 'Essex', hostAgencyId: 'essex-cc' };
        const opened = expectWritten(
          await first.post('/v1/pots', s.tokens.admin, pot, { 'idempotency-key': 'old-key' }),
          ['potId'],
        );
        const events = await first.store.readAll(0n, 10_000);
        await first.close();

        // The same log as the code before the scoping wrote it: the claim in the stream named by the key alone.
        const scopedClaim = idempotencyStreamId(sha256Hex(commandScopeKey('alice', 'old-key')));
        const legacyClaim = idempotencyStreamId(sha256Hex('old-key'));
        expect(events.some((e) => e.streamId === scopedClaim)).toBe(true);
        const store = createSqliteEventStore(join(dir, 'old.db'));
        for (const e of events) {
          await store.append(
            e.streamId === scopedClaim ? legacyClaim : e.streamId,
            [{ eventId: e.eventId, type: e.type, data: e.data, metadata: e.metadata }],
            'any',
          );
        }
        const second = await createTestLedger({ store });
        try {
          const before = await head(second);
          const retry = await second.post('/v1/pots', s.tokens.admin, pot, {
            'idempotency-key': 'old-key',
          });
          expect(retry.statusCode, retry.body).toBe(201);
          expect(retry.json()).toEqual(opened);
          expect(retry.headers['idempotent-replayed']).toBe('true');
          expect(await head(second)).toBe(before);
          await expectRefused(
            second,
            () =>
              second.post(
                '/v1/pots',
                s.tokens.admin,
                { ...pot, name: 'Other' },
                { 'idempotency-key': 'old-key' },
              ),
            409,
            'IDEMPOTENCY_KEY_REUSED',
          );
          const amir = second.token('admin', { sub: 'amir' });
          const theirs = expectWritten(
            await second.post('/v1/pots', amir, pot, { 'idempotency-key': 'old-key' }),
            ['potId'],
          );
          expect(theirs.potId).not.toBe(opened.potId);
        } finally {
          await second.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
