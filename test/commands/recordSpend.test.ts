/**
 * Spend, commitments and forecasts against a scheme's budget (pots whose agreement tracks
 * spend). Intervention 1 has a 2025-26 budget of £1,000.00 in every history here.
 */
import { describe, it } from 'vitest';
import {
  decideRaiseCommitment,
  decideRecordForecast,
  decideRecordSpend,
  decideReleaseCommitment,
} from '../../commands/recordSpend.ts';
import type { PotEvent } from '../../events/pot.ts';
import { fundsAllocated, interventionDefined, interventionId, POT_ID } from './fixtures.ts';
import { AFTER_YEAR_END, financialYearClosed } from './controlFixtures.ts';
import {
  agreementRecorded,
  blockingAgreement,
  commitmentId,
  commitmentRaised,
  commitmentReleased,
  forecastId,
  funded,
  fundedWithoutAgreement,
  financialYearSettled,
  raiseCommitment,
  recordForecast,
  recordSpend,
  releaseCommitment,
  SETTLEMENT_EVENT_ID,
  settled,
  SPEND_DATE,
  spendId,
  spendRecorded,
} from './poolYearFixtures.ts';
import { AGENCY, financeOfficerOf, given, givenEventId, TODAY } from './spec.ts';

const { cc, police, probation, nhs } = AGENCY;

type SpendData = Extract<PotEvent, { type: 'SpendRecorded' }>['data'];

/** The SpendRecorded recordSpend(amount, o) decides, with the extra fields given. */
const spent = (amount: string, extra: Partial<SpendData> = {}) => ({
  type: 'SpendRecorded' as const,
  data: {
    potId: POT_ID,
    spendId: spendId(100),
    interventionId: interventionId(1),
    amount,
    effectiveDate: SPEND_DATE,
    supplier: 'Acme Care Ltd',
    invoiceRef: 'INV-100',
    ...extra,
  },
});

const flag = (o: {
  spent?: string;
  committed?: string;
  remaining: string;
  overBy: string;
  budget?: string;
  financialYear?: string;
}) => ({
  financialYear: o.financialYear ?? '2025-26',
  budget: o.budget ?? '1000.00',
  spent: o.spent ?? '0.00',
  committed: o.committed ?? '0.00',
  remaining: o.remaining,
  overBy: o.overBy,
});

const offAgreement = agreementRecorded({ spendTracking: false });

describe('spend tracking must be on', () => {
  const histories: [string, PotEvent[]][] = [
    ['without an agreement', fundedWithoutAgreement],
    ['with an agreement that has spendTracking off', funded(offAgreement)],
  ];
  for (const [name, history] of histories) {
    it(`409 SPEND_TRACKING_OFF for spend, commitments, releases and forecasts ${name}`, () => {
      const g = given(history);
      g.when((s, c) => decideRecordSpend(s, recordSpend('10.00'), c)).thenRefuses(
        'SPEND_TRACKING_OFF',
      );
      g.when((s, c) => decideRaiseCommitment(s, raiseCommitment('10.00'), c)).thenRefuses(
        'SPEND_TRACKING_OFF',
      );
      g.when((s, c) => decideReleaseCommitment(s, releaseCommitment(), c)).thenRefuses(
        'SPEND_TRACKING_OFF',
      );
      g.when((s, c) => decideRecordForecast(s, recordForecast('1000.00'), c)).thenRefuses(
        'SPEND_TRACKING_OFF',
      );
    });
  }
});

