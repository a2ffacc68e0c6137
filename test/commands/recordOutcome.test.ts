/**
 * RecordOutcome: an outcome's benefits are credited to the intervention's investors in
 * proportion to each one's net funding of it, per benefit line, rounded by largest
 * remainder, then summed per (investor, beneficiary, cashable).
 */
import { describe, expect, it } from 'vitest';
import { decideRecordOutcome } from '../../commands/recordOutcome.ts';
import { MAX_AMOUNT } from '../../events/money.ts';
import { OutcomeRecordedV1, OutcomeRetractedV1 } from '../../events/pot.ts';
import {
  eventDataBytes,
  MAX_AGENCY_ID_CHARS,
  MAX_BENEFIT_LINES,
  MAX_DESCRIPTION_CHARS,
  MAX_EVENT_DATA_BYTES,
  MAX_EVIDENCE_REF_CHARS,
  MAX_FLOWS_PER_OUTCOME,
  MAX_REASON_CHARS,
} from '../../events/primitives.ts';
import {
  allocationReversed,
  benefit,
  contributionReceived,
  flow,
  fundsAllocated,
  interventionDefined,
  interventionId,
  outcomeRecorded,
  outcomeRetracted,
  potOpened,
  recordOutcome,
  UNKNOWN_ID,
  withEventId,
} from './fixtures.ts';
import { AGENCY, NOT_REGISTERED, financeOfficerOf, given, testUlid } from './spec.ts';

const { cc, police, nhs, dwp } = AGENCY;

/** Intervention 1 is funded 2 : 1 by the council (2.00) and the police (1.00). */
const fundedTwoToOne = [
  potOpened(),
  contributionReceived(cc, '2.00', { n: 1 }),
  contributionReceived(police, '1.00', { n: 2 }),
  interventionDefined(),
  fundsAllocated('3.00', { [cc]: '2.00', [police]: '1.00' }),
];

