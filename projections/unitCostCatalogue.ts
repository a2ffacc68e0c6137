/**
 * The unit-cost catalogue as GET /v1/unit-costs shows it: every code with its versions, the
 * latest in force and the earlier ones kept (superseded), with when and by whom each was added.
 */
import type { UnitCostAdded } from '../events/unitCost.ts';
import { uprateSplit, type DeflatorSeries } from '../events/uprating.ts';
import { compareIds } from './ordering.ts';
import type { Projection } from './projection.ts';

export interface UnitCostVersionView extends UnitCostAdded {
  /** The version that replaced this one, when it is no longer in force. */
  readonly supersededByVersion?: number;
  readonly addedAt: string;
  readonly addedBy: string;
  /** Log position of the event, as a digit string. */
  readonly position: string;
}

export interface UnitCostCatalogueState {
  /** Code → versions in order (index i holds version i + 1). */
  readonly entries: Map<string, UnitCostVersionView[]>;
}

export const unitCostCatalogueProjection: Projection<UnitCostCatalogueState> = {
  name: 'unitCostCatalogue',
  initialState: () => ({ entries: new Map() }),
  evolve(state, event) {
    if (event.type !== 'UnitCostAdded') return state;
    const versions = state.entries.get(event.data.code) ?? [];
    // The deciders number versions 1, 2, 3… in one stream per code; anything else is not their log.
    if (event.data.version !== versions.length + 1) {
      throw new Error(
        `invariant: unit cost ${event.data.code} version ${event.data.version} after ${versions.length} versions`,
      );
    }
    const previous = versions[versions.length - 1];
    if (previous !== undefined)
      versions[versions.length - 1] = { ...previous, supersededByVersion: event.data.version };
    versions.push({
      ...event.data,
      addedAt: event.metadata.recordedAt,
      addedBy: event.metadata.actor.sub,
      position: event.position.toString(),
    });
    state.entries.set(event.data.code, versions);
    return state;
  },
};

/** The version in force of every code, by code; with `includeSuperseded`, every version. */
export function listUnitCosts(
  state: UnitCostCatalogueState,
  options: { includeSuperseded?: boolean } = {},
): UnitCostVersionView[] {
  const codes = [...state.entries.keys()].sort(compareIds);
  return codes.flatMap((code) => {
    const versions = state.entries.get(code)!;
    return options.includeSuperseded === true ? versions : [versions[versions.length - 1]!];
  });
}

/** Every version of one code, oldest first, or null when the code was never added. */
export function unitCostHistory(
  state: UnitCostCatalogueState,
  code: string,
): UnitCostVersionView[] | null {
  return state.entries.get(code) ?? null;
}

export interface UpratedUnitCost {
  readonly priceYear: string;
  readonly amount: string;
  readonly split: {
    readonly agencyKind: string;
    readonly cashable: boolean;
    readonly amount: string;
  }[];
  readonly deflator: {
    readonly name: string;
    readonly fromIndex: string;
    readonly toIndex: string;
  };
}

/**
 * The entry restated in `priceYear`'s prices, with the indices used so anyone can redo it; null
 * with an `upratingProblem` when the entry's own price year is not in the series (entries
 * recorded before such years were refused), so one entry never breaks a whole list. The series
 * is passed in, and must cover `priceYear` (the caller refuses a year it does not).
 */
export function upratedUnitCost(
  entry: UnitCostAdded,
  priceYear: string,
  deflators: Pick<DeflatorSeries, 'name' | 'index'>,
): { uprated: UpratedUnitCost } | { uprated: null; upratingProblem: string } {
  if (deflators.index[priceYear] === undefined)
    throw new Error(`invariant: the deflator series has no index for ${priceYear}`);
  if (deflators.index[entry.priceYear] === undefined) {
    const covered = Object.keys(deflators.index).sort().join(', ');
    return {
      uprated: null,
      upratingProblem: `${entry.code} is priced in ${entry.priceYear}, which the deflator series (${deflators.name}) does not cover (it covers ${covered}), so it cannot be restated in ${priceYear} prices`,
    };
  }
  const result = uprateSplit(
    entry.amount,
    entry.split.map((part) => ({
      key: `${part.agencyKind}/${part.cashable}`,
      amount: part.amount,
    })),
    entry.priceYear,
    priceYear,
    deflators,
  );
  return {
    uprated: {
      priceYear,
      amount: result.total,
      split: entry.split.map((part, index) => ({
        agencyKind: part.agencyKind,
        cashable: part.cashable,
        amount: result.parts[index]!.amount,
      })),
      deflator: {
        name: deflators.name,
        fromIndex: deflators.index[entry.priceYear]!,
        toIndex: deflators.index[priceYear]!,
      },
    },
  };
}