describe('RecordSpend', () => {
  it('spend within the budget is recorded without a flag, up to the whole budget', () => {
    given(funded())
      .when((s, c) => decideRecordSpend(s, recordSpend('1000.00'), c))
      .then([spent('1000.00')]);
  });

  it('VAT and its treatment are recorded as given; vatRecoverable without vat is 400 VALIDATION_FAILED', () => {
    given(funded())
      .when((s, c) =>
        decideRecordSpend(s, recordSpend('120.00', { vat: '20.00', vatRecoverable: true }), c),
      )
      .then([spent('120.00', { vat: '20.00', vatRecoverable: true })]);
    given(funded())
      .when((s, c) => decideRecordSpend(s, recordSpend('120.00', { vatRecoverable: false }), c))
      .thenRefuses('VALIDATION_FAILED');
  });

  it('a finance officer of any partner records spend; one of a non-partner is 403 FORBIDDEN', () => {
    for (const agencyId of [cc, police, probation]) {
      given(funded())
        .when((s, c) => decideRecordSpend(s, recordSpend('10.00'), c), {
          actor: financeOfficerOf(agencyId),
        })
        .then([spent('10.00')]);
    }
    given(funded())
      .when((s, c) => decideRecordSpend(s, recordSpend('10.00'), c), {
        actor: financeOfficerOf(nhs),
      })
      .thenRefuses('FORBIDDEN');
  });

  it('404 NOT_FOUND for an intervention the pot does not have', () => {
    given(funded())
      .when((s, c) =>
        decideRecordSpend(s, recordSpend('10.00', { interventionId: interventionId(9) }), c),
      )
      .thenRefuses('NOT_FOUND');
  });

  it('409 PERIOD_CLOSED for spend dated in a closed financial year', () => {
    given([...funded(), financialYearClosed('2024-25')])
      .when((s, c) =>
        decideRecordSpend(s, recordSpend('10.00', { effectiveDate: '2025-03-31' }), c),
      )
      .thenRefuses('PERIOD_CLOSED');
  });
});

describe('overspend under the default policy (warn): accepted and flagged', () => {
  it('crossing the budget flags only the part past it', () => {
    given([...funded(), spendRecorded('900.00')])
      .when((s, c) => decideRecordSpend(s, recordSpend('300.00'), c))
      .then([
        spent('300.00', {
          overspend: flag({ spent: '900.00', remaining: '100.00', overBy: '200.00' }),
        }),
      ]);
  });

  it('a scheme already over its budget flags the whole entry', () => {
    given([...funded(), spendRecorded('1100.00')])
      .when((s, c) => decideRecordSpend(s, recordSpend('50.00'), c))
      .then([
        spent('50.00', {
          overspend: flag({ spent: '1100.00', remaining: '-100.00', overBy: '50.00' }),
        }),
      ]);
  });

  it('a scheme with no budget for the year flags the whole entry', () => {
    given(funded())
      .when((s, c) =>
        decideRecordSpend(s, recordSpend('50.00', { effectiveDate: '2026-04-02' }), c),
      )
      .then([
        spent('50.00', {
          effectiveDate: '2026-04-02',
          overspend: flag({
            financialYear: '2026-27',
            budget: '0.00',
            remaining: '0.00',
            overBy: '50.00',
          }),
        }),
      ]);
  });

  it('outstanding commitments reserve budget: spend not against them is flagged past what is left', () => {
    given([...funded(), commitmentRaised('800.00')])
      .when((s, c) => decideRecordSpend(s, recordSpend('300.00'), c))
      .then([
        spent('300.00', {
          overspend: flag({ committed: '800.00', remaining: '200.00', overBy: '100.00' }),
        }),
      ]);
  });

  it('budget reversed away counts: the budget is net of allocation reversals dated in the year', () => {
    given([
      ...funded(),
      fundsAllocated('500.00', { [cc]: '300.00', [police]: '200.00' }, { n: 2 }),
      {
        type: 'AllocationReversed',
        data: {
          potId: POT_ID,
          allocationId: fundsAllocated('1.00', {}, { n: 2 }).data.allocationId,
          reversedEventId: givenEventId(7),
          interventionId: interventionId(1),
          amount: '500.00',
          fundingShares: [
            { agencyId: cc, amount: '300.00' },
            { agencyId: police, amount: '200.00' },
          ],
          effectiveDate: '2025-06-01',
          reason: 'Wrong scheme',
        },
      },
    ])
      .when((s, c) => decideRecordSpend(s, recordSpend('1000.01'), c))
      .then([spent('1000.01', { overspend: flag({ remaining: '1000.00', overBy: '0.01' }) })]);
  });
});

