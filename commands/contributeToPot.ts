import { z } from 'zod';
import { formatAmount, MAX_AMOUNT, money, parseAmount } from '../events/money.ts';
import type { PotEvent } from '../events/pot.ts';
import {
  AgencyId,
  Amount,
  EffectiveDate,
  FinancialYear,
  MAX_REFERENCE_CHARS,
  text,
} from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { moneyPeriodRefusal, potRefusal, priorPeriod } from './potGuards.ts';
import { isPartner, type PotState } from './potState.ts';
import { betterCareFundOf, debtOf } from './poolYearState.ts';
import { FundingSource } from '../events/poolYear.ts';
import { financialYearEnd } from '../events/potControls.ts';
import type { DomainError } from './domainError.ts';

export const ContributeToPotBody = z.strictObject({
  agencyId: AgencyId,
  amount: Amount,
  effectiveDate: EffectiveDate,
  reference: text(MAX_REFERENCE_CHARS),
  /** A correction for this closed financial year, dated in the open period. */
  priorPeriodAdjustment: FinancialYear.optional(),
  /**
   * The settled financial year whose risk-share debt this pays: it pays the debt and does not
   * add to the partner's stake. More than the debt outstanding is refused.
   */
  riskShareFor: FinancialYear.optional(),
  /**
   * The funding stream the money comes from: required on a Better Care Fund pot (except a
   * risk-share payment, which pays a debt and is no stream's income), refused on any other pot.
   */
  fundingStream: FundingSource.optional(),
});
export type ContributeToPot = z.infer<typeof ContributeToPotBody> & {
  potId: string;
  contributionId: string;
};

/**
 * Money comes in only from a registered partner of an open pot, and a finance officer pays in
 * only for their own agency (separation of duties: nobody commits another body's budget).
 * A finance officer whose agency is not a partner may not act on the pot at all (FORBIDDEN,
 * like every pot command); NOT_A_PARTNER guards the rule for any other caller.
 *
 * A pot never holds more than the largest amount one entry may carry (MAX_AMOUNT): its
 * contributions, net of reversals, are refused beyond it (AMOUNT_LIMIT_EXCEEDED). Every stake,
 * allocation and return is at most that total, so each can always be written as an amount;
 * without the rule a partner's stake could outgrow the amount a PotClosed return may hold.
 */
export function decideContributeToPot(
  state: PotState,
  command: ContributeToPot,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal = potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  if (context.actor.role === 'finance-officer' && context.actor.agencyId !== command.agencyId) {
    return refused(
      'FORBIDDEN',
      `a finance officer of ${context.actor.agencyId ?? 'no agency'} may contribute only for that agency`,
    );
  }
  if (!isPartner(state, command.agencyId)) {
    return refused('NOT_A_PARTNER', `${command.agencyId} is not a partner of pot ${command.potId}`);
  }
  const stream = fundingStreamRefusal(state, command);
  if (stream !== null) return stream;
  const period = moneyPeriodRefusal(state, command.effectiveDate, command.priorPeriodAdjustment);
  if (period !== null) return period;
  const amount = parseAmount(command.amount);
  if (command.riskShareFor !== undefined) {
    const riskShare = riskShareRefusal(state, command, command.riskShareFor, amount);
    if (riskShare !== null) return riskShare;
  } else {
    const limit = amountLimitRefusal(state, command, amount);
    if (limit !== null) return limit;
  }
  return [
    {
      type: 'ContributionReceived',
      data: {
        potId: command.potId,
        contributionId: command.contributionId,
        agencyId: command.agencyId,
        amount: formatAmount(amount),
        effectiveDate: command.effectiveDate,
        reference: command.reference,
        ...priorPeriod(command.priorPeriodAdjustment),
        ...(command.riskShareFor === undefined ? {} : { riskShareFor: command.riskShareFor }),
        ...(command.fundingStream === undefined ? {} : { fundingStream: command.fundingStream }),
      },
    },
  ];
}

/** A Better Care Fund pot's contributions name their funding stream; no other pot's do. */
function fundingStreamRefusal(state: PotState, command: ContributeToPot): DomainError | null {
  const board = betterCareFundOf(state.poolYear);
  if (board === null && command.fundingStream !== undefined)
    return refused(
      'NOT_A_BCF_POT',
      `pot ${command.potId} is not a Better Care Fund pot: its contributions name no funding stream`,
    );
  if (board !== null && command.fundingStream === undefined && command.riskShareFor === undefined)
    return refused(
      'VALIDATION_FAILED',
      `pot ${command.potId} is the Better Care Fund pot of ${board}: a contribution names its fundingStream (${FundingSource.options.join(', ')})`,
    );
  return null;
}

/** A risk-share payment pays a debt; a contribution adds to the pot, within MAX_AMOUNT. */
function amountLimitRefusal(
  state: PotState,
  command: ContributeToPot,
  amount: ReturnType<typeof parseAmount>,
): DomainError | null {
  const after = state.totalContributed.plus(amount);
  if (!after.gt(money(MAX_AMOUNT))) return null;
  return refused(
    'AMOUNT_LIMIT_EXCEEDED',
    `pot ${command.potId} already holds contributions of ${formatAmount(state.totalContributed)}; ${formatAmount(amount)} more would take it to ${formatAmount(after)}, beyond the most one pot may hold (${MAX_AMOUNT})`,
    {
      limit: MAX_AMOUNT,
      contributed: formatAmount(state.totalContributed),
      requested: formatAmount(amount),
    },
  );
}

/**
 * A risk-share payment settles what the partner owes for a settled year: the year must be
 * settled, the payment dated after it, and no more than the debt still outstanding.
 */
function riskShareRefusal(
  state: PotState,
  command: ContributeToPot,
  year: string,
  amount: ReturnType<typeof parseAmount>,
): DomainError | null {
  if (!state.poolYear.settled.has(year)) {
    return refused(
      'VALIDATION_FAILED',
      `riskShareFor names ${year}, which pot ${command.potId} has not settled: there is no risk-share debt for it yet`,
    );
  }
  if (command.effectiveDate <= financialYearEnd(year)) {
    return refused(
      'VALIDATION_FAILED',
      `a risk-share payment for ${year} is dated after the year it settles (after ${financialYearEnd(year)}), not ${command.effectiveDate}`,
    );
  }
  const owed = debtOf(state.poolYear, year, command.agencyId);
  if (amount.gt(owed)) {
    return refused(
      'VALIDATION_FAILED',
      `${command.agencyId} owes pot ${command.potId} ${formatAmount(owed)} for ${year}; a risk-share payment of ${formatAmount(amount)} is more than the debt`,
      { owed: formatAmount(owed), requested: formatAmount(amount), financialYear: year },
    );
  }
  return null;
}
