import { describe, expect, it } from 'vitest';
import {
  benefitFlowsProjection,
  financialYearsOf,
  flowsMatrix,
} from '../../projections/benefitFlows.ts';
import { foldAll } from '../../projections/projection.ts';
import { benefit, createHistory, flow } from './envelopes.ts';
import { COUNCIL, NHS, POLICE, essexScenario } from './essexScenario.ts';

/** "£500 from my budget, £5,000 of benefit in yours" — either side of a financial year end. */
function acrossTheYearEnd() {
  const h = createHistory({ startAt: '2026-03-01T09:00:00.000Z' });
  const pot = h.openPot({
    name: 'Bedfordshire IOM',
    area: 'Bedfordshire',
    hostAgencyId: COUNCIL,
    partnerAgencyIds: [COUNCIL, POLICE],
  });
  const potId = pot.data.potId;
  h.contribute(potId, COUNCIL, '1000.00', '2026-03-01', 'BC-1');
  const interventionId = h.defineIntervention(potId, 'Offender housing', COUNCIL).data
    .interventionId;
  // 31 March is the last day of 2025-26; 1 April the first of 2026-27.
  const allocation = h.allocate(
    potId,
    interventionId,
    { [COUNCIL]: '500.00' },
    '2026-03-31',
    'Before year end',
  );
  const outcome = h.recordOutcome(potId, interventionId, {
    description: 'Fewer arrests',
    effectiveDate: '2026-04-01',
    benefits: [benefit(POLICE, '5000.00', true)],
    flows: [flow(COUNCIL, POLICE, '5000.00', true)],
  });
  return { h, potId, interventionId, allocation, outcome };
}