describe('overspend under policy block: 409 BUDGET_EXCEEDED, nothing decided', () => {
  it('spend one penny past the budget is refused, with the figures', () => {
    given(funded(blockingAgreement()))
      .when((s, c) => decideRecordSpend(s, recordSpend('1000.01'), c))
      .thenRefuses('BUDGET_EXCEEDED', {
        interventionId: interventionId(1),
        financialYear: '2025-26',
        budget: '1000.00',
        remaining: '1000.00',
        overBy: '0.01',
      });
  });

  it('spend up to the budget is accepted', () => {
    given(funded(blockingAgreement()))
      .when((s, c) => decideRecordSpend(s, recordSpend('1000.00'), c))
      .then([spent('1000.00')]);
  });

  it('a commitment past the remaining budget is refused too', () => {
    given([...funded(blockingAgreement()), spendRecorded('600.00')])
      .when((s, c) => decideRaiseCommitment(s, raiseCommitment('400.01'), c))
      .thenRefuses('BUDGET_EXCEEDED', { spent: '600.00', remaining: '400.00', overBy: '0.01' });
  });

  it('spend against a commitment is refused only for the part the commitment does not cover', () => {
    const g = given([...funded(blockingAgreement()), commitmentRaised('800.00')]);
    g.when((s, c) =>
      decideRecordSpend(s, recordSpend('1000.00', { commitmentId: commitmentId(1) }), c),
    ).then([spent('1000.00', { commitmentId: commitmentId(1), commitmentReleased: '800.00' })]);
    g.when((s, c) =>
      decideRecordSpend(s, recordSpend('1000.01', { commitmentId: commitmentId(1) }), c),
    ).thenRefuses('BUDGET_EXCEEDED', { committed: '800.00', remaining: '200.00', overBy: '0.01' });
  });
});

