/**
 * The one rule every year-filtered report follows (the statement, the benefit flows, the
 * cost-benefit report, agreed against received, and the SQL mirror, which copies the flows):
 *
 *   An entry counts in the financial year of its own effectiveDate. A reversal or retraction is
 *   an entry like any other: it counts in the year it is dated in, not in its original's year.
 *
 * The deciders never date anything inside a closed year (PERIOD_CLOSED), so once a year is
 * closed nothing more counts in it and its figures never move. A correction of a closed year is
 * dated in the open period and labelled `priorPeriodAdjustment` with the year it corrects; the
 * reports of the year it is dated in list it as such. Without a year filter a report shows the
 * net of everything: an entry and its reversal cancel.
 */
import type { Envelope } from '../events/index.ts';
import { formatAmount, money, sum, type Money } from '../events/money.ts';
import { financialYearOf } from '../events/primitives.ts';

/** The financial year an entry counts in: its own effective date's, corrections included. */
export function yearCountedIn(entry: { readonly effectiveDate: string }): string {
  return financialYearOf(entry.effectiveDate);
}

/** Whether an entry counts in `financialYear`; every entry counts when no year is asked for. */
export function countsIn(
  entry: { readonly effectiveDate: string },
  financialYear: string | undefined,
): boolean {
  return financialYear === undefined || yearCountedIn(entry) === financialYear;
}

/** Where an entry's year falls against the year a report is for (year labels sort as text). */
export function yearRelation(
  entry: { readonly effectiveDate: string },
  financialYear: string,
): 'before' | 'during' | 'after' {
  const year = yearCountedIn(entry);
  return year < financialYear ? 'before' : year > financialYear ? 'after' : 'during';
}

/** A correction of a closed year, listed by the report of the year it is dated (and counts) in. */
export interface PriorPeriodAdjustmentLine {
  readonly position: string;
  readonly eventId: string;
  readonly type: MoneyEntry['type'];
  readonly effectiveDate: string;
  /** The closed year it corrects. */
  readonly forFinancialYear: string;
  /** What it moves in the year it counts in: contributions, allocations or benefits, negative for a reversal or retraction. */
  readonly amount: string;
}

/** The entries that move money (requests, approvals and agreements move none). */
export type MoneyEntry = Extract<
  Envelope,
  {
    type:
      | 'ContributionReceived'
      | 'ContributionReversed'
      | 'FundsAllocated'
      | 'AllocationReversed'
      | 'OutcomeRecorded'
      | 'OutcomeRetracted';
  }
>;

/** The signed amount an entry moves: contributions, allocations or benefits; negative when it undoes one. */
export function signedAmountOf(event: MoneyEntry): Money {
  switch (event.type) {
    case 'ContributionReceived':
    case 'FundsAllocated':
      return money(event.data.amount);
    case 'ContributionReversed':
    case 'AllocationReversed':
      return money(event.data.amount).negated();
    case 'OutcomeRecorded':
      return sum(event.data.benefits.map((b) => money(b.amount)));
    case 'OutcomeRetracted':
      return sum(event.data.benefits.map((b) => money(b.amount))).negated();
  }
}

/** The adjustment line of an entry labelled as a prior-period adjustment, or null. */
export function priorPeriodAdjustmentOf(event: MoneyEntry): PriorPeriodAdjustmentLine | null {
  const label = event.data.priorPeriodAdjustment;
  if (label === undefined) return null;
  return {
    position: event.position.toString(),
    eventId: event.eventId,
    type: event.type,
    effectiveDate: event.data.effectiveDate,
    forFinancialYear: label,
    amount: formatAmount(signedAmountOf(event)),
  };
}
