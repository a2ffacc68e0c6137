/** Unit-cost entries the specs and API tests share: the hip fracture of the starter catalogue. */
import type { AddUnitCost } from '../../commands/addUnitCost.ts';
import type { UnitCostAdded, UnitCostEvent } from '../../events/unitCost.ts';

export const HIP = 'HEALTH-HIP-FRACTURE';
export const DV = 'CRIME-DOMESTIC-VIOLENCE-INCIDENT';

export function hipFractureBody(o: Partial<AddUnitCost> = {}): AddUnitCost {
  return {
    code: HIP,
    description: 'Hip fracture: hospital treatment and the social care that follows',
    unit: 'per incident',
    amount: '12700.00',
    priceYear: '2008-09',
    split: [
      { agencyKind: 'health', amount: '10000.00', cashable: false },
      { agencyKind: 'council', amount: '2700.00', cashable: true, label: 'adult social care' },
    ],
    source: 'New Economy / GMCA Unit Cost Database v2.x',
    ...o,
  };
}

export function domesticViolenceBody(): AddUnitCost {
  return {
    code: DV,
    description: 'Domestic violence incident: cost to public services',
    unit: 'per incident',
    amount: '2470.00',
    priceYear: '2008-09',
    split: [
      { agencyKind: 'health', amount: '1171.00', cashable: false },
      { agencyKind: 'other', amount: '581.00', cashable: false, label: 'criminal justice' },
      { agencyKind: 'police', amount: '415.00', cashable: false },
      { agencyKind: 'council', amount: '193.00', cashable: false, label: "children's services" },
      { agencyKind: 'housing', amount: '110.00', cashable: false },
    ],
    source: 'New Economy / GMCA Unit Cost Database v2.x',
  };
}

export function unitCostAdded(
  body: AddUnitCost,
  version = 1,
): { type: 'UnitCostAdded'; data: UnitCostAdded } {
  return {
    type: 'UnitCostAdded',
    data: { ...body, version, ...(version > 1 ? { supersedesVersion: version - 1 } : {}) },
  } satisfies UnitCostEvent;
}