describe('spend against a commitment', () => {
  it('releases the whole spend when the commitment covers it, and is no overspend', () => {
    given([...funded(), commitmentRaised('800.00'), spendRecorded('200.00', { n: 2 })])
      .when((s, c) =>
        decideRecordSpend(s, recordSpend('800.00', { commitmentId: commitmentId(1) }), c),
      )
      .then([spent('800.00', { commitmentId: commitmentId(1), commitmentReleased: '800.00' })]);
  });

  it('releases at most what is outstanding; only the rest counts against the remaining budget', () => {
    given([...funded(), commitmentRaised('800.00'), commitmentReleased('500.00')])
      .when((s, c) =>
        decideRecordSpend(s, recordSpend('1200.00', { commitmentId: commitmentId(1) }), c),
      )
      .then([
        spent('1200.00', {
          commitmentId: commitmentId(1),
          commitmentReleased: '300.00',
          overspend: flag({ committed: '300.00', remaining: '700.00', overBy: '200.00' }),
        }),
      ]);
  });

  it('a commitment with nothing outstanding releases nothing (no commitmentReleased)', () => {
    given([...funded(), commitmentRaised('800.00'), commitmentReleased('800.00')])
      .when((s, c) =>
        decideRecordSpend(s, recordSpend('100.00', { commitmentId: commitmentId(1) }), c),
      )
      .then([spent('100.00', { commitmentId: commitmentId(1) })]);
  });

  it('a commitment raised in an earlier year does not cover spend against this year’s budget', () => {
    // 2025-26: £800 committed. 2026-27: a budget of £100. Spend of £500 in 2026-27 against the
    // 2025-26 order releases it, but 2026-27 never reserved it: £400 past the 2026-27 budget.
    const history = (agreement = agreementRecorded()) => [
      ...funded(agreement),
      commitmentRaised('800.00'),
      fundsAllocated(
        '100.00',
        { [cc]: '60.00', [police]: '40.00' },
        {
          n: 2,
          effectiveDate: '2026-04-10',
        },
      ),
    ];
    const command = recordSpend('500.00', {
      commitmentId: commitmentId(1),
      effectiveDate: '2026-05-01',
    });
    given(history())
      .when((s, c) => decideRecordSpend(s, command, c))
      .then([
        spent('500.00', {
          effectiveDate: '2026-05-01',
          commitmentId: commitmentId(1),
          commitmentReleased: '500.00',
          overspend: flag({
            financialYear: '2026-27',
            budget: '100.00',
            remaining: '100.00',
            overBy: '400.00',
          }),
        }),
      ]);
    given(history(blockingAgreement()))
      .when((s, c) => decideRecordSpend(s, command, c))
      .thenRefuses('BUDGET_EXCEEDED', { financialYear: '2026-27', overBy: '400.00' });
  });

  it('400 VALIDATION_FAILED for spend dated before its commitment (the same day is fine)', () => {
    const history = [...funded(), commitmentRaised('800.00', { effectiveDate: '2025-07-01' })];
    given(history)
      .when((s, c) =>
        decideRecordSpend(
          s,
          recordSpend('100.00', { commitmentId: commitmentId(1), effectiveDate: '2025-06-30' }),
          c,
        ),
      )
      .thenRefuses('VALIDATION_FAILED', { commitmentDate: '2025-07-01' });
    given(history)
      .when((s, c) =>
        decideRecordSpend(
          s,
          recordSpend('100.00', { commitmentId: commitmentId(1), effectiveDate: '2025-07-01' }),
          c,
        ),
      )
      .then([
        spent('100.00', {
          commitmentId: commitmentId(1),
          commitmentReleased: '100.00',
          effectiveDate: '2025-07-01',
        }),
      ]);
  });

  it('404 NOT_FOUND for a commitment of another intervention, or none', () => {
    const g = given([
      ...funded(),
      interventionDefined({ n: 2 }),
      commitmentRaised('100.00', { n: 2, interventionId: interventionId(2) }),
    ]);
    g.when((s, c) =>
      decideRecordSpend(s, recordSpend('10.00', { commitmentId: commitmentId(2) }), c),
    ).thenRefuses('NOT_FOUND');
    g.when((s, c) =>
      decideRecordSpend(s, recordSpend('10.00', { commitmentId: commitmentId(77) }), c),
    ).thenRefuses('NOT_FOUND');
  });

  it('400 VALIDATION_FAILED against a reversed commitment', () => {
    const raised = commitmentRaised('100.00');
    given([
      ...funded(),
      raised,
      {
        type: 'CommitmentReversed',
        data: {
          potId: POT_ID,
          commitmentId: commitmentId(1),
          reversedEventId: raised.eventId,
          interventionId: interventionId(1),
          amount: '100.00',
          effectiveDate: '2025-07-01',
          reason: 'Raised in error',
        },
      },
    ])
      .when((s, c) =>
        decideRecordSpend(s, recordSpend('10.00', { commitmentId: commitmentId(1) }), c),
      )
      .thenRefuses('VALIDATION_FAILED');
  });
});

describe('RaiseCommitment', () => {
  const raised = (amount: string, extra: Record<string, unknown> = {}) => ({
    type: 'CommitmentRaised' as const,
    data: {
      potId: POT_ID,
      commitmentId: commitmentId(100),
      interventionId: interventionId(1),
      amount,
      effectiveDate: SPEND_DATE,
      reference: 'PO-C-100',
      ...extra,
    },
  });

  it('a commitment within the remaining budget is raised without a flag; supplier and description kept', () => {
    given([...funded(), spendRecorded('200.00')])
      .when((s, c) =>
        decideRaiseCommitment(
          s,
          raiseCommitment('800.00', { supplier: 'Acme', description: 'Care package\nweekly' }),
          c,
        ),
      )
      .then([raised('800.00', { supplier: 'Acme', description: 'Care package\nweekly' })]);
  });

  it('under warn, a commitment past the remaining budget is flagged', () => {
    given([...funded(), commitmentRaised('700.00')])
      .when((s, c) => decideRaiseCommitment(s, raiseCommitment('500.00'), c))
      .then([
        raised('500.00', {
          overspend: flag({ committed: '700.00', remaining: '300.00', overBy: '200.00' }),
        }),
      ]);
  });

  it('409 ALREADY_EXISTS for a commitment id already used', () => {
    given([...funded(), commitmentRaised('10.00', { n: 100 })])
      .when((s, c) => decideRaiseCommitment(s, raiseCommitment('10.00'), c))
      .thenRefuses('ALREADY_EXISTS');
  });
});

