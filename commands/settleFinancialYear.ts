import { z } from 'zod';
import { MAX_AMOUNT, money } from '../events/money.ts';
import type { PotEvent } from '../events/pot.ts';
import type { FinancialYearSettled } from '../events/poolYear.ts';
import { financialYearEnd } from '../events/potControls.ts';
import { financialYearOf } from '../events/primitives.ts';
import { todayOf, type CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { DomainError } from './domainError.ts';
import { adminOnlyRefusal, potRefusal } from './potGuards.ts';
import { isFinancialYearClosed, type PotState } from './potState.ts';
import { tracksSpend } from './poolYearState.ts';
import { computeSettlement, type SettlementFigures, type SettlementInput } from './settlement.ts';

export const SettleFinancialYearBody = z.strictObject({});
export type SettleFinancialYear = { potId: string; financialYear: string };

/**
 * Year-end settlement (POOLED-FUND-YEAR.md): an admin settles a financial year once it has ended
 * by the server's clock, before it is closed, once, and only on a pot whose agreement tracks
 * spend. The one event holds every figure (commands/settlement.ts computes them), dated 31 March
 * of the year, so replay never recomputes it.
 */
export function decideSettleFinancialYear(
  state: PotState,
  command: SettleFinancialYear,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    potRefusal(state, command.potId, context) ??
    adminOnlyRefusal(context, 'settle a financial year');
  if (refusal !== null) return refusal;
  const settlement = settlementOrRefusal(state, command.financialYear, context);
  if (settlement instanceof DomainError) return settlement;
  return [{ type: 'FinancialYearSettled', data: settlement }];
}

/**
 * What settling the year would record, writing nothing: the decider's own path, for any role
 * that may read the pot, so a preview always equals the settlement it previews.
 */
export function previewSettlement(
  state: PotState,
  financialYear: string,
  context: CommandContext,
): FinancialYearSettled | DomainError {
  if (!state.opened) return refused('NOT_FOUND', `pot ${state.potId} does not exist`);
  if (state.status === 'closed') return refused('POT_CLOSED', `pot ${state.potId} is closed`);
  return settlementOrRefusal(state, financialYear, context);
}

function settlementOrRefusal(
  state: PotState,
  financialYear: string,
  context: CommandContext,
): FinancialYearSettled | DomainError {
  const refusal = settlementRefusal(state, financialYear, context);
  if (refusal !== null) return refusal;
  const agreement = state.poolYear.agreement!;
  const figures = computeSettlement(settlementInputOf(state, financialYear));
  const oversized = oversizedRefusal(figures);
  if (oversized !== null) return oversized;
  return {
    potId: state.potId,
    financialYear,
    effectiveDate: financialYearEnd(financialYear),
    agreement: { version: agreement.version, agreementEventId: agreement.eventId },
    ...withoutYear(figures),
  };
}

/**
 * A pot written before contributions were capped may hold a stake (or a year's spend) larger
 * than one recorded amount may be: refuse, as ClosePot does, rather than fail to write the event.
 */
function oversizedRefusal(figures: SettlementFigures): DomainError | null {
  const limit = money(MAX_AMOUNT);
  const lines = [
    ...figures.stakesBefore,
    ...figures.stakesAfter,
    ...figures.returns,
    ...figures.owedByPartners,
    ...figures.schemes.flatMap((s) => [
      ...s.released,
      ...s.covered,
      ...s.shared,
      { agencyId: s.interventionId, amount: s.underspend },
      { agencyId: s.interventionId, amount: s.overspend },
    ]),
  ];
  const over = [...new Set(lines.filter((l) => money(l.amount).gt(limit)).map((l) => l.agencyId))];
  if (over.length === 0) return null;
  return refused(
    'AMOUNT_LIMIT_EXCEEDED',
    `the settlement would record amounts for ${over.join(', ')} larger than one amount may be (${MAX_AMOUNT}); reverse or allocate until each stake and each scheme's variance for the year is at most ${MAX_AMOUNT}`,
    { limit: MAX_AMOUNT, ids: over },
  );
}

function withoutYear<T extends { financialYear: string }>(figures: T): Omit<T, 'financialYear'> {
  const { financialYear: _year, ...rest } = figures;
  return rest;
}

function settlementRefusal(
  state: PotState,
  financialYear: string,
  context: CommandContext,
): DomainError | null {
  const { potId } = state;
  if (!tracksSpend(state.poolYear)) {
    return refused(
      'SPEND_TRACKING_OFF',
      `pot ${potId} has no agreement with spend tracking on: its allocations count as spent and there is nothing to settle`,
    );
  }
  const yearEnd = financialYearEnd(financialYear);
  const today = todayOf(context);
  if (today <= yearEnd) {
    return refused(
      'VALIDATION_FAILED',
      `financial year ${financialYear} has not ended: it runs to ${yearEnd} and today is ${today}`,
      { yearEnd },
    );
  }
  if (isFinancialYearClosed(state, financialYear)) {
    return refused(
      'PERIOD_CLOSED',
      `financial year ${financialYear} is closed (pot ${potId} is closed through ${state.closedThrough}); a closed year can no longer be settled`,
      { closedThrough: state.closedThrough },
    );
  }
  const settledBy = state.poolYear.settled.get(financialYear);
  if (settledBy !== undefined) {
    return refused(
      'ALREADY_SETTLED',
      `financial year ${financialYear} of pot ${potId} is already settled`,
      {
        settlementEventId: settledBy,
      },
    );
  }
  const pending = [...state.requests.values()]
    .filter((r) => r.status === 'pending' && financialYearOf(r.effectiveDate) === financialYear)
    .map((r) => r.allocationId);
  if (pending.length > 0) {
    return refused(
      'PENDING_APPROVALS',
      `pot ${potId} has ${pending.length} allocation request(s) dated in ${financialYear} waiting for approval (${pending.join(', ')}); approve or reject them before settling the year`,
      { pendingAllocationIds: pending },
    );
  }
  return null;
}

/** The plain figures computeSettlement needs, read from the pot's state for one year. */
export function settlementInputOf(state: PotState, financialYear: string): SettlementInput {
  const pool = state.poolYear;
  const agreement = pool.agreement;
  if (agreement === null)
    throw new Error(`invariant: pot ${state.potId} has no agreement to settle by`);
  const year = pool.years.get(financialYear);
  return {
    financialYear,
    hostAgencyId: state.hostAgencyId,
    partners: [...state.partners],
    stakes: [...state.stakes].map(([agencyId, amount]) => ({ agencyId, amount })),
    schemes: [...(year?.schemes ?? [])].map(([interventionId, figures]) => ({
      interventionId,
      budget: figures.budget,
      spent: figures.spent,
      fundingOfYear: [...figures.funding].map(([agencyId, amount]) => ({ agencyId, amount })),
      commissioner: pool.schemes.get(interventionId)?.commissioner ?? [
        { agencyId: state.interventions.get(interventionId)!.leadAgencyId, percent: '100' },
      ],
    })),
    contributionsOfYear: [...(year?.contributions ?? [])].map(([agencyId, amount]) => ({
      agencyId,
      amount,
    })),
    overspend: agreement.overspend,
    underspend: agreement.underspend,
  };
}
