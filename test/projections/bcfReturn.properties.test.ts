/**
 * The Better Care Fund return over random BCF years: schemes of random types, streams and
 * commissioner splits, allocations (some dated outside the year), spend and contributions by
 * stream. Its expenditure totals equal the Q4 monitoring report's totals (budget, actual); each
 * scheme's split rows sum to its own figures; actual income equals the stream contributions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, fromPence, money } from '../../events/money.ts';
import { foldAll } from '../../projections/projection.ts';
import { poolYearProjection } from '../../projections/poolYear.ts';
import { monitoringReport } from '../../projections/poolYearReports.ts';
import { bcfReturn } from '../../projections/bcfReturn.ts';
import { createHistory } from './envelopes.ts';
import { poolYearBuilders } from './poolYearFixtures.ts';

const pounds = (pence: number) => formatAmount(fromPence(BigInt(pence)));
const STREAMS = ['nhs-minimum', 'dfg', 'la-bcf', 'discharge', 'additional-la'] as const;
const DATES = ['2025-04-01', '2025-08-15', '2026-03-31', '2026-04-01'] as const;

const plan = fc.record({
  schemes: fc.array(
    fc.record({
      type: fc.constantFrom('Reablement', 'Home care', 'DFG related schemes'),
      stream: fc.constantFrom(...STREAMS),
      ccPercent: fc.constantFrom('100', '66.67', '50', '33.33', '0'),
      detailed: fc.boolean(),
      allocations: fc.array(
        fc.tuple(fc.constantFrom(...DATES), fc.integer({ min: 1, max: 1_000_000_00 })),
        { maxLength: 3 },
      ),
      spends: fc.array(
        fc.tuple(fc.constantFrom(...DATES), fc.integer({ min: 1, max: 1_000_000_00 })),
        { maxLength: 3 },
      ),
    }),
    { maxLength: 4 },
  ),
  contributions: fc.array(
    fc.tuple(
      fc.constantFrom('essex-cc', 'essex-police'),
      fc.constantFrom(...STREAMS),
      fc.constantFrom(...DATES),
      fc.integer({ min: 1, max: 1_000_000_00 }),
    ),
    { maxLength: 5 },
  ),
  tracking: fc.boolean(),
});

describe('Better Care Fund return properties', () => {
  it('return totals equal the Q4 monitoring totals; income actual equals stream contributions in the year', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const h = createHistory();
        const b = poolYearBuilders(h);
        const potId = h.openPot({
          name: 'BCF',
          area: 'Mid Essex',
          hostAgencyId: 'essex-cc',
          partnerAgencyIds: ['essex-police'],
        }).data.potId;
        b.agree(potId, 1, {
          spendTracking: p.tracking,
          betterCareFund: { healthAndWellbeingBoard: 'Mid Essex' },
        });
        let received = 0;
        for (const [agencyId, stream, date, pence] of p.contributions) {
          h.append({
            type: 'ContributionReceived',
            data: {
              potId,
              contributionId: h.id(),
              agencyId,
              amount: pounds(pence),
              effectiveDate: date,
              reference: 'C',
              fundingStream: stream,
            },
          });
          if (date <= '2026-03-31') received += pence;
        }
        for (const s of p.schemes) {
          const id = h.defineIntervention(potId, s.type, 'essex-police').data.interventionId;
          if (s.detailed) {
            const commissioner =
              s.ccPercent === '100'
                ? [{ agencyId: 'essex-cc', percent: '100' }]
                : [
                    { agencyId: 'essex-cc', percent: s.ccPercent },
                    {
                      agencyId: 'essex-police',
                      percent: money(100).minus(money(s.ccPercent)).toString(),
                    },
                  ];
            h.append({
              type: 'SchemeDetailsRecorded',
              data: {
                potId,
                interventionId: id,
                schemeType: s.type,
                fundingSource: s.stream,
                commissioner,
                recurrent: true,
                expenditure: 'revenue',
              },
            });
          }
          for (const [date, pence] of s.allocations)
            h.allocate(potId, id, { 'essex-cc': pounds(pence) }, date, 'plan');
          if (p.tracking)
            for (const [date, pence] of s.spends) b.spend(potId, id, pounds(pence), date);
        }
        const books = foldAll(poolYearProjection, h.events);
        const ret = bcfReturn(books, potId, '2025-26');
        const mon = monitoringReport(books, potId, '2025-26', 4)!;
        if (ret === null || ret === 'not-bcf') throw new Error('expected a return');
        expect(ret.totals.expenditurePlanned).toBe(mon.totals.budget);
        expect(ret.totals.expenditureActual).toBe(mon.totals.actual);
        expect(ret.totals.incomeActual).toBe(pounds(received));
      }),
      { numRuns: 150 },
    );
  });
});