describe('ReleaseCommitment', () => {
  const released = (amount: string, effectiveDate: string = TODAY) => ({
    type: 'CommitmentReleased' as const,
    data: {
      potId: POT_ID,
      commitmentId: commitmentId(1),
      interventionId: interventionId(1),
      amount,
      effectiveDate,
      reason: 'Order cut',
    },
  });
  const withCommitment = [
    ...funded(),
    commitmentRaised('800.00'),
    spendRecorded('300.00', {
      commitmentId: commitmentId(1),
      commitmentReleased: '300.00',
    }),
  ];

  it('without an amount, releases everything outstanding, dated today', () => {
    given(withCommitment)
      .when((s, c) => decideReleaseCommitment(s, releaseCommitment(), c))
      .then([released('500.00')]);
  });

  it('releases part of what is outstanding, on the date given', () => {
    given(withCommitment)
      .when((s, c) =>
        decideReleaseCommitment(
          s,
          releaseCommitment({ amount: '200.00', effectiveDate: '2025-09-01' }),
          c,
        ),
      )
      .then([released('200.00', '2025-09-01')]);
  });

  it('400 VALIDATION_FAILED for more than is outstanding', () => {
    given(withCommitment)
      .when((s, c) => decideReleaseCommitment(s, releaseCommitment({ amount: '500.01' }), c))
      .thenRefuses('VALIDATION_FAILED', { outstanding: '500.00' });
  });

  it('400 VALIDATION_FAILED when nothing is outstanding', () => {
    given([...withCommitment, commitmentReleased('500.00')])
      .when((s, c) => decideReleaseCommitment(s, releaseCommitment(), c))
      .thenRefuses('VALIDATION_FAILED');
  });

  it('400 VALIDATION_FAILED for a release dated before the commitment (the same day is fine)', () => {
    given(withCommitment)
      .when((s, c) =>
        decideReleaseCommitment(s, releaseCommitment({ effectiveDate: '2025-06-14' }), c),
      )
      .thenRefuses('VALIDATION_FAILED');
    given(withCommitment)
      .when((s, c) =>
        decideReleaseCommitment(s, releaseCommitment({ effectiveDate: SPEND_DATE }), c),
      )
      .then([released('500.00', SPEND_DATE)]);
  });

  it('404 NOT_FOUND for a commitment of another intervention, or an unknown one', () => {
    const g = given([...withCommitment, interventionDefined({ n: 2 })]);
    g.when((s, c) =>
      decideReleaseCommitment(s, releaseCommitment({ interventionId: interventionId(2) }), c),
    ).thenRefuses('NOT_FOUND');
    g.when((s, c) =>
      decideReleaseCommitment(s, releaseCommitment({ commitmentId: commitmentId(50) }), c),
    ).thenRefuses('NOT_FOUND');
  });
});