describe('RecordOutcome', () => {
  it("credits each investor with the benefit in proportion to its funding: £10 in the NHS's budget, funded 2 : 1", () => {
    // 1,000p × 2/3 = 666.67p, × 1/3 = 333.33p: floors 666 + 333, the penny left to the larger remainder (council).
    const benefits = [benefit(nhs, '10.00', true)];
    given(fundedTwoToOne)
      .when((state, context) => decideRecordOutcome(state, recordOutcome(benefits), context))
      .then([
        outcomeRecorded(benefits, [flow(cc, nhs, '6.67', true), flow(police, nhs, '3.33', true)], {
          n: 100,
        }),
      ]);
  });

  it('rounds each benefit line on its own, then sums the flows per investor, beneficiary and cashability', () => {
    // line               council share        police share
    // NHS 10.00 cashable  666.67p → 667        333.33p → 333
    // NHS  5.00 cashable  333.33p → 333        166.67p → 167
    // NHS  1.00 not       66.67p  → 67         33.33p  → 33
    // DWP  0.01 not       0.67p   → 1          0.33p   → 0 (no flow)
    // Sorted by investor, then beneficiary, cashable before non-cashable.
    const benefits = [
      benefit(nhs, '10.00', true),
      benefit(nhs, '5.00', true),
      benefit(nhs, '1.00', false),
      benefit(dwp, '0.01', false),
    ];
    given(fundedTwoToOne)
      .when((state, context) => decideRecordOutcome(state, recordOutcome(benefits), context))
      .then([
        outcomeRecorded(
          benefits,
          [
            flow(cc, dwp, '0.01', false),
            flow(cc, nhs, '10.00', true),
            flow(cc, nhs, '0.67', false),
            flow(police, nhs, '5.00', true),
            flow(police, nhs, '0.33', false),
          ],
          { n: 100 },
        ),
      ]);
  });

  it('refuses lines whose flows for one beneficiary would sum above the largest amount (VALIDATION_FAILED), never writing them', () => {
    // Each line is the maximum; the council's two-thirds of both, summed into one flow, is not.
    const benefits = [
      benefit(nhs, '1000000000000.00', true),
      benefit(nhs, '1000000000000.00', true),
    ];
    given(fundedTwoToOne)
      .when((state, context) => decideRecordOutcome(state, recordOutcome(benefits), context))
      .thenRefuses('VALIDATION_FAILED');
  });

  it('writes benefit amounts to two decimal places', () => {
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(state, recordOutcome([benefit(nhs, '3', true)]), context),
      )
      .then([
        outcomeRecorded(
          [benefit(nhs, '3.00', true)],
          [flow(cc, nhs, '2.00', true), flow(police, nhs, '1.00', true)],
          { n: 100 },
        ),
      ]);
  });

  it('credits a beneficiary that is not a partner of the pot', () => {
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(state, recordOutcome([benefit(dwp, '30.00', false)]), context),
      )
      .then([
        outcomeRecorded(
          [benefit(dwp, '30.00', false)],
          [flow(cc, dwp, '20.00', false), flow(police, dwp, '10.00', false)],
          { n: 100 },
        ),
      ]);
  });

  it('credits an investor with the benefit that lands in its own budget', () => {
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(state, recordOutcome([benefit(cc, '3.00', true)]), context),
      )
      .then([
        outcomeRecorded(
          [benefit(cc, '3.00', true)],
          [flow(cc, cc, '2.00', true), flow(police, cc, '1.00', true)],
          { n: 100 },
        ),
      ]);
  });

  it('keeps the evidence reference when one is given', () => {
    const benefits = [benefit(nhs, '3.00', true)];
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(
          state,
          recordOutcome(benefits, { evidenceRef: 'evaluation-2025.pdf' }),
          context,
        ),
      )
      .then([
        {
          type: 'OutcomeRecorded',
          data: {
            ...outcomeRecorded(
              benefits,
              [flow(cc, nhs, '2.00', true), flow(police, nhs, '1.00', true)],
              { n: 100 },
            ).data,
            evidenceRef: 'evaluation-2025.pdf',
          },
        },
      ]);
  });

  it('no longer counts a reversed allocation toward the investors’ shares', () => {
    // The first allocation (council 2.00, police 1.00) is reversed after a second one drawn
    // wholly from new police money: the police alone fund the intervention now. Had the
    // reversal been ignored, the split would have been 2 : 4 (3.00 and 6.00).
    const firstAllocation = testUlid(7, 1);
    given([
      ...fundedTwoToOne.slice(0, 4),
      withEventId(
        firstAllocation,
        fundsAllocated('3.00', { [cc]: '2.00', [police]: '1.00' }, { n: 1 }),
      ),
      contributionReceived(police, '3.00', { n: 3 }),
      fundsAllocated('3.00', { [police]: '3.00' }, { n: 2 }),
      allocationReversed(firstAllocation, '3.00', { [cc]: '2.00', [police]: '1.00' }, { n: 1 }),
    ])
      .when((state, context) =>
        decideRecordOutcome(state, recordOutcome([benefit(nhs, '9.00', true)]), context),
      )
      .then([
        outcomeRecorded([benefit(nhs, '9.00', true)], [flow(police, nhs, '9.00', true)], {
          n: 100,
        }),
      ]);
  });

  it('refuses benefits of an intervention nobody has funded (UNFUNDED_INTERVENTION)', () => {
    given([potOpened(), contributionReceived(cc, '2.00'), interventionDefined()])
      .when((state, context) =>
        decideRecordOutcome(state, recordOutcome([benefit(nhs, '9.00', true)]), context),
      )
      .thenRefuses('UNFUNDED_INTERVENTION');
  });

  it('refuses benefits of an intervention whose funding has all been reversed (UNFUNDED_INTERVENTION)', () => {
    const allocation = testUlid(7, 1);
    given([
      ...fundedTwoToOne.slice(0, 4),
      withEventId(allocation, fundsAllocated('3.00', { [cc]: '2.00', [police]: '1.00' })),
      allocationReversed(allocation, '3.00', { [cc]: '2.00', [police]: '1.00' }),
    ])
      .when((state, context) =>
        decideRecordOutcome(state, recordOutcome([benefit(nhs, '9.00', true)]), context),
      )
      .thenRefuses('UNFUNDED_INTERVENTION');
  });

  it('does not count funding of another intervention (UNFUNDED_INTERVENTION)', () => {
    given([...fundedTwoToOne, interventionDefined({ n: 2 })])
      .when((state, context) =>
        decideRecordOutcome(
          state,
          recordOutcome([benefit(nhs, '9.00', true)], { interventionId: interventionId(2) }),
          context,
        ),
      )
      .thenRefuses('UNFUNDED_INTERVENTION');
  });

  it('refuses a beneficiary that is not a registered agency (NOT_FOUND), naming it', () => {
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(
          state,
          recordOutcome([benefit(nhs, '1.00', true), benefit(NOT_REGISTERED, '1.00', true)]),
          context,
        ),
      )
      .thenRefuses('NOT_FOUND', { agencyIds: [NOT_REGISTERED] });
  });

  it('refuses an intervention the pot does not have (NOT_FOUND)', () => {
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(
          state,
          recordOutcome([benefit(nhs, '1.00', true)], { interventionId: UNKNOWN_ID }),
          context,
        ),
      )
      .thenRefuses('NOT_FOUND');
  });

  it('lets a finance officer of a partner record an outcome', () => {
    given(fundedTwoToOne)
      .when(
        (state, context) =>
          decideRecordOutcome(state, recordOutcome([benefit(nhs, '3.00', true)]), context),
        {
          actor: financeOfficerOf(AGENCY.probation),
        },
      )
      .then([
        outcomeRecorded(
          [benefit(nhs, '3.00', true)],
          [flow(cc, nhs, '2.00', true), flow(police, nhs, '1.00', true)],
          { n: 100 },
        ),
      ]);
  });

  it('refuses a finance officer whose agency is not a partner (FORBIDDEN)', () => {
    given(fundedTwoToOne)
      .when(
        (state, context) =>
          decideRecordOutcome(state, recordOutcome([benefit(nhs, '3.00', true)]), context),
        { actor: financeOfficerOf(nhs) },
      )
      .thenRefuses('FORBIDDEN');
  });

  it('refuses a pot that has not been opened (NOT_FOUND)', () => {
    given([])
      .when((state, context) =>
        decideRecordOutcome(state, recordOutcome([benefit(nhs, '3.00', true)]), context),
      )
      .thenRefuses('NOT_FOUND');
  });

  it('refuses a closed pot (POT_CLOSED)', () => {
    const spec = given(fundedTwoToOne);
    spec.state.status = 'closed';
    spec
      .when((state, context) =>
        decideRecordOutcome(state, recordOutcome([benefit(nhs, '3.00', true)]), context),
      )
      .thenRefuses('POT_CLOSED');
  });
});

