/**
 * What the write path reads before RecordOutcome decides on lines given by quantity: the
 * unit-cost version in force for each code, and the kind of each agency the valuation may
 * credit (the pot's partners and any agency a line names). The decider then stays pure.
 *
 * Read from the event streams themselves, not from the books, so a figure superseded a moment
 * ago is never used because a projection lagged. Agencies never change kind, so kinds are
 * remembered for good.
 */
import type { RecordOutcome } from '../../commands/recordOutcome.ts';
import { beneficiaryIdsOf } from '../../commands/recordOutcome.ts';
import {
  currentUnitCost,
  evolveUnitCost,
  initialUnitCostState,
} from '../../commands/unitCostState.ts';
import type { ValuationInputs } from '../../commands/valueOutcomeLines.ts';
import {
  agencyStreamId,
  potStreamId,
  unitCostStreamId,
  type AgencyRegistered,
  type PotOpened,
  type PartnerJoined,
  type UnitCostAdded,
  type UnitCostEvent,
} from '../../events/index.ts';
import type { AgencyKind } from '../../events/primitives.ts';
import type { EventStore } from '../store/eventStore.ts';

export interface ValuationReader {
  read(potId: string, body: Pick<RecordOutcome, 'lines'>): Promise<ValuationInputs>;
}

export function createValuationReader(store: EventStore): ValuationReader {
  const kinds = new Map<string, AgencyKind>();

  async function kindOf(agencyId: string): Promise<AgencyKind | undefined> {
    if (!kinds.has(agencyId)) {
      const registered = (await store.readStream(agencyStreamId(agencyId))).find(
        (e) => e.type === 'AgencyRegistered',
      );
      if (registered !== undefined) kinds.set(agencyId, (registered.data as AgencyRegistered).kind);
    }
    return kinds.get(agencyId);
  }

  async function partnersOf(potId: string): Promise<string[]> {
    const partners: string[] = [];
    for (const event of await store.readStream(potStreamId(potId))) {
      if (event.type === 'PotOpened') partners.push(...(event.data as PotOpened).partnerAgencyIds);
      if (event.type === 'PartnerJoined') partners.push((event.data as PartnerJoined).agencyId);
    }
    return partners;
  }

  async function inForce(code: string): Promise<UnitCostAdded | undefined> {
    let state = initialUnitCostState();
    for (const event of await store.readStream(unitCostStreamId(code))) {
      state = evolveUnitCost(state, event as unknown as UnitCostEvent);
    }
    return currentUnitCost(state);
  }

  return {
    async read(potId, body) {
      const unitCosts = new Map<string, UnitCostAdded>();
      for (const code of new Set((body.lines ?? []).map((line) => line.unitCostCode))) {
        const entry = await inForce(code);
        if (entry !== undefined) unitCosts.set(code, entry);
      }
      const agencyKinds = new Map<string, AgencyKind>();
      for (const agencyId of new Set([...(await partnersOf(potId)), ...beneficiaryIdsOf(body)])) {
        const kind = await kindOf(agencyId);
        if (kind !== undefined) agencyKinds.set(agencyId, kind);
      }
      return { unitCosts, agencyKinds };
    },
  };
}
