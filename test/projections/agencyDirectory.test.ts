import { describe, expect, it } from 'vitest';
import {
  agencyDirectoryProjection,
  getAgency,
  listAgencies,
} from '../../projections/agencyDirectory.ts';
import { foldAll } from '../../projections/projection.ts';
import { createHistory } from './envelopes.ts';
import { essexScenario } from './essexScenario.ts';

describe('agency directory', () => {
  it('given registrations in any order, lists every agency by agencyId with when and where it was recorded', () => {
    const h = createHistory({ startAt: '2025-04-01T09:00:00.000Z' });
    h.registerAgency('essex-police', 'Essex Police', 'police');
    h.registerAgency('essex-cc', 'Essex County Council', 'council');

    const state = foldAll(agencyDirectoryProjection, h.events);

    expect(listAgencies(state)).toEqual([
      {
        agencyId: 'essex-cc',
        name: 'Essex County Council',
        kind: 'council',
        registeredAt: '2025-04-01T09:01:00.000Z',
        position: '2',
      },
      {
        agencyId: 'essex-police',
        name: 'Essex Police',
        kind: 'police',
        registeredAt: '2025-04-01T09:00:00.000Z',
        position: '1',
      },
    ]);
  });

  it('given a whole history, ignores every event but registrations', () => {
    const { h } = essexScenario();
    const state = foldAll(agencyDirectoryProjection, h.events);
    expect(listAgencies(state).map((a) => a.agencyId)).toEqual([
      'essex-cc',
      'essex-police',
      'essex-probation',
      'nhs-mid-essex',
    ]);
  });

  it('finds one agency by id, and answers null for an agency never registered', () => {
    const h = createHistory();
    h.registerAgency('nhs-mid-essex', 'NHS Mid Essex', 'health');
    const state = foldAll(agencyDirectoryProjection, h.events);
    expect(getAgency(state, 'nhs-mid-essex')).toMatchObject({
      name: 'NHS Mid Essex',
      kind: 'health',
      position: '1',
    });
    expect(getAgency(state, 'dwp')).toBeNull();
  });

  it('given an empty log, lists nothing', () => {
    expect(listAgencies(agencyDirectoryProjection.initialState())).toEqual([]);
  });

  it('stops loudly when the log registers the same agency twice', () => {
    const h = createHistory();
    h.registerAgency('essex-cc', 'Essex County Council', 'council');
    h.registerAgency('essex-cc', 'Essex CC again', 'council');
    expect(() => foldAll(agencyDirectoryProjection, h.events)).toThrow(
      /invariant: agency essex-cc registered twice/,
    );
  });
});
