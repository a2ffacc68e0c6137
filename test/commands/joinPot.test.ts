/** JoinPot: a registered agency joins an open pot once. */
import { describe, it } from 'vitest';
import { decideJoinPot } from '../../commands/joinPot.ts';
import { MAX_PARTNERS_PER_POT } from '../../events/primitives.ts';
import { POT_ID, partnerJoined, potOpened } from './fixtures.ts';
import {
  ADMIN,
  AGENCY,
  NOT_REGISTERED,
  REGISTERED_AGENCIES,
  financeOfficerOf,
  given,
} from './spec.ts';

const join = (agencyId: string) => ({ potId: POT_ID, agencyId });

describe('JoinPot', () => {
  it('adds a registered agency as a partner', () => {
    given([potOpened()])
      .when((state, context) => decideJoinPot(state, join(AGENCY.nhs), context))
      .then([partnerJoined(AGENCY.nhs)]);
  });

  it('lets a finance officer of a partner add another agency', () => {
    given([potOpened()])
      .when((state, context) => decideJoinPot(state, join(AGENCY.nhs), context), {
        actor: financeOfficerOf(AGENCY.police),
      })
      .then([partnerJoined(AGENCY.nhs)]);
  });

  it('refuses a pot that has not been opened (NOT_FOUND)', () => {
    given([])
      .when((state, context) => decideJoinPot(state, join(AGENCY.nhs), context))
      .thenRefuses('NOT_FOUND');
  });

  it('refuses a closed pot (POT_CLOSED)', () => {
    const spec = given([potOpened()]);
    spec.state.status = 'closed';
    spec
      .when((state, context) => decideJoinPot(state, join(AGENCY.nhs), context))
      .thenRefuses('POT_CLOSED');
  });

  it('refuses an agency that is not registered (NOT_FOUND), naming it', () => {
    given([potOpened()])
      .when((state, context) => decideJoinPot(state, join(NOT_REGISTERED), context))
      .thenRefuses('NOT_FOUND', { agencyIds: [NOT_REGISTERED] });
  });

  it('refuses an agency that is already a partner (ALREADY_EXISTS)', () => {
    given([potOpened()])
      .when((state, context) => decideJoinPot(state, join(AGENCY.police), context))
      .thenRefuses('ALREADY_EXISTS');
  });

  it('refuses an agency that joined earlier (ALREADY_EXISTS)', () => {
    given([potOpened(), partnerJoined(AGENCY.nhs)])
      .when((state, context) => decideJoinPot(state, join(AGENCY.nhs), context))
      .thenRefuses('ALREADY_EXISTS');
  });

  it('refuses a finance officer whose agency is not a partner (FORBIDDEN)', () => {
    given([potOpened()])
      .when((state, context) => decideJoinPot(state, join(AGENCY.nhs), context), {
        actor: financeOfficerOf(AGENCY.nhs),
      })
      .thenRefuses('FORBIDDEN');
  });

  it('refuses a finance officer with no agency (FORBIDDEN)', () => {
    given([potOpened()])
      .when((state, context) => decideJoinPot(state, join(AGENCY.nhs), context), {
        actor: { sub: 'x', role: 'finance-officer' },
      })
      .thenRefuses('FORBIDDEN');
  });

  it(`refuses a partner beyond ${MAX_PARTNERS_PER_POT} (VALIDATION_FAILED)`, () => {
    const partners = Array.from({ length: MAX_PARTNERS_PER_POT }, (_, i) => `partner-${i + 1}`);
    given([potOpened({ hostAgencyId: 'partner-1', partnerAgencyIds: partners })])
      .when((state, context) => decideJoinPot(state, join(AGENCY.nhs), context), {
        actor: ADMIN,
        registeredAgencies: new Set([...REGISTERED_AGENCIES, ...partners]),
      })
      .thenRefuses('VALIDATION_FAILED');
  });
});
