/**
 * RecordOutcome with lines by quantity: each line is valued from the catalogue version in force
 * (quantity × unit amount, split by the entry's parts), each part credited to the pot's agency
 * of that kind (or the one the line names), and the valuation is written into the event.
 */
import { describe, expect, it } from 'vitest';
import { decideRecordOutcome, type RecordOutcome } from '../../commands/recordOutcome.ts';
import type { ValuationInputs } from '../../commands/valueOutcomeLines.ts';
import {
  AGENCY_KINDS,
  MAX_AGENCY_ID_CHARS,
  MAX_BENEFIT_LINES,
  MAX_EVENT_DATA_BYTES,
  MAX_FLOWS_PER_OUTCOME,
  type AgencyKind,
} from '../../events/primitives.ts';
import {
  MAX_UNIT_CHARS,
  MAX_UNIT_COST_SPLIT_LINES,
  type UnitCostAdded,
} from '../../events/unitCost.ts';
import {
  domesticViolenceBody,
  DV,
  HIP,
  hipFractureBody,
  unitCostAdded,
} from '../unitCosts/fixtures.ts';
import {
  benefit,
  contributionReceived,
  flow,
  fundsAllocated,
  interventionDefined,
  outcomeRecorded,
  potOpened,
  recordOutcome,
} from './fixtures.ts';
import { AGENCY, NOT_REGISTERED, REGISTERED_AGENCIES, given } from './spec.ts';

const { cc, police, probation, nhs, dwp } = AGENCY;
const SOUTHEND = 'southend-council';

const KINDS: ReadonlyMap<string, AgencyKind> = new Map<string, AgencyKind>([
  [cc, 'council'],
  [police, 'police'],
  [probation, 'probation'],
  [nhs, 'health'],
  [dwp, 'dwp'],
  [SOUTHEND, 'council'],
]);

function inputs(
  entries: UnitCostAdded[] = [unitCostAdded(hipFractureBody()).data],
  kinds = KINDS,
): ValuationInputs {
  return { unitCosts: new Map(entries.map((e) => [e.code, e])), agencyKinds: kinds };
}

function byQuantity(lines: RecordOutcome['lines'], o: Partial<RecordOutcome> = {}): RecordOutcome {
  const { benefits: _none, ...command } = recordOutcome([], { lines, valuation: inputs(), ...o });
  return o.benefits === undefined ? command : { ...command, benefits: o.benefits };
}

/** Intervention 1 is funded 2 : 1 by the council and the police; the NHS is not a partner. */
const fundedTwoToOne = [
  potOpened(),
  contributionReceived(cc, '2.00', { n: 1 }),
  contributionReceived(police, '1.00', { n: 2 }),
  interventionDefined(),
  fundsAllocated('3.00', { [cc]: '2.00', [police]: '1.00' }),
];

const twoHipFractures = {
  unitCostCode: HIP,
  version: 1,
  priceYear: '2008-09',
  unit: 'per incident',
  quantity: '2',
  unitAmount: '12700.00',
  amount: '25400.00',
  split: [
    {
      agencyKind: 'health' as const,
      agencyId: nhs,
      cashable: false,
      unitAmount: '10000.00',
      amount: '20000.00',
    },
    {
      agencyKind: 'council' as const,
      agencyId: cc,
      cashable: true,
      unitAmount: '2700.00',
      amount: '5400.00',
    },
  ],
};

