/**
 * The Better Care Fund end-of-year return (../shared/POOLED-FUND-YEAR.md, "Better Care Fund
 * pots"): income by funding stream, planned against actual, and expenditure by scheme type,
 * funding stream and commissioner, planned (budget) against actual (spend), in the layout of the
 * national template's income-and-expenditure sheet. A pure function of the poolYear books.
 *
 * - Actual income of a stream: the contributions that named it, dated in the year, net of
 *   reversals (risk-share payments pay a debt and are no stream's income).
 * - Planned income of a stream: for a stream with a required minimum (nhs-minimum, dfg, la-bcf),
 *   the minimums recorded for the year; for any other stream (discharge, additional-la,
 *   additional-nhs, other), the year's budget of the schemes it funds — the plan's spending
 *   from it, since agreed contributions (ContributionAgreed) name a partner, not a stream.
 * - Expenditure: every scheme the year's monitoring report lists, its budget and actual to
 *   31 March (exactly the Q4 monitoring figures), split by its commissioner percentages with
 *   largest remainder (ties by agency id); a scheme without details is `unclassified`,
 *   commissioned 100% by its lead agency. So the return's expenditure totals equal the Q4
 *   monitoring report's totals, budget and actual.
 */
import { BCF_MINIMUM_STREAMS } from '../events/betterCareFund.ts';
import type { Money } from '../events/money.ts';
import { formatAmount, money, splitLargestRemainder, ZERO } from '../events/money.ts';
import { quarterEnd } from '../events/poolYear.ts';
import { compareIds } from './ordering.ts';
import { isBetterCareFund, tracksSpendIn, type PoolYearState } from './poolYear.ts';
import { schemeFigures, schemeIdsOf, streamReceived, UNCLASSIFIED } from './poolYearReports.ts';

export interface BcfIncomeRow {
  readonly fundingStream: string;
  readonly planned: string;
  readonly actual: string;
}

export interface BcfExpenditureRow {
  readonly schemeType: string;
  readonly fundingStream: string;
  readonly commissioner: string;
  readonly planned: string;
  readonly actual: string;
}

export interface BcfReturn {
  readonly potId: string;
  readonly financialYear: string;
  readonly healthAndWellbeingBoard: string;
  readonly income: readonly BcfIncomeRow[];
  readonly expenditure: readonly BcfExpenditureRow[];
  readonly totals: {
    readonly incomePlanned: string;
    readonly incomeActual: string;
    readonly expenditurePlanned: string;
    readonly expenditureActual: string;
  };
}

/** Null: no such pot; 'not-bcf': the pot is not a Better Care Fund pot. */
export function bcfReturn(
  state: PoolYearState,
  potId: string,
  financialYear: string,
): BcfReturn | null | 'not-bcf' {
  const pot = state.pots.get(potId);
  if (pot === undefined) return null;
  if (!isBetterCareFund(pot)) return 'not-bcf';
  const end = quarterEnd(financialYear, 4);
  const tracked = tracksSpendIn(pot, financialYear);
  const year = pot.years.get(financialYear);

  const expenditure = new Map<string, { planned: Money; actual: Money }>();
  const budgetByStream = new Map<string, Money>();
  for (const interventionId of schemeIdsOf(pot, financialYear)) {
    const { budget, actual } = schemeFigures(year, interventionId, end, tracked);
    const details = pot.schemes.get(interventionId);
    const schemeType = details?.schemeType ?? UNCLASSIFIED;
    const fundingStream = details?.fundingSource ?? UNCLASSIFIED;
    budgetByStream.set(fundingStream, (budgetByStream.get(fundingStream) ?? ZERO).plus(budget));
    const commissioners = details?.commissioner ?? [
      {
        agencyId: pot.interventions.get(interventionId)?.leadAgencyId ?? pot.hostAgencyId,
        percent: '100',
      },
    ];
    const weights = commissioners.map((c) => ({ key: c.agencyId, weight: money(c.percent) }));
    const planned = splitSigned(budget, weights);
    const spent = splitSigned(actual, weights);
    commissioners.forEach((c, i) => {
      const key = JSON.stringify([schemeType, fundingStream, c.agencyId]);
      const row = expenditure.get(key) ?? { planned: ZERO, actual: ZERO };
      row.planned = row.planned.plus(planned[i]!);
      row.actual = row.actual.plus(spent[i]!);
      expenditure.set(key, row);
    });
  }

  const streams = new Set<string>(budgetByStream.keys());
  streams.delete(UNCLASSIFIED);
  const minimums = pot.bcfMinimums.get(financialYear)?.minimums ?? [];
  for (const m of minimums) streams.add(m.fundingStream);
  for (const s of year?.streams.values() ?? []) streams.add(s.fundingStream);
  const income = [...streams].sort(compareIds).map((fundingStream) => {
    const planned = (BCF_MINIMUM_STREAMS as readonly string[]).includes(fundingStream)
      ? minimums
          .filter((m) => m.fundingStream === fundingStream)
          .reduce((total, m) => total.plus(money(m.amount)), ZERO)
      : (budgetByStream.get(fundingStream) ?? ZERO);
    let actual = ZERO;
    for (const s of year?.streams.values() ?? [])
      if (s.fundingStream === fundingStream)
        actual = actual.plus(streamReceived(year, fundingStream, s.agencyId, end));
    return { fundingStream, planned, actual };
  });

  const expenditureRows = [...expenditure.entries()]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([key, row]) => {
      const [schemeType, fundingStream, commissioner] = JSON.parse(key) as [string, string, string];
      return { schemeType, fundingStream, commissioner, planned: row.planned, actual: row.actual };
    });
  const total = (rows: readonly { planned: Money; actual: Money }[], field: 'planned' | 'actual') =>
    formatAmount(rows.reduce((sum, row) => sum.plus(row[field]), ZERO));
  return {
    potId,
    financialYear,
    healthAndWellbeingBoard: pot.agreements.at(-1)!.betterCareFund!.healthAndWellbeingBoard,
    income: income.map((r) => ({
      fundingStream: r.fundingStream,
      planned: formatAmount(r.planned),
      actual: formatAmount(r.actual),
    })),
    expenditure: expenditureRows.map((r) => ({
      ...r,
      planned: formatAmount(r.planned),
      actual: formatAmount(r.actual),
    })),
    totals: {
      incomePlanned: total(income, 'planned'),
      incomeActual: total(income, 'actual'),
      expenditurePlanned: total(expenditureRows, 'planned'),
      expenditureActual: total(expenditureRows, 'actual'),
    },
  };
}

/** Largest remainder by the commissioner percentages; a negative figure is split as its magnitude. */
function splitSigned(total: Money, weights: { key: string; weight: Money }[]): Money[] {
  const parts = splitLargestRemainder(total.abs(), weights).map((p) => p.amount);
  return total.isNegative() ? parts.map((p) => p.negated()) : parts;
}
