/** AgreeContribution: what each partner agreed to pay in per financial year; varied only by a new board decision. */
import { describe, it } from 'vitest';
import {
  decideAgreeContribution,
  type AgreeContribution,
} from '../../commands/agreeContribution.ts';
import type { PotEvent } from '../../events/pot.ts';
import { financialYearClosed } from './controlFixtures.ts';
import { POT_ID, potOpened } from './fixtures.ts';
import { AGENCY, financeOfficerOf, given, givenEventId } from './spec.ts';

type Agreed = Extract<PotEvent, { type: 'ContributionAgreed' }>;

function agree(
  agencyId: string,
  amount: string,
  o: Partial<AgreeContribution> = {},
): AgreeContribution {
  return {
    potId: POT_ID,
    agencyId,
    financialYear: '2025-26',
    amount,
    boardDecisionRef: 'PB-2025-03 item 4',
    ...o,
  };
}

function agreed(agencyId: string, amount: string, o: Partial<Agreed['data']> = {}): Agreed {
  return {
    type: 'ContributionAgreed',
    data: {
      potId: POT_ID,
      agencyId,
      financialYear: '2025-26',
      amount,
      boardDecisionRef: 'PB-2025-03 item 4',
      ...o,
    },
  };
}

describe('AgreeContribution', () => {
  it("records a partner's agreed contribution for a financial year, amount to two decimal places", () => {
    given([potOpened()])
      .when((state, context) =>
        decideAgreeContribution(
          state,
          agree(AGENCY.police, '250000', { note: 'Year one of three' }),
          context,
        ),
      )
      .then([agreed(AGENCY.police, '250000.00', { note: 'Year one of three' })]);
  });

  it('varies an earlier agreement for the same partner and year by a new event naming it and its amount', () => {
    const spec = given([potOpened(), agreed(AGENCY.police, '250000.00')]);
    spec
      .when((state, context) =>
        decideAgreeContribution(
          state,
          agree(AGENCY.police, '200000.00', { boardDecisionRef: 'PB-2025-09 item 2' }),
          context,
        ),
      )
      .then([
        agreed(AGENCY.police, '200000.00', {
          boardDecisionRef: 'PB-2025-09 item 2',
          varies: {
            agreementEventId: spec.eventIds[1]!,
            amount: '250000.00',
            boardDecisionRef: 'PB-2025-03 item 4',
          },
        }),
      ]);
  });

  it('a second variation names the agreement in force (the first variation), not the original', () => {
    const spec = given([
      potOpened(),
      agreed(AGENCY.police, '250000.00'),
      agreed(AGENCY.police, '200000.00', {
        boardDecisionRef: 'PB-2025-09 item 2',
        varies: {
          agreementEventId: givenEventId(2),
          amount: '250000.00',
          boardDecisionRef: 'PB-2025-03 item 4',
        },
      }),
    ]);
    spec
      .when((state, context) =>
        decideAgreeContribution(
          state,
          agree(AGENCY.police, '210000.00', { boardDecisionRef: 'PB-2026-01' }),
          context,
        ),
      )
      .then([
        agreed(AGENCY.police, '210000.00', {
          boardDecisionRef: 'PB-2026-01',
          varies: {
            agreementEventId: spec.eventIds[2]!,
            amount: '200000.00',
            boardDecisionRef: 'PB-2025-09 item 2',
          },
        }),
      ]);
  });

  it('treats another financial year, or another partner, as a new agreement (no varies)', () => {
    given([potOpened(), agreed(AGENCY.police, '250000.00')])
      .when((state, context) =>
        decideAgreeContribution(
          state,
          agree(AGENCY.police, '250000.00', { financialYear: '2026-27' }),
          context,
        ),
      )
      .then([agreed(AGENCY.police, '250000.00', { financialYear: '2026-27' })]);
    given([potOpened(), agreed(AGENCY.police, '250000.00')])
      .when((state, context) =>
        decideAgreeContribution(state, agree(AGENCY.probation, '250000.00'), context),
      )
      .then([agreed(AGENCY.probation, '250000.00')]);
  });

  it('refuses an agreement that would change nothing: same partner, year and amount (ALREADY_EXISTS)', () => {
    given([potOpened(), agreed(AGENCY.police, '250000.00')])
      .when((state, context) =>
        decideAgreeContribution(
          state,
          agree(AGENCY.police, '250000', { boardDecisionRef: 'PB-other' }),
          context,
        ),
      )
      .thenRefuses('ALREADY_EXISTS');
  });

  it("refuses a finance officer of the host partner, for another partner or for the host's own agreement (FORBIDDEN): only an admin records it", () => {
    given([potOpened()])
      .when(
        (state, context) => decideAgreeContribution(state, agree(AGENCY.police, '1.00'), context),
        { actor: financeOfficerOf(AGENCY.cc) },
      )
      .thenRefuses('FORBIDDEN');
    given([potOpened(), agreed(AGENCY.cc, '1000000.00')])
      .when(
        (state, context) =>
          decideAgreeContribution(
            state,
            agree(AGENCY.cc, '200000.00', { boardDecisionRef: 'made up' }),
            context,
          ),
        {
          actor: financeOfficerOf(AGENCY.cc),
        },
      )
      .thenRefuses('FORBIDDEN');
  });

  it('refuses an auditor or a reporter (FORBIDDEN)', () => {
    for (const role of ['auditor', 'reporter'] as const) {
      given([potOpened()])
        .when(
          (state, context) => decideAgreeContribution(state, agree(AGENCY.police, '1.00'), context),
          { actor: { sub: 'eve', role } },
        )
        .thenRefuses('FORBIDDEN');
    }
  });

  it("refuses a partner's own finance officer who is not the host's, even for their own agency (FORBIDDEN)", () => {
    given([potOpened()])
      .when(
        (state, context) => decideAgreeContribution(state, agree(AGENCY.police, '1.00'), context),
        { actor: financeOfficerOf(AGENCY.police) },
      )
      .thenRefuses('FORBIDDEN');
  });

  it('refuses a finance officer of a non-partner (FORBIDDEN)', () => {
    given([potOpened()])
      .when(
        (state, context) => decideAgreeContribution(state, agree(AGENCY.police, '1.00'), context),
        { actor: financeOfficerOf(AGENCY.nhs) },
      )
      .thenRefuses('FORBIDDEN');
  });

  it('refuses an agency that is not a partner (NOT_A_PARTNER)', () => {
    given([potOpened()])
      .when((state, context) => decideAgreeContribution(state, agree(AGENCY.nhs, '1.00'), context))
      .thenRefuses('NOT_A_PARTNER');
  });

  it('refuses a pot that does not exist (NOT_FOUND) or is closed (POT_CLOSED)', () => {
    given([])
      .when((state, context) =>
        decideAgreeContribution(state, agree(AGENCY.police, '1.00'), context),
      )
      .thenRefuses('NOT_FOUND');
    const spec = given([potOpened()]);
    spec.state.status = 'closed';
    spec
      .when((state, context) =>
        decideAgreeContribution(state, agree(AGENCY.police, '1.00'), context),
      )
      .thenRefuses('POT_CLOSED');
  });
  it('refuses an agreement for a closed financial year, or a year before one (PERIOD_CLOSED): its figures are final', () => {
    const closed = given([potOpened(), financialYearClosed('2025-26')]);
    closed
      .when((state, context) =>
        decideAgreeContribution(state, agree(AGENCY.police, '1.00'), context),
      )
      .thenRefuses('PERIOD_CLOSED');
    closed
      .when((state, context) =>
        decideAgreeContribution(
          state,
          agree(AGENCY.police, '1.00', { financialYear: '2024-25' }),
          context,
        ),
      )
      .thenRefuses('PERIOD_CLOSED');
    closed
      .when((state, context) =>
        decideAgreeContribution(
          state,
          agree(AGENCY.police, '1.00', { financialYear: '2026-27' }),
          context,
        ),
      )
      .then([agreed(AGENCY.police, '1.00', { financialYear: '2026-27' })]);
  });
});
