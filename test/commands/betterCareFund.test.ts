/**
 * Better Care Fund pots: an agreement naming a Health and Wellbeing Board makes the pot one; its
 * contributions name their funding stream; the admin records the year's required minimums,
 * versioned per year.
 */
import { describe, it } from 'vitest';
import { decideContributeToPot } from '../../commands/contributeToPot.ts';
import { decideRecordAgreement } from '../../commands/recordAgreement.ts';
import {
  decideRecordBcfMinimums,
  type RecordBcfMinimums,
} from '../../commands/recordBcfMinimums.ts';
import type { PotEvent } from '../../events/pot.ts';
import { POT_ID, contribute } from './fixtures.ts';
import {
  agreementRecorded,
  eventId,
  funded,
  fundedWithoutAgreement,
  recordAgreement,
} from './poolYearFixtures.ts';
import { AGENCY, financeOfficerOf, given } from './spec.ts';

const { cc, police, nhs } = AGENCY;
const BOARD = { healthAndWellbeingBoard: 'Mid Essex' };
const bcfPot = (): PotEvent[] => funded(agreementRecorded({ betterCareFund: BOARD }));
const SOURCE = 'BCF 2025-26 allocations, DHSC/MHCLG';

function minimums(o: Partial<RecordBcfMinimums> = {}): RecordBcfMinimums {
  return {
    potId: POT_ID,
    financialYear: '2025-26',
    minimums: [
      { fundingStream: 'nhs-minimum', agencyId: police, amount: '60000', source: SOURCE },
      { fundingStream: 'dfg', agencyId: cc, amount: '20000.5', source: SOURCE },
    ],
    ...o,
  };
}

const recorded = (version: number, replaces?: { version: number; eventId: string }) => ({
  type: 'BcfMinimumsRecorded' as const,
  data: {
    potId: POT_ID,
    financialYear: '2025-26',
    version,
    minimums: [
      {
        fundingStream: 'nhs-minimum' as const,
        agencyId: police,
        amount: '60000.00',
        source: SOURCE,
      },
      { fundingStream: 'dfg' as const, agencyId: cc, amount: '20000.50', source: SOURCE },
    ],
    ...(replaces === undefined ? {} : { replaces }),
  },
});

describe('Better Care Fund designation', () => {
  it('an agreement records the Health and Wellbeing Board it names', () => {
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordAgreement(state, recordAgreement({ betterCareFund: BOARD }), context),
      )
      .then([
        {
          type: 'AgreementRecorded',
          data: { ...agreementRecorded().data, betterCareFund: BOARD },
        },
      ]);
  });
});

describe('ContributeToPot on a Better Care Fund pot', () => {
  it('records the funding stream', () => {
    given(bcfPot())
      .when((state, context) =>
        decideContributeToPot(state, contribute(cc, '100.00', { fundingStream: 'dfg' }), context),
      )
      .then([
        { type: 'ContributionReceived', data: contribute(cc, '100.00', { fundingStream: 'dfg' }) },
      ]);
  });

  it('400 VALIDATION_FAILED without a funding stream', () => {
    given(bcfPot())
      .when((state, context) => decideContributeToPot(state, contribute(cc, '100.00'), context))
      .thenRefuses('VALIDATION_FAILED');
  });

  it('409 NOT_A_BCF_POT for a funding stream on any other pot; without one, nothing changes', () => {
    given(funded())
      .when((state, context) =>
        decideContributeToPot(state, contribute(cc, '100.00', { fundingStream: 'dfg' }), context),
      )
      .thenRefuses('NOT_A_BCF_POT');
    given(funded())
      .when((state, context) => decideContributeToPot(state, contribute(cc, '100.00'), context))
      .then([{ type: 'ContributionReceived', data: contribute(cc, '100.00') }]);
  });
});

describe('RecordBcfMinimums', () => {
  it('an admin records version 1, amounts to two places', () => {
    given(bcfPot())
      .when((state, context) => decideRecordBcfMinimums(state, minimums(), context))
      .then([recorded(1)]);
  });

  it('a later record for the same year replaces it (version 2 naming version 1); another year starts at 1', () => {
    const first = { ...recorded(1), eventId: eventId(700) };
    given([...bcfPot(), first])
      .when((state, context) => decideRecordBcfMinimums(state, minimums(), context))
      .then([recorded(2, { version: 1, eventId: eventId(700) })]);
    given([...bcfPot(), first])
      .when((state, context) =>
        decideRecordBcfMinimums(state, minimums({ financialYear: '2026-27' }), context),
      )
      .then([{ ...recorded(1), data: { ...recorded(1).data, financialYear: '2026-27' } }]);
  });

  it('403 FORBIDDEN for a finance officer, even the host’s', () => {
    given(bcfPot())
      .when((state, context) => decideRecordBcfMinimums(state, minimums(), context), {
        actor: financeOfficerOf(cc),
      })
      .thenRefuses('FORBIDDEN');
  });

  it('409 NOT_A_BCF_POT on a pot whose agreement names no board, or without an agreement', () => {
    for (const history of [funded(), fundedWithoutAgreement])
      given(history)
        .when((state, context) => decideRecordBcfMinimums(state, minimums(), context))
        .thenRefuses('NOT_A_BCF_POT');
  });

  it('409 NOT_A_PARTNER for a line naming an agency that is not a partner', () => {
    given(bcfPot())
      .when((state, context) =>
        decideRecordBcfMinimums(
          state,
          minimums({
            minimums: [
              { fundingStream: 'nhs-minimum', agencyId: nhs, amount: '1', source: SOURCE },
            ],
          }),
          context,
        ),
      )
      .thenRefuses('NOT_A_PARTNER', { agencyIds: [nhs] });
  });

  it('400 VALIDATION_FAILED for a stream and agency named twice', () => {
    const line = { fundingStream: 'la-bcf' as const, agencyId: cc, amount: '1', source: SOURCE };
    given(bcfPot())
      .when((state, context) =>
        decideRecordBcfMinimums(state, minimums({ minimums: [line, line] }), context),
      )
      .thenRefuses('VALIDATION_FAILED');
  });
});
