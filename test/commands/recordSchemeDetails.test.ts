/**
 * RecordSchemeDetails: an intervention's scheme details (type, funding source, commissioner
 * split, provider, recurrent, revenue or capital). The host keeps the pool's accounts, so an
 * admin or a host finance officer records them; a later record replaces the earlier one.
 */
import { describe, expect, it } from 'vitest';
import { decideRecordSchemeDetails } from '../../commands/recordSchemeDetails.ts';
import { evolvePot } from '../../commands/potState.ts';
import type { SchemeDetailsRecorded } from '../../events/poolYear.ts';
import { interventionId, POT_ID } from './fixtures.ts';
import { fundedWithoutAgreement, recordSchemeDetails } from './poolYearFixtures.ts';
import { AGENCY, financeOfficerOf, given } from './spec.ts';

const { cc, police, probation, nhs } = AGENCY;

const detailsOf = (o: Partial<SchemeDetailsRecorded> = {}) => ({
  type: 'SchemeDetailsRecorded' as const,
  data: {
    potId: POT_ID,
    interventionId: interventionId(1),
    schemeType: 'Reablement in a person’s own home',
    fundingSource: 'nhs-minimum' as const,
    commissioner: [{ agencyId: probation, percent: '100' }],
    recurrent: true,
    expenditure: 'revenue' as const,
    ...o,
  },
});

describe('RecordSchemeDetails', () => {
  it('without a commissioner split, the lead agency commissions 100%', () => {
    given(fundedWithoutAgreement)
      .when((state, context) => decideRecordSchemeDetails(state, recordSchemeDetails(), context))
      .then([detailsOf()]);
  });

  it('records a commissioner split summing to 100, a provider, capital, non-recurrent', () => {
    const commissioner = [
      { agencyId: cc, percent: '33.33' },
      { agencyId: police, percent: '33.33' },
      { agencyId: probation, percent: '33.34' },
    ];
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordSchemeDetails(
          state,
          recordSchemeDetails({
            commissioner,
            provider: 'Essex Reablement Ltd',
            recurrent: false,
            expenditure: 'capital',
            fundingSource: 'dfg',
            schemeType: 'Disabled facilities grant adaptations',
          }),
          context,
        ),
      )
      .then([
        detailsOf({
          commissioner,
          provider: 'Essex Reablement Ltd',
          recurrent: false,
          expenditure: 'capital',
          fundingSource: 'dfg',
          schemeType: 'Disabled facilities grant adaptations',
        }),
      ]);
  });

  it('400 VALIDATION_FAILED for a commissioner split that does not sum to 100', () => {
    for (const percents of [
      ['60', '39.99'],
      ['60', '40.01'],
      ['100', '0.01'],
    ]) {
      given(fundedWithoutAgreement)
        .when((state, context) =>
          decideRecordSchemeDetails(
            state,
            recordSchemeDetails({
              commissioner: [
                { agencyId: cc, percent: percents[0]! },
                { agencyId: police, percent: percents[1]! },
              ],
            }),
            context,
          ),
        )
        .thenRefuses('VALIDATION_FAILED');
    }
  });

  it('400 VALIDATION_FAILED for a commissioner with a share of 0%: one with no share is not a commissioner', () => {
    for (const zero of ['0', '0.00', '0.0']) {
      given(fundedWithoutAgreement)
        .when((state, context) =>
          decideRecordSchemeDetails(
            state,
            recordSchemeDetails({
              commissioner: [
                { agencyId: cc, percent: '100' },
                { agencyId: police, percent: zero },
              ],
            }),
            context,
          ),
        )
        .thenRefuses('VALIDATION_FAILED', { agencyIds: [police] });
    }
  });

  it('"100.00" and "60" + "40.0" are 100', () => {
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordSchemeDetails(
          state,
          recordSchemeDetails({
            commissioner: [
              { agencyId: cc, percent: '60' },
              { agencyId: police, percent: '40.0' },
            ],
          }),
          context,
        ),
      )
      .then([
        detailsOf({
          commissioner: [
            { agencyId: cc, percent: '60' },
            { agencyId: police, percent: '40.0' },
          ],
        }),
      ]);
  });

  it('400 VALIDATION_FAILED for a commissioner named twice', () => {
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordSchemeDetails(
          state,
          recordSchemeDetails({
            commissioner: [
              { agencyId: cc, percent: '50' },
              { agencyId: cc, percent: '50' },
            ],
          }),
          context,
        ),
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('409 NOT_A_PARTNER for a commissioner that is not a partner', () => {
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordSchemeDetails(
          state,
          recordSchemeDetails({
            commissioner: [
              { agencyId: cc, percent: '50' },
              { agencyId: nhs, percent: '50' },
            ],
          }),
          context,
        ),
      )
      .thenRefuses('NOT_A_PARTNER', { agencyIds: [nhs] });
  });

  it('a finance officer of the host records them; one of another partner, or of a non-partner, is 403 FORBIDDEN', () => {
    given(fundedWithoutAgreement)
      .when((state, context) => decideRecordSchemeDetails(state, recordSchemeDetails(), context), {
        actor: financeOfficerOf(cc),
      })
      .then([detailsOf()]);
    for (const agencyId of [police, probation, nhs]) {
      given(fundedWithoutAgreement)
        .when(
          (state, context) => decideRecordSchemeDetails(state, recordSchemeDetails(), context),
          { actor: financeOfficerOf(agencyId) },
        )
        .thenRefuses('FORBIDDEN');
    }
  });

  it('403 FORBIDDEN for an auditor or a reporter', () => {
    for (const role of ['auditor', 'reporter'] as const) {
      given(fundedWithoutAgreement)
        .when(
          (state, context) => decideRecordSchemeDetails(state, recordSchemeDetails(), context),
          { actor: { sub: role, role } },
        )
        .thenRefuses('FORBIDDEN');
    }
  });

  it('404 NOT_FOUND for an intervention the pot does not have', () => {
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordSchemeDetails(
          state,
          recordSchemeDetails({ interventionId: interventionId(2) }),
          context,
        ),
      )
      .thenRefuses('NOT_FOUND');
  });

  it('needs no agreement: scheme details describe the intervention whether spend is tracked or not', () => {
    // fundedWithoutAgreement has none; every spec above is on it.
    given(fundedWithoutAgreement)
      .when((state, context) => decideRecordSchemeDetails(state, recordSchemeDetails(), context))
      .then([detailsOf()]);
  });

  it('a later record replaces the earlier one in the state', () => {
    const first = detailsOf();
    const g = given([...fundedWithoutAgreement, first]);
    const [second] = g
      .when((state, context) =>
        decideRecordSchemeDetails(
          state,
          recordSchemeDetails({ fundingSource: 'discharge', provider: 'New provider' }),
          context,
        ),
      )
      .then([detailsOf({ fundingSource: 'discharge', provider: 'New provider' })]);
    const after = evolvePot(g.state, { ...second!, eventId: 'x' });
    expect(after.poolYear.schemes.get(interventionId(1))).toMatchObject({
      fundingSource: 'discharge',
      provider: 'New provider',
    });
  });
});
