/**
 * Reversals of the pooled-fund year's entries (POST /v1/pots/:potId/reversals): a spend (a
 * credit note: it counts, negative, in the year it is dated in, and what it had released of
 * its commitment is outstanding again), a commitment raised in error (what it still reserves is
 * cancelled), a forecast (withdrawn; the one before it, or the budget, stands again).
 */
import { formatAmount } from '../events/money.ts';
import type { PotEvent } from '../events/pot.ts';
import type { DomainError } from './domainError.ts';
import { refused, type Decision } from './decision.ts';
import { settledYearRefusal } from './potGuards.ts';
import type { EventTarget, PotState } from './potState.ts';
import type { ReverseEntry } from './reverseEntry.ts';

type PoolYearTarget = Extract<EventTarget, { kind: 'spend' | 'commitment' | 'forecast' }>;

export function decideReversePoolYearEntry(
  state: PotState,
  target: PoolYearTarget,
  command: ReverseEntry,
  dateOf: (originalDate: string) => string | DomainError,
): Decision<PotEvent> {
  const pool = state.poolYear;
  if (command.priorPeriodAdjustment !== undefined)
    return refused(
      'VALIDATION_FAILED',
      `a ${target.kind} of a closed year is final: it cannot be reversed as a prior-period adjustment`,
    );
  const common = {
    potId: command.potId,
    reversedEventId: command.eventId,
    reason: command.reason,
  };
  switch (target.kind) {
    case 'spend': {
      const spend = pool.spends.get(target.id)!;
      if (spend.reversed)
        return refused('ALREADY_REVERSED', `spend ${target.id} is already reversed`);
      // A settled year's spend is final: its settlement funded exactly that spend.
      const settledSpend = settledYearRefusal(state, spend.effectiveDate);
      if (settledSpend !== null) return settledSpend;
      const effectiveDate = dateOf(spend.effectiveDate);
      if (typeof effectiveDate !== 'string') return effectiveDate;
      const locked = settledYearRefusal(state, effectiveDate);
      if (locked !== null) return locked;
      const commitment =
        spend.commitmentId === undefined ? undefined : pool.commitments.get(spend.commitmentId);
      const restores =
        commitment !== undefined && !commitment.reversed && !spend.commitmentReleased.isZero();
      // Restoring what the spend released moves the committed figure of the commitment's own
      // year (commands/potState.ts moveCommitment): a settled one is final.
      if (restores) {
        const settledCommitment = settledYearRefusal(state, commitment.effectiveDate);
        if (settledCommitment !== null) return settledCommitment;
      }
      return [
        {
          type: 'SpendReversed',
          data: {
            ...common,
            spendId: target.id,
            interventionId: spend.interventionId,
            amount: formatAmount(spend.amount),
            effectiveDate,
            ...(spend.commitmentId === undefined ? {} : { commitmentId: spend.commitmentId }),
            ...(restores ? { commitmentRestored: formatAmount(spend.commitmentReleased) } : {}),
          },
        },
      ];
    }
    case 'commitment': {
      const commitment = pool.commitments.get(target.id)!;
      if (commitment.reversed)
        return refused('ALREADY_REVERSED', `commitment ${target.id} is already reversed`);
      if (commitment.outstanding.isZero())
        return refused(
          'VALIDATION_FAILED',
          `commitment ${target.id} has nothing outstanding to cancel: it has been spent or released`,
        );
      const settledCommitment = settledYearRefusal(state, commitment.effectiveDate);
      if (settledCommitment !== null) return settledCommitment;
      const effectiveDate = dateOf(commitment.effectiveDate);
      if (typeof effectiveDate !== 'string') return effectiveDate;
      const locked = settledYearRefusal(state, effectiveDate);
      if (locked !== null) return locked;
      return [
        {
          type: 'CommitmentReversed',
          data: {
            ...common,
            commitmentId: target.id,
            interventionId: commitment.interventionId,
            amount: formatAmount(commitment.outstanding),
            effectiveDate,
          },
        },
      ];
    }
    case 'forecast': {
      const forecast = pool.forecasts.get(target.id)!;
      if (forecast.withdrawn)
        return refused('ALREADY_REVERSED', `forecast ${target.id} is already withdrawn`);
      const settledBy = pool.settled.get(forecast.financialYear);
      if (settledBy !== undefined)
        return refused(
          'YEAR_SETTLED',
          `forecast ${target.id} is for ${forecast.financialYear}, which is settled`,
          { financialYear: forecast.financialYear, settlementEventId: settledBy },
        );
      return [
        {
          type: 'ForecastWithdrawn',
          data: {
            ...common,
            forecastId: target.id,
            interventionId: forecast.interventionId,
            financialYear: forecast.financialYear,
            quarter: forecast.quarter,
          },
        },
      ];
    }
  }
}
