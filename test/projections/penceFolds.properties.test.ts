/**
 * Issue 18: the pooled-fund year (projections/poolYear.ts) and the cost-benefit inputs
 * (projections/costBenefitInputs.ts) fold whole pence (bigint) instead of Decimal. Over random
 * histories — small amounts, £1 trillion lines (MAX_AMOUNT), many lines, reversals — every
 * figure the reports build from those folds equals the same figure added up with decimal.js
 * from the events' own amount strings: no penny created or lost, not a byte of an answer moved.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatAmount,
  fromPence,
  MAX_AMOUNT,
  money,
  sum,
  ZERO,
  type Money,
} from '../../events/money.ts';
import { costBenefitReport } from '../../projections/costBenefit.ts';
import { costBenefitInputsProjection } from '../../projections/costBenefitInputs.ts';
import { poolYearProjection } from '../../projections/poolYear.ts';
import { memorandumAccount, monitoringReport } from '../../projections/poolYearReports.ts';
import { foldAll } from '../../projections/projection.ts';
import { readDeflatorFile } from '../../src/unitCosts/unitCostFile.ts';
import { benefit, createHistory, flow } from './envelopes.ts';
import { poolYearBuilders } from './poolYearFixtures.ts';

const DEFLATORS = readDeflatorFile();
const PARTNERS: readonly string[] = ['essex-cc', 'essex-police'];
/** Dates in two financial years, one per quarter, so every quarter's report has something to add. */
const DATES: readonly string[] = [
  '2025-05-01',
  '2025-08-01',
  '2025-11-01',
  '2026-02-01',
  '2026-05-01',
  '2026-08-01',
  '2026-11-01',
  '2027-02-01',
];
const dateAt = (index: number): string => DATES[index]!;
const partnerAt = (index: number): string => PARTNERS[index]!;
const YEARS = ['2025-26', '2026-27'] as const;
const MAX_AMOUNT_PENCE = 100_000_000_000_000n;

/** A line's amount: pennies, everyday sums, anything up to £1 trillion, and £1 trillion itself. */
const amountText = fc
  .oneof(
    fc.bigInt(1n, 100n),
    fc.bigInt(1n, 10_000_000n),
    fc.bigInt(1n, MAX_AMOUNT_PENCE),
    fc.constant(MAX_AMOUNT_PENCE),
  )
  .map((pence) => formatAmount(fromPence(pence)));

const op = fc
  .record({
    kind: fc.constantFrom('contribute', 'allocate', 'spend', 'commit'),
    partner: fc.integer({ min: 0, max: 1 }),
    scheme: fc.integer({ min: 0, max: 1 }),
    date: fc.integer({ min: 0, max: DATES.length - 1 }),
    amount: amountText,
    /** For an allocation: the second partner's share as well. */
    second: fc.option(amountText, { nil: undefined }),
    reverse: fc.boolean(),
  })
  // An allocation's amount is the sum of its shares, itself at most MAX_AMOUNT.
  .map((o) =>
    o.second !== undefined && money(o.amount).plus(money(o.second)).gt(money(MAX_AMOUNT))
      ? { ...o, second: undefined }
      : o,
  );
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

const yearOf = (date: string) => (date < '2026-04-01' ? '2025-26' : '2026-27');

/** The decimal.js reference: what each figure must be, added up from the ops' strings. */
function reference(ops: readonly Op[], financialYear: string, end: string) {
  const figures = [0, 1].map(() => ({ budget: ZERO, actual: ZERO, committed: ZERO }));
  const received = new Map<string, Money>(PARTNERS.map((p) => [p, ZERO]));
  const contributedInYear = new Map<string, Money>(PARTNERS.map((p) => [p, ZERO]));
  for (const o of ops) {
    const date = dateAt(o.date);
    if (yearOf(date) !== financialYear) continue;
    // Reversals are dated with their original, so a reversed entry nets to nothing.
    const amount = o.reverse ? ZERO : money(o.amount);
    const f = figures[o.scheme]!;
    if (o.kind === 'contribute') {
      const p = partnerAt(o.partner);
      contributedInYear.set(p, contributedInYear.get(p)!.plus(amount));
      if (date <= end) received.set(p, received.get(p)!.plus(amount));
    }
    if (date > end) continue;
    if (o.kind === 'allocate')
      f.budget = f.budget.plus(o.reverse ? ZERO : sum([amount, money(o.second ?? '0')]));
    if (o.kind === 'spend') f.actual = f.actual.plus(amount);
    if (o.kind === 'commit') f.committed = f.committed.plus(money(o.amount));
  }
  return { figures, received, contributedInYear };
}

