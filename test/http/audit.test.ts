import { beforeEach, describe, expect, it } from 'vitest';
import {
  allocate,
  contribute,
  describeMinPosition,
  describeReadRouteAuth,
  DIGITS,
  expectProblem,
  expectValidation,
  expectWritten,
  head,
  recordOutcome,
  ULID,
  useScenario,
  type Ctx,
  type Json,
} from './helpers.ts';

let now = '2025-04-01T09:00:00.000Z';

/**
 * The scenario's 8 events at 2025-04-01T09:00Z, then one event a day:
 *   9  2025-05-02T10:00Z  alice allocates £100,000
 *   10 2025-05-03T11:00Z  alice records an outcome
 *   11 2025-05-04T12:00Z  bob contributes £50,000 (with correlation and causation ids)
 *   12 2025-05-05T08:00Z  carol retracts the outcome
 */
async function timeline(c: Ctx) {
  now = '2025-05-02T10:00:00.000Z';
  const allocation = expectWritten(
    await allocate(c, '100000.00', { reason: 'Year one delivery' }),
    ['allocationId', 'status', 'fundingShares'],
  );
  now = '2025-05-03T11:00:00.000Z';
  const outcome = expectWritten(await recordOutcome(c), ['outcomeId', 'flows']);
  now = '2025-05-04T12:00:00.000Z';
  const contribution = expectWritten(
    await contribute(
      c,
      c.tokens.police,
      'essex-police',
      '50000.00',
      { reference: 'PO-3', effectiveDate: '2025-05-04' },
      {
        'idempotency-key': 'bob-po-3',
        'x-correlation-id': 'budget-round-2025',
        'x-causation-id': 'invoice-77',
      },
    ),
    ['contributionId'],
  );
  now = '2025-05-05T08:00:00.000Z';
  const retraction = expectWritten(
    await c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.cc, {
      eventId: outcome.eventId,
      reason: 'Cohort data\nwas incomplete',
    }),
    ['type', 'reversedEventId'],
  );
  return { allocation, outcome, contribution, retraction };
}