describe('RecordOutcome by quantity', () => {
  it('values 2 hip fractures avoided at £12,700 each: the NHS part to the named NHS body, social care to the one council partner', () => {
    // NHS £20,000 split 2 : 1 → 1,333,333.33p / 666,666.67p: the penny to the larger remainder (police).
    const event = outcomeRecorded(
      [benefit(cc, '5400.00', true), benefit(nhs, '20000.00', false)],
      [
        flow(cc, cc, '3600.00', true),
        flow(cc, nhs, '13333.33', false),
        flow(police, cc, '1800.00', true),
        flow(police, nhs, '6666.67', false),
      ],
      { n: 100 },
    );
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(
          state,
          byQuantity([{ unitCostCode: HIP, quantity: '2', beneficiaries: { health: nhs } }]),
          context,
        ),
      )
      .then([{ ...event, data: { ...event.data, lines: [twoHipFractures] } }]);
  });

  it('keeps benefits given in pounds and adds the valued ones after them', () => {
    const direct = [benefit(dwp, '30.00', true)];
    const result = given(fundedTwoToOne).when((state, context) =>
      decideRecordOutcome(
        state,
        byQuantity([{ unitCostCode: HIP, quantity: '2', beneficiaries: { health: nhs } }], {
          benefits: direct,
        }),
        context,
      ),
    ).result;
    if (!Array.isArray(result)) throw new Error('refused');
    expect(result[0].data.benefits).toEqual([
      benefit(dwp, '30.00', true),
      benefit(cc, '5400.00', true),
      benefit(nhs, '20000.00', false),
    ]);
    expect(result[0].data.lines).toEqual([twoHipFractures]);
  });

  it('values a fractional quantity to the penny: 0.5 of a hip fracture', () => {
    const result = given(fundedTwoToOne).when((state, context) =>
      decideRecordOutcome(
        state,
        byQuantity([{ unitCostCode: HIP, quantity: '0.5', beneficiaries: { health: nhs } }]),
        context,
      ),
    ).result;
    if (!Array.isArray(result)) throw new Error('refused');
    expect(result[0].data.benefits).toEqual([
      benefit(cc, '1350.00', true),
      benefit(nhs, '5000.00', false),
    ]);
  });

  it('refuses when the pot has no partner of a kind the entry names, asking for a mapping', () => {
    const refusal = given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(state, byQuantity([{ unitCostCode: HIP, quantity: '1' }]), context),
      )
      .thenRefuses('VALIDATION_FAILED', {
        unitCostCode: HIP,
        agencyKind: 'health',
        candidates: [],
      });
    expect(refusal.message).toContain('beneficiaries');
  });

  it('refuses when several partners share the kind, naming them; a mapping settles it', () => {
    const twoCouncils = [
      potOpened({ partnerAgencyIds: [cc, police, probation, SOUTHEND] }),
      ...fundedTwoToOne.slice(1),
    ];
    const context = { registeredAgencies: new Set([...REGISTERED_AGENCIES, SOUTHEND]) };
    given(twoCouncils)
      .when(
        (state, c) =>
          decideRecordOutcome(
            state,
            byQuantity([{ unitCostCode: HIP, quantity: '1', beneficiaries: { health: nhs } }]),
            c,
          ),
        context,
      )
      .thenRefuses('VALIDATION_FAILED', { agencyKind: 'council', candidates: [cc, SOUTHEND] });
    const decided = given(twoCouncils).when(
      (state, c) =>
        decideRecordOutcome(
          state,
          byQuantity([
            { unitCostCode: HIP, quantity: '1', beneficiaries: { health: nhs, council: SOUTHEND } },
          ]),
          c,
        ),
      context,
    ).result;
    if (!Array.isArray(decided)) throw new Error('refused');
    expect(decided[0].data.benefits).toContainEqual(benefit(SOUTHEND, '2700.00', true));
  });

  it('refuses a code the catalogue does not hold, naming it', () => {
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(
          state,
          byQuantity([{ unitCostCode: 'NO-SUCH-CODE', quantity: '1' }]),
          context,
        ),
      )
      .thenRefuses('VALIDATION_FAILED', { unitCostCodes: ['NO-SUCH-CODE'] });
  });

  it('refuses a mapping to an agency nobody registered: NOT_FOUND', () => {
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(
          state,
          byQuantity([
            { unitCostCode: HIP, quantity: '1', beneficiaries: { health: NOT_REGISTERED } },
          ]),
          context,
        ),
      )
      .thenRefuses('NOT_FOUND', { agencyIds: [NOT_REGISTERED] });
  });

  it('refuses lines on an unfunded intervention, like benefits in pounds', () => {
    given([potOpened(), interventionDefined()])
      .when((state, context) =>
        decideRecordOutcome(
          state,
          byQuantity([{ unitCostCode: HIP, quantity: '1', beneficiaries: { health: nhs } }]),
          context,
        ),
      )
      .thenRefuses('UNFUNDED_INTERVENTION');
  });

  it("refuses when a partner's kind was not read (it joined while the outcome was valued): CONCURRENCY_CONFLICT", () => {
    const withoutProbation = new Map([...KINDS].filter(([id]) => id !== probation));
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(
          state,
          byQuantity([{ unitCostCode: HIP, quantity: '1', beneficiaries: { health: nhs } }], {
            valuation: inputs(undefined, withoutProbation),
          }),
          context,
        ),
      )
      .thenRefuses('CONCURRENCY_CONFLICT');
  });

  it('refuses a line worth more than the largest amount the ledger holds', () => {
    const huge = unitCostAdded({
      ...hipFractureBody(),
      code: 'HUGE',
      amount: '1000000000000.00',
      split: [{ agencyKind: 'council', amount: '1000000000000.00', cashable: true }],
    }).data;
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(
          state,
          byQuantity([{ unitCostCode: 'HUGE', quantity: '2' }], { valuation: inputs([huge]) }),
          context,
        ),
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('values the five-way domestic violence split with mappings for the kinds the pot lacks', () => {
    const dvEntry = unitCostAdded(domesticViolenceBody()).data;
    const result = given(fundedTwoToOne).when((state, context) =>
      decideRecordOutcome(
        state,
        byQuantity(
          [
            {
              unitCostCode: DV,
              quantity: '3',
              beneficiaries: { health: nhs, other: probation, housing: cc },
            },
          ],
          { valuation: inputs([dvEntry]) },
        ),
        context,
      ),
    ).result;
    if (!Array.isArray(result)) throw new Error('refused');
    // council: children's 579 + housing 330 = 909; police 1,245; probation (criminal justice) 1,743; NHS 3,513.
    expect(result[0].data.benefits).toEqual([
      benefit(cc, '909.00', false),
      benefit(police, '1245.00', false),
      benefit(probation, '1743.00', false),
      benefit(nhs, '3513.00', false),
    ]);
  });
});

