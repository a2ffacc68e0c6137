/** RegisterAgency: an agency is registered once, under the id the admin chooses. */
import { describe, it } from 'vitest';
import { decideRegisterAgency } from '../../commands/registerAgency.ts';
import { givenAgency } from './spec.ts';

const register = { agencyId: 'essex-police', name: 'Essex Police', kind: 'police' } as const;

describe('RegisterAgency', () => {
  it('registers a new agency with its name and kind', () => {
    givenAgency([])
      .when((state) => decideRegisterAgency(state, register))
      .then([
        {
          type: 'AgencyRegistered',
          data: { agencyId: 'essex-police', name: 'Essex Police', kind: 'police' },
        },
      ]);
  });

  it('refuses to register the same agency id twice (ALREADY_EXISTS)', () => {
    givenAgency([
      {
        type: 'AgencyRegistered',
        data: { agencyId: 'essex-police', name: 'Essex Police', kind: 'police' },
      },
    ])
      .when((state) => decideRegisterAgency(state, { ...register, name: 'Essex Constabulary' }))
      .thenRefuses('ALREADY_EXISTS');
  });
});