/**
 * Issue 13: 100 partners funding one intervention and an outcome of 100 benefit lines made one
 * event of 10,000 flows (806 KB). Lines × funders is now bounded, and with it the event.
 */
describe('RecordOutcome size limits', () => {
  /** An intervention funded equally by `funders` partners (partner-01, partner-02, …). */
  function fundedBy(funders: number) {
    const partners = Array.from(
      { length: funders },
      (_, i) => `partner-${String(i + 1).padStart(2, '0')}`,
    );
    return [
      potOpened({ hostAgencyId: partners[0]!, partnerAgencyIds: partners }),
      ...partners.map((agencyId, i) => contributionReceived(agencyId, '1.00', { n: i + 1 })),
      interventionDefined({ leadAgencyId: partners[0]! }),
      fundsAllocated(
        `${funders}.00`,
        Object.fromEntries(partners.map((agencyId) => [agencyId, '1.00'])),
      ),
    ];
  }
  const lines = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      benefit(i % 2 === 0 ? nhs : dwp, `${i + 1}.00`, i % 3 === 0),
    );

  it(`accepts benefit lines × funders up to MAX_FLOWS_PER_OUTCOME (${MAX_BENEFIT_LINES} × 10 = ${MAX_FLOWS_PER_OUTCOME})`, () => {
    const { result } = given(fundedBy(10)).when((state, context) =>
      decideRecordOutcome(state, recordOutcome(lines(MAX_BENEFIT_LINES)), context),
    );
    if (!Array.isArray(result)) throw new Error(`refused: ${String(result)}`);
    expect(result[0]!.data.benefits).toHaveLength(MAX_BENEFIT_LINES);
  });

  it('refuses one funder more (OUTCOME_TOO_LARGE), naming the limit and the count, before any split is made', () => {
    const refusal = given(fundedBy(11))
      .when((state, context) =>
        decideRecordOutcome(state, recordOutcome(lines(MAX_BENEFIT_LINES)), context),
      )
      .thenRefuses('OUTCOME_TOO_LARGE', {
        limit: MAX_FLOWS_PER_OUTCOME,
        benefitLines: 100,
        funders: 11,
        flows: 1100,
      });
    expect(refusal.message).toContain('MAX_FLOWS_PER_OUTCOME 1000');
    expect(refusal.message).toContain('at most 90 benefit lines');
  });

  it("refuses the attack's outcome: 100 lines on an intervention 100 partners fund (OUTCOME_TOO_LARGE)", () => {
    given(fundedBy(100))
      .when((state, context) => decideRecordOutcome(state, recordOutcome(lines(100)), context))
      .thenRefuses('OUTCOME_TOO_LARGE', { flows: 10_000 });
  });

  it('counts lines, not the flows they would add up to: 100 lines to one beneficiary × 11 funders is still refused', () => {
    const sameBeneficiary = Array.from({ length: 100 }, () => benefit(nhs, '1.00', true));
    given(fundedBy(11))
      .when((state, context) => decideRecordOutcome(state, recordOutcome(sameBeneficiary), context))
      .thenRefuses('OUTCOME_TOO_LARGE');
  });

  it('the largest outcome the limits allow, and its retraction, fit in MAX_EVENT_DATA_BYTES', () => {
    // Longest ids, largest amounts, longest texts in 3-byte characters: no real outcome is bigger.
    const id = (n: number) => `${n}`.padStart(MAX_AGENCY_ID_CHARS, 'a');
    const benefits = Array.from({ length: MAX_BENEFIT_LINES }, (_, i) =>
      benefit(id(i), MAX_AMOUNT, false),
    );
    const flows = Array.from({ length: MAX_FLOWS_PER_OUTCOME }, (_, i) =>
      flow(id(i), id(i + 1), MAX_AMOUNT, false),
    );
    const recorded = outcomeRecorded(benefits, flows);
    const outcome = {
      ...recorded,
      data: {
        ...recorded.data,
        description: '€'.repeat(MAX_DESCRIPTION_CHARS),
        evidenceRef: '€'.repeat(MAX_EVIDENCE_REF_CHARS),
        priorPeriodAdjustment: '2025-26',
      },
    };
    const retracted = outcomeRetracted(testUlid(7, 7), outcome);
    const retraction = {
      ...retracted,
      data: {
        ...retracted.data,
        reason: '€'.repeat(MAX_REASON_CHARS),
        priorPeriodAdjustment: '2025-26',
      },
    };
    OutcomeRecordedV1.parse(outcome.data);
    OutcomeRetractedV1.parse(retraction.data);
    expect(eventDataBytes(outcome.data)).toBeLessThanOrEqual(MAX_EVENT_DATA_BYTES);
    expect(eventDataBytes(retraction.data)).toBeLessThanOrEqual(MAX_EVENT_DATA_BYTES);
  });
});
