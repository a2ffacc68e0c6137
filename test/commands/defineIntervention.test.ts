/** DefineIntervention: an intervention is led by a partner, who answers for it to the others. */
import { describe, it } from 'vitest';
import { decideDefineIntervention } from '../../commands/defineIntervention.ts';
import {
  POT_ID,
  defineIntervention,
  interventionId,
  partnerJoined,
  potOpened,
} from './fixtures.ts';
import { AGENCY, financeOfficerOf, given } from './spec.ts';

describe('DefineIntervention', () => {
  it('defines an intervention led by a partner, with its description', () => {
    given([potOpened()])
      .when((state, context) =>
        decideDefineIntervention(
          state,
          defineIntervention(AGENCY.probation, {
            description: 'Mentors meet prison leavers at the gate.',
          }),
          context,
        ),
      )
      .then([
        {
          type: 'InterventionDefined',
          data: {
            potId: POT_ID,
            interventionId: interventionId(100),
            name: 'Through-the-gate mentoring',
            leadAgencyId: AGENCY.probation,
            description: 'Mentors meet prison leavers at the gate.',
          },
        },
      ]);
  });

  it('leaves the description out of the event when the command has none', () => {
    given([potOpened()])
      .when((state, context) =>
        decideDefineIntervention(state, defineIntervention(AGENCY.probation), context),
      )
      .then([
        {
          type: 'InterventionDefined',
          data: {
            potId: POT_ID,
            interventionId: interventionId(100),
            name: 'Through-the-gate mentoring',
            leadAgencyId: AGENCY.probation,
          },
        },
      ]);
  });

  it('accepts a lead that joined after the pot opened', () => {
    given([potOpened(), partnerJoined(AGENCY.nhs)])
      .when((state, context) =>
        decideDefineIntervention(state, defineIntervention(AGENCY.nhs), context),
      )
      .then([
        {
          type: 'InterventionDefined',
          data: {
            potId: POT_ID,
            interventionId: interventionId(100),
            name: 'Through-the-gate mentoring',
            leadAgencyId: AGENCY.nhs,
          },
        },
      ]);
  });

  it('lets a finance officer of a partner define one, led by another partner', () => {
    given([potOpened()])
      .when(
        (state, context) =>
          decideDefineIntervention(state, defineIntervention(AGENCY.probation), context),
        {
          actor: financeOfficerOf(AGENCY.police),
        },
      )
      .then([
        {
          type: 'InterventionDefined',
          data: {
            potId: POT_ID,
            interventionId: interventionId(100),
            name: 'Through-the-gate mentoring',
            leadAgencyId: AGENCY.probation,
          },
        },
      ]);
  });

  it('refuses a lead agency that is not a partner (NOT_A_PARTNER)', () => {
    given([potOpened()])
      .when((state, context) =>
        decideDefineIntervention(state, defineIntervention(AGENCY.nhs), context),
      )
      .thenRefuses('NOT_A_PARTNER');
  });

  it('refuses a finance officer whose agency is not a partner (FORBIDDEN)', () => {
    given([potOpened()])
      .when(
        (state, context) =>
          decideDefineIntervention(state, defineIntervention(AGENCY.probation), context),
        {
          actor: financeOfficerOf(AGENCY.nhs),
        },
      )
      .thenRefuses('FORBIDDEN');
  });

  it('refuses a pot that has not been opened (NOT_FOUND)', () => {
    given([])
      .when((state, context) =>
        decideDefineIntervention(state, defineIntervention(AGENCY.probation), context),
      )
      .thenRefuses('NOT_FOUND');
  });

  it('refuses a closed pot (POT_CLOSED)', () => {
    const spec = given([potOpened()]);
    spec.state.status = 'closed';
    spec
      .when((state, context) =>
        decideDefineIntervention(state, defineIntervention(AGENCY.probation), context),
      )
      .thenRefuses('POT_CLOSED');
  });
});
