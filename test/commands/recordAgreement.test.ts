/**
 * RecordAgreement: the pooled fund's agreement register. Version 1 first; a variation names the
 * version in force it replaces and its own board decision. Only an admin records one.
 */
import { describe, it } from 'vitest';
import { decideRecordAgreement } from '../../commands/recordAgreement.ts';
import { POT_ID } from './fixtures.ts';
import {
  agreementRecorded,
  AGREEMENT_EVENT_ID,
  commitmentReleased,
  eventId,
  commitmentRaised,
  DEFAULT_RULE,
  funded,
  fundedWithoutAgreement,
  recordAgreement,
  settled,
  spendRecorded,
} from './poolYearFixtures.ts';
import { AGENCY, financeOfficerOf, given, NOT_REGISTERED } from './spec.ts';
import type { PotEvent } from '../../events/pot.ts';

const { cc, police, probation, nhs } = AGENCY;

const expectedV1 = agreementRecorded().data;
const v1Event = { type: 'AgreementRecorded' as const, data: expectedV1 };
const V2_EVENT_ID = eventId(901);

describe('RecordAgreement: the first version', () => {
  it('an admin records version 1 with the defaults filled in: warn, cover from the pot, share by contributions, carry forward', () => {
    given(fundedWithoutAgreement)
      .when((state, context) => decideRecordAgreement(state, recordAgreement(), context))
      .then([v1Event]);
  });

  it('the rules and end date given are recorded as given', () => {
    const overspend = {
      policy: 'block' as const,
      coverFromPot: false,
      share: 'fixed' as const,
      percentages: { [cc]: 6000, [police]: 4000 },
      caps: { [police]: '50000.00' },
    };
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordAgreement(
          state,
          recordAgreement({ endDate: '2028-03-31', overspend, underspend: 'return' }),
          context,
        ),
      )
      .then([
        {
          type: 'AgreementRecorded',
          data: { ...expectedV1, endDate: '2028-03-31', overspend, underspend: 'return' },
        },
      ]);
  });

  it('partial overspend rules get the other defaults', () => {
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordAgreement(state, recordAgreement({ overspend: { policy: 'block' } }), context),
      )
      .then([
        {
          type: 'AgreementRecorded',
          data: { ...expectedV1, overspend: { ...DEFAULT_RULE, policy: 'block' } },
        },
      ]);
  });

  it('400 VALIDATION_FAILED for a first agreement that names a version it replaces', () => {
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordAgreement(state, recordAgreement({ replaces: 1 }), context),
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('400 VALIDATION_FAILED for an end date before the start date (the same day is fine)', () => {
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordAgreement(state, recordAgreement({ endDate: '2025-03-31' }), context),
      )
      .thenRefuses('VALIDATION_FAILED');
    given(fundedWithoutAgreement)
      .when((state, context) =>
        decideRecordAgreement(state, recordAgreement({ endDate: '2025-04-01' }), context),
      )
      .then([{ type: 'AgreementRecorded', data: { ...expectedV1, endDate: '2025-04-01' } }]);
  });
});

