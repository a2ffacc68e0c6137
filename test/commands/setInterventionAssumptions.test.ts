/** SetInterventionAssumptions: the cost-benefit judgements on an intervention, each change an event with a reason. */
import { describe, expect, it } from 'vitest';
import {
  decideSetInterventionAssumptions,
  type SetInterventionAssumptions,
} from '../../commands/setInterventionAssumptions.ts';
import { InterventionAssumptionsSetV1 } from '../../events/interventionAssumptions.ts';

import { POT_ID, UNKNOWN_ID, interventionDefined, interventionId, potOpened } from './fixtures.ts';
import { AGENCY, financeOfficerOf, given } from './spec.ts';

function assumptions(o: Partial<SetInterventionAssumptions> = {}): SetInterventionAssumptions {
  return {
    potId: POT_ID,
    interventionId: interventionId(1),
    deadweightPercent: '20',
    attributionPercent: '75',
    optimismBiasPercent: '12.5',
    benefitProfile: ['100', '60', '30'],
    reason: 'Evaluation report 2025, table 3',
    ...o,
  };
}

describe('SetInterventionAssumptions', () => {
  it('records the assumptions with their reason', () => {
    given([potOpened(), interventionDefined()])
      .when((state, context) => decideSetInterventionAssumptions(state, assumptions(), context))
      .then([{ type: 'InterventionAssumptionsSet', data: { ...assumptions() } }]);
  });

  it('records a change as a new event; the earlier one stays in the history', () => {
    const first = { type: 'InterventionAssumptionsSet' as const, data: assumptions() };
    given([potOpened(), interventionDefined(), first])
      .when((state, context) =>
        decideSetInterventionAssumptions(
          state,
          assumptions({ deadweightPercent: '30', reason: 'Peer review' }),
          context,
        ),
      )
      .then([
        {
          type: 'InterventionAssumptionsSet',
          data: assumptions({ deadweightPercent: '30', reason: 'Peer review' }),
        },
      ]);
  });

  it("lets any partner's finance officer set them", () => {
    given([potOpened(), interventionDefined()])
      .when((state, context) => decideSetInterventionAssumptions(state, assumptions(), context), {
        actor: financeOfficerOf(AGENCY.police),
      })
      .then([{ type: 'InterventionAssumptionsSet', data: assumptions() }]);
  });

  it('refuses a finance officer of a non-partner (FORBIDDEN)', () => {
    given([potOpened(), interventionDefined()])
      .when((state, context) => decideSetInterventionAssumptions(state, assumptions(), context), {
        actor: financeOfficerOf(AGENCY.nhs),
      })
      .thenRefuses('FORBIDDEN');
  });

  it('refuses an intervention that does not exist (NOT_FOUND)', () => {
    given([potOpened(), interventionDefined()])
      .when((state, context) =>
        decideSetInterventionAssumptions(
          state,
          assumptions({ interventionId: UNKNOWN_ID }),
          context,
        ),
      )
      .thenRefuses('NOT_FOUND');
  });

  it('refuses a pot that does not exist (NOT_FOUND) or is closed (POT_CLOSED)', () => {
    given([])
      .when((state, context) => decideSetInterventionAssumptions(state, assumptions(), context))
      .thenRefuses('NOT_FOUND');
    const spec = given([potOpened(), interventionDefined()]);
    spec.state.status = 'closed';
    spec
      .when((state, context) => decideSetInterventionAssumptions(state, assumptions(), context))
      .thenRefuses('POT_CLOSED');
  });

  it('the event schema bounds percentages to 0–100 with at most 2 decimal places, and the profile to 1–10 years', () => {
    const data = (o: Partial<SetInterventionAssumptions>) => {
      const { potId, interventionId: id, ...rest } = assumptions(o);
      return { potId, interventionId: id, ...rest };
    };
    expect(InterventionAssumptionsSetV1.safeParse(data({})).success).toBe(true);
    for (const bad of ['100.01', '101', '-1', '12.345', '07', '1e2', ' 5', '']) {
      expect(
        InterventionAssumptionsSetV1.safeParse(data({ deadweightPercent: bad })).success,
        bad,
      ).toBe(false);
    }
    for (const good of ['0', '0.5', '99.99', '100', '100.00', '12.5']) {
      expect(
        InterventionAssumptionsSetV1.safeParse(data({ optimismBiasPercent: good })).success,
        good,
      ).toBe(true);
    }
    expect(InterventionAssumptionsSetV1.safeParse(data({ benefitProfile: [] })).success).toBe(
      false,
    );
    expect(
      InterventionAssumptionsSetV1.safeParse(data({ benefitProfile: Array(10).fill('10') }))
        .success,
    ).toBe(true);
    expect(
      InterventionAssumptionsSetV1.safeParse(data({ benefitProfile: Array(11).fill('10') }))
        .success,
    ).toBe(false);
  });
});
