/** ContributeToPot: money comes in only from a partner of an open pot, paid by its own agency. */
import { describe, it } from 'vitest';
import { decideContributeToPot } from '../../commands/contributeToPot.ts';
import { MAX_AMOUNT } from '../../events/money.ts';
import {
  CONTRIBUTION_DATE,
  POT_ID,
  contribute,
  contributionId,
  contributionReceived,
  contributionReversed,
  partnerJoined,
  potOpened,
} from './fixtures.ts';
import { AGENCY, financeOfficerOf, given, givenEventId } from './spec.ts';

describe('ContributeToPot', () => {
  it('records the contribution, with its amount written to two decimal places', () => {
    given([potOpened()])
      .when((state, context) =>
        decideContributeToPot(state, contribute(AGENCY.cc, '300000'), context),
      )
      .then([
        {
          type: 'ContributionReceived',
          data: {
            potId: POT_ID,
            contributionId: contributionId(100),
            agencyId: AGENCY.cc,
            amount: '300000.00',
            effectiveDate: CONTRIBUTION_DATE,
            reference: 'PO-100',
          },
        },
      ]);
  });

  it('writes one decimal place as two: "12.5" becomes "12.50"', () => {
    given([potOpened()])
      .when((state, context) =>
        decideContributeToPot(state, contribute(AGENCY.police, '12.5'), context),
      )
      .then([{ type: 'ContributionReceived', data: contribute(AGENCY.police, '12.50') }]);
  });

  it('lets a finance officer contribute for their own agency', () => {
    given([potOpened()])
      .when(
        (state, context) =>
          decideContributeToPot(state, contribute(AGENCY.police, '250000.00'), context),
        {
          actor: financeOfficerOf(AGENCY.police),
        },
      )
      .then([{ type: 'ContributionReceived', data: contribute(AGENCY.police, '250000.00') }]);
  });

  it('accepts a contribution from an agency that joined after the pot opened', () => {
    given([potOpened(), partnerJoined(AGENCY.nhs)])
      .when((state, context) =>
        decideContributeToPot(state, contribute(AGENCY.nhs, '1.00'), context),
      )
      .then([{ type: 'ContributionReceived', data: contribute(AGENCY.nhs, '1.00') }]);
  });

  it('refuses a pot that has not been opened (NOT_FOUND)', () => {
    given([])
      .when((state, context) =>
        decideContributeToPot(state, contribute(AGENCY.cc, '1.00'), context),
      )
      .thenRefuses('NOT_FOUND');
  });

  it('refuses a closed pot (POT_CLOSED)', () => {
    const spec = given([potOpened()]);
    spec.state.status = 'closed';
    spec
      .when((state, context) =>
        decideContributeToPot(state, contribute(AGENCY.cc, '1.00'), context),
      )
      .thenRefuses('POT_CLOSED');
  });

  it("refuses a finance officer paying in another agency's money (FORBIDDEN)", () => {
    given([potOpened()])
      .when(
        (state, context) => decideContributeToPot(state, contribute(AGENCY.cc, '1.00'), context),
        {
          actor: financeOfficerOf(AGENCY.police),
        },
      )
      .thenRefuses('FORBIDDEN');
  });

  it('refuses a finance officer with no agency (FORBIDDEN)', () => {
    given([potOpened()])
      .when(
        (state, context) => decideContributeToPot(state, contribute(AGENCY.cc, '1.00'), context),
        {
          actor: { sub: 'x', role: 'finance-officer' },
        },
      )
      .thenRefuses('FORBIDDEN');
  });

  it('refuses money from a registered agency that is not a partner (NOT_A_PARTNER)', () => {
    given([potOpened()])
      .when((state, context) =>
        decideContributeToPot(state, contribute(AGENCY.nhs, '1.00'), context),
      )
      .thenRefuses('NOT_A_PARTNER');
  });

  it('refuses a finance officer of a non-partner, even paying in for their own agency (FORBIDDEN: not their pot)', () => {
    given([potOpened()])
      .when(
        (state, context) => decideContributeToPot(state, contribute(AGENCY.nhs, '1.00'), context),
        {
          actor: financeOfficerOf(AGENCY.nhs),
        },
      )
      .thenRefuses('FORBIDDEN');
  });

  describe(`a pot holds at most ${MAX_AMOUNT} (AMOUNT_LIMIT_EXCEEDED beyond)`, () => {
    const nearlyFull = [potOpened(), contributionReceived(AGENCY.cc, '999999999999.00', { n: 1 })];

    it('accepts the contribution that fills the pot to the limit exactly', () => {
      given(nearlyFull)
        .when((state, context) =>
          decideContributeToPot(state, contribute(AGENCY.police, '1.00'), context),
        )
        .then([{ type: 'ContributionReceived', data: contribute(AGENCY.police, '1.00') }]);
    });

    it('refuses one penny beyond it, whoever pays it, naming the limit and the figures', () => {
      given(nearlyFull)
        .when((state, context) =>
          decideContributeToPot(state, contribute(AGENCY.police, '1.01'), context),
        )
        .thenRefuses('AMOUNT_LIMIT_EXCEEDED', {
          limit: MAX_AMOUNT,
          contributed: '999999999999.00',
          requested: '1.01',
        });
    });

    it('refuses a second maximal contribution: the stake it makes could never be returned', () => {
      given([potOpened(), contributionReceived(AGENCY.cc, MAX_AMOUNT, { n: 1 })])
        .when((state, context) =>
          decideContributeToPot(state, contribute(AGENCY.cc, MAX_AMOUNT), context),
        )
        .thenRefuses('AMOUNT_LIMIT_EXCEEDED');
    });

    it('counts contributions net of reversals: a reversed contribution frees its room', () => {
      given([
        ...nearlyFull,
        contributionReversed(givenEventId(2), AGENCY.cc, '999999999999.00', { n: 1 }),
      ])
        .when((state, context) =>
          decideContributeToPot(state, contribute(AGENCY.police, MAX_AMOUNT), context),
        )
        .then([{ type: 'ContributionReceived', data: contribute(AGENCY.police, MAX_AMOUNT) }]);
    });
  });
});
