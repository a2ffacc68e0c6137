/**
 * The books as they stood, around the pot's controls: a four-eyes request dated after asAt takes
 * its decisions with it, and an atPosition inside one append (an approval and the allocation it
 * authorises) is read at the end of that append — the ledger never stood between them.
 */
import { describe, expect, it } from 'vitest';
import { allEvents, contribute, expectWritten, useScenario, type Ctx } from './helpers.ts';

const AFTER_THE_REQUEST = () => '2026-11-24T09:00:00.000Z';

async function requestApproved(c: Ctx): Promise<{ allocationId: string }> {
  expectWritten(
    await c.ledger.post(`/v1/pots/${c.potId}/approval-threshold`, c.tokens.admin, {
      approvalThreshold: '1000.00',
      reason: 'Four eyes',
    }),
    ['approvalThreshold'],
  );
  const request = expectWritten(
    await c.ledger.post(`/v1/pots/${c.potId}/allocations`, c.tokens.cc, {
      interventionId: c.interventionId,
      amount: '2000.00',
      effectiveDate: '2026-06-01',
      reason: 'Cohort two',
    }),
    ['allocationId', 'status', 'approvalReason'],
  );
  const allocationId = request.allocationId as string;
  expect(
    (
      await c.ledger.post(
        `/v1/pots/${c.potId}/allocations/${allocationId}/approve`,
        c.tokens.cc,
        {},
      )
    ).statusCode,
  ).toBe(409);
  expectWritten(
    await c.ledger.post(
      `/v1/pots/${c.potId}/allocations/${allocationId}/approve`,
      c.tokens.police,
      {},
    ),
    ['allocationId', 'status', 'fundingShares'],
  );
  return { allocationId };
}

describe('point in time around four-eyes decisions', () => {
  const ctx = useScenario({ clock: AFTER_THE_REQUEST });

  it('asAt before a decided request: 200 on every books route, the request and its decisions left out together', async () => {
    const c = await ctx();
    await requestApproved(c);
    for (const url of [
      `/v1/pots/${c.potId}?asAt=2026-01-01`,
      `/v1/pots?asAt=2026-01-01`,
      `/v1/pots/${c.potId}/exceptions?asAt=2026-01-01`,
      `/v1/agencies/essex-cc/balances?asAt=2026-01-01`,
      `/v1/audit?potId=${c.potId}&asAt=2026-01-01`,
      `/v1/flows?asAt=2026-01-01`,
    ]) {
      const res = await c.ledger.get(url, c.tokens.auditor);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    }
    const pot = (
      await c.ledger.get(`/v1/pots/${c.potId}?asAt=2026-01-01`, c.tokens.auditor)
    ).json();
    expect(pot).toMatchObject({ allocated: '0.00', available: '500000.00', pendingApprovals: [] });
    const exceptions = (
      await c.ledger.get(`/v1/pots/${c.potId}/exceptions?asAt=2026-01-01`, c.tokens.auditor)
    ).json();
    expect(exceptions.exceptions).toEqual([]);
    // On the request's own date, it and everything decided on it count.
    const then = (
      await c.ledger.get(`/v1/pots/${c.potId}?asAt=2026-06-01`, c.tokens.auditor)
    ).json();
    expect(then).toMatchObject({
      allocated: '2000.00',
      available: '498000.00',
      pendingApprovals: [],
    });
  });

  it('atPosition on the approval itself reads the books at the end of its append: approved and allocated, never half of it', async () => {
    const c = await ctx();
    await requestApproved(c);
    const events = await allEvents(c.ledger);
    const approved = events.find((e) => e.type === 'AllocationApproved')!;
    const allocated = events.find(
      (e) => e.type === 'FundsAllocated' && e.data.allocationId === approved.data.allocationId,
    )!;
    expect(BigInt(allocated.position)).toBeGreaterThan(BigInt(approved.position));
    const res = await c.ledger.get(
      `/v1/pots/${c.potId}?atPosition=${approved.position}`,
      c.tokens.auditor,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['ledger-position']).toBe(allocated.position);
    expect(res.json()).toMatchObject({ allocated: '2000.00', pendingApprovals: [] });
    // Just before the append, the request is still pending and nothing is allocated.
    const before = (
      await c.ledger.get(
        `/v1/pots/${c.potId}?atPosition=${BigInt(approved.position) - 1n}`,
        c.tokens.auditor,
      )
    ).json();
    expect(before.allocated).toBe('0.00');
    expect(before.pendingApprovals).toHaveLength(1);
  });

  it('an unrelated later write does not move an atPosition that ends an append', async () => {
    const c = await ctx();
    const { allocationId } = await requestApproved(c);
    expectWritten(
      await contribute(c, c.tokens.cc, 'essex-cc', '10.00', { effectiveDate: '2026-07-01' }),
      ['contributionId'],
    );
    const events = await allEvents(c.ledger);
    const allocated = events.find(
      (e) => e.type === 'FundsAllocated' && e.data.allocationId === allocationId,
    )!;
    const res = await c.ledger.get(
      `/v1/pots/${c.potId}?atPosition=${allocated.position}`,
      c.tokens.auditor,
    );
    expect(res.headers['ledger-position']).toBe(allocated.position);
    expect(res.json().contributed).toBe('500000.00');
  });
});
