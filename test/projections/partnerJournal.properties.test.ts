/**
 * Properties of partner journals over random pool-year histories (poolYearHistories.ts): for
 * every partner and year, the journal balances (Σ debit = Σ credit) and its lines sum to the
 * partner's figures in the memorandum account, line type by line type.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, money, sum, ZERO, type Money } from '../../events/money.ts';
import { JOURNAL_LINE_TYPES, type JournalLineType } from '../../events/journalMapping.ts';
import { partnerJournal, type JournalLine } from '../../projections/partnerJournal.ts';
import { foldAll } from '../../projections/projection.ts';
import { poolYearProjection } from '../../projections/poolYear.ts';
import { memorandumAccount } from '../../projections/poolYearReports.ts';
import { build, PARTNERS, YEARS, yearPlan } from './poolYearHistories.ts';

/** A line's amount on its natural side: debit − credit, or credit − debit. */
function net(lines: readonly JournalLine[], lineType: JournalLineType, side: 'dr' | 'cr'): Money {
  return sum(
    lines
      .filter((l) => l.lineType === lineType)
      .map((l) => {
        const dr = money(l.debit).minus(money(l.credit));
        return side === 'dr' ? dr : dr.negated();
      }),
  );
}

describe('partner journals: properties over random histories', () => {
  for (const tracking of [true, false])
    it(`every journal balances and posts its partner's memorandum figures (spend tracking ${tracking ? 'on' : 'off'})`, () => {
      fc.assert(
        fc.property(
          fc.array(yearPlan, { minLength: 1, maxLength: 3 }),
          fc.option(fc.subarray([...JOURNAL_LINE_TYPES], { minLength: 1 })),
          (plan, mappedTypes) => {
            const { events, potId, history } = build(plan, tracking);
            // The council may keep a mapping of some line types; the police keeps none.
            if (mappedTypes !== null)
              history.append({
                type: 'JournalMappingRecorded',
                data: {
                  potId,
                  agencyId: 'essex-cc',
                  version: 1,
                  lines: Object.fromEntries(
                    mappedTypes.map((t) => [t, { costCentre: `CC-${t}`, accountCode: `AC-${t}` }]),
                  ),
                },
              });
            const state = foldAll(poolYearProjection, events);
            for (const fy of YEARS) {
              const account = memorandumAccount(state, potId, fy)!;
              for (const agencyId of PARTNERS) {
                const answer = partnerJournal(state, potId, agencyId, fy);
                if (answer.kind !== 'journal') throw new Error(answer.kind);
                const j = answer.journal;
                const m = account.partners.find((p) => p.agencyId === agencyId)!;
                expect(j.memorandum).toEqual(m);
                const mapped = agencyId === 'essex-cc' && mappedTypes !== null;
                expect(j.mapped).toBe(mapped);
                expect(j.note === null).toBe(mapped && j.unmappedLineTypes.length === 0);
                // Each line is on one side, never negative, never zero.
                for (const l of j.lines) {
                  const dr = money(l.debit);
                  const cr = money(l.credit);
                  expect(dr.isNegative() || cr.isNegative()).toBe(false);
                  expect(dr.isZero() !== cr.isZero(), JSON.stringify(l)).toBe(true);
                  if (mapped && mappedTypes.includes(l.lineType)) {
                    expect([l.costCentre, l.accountCode]).toEqual([
                      `CC-${l.lineType}`,
                      `AC-${l.lineType}`,
                    ]);
                  } else {
                    expect([l.costCentre, l.accountCode]).toEqual(['', l.lineType]);
                    expect(j.unmappedLineTypes).toContain(l.lineType);
                  }
                }
                const debits = sum(j.lines.map((l) => money(l.debit)));
                const credits = sum(j.lines.map((l) => money(l.credit)));
                expect(formatAmount(debits)).toBe(formatAmount(credits));
                expect(j.totals).toEqual({
                  debit: formatAmount(debits),
                  credit: formatAmount(credits),
                });
                const f = (k: keyof typeof m) => money(m[k]);
                const same = (a: Money, b: Money) => expect(formatAmount(a)).toBe(formatAmount(b));
                same(net(j.lines, 'contribution', 'cr'), f('contributions'));
                same(net(j.lines, 'returned', 'dr'), f('returned'));
                same(net(j.lines, 'riskSharePaid', 'cr'), f('riskSharePaid'));
                same(net(j.lines, 'deficitShare', 'dr'), f('shareOfDeficit'));
                same(net(j.lines, 'surplusShare', 'cr'), f('shareOfSurplus'));
                same(
                  net(j.lines, 'expenditure', 'dr')
                    .plus(f('shareOfDeficit'))
                    .minus(f('shareOfSurplus')),
                  f('shareOfExpenditure'),
                );
                same(
                  net(j.lines, 'owedToPot', 'cr'),
                  f('shareOfDeficit').minus(f('riskSharePaid')),
                );
                same(
                  net(j.lines, 'poolBalance', 'dr'),
                  f('closingBalance')
                    .minus(f('openingBalance'))
                    .plus(f('shareOfDeficit'))
                    .minus(f('riskSharePaid')),
                );
                // Expenditure lines: one per scheme, each naming it.
                const schemes = j.lines.filter((l) => l.lineType === 'expenditure');
                expect(new Set(schemes.map((l) => l.schemeId)).size).toBe(schemes.length);
                expect(schemes.every((l) => l.schemeId !== undefined)).toBe(true);
              }
              // Across partners, the expenditure the journals post is the year's expenditure.
              const posted = PARTNERS.reduce((acc, agencyId) => {
                const answer = partnerJournal(state, potId, agencyId, fy);
                if (answer.kind !== 'journal') return acc;
                const l = answer.journal.lines;
                return acc
                  .plus(net(l, 'expenditure', 'dr'))
                  .plus(net(l, 'deficitShare', 'dr'))
                  .minus(net(l, 'surplusShare', 'cr'));
              }, ZERO);
              expect(formatAmount(posted)).toBe(account.totals.expenditure);
            }
          },
        ),
        { numRuns: 150 },
      );
    });
});