describe('RecordForecast', () => {
  const forecast = (forecastOutturn: string, extra: Record<string, unknown> = {}) => ({
    type: 'ForecastRecorded' as const,
    data: {
      potId: POT_ID,
      forecastId: forecastId(100),
      interventionId: interventionId(1),
      financialYear: '2025-26',
      quarter: 2,
      forecastOutturn,
      budget: '1000.00',
      ...extra,
    },
  });

  it('a forecast equal to the budget needs no explanation; the budget is recorded with it', () => {
    given(funded())
      .when((s, c) => decideRecordForecast(s, recordForecast('1000'), c))
      .then([forecast('1000.00')]);
  });

  it('400 VALIDATION_FAILED for a forecast differing from the budget without an explanation', () => {
    given(funded())
      .when((s, c) => decideRecordForecast(s, recordForecast('1200.00'), c))
      .thenRefuses('VALIDATION_FAILED', { budget: '1000.00' });
  });

  it('a forecast differing from the budget with an explanation is recorded', () => {
    given(funded())
      .when((s, c) =>
        decideRecordForecast(
          s,
          recordForecast('0.00', { explanation: 'Scheme paused', quarter: 4 }),
          c,
        ),
      )
      .then([forecast('0.00', { explanation: 'Scheme paused', quarter: 4 })]);
  });

  it('a year without a budget forecasts 0.00 without an explanation', () => {
    given(funded())
      .when((s, c) => decideRecordForecast(s, recordForecast('0', { financialYear: '2026-27' }), c))
      .then([forecast('0.00', { financialYear: '2026-27', budget: '0.00' })]);
  });

  it('409 PERIOD_CLOSED for a forecast of a closed year', () => {
    given([...funded(), financialYearClosed('2024-25')])
      .when((s, c) => decideRecordForecast(s, recordForecast('0', { financialYear: '2024-25' }), c))
      .thenRefuses('PERIOD_CLOSED');
  });

  it('404 NOT_FOUND for an unknown intervention', () => {
    given(funded())
      .when((s, c) =>
        decideRecordForecast(s, recordForecast('0', { interventionId: interventionId(9) }), c),
      )
      .thenRefuses('NOT_FOUND');
  });
});

describe('a settled year is locked: 409 YEAR_SETTLED', () => {
  const settledDetails = { financialYear: '2025-26', settlementEventId: SETTLEMENT_EVENT_ID };

  it('for spend, commitments and forecasts dated in (or for) it', () => {
    const g = given(settled());
    g.when(
      (s, c) => decideRecordSpend(s, recordSpend('10.00', { effectiveDate: '2026-03-31' }), c),
      { now: AFTER_YEAR_END },
    ).thenRefuses('YEAR_SETTLED', { effectiveDate: '2026-03-31', ...settledDetails });
    g.when((s, c) => decideRaiseCommitment(s, raiseCommitment('10.00'), c), {
      now: AFTER_YEAR_END,
    }).thenRefuses('YEAR_SETTLED', settledDetails);
    g.when((s, c) => decideRecordForecast(s, recordForecast('1200.00', { explanation: 'x' }), c), {
      now: AFTER_YEAR_END,
    }).thenRefuses('YEAR_SETTLED', settledDetails);
  });

  it('the next year is open', () => {
    const g = given(settled());
    g.when(
      (s, c) => decideRecordSpend(s, recordSpend('10.00', { effectiveDate: '2026-04-01' }), c),
      { now: AFTER_YEAR_END },
    ).then([
      spent('10.00', {
        effectiveDate: '2026-04-01',
        overspend: flag({
          financialYear: '2026-27',
          budget: '0.00',
          remaining: '0.00',
          overBy: '10.00',
        }),
      }),
    ]);
  });

  it("a release of a settled year's commitment is refused, whatever its date: it would move that year's committed figure", () => {
    const g = given([
      ...funded(),
      spendRecorded('1200.00'),
      commitmentRaised('100.00'),
      financialYearSettled(),
    ]);
    g.when(
      (s, c) => decideReleaseCommitment(s, releaseCommitment({ effectiveDate: '2026-03-01' }), c),
      { now: AFTER_YEAR_END },
    ).thenRefuses('YEAR_SETTLED', settledDetails);
    g.when((s, c) => decideReleaseCommitment(s, releaseCommitment(), c), {
      now: AFTER_YEAR_END,
    }).thenRefuses('YEAR_SETTLED', { effectiveDate: SPEND_DATE, ...settledDetails });
  });

  it('a commitment raised in the next year is released as usual', () => {
    given([...settled(), commitmentRaised('100.00', { n: 2, effectiveDate: '2026-04-02' })])
      .when(
        (s, c) =>
          decideReleaseCommitment(s, releaseCommitment({ commitmentId: commitmentId(2) }), c),
        { now: AFTER_YEAR_END },
      )
      .then([
        {
          type: 'CommitmentReleased',
          data: {
            potId: POT_ID,
            commitmentId: commitmentId(2),
            interventionId: interventionId(1),
            amount: '100.00',
            effectiveDate: '2026-04-15',
            reason: 'Order cut',
          },
        },
      ]);
  });
});
