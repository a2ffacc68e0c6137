/**
 * Spend, commitments and forecasts against a scheme's budget, on pots whose agreement tracks
 * spend. A scheme's budget for a year is its net allocations dated in it; what remains of it is
 * budget − spent − outstanding commitments. An entry that takes the scheme beyond that is an
 * overspend: accepted and flagged (policy `warn`) or refused with BUDGET_EXCEEDED (`block`).
 */
import { z } from 'zod';
import { formatAmount, money, parseAmount, ZERO, type Money } from '../events/money.ts';
import { AmountOrZero, Quarter, type OverspendFlag } from '../events/poolYear.ts';
import type { PotEvent } from '../events/pot.ts';
import { financialYearEnd } from '../events/potControls.ts';
import {
  Amount,
  EffectiveDate,
  FinancialYear,
  MAX_DESCRIPTION_CHARS,
  MAX_NAME_CHARS,
  MAX_REASON_CHARS,
  MAX_REFERENCE_CHARS,
  Ulid,
  financialYearOf,
  text,
} from '../events/primitives.ts';
import { todayOf, type CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import type { DomainError } from './domainError.ts';
import {
  moneyPeriodRefusal,
  periodRefusal,
  potRefusal,
  settledYearRefusal,
  spendTrackingRefusal,
} from './potGuards.ts';
import { isFinancialYearClosed, type PotState } from './potState.ts';
import { peekSchemeYear, remainingBudget } from './poolYearState.ts';

export const RecordSpendBody = z.strictObject({
  amount: Amount,
  effectiveDate: EffectiveDate,
  supplier: text(MAX_NAME_CHARS),
  invoiceRef: text(MAX_REFERENCE_CHARS),
  vat: Amount.optional(),
  vatRecoverable: z.boolean().optional(),
  commitmentId: Ulid.optional(),
});
export type RecordSpend = z.infer<typeof RecordSpendBody> & {
  potId: string;
  interventionId: string;
  spendId: string;
};

export const RaiseCommitmentBody = z.strictObject({
  amount: Amount,
  effectiveDate: EffectiveDate,
  reference: text(MAX_REFERENCE_CHARS),
  supplier: text(MAX_NAME_CHARS).optional(),
  description: text(MAX_DESCRIPTION_CHARS, { multiline: true }).optional(),
});
export type RaiseCommitment = z.infer<typeof RaiseCommitmentBody> & {
  potId: string;
  interventionId: string;
  commitmentId: string;
};

export const ReleaseCommitmentBody = z.strictObject({
  /** Default: everything still outstanding. */
  amount: Amount.optional(),
  /** Default: today. */
  effectiveDate: EffectiveDate.optional(),
  reason: text(MAX_REASON_CHARS, { multiline: true }),
});
export type ReleaseCommitment = z.infer<typeof ReleaseCommitmentBody> & {
  potId: string;
  interventionId: string;
  commitmentId: string;
};

export const RecordForecastBody = z.strictObject({
  financialYear: FinancialYear,
  quarter: Quarter,
  forecastOutturn: AmountOrZero,
  /** Required when the forecast differs from the scheme's budget for the year. */
  explanation: text(MAX_REASON_CHARS, { multiline: true }).optional(),
});
export type RecordForecast = z.infer<typeof RecordForecastBody> & {
  potId: string;
  interventionId: string;
  forecastId: string;
};

/** The checks every budget entry shares: pot, spend tracking, the intervention, the date. */
function budgetEntryRefusal(
  state: PotState,
  command: { potId: string; interventionId: string },
  context: CommandContext,
  what: string,
  effectiveDate: string | null,
): DomainError | null {
  return (
    potRefusal(state, command.potId, context) ??
    spendTrackingRefusal(state, what) ??
    (state.interventions.has(command.interventionId)
      ? null
      : refused(
          'NOT_FOUND',
          `intervention ${command.interventionId} does not exist in pot ${command.potId}`,
        )) ??
    (effectiveDate === null ? null : moneyPeriodRefusal(state, effectiveDate))
  );
}

/**
 * The overspend flag of an entry that adds `adds` to spent-plus-committed (a spend releasing
 * part of its commitment adds only the rest), or null when the scheme stays within budget.
 */
export function overspendOf(
  state: PotState,
  interventionId: string,
  effectiveDate: string,
  adds: Money,
): OverspendFlag | null {
  const financialYear = financialYearOf(effectiveDate);
  const figures = peekSchemeYear(state.poolYear, financialYear, interventionId);
  const remaining = remainingBudget(figures);
  const after = remaining.minus(adds);
  if (!after.isNegative() || !adds.gt(0)) return null;
  // Beyond the budget by the whole entry, or by the part of it past what remained.
  const overBy = adds.lt(after.negated()) ? adds : after.negated();
  return {
    financialYear,
    budget: formatAmount(figures.budget),
    spent: formatAmount(figures.spent),
    committed: formatAmount(figures.committed),
    remaining: formatAmount(remaining),
    overBy: formatAmount(overBy),
  };
}

export function budgetExceeded(
  state: PotState,
  interventionId: string,
  what: string,
  flag: OverspendFlag,
): DomainError {
  const name = state.interventions.get(interventionId)?.name ?? interventionId;
  return refused(
    'BUDGET_EXCEEDED',
    `${what} would take ${name} £${flag.overBy} beyond its ${flag.financialYear} budget (budget ${flag.budget}, spent ${flag.spent}, committed ${flag.committed}, remaining ${flag.remaining}); the agreement blocks overspend`,
    { ...flag, interventionId },
  );
}

export function decideRecordSpend(
  state: PotState,
  command: RecordSpend,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal = budgetEntryRefusal(
    state,
    command,
    context,
    'record spend',
    command.effectiveDate,
  );
  if (refusal !== null) return refusal;
  if (command.vatRecoverable !== undefined && command.vat === undefined)
    return refused('VALIDATION_FAILED', 'vatRecoverable says how to treat the VAT: give vat too');
  const amount = parseAmount(command.amount);
  let released = ZERO;
  /** What of the spend its commitment had already reserved in the spend's own year. */
  let reserved = ZERO;
  if (command.commitmentId !== undefined) {
    const commitment = state.poolYear.commitments.get(command.commitmentId);
    if (commitment === undefined || commitment.interventionId !== command.interventionId)
      return refused(
        'NOT_FOUND',
        `commitment ${command.commitmentId} is not a commitment of intervention ${command.interventionId}`,
      );
    if (commitment.reversed)
      return refused(
        'VALIDATION_FAILED',
        `commitment ${command.commitmentId} was reversed: spend cannot be recorded against it`,
      );
    if (command.effectiveDate < commitment.effectiveDate)
      return refused(
        'VALIDATION_FAILED',
        `spend against commitment ${command.commitmentId} cannot be dated ${command.effectiveDate}, before the commitment (${commitment.effectiveDate})`,
        { commitmentDate: commitment.effectiveDate },
      );
    released = commitment.outstanding.lt(amount) ? commitment.outstanding : amount;
    // A commitment reserves budget only in the year it was raised in: spend dated in another
    // year releases it there, but takes its own year's remaining budget in full.
    if (financialYearOf(commitment.effectiveDate) === financialYearOf(command.effectiveDate))
      reserved = released;
  }
  const flag = overspendOf(
    state,
    command.interventionId,
    command.effectiveDate,
    amount.minus(reserved),
  );
  if (flag !== null && state.poolYear.agreement!.overspend.policy === 'block')
    return budgetExceeded(state, command.interventionId, `spend of £${formatAmount(amount)}`, flag);
  return [
    {
      type: 'SpendRecorded',
      data: {
        potId: command.potId,
        spendId: command.spendId,
        interventionId: command.interventionId,
        amount: formatAmount(amount),
        effectiveDate: command.effectiveDate,
        supplier: command.supplier,
        invoiceRef: command.invoiceRef,
        ...(command.vat === undefined ? {} : { vat: command.vat }),
        ...(command.vatRecoverable === undefined ? {} : { vatRecoverable: command.vatRecoverable }),
        ...(command.commitmentId === undefined ? {} : { commitmentId: command.commitmentId }),
        ...(released.isZero() ? {} : { commitmentReleased: formatAmount(released) }),
        ...(flag === null ? {} : { overspend: flag }),
      },
    },
  ];
}

export function decideRaiseCommitment(
  state: PotState,
  command: RaiseCommitment,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal = budgetEntryRefusal(
    state,
    command,
    context,
    'raise commitments',
    command.effectiveDate,
  );
  if (refusal !== null) return refusal;
  if (state.poolYear.commitments.has(command.commitmentId))
    return refused('ALREADY_EXISTS', `commitment ${command.commitmentId} already exists`);
  const amount = parseAmount(command.amount);
  const flag = overspendOf(state, command.interventionId, command.effectiveDate, amount);
  if (flag !== null && state.poolYear.agreement!.overspend.policy === 'block')
    return budgetExceeded(
      state,
      command.interventionId,
      `a commitment of £${formatAmount(amount)}`,
      flag,
    );
  return [
    {
      type: 'CommitmentRaised',
      data: {
        potId: command.potId,
        commitmentId: command.commitmentId,
        interventionId: command.interventionId,
        amount: formatAmount(amount),
        effectiveDate: command.effectiveDate,
        reference: command.reference,
        ...(command.supplier === undefined ? {} : { supplier: command.supplier }),
        ...(command.description === undefined ? {} : { description: command.description }),
        ...(flag === null ? {} : { overspend: flag }),
      },
    },
  ];
}

export function decideReleaseCommitment(
  state: PotState,
  command: ReleaseCommitment,
  context: CommandContext,
): Decision<PotEvent> {
  const effectiveDate = command.effectiveDate ?? todayOf(context);
  const refusal = budgetEntryRefusal(state, command, context, 'release commitments', effectiveDate);
  if (refusal !== null) return refusal;
  const commitment = state.poolYear.commitments.get(command.commitmentId);
  if (commitment === undefined || commitment.interventionId !== command.interventionId)
    return refused(
      'NOT_FOUND',
      `commitment ${command.commitmentId} is not a commitment of intervention ${command.interventionId}`,
    );
  if (commitment.outstanding.isZero())
    return refused(
      'VALIDATION_FAILED',
      `commitment ${command.commitmentId} has nothing outstanding to release`,
    );
  const amount =
    command.amount === undefined ? commitment.outstanding : parseAmount(command.amount);
  if (amount.gt(commitment.outstanding))
    return refused(
      'VALIDATION_FAILED',
      `only ${formatAmount(commitment.outstanding)} of commitment ${command.commitmentId} is outstanding, not ${formatAmount(amount)}`,
      { outstanding: formatAmount(commitment.outstanding) },
    );
  if (effectiveDate < commitment.effectiveDate)
    return refused(
      'VALIDATION_FAILED',
      `a release cannot be dated ${effectiveDate}, before the commitment (${commitment.effectiveDate})`,
    );
  // The release moves the committed figure of the commitment's own year: a settled one is final.
  const settledCommitment = settledYearRefusal(state, commitment.effectiveDate);
  if (settledCommitment !== null) return settledCommitment;
  return [
    {
      type: 'CommitmentReleased',
      data: {
        potId: command.potId,
        commitmentId: command.commitmentId,
        interventionId: command.interventionId,
        amount: formatAmount(amount),
        effectiveDate,
        reason: command.reason,
      },
    },
  ];
}

/**
 * A forecast outturn for a scheme's year, made at a quarter. One that differs from the budget
 * must say why. A closed or settled year takes no more forecasts.
 */
export function decideRecordForecast(
  state: PotState,
  command: RecordForecast,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal = budgetEntryRefusal(state, command, context, 'record forecasts', null);
  if (refusal !== null) return refusal;
  const year = command.financialYear;
  if (isFinancialYearClosed(state, year))
    return (
      periodRefusal(state, financialYearEnd(year)) ??
      refused('PERIOD_CLOSED', `financial year ${year} is closed`)
    );
  const settledBy = state.poolYear.settled.get(year);
  if (settledBy !== undefined)
    return refused('YEAR_SETTLED', `financial year ${year} is settled: its outturn is known`, {
      financialYear: year,
      settlementEventId: settledBy,
    });
  const budget = peekSchemeYear(state.poolYear, year, command.interventionId).budget;
  const outturn = money(command.forecastOutturn);
  if (!outturn.equals(budget) && command.explanation === undefined)
    return refused(
      'VALIDATION_FAILED',
      `the forecast outturn ${formatAmount(outturn)} differs from the ${year} budget ${formatAmount(budget)}: give an explanation`,
      { budget: formatAmount(budget) },
    );
  return [
    {
      type: 'ForecastRecorded',
      data: {
        potId: command.potId,
        forecastId: command.forecastId,
        interventionId: command.interventionId,
        financialYear: year,
        quarter: command.quarter,
        forecastOutturn: formatAmount(outturn),
        budget: formatAmount(budget),
        ...(command.explanation === undefined ? {} : { explanation: command.explanation }),
      },
    },
  ];
}
