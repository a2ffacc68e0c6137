/**
 * Issue 13 item 4 over HTTP: one year rule for every year-filtered report. An entry counts in
 * the financial year of its own effective date; a reversal or retraction counts in the year it
 * is dated in (never a closed one) and, when it corrects a closed year, is listed there as a
 * prior-period adjustment for that year. So GET /v1/flows, GET /v1/pots/:potId/cba and
 * GET /v1/pots/:potId/statement agree for every year, and a closed year's answers never move.
 */
import { describe, expect, it } from 'vitest';
import {
  allocate,
  contribute,
  expectWritten,
  head,
  recordOutcome,
  useScenario,
  type Ctx,
} from './helpers.ts';

/** After 31 March 2026, so 2025-26 has ended and can be closed. */
const TODAY = '2026-04-20';
const CLOCK = () => `${TODAY}T09:00:00.000Z`;

type Json = Record<string, any>;
const pence = (amount: string) => Math.round(Number(amount) * 100);
const pounds = (p: number) => (p / 100).toFixed(2);

async function get(c: Ctx, url: string): Promise<Json> {
  const res = await c.ledger.get(
    `${url}${url.includes('?') ? '&' : '?'}minPosition=${await head(c.ledger)}`,
    c.tokens.reporter,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Every year-filtered answer for one year, as served; the statement's last-read position aside. */
async function answers(c: Ctx, year: string) {
  const { position: _lastRead, ...statement } = await get(
    c,
    `/v1/pots/${c.potId}/statement?financialYear=${year}`,
  );
  return {
    flows: await get(c, `/v1/flows?potId=${c.potId}&financialYear=${year}`),
    cba: await get(c, `/v1/pots/${c.potId}/cba?financialYear=${year}`),
    statement,
  };
}

/** The year's net allocations and net benefits as each report gives them; they must agree. */
async function agreedTotals(c: Ctx, year: string) {
  const { flows, cba, statement } = await answers(c, year);
  const byReport = {
    flows: {
      allocated: pounds(flows.agencies.reduce((t: number, a: Json) => t + pence(a.invested), 0)),
      benefits: pounds(flows.rows.reduce((t: number, r: Json) => t + pence(r.amount), 0)),
    },
    cba: { allocated: cba.pot.cost.value, benefits: cba.pot.grossBenefits.total },
    statement: {
      allocated: statement.allocations.net,
      benefits: pounds(
        statement.interventions.reduce((t: number, i: Json) => t + pence(i.netBenefits), 0),
      ),
    },
  };
  expect(byReport.cba, `${year}: cba against flows`).toEqual(byReport.flows);
  expect(byReport.statement, `${year}: statement against flows`).toEqual(byReport.flows);
  expect(cba.priorPeriodAdjustments, `${year}: the same adjustments`).toEqual(
    flows.priorPeriodAdjustments,
  );
  return { ...byReport.flows, adjustments: flows.priorPeriodAdjustments as Json[], statement };
}

const closeYear = async (c: Ctx, year = '2025-26') =>
  expectWritten(
    await c.ledger.post(`/v1/pots/${c.potId}/financial-years/${year}/close`, c.tokens.admin, {
      reason: 'Accounts signed off',
    }),
    ['financialYear', 'closedThrough'],
  );
/** Reverses an entry; an allocation's or contribution's answer also names the amount. */
const reverse = async (
  c: Ctx,
  eventId: string,
  extra: object = {},
  keys: string[] = ['type', 'reversedEventId', 'amount'],
) =>
  expectWritten(
    await c.ledger.post(`/v1/pots/${c.potId}/reversals`, c.tokens.admin, {
      eventId,
      reason: 'Counted in error',
      ...extra,
    }),
    keys,
  );

describe('one year rule for flows, cba and the statement (issue 13 item 4)', () => {
  const ctx = useScenario({ clock: CLOCK });

  it('the reproduction: a £500 outcome of a closed year, retracted as a prior-period adjustment, stays in its year and counts −£500 in the next', async () => {
    const c = await ctx();
    expectWritten(await allocate(c, '1000.00'), ['allocationId', 'status', 'fundingShares']);
    const outcome = expectWritten(
      await recordOutcome(c, {
        benefits: [{ agencyId: 'essex-police', amount: '500.00', cashable: true }],
      }),
      ['outcomeId', 'flows'],
    );
    await closeYear(c);
    const closed = JSON.stringify(await answers(c, '2025-26'));
    expect(await agreedTotals(c, '2025-26')).toMatchObject({
      allocated: '1000.00',
      benefits: '500.00',
      adjustments: [],
    });

    const retraction = await reverse(c, outcome.eventId, { priorPeriodAdjustment: '2025-26' }, [
      'type',
      'reversedEventId',
    ]);
    // Later business, all dated in the open year, for good measure.
    expectWritten(
      await contribute(c, c.tokens.cc, 'essex-cc', '50.00', { effectiveDate: '2026-04-21' }),
      ['contributionId'],
    );
    expectWritten(await allocate(c, '20.00', { effectiveDate: '2026-04-22' }), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    expectWritten(
      await recordOutcome(c, {
        effectiveDate: '2026-04-23',
        benefits: [{ agencyId: 'essex-cc', amount: '7.00', cashable: false }],
      }),
      ['outcomeId', 'flows'],
    );

    // The closed year's answers are byte for byte what they were before the retraction.
    expect(JSON.stringify(await answers(c, '2025-26'))).toBe(closed);
    expect(await agreedTotals(c, '2025-26')).toMatchObject({
      allocated: '1000.00',
      benefits: '500.00',
      adjustments: [],
    });

    // 2026-27 carries the retraction, negative, labelled with the year it corrects.
    const line = {
      position: retraction.position,
      eventId: retraction.eventId,
      type: 'OutcomeRetracted',
      effectiveDate: TODAY,
      forFinancialYear: '2025-26',
      amount: '-500.00',
    };
    const next = await agreedTotals(c, '2026-27');
    expect(next).toMatchObject({ allocated: '20.00', benefits: '-493.00', adjustments: [line] });
    expect(next.statement.priorPeriodAdjustments).toEqual([line]);
    expect(next.statement.reversals).toMatchObject([
      { type: 'OutcomeRetracted', reversedEventId: outcome.eventId, amount: '500.00' },
    ]);
    const flows2627 = await get(c, `/v1/flows?potId=${c.potId}&financialYear=2026-27`);
    expect(
      flows2627.rows
        .filter((r: Json) => r.toAgencyId === 'essex-police')
        .reduce((t: number, r: Json) => t + pence(r.amount), 0),
    ).toBe(-50_000);

    // Without a year: the net of everything — the outcome and its retraction cancel.
    const all = await get(c, `/v1/flows?potId=${c.potId}`);
    expect(all.rows.filter((r: Json) => r.toAgencyId === 'essex-police')).toEqual([]);
    expect(all.priorPeriodAdjustments).toEqual([line]);
    const cbaAll = await get(c, `/v1/pots/${c.potId}/cba`);
    expect(cbaAll.pot.grossBenefits.total).toBe('7.00');
    expect(cbaAll.pot.cost.value).toBe('1020.00');
  });

  it('an allocation of a closed year reversed, and a late contribution, as prior-period adjustments: every report agrees per year', async () => {
    const c = await ctx();
    expectWritten(await allocate(c, '1000.00'), ['allocationId', 'status', 'fundingShares']);
    expectWritten(
      await recordOutcome(c, {
        benefits: [{ agencyId: 'nhs-mid-essex', amount: '300.00', cashable: false }],
      }),
      ['outcomeId', 'flows'],
    );
    // Allocated after the outcome, so no outcome stands on it and it may be reversed
    // (an allocation under a standing outcome may not: OUTCOMES_DEPEND_ON_ALLOCATION).
    const allocation = expectWritten(await allocate(c, '500.00'), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    await closeYear(c);
    const closed = JSON.stringify(await answers(c, '2025-26'));
    const reversal = await reverse(c, allocation.eventId, { priorPeriodAdjustment: '2025-26' });
    const late = expectWritten(
      await contribute(c, c.tokens.cc, 'essex-cc', '40.00', {
        effectiveDate: '2026-04-21',
        priorPeriodAdjustment: '2025-26',
        reference: 'Late invoice',
      }),
      ['contributionId'],
    );
    expect(JSON.stringify(await answers(c, '2025-26'))).toBe(closed);
    expect(await agreedTotals(c, '2025-26')).toMatchObject({
      allocated: '1500.00',
      benefits: '300.00',
    });
    const next = await agreedTotals(c, '2026-27');
    expect(next).toMatchObject({ allocated: '-500.00', benefits: '0.00' });
    // Flows and cba list the allocation's reversal; the statement also lists the late contribution.
    expect(next.adjustments).toMatchObject([
      {
        eventId: reversal.eventId,
        type: 'AllocationReversed',
        forFinancialYear: '2025-26',
        amount: '-500.00',
      },
    ]);
    expect(next.statement.priorPeriodAdjustments).toMatchObject([
      { eventId: reversal.eventId, type: 'AllocationReversed', amount: '-500.00' },
      { eventId: late.eventId, type: 'ContributionReceived', amount: '40.00' },
    ]);
    expect(next.statement.contributions).toEqual({
      received: '40.00',
      reversed: '0.00',
      net: '40.00',
    });
    // The reversal gives the funding back to the stakes in 2026-27, where it is dated.
    expect(next.statement.allocations).toEqual({
      allocated: '0.00',
      reversed: '500.00',
      net: '-500.00',
    });
  });

  it('in an open year, an entry reversed the same year counts nothing; reversed in a later year, it counts in each', async () => {
    const c = await ctx();
    const first = expectWritten(await allocate(c, '300.00', { effectiveDate: '2025-06-01' }), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    const second = expectWritten(await allocate(c, '200.00', { effectiveDate: '2025-07-01' }), [
      'allocationId',
      'status',
      'fundingShares',
    ]);
    await reverse(c, first.eventId, { effectiveDate: '2025-08-01' });
    await reverse(c, second.eventId);
    expect(await agreedTotals(c, '2025-26')).toMatchObject({
      allocated: '200.00',
      benefits: '0.00',
      adjustments: [],
    });
    expect(await agreedTotals(c, '2026-27')).toMatchObject({
      allocated: '-200.00',
      benefits: '0.00',
      adjustments: [],
    });
    expect((await get(c, `/v1/pots/${c.potId}/cba`)).pot.cost.value).toBe('0.00');
  });
});