async function audit(
  c: Ctx,
  query = '',
  token: string = c.tokens.auditor,
): Promise<{ entries: Json[]; nextCursor: string | null }> {
  const res = await c.ledger.get(
    `/v1/audit?minPosition=${await head(c.ledger)}${query === '' ? '' : `&${query}`}`,
    token,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/**
 * Entries as their ordinal in the log (1 = first event), so the expectations read as the timeline
 * above whatever numbers the store gives its positions.
 */
async function ordinalsOf(c: Ctx, entries: Json[]): Promise<number[]> {
  const all = (await audit(c, 'limit=1000')).entries.map((e) => e.position as string);
  return entries.map((e) => all.indexOf(e.position) + 1);
}

describe('GET /v1/audit', () => {
  beforeEach(() => {
    now = '2025-04-01T09:00:00.000Z';
  });
  const ctx = useScenario({ clock: () => now });

  it('one entry per event, in log order, each with the fields an auditor needs', async () => {
    const c = await ctx();
    const t = await timeline(c);
    const { entries, nextCursor } = await audit(c, 'limit=1000');
    expect(nextCursor).toBeNull();
    expect(await ordinalsOf(c, entries)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const entry of entries) {
      expect(entry.position).toMatch(DIGITS);
      expect(entry.eventId).toMatch(ULID);
      expect(typeof entry.type).toBe('string');
      expect(typeof entry.streamId).toBe('string');
      expect(typeof entry.commandId).toBe('string');
      expect(typeof entry.correlationId).toBe('string');
      expect(typeof entry.summary).toBe('string');
      expect(entry.actor).toEqual(
        expect.objectContaining({ sub: expect.any(String), role: expect.any(String) }),
      );
    }
    expect(entries[10]).toMatchObject({
      position: t.contribution.position,
      eventId: t.contribution.eventId,
      type: 'ContributionReceived',
      streamId: `pot-${c.potId}`,
      recordedAt: '2025-05-04T12:00:00.000Z',
      effectiveDate: '2025-05-04',
      actor: { sub: 'bob', role: 'finance-officer', agencyId: 'essex-police' },
      commandId: 'bob-po-3',
      correlationId: 'budget-round-2025',
      causationId: 'invoice-77',
      summary:
        'bob (finance officer, Essex Police) contributed £50,000.00 to Essex Reducing Reoffending, ref PO-3',
    });
    expect(entries[10]).not.toHaveProperty('reason');
    expect(entries[8]).toMatchObject({
      type: 'FundsAllocated',
      reason: 'Year one delivery',
      effectiveDate: '2025-05-01',
      actor: { sub: 'alice', role: 'admin' },
    });
    expect(entries[8]!.actor).not.toHaveProperty('agencyId');
    expect(entries[0]).not.toHaveProperty('effectiveDate');
    expect(entries[0]).not.toHaveProperty('causationId');
  });

  it('an entry that moves money carries its amount; a retraction names the entry it undoes; the CSV has an amount column', async () => {
    const c = await ctx();
    const t = await timeline(c);
    const { entries } = await audit(c, 'limit=1000');
    expect(entries[8]).toMatchObject({ type: 'FundsAllocated', amount: '100000.00' });
    expect(entries[10]).toMatchObject({ type: 'ContributionReceived', amount: '50000.00' });
    expect(entries[11]).toMatchObject({
      type: 'OutcomeRetracted',
      reversedEventId: t.outcome.eventId,
    });
    expect(entries[11]!.amount).toBe(entries[9]!.amount);
    expect(entries[8]).not.toHaveProperty('reversedEventId');
    // PotOpened moves no money.
    expect(entries.find((e) => e.type === 'PotOpened')).not.toHaveProperty('amount');

    const csv = await c.ledger.get(
      `/v1/audit/export.csv?minPosition=${await head(c.ledger)}`,
      c.tokens.auditor,
    );
    expect(csv.statusCode, csv.body).toBe(200);
    const [header, ...rows] = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r\n/);
    const columns = header!.split(',');
    expect(columns.slice(0, 5)).toEqual([
      'position',
      'recordedAt',
      'effectiveDate',
      'type',
      'amount',
    ]);
    const amountOf = (eventId: string) =>
      rows.find((row) => row.endsWith(eventId))!.split(',')[columns.indexOf('amount')];
    expect(amountOf(t.contribution.eventId)).toBe('50000.00');
    expect(amountOf(t.allocation.eventId)).toBe('100000.00');
  });

  it('summaries are one line of plain English an inspector can read', async () => {
    const c = await ctx();
    await timeline(c);
    const summaries = (await audit(c, 'limit=1000')).entries.map((e) => e.summary as string);
    expect(summaries[0]).toBe(
      'alice (admin) registered agency Essex County Council (essex-cc, council)',
    );
    expect(summaries[4]).toMatch(
      /^alice \(admin\) opened pot Essex Reducing Reoffending \(Essex\)/,
    );
    expect(summaries[4]).toContain('Essex County Council');
    expect(summaries[4]).toContain('Essex Police');
    expect(summaries[5]).toBe(
      'carol (finance officer, Essex County Council) contributed £300,000.00 to Essex Reducing Reoffending, ref PO-1',
    );
    expect(summaries[6]).toBe(
      'bob (finance officer, Essex Police) contributed £200,000.00 to Essex Reducing Reoffending, ref PO-2',
    );
    expect(summaries[7]).toMatch(
      /^carol \(finance officer, Essex County Council\) defined intervention Employment support for ex-offenders/,
    );
    expect(summaries[7]).toContain('Essex Probation');
    expect(summaries[8]).toMatch(
      /^alice \(admin\) allocated £100,000\.00 from Essex Reducing Reoffending to Employment support for ex-offenders/,
    );
    expect(summaries[8]).toContain('Essex County Council £60,000.00');
    expect(summaries[8]).toContain('Essex Police £40,000.00');
    expect(summaries[8]).toContain('Year one delivery');
    expect(summaries[9]).toMatch(/^alice \(admin\) recorded outcome/);
    expect(summaries[9]).toContain('£60,000.00');
    expect(summaries[11]).toMatch(
      /^carol \(finance officer, Essex County Council\) retracted outcome/,
    );
    // The reason is kept whole in the entry but its line break never splits the summary line.
    expect(summaries[11]).toContain('Cohort data was incomplete');
    for (const summary of summaries) expect(summary).not.toMatch(/[\n\r]/);
  });

  describe('filters', () => {
    it('potId: only that pot\u2019s entries', async () => {
      const c = await ctx();
      await timeline(c);
      const other = expectWritten(
        await c.ledger.post('/v1/pots', c.tokens.admin, {
          name: 'Other',
          area: 'Essex',
          hostAgencyId: 'essex-cc',
        }),
        ['potId'],
      );
      const { entries } = await audit(c, `potId=${c.potId}`);
      expect(await ordinalsOf(c, entries)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
      expect((await audit(c, `potId=${other.potId}`)).entries.map((e) => e.type)).toEqual([
        'PotOpened',
      ]);
      expect((await audit(c, 'potId=01ARZ3NDEKTSV4RRFFQ69G5FAV')).entries).toEqual([]);
    });

    it('agencyId: every entry that touches the agency', async () => {
      const c = await ctx();
      await timeline(c);
      // NHS: its registration, and the outcome (and its retraction) whose benefits it received.
      expect((await audit(c, 'agencyId=nhs-mid-essex')).entries.map((e) => e.type)).toEqual([
        'AgencyRegistered',
        'OutcomeRecorded',
        'OutcomeRetracted',
      ]);
      // Police: registration, pot, its own contributions, the allocation that drew on it, outcome flows.
      expect(await ordinalsOf(c, (await audit(c, 'agencyId=essex-police')).entries)).toEqual([
        2, 5, 7, 9, 10, 11, 12,
      ]);
      expect((await audit(c, 'agencyId=unknown-agency')).entries).toEqual([]);
    });

    it('actor: only what that person did', async () => {
      const c = await ctx();
      await timeline(c);
      expect(await ordinalsOf(c, (await audit(c, 'actor=carol')).entries)).toEqual([6, 8, 12]);
      expect(await ordinalsOf(c, (await audit(c, 'actor=bob')).entries)).toEqual([7, 11]);
      expect((await audit(c, 'actor=nobody')).entries).toEqual([]);
    });

    it('from/to: inclusive bounds on recordedAt, as whole UTC days or instants with a zone', async () => {
      const c = await ctx();
      await timeline(c);
      expect(
        await ordinalsOf(c, (await audit(c, 'from=2025-05-02&to=2025-05-03')).entries),
      ).toEqual([9, 10]);
      expect(await ordinalsOf(c, (await audit(c, 'to=2025-04-01')).entries)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8,
      ]);
      expect(await ordinalsOf(c, (await audit(c, 'from=2025-05-02T10:00:00Z')).entries)).toEqual([
        9, 10, 11, 12,
      ]);
      expect(
        await ordinalsOf(c, (await audit(c, 'from=2025-05-02T10:00:00.001Z')).entries),
      ).toEqual([10, 11, 12]);
      expect(
        await ordinalsOf(
          c,
          (
            await audit(
              c,
              `from=${encodeURIComponent('2025-05-02T11:00:00+01:00')}&to=${encodeURIComponent('2025-05-04T12:00:00Z')}`,
            )
          ).entries,
        ),
      ).toEqual([9, 10, 11]);
      expect((await audit(c, 'from=2025-05-06')).entries).toEqual([]);
    });

    it('filters combine', async () => {
      const c = await ctx();
      await timeline(c);
      expect(
        await ordinalsOf(
          c,
          (await audit(c, `potId=${c.potId}&actor=alice&from=2025-05-03`)).entries,
        ),
      ).toEqual([10]);
      // carol's intervention (8) is led by probation, so it does not touch the council.
      expect(
        await ordinalsOf(c, (await audit(c, 'agencyId=essex-cc&actor=carol')).entries),
      ).toEqual([6, 12]);
    });
  });

  describe('paging', () => {
    it('cursor pages concatenate to the full list, in order, with no gap or repeat', async () => {
      const c = await ctx();
      await timeline(c);
      const full = (await audit(c, 'limit=1000')).entries;
      for (const limit of [1, 3, 5, 12]) {
        const pages: Json[] = [];
        let cursor: string | null = null;
        let requests = 0;
        do {
          const page = await audit(
            c,
            `limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`,
          );
          expect(page.entries.length).toBeLessThanOrEqual(limit);
          pages.push(...page.entries);
          cursor = page.nextCursor;
          if (cursor !== null) expect(cursor).toBe(page.entries.at(-1)!.position);
          requests += 1;
          expect(requests).toBeLessThan(50);
        } while (cursor !== null);
        expect(pages).toEqual(full);
      }
    });

    it('paging a filtered list', async () => {
      const c = await ctx();
      await timeline(c);
      const first = await audit(c, 'agencyId=essex-police&limit=3');
      expect(await ordinalsOf(c, first.entries)).toEqual([2, 5, 7]);
      expect(first.nextCursor).toBe(first.entries[2]!.position);
      const second = await audit(c, `agencyId=essex-police&limit=3&cursor=${first.nextCursor}`);
      expect(await ordinalsOf(c, second.entries)).toEqual([9, 10, 11]);
      const third = await audit(c, `agencyId=essex-police&limit=3&cursor=${second.nextCursor}`);
      expect(await ordinalsOf(c, third.entries)).toEqual([12]);
      expect(third.nextCursor).toBeNull();
    });

    it('the default page is 100 entries; a cursor past the end gives an empty page', async () => {
      const c = await ctx();
      for (let i = 0; i < 95; i++)
        expectWritten(
          await contribute(c, c.tokens.cc, 'essex-cc', '1.00', { reference: `bulk-${i}` }),
          ['contributionId'],
        );
      const page = await audit(c);
      expect(page.entries).toHaveLength(100);
      expect(page.nextCursor).toBe(page.entries[99]!.position);
      expect((await audit(c, `cursor=${page.nextCursor}`)).entries).toHaveLength(3);
      expect(await audit(c, `cursor=${(await head(c.ledger)) + 1000n}`)).toEqual({
        entries: [],
        nextCursor: null,
      });
    });
  });

  it('is readable by an auditor and an admin; a finance officer reads the trail of its own pots only, named by potId; 403 for reporters', async () => {
    const c = await ctx();
    expect((await c.ledger.get('/v1/audit', c.tokens.auditor)).statusCode).toBe(200);
    expect((await c.ledger.get('/v1/audit', c.tokens.admin)).statusCode).toBe(200);
    const own = `/v1/audit?potId=${c.potId}`;
    const expected = (await c.ledger.get(own, c.tokens.auditor)).json();
    expect(expected.entries.length).toBeGreaterThan(0);
    for (const token of [c.tokens.cc, c.tokens.police]) {
      const res = await c.ledger.get(own, token);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual(expected);
      const csv = await c.ledger.get(`/v1/audit/export.csv?potId=${c.potId}`, token);
      expect(csv.statusCode, csv.body).toBe(200);
      expect(csv.body).toBe(
        (await c.ledger.get(`/v1/audit/export.csv?potId=${c.potId}`, c.tokens.auditor)).body,
      );
    }
    // Without potId a finance officer would read every pot's trail: refused, and told why.
    for (const url of ['/v1/audit', '/v1/audit/export.csv']) {
      expect(expectProblem(await c.ledger.get(url, c.tokens.cc), 403, 'FORBIDDEN').detail).toMatch(
        /pass potId/,
      );
    }
    // Another agency's pot: refused.
    for (const url of [own, `/v1/audit/export.csv?potId=${c.potId}`]) {
      expect(expectProblem(await c.ledger.get(url, c.tokens.nhs), 403, 'FORBIDDEN').detail).toMatch(
        /nhs-mid-essex is not a partner/,
      );
    }
    for (const url of ['/v1/audit', own])
      expectProblem(await c.ledger.get(url, c.tokens.reporter), 403, 'FORBIDDEN');
  });

  it('400 VALIDATION_FAILED for a bad limit, cursor, bound, potId, agencyId or actor', async () => {
    const c = await ctx();
    const cases: [string, string][] = [
      ['limit=1001', 'querystring.limit'],
      ['limit=0', 'querystring.limit'],
      ['limit=-1', 'querystring.limit'],
      ['limit=1.5', 'querystring.limit'],
      ['limit=ten', 'querystring.limit'],
      ['cursor=abc', 'querystring.cursor'],
      ['cursor=-1', 'querystring.cursor'],
      ['from=2025-02-30', 'querystring.from'],
      ['to=2025-13-01', 'querystring.to'],
      ['from=2025-05-02T10:00:00', 'querystring.from'],
      ['from=yesterday', 'querystring.from'],
      ['to=1714000000', 'querystring.to'],
      ['potId=essex', 'querystring.potId'],
      ['agencyId=Essex%20Police', 'querystring.agencyId'],
      ['actor=', 'querystring.actor'],
      [`actor=${'a'.repeat(201)}`, 'querystring.actor'],
    ];
    for (const [query, path] of cases)
      expectValidation(await c.ledger.get(`/v1/audit?${query}`, c.tokens.auditor), path);
    expect((await c.ledger.get('/v1/audit?limit=1000', c.tokens.auditor)).statusCode).toBe(200);
  });

  describeReadRouteAuth('GET /v1/audit', () => '/v1/audit');
  describeMinPosition('GET /v1/audit', () => '/v1/audit');
});