describe('cross-budget benefit flows', () => {
  it('given the Essex scenario, shows who invested and whose budget the benefits landed in', () => {
    const { h } = essexScenario();
    const state = foldAll(benefitFlowsProjection, h.events);
    expect(flowsMatrix(state, {})).toEqual({
      rows: [
        {
          fromAgencyId: COUNCIL,
          toAgencyId: COUNCIL,
          amount: '6000.00',
          cashableAmount: '6000.00',
        },
        {
          fromAgencyId: COUNCIL,
          toAgencyId: POLICE,
          amount: '18000.00',
          cashableAmount: '18000.00',
        },
        { fromAgencyId: COUNCIL, toAgencyId: NHS, amount: '12000.00', cashableAmount: '0.00' },
        { fromAgencyId: POLICE, toAgencyId: COUNCIL, amount: '4000.00', cashableAmount: '4000.00' },
        {
          fromAgencyId: POLICE,
          toAgencyId: POLICE,
          amount: '12000.00',
          cashableAmount: '12000.00',
        },
        { fromAgencyId: POLICE, toAgencyId: NHS, amount: '8000.00', cashableAmount: '0.00' },
      ],
      agencies: [
        // 36,000 produced for 60,000 invested = 0.6 a pound; 30,000 of the 36,000 landed elsewhere = 0.8333.
        {
          agencyId: COUNCIL,
          invested: '60000.00',
          benefitsProduced: '36000.00',
          benefitsReceived: '10000.00',
          returnPerPound: '0.6000',
          wrongPocketShare: '0.8333',
        },
        // 24,000 for 40,000 = 0.6; 12,000 of 24,000 elsewhere = 0.5.
        {
          agencyId: POLICE,
          invested: '40000.00',
          benefitsProduced: '24000.00',
          benefitsReceived: '30000.00',
          returnPerPound: '0.6000',
          wrongPocketShare: '0.5000',
        },
        {
          agencyId: NHS,
          invested: '0.00',
          benefitsProduced: '0.00',
          benefitsReceived: '20000.00',
          returnPerPound: null,
          wrongPocketShare: null,
        },
      ],
      priorPeriodAdjustments: [],
    });
  });

  it('counts investment in the allocation’s financial year and benefits in the outcome’s (31 March | 1 April)', () => {
    const { h } = acrossTheYearEnd();
    const state = foldAll(benefitFlowsProjection, h.events);

    expect(flowsMatrix(state, { financialYear: '2025-26' })).toEqual({
      rows: [],
      agencies: [
        {
          agencyId: COUNCIL,
          invested: '500.00',
          benefitsProduced: '0.00',
          benefitsReceived: '0.00',
          returnPerPound: '0.0000',
          wrongPocketShare: null,
        },
      ],
      priorPeriodAdjustments: [],
    });
    expect(flowsMatrix(state, { financialYear: '2026-27' })).toEqual({
      rows: [
        { fromAgencyId: COUNCIL, toAgencyId: POLICE, amount: '5000.00', cashableAmount: '5000.00' },
      ],
      agencies: [
        {
          agencyId: COUNCIL,
          invested: '0.00',
          benefitsProduced: '5000.00',
          benefitsReceived: '0.00',
          returnPerPound: null,
          wrongPocketShare: '1.0000',
        },
        {
          agencyId: POLICE,
          invested: '0.00',
          benefitsProduced: '0.00',
          benefitsReceived: '5000.00',
          returnPerPound: null,
          wrongPocketShare: null,
        },
      ],
      priorPeriodAdjustments: [],
    });
    // Over both years: £5,000 back for every £500, all of it in someone else's budget.
    expect(flowsMatrix(state).agencies[0]).toMatchObject({
      agencyId: COUNCIL,
      returnPerPound: '10.0000',
      wrongPocketShare: '1.0000',
    });
    expect(financialYearsOf(state)).toEqual(['2025-26', '2026-27']);
  });

  // Issue 13 item 4: one rule for every report. A reversal counts in the year it is dated in, so
  // the year its original counted in keeps its figures (once closed, they never move).
  it('counts a reversed allocation in its own year and the reversal, negative, in the reversal’s year', () => {
    const { h, allocation } = acrossTheYearEnd();
    h.reverseAllocation(allocation, 'Approved twice', '2026-04-15');
    const state = foldAll(benefitFlowsProjection, h.events);

    expect(flowsMatrix(state, { financialYear: '2025-26' }).agencies).toEqual([
      {
        agencyId: COUNCIL,
        invested: '500.00',
        benefitsProduced: '0.00',
        benefitsReceived: '0.00',
        returnPerPound: '0.0000',
        wrongPocketShare: null,
      },
    ]);
    expect(flowsMatrix(state, { financialYear: '2026-27' }).agencies[0]).toMatchObject({
      agencyId: COUNCIL,
      invested: '-500.00',
    });
    // Every year at once: the net, the allocation and its reversal cancel.
    expect(flowsMatrix(state).agencies[0]).toMatchObject({ agencyId: COUNCIL, invested: '0.00' });
    expect(financialYearsOf(state)).toEqual(['2025-26', '2026-27']);
  });

  it('counts a retracted outcome in its own year and the retraction, negative, in the retraction’s year', () => {
    const { h, outcome } = acrossTheYearEnd();
    h.retractOutcome(outcome, 'Arrests were counted twice', '2027-05-01');
    const state = foldAll(benefitFlowsProjection, h.events);

    expect(flowsMatrix(state, { financialYear: '2026-27' }).rows).toEqual([
      { fromAgencyId: COUNCIL, toAgencyId: POLICE, amount: '5000.00', cashableAmount: '5000.00' },
    ]);
    expect(flowsMatrix(state, { financialYear: '2027-28' }).rows).toEqual([
      { fromAgencyId: COUNCIL, toAgencyId: POLICE, amount: '-5000.00', cashableAmount: '-5000.00' },
    ]);
    expect(flowsMatrix(state).rows).toEqual([]);
    expect(financialYearsOf(state)).toEqual(['2025-26', '2026-27', '2027-28']);
  });

  it('lists a correction labelled priorPeriodAdjustment in the year it is dated in, with the year it corrects', () => {
    const { h, outcome } = acrossTheYearEnd();
    const retraction = h.retractOutcome(outcome, 'Arrests were counted twice', '2027-05-01');
    (retraction.data as { priorPeriodAdjustment?: string }).priorPeriodAdjustment = '2026-27';
    const state = foldAll(benefitFlowsProjection, h.events);

    const line = {
      position: retraction.position.toString(),
      eventId: retraction.eventId,
      type: 'OutcomeRetracted',
      effectiveDate: '2027-05-01',
      forFinancialYear: '2026-27',
      amount: '-5000.00',
    };
    expect(flowsMatrix(state, { financialYear: '2027-28' }).priorPeriodAdjustments).toEqual([line]);
    expect(flowsMatrix(state, { financialYear: '2026-27' }).priorPeriodAdjustments).toEqual([]);
    expect(flowsMatrix(state).priorPeriodAdjustments).toEqual([line]);
  });

  it('scopes the matrix to one pot or one intervention', () => {
    const { h: essex, potId: essexPotId } = essexScenario();
    const { h: beds, potId: bedsPotId, interventionId: bedsIntervention } = acrossTheYearEnd();
    // Two histories merged into one log, renumbered, as the global log would hold them.
    const log = [...essex.events, ...beds.events].map((e, i) => ({
      ...e,
      position: BigInt(i + 1),
    }));
    const state = foldAll(benefitFlowsProjection, log);

    expect(flowsMatrix(state, { potId: bedsPotId }).rows).toEqual([
      { fromAgencyId: COUNCIL, toAgencyId: POLICE, amount: '5000.00', cashableAmount: '5000.00' },
    ]);
    expect(flowsMatrix(state, { interventionId: bedsIntervention })).toEqual(
      flowsMatrix(state, { potId: bedsPotId }),
    );
    expect(flowsMatrix(state, { potId: essexPotId })).toEqual(
      flowsMatrix(foldAll(benefitFlowsProjection, essex.events)),
    );
    expect(
      flowsMatrix(state).rows.find((r) => r.fromAgencyId === COUNCIL && r.toAgencyId === POLICE)!
        .amount,
    ).toBe('23000.00');
    expect(financialYearsOf(state, essexPotId)).toEqual(['2025-26']);
  });

  it('stops loudly when the log reverses the same allocation twice', () => {
    const { h, allocation } = acrossTheYearEnd();
    h.reverseAllocation(allocation, 'Once', '2026-04-15');
    h.reverseAllocation(allocation, 'Twice', '2026-04-16');
    expect(() => foldAll(benefitFlowsProjection, h.events)).toThrow(
      /invariant: reversal of allocation .* already reversed/,
    );
  });
});