describe('RecordOutcome by quantity: size limits', () => {
  it('counts the benefit lines quantity lines are valued to with those given in pounds: past MAX_BENEFIT_LINES is OUTCOME_TOO_LARGE', () => {
    const inPounds = Array.from({ length: MAX_BENEFIT_LINES }, (_, i) =>
      benefit(dwp, `${i + 1}.00`, true),
    );
    given(fundedTwoToOne)
      .when((state, context) =>
        decideRecordOutcome(
          state,
          byQuantity([{ unitCostCode: HIP, quantity: '1', beneficiaries: { health: nhs } }], {
            benefits: inPounds,
          }),
          context,
        ),
      )
      .thenRefuses('OUTCOME_TOO_LARGE', {
        limit: MAX_BENEFIT_LINES,
        benefitLines: MAX_BENEFIT_LINES + 2,
      });
  });

  it('holds valued lines × funders to MAX_FLOWS_PER_OUTCOME too', () => {
    // 11 funders: the council and ten others; 89 lines in pounds + a hip fracture's 2 = 91 × 11 = 1,001.
    const others = Array.from({ length: 10 }, (_, i) => `other-${i + 1}`);
    const kinds = new Map<string, AgencyKind>([
      ...KINDS,
      ...others.map((id): [string, AgencyKind] => [id, 'other']),
    ]);
    const funded = [
      potOpened({ partnerAgencyIds: [cc, ...others] }),
      ...[cc, ...others].map((agencyId, i) => contributionReceived(agencyId, '1.00', { n: i + 1 })),
      interventionDefined({ leadAgencyId: cc }),
      fundsAllocated(
        '11.00',
        Object.fromEntries([cc, ...others].map((agencyId) => [agencyId, '1.00'])),
      ),
    ];
    const inPounds = (n: number) =>
      Array.from({ length: n }, (_, i) => benefit(dwp, `${i + 1}.00`, true));
    const hip = [{ unitCostCode: HIP, quantity: '1', beneficiaries: { health: nhs } }];
    const valuation = inputs(undefined, kinds);
    given(funded)
      .when((state, context) =>
        decideRecordOutcome(state, byQuantity(hip, { benefits: inPounds(89), valuation }), context),
      )
      .thenRefuses('OUTCOME_TOO_LARGE', {
        limit: MAX_FLOWS_PER_OUTCOME,
        benefitLines: 91,
        funders: 11,
        flows: 1001,
      });
    const { result } = given(funded).when((state, context) =>
      decideRecordOutcome(state, byQuantity(hip, { benefits: inPounds(88), valuation }), context),
    );
    expect(Array.isArray(result), String(result)).toBe(true);
  });

  it('refuses an outcome whose valuation would make an event past MAX_EVENT_DATA_BYTES (OUTCOME_TOO_LARGE), naming its size', () => {
    // An entry of the most parts (every kind, cashable and not), each line mapping every kind to a
    // long agency id: 100 such lines are about 400 KB of valuation detail.
    const WIDE = 'TEST-EVERY-KIND';
    const longId = (kind: string) => `${kind}-`.padEnd(MAX_AGENCY_ID_CHARS, 'x');
    const parts = AGENCY_KINDS.flatMap((agencyKind) => [
      { agencyKind, amount: '1.00', cashable: true },
      { agencyKind, amount: '1.00', cashable: false },
    ]);
    expect(parts).toHaveLength(MAX_UNIT_COST_SPLIT_LINES);
    const entry = unitCostAdded(
      hipFractureBody({
        code: WIDE,
        unit: '€'.repeat(MAX_UNIT_CHARS),
        amount: `${parts.length}.00`,
        split: parts,
      }),
    ).data;
    const beneficiaries = Object.fromEntries(AGENCY_KINDS.map((kind) => [kind, longId(kind)]));
    const line = { unitCostCode: WIDE, quantity: '1', beneficiaries };
    const refusal = given(fundedTwoToOne)
      .when(
        (state, context) =>
          decideRecordOutcome(
            state,
            byQuantity(
              Array.from({ length: MAX_BENEFIT_LINES }, () => line),
              { valuation: inputs([entry]) },
            ),
            context,
          ),
        { registeredAgencies: new Set([...REGISTERED_AGENCIES, ...Object.values(beneficiaries)]) },
      )
      .thenRefuses('OUTCOME_TOO_LARGE', { limit: MAX_EVENT_DATA_BYTES });
    expect((refusal.details as { bytes: number }).bytes).toBeGreaterThan(MAX_EVENT_DATA_BYTES);
    // Fewer lines of it are recorded.
    const { result } = given(fundedTwoToOne).when(
      (state, context) =>
        decideRecordOutcome(
          state,
          byQuantity(
            Array.from({ length: 20 }, () => line),
            { valuation: inputs([entry]) },
          ),
          context,
        ),
      { registeredAgencies: new Set([...REGISTERED_AGENCIES, ...Object.values(beneficiaries)]) },
    );
    expect(Array.isArray(result), String(result)).toBe(true);
  });
});
