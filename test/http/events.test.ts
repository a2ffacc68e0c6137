import { describe, expect, it } from 'vitest';
import {
  allEvents,
  allocate,
  contribute,
  describeReadRouteAuth,
  DIGITS,
  expectProblem,
  expectRefused,
  expectValidation,
  expectWritten,
  ISO_TIMESTAMP,
  MONEY,
  recordOutcome,
  ULID,
  useScenario,
  type Ctx,
  type Json,
} from './helpers.ts';

async function page(
  c: Ctx,
  query: string,
  token: string = c.tokens.auditor,
): Promise<{ events: Json[]; nextCursor: string | null }> {
  const res = await c.ledger.get(`/v1/events${query === '' ? '' : `?${query}`}`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('GET /v1/events', () => {
  const ctx = useScenario();

  it('raw events in log order with digit-string positions and per-stream revisions', async () => {
    const c = await ctx();
    const { events, nextCursor } = await page(c, '');
    expect(nextCursor).toBeNull();
    expect(events).toHaveLength(8);
    const positions = events.map((e) => BigInt(e.position));
    expect(positions[0]! >= 1n).toBe(true);
    for (let i = 1; i < positions.length; i++) expect(positions[i]! > positions[i - 1]!).toBe(true);
    expect(positions.at(-1)).toBe(await c.ledger.store.headPosition());
    expect(events.map((e) => e.type)).toEqual([
      'AgencyRegistered',
      'AgencyRegistered',
      'AgencyRegistered',
      'AgencyRegistered',
      'PotOpened',
      'ContributionReceived',
      'ContributionReceived',
      'InterventionDefined',
    ]);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual([
        'data',
        'eventId',
        'metadata',
        'position',
        'streamId',
        'streamRevision',
        'type',
      ]);
      expect(e.eventId).toMatch(ULID);
      expect(e.position).toMatch(DIGITS);
      expect(e.streamRevision).toMatch(DIGITS);
    }
    expect(events.slice(4).map((e) => [e.streamId, e.streamRevision])).toEqual([
      [`pot-${c.potId}`, '0'],
      [`pot-${c.potId}`, '1'],
      [`pot-${c.potId}`, '2'],
      [`pot-${c.potId}`, '3'],
    ]);
    expect(events[0]).toMatchObject({ streamId: 'agency-essex-cc', streamRevision: '0' });
  });

  it('amounts in data are strings with two decimals, never numbers', async () => {
    const c = await ctx();
    await allocate(c, '100000.00');
    await recordOutcome(c);
    const events = await allEvents(c.ledger);
    const contribution = events.find((e) => e.type === 'ContributionReceived')!;
    expect(contribution.data).toEqual({
      potId: c.potId,
      contributionId: expect.stringMatching(ULID),
      agencyId: 'essex-cc',
      amount: '300000.00',
      effectiveDate: '2025-04-10',
      reference: 'PO-1',
    });
    const allocation = events.find((e) => e.type === 'FundsAllocated')!;
    expect(allocation.data.amount).toBe('100000.00');
    for (const share of allocation.data.fundingShares) expect(share.amount).toMatch(MONEY);
    const outcome = events.find((e) => e.type === 'OutcomeRecorded')!;
    for (const line of [...outcome.data.benefits, ...outcome.data.flows]) {
      expect(typeof line.amount).toBe('string');
      expect(line.amount).toMatch(MONEY);
    }
  });

  it('metadata carries commandId, correlationId, actor and recordedAt; ids are made when the client sends none', async () => {
    const c = await ctx();
    const events = await allEvents(c.ledger);
    const byCarol = events[5]!;
    expect(byCarol.metadata).toMatchObject({
      commandId: expect.stringMatching(ULID),
      correlationId: expect.stringMatching(ULID),
      actor: { sub: 'carol', role: 'finance-officer', agencyId: 'essex-cc' },
      recordedAt: expect.stringMatching(ISO_TIMESTAMP),
    });
    expect(byCarol.metadata).not.toHaveProperty('causationId');
    expect(events[0]!.metadata.actor).toEqual({ sub: 'alice', role: 'admin' });
    // Each command gets its own id.
    expect(new Set(events.map((e) => e.metadata.commandId)).size).toBe(events.length);
  });

  it('Idempotency-Key, X-Correlation-Id and X-Causation-Id are carried into the metadata', async () => {
    const c = await ctx();
    const w = expectWritten(
      await contribute(
        c,
        c.tokens.police,
        'essex-police',
        '10.00',
        {},
        {
          'Idempotency-Key': 'po-2025-0042',
          'X-Correlation-Id': 'spending-review-2025',
          'X-Causation-Id': 'board-minute-12',
        },
      ),
      ['contributionId'],
    );
    const { events } = await page(c, `after=${BigInt(w.position) - 1n}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventId: w.eventId,
      position: w.position,
      metadata: {
        commandId: 'po-2025-0042',
        correlationId: 'spending-review-2025',
        causationId: 'board-minute-12',
        actor: { sub: 'bob', role: 'finance-officer', agencyId: 'essex-police' },
      },
    });
  });

  it('a malformed X-Correlation-Id or X-Causation-Id is refused (400) and appends nothing', async () => {
    const c = await ctx();
    const headerSets: Record<string, string>[] = [
      { 'x-correlation-id': 'has space' },
      { 'x-correlation-id': 'x'.repeat(201) },
      { 'x-causation-id': 'tab\there' },
    ];
    for (const headers of headerSets) {
      await expectRefused(
        c.ledger,
        () => contribute(c, c.tokens.cc, 'essex-cc', '1.00', {}, headers),
        400,
        'VALIDATION_FAILED',
      );
    }
  });

  describe('paging', () => {
    it('after= returns only events strictly after the cursor; limit bounds the page; nextCursor is the last position of a full page', async () => {
      const c = await ctx();
      const p = (await page(c, '')).events.map((e) => e.position as string); // the 8 positions of the scenario
      const first = await page(c, 'limit=3');
      expect(first.events.map((e) => e.position)).toEqual(p.slice(0, 3));
      expect(first.nextCursor).toBe(p[2]);
      const second = await page(c, `after=${p[2]}&limit=3`);
      expect(second.events.map((e) => e.position)).toEqual(p.slice(3, 6));
      const third = await page(c, `after=${second.nextCursor}&limit=3`);
      expect(third.events.map((e) => e.position)).toEqual(p.slice(6, 8));
      expect(third.nextCursor).toBeNull();
      expect((await page(c, `after=${p[4]}`)).events.map((e) => e.position)).toEqual(p.slice(5));
      // Strictly after: a cursor between two positions gives the later one first.
      expect(
        (await page(c, `after=${BigInt(p[4]!) - 1n}&limit=1`)).events.map((e) => e.position),
      ).toEqual([p[4]]);
      expect((await page(c, 'after=0&limit=1')).events.map((e) => e.position)).toEqual([p[0]]);
    });

    it('pages of every size concatenate to the whole log', async () => {
      const c = await ctx();
      for (let i = 0; i < 7; i++)
        await contribute(c, c.tokens.cc, 'essex-cc', '1.00', { reference: `p-${i}` });
      const whole = (await page(c, 'limit=1000')).events;
      expect(whole).toHaveLength(15);
      for (const limit of [1, 2, 4, 15, 16]) {
        const collected: Json[] = [];
        let after = '0';
        for (let i = 0; i < 40; i++) {
          const p = await page(c, `after=${after}&limit=${limit}`);
          collected.push(...p.events);
          if (p.nextCursor === null) break;
          after = p.nextCursor;
        }
        expect(collected).toEqual(whole);
      }
    });

    it('after the head of the log is an empty page; the default page holds 100 events', async () => {
      const c = await ctx();
      expect(await page(c, `after=${await c.ledger.store.headPosition()}`)).toEqual({
        events: [],
        nextCursor: null,
      });
      for (let i = 0; i < 95; i++)
        await contribute(c, c.tokens.cc, 'essex-cc', '1.00', { reference: `bulk-${i}` });
      const p = await page(c, '');
      expect(p.events).toHaveLength(100);
      expect(p.nextCursor).toBe(p.events[99]!.position);
    });

    it('an after far beyond the head (past 2^63, still within the 30 digits the route accepts) is an empty page or a 400, never a 500', async () => {
      const c = await ctx();
      for (const after of [
        '9223372036854775807',
        '9223372036854775808',
        '99999999999999999999',
        '9'.repeat(30),
      ]) {
        const res = await c.ledger.get(`/v1/events?after=${after}`, c.tokens.auditor);
        if (res.statusCode === 400) {
          expectProblem(res, 400, 'VALIDATION_FAILED');
        } else {
          expect(res.statusCode, `after=${after}: ${res.body}`).toBe(200);
          expect(res.json()).toEqual({ events: [], nextCursor: null });
        }
      }
    });

    it('400 VALIDATION_FAILED for a bad after or limit', async () => {
      const c = await ctx();
      for (const [query, path] of [
        ['after=-1', 'querystring.after'],
        ['after=abc', 'querystring.after'],
        ['after=1.5', 'querystring.after'],
        ['limit=0', 'querystring.limit'],
        ['limit=1001', 'querystring.limit'],
        ['limit=x', 'querystring.limit'],
      ] as const) {
        expectValidation(await c.ledger.get(`/v1/events?${query}`, c.tokens.auditor), path);
      }
      expect((await c.ledger.get('/v1/events?limit=1000', c.tokens.auditor)).statusCode).toBe(200);
    });
  });

  it('is readable by an auditor and an admin; 403 for finance officers and reporters', async () => {
    const c = await ctx();
    expect((await c.ledger.get('/v1/events', c.tokens.auditor)).statusCode).toBe(200);
    expect((await c.ledger.get('/v1/events', c.tokens.admin)).statusCode).toBe(200);
    for (const token of [c.tokens.cc, c.tokens.nhs, c.tokens.reporter])
      expectProblem(await c.ledger.get('/v1/events', token), 403, 'FORBIDDEN');
  });

  describeReadRouteAuth('GET /v1/events', () => '/v1/events');
});
