/**
 * The oracle for point-in-time tests: each projection folded on its own over events chosen by
 * hand (a prefix of the log, less those dated after a day), written apart from the code under
 * test (src/books/historicalBooks.ts) so the two can disagree.
 */
import type { Envelope } from '../../events/index.ts';
import { allProjections, type LedgerProjections } from '../../projections/index.ts';

/**
 * Folds `events` in order. A history filtered by effective date may hold an allocation without
 * the later-dated contribution it drew on, so its pot summary is told negative stakes may show.
 */
export function foldByHand(
  events: readonly Envelope[],
  byEffectiveDate: boolean,
): LedgerProjections {
  const state: LedgerProjections = {
    agencyDirectory: allProjections.agencyDirectory.initialState(),
    agencyBalances: allProjections.agencyBalances.initialState(),
    potSummary: {
      ...allProjections.potSummary.initialState(),
      stakesMayBeNegative: byEffectiveDate,
    },
    benefitFlows: allProjections.benefitFlows.initialState(),
    auditTrail: allProjections.auditTrail.initialState(),
    unitCostCatalogue: allProjections.unitCostCatalogue.initialState(),
    exceptions: allProjections.exceptions.initialState(),
    costBenefitInputs: allProjections.costBenefitInputs.initialState(),
    poolYear: allProjections.poolYear.initialState(),
    pooledFundRecords: allProjections.pooledFundRecords.initialState(),
    signInMapping: allProjections.signInMapping.initialState(),
  };
  for (const event of events) {
    state.agencyDirectory = allProjections.agencyDirectory.evolve(state.agencyDirectory, event);
    state.agencyBalances = allProjections.agencyBalances.evolve(state.agencyBalances, event);
    state.potSummary = allProjections.potSummary.evolve(state.potSummary, event);
    state.benefitFlows = allProjections.benefitFlows.evolve(state.benefitFlows, event);
    state.auditTrail = allProjections.auditTrail.evolve(state.auditTrail, event);
    state.unitCostCatalogue = allProjections.unitCostCatalogue.evolve(
      state.unitCostCatalogue,
      event,
    );
    state.exceptions = allProjections.exceptions.evolve(state.exceptions, event);
    state.costBenefitInputs = allProjections.costBenefitInputs.evolve(
      state.costBenefitInputs,
      event,
    );
    state.poolYear = allProjections.poolYear.evolve(state.poolYear, event);
    state.pooledFundRecords = allProjections.pooledFundRecords.evolve(
      state.pooledFundRecords,
      event,
    );
    state.signInMapping = allProjections.signInMapping.evolve(state.signInMapping, event);
  }
  return state;
}

/** Keeps events with no business date, or one on or before `asAt`. */
export const datedOnOrBefore =
  (asAt: string) =>
  (event: Envelope): boolean => {
    const date = (event.data as { effectiveDate?: string }).effectiveDate;
    return date === undefined || date <= asAt;
  };
