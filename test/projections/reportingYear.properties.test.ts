/**
 * Issue 13 item 4: one year rule for every report (projections/reportingYear.ts). Over random
 * valid histories, in which reversals and retractions are dated in a later year than many of
 * the entries they undo:
 * - for each financial year, the benefit flows, the cost-benefit report and the pot statement
 *   give the same net allocations and the same net benefits;
 * - a year's answers, once the log holds nothing more dated in or before it (as when the year
 *   is closed: the deciders date nothing inside a closed year), stay byte for byte as they
 *   were, whatever is appended after — reversals and retractions of the year's entries included.
 * - the year figures add up to the unfiltered (all years) figures, which are the net.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../events/index.ts';
import { formatAmount, money, sum } from '../../events/money.ts';
import { costBenefitReport, type CostBenefitReport } from '../../projections/costBenefit.ts';
import { createLedgerBooks, flowsMatrix } from '../../projections/index.ts';
import { potStatement, statementPeriod } from '../../projections/potStatement.ts';
import { readDeflatorFile } from '../../src/unitCosts/unitCostFile.ts';
import { historyOf, opsArbitrary } from './randomHistory.ts';

const DEFLATORS = readDeflatorFile();
/** The years the random histories' dates (and their reversals, dated 2026-06-01) fall in. */
const YEARS = ['2024-25', '2025-26', '2026-27'] as const;
/** One base year for every report, so catalogue prices never differ between years compared. */
const BASE_YEAR = '2025-26';

function booksOf(events: readonly Envelope[]) {
  const books = createLedgerBooks();
  for (const event of events) books.evolve(event);
  return books.state;
}

function cbaOf(
  events: readonly Envelope[],
  potId: string,
  financialYear?: string,
): CostBenefitReport {
  const report = costBenefitReport(
    booksOf(events).costBenefitInputs,
    potId,
    { ...(financialYear === undefined ? {} : { financialYear }), baseYear: BASE_YEAR },
    DEFLATORS,
  );
  if (report === null || typeof report !== 'object' || 'refusal' in report)
    throw new Error(`no cost-benefit report: ${JSON.stringify(report)}`);
  return report;
}

/** What each year-filtered report says a year's net allocations and net benefits were. */
function yearTotals(events: readonly Envelope[], potId: string, financialYear: string) {
  const flows = flowsMatrix(booksOf(events).benefitFlows, { potId, financialYear });
  const statement = potStatement(events, potId, financialYear)!;
  const cba = cbaOf(events, potId, financialYear);
  return {
    flows: {
      allocated: formatAmount(sum(flows.agencies.map((a) => money(a.invested)))),
      benefits: formatAmount(sum(flows.rows.map((r) => money(r.amount)))),
    },
    statement: {
      allocated: statement.allocations.net,
      benefits: formatAmount(sum(statement.interventions.map((i) => money(i.netBenefits)))),
    },
    cba: { allocated: cba.pot.cost.value, benefits: cba.pot.grossBenefits.total },
  };
}

/** Every year-filtered answer for one year, as the API would serialise it. */
function yearAnswers(events: readonly Envelope[], potId: string, financialYear: string): string {
  // The statement names the last pot event it read, whatever its date: that alone may change.
  const { position: _lastRead, ...statement } = potStatement(events, potId, financialYear)!;
  return JSON.stringify({
    flows: flowsMatrix(booksOf(events).benefitFlows, { potId, financialYear }),
    statement,
    cba: cbaOf(events, potId, financialYear),
  });
}

/**
 * The log as it stood when the year could have been closed: up to its last entry dated in or
 * before the year. Everything after that is dated after the year, as the deciders require once
 * a year is closed (PERIOD_CLOSED).
 */
function whenClosable(events: readonly Envelope[], financialYear: string): Envelope[] {
  const { to } = statementPeriod(financialYear);
  const dateOf = (e: Envelope) => (e.data as { effectiveDate?: string }).effectiveDate;
  let last = events.length - 1;
  while (last >= 0 && !(dateOf(events[last]!) !== undefined && dateOf(events[last]!)! <= to))
    last -= 1;
  // The pot, its partners and interventions, set up before any money moved, are always there.
  const firstDated = events.findIndex((e) => dateOf(e) !== undefined);
  return events.slice(0, Math.max(last + 1, firstDated === -1 ? events.length : firstDated));
}

describe('one year rule for every year-filtered report (issue 13 item 4)', () => {
  it('for each financial year, flows, cost-benefit and the statement agree on net allocations and net benefits', () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const { events, potId } = historyOf(ops);
        for (const year of YEARS) {
          const totals = yearTotals(events, potId, year);
          expect(totals.statement, year).toEqual(totals.flows);
          expect(totals.cba, year).toEqual(totals.flows);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("a year's answers never move for anything appended dated after it (so never once the year is closed)", () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const { events, potId } = historyOf(ops);
        for (const year of YEARS)
          expect(yearAnswers(events, potId, year), year).toBe(
            yearAnswers(whenClosable(events, year), potId, year),
          );
      }),
      { numRuns: 60 },
    );
  });

  it('the years add up to the unfiltered answer, which is the net of everything', () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const { events, potId } = historyOf(ops);
        const perYear = YEARS.map((year) => yearTotals(events, potId, year).flows);
        const all = flowsMatrix(booksOf(events).benefitFlows, { potId });
        expect(formatAmount(sum(perYear.map((t) => money(t.allocated))))).toBe(
          formatAmount(sum(all.agencies.map((a) => money(a.invested)))),
        );
        expect(formatAmount(sum(perYear.map((t) => money(t.benefits))))).toBe(
          formatAmount(sum(all.rows.map((r) => money(r.amount)))),
        );
        const cba = cbaOf(events, potId);
        expect(cba.pot.cost.value).toBe(formatAmount(sum(perYear.map((t) => money(t.allocated)))));
        expect(cba.pot.grossBenefits.total).toBe(
          formatAmount(sum(perYear.map((t) => money(t.benefits)))),
        );
      }),
      { numRuns: 60 },
    );
  });
});
