/**
 * DESIGN: "An allocation never exceeds the pot's available balance — under any concurrency.
 * A contribution reversal never takes an agency's stake below zero."
 */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  allEvents,
  allocate,
  expectWritten,
  head,
  potSummary,
  useScenario,
  type Ctx,
} from './helpers.ts';

const pence = (amount: string): number => Math.round(Number(amount) * 100);
const sum = (amounts: string[]): Decimal =>
  amounts.reduce((total, a) => total.plus(a), new Decimal(0));

describe('concurrency', () => {
  const ctx = useScenario();

  it('50 parallel allocations worth more than the pot holds: successes never exceed available; the rest are INSUFFICIENT_FUNDS', async () => {
    const c = await ctx();
    // £500,000.00 available; 50 requests from £8,000.00 to £15,350.00 (£583,750.00 in all).
    const amounts = Array.from({ length: 50 }, (_, i) =>
      new Decimal(8000).plus(new Decimal(150).times(i)).toFixed(2),
    );
    expect(sum(amounts).gt(500000)).toBe(true);
    const before = await head(c.ledger);
    const responses = await Promise.all(
      amounts.map((amount, i) =>
        allocate(
          c,
          amount,
          { reason: `parallel ${i}` },
          i % 2 === 0 ? c.tokens.admin : c.tokens.cc,
        ),
      ),
    );

    const won: string[] = [];
    const lost: string[] = [];
    responses.forEach((res, i) => {
      expect(res.statusCode, res.body).toBeLessThan(500);
      if (res.statusCode === 201) {
        const body = res.json();
        expect(sum(body.fundingShares.map((s: { amount: string }) => s.amount)).toFixed(2)).toBe(
          amounts[i],
        );
        won.push(amounts[i]!);
      } else {
        expect(res.statusCode, res.body).toBe(409);
        expect(res.json().code).toBe('INSUFFICIENT_FUNDS');
        lost.push(amounts[i]!);
      }
    });
    expect(won.length).toBeGreaterThan(0);
    expect(lost.length).toBeGreaterThan(0);
    const allocated = sum(won);
    expect(allocated.lte(500000)).toBe(true);
    const availableAfter = new Decimal(500000).minus(allocated);
    // Available only falls, so every refused request asked for more than what is left at the end.
    for (const amount of lost) expect(new Decimal(amount).gt(availableAfter)).toBe(true);

    const appended = (await allEvents(c.ledger)).filter((e) => BigInt(e.position) > before);
    expect(appended).toHaveLength(won.length);
    expect(appended.every((e) => e.type === 'FundsAllocated')).toBe(true);

    const summary = await potSummary(c);
    expect(summary.contributed).toBe('500000.00');
    expect(summary.allocated).toBe(allocated.toFixed(2));
    expect(summary.available).toBe(availableAfter.toFixed(2));
    expect(sum(summary.partners.map((p: { stake: string }) => p.stake)).toFixed(2)).toBe(
      summary.available,
    );
    expect(sum(summary.partners.map((p: { drawn: string }) => p.drawn)).toFixed(2)).toBe(
      summary.allocated,
    );
    for (const partner of summary.partners) {
      expect(pence(partner.stake)).toBeGreaterThanOrEqual(0);
      expect(new Decimal(partner.contributed).minus(partner.drawn).toFixed(2)).toBe(partner.stake);
    }
    expect(summary.interventions[0].funded).toBe(allocated.toFixed(2));
  });

  it('parallel allocations that exactly fit all succeed and empty the pot', async () => {
    const c = await ctx();
    const responses = await Promise.all(Array.from({ length: 40 }, () => allocate(c, '12500.00')));
    for (const res of responses) expect(res.statusCode, res.body).toBe(201);
    expect(await potSummary(c)).toMatchObject({ allocated: '500000.00', available: '0.00' });
    expect((await allocate(c, '0.01')).json().code).toBe('INSUFFICIENT_FUNDS');
  });

  it('parallel contributions on several pots: all 201, every total right', async () => {
    const c = await ctx();
    const pots: string[] = [];
    for (let i = 0; i < 4; i++) {
      pots.push(
        expectWritten(
          await c.ledger.post('/v1/pots', c.tokens.admin, {
            name: `Pot ${i}`,
            area: 'Essex',
            hostAgencyId: 'essex-cc',
            partnerAgencyIds: ['essex-police'],
          }),
          ['potId'],
        ).potId as string,
      );
    }
    const requests = pots.flatMap((potId, p) =>
      Array.from({ length: 12 }, (_, i) => {
        const council = i % 2 === 0;
        return c.ledger.post(
          `/v1/pots/${potId}/contributions`,
          council ? c.tokens.cc : c.tokens.police,
          {
            agencyId: council ? 'essex-cc' : 'essex-police',
            amount: `${p + 1}${i}.0${i % 10}`,
            effectiveDate: '2025-04-02',
            reference: `P${p}-${i}`,
          },
        );
      }),
    );
    const responses = await Promise.all(requests);
    for (const res of responses) expect(res.statusCode, res.body).toBe(201);
    const positions = responses.map((r) => BigInt(r.json().position));
    expect(new Set(positions).size).toBe(positions.length);

    for (const [p, potId] of pots.entries()) {
      const amounts = Array.from({ length: 12 }, (_, i) => `${p + 1}${i}.0${i % 10}`);
      const council = sum(amounts.filter((_, i) => i % 2 === 0));
      const police = sum(amounts.filter((_, i) => i % 2 === 1));
      const summary = await potSummary(c, potId);
      expect(summary.contributed).toBe(council.plus(police).toFixed(2));
      expect(summary.available).toBe(council.plus(police).toFixed(2));
      expect(summary.partners).toEqual([
        {
          agencyId: 'essex-cc',
          contributed: council.toFixed(2),
          drawn: '0.00',
          returned: '0.00',
          stake: council.toFixed(2),
        },
        {
          agencyId: 'essex-police',
          contributed: police.toFixed(2),
          drawn: '0.00',
          returned: '0.00',
          stake: police.toFixed(2),
        },
      ]);
    }
    const balances = (
      await c.ledger.get(
        `/v1/agencies/essex-cc/balances?minPosition=${await head(c.ledger)}`,
        c.tokens.reporter,
      )
    ).json();
    const councilEverywhere = sum(
      pots.flatMap((_, p) =>
        Array.from({ length: 12 }, (_, i) => `${p + 1}${i}.0${i % 10}`).filter(
          (_, i) => i % 2 === 0,
        ),
      ),
    );
    expect(balances.total.contributed).toBe(councilEverywhere.plus(300000).toFixed(2));
    expect(balances.pots).toHaveLength(5);
  });

  it('a contribution reversal racing an allocation that needs the same money: exactly one wins', async () => {
    const c = await ctx();
    const council = (await allEvents(c.ledger)).find(
      (e) => e.type === 'ContributionReceived' && e.data.reference === 'PO-1',
    )!.eventId;
    // Reversal first: council stake 0, available 200,000 < 400,000. Allocation first: council
    // stake 60,000 < 300,000. Either way only one of the two can be granted.
    const [reversal, allocation] = await Promise.all([
      c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.cc, {
        eventId: council,
        reason: 'race',
      }),
      allocate(c, '400000.00'),
    ]);
    const statuses = [reversal.statusCode, allocation.statusCode].sort();
    expect(statuses).toEqual([201, 409]);
    const refused = reversal.statusCode === 409 ? reversal : allocation;
    expect(refused.json().code).toBe('INSUFFICIENT_FUNDS');
    const summary = await potSummary(c);
    for (const partner of summary.partners) expect(pence(partner.stake)).toBeGreaterThanOrEqual(0);
    expect(sum(summary.partners.map((p: { stake: string }) => p.stake)).toFixed(2)).toBe(
      summary.available,
    );
  });

  it('parallel reversals of one entry: one 201, the rest ALREADY_REVERSED', async () => {
    const c = await ctx();
    const allocation = expectWritten(await allocate(c, '1000.00'), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.admin, {
          eventId: allocation.eventId,
          reason: `try ${i}`,
        }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of responses.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(r.json().code).toBe('ALREADY_REVERSED');
    }
    expect(await potSummary(c)).toMatchObject({ allocated: '0.00', available: '500000.00' });
  });

  it('parallel registrations of one agency without a key: one 201, the rest ALREADY_EXISTS', async () => {
    const c = await ctx();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        c.ledger.post('/v1/agencies', c.tokens.admin, {
          agencyId: 'essex-fire',
          name: `Essex Fire ${i}`,
          kind: 'fire',
        }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of responses.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(r.json().code).toBe('ALREADY_EXISTS');
    }
    expect(
      (await allEvents(c.ledger)).filter(
        (e) => e.type === 'AgencyRegistered' && e.data.agencyId === 'essex-fire',
      ),
    ).toHaveLength(1);
  });

  it('parallel partner joins of one agency: one 201, the rest ALREADY_EXISTS', async () => {
    const c: Ctx = await ctx();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        c.ledger.post(`/v1/pots/${c.potId}/partners`, c.tokens.admin, {
          agencyId: 'nhs-mid-essex',
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([
      201, 409, 409, 409, 409, 409, 409, 409,
    ]);
    expect(
      (await potSummary(c)).partners.filter(
        (p: { agencyId: string }) => p.agencyId === 'nhs-mid-essex',
      ),
    ).toHaveLength(1);
  });
});
