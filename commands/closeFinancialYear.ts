import { z } from 'zod';
import type { PotEvent } from '../events/pot.ts';
import { financialYearEnd } from '../events/potControls.ts';
import { MAX_REASON_CHARS, text } from '../events/primitives.ts';
import { todayOf, type CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { adminOnlyRefusal, potRefusal } from './potGuards.ts';
import { isFinancialYearClosed, type PotState } from './potState.ts';
import { tracksSpend } from './poolYearState.ts';

export const CloseFinancialYearBody = z.strictObject({
  reason: text(MAX_REASON_CHARS, { multiline: true }).optional(),
});
export type CloseFinancialYear = z.infer<typeof CloseFinancialYearBody> & {
  potId: string;
  financialYear: string;
};

/**
 * Year-end: an admin locks a financial year once it has ended (by the server's clock). Every
 * business date up to its 31 March is then closed; closing a year also locks any earlier one.
 * A year already locked, by its own close or a later year's, cannot be closed again.
 */
export function decideCloseFinancialYear(
  state: PotState,
  command: CloseFinancialYear,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    potRefusal(state, command.potId, context) ??
    adminOnlyRefusal(context, 'close a financial year');
  if (refusal !== null) return refusal;
  const closedThrough = financialYearEnd(command.financialYear);
  const today = todayOf(context);
  if (today <= closedThrough) {
    return refused(
      'VALIDATION_FAILED',
      `financial year ${command.financialYear} has not ended: it runs to ${closedThrough} and today is ${today}`,
    );
  }
  if (isFinancialYearClosed(state, command.financialYear)) {
    return refused(
      'PERIOD_CLOSED',
      `financial year ${command.financialYear} is already closed (pot ${command.potId} is closed through ${state.closedThrough})`,
      {
        closedThrough: state.closedThrough,
      },
    );
  }
  const unsettled = unsettledYearsThrough(state, command.financialYear);
  if (unsettled.length > 0) {
    return refused(
      'YEAR_NOT_SETTLED',
      `pot ${command.potId} tracks spend, and ${unsettled.join(', ')} has budgets or spend but is not settled: settle it before closing (POST …/financial-years/${unsettled[0]}/settle)`,
      { financialYears: unsettled },
    );
  }
  return [
    {
      type: 'FinancialYearClosed',
      data: {
        potId: command.potId,
        financialYear: command.financialYear,
        closedThrough,
        ...(command.reason === undefined ? {} : { reason: command.reason }),
      },
    },
  ];
}

/**
 * On a pot that tracks spend, the years a close would lock that hold budgets or spend but are
 * not settled: closing them first would leave their over- and underspends unsettled for ever.
 */
function unsettledYearsThrough(state: PotState, financialYear: string): string[] {
  const pool = state.poolYear;
  if (!tracksSpend(pool)) return [];
  const years: string[] = [];
  for (const [year, figures] of pool.years) {
    if (year > financialYear || pool.settled.has(year) || isFinancialYearClosed(state, year))
      continue;
    for (const scheme of figures.schemes.values()) {
      if (!scheme.budget.isZero() || !scheme.spent.isZero()) {
        years.push(year);
        break;
      }
    }
  }
  return years.sort();
}
