/**
 * Random pool-year histories for properties (test/projections/poolYear.properties.test.ts,
 * test/projections/partnerJournal.properties.test.ts): several years of contributions,
 * allocations, spend and its reversals, settlements built by hand as the contract says (release
 * by funding of the year, the rest of an overspend shared by the year's contributions, the host
 * when nobody contributed) and risk-share payments no larger than the debt.
 */
import fc from 'fast-check';
import { formatAmount, fromPence, money, splitByWeights, toPence } from '../../events/money.ts';
import type { SettledScheme } from '../../events/poolYear.ts';
import { createHistory } from './envelopes.ts';
import { poolYearBuilders } from './poolYearFixtures.ts';

export const PARTNERS = ['essex-cc', 'essex-police'] as const;
export const YEARS = ['2024-25', '2025-26', '2026-27'] as const;
const pounds = (pence: number) => formatAmount(fromPence(BigInt(pence)));

export const yearPlan = fc.record({
  contributions: fc.array(
    fc.tuple(fc.constantFrom(...PARTNERS), fc.integer({ min: 1, max: 5_000_00 })),
    { maxLength: 3 },
  ),
  allocations: fc.array(
    fc.tuple(
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: 0, max: 2_000_00 }),
      fc.integer({ min: 0, max: 2_000_00 }),
    ),
    { maxLength: 3 },
  ),
  spends: fc.array(
    fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 3_000_00 }), fc.boolean()),
    { maxLength: 4 },
  ),
  settle: fc.boolean(),
  payRiskShare: fc.boolean(),
});

export type YearPlan = typeof yearPlan extends fc.Arbitrary<infer T> ? T : never;

export function build(plan: readonly YearPlan[], tracking: boolean) {
  const h = createHistory();
  const b = poolYearBuilders(h);
  const potId = h.openPot({
    name: 'P',
    area: 'A',
    hostAgencyId: 'essex-cc',
    partnerAgencyIds: ['essex-police'],
  }).data.potId;
  if (tracking) b.agree(potId);
  const schemes = [
    h.defineIntervention(potId, 'X', 'essex-cc').data.interventionId,
    h.defineIntervention(potId, 'Y', 'essex-cc').data.interventionId,
  ];
  const debts = new Map<string, bigint>();
  plan.forEach((year, index) => {
    const fy = YEARS[index]!;
    const start = Number(fy.slice(0, 4));
    const contributed = new Map<string, bigint>();
    for (const [agencyId, pence] of year.contributions) {
      h.contribute(potId, agencyId, pounds(pence), `${start}-04-10`, 'PO');
      contributed.set(agencyId, (contributed.get(agencyId) ?? 0n) + BigInt(pence));
    }
    // Last year's risk share, paid in this year (never more than owed).
    if (year.payRiskShare)
      for (const [key, owed] of debts)
        if (owed > 0n) {
          const [agencyId, forYear] = key.split(' ');
          b.riskShare(potId, agencyId!, pounds(Number(owed)), `${start}-05-01`, forYear!);
          debts.set(key, 0n);
        }
    const funding = schemes.map(() => new Map<string, bigint>());
    for (const [s, cc, police] of year.allocations) {
      const shares: Record<string, string> = {};
      if (cc > 0) shares['essex-cc'] = pounds(cc);
      if (police > 0) shares['essex-police'] = pounds(police);
      if (Object.keys(shares).length === 0) continue;
      h.allocate(potId, schemes[s]!, shares, `${start}-06-01`, 'r');
      funding[s]!.set('essex-cc', (funding[s]!.get('essex-cc') ?? 0n) + BigInt(cc));
      funding[s]!.set('essex-police', (funding[s]!.get('essex-police') ?? 0n) + BigInt(police));
    }
    const spent = schemes.map(() => 0n);
    if (tracking)
      for (const [s, pence, reverse] of year.spends) {
        const spend = b.spend(potId, schemes[s]!, pounds(pence), `${start}-09-01`);
        spent[s]! += BigInt(pence);
        if (reverse) {
          b.reverseSpend(spend, `${start}-10-01`);
          spent[s]! -= BigInt(pence);
        }
      }
    if (!tracking || !year.settle) return;
    const owed = new Map<string, bigint>();
    const settled: SettledScheme[] = schemes.flatMap((interventionId, s) => {
      const f = funding[s]!;
      const budget = [...f.values()].reduce((x, y) => x + y, 0n);
      if (budget === 0n && spent[s] === 0n) return [];
      const under = budget > spent[s]! ? budget - spent[s]! : 0n;
      const over = spent[s]! > budget ? spent[s]! - budget : 0n;
      const lines = (parts: { key: string; amount: ReturnType<typeof money> }[]) =>
        parts
          .filter((p) => p.amount.gt(0))
          .map((p) => ({ agencyId: p.key, amount: formatAmount(p.amount) }));
      const weights = (m: Map<string, bigint>) =>
        PARTNERS.filter((a) => (m.get(a) ?? 0n) > 0n).map((key) => ({
          key,
          weight: fromPence(m.get(key)!),
        }));
      const released = under > 0n ? lines(splitByWeights(fromPence(under), weights(f))) : [];
      const shareWeights = weights(contributed);
      const shared =
        over === 0n
          ? []
          : shareWeights.length === 0
            ? [{ agencyId: 'essex-cc', amount: pounds(Number(over)) }]
            : lines(splitByWeights(fromPence(over), shareWeights));
      for (const line of shared)
        owed.set(line.agencyId, (owed.get(line.agencyId) ?? 0n) + toPence(money(line.amount)));
      return [
        {
          interventionId,
          budget: pounds(Number(budget)),
          spent: formatAmount(fromPence(spent[s]!)),
          underspend: pounds(Number(under)),
          overspend: pounds(Number(over)),
          fundingOfYear: PARTNERS.map((agencyId) => ({
            agencyId,
            amount: pounds(Number(f.get(agencyId) ?? 0n)),
          })),
          released,
          covered: [],
          shared,
          fellToHost: '0.00',
        },
      ];
    });
    b.settle(potId, fy, settled, {
      overspend: { policy: 'warn', coverFromPot: false, share: 'contributions' },
      owedByPartners: [...owed].map(([agencyId, pence]) => ({
        agencyId,
        amount: pounds(Number(pence)),
      })),
    });
    for (const [agencyId, pence] of owed) debts.set(`${agencyId} ${fy}`, pence);
  });
  return { events: h.events, potId, history: h };
}
