/**
 * The ledger's books: every projection folded together, so a runner (or a test, or an
 * auditor's offline replay) applies each event once and every projection moves in step.
 *
 *   const books = createLedgerBooks();
 *   for (const envelope of log) books.evolve(envelope);
 *   potSummary(books.state.potSummary, potId);
 *   books.position; // last position folded (0n before any)
 *
 * `ledgerBooksProjection` is the same fold as a plain Projection, for foldAll().
 */
import type { Envelope } from '../events/index.ts';
import type { AgencyBalancesState } from './agencyBalances.ts';
import { agencyBalancesProjection } from './agencyBalances.ts';
import type { AgencyDirectoryState } from './agencyDirectory.ts';
import { agencyDirectoryProjection } from './agencyDirectory.ts';
import type { AuditTrailState } from './auditTrail.ts';
import { auditTrailProjection } from './auditTrail.ts';
import type { BenefitFlowsState } from './benefitFlows.ts';
import { benefitFlowsProjection } from './benefitFlows.ts';
import type { Projection } from './projection.ts';
import type { ExceptionsState } from './exceptions.ts';
import {
  evolveExceptionsBesideTrail,
  exceptionsProjection,
  initialExceptionsBesideTrail,
} from './exceptions.ts';
import type { CostBenefitInputsState } from './costBenefitInputs.ts';
import { costBenefitInputsProjection } from './costBenefitInputs.ts';
import type { PoolYearState } from './poolYear.ts';
import { poolYearProjection } from './poolYear.ts';
import type { PotSummaryState } from './potSummary.ts';
import { potSummaryProjection } from './potSummary.ts';
import type { UnitCostCatalogueState } from './unitCostCatalogue.ts';
import type { PooledFundRecordsState } from './pooledFundRecords.ts';
import { pooledFundRecordsProjection } from './pooledFundRecords.ts';
import { unitCostCatalogueProjection } from './unitCostCatalogue.ts';
import type { SignInMappingProjectionState } from './signInMapping.ts';
import { signInMappingProjection } from './signInMapping.ts';

export * from './agencyBalances.ts';
export * from './agencyDirectory.ts';
export * from './auditTrail.ts';
export * from './benefitFlows.ts';
export * from './potSummary.ts';
export * from './poolYear.ts';
export * from './poolYearReports.ts';
export * from './projection.ts';
export * from './unitCostCatalogue.ts';
export * from './exceptions.ts';
export { parseTimeBound } from './timeBounds.ts';
export * from './costBenefitInputs.ts';
export * from './pooledFundRecords.ts';
export * from './signInMapping.ts';

/** Each projection's state under the projection's name. */
export interface LedgerProjections {
  agencyDirectory: AgencyDirectoryState;
  agencyBalances: AgencyBalancesState;
  potSummary: PotSummaryState;
  benefitFlows: BenefitFlowsState;
  auditTrail: AuditTrailState;
  unitCostCatalogue: UnitCostCatalogueState;
  exceptions: ExceptionsState;
  costBenefitInputs: CostBenefitInputsState;
  poolYear: PoolYearState;
  pooledFundRecords: PooledFundRecordsState;
  signInMapping: SignInMappingProjectionState;
}

export interface LedgerBooksState {
  readonly projections: LedgerProjections;
  /** Position of the last event folded; 0n before any (positions start at 1). */
  position: bigint;
}

/** Every projection the ledger keeps, keyed like LedgerProjections. */
export const allProjections: {
  readonly [K in keyof LedgerProjections]: Projection<LedgerProjections[K]>;
} = {
  agencyDirectory: agencyDirectoryProjection,
  agencyBalances: agencyBalancesProjection,
  potSummary: potSummaryProjection,
  benefitFlows: benefitFlowsProjection,
  auditTrail: auditTrailProjection,
  unitCostCatalogue: unitCostCatalogueProjection,
  exceptions: exceptionsProjection,
  costBenefitInputs: costBenefitInputsProjection,
  poolYear: poolYearProjection,
  pooledFundRecords: pooledFundRecordsProjection,
  signInMapping: signInMappingProjection,
};

