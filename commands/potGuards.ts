/**
 * Checks most pot commands share: the pot exists and is open, and a finance officer acts only
 * on pots their agency is a partner of.
 */
import type { CommandContext } from './context.ts';
import { refused } from './decision.ts';
import type { DomainError } from './domainError.ts';
import { isFinancialYearClosed, isPartner, type PotState } from './potState.ts';
import type { Actor } from '../events/index.ts';
import type { ActorRef } from '../events/potControls.ts';
import { financialYearOf } from '../events/primitives.ts';
import { tracksSpend } from './poolYearState.ts';

export function potRefusal(
  state: PotState,
  potId: string,
  context: CommandContext,
): DomainError | null {
  if (!state.opened) return refused('NOT_FOUND', `pot ${potId} does not exist`);
  if (state.status === 'closed') return refused('POT_CLOSED', `pot ${potId} is closed`);
  const { actor } = context;
  if (
    actor.role === 'finance-officer' &&
    (actor.agencyId === undefined || !isPartner(state, actor.agencyId))
  ) {
    return refused(
      'FORBIDDEN',
      `finance officers of ${actor.agencyId ?? 'no agency'} may not act on pot ${potId}: not a partner`,
    );
  }
  return null;
}

export function unregisteredAgencies(
  agencyIds: Iterable<string>,
  context: CommandContext,
): string[] {
  return [...new Set(agencyIds)].filter((id) => !context.registeredAgencies.has(id));
}

export function unregisteredRefusal(
  agencyIds: Iterable<string>,
  context: CommandContext,
): DomainError | null {
  const missing = unregisteredAgencies(agencyIds, context);
  if (missing.length === 0) return null;
  return refused('NOT_FOUND', `agency not registered: ${missing.join(', ')}`, {
    agencyIds: missing,
  });
}

/**
 * A closed financial year is locked: nothing may be dated inside it. A correction goes in as a
 * prior-period adjustment, dated in the open period and labelled with the closed year it
 * corrects, so the closed year's figures never move and the correction is visible as one.
 */
export function periodRefusal(
  state: PotState,
  effectiveDate: string,
  priorPeriodAdjustment?: string,
): DomainError | null {
  const { closedThrough } = state;
  if (priorPeriodAdjustment !== undefined) {
    if (!isFinancialYearClosed(state, priorPeriodAdjustment)) {
      return refused(
        'VALIDATION_FAILED',
        `priorPeriodAdjustment names ${priorPeriodAdjustment}, which is not a closed financial year of pot ${state.potId}`,
      );
    }
    if (closedThrough !== null && effectiveDate <= closedThrough) {
      return refused(
        'VALIDATION_FAILED',
        `a prior-period adjustment is booked in the open period: date it after ${closedThrough}, not ${effectiveDate}`,
      );
    }
    return null;
  }
  if (closedThrough !== null && effectiveDate <= closedThrough) {
    return refused(
      'PERIOD_CLOSED',
      `${effectiveDate} is in a closed period (pot ${state.potId} is closed through ${closedThrough}); book the correction dated after it with priorPeriodAdjustment`,
      { effectiveDate, closedThrough },
    );
  }
  return null;
}

/** The actor as an event's data names them. */
export function actorRef(actor: Actor): ActorRef {
  return {
    sub: actor.sub,
    role: actor.role,
    ...(actor.agencyId === undefined ? {} : { agencyId: actor.agencyId }),
  };
}

export function adminOnlyRefusal(context: CommandContext, what: string): DomainError | null {
  return context.actor.role === 'admin' ? null : refused('FORBIDDEN', `only an admin may ${what}`);
}

/** The optional label an event carries when it is a prior-period adjustment. */
export function priorPeriod(priorPeriodAdjustment: string | undefined): {
  priorPeriodAdjustment?: string;
} {
  return priorPeriodAdjustment === undefined ? {} : { priorPeriodAdjustment };
}

/**
 * A settled financial year is locked for the entries its settlement rests on: contributions,
 * allocations, spend, commitments and forecasts dated in it (YEAR_SETTLED). Outcomes may still
 * be recorded in it: benefits often show long after the money was spent.
 */
export function settledYearRefusal(state: PotState, effectiveDate: string): DomainError | null {
  const financialYear = financialYearOf(effectiveDate);
  const settledBy = state.poolYear.settled.get(financialYear);
  if (settledBy === undefined) return null;
  return refused(
    'YEAR_SETTLED',
    `${effectiveDate} is in ${financialYear}, which pot ${state.potId} has settled (event ${settledBy}): date the entry in a year not yet settled`,
    { effectiveDate, financialYear, settlementEventId: settledBy },
  );
}

/** A closed period or a settled year: the checks every money entry's date passes. */
export function moneyPeriodRefusal(
  state: PotState,
  effectiveDate: string,
  priorPeriodAdjustment?: string,
): DomainError | null {
  return (
    periodRefusal(state, effectiveDate, priorPeriodAdjustment) ??
    settledYearRefusal(state, effectiveDate)
  );
}

/** Spend, commitments, forecasts and settlements need an agreement with spend tracking on. */
export function spendTrackingRefusal(state: PotState, what: string): DomainError | null {
  if (tracksSpend(state.poolYear)) return null;
  const agreement = state.poolYear.agreement;
  return refused(
    'SPEND_TRACKING_OFF',
    agreement === null
      ? `pot ${state.potId} has no agreement: record one with spendTracking on to ${what}`
      : `pot ${state.potId}'s agreement (version ${agreement.version}) has spendTracking off: vary it to ${what}`,
  );
}
