/**
 * The unit-cost catalogue projection: versions in order, the latest in force, each earlier one
 * marked with the version that superseded it; a log that skips a version stops the fold.
 */
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../events/index.ts';
import { foldAll } from '../../projections/projection.ts';
import {
  listUnitCosts,
  unitCostCatalogueProjection,
  unitCostHistory,
} from '../../projections/unitCostCatalogue.ts';
import {
  DV,
  domesticViolenceBody,
  HIP,
  hipFractureBody,
  unitCostAdded,
} from '../unitCosts/fixtures.ts';

let position = 0n;
function envelope(event: ReturnType<typeof unitCostAdded>): Envelope {
  position += 1n;
  return {
    ...event,
    eventId: `01J00000000000000000000${String(position).padStart(3, '0')}`,
    streamId: `unit-cost-${event.data.code}`,
    streamRevision: BigInt(event.data.version - 1),
    position,
    metadata: {
      commandId: `c${position}`,
      correlationId: `c${position}`,
      actor: { sub: 'alice', role: 'admin' },
      recordedAt: '2026-01-15T10:00:00.000Z',
    },
  };
}

describe('unit-cost catalogue projection', () => {
  it('lists the version in force of each code by code; with includeSuperseded, every version, marked', () => {
    const state = foldAll(unitCostCatalogueProjection, [
      envelope(unitCostAdded(hipFractureBody())),
      envelope(unitCostAdded(domesticViolenceBody())),
      envelope(unitCostAdded(hipFractureBody({ amount: '12700.00' }), 2)),
    ]);
    expect(listUnitCosts(state).map((e) => [e.code, e.version])).toEqual([
      [DV, 1],
      [HIP, 2],
    ]);
    expect(
      listUnitCosts(state, { includeSuperseded: true }).map((e) => [
        e.code,
        e.version,
        e.supersededByVersion,
      ]),
    ).toEqual([
      [DV, 1, undefined],
      [HIP, 1, 2],
      [HIP, 2, undefined],
    ]);
    expect(unitCostHistory(state, HIP)?.map((e) => e.addedBy)).toEqual(['alice', 'alice']);
    expect(unitCostHistory(state, 'NO-SUCH-CODE')).toBeNull();
  });

  it('stops on a version that does not follow the last one', () => {
    expect(() =>
      foldAll(unitCostCatalogueProjection, [envelope(unitCostAdded(hipFractureBody(), 2))]),
    ).toThrow(/invariant/);
  });
});
