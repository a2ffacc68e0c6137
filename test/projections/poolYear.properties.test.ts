/**
 * Properties of the memorandum account over random pool-year histories: several years of
 * contributions, allocations, spend and its reversals, settlements built by hand as the
 * contract says (release by funding of the year, the rest of an overspend shared by the year's
 * contributions, the host when nobody contributed) and risk-share payments no larger than the
 * debt. In every year: the two ways to the closing balance agree, each scheme's split sums to
 * its spend, the partners' lines sum to the totals, and next year opens where this one closed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, money, sum } from '../../events/money.ts';
import { foldAll } from '../../projections/projection.ts';
import { poolYearProjection } from '../../projections/poolYear.ts';
import { memorandumAccount } from '../../projections/poolYearReports.ts';
import { build, YEARS, yearPlan } from './poolYearHistories.ts';

describe('memorandum account: properties over random histories', () => {
  for (const tracking of [true, false])
    it(`both ways to the closing balance agree in every year; every split sums to its whole (spend tracking ${tracking ? 'on' : 'off'})`, () => {
      fc.assert(
        fc.property(fc.array(yearPlan, { minLength: 1, maxLength: 3 }), (plan) => {
          const { events, potId } = build(plan, tracking);
          const state = foldAll(poolYearProjection, events);
          let previousClosing: string | null = null;
          for (const fy of YEARS) {
            const m = memorandumAccount(state, potId, fy)!;
            expect(m.reconciliation.agrees, JSON.stringify(m.reconciliation)).toBe(true);
            expect(m.reconciliation.closingBalanceFromPot).toBe(m.totals.closingBalance);
            for (const scheme of m.expenditureByScheme)
              expect(formatAmount(sum(scheme.funding.map((f) => money(f.amount))))).toBe(
                scheme.spent,
              );
            const line = (k: 'shareOfExpenditure' | 'closingBalance' | 'openingBalance') =>
              formatAmount(sum(m.partners.map((p) => money(p[k]))));
            expect(line('shareOfExpenditure')).toBe(m.totals.expenditure);
            expect(line('openingBalance')).toBe(m.reconciliation.openingBalanceFromPot);
            for (const p of m.partners)
              expect(
                money(p.owedByPot).minus(money(p.owedToPot)).equals(money(p.closingBalance)),
              ).toBe(true);
            if (previousClosing !== null) expect(m.totals.openingBalance).toBe(previousClosing);
            previousClosing = m.totals.closingBalance;
          }
        }),
        { numRuns: 150 },
      );
    });
});