function poolYearHistory(ops: readonly Op[]) {
  const h = createHistory();
  const b = poolYearBuilders(h);
  const potId = h.openPot({
    name: 'P',
    area: 'A',
    hostAgencyId: 'essex-cc',
    partnerAgencyIds: ['essex-police'],
  }).data.potId;
  b.agree(potId);
  const schemes = [
    h.defineIntervention(potId, 'X', 'essex-cc').data.interventionId,
    h.defineIntervention(potId, 'Y', 'essex-cc').data.interventionId,
  ];
  for (const o of ops) {
    const date = dateAt(o.date);
    const partner = partnerAt(o.partner);
    const scheme = schemes[o.scheme]!;
    if (o.kind === 'contribute') {
      const c = h.contribute(potId, partner, o.amount, date, 'PO');
      if (o.reverse) h.reverseContribution(c, 'mistake', date);
    } else if (o.kind === 'allocate') {
      const shares: Record<string, string> = { [partner]: o.amount };
      if (o.second !== undefined) shares[partnerAt(1 - o.partner)] = o.second;
      const a = h.allocate(potId, scheme, shares, date, 'r');
      if (o.reverse) h.reverseAllocation(a, 'mistake', date);
    } else if (o.kind === 'spend') {
      const s = b.spend(potId, scheme, o.amount, date);
      if (o.reverse) b.reverseSpend(s, date);
    } else {
      // A commitment raised is outstanding until released; released here in full when "reversed".
      b.commit(potId, scheme, o.amount, date);
    }
  }
  return { potId, schemes, events: h.events };
}

describe('the pooled-fund year in pence', () => {
  it('every monitoring and memorandum figure equals the decimal.js sum of the same amounts', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const { potId, schemes, events } = poolYearHistory(ops);
        const state = foldAll(poolYearProjection, events);
        for (const financialYear of YEARS) {
          for (const quarter of [1, 2, 3, 4]) {
            const report = monitoringReport(state, potId, financialYear, quarter)!;
            const ref = reference(ops, financialYear, report.quarterEnd);
            const listed = report.schemes.map((s) => [s.budget, s.actual, s.committed]);
            const expected = ref.figures
              .map((f) => [f.budget, f.actual, f.committed].map(formatAmount))
              .filter((_, i) =>
                ops.some(
                  (o) =>
                    o.scheme === i &&
                    yearOf(dateAt(o.date)) === financialYear &&
                    o.kind !== 'contribute',
                ),
              );
            expect(listed).toEqual(expected);
            expect(report.totals.budget).toBe(formatAmount(sum(ref.figures.map((f) => f.budget))));
            expect(report.totals.actual).toBe(formatAmount(sum(ref.figures.map((f) => f.actual))));
            expect(report.contributions.map((c) => c.received)).toEqual(
              PARTNERS.map((p) => formatAmount(ref.received.get(p)!)),
            );
          }
          const memorandum = memorandumAccount(state, potId, financialYear)!;
          const ref = reference(ops, financialYear, '9999-12-31');
          for (const partner of memorandum.partners)
            expect(partner.contributions).toBe(
              formatAmount(ref.contributedInYear.get(partner.agencyId) ?? ZERO),
            );
          for (const scheme of memorandum.expenditureByScheme)
            expect(scheme.spent).toBe(
              formatAmount(ref.figures[schemes.indexOf(scheme.interventionId)]!.actual),
            );
        }
      }),
      { numRuns: 60 },
    );
  });
});

const outcomeArb = fc.record({
  date: fc.integer({ min: 0, max: DATES.length - 1 }),
  lines: fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), amountText, fc.boolean()), {
    minLength: 1,
    maxLength: 20,
  }),
  retract: fc.option(fc.integer({ min: 0, max: DATES.length - 1 }), { nil: undefined }),
});
const allocationArb = fc.record({
  date: fc.integer({ min: 0, max: DATES.length - 1 }),
  amount: amountText,
  reverse: fc.option(fc.integer({ min: 0, max: DATES.length - 1 }), { nil: undefined }),
});