describe('RecordAgreement: the overspend rule', () => {
  const withRule = (overspend: NonNullable<Parameters<typeof recordAgreement>[0]>['overspend']) =>
    given(fundedWithoutAgreement).when((state, context) =>
      decideRecordAgreement(state, recordAgreement({ overspend }), context),
    );

  it('400 VALIDATION_FAILED for share "fixed" without percentages', () => {
    withRule({ share: 'fixed' }).thenRefuses('VALIDATION_FAILED');
  });

  it('400 VALIDATION_FAILED for fixed percentages that do not sum to 10000 basis points', () => {
    withRule({ share: 'fixed', percentages: { [cc]: 6000, [police]: 3999 } }).thenRefuses(
      'VALIDATION_FAILED',
      { total: 9999 },
    );
    withRule({ share: 'fixed', percentages: { [cc]: 6000, [police]: 4001 } }).thenRefuses(
      'VALIDATION_FAILED',
      { total: 10001 },
    );
  });

  it('fixed percentages summing to 10000 are accepted, a partner at 0 included', () => {
    const percentages = { [cc]: 10_000, [police]: 0 };
    withRule({ share: 'fixed', percentages }).then([
      {
        type: 'AgreementRecorded',
        data: { ...expectedV1, overspend: { ...DEFAULT_RULE, share: 'fixed', percentages } },
      },
    ]);
  });

  it('400 VALIDATION_FAILED for percentages with share "contributions" or "commissioner"', () => {
    withRule({ percentages: { [cc]: 10_000 } }).thenRefuses('VALIDATION_FAILED');
    withRule({ share: 'commissioner', percentages: { [cc]: 10_000 } }).thenRefuses(
      'VALIDATION_FAILED',
    );
  });

  it('409 NOT_A_PARTNER for percentages or caps naming an agency that is not a partner', () => {
    withRule({ share: 'fixed', percentages: { [cc]: 5000, [nhs]: 5000 } }).thenRefuses(
      'NOT_A_PARTNER',
      { agencyIds: [nhs] },
    );
    withRule({ caps: { [police]: '10.00', [NOT_REGISTERED]: '10.00', [nhs]: '5.00' } }).thenRefuses(
      'NOT_A_PARTNER',
      { agencyIds: [nhs, NOT_REGISTERED].sort() },
    );
  });

  it('caps on partners are accepted with any share rule', () => {
    const caps = { [probation]: '0.01', [cc]: '1000000.00' };
    withRule({ share: 'commissioner', caps }).then([
      {
        type: 'AgreementRecorded',
        data: { ...expectedV1, overspend: { ...DEFAULT_RULE, share: 'commissioner', caps } },
      },
    ]);
  });
});

describe('RecordAgreement: variations', () => {
  it('a variation naming the version in force becomes the next version, naming what it replaces and its board decision', () => {
    given(funded())
      .when((state, context) =>
        decideRecordAgreement(
          state,
          recordAgreement({ replaces: 1, boardDecisionRef: 'HWB-2025-09', underspend: 'return' }),
          context,
        ),
      )
      .then([
        {
          type: 'AgreementRecorded',
          data: {
            ...expectedV1,
            version: 2,
            boardDecisionRef: 'HWB-2025-09',
            underspend: 'return',
            replaces: {
              version: 1,
              agreementEventId: AGREEMENT_EVENT_ID,
              boardDecisionRef: 'HWB-2025-03',
            },
          },
        },
      ]);
  });

  it('a third version replaces the second', () => {
    const v2 = agreementRecorded({
      eventId: V2_EVENT_ID,
      version: 2,
      boardDecisionRef: 'HWB-2025-09',
      replaces: {
        version: 1,
        agreementEventId: AGREEMENT_EVENT_ID,
        boardDecisionRef: 'HWB-2025-03',
      },
    });
    given([...funded(), v2])
      .when((state, context) =>
        decideRecordAgreement(
          state,
          recordAgreement({ replaces: 2, boardDecisionRef: 'HWB-2026-01' }),
          context,
        ),
      )
      .then([
        {
          type: 'AgreementRecorded',
          data: {
            ...expectedV1,
            version: 3,
            boardDecisionRef: 'HWB-2026-01',
            replaces: {
              version: 2,
              agreementEventId: V2_EVENT_ID,
              boardDecisionRef: 'HWB-2025-09',
            },
          },
        },
      ]);
  });

  it('409 ALREADY_EXISTS for a second agreement that names no version it replaces', () => {
    given(funded())
      .when((state, context) => decideRecordAgreement(state, recordAgreement(), context))
      .thenRefuses('ALREADY_EXISTS', { version: 1, agreementEventId: AGREEMENT_EVENT_ID });
  });

  it('409 AGREEMENT_VERSION_CONFLICT for a variation of a version no longer in force (or never made)', () => {
    const v2 = agreementRecorded({
      eventId: V2_EVENT_ID,
      version: 2,
      replaces: {
        version: 1,
        agreementEventId: AGREEMENT_EVENT_ID,
        boardDecisionRef: 'HWB-2025-03',
      },
    });
    given([...funded(), v2])
      .when((state, context) =>
        decideRecordAgreement(state, recordAgreement({ replaces: 1 }), context),
      )
      .thenRefuses('AGREEMENT_VERSION_CONFLICT', { version: 2, agreementEventId: V2_EVENT_ID });
    given(funded())
      .when((state, context) =>
        decideRecordAgreement(state, recordAgreement({ replaces: 2 }), context),
      )
      .thenRefuses('AGREEMENT_VERSION_CONFLICT', { version: 1 });
  });
});

