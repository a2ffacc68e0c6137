/** OpenPot: a pot is opened once, with registered partners, the host always among them. */
import { describe, it } from 'vitest';
import { decideOpenPot, type OpenPot } from '../../commands/openPot.ts';
import { MAX_PARTNERS_PER_POT } from '../../events/primitives.ts';
import { POT_ID, potOpened } from './fixtures.ts';
import { AGENCY, NOT_REGISTERED, REGISTERED_AGENCIES, given } from './spec.ts';

function openPot(hostAgencyId: string, partnerAgencyIds: string[]): OpenPot {
  return {
    potId: POT_ID,
    name: 'Essex Reducing Reoffending',
    area: 'Essex',
    hostAgencyId,
    partnerAgencyIds,
    currency: 'GBP',
  };
}

/** `count` registered agency ids, none of them the host. */
const manyAgencies = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `partner-${i + 1}`);

describe('OpenPot', () => {
  it('opens a pot with its name, area, host, partners and currency', () => {
    given([])
      .when((state, context) =>
        decideOpenPot(state, openPot(AGENCY.cc, [AGENCY.cc, AGENCY.police]), context),
      )
      .then([
        {
          type: 'PotOpened',
          data: {
            potId: POT_ID,
            name: 'Essex Reducing Reoffending',
            area: 'Essex',
            hostAgencyId: AGENCY.cc,
            partnerAgencyIds: [AGENCY.cc, AGENCY.police],
            currency: 'GBP',
          },
        },
      ]);
  });

  it('puts the host first among the partners when the command leaves it out', () => {
    given([])
      .when((state, context) =>
        decideOpenPot(state, openPot(AGENCY.cc, [AGENCY.police, AGENCY.probation]), context),
      )
      .then([
        potOpened({
          hostAgencyId: AGENCY.cc,
          partnerAgencyIds: [AGENCY.cc, AGENCY.police, AGENCY.probation],
        }),
      ]);
  });

  it('makes the host the only partner when the command lists none', () => {
    given([])
      .when((state, context) => decideOpenPot(state, openPot(AGENCY.police, []), context))
      .then([potOpened({ hostAgencyId: AGENCY.police, partnerAgencyIds: [AGENCY.police] })]);
  });

  it('keeps the host where the command lists it', () => {
    given([])
      .when((state, context) =>
        decideOpenPot(
          state,
          openPot(AGENCY.cc, [AGENCY.police, AGENCY.cc, AGENCY.probation]),
          context,
        ),
      )
      .then([
        potOpened({
          hostAgencyId: AGENCY.cc,
          partnerAgencyIds: [AGENCY.police, AGENCY.cc, AGENCY.probation],
        }),
      ]);
  });

  it('refuses a partner list naming an agency twice (VALIDATION_FAILED)', () => {
    given([])
      .when((state, context) =>
        decideOpenPot(
          state,
          openPot(AGENCY.cc, [AGENCY.police, AGENCY.probation, AGENCY.police]),
          context,
        ),
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('refuses a partner that is not a registered agency (NOT_FOUND), naming it', () => {
    given([])
      .when((state, context) =>
        decideOpenPot(state, openPot(AGENCY.cc, [AGENCY.police, NOT_REGISTERED]), context),
      )
      .thenRefuses('NOT_FOUND', { agencyIds: [NOT_REGISTERED] });
  });

  it('refuses a host that is not a registered agency (NOT_FOUND)', () => {
    given([])
      .when((state, context) =>
        decideOpenPot(state, openPot(NOT_REGISTERED, [AGENCY.police]), context),
      )
      .thenRefuses('NOT_FOUND', { agencyIds: [NOT_REGISTERED] });
  });

  it(`accepts ${MAX_PARTNERS_PER_POT} partners, the host counted`, () => {
    const partners = manyAgencies(MAX_PARTNERS_PER_POT - 1);
    const registeredAgencies = new Set([...REGISTERED_AGENCIES, ...partners]);
    given([])
      .when((state, context) => decideOpenPot(state, openPot(AGENCY.cc, partners), context), {
        registeredAgencies,
      })
      .then([potOpened({ hostAgencyId: AGENCY.cc, partnerAgencyIds: [AGENCY.cc, ...partners] })]);
  });

  it(`refuses more than ${MAX_PARTNERS_PER_POT} partners once the host is added (VALIDATION_FAILED)`, () => {
    const partners = manyAgencies(MAX_PARTNERS_PER_POT);
    const registeredAgencies = new Set([...REGISTERED_AGENCIES, ...partners]);
    given([])
      .when((state, context) => decideOpenPot(state, openPot(AGENCY.cc, partners), context), {
        registeredAgencies,
      })
      .thenRefuses('VALIDATION_FAILED');
  });

  it('refuses to open a pot that is already open (ALREADY_EXISTS)', () => {
    given([potOpened()])
      .when((state, context) => decideOpenPot(state, openPot(AGENCY.cc, [AGENCY.police]), context))
      .thenRefuses('ALREADY_EXISTS');
  });
});