describe('the cost-benefit inputs in pence', () => {
  it('cost and gross benefits equal the decimal.js sums, for every year and for all years', () => {
    fc.assert(
      fc.property(
        fc.array(allocationArb, { maxLength: 40 }),
        fc.array(outcomeArb, { maxLength: 10 }),
        (allocations, outcomes) => {
          const h = createHistory();
          const potId = h.openPot({
            name: 'P',
            area: 'A',
            hostAgencyId: 'essex-cc',
            partnerAgencyIds: ['essex-police'],
          }).data.potId;
          const interventionId = h.defineIntervention(potId, 'X', 'essex-cc').data.interventionId;
          // Later-dated undoings are appended after every entry, so the log stays in date order per entry.
          const undo: (() => void)[] = [];
          for (const a of allocations) {
            const event = h.allocate(
              potId,
              interventionId,
              { 'essex-cc': a.amount },
              dateAt(a.date),
              'r',
            );
            if (a.reverse !== undefined)
              undo.push(() =>
                h.reverseAllocation(event, 'mistake', dateAt(Math.max(a.date, a.reverse!))),
              );
          }
          for (const o of outcomes) {
            const event = h.recordOutcome(potId, interventionId, {
              description: 'families in work',
              effectiveDate: dateAt(o.date),
              benefits: o.lines.map(([p, amount, cashable]) =>
                benefit(partnerAt(p), amount, cashable),
              ),
              flows: [flow('essex-cc', 'essex-police', '0.01', true)],
            });
            if (o.retract !== undefined)
              undo.push(() =>
                h.retractOutcome(event, 'mistake', dateAt(Math.max(o.date, o.retract!))),
              );
          }
          for (const u of undo) u();
          const state = foldAll(costBenefitInputsProjection, h.events);
          for (const financialYear of [undefined, ...YEARS]) {
            const counts = (date: string) =>
              financialYear === undefined || yearOf(date) === financialYear;
            let cost = ZERO;
            for (const a of allocations) {
              if (counts(dateAt(a.date))) cost = cost.plus(money(a.amount));
              if (a.reverse !== undefined && counts(dateAt(Math.max(a.date, a.reverse))))
                cost = cost.minus(money(a.amount));
            }
            let cashable = ZERO;
            let nonCashable = ZERO;
            for (const o of outcomes) {
              const sign =
                (counts(dateAt(o.date)) ? 1 : 0) -
                (o.retract !== undefined && counts(dateAt(Math.max(o.date, o.retract))) ? 1 : 0);
              for (const [, amount, isCashable] of o.lines) {
                const signed = money(amount).times(sign);
                if (isCashable) cashable = cashable.plus(signed);
                else nonCashable = nonCashable.plus(signed);
              }
            }
            const report = costBenefitReport(
              state,
              potId,
              financialYear === undefined ? {} : { financialYear },
              DEFLATORS,
            );
            if (report === null || report === 'unknown-intervention' || 'refusal' in report)
              throw new Error('no report');
            const row = report.interventions[0]!;
            expect(row.cost.value).toBe(formatAmount(cost));
            expect(row.grossBenefits.cashable).toBe(formatAmount(cashable));
            expect(row.grossBenefits.nonCashable).toBe(formatAmount(nonCashable));
            expect(row.grossBenefits.total).toBe(formatAmount(cashable.plus(nonCashable)));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a £1 trillion line a hundred times over passes 2^53 pence and still adds to the penny', () => {
    const h = createHistory();
    const potId = h.openPot({
      name: 'P',
      area: 'A',
      hostAgencyId: 'essex-cc',
      partnerAgencyIds: ['essex-police'],
    }).data.potId;
    const interventionId = h.defineIntervention(potId, 'X', 'essex-cc').data.interventionId;
    for (let i = 0; i < 100; i++)
      h.allocate(potId, interventionId, { 'essex-cc': MAX_AMOUNT }, '2025-05-01', 'r');
    h.allocate(potId, interventionId, { 'essex-cc': '0.01' }, '2025-05-01', 'r');
    const report = costBenefitReport(
      foldAll(costBenefitInputsProjection, h.events),
      potId,
      {},
      DEFLATORS,
    );
    if (report === null || report === 'unknown-intervention' || 'refusal' in report)
      throw new Error('no report');
    expect(report.interventions[0]!.cost.value).toBe('100000000000000.01');
    const pool = foldAll(poolYearProjection, h.events);
    expect(monitoringReport(pool, potId, '2025-26', 4)!.totals.budget).toBe('100000000000000.01');
  });
});