describe('RecordAgreement: who, and on which pot', () => {
  it('403 FORBIDDEN for a finance officer, of the host or of any partner', () => {
    for (const agencyId of [cc, police, nhs]) {
      given(fundedWithoutAgreement)
        .when((state, context) => decideRecordAgreement(state, recordAgreement(), context), {
          actor: financeOfficerOf(agencyId),
        })
        .thenRefuses('FORBIDDEN');
    }
  });

  it('403 FORBIDDEN for an auditor or a reporter', () => {
    for (const role of ['auditor', 'reporter'] as const) {
      given(fundedWithoutAgreement)
        .when((state, context) => decideRecordAgreement(state, recordAgreement(), context), {
          actor: { sub: role, role },
        })
        .thenRefuses('FORBIDDEN');
    }
  });

  it('409 POT_CLOSED on a closed pot; 404 NOT_FOUND on a pot never opened', () => {
    const closed: PotEvent = {
      type: 'PotClosed',
      data: {
        potId: POT_ID,
        effectiveDate: '2026-01-15',
        reason: 'Programme ended',
        returns: [
          { agencyId: cc, amount: '299400.00' },
          { agencyId: police, amount: '199600.00' },
        ],
      },
    };
    given([...fundedWithoutAgreement, closed])
      .when((state, context) => decideRecordAgreement(state, recordAgreement(), context))
      .thenRefuses('POT_CLOSED');
    given([])
      .when((state, context) => decideRecordAgreement(state, recordAgreement(), context))
      .thenRefuses('NOT_FOUND');
  });
});

describe('RecordAgreement: switching spend tracking off', () => {
  const off = recordAgreement({ replaces: 1, spendTracking: false });
  const offEvent = {
    type: 'AgreementRecorded' as const,
    data: {
      ...expectedV1,
      version: 2,
      spendTracking: false,
      replaces: {
        version: 1,
        agreementEventId: AGREEMENT_EVENT_ID,
        boardDecisionRef: 'HWB-2025-03',
      },
    },
  };

  it('400 VALIDATION_FAILED while spend stands in a year not yet settled', () => {
    given([...funded(), spendRecorded('10.00')])
      .when((state, context) => decideRecordAgreement(state, off, context))
      .thenRefuses('VALIDATION_FAILED', { financialYears: ['2025-26'] });
  });

  it('400 VALIDATION_FAILED while a commitment is outstanding in a year not yet settled', () => {
    given([...funded(), commitmentRaised('10.00', { effectiveDate: '2026-04-02' })])
      .when((state, context) => decideRecordAgreement(state, off, context))
      .thenRefuses('VALIDATION_FAILED', { financialYears: ['2026-27'] });
  });

  it('allowed before any spend or commitment', () => {
    given(funded())
      .when((state, context) => decideRecordAgreement(state, off, context))
      .then([offEvent]);
  });

  it('allowed once the spend is reversed and the commitment released', () => {
    const spend = spendRecorded('10.00');
    given([
      ...funded(),
      spend,
      {
        type: 'SpendReversed',
        data: {
          potId: POT_ID,
          spendId: spend.data.spendId,
          reversedEventId: spend.eventId,
          interventionId: spend.data.interventionId,
          amount: '10.00',
          effectiveDate: '2025-07-01',
          reason: 'Keyed twice',
        },
      },
      commitmentRaised('10.00'),
      commitmentReleased('10.00'),
    ])
      .when((state, context) => decideRecordAgreement(state, off, context))
      .then([offEvent]);
  });

  it('allowed when the only spend is in a settled year', () => {
    given(settled())
      .when((state, context) => decideRecordAgreement(state, off, context))
      .then([offEvent]);
  });

  it('switching it on again, or keeping it on, is always allowed', () => {
    given([...funded(), spendRecorded('10.00')])
      .when((state, context) =>
        decideRecordAgreement(state, recordAgreement({ replaces: 1, scope: 'Wider' }), context),
      )
      .then([
        {
          type: 'AgreementRecorded',
          data: { ...offEvent.data, spendTracking: true, scope: 'Wider' },
        },
      ]);
  });
});
