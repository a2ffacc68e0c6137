import { z } from 'zod';
import { formatAmount } from '../events/money.ts';
import type { PotEvent } from '../events/pot.ts';
import {
  EffectiveDate,
  FinancialYear,
  financialYearOf,
  MAX_REASON_CHARS,
  Ulid,
  text,
} from '../events/primitives.ts';
import { todayOf, type CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { periodRefusal, potRefusal, priorPeriod, settledYearRefusal } from './potGuards.ts';
import { decideReversePoolYearEntry } from './reversePoolYearEntry.ts';
import { outcomesResting, stakeOf, type PotState } from './potState.ts';

export const ReverseEntryBody = z.strictObject({
  eventId: Ulid,
  reason: text(MAX_REASON_CHARS, { multiline: true }),
  /** Business date of the correction; defaults to today, and never before the entry it undoes. */
  effectiveDate: EffectiveDate.optional(),
  /** Required when the entry is dated in a closed financial year: that year, e.g. "2025-26". */
  priorPeriodAdjustment: FinancialYear.optional(),
});
export type ReverseEntry = z.infer<typeof ReverseEntryBody> & { potId: string };

/**
 * History never changes: a mistake is undone by a reversal event that names the original event
 * and gives a reason. Contributions, allocations and outcomes can be undone, each once.
 *
 * An allocation cannot be undone while outcomes stand on it (OUTCOMES_DEPEND_ON_ALLOCATION):
 * an outcome's flows credit its investors with the funding they had when it was recorded, so
 * taking that funding away would leave benefits no money stands behind (funded 0.00, benefits
 * £1,000,000, an investor credited with what it never paid for). Those outcomes are retracted
 * first, and recorded again afterwards if they still stand on the funding that remains.
 */
export function decideReverseEntry(
  state: PotState,
  command: ReverseEntry,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal = potRefusal(state, command.potId, context);
  if (refusal !== null) return refusal;
  const target = state.eventTargets.get(command.eventId);
  if (target === undefined)
    return refused('NOT_FOUND', `event ${command.eventId} is not in pot ${command.potId}`);
  const common = {
    potId: command.potId,
    reversedEventId: command.eventId,
    reason: command.reason,
    ...priorPeriod(command.priorPeriodAdjustment),
  };

  switch (target.kind) {
    case 'not-reversible':
      return refused(
        'VALIDATION_FAILED',
        `event ${command.eventId} is a ${target.type}; only contributions, allocations, outcomes, spend, commitments and forecasts can be reversed`,
      );
    case 'contribution': {
      const contribution = state.contributions.get(target.id)!;
      if (contribution.reversed)
        return refused('ALREADY_REVERSED', `contribution ${target.id} is already reversed`);
      const { actor } = context;
      if (actor.role === 'finance-officer' && actor.agencyId !== contribution.agencyId) {
        return refused(
          'FORBIDDEN',
          `a finance officer of ${actor.agencyId ?? 'no agency'} may reverse only that agency's contributions`,
        );
      }
      // A settled year's contributions are final: its settlement weighed them.
      const settledContribution = settledYearRefusal(state, contribution.effectiveDate);
      if (settledContribution !== null) return settledContribution;
      const stake = stakeOf(state, contribution.agencyId);
      // A risk-share payment paid a debt, not a stake: undoing it makes the debt stand again.
      if (contribution.riskShareFor === undefined && contribution.amount.gt(stake)) {
        return refused(
          'INSUFFICIENT_FUNDS',
          `reversing ${formatAmount(contribution.amount)} would take ${contribution.agencyId}'s stake below zero: only ${formatAmount(stake)} is unallocated`,
          { requested: formatAmount(contribution.amount), available: formatAmount(stake) },
        );
      }
      const effectiveDate = reversalDate(state, command, contribution.effectiveDate, context);
      if (typeof effectiveDate !== 'string') return effectiveDate;
      const locked = settledYearRefusal(state, effectiveDate);
      if (locked !== null) return locked;
      return [
        {
          type: 'ContributionReversed',
          data: {
            ...common,
            contributionId: target.id,
            agencyId: contribution.agencyId,
            amount: formatAmount(contribution.amount),
            effectiveDate,
            ...(contribution.riskShareFor === undefined
              ? {}
              : { riskShareFor: contribution.riskShareFor }),
          },
        },
      ];
    }
    case 'allocation': {
      const allocation = state.allocations.get(target.id)!;
      if (allocation.reversed)
        return refused('ALREADY_REVERSED', `allocation ${target.id} is already reversed`);
      const resting = outcomesResting(state, allocation);
      if (resting.length > 0)
        return dependentOutcomesRefusal(state, target.id, allocation.interventionId, resting);
      // A settled year's budgets are final: its settlement released or covered them.
      const locked = settledYearRefusal(state, allocation.effectiveDate);
      if (locked !== null) return locked;
      const effectiveDate = reversalDate(state, command, allocation.effectiveDate, context);
      if (typeof effectiveDate !== 'string') return effectiveDate;
      const lockedNow = settledYearRefusal(state, effectiveDate);
      if (lockedNow !== null) return lockedNow;
      return [
        {
          type: 'AllocationReversed',
          data: {
            ...common,
            allocationId: target.id,
            interventionId: allocation.interventionId,
            amount: formatAmount(allocation.amount),
            fundingShares: [...allocation.fundingShares],
            effectiveDate,
          },
        },
      ];
    }
    case 'outcome': {
      const outcome = state.outcomes.get(target.id)!;
      if (outcome.retracted)
        return refused('ALREADY_REVERSED', `outcome ${target.id} is already retracted`);
      const effectiveDate = reversalDate(state, command, outcome.effectiveDate, context);
      if (typeof effectiveDate !== 'string') return effectiveDate;
      return [
        {
          type: 'OutcomeRetracted',
          data: {
            ...common,
            outcomeId: target.id,
            interventionId: outcome.interventionId,
            benefits: [...outcome.benefits],
            flows: [...outcome.flows],
            effectiveDate,
          },
        },
      ];
    }
    default:
      return decideReversePoolYearEntry(state, target, command, (originalDate) =>
        reversalDate(state, command, originalDate, context),
      );
  }
}

/** Outcomes named in a refusal, at most: the count is always given, the answer stays small. */
export const MAX_OUTCOMES_NAMED = 20;

function dependentOutcomesRefusal(
  state: PotState,
  allocationId: string,
  interventionId: string,
  resting: { outcomeId: string; eventId: string }[],
) {
  const named = resting.slice(0, MAX_OUTCOMES_NAMED);
  const more = resting.length > named.length ? ` and ${resting.length - named.length} more` : '';
  const name = state.interventions.get(interventionId)?.name ?? interventionId;
  return refused(
    'OUTCOMES_DEPEND_ON_ALLOCATION',
    `${resting.length} outcome(s) of intervention ${name} were recorded after allocation ${allocationId} and their benefit flows rest on its funding: retract them first (a reversal of each outcome's eventId: ${named.map((o) => o.eventId).join(', ')}${more}), then reverse the allocation`,
    {
      allocationId,
      outcomes: resting.length,
      outcomeEventIds: named.map((o) => o.eventId),
      outcomeIds: named.map((o) => o.outcomeId),
    },
  );
}

/**
 * The reversal's business date. An entry dated in a closed financial year is undone only by a
 * prior-period adjustment for that year, dated in the open period: the closed year never moves.
 */
function reversalDate(
  state: PotState,
  command: ReverseEntry,
  originalDate: string,
  context: CommandContext,
) {
  const today = todayOf(context);
  const date = command.effectiveDate ?? (today > originalDate ? today : originalDate);
  if (date < originalDate) {
    return refused(
      'VALIDATION_FAILED',
      `a reversal cannot be dated ${date}, before the entry it undoes (${originalDate})`,
    );
  }
  if (state.closedThrough !== null && originalDate <= state.closedThrough) {
    const originalYear = financialYearOf(originalDate);
    if (command.priorPeriodAdjustment === undefined) {
      return refused(
        'PERIOD_CLOSED',
        `the entry is dated ${originalDate}, in the closed financial year ${originalYear}: reverse it as a prior-period adjustment (priorPeriodAdjustment "${originalYear}") dated after ${state.closedThrough}`,
        { effectiveDate: originalDate, closedThrough: state.closedThrough },
      );
    }
    if (command.priorPeriodAdjustment !== originalYear) {
      return refused(
        'VALIDATION_FAILED',
        `the entry is dated in ${originalYear}, so its reversal is a prior-period adjustment for ${originalYear}, not ${command.priorPeriodAdjustment}`,
      );
    }
  }
  return periodRefusal(state, date, command.priorPeriodAdjustment) ?? date;
}