export const ledgerBooksProjection: Projection<LedgerBooksState> = {
  name: 'ledgerBooks',
  initialState: () => ({
    projections: {
      agencyDirectory: allProjections.agencyDirectory.initialState(),
      agencyBalances: allProjections.agencyBalances.initialState(),
      potSummary: allProjections.potSummary.initialState(),
      benefitFlows: allProjections.benefitFlows.initialState(),
      auditTrail: allProjections.auditTrail.initialState(),
      unitCostCatalogue: allProjections.unitCostCatalogue.initialState(),
      // Beside the audit trail: the exceptions read its names rather than keep a copy.
      exceptions: initialExceptionsBesideTrail(),
      costBenefitInputs: allProjections.costBenefitInputs.initialState(),
      poolYear: allProjections.poolYear.initialState(),
      pooledFundRecords: allProjections.pooledFundRecords.initialState(),
      signInMapping: allProjections.signInMapping.initialState(),
    },
    position: 0n,
  }),
  evolve(state, event) {
    // Folding an event twice, or out of order, would double-count money: stop instead.
    if (event.position <= state.position) {
      throw new Error(
        `invariant: books at position ${state.position} were given event at position ${event.position}`,
      );
    }
    const p = state.projections;
    p.agencyDirectory = allProjections.agencyDirectory.evolve(p.agencyDirectory, event);
    p.agencyBalances = allProjections.agencyBalances.evolve(p.agencyBalances, event);
    p.potSummary = allProjections.potSummary.evolve(p.potSummary, event);
    p.benefitFlows = allProjections.benefitFlows.evolve(p.benefitFlows, event);
    p.auditTrail = allProjections.auditTrail.evolve(p.auditTrail, event);
    p.unitCostCatalogue = allProjections.unitCostCatalogue.evolve(p.unitCostCatalogue, event);
    p.exceptions = evolveExceptionsBesideTrail(p.exceptions, event, p.auditTrail);
    p.costBenefitInputs = allProjections.costBenefitInputs.evolve(p.costBenefitInputs, event);
    p.poolYear = allProjections.poolYear.evolve(p.poolYear, event);
    p.pooledFundRecords = allProjections.pooledFundRecords.evolve(p.pooledFundRecords, event);
    p.signInMapping = allProjections.signInMapping.evolve(p.signInMapping, event);
    state.position = event.position;
    return state;
  },
};

export interface LedgerBooks {
  /** The current states; read them with the query functions, never write to them. */
  readonly state: LedgerProjections;
  /** Last position folded, 0n before any. */
  readonly position: bigint;
  evolve(event: Envelope): void;
}

/**
 * Fresh, empty books, or books that carry on from a state folded earlier (a snapshot's). If
 * evolve throws (an invariant broke), discard the books and rebuild.
 */
export function createLedgerBooks(from?: LedgerBooksState): LedgerBooks {
  let books = from ?? ledgerBooksProjection.initialState();
  return {
    get state() {
      return books.projections;
    },
    get position() {
      return books.position;
    },
    evolve(event) {
      books = ledgerBooksProjection.evolve(books, event);
    },
  };
}
export * from './partnerJournal.ts';

/** A projection's name: a key of LedgerProjections. */
export type ProjectionName = keyof LedgerProjections;

/** Some of the projections, under their names: the books a historical answer needs. */
export type SomeProjections<K extends ProjectionName> = Pick<LedgerProjections, K>;

export interface SomeBooksState<K extends ProjectionName> {
  readonly projections: SomeProjections<K>;
  /** Position of the last event folded; 0n before any. */
  position: bigint;
}

/** Books of some projections only: the same fold as LedgerBooks, restricted to those names. */
export interface SomeBooks<K extends ProjectionName> {
  readonly state: SomeProjections<K>;
  readonly position: bigint;
  evolve(event: Envelope): void;
}

/** The names once each, in LedgerProjections order: a stable key for books of these projections. */
export function projectionNames<K extends ProjectionName>(names: readonly K[]): K[] {
  const wanted = new Set<ProjectionName>(names);
  return (Object.keys(allProjections) as ProjectionName[]).filter((name) =>
    wanted.has(name),
  ) as K[];
}

/** Empty states of the named projections. */
export function initialStatesOf<K extends ProjectionName>(names: readonly K[]): SomeProjections<K> {
  const states: Partial<Record<ProjectionName, unknown>> = {};
  for (const name of names) states[name] = allProjections[name].initialState();
  return states as SomeProjections<K>;
}

/**
 * Books that fold only the named projections, each by its own fold over its own state and the
 * event. The whole books fold the exceptions beside the audit trail (they read its names instead
 * of keeping a copy); folded here on their own they keep their names, and answer the same
 * (test/projections/namesOutOfTables.test.ts), so each answer here is the one the whole books
 * would give. Never continue books of the other shape with these folds.
 */
export function createSomeBooks<K extends ProjectionName>(
  names: readonly K[],
  from?: SomeBooksState<K>,
): SomeBooks<K> {
  const folded = projectionNames(names);
  const states = (from?.projections ?? initialStatesOf(folded)) as Record<ProjectionName, unknown>;
  let position = from?.position ?? 0n;
  const projections = folded.map(
    (name) => [name, allProjections[name] as Projection<unknown>] as const,
  );
  return {
    get state() {
      return states as SomeProjections<K>;
    },
    get position() {
      return position;
    },
    evolve(event) {
      // Folding an event twice, or out of order, would double-count money: stop instead.
      if (event.position <= position)
        throw new Error(
          `invariant: books at position ${position} were given event at position ${event.position}`,
        );
      for (const [name, projection] of projections)
        states[name] = projection.evolve(states[name], event);
      position = event.position;
    },
  };
}
