/**
 * Year-end settlement (POOLED-FUND-YEAR.md, "Year-end settlement"): one spec per rule and per
 * refusal. The default year: the county council (host), the police and probation contribute
 * 600, 300 and 100 in 2025-26; two schemes are funded from their stakes pro rata; the agreement
 * tracks spend. Every figure below is worked by hand in the spec's comment.
 */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../commands/domainError.ts';
import { decideRecordOutcome } from '../../commands/recordOutcome.ts';
import { available, evolvePot, type PotState } from '../../commands/potState.ts';
import {
  decideSettleFinancialYear,
  previewSettlement,
  settlementInputOf,
} from '../../commands/settleFinancialYear.ts';
import type { PotEvent } from '../../events/pot.ts';
import type { FinancialYearSettled, OverspendRule, UnderspendRule } from '../../events/poolYear.ts';
import { sum } from '../../events/money.ts';
import {
  allocationRequested,
  AFTER_YEAR_END,
  financialYearClosed,
  potOpenedWithThreshold,
} from './controlFixtures.ts';
import {
  contributionReceived,
  fundsAllocated,
  interventionDefined,
  interventionId,
  POT_ID,
  potOpened,
  recordOutcome,
  withEventId,
} from './fixtures.ts';
import { AGENCY, financeOfficerOf, given, testUlid, type GivenEvent } from './spec.ts';

type Of<T extends PotEvent['type']> = Extract<PotEvent, { type: T }>;

const { cc, police, probation } = AGENCY;
const FY = '2025-26';
const after = { now: AFTER_YEAR_END };
const settle = { potId: POT_ID, financialYear: FY };
const AGREEMENT_EVENT = testUlid(8, 1);
const SETTLEMENT_EVENT = testUlid(8, 2);
const I1 = interventionId(1);
const I2 = interventionId(2);

const DEFAULT_RULE: OverspendRule = {
  policy: 'warn',
  coverFromPot: true,
  share: 'contributions',
};

function agreementRecorded(
  overspend: Partial<OverspendRule> = {},
  o: { underspend?: UnderspendRule; spendTracking?: boolean } = {},
): GivenEvent<Of<'AgreementRecorded'>> {
  return withEventId(AGREEMENT_EVENT, {
    type: 'AgreementRecorded',
    data: {
      potId: POT_ID,
      version: 1,
      reference: 'S75-2025-01',
      legalBasis: 's75-nhs-act-2006',
      startDate: '2025-04-01',
      poolManager: 'Head of Integrated Commissioning',
      scope: 'Reducing reoffending',
      boardDecisionRef: 'HWB-2025-03',
      signedOn: '2025-03-20',
      spendTracking: o.spendTracking ?? true,
      overspend: { ...DEFAULT_RULE, ...overspend },
      underspend: o.underspend ?? 'carry-forward',
    },
  });
}

function spendRecorded(n: number, intervention: number, amount: string): Of<'SpendRecorded'> {
  return {
    type: 'SpendRecorded',
    data: {
      potId: POT_ID,
      spendId: testUlid(7, n),
      interventionId: interventionId(intervention),
      amount,
      effectiveDate: '2025-10-01',
      supplier: 'Mentoring Ltd',
      invoiceRef: `INV-${n}`,
    },
  };
}

function schemeDetails(
  intervention: number,
  commissioner: { agencyId: string; percent: string }[],
): Of<'SchemeDetailsRecorded'> {
  return {
    type: 'SchemeDetailsRecorded',
    data: {
      potId: POT_ID,
      interventionId: interventionId(intervention),
      schemeType: 'Reablement in a person’s own home',
      fundingSource: 'other',
      commissioner,
      recurrent: true,
      expenditure: 'revenue',
    },
  };
}

const contributed: GivenEvent<PotEvent>[] = [
  contributionReceived(cc, '600.00', { n: 1 }),
  contributionReceived(police, '300.00', { n: 2 }),
  contributionReceived(probation, '100.00', { n: 3 }),
];
const schemesDefined = [interventionDefined({ n: 1 }), interventionDefined({ n: 2 })];
/** I1 gets 500 (300/150/50 of stakes 600/300/100), then I2 200 (120/60/20 of 300/150/50). */
const allocated = [
  fundsAllocated('500.00', { [cc]: '300.00', [police]: '150.00', [probation]: '50.00' }, { n: 1 }),
  fundsAllocated(
    '200.00',
    { [cc]: '120.00', [police]: '60.00', [probation]: '20.00' },
    { n: 2, intervention: 2 },
  ),
];

/** A year: stakes 180/90/30 after the allocations; I1 spends 400 (100 under), I2 260 (60 over). */
function year(
  agreement: GivenEvent<PotEvent> = agreementRecorded(),
  o: { spend?: [number, string][]; extra?: GivenEvent<PotEvent>[] } = {},
): GivenEvent<PotEvent>[] {
  const spend = o.spend ?? [
    [1, '400.00'],
    [2, '260.00'],
  ];
  return [
    potOpened(),
    ...contributed,
    ...schemesDefined,
    ...allocated,
    agreement,
    ...(o.extra ?? []),
    ...spend.map(([intervention, amount], i) => spendRecorded(i + 1, intervention, amount)),
  ];
}

const line = (agencyId: string, amount: string) => ({ agencyId, amount });
const FUNDING_I1 = [line(cc, '300.00'), line(police, '150.00'), line(probation, '50.00')];
const FUNDING_I2 = [line(cc, '120.00'), line(police, '60.00'), line(probation, '20.00')];
const CONTRIBUTION_WEIGHTS = [
  { agencyId: cc, weight: '600.00' },
  { agencyId: police, weight: '300.00' },
  { agencyId: probation, weight: '100.00' },
];
const STAKES_BEFORE = [line(cc, '180.00'), line(police, '90.00'), line(probation, '30.00')];

function settled(
  figures: Partial<FinancialYearSettled> & Pick<FinancialYearSettled, 'schemes' | 'stakesAfter'>,
): Of<'FinancialYearSettled'> {
  return {
    type: 'FinancialYearSettled',
    data: {
      potId: POT_ID,
      financialYear: FY,
      effectiveDate: '2026-03-31',
      agreement: { version: 1, agreementEventId: AGREEMENT_EVENT },
      overspend: DEFAULT_RULE,
      underspend: 'carry-forward',
      hostAgencyId: cc,
      shareWeights: CONTRIBUTION_WEIGHTS,
      stakesBefore: STAKES_BEFORE,
      returns: [],
      owedByPartners: [],
      ...figures,
    },
  };
}

/** I1's 100 underspend back to the stakes by its funding 300/150/50: 60/30/10. */
const I1_RELEASED = {
  interventionId: I1,
  budget: '500.00',
  spent: '400.00',
  underspend: '100.00',
  overspend: '0.00',
  fundingOfYear: FUNDING_I1,
  released: [line(cc, '60.00'), line(police, '30.00'), line(probation, '10.00')],
  covered: [],
  shared: [],
  fellToHost: '0.00',
};

function overspentI2(o: {
  covered?: { agencyId: string; amount: string }[];
  shared?: { agencyId: string; amount: string }[];
  fellToHost?: string;
  spent?: string;
  overspend?: string;
}) {
  return {
    interventionId: I2,
    budget: '200.00',
    spent: o.spent ?? '260.00',
    underspend: '0.00',
    overspend: o.overspend ?? '60.00',
    fundingOfYear: FUNDING_I2,
    released: [],
    covered: o.covered ?? [],
    shared: o.shared ?? [],
    fellToHost: o.fellToHost ?? '0.00',
  };
}

/** Folds the decided settlement: the pot's invariants are asserted by evolvePot itself. */
function foldSettlement(state: PotState, event: PotEvent): PotState {
  return evolvePot(state, { ...event, eventId: SETTLEMENT_EVENT });
}

function fundingOfYearAfter(state: PotState, intervention: string): string {
  const figures = state.poolYear.years.get(FY)!.schemes.get(intervention)!;
  return sum(figures.funding.values()).toFixed(2);
}

describe('SettleFinancialYear: the figures', () => {
  it('releases an underspend by the funding of the year and covers an overspend from the stakes', () => {
    // Release: stakes 180/90/30 + 60/30/10 = 240/120/40. Cover I2's 60 pro rata: 36/18/6.
    const spec = given(year());
    const [event] = spec
      .when((state, context) => decideSettleFinancialYear(state, settle, context), after)
      .then([
        settled({
          schemes: [
            I1_RELEASED,
            overspentI2({
              covered: [line(cc, '36.00'), line(police, '18.00'), line(probation, '6.00')],
            }),
          ],
          stakesAfter: [line(cc, '204.00'), line(police, '102.00'), line(probation, '34.00')],
        }),
      ]);
    const state = foldSettlement(spec.state, event!);
    expect(available(state).toFixed(2)).toBe('340.00');
    expect(sum(state.stakes.values()).toFixed(2)).toBe('340.00');
    // Nothing unspent stays allocated, nothing spent stays unfunded.
    expect(fundingOfYearAfter(state, I1)).toBe('400.00');
    expect(fundingOfYearAfter(state, I2)).toBe('260.00');
    expect(state.poolYear.settled.get(FY)).toBe(SETTLEMENT_EVENT);
  });

  it('covers what the stakes hold and shares the rest by contributions of the year', () => {
    // I2 spends 760: 560 over. The stakes after release, 240/120/40, cover 400 of it (all they
    // hold); the other 160 is shared 600:300:100 by the contributions of the year: 96/48/16.
    given(
      year(agreementRecorded(), {
        spend: [
          [1, '400.00'],
          [2, '760.00'],
        ],
      }),
    )
      .when((state, context) => decideSettleFinancialYear(state, settle, context), after)
      .then([
        settled({
          schemes: [
            I1_RELEASED,
            overspentI2({
              spent: '760.00',
              overspend: '560.00',
              covered: [line(cc, '240.00'), line(police, '120.00'), line(probation, '40.00')],
              shared: [line(cc, '96.00'), line(police, '48.00'), line(probation, '16.00')],
            }),
          ],
          owedByPartners: [line(cc, '96.00'), line(police, '48.00'), line(probation, '16.00')],
          stakesAfter: [],
        }),
      ]);
  });

  it('without cover from the pot the whole overspend is shared by contributions', () => {
    const rule = { coverFromPot: false };
    const spec = given(year(agreementRecorded(rule)));
    const [event] = spec
      .when((state, context) => decideSettleFinancialYear(state, settle, context), after)
      .then([
        settled({
          overspend: { ...DEFAULT_RULE, ...rule },
          schemes: [
            I1_RELEASED,
            overspentI2({
              shared: [line(cc, '36.00'), line(police, '18.00'), line(probation, '6.00')],
            }),
          ],
          owedByPartners: [line(cc, '36.00'), line(police, '18.00'), line(probation, '6.00')],
          stakesAfter: [line(cc, '240.00'), line(police, '120.00'), line(probation, '40.00')],
        }),
      ]);
    const state = foldSettlement(spec.state, event!);
    // The shares fund the scheme without touching a stake: they are debts to the pot.
    expect(fundingOfYearAfter(state, I2)).toBe('260.00');
    expect(state.poolYear.debts.get(FY)!.get(police)!.toFixed(2)).toBe('18.00');
    expect(available(state).toFixed(2)).toBe('400.00');
  });

  it('shares by fixed basis points, the odd penny by largest remainder', () => {
    // 100.01 over: 5000/3000/2000 bp give 50.005/30.003/20.002; the penny goes to the council.
    const rule = {
      coverFromPot: false,
      share: 'fixed' as const,
      percentages: { [cc]: 5000, [police]: 3000, [probation]: 2000 },
    };
    given(
      year(agreementRecorded(rule), {
        spend: [
          [1, '400.00'],
          [2, '300.01'],
        ],
      }),
    )
      .when((state, context) => decideSettleFinancialYear(state, settle, context), after)
      .then([
        settled({
          overspend: { ...DEFAULT_RULE, ...rule },
          shareWeights: [
            { agencyId: cc, weight: '5000' },
            { agencyId: police, weight: '3000' },
            { agencyId: probation, weight: '2000' },
          ],
          schemes: [
            I1_RELEASED,
            overspentI2({
              spent: '300.01',
              overspend: '100.01',
              shared: [line(cc, '50.01'), line(police, '30.00'), line(probation, '20.00')],
            }),
          ],
          owedByPartners: [line(cc, '50.01'), line(police, '30.00'), line(probation, '20.00')],
          stakesAfter: [line(cc, '240.00'), line(police, '120.00'), line(probation, '40.00')],
        }),
      ]);
  });

  it("shares by each scheme's commissioners, the lead agency 100 where none are recorded", () => {
    // I1 (no details; lead: probation) spends 510: 10 over, all probation's. I2 is
    // commissioned 60/40 by the police and probation: its 60 over is 36/24.
    const rule = { coverFromPot: false, share: 'commissioner' as const };
    const details = schemeDetails(2, [
      { agencyId: police, percent: '60' },
      { agencyId: probation, percent: '40' },
    ]);
    given(
      year(agreementRecorded(rule), {
        spend: [
          [1, '510.00'],
          [2, '260.00'],
        ],
        extra: [details],
      }),
    )
      .when((state, context) => decideSettleFinancialYear(state, settle, context), after)
      .then([
        settled({
          overspend: { ...DEFAULT_RULE, ...rule },
          shareWeights: [],
          schemes: [
            {
              ...I1_RELEASED,
              spent: '510.00',
              underspend: '0.00',
              overspend: '10.00',
              released: [],
              shared: [line(probation, '10.00')],
            },
            overspentI2({ shared: [line(police, '36.00'), line(probation, '24.00')] }),
          ],
          owedByPartners: [line(police, '36.00'), line(probation, '34.00')],
          stakesAfter: STAKES_BEFORE,
        }),
      ]);
  });

  it('caps a partner’s total for the year: the excess is re-split, and what nobody can take falls to the host', () => {
    // Caps: council 50, police 10, probation 5. I1 spends 540 (40 over), I2 260 (60 over).
    // I1: 40 by 600:300:100 is 24/12/4; the police take 10, and its 2 over is re-split 600:100
    //   between the council and probation: 1.71/0.29. I1: 25.71/10.00/4.29.
    // I2: 60 by 600:100 (the police are capped) is 51.43/8.57; the council has 24.29 left and
    //   probation 0.71, so 35.00 is left that nobody may take: it falls to the host.
    const rule = {
      coverFromPot: false,
      caps: { [cc]: '50.00', [police]: '10.00', [probation]: '5.00' },
    };
    given(
      year(agreementRecorded(rule), {
        spend: [
          [1, '540.00'],
          [2, '260.00'],
        ],
      }),
    )
      .when((state, context) => decideSettleFinancialYear(state, settle, context), after)
      .then([
        settled({
          overspend: { ...DEFAULT_RULE, ...rule },
          schemes: [
            {
              ...I1_RELEASED,
              spent: '540.00',
              underspend: '0.00',
              overspend: '40.00',
              released: [],
              shared: [line(cc, '25.71'), line(police, '10.00'), line(probation, '4.29')],
            },
            overspentI2({
              shared: [line(cc, '59.29'), line(probation, '0.71')],
              fellToHost: '35.00',
            }),
          ],
          owedByPartners: [line(cc, '85.00'), line(police, '10.00'), line(probation, '5.00')],
          stakesAfter: STAKES_BEFORE,
        }),
      ]);
  });

  it('a remainder whose weights are all zero falls to the host', () => {
    // Every contribution is dated in 2024-25: the 2025-26 contributions, the weights, are zero.
    const rule = { coverFromPot: false };
    const history = year(agreementRecorded(rule)).map((event) =>
      event.type === 'ContributionReceived'
        ? { ...event, data: { ...event.data, effectiveDate: '2025-03-10' } }
        : event,
    );
    given(history)
      .when((state, context) => decideSettleFinancialYear(state, settle, context), after)
      .then([
        settled({
          overspend: { ...DEFAULT_RULE, ...rule },
          shareWeights: [],
          schemes: [I1_RELEASED, overspentI2({ shared: [line(cc, '60.00')], fellToHost: '60.00' })],
          owedByPartners: [line(cc, '60.00')],
          stakesAfter: [line(cc, '240.00'), line(police, '120.00'), line(probation, '40.00')],
        }),
      ]);
  });

  it('under `return` every stake left after release and cover goes back to its partner', () => {
    const spec = given(year(agreementRecorded({}, { underspend: 'return' })));
    const [event] = spec
      .when((state, context) => decideSettleFinancialYear(state, settle, context), after)
      .then([
        settled({
          underspend: 'return',
          schemes: [
            I1_RELEASED,
            overspentI2({
              covered: [line(cc, '36.00'), line(police, '18.00'), line(probation, '6.00')],
            }),
          ],
          returns: [line(cc, '204.00'), line(police, '102.00'), line(probation, '34.00')],
          stakesAfter: [],
        }),
      ]);
    const state = foldSettlement(spec.state, event!);
    expect(available(state).toFixed(2)).toBe('0.00');
    expect(state.totalReturned.toFixed(2)).toBe('340.00');
  });

  it('the fold stops loudly on a settlement whose stakesAfter leaves out a partner still holding a stake', () => {
    const spec = given(year());
    const [event] = spec.when(
      (state, context) => decideSettleFinancialYear(state, settle, context),
      after,
    ).result as Of<'FinancialYearSettled'>[];
    const tampered = {
      ...event!,
      data: { ...event!.data, stakesAfter: event!.data.stakesAfter.slice(1) },
    };
    expect(() => foldSettlement(spec.state, tampered)).toThrow(/invariant: settlement of 2025-26/);
  });

  it('a scheme with nothing dated in the year is left out', () => {
    const spec = given(year(agreementRecorded(), { spend: [[1, '500.00']] }));
    const input = settlementInputOf(spec.state, '2024-25');
    expect(input.schemes).toEqual([]);
    const result = spec.when(
      (state, context) =>
        decideSettleFinancialYear(state, { ...settle, financialYear: '2024-25' }, context),
      after,
    ).result as PotEvent[];
    expect((result[0]!.data as FinancialYearSettled).schemes).toEqual([]);
  });

  it('the preview answers exactly what the settlement records, for any role, writing nothing', () => {
    const spec = given(year());
    const decided = spec.when(
      (state, context) => decideSettleFinancialYear(state, settle, context),
      after,
    ).result as PotEvent[];
    const preview = spec.when(
      (state, context) => {
        const answer = previewSettlement(state, FY, context);
        return answer instanceof DomainError ? answer : [];
      },
      { ...after, actor: financeOfficerOf(police) },
    );
    expect(preview.result).toEqual([]);
    const answer = previewSettlement(spec.state, FY, {
      actor: financeOfficerOf(police),
      now: AFTER_YEAR_END,
      registeredAgencies: new Set(),
    });
    expect(answer).toEqual(decided[0]!.data);
  });
});

describe('SettleFinancialYear: refusals', () => {
  const decide = (state: PotState, context: Parameters<typeof decideSettleFinancialYear>[2]) =>
    decideSettleFinancialYear(state, settle, context);

  it('a year is settled once: ALREADY_SETTLED', () => {
    const first = given(year()).when(decide, after).result as PotEvent[];
    given([...year(), withEventId(SETTLEMENT_EVENT, first[0]!)])
      .when(decide, after)
      .thenRefuses('ALREADY_SETTLED', { settlementEventId: SETTLEMENT_EVENT });
  });

  it('not before the year has ended by the server’s clock: VALIDATION_FAILED', () => {
    given(year())
      .when(decide, { now: '2026-03-31T23:59:59.000Z' })
      .thenRefuses('VALIDATION_FAILED', { yearEnd: '2026-03-31' });
  });

  it('not on a pot whose agreement does not track spend: SPEND_TRACKING_OFF', () => {
    given(year(agreementRecorded({}, { spendTracking: false }), { spend: [] }))
      .when(decide, after)
      .thenRefuses('SPEND_TRACKING_OFF');
  });

  it('not on a pot without an agreement: SPEND_TRACKING_OFF', () => {
    given([potOpened(), ...contributed, ...schemesDefined, ...allocated])
      .when(decide, after)
      .thenRefuses('SPEND_TRACKING_OFF');
  });

  it('not once the year is closed: PERIOD_CLOSED', () => {
    given([...year(), financialYearClosed(FY)])
      .when(decide, after)
      .thenRefuses('PERIOD_CLOSED', { closedThrough: '2026-03-31' });
  });

  it('not while allocation requests dated in the year wait for approval: PENDING_APPROVALS', () => {
    const history = year();
    history[0] = potOpenedWithThreshold('1000.00');
    given([...history, allocationRequested('1500.00', { n: 100 })])
      .when(decide, after)
      .thenRefuses('PENDING_APPROVALS', { pendingAllocationIds: [testUlid(5, 100)] });
  });

  it('a stake larger than one amount may be (a pot from before the cap): AMOUNT_LIMIT_EXCEEDED', () => {
    given([
      ...year(),
      contributionReceived(police, '1000000000000.00', { n: 4 }),
      contributionReceived(police, '1000000000000.00', { n: 5 }),
    ])
      .when(decide, after)
      .thenRefuses('AMOUNT_LIMIT_EXCEEDED', { ids: [police] });
  });

  it('only an admin settles: FORBIDDEN', () => {
    given(year())
      .when(decide, { ...after, actor: financeOfficerOf(cc) })
      .thenRefuses('FORBIDDEN');
  });

  it('the preview refuses as the settlement would', () => {
    const spec = given(year());
    const early = previewSettlement(spec.state, FY, {
      actor: financeOfficerOf(cc),
      now: '2026-01-15T10:00:00.000Z',
      registeredAgencies: new Set(),
    });
    expect(early).toBeInstanceOf(DomainError);
    expect((early as DomainError).code).toBe('VALIDATION_FAILED');
  });
});

describe('after the settlement, benefit flows credit the partners who paid for the overspend', () => {
  it('an outcome of the overspent scheme is split by its funding after settlement, shares included', () => {
    // Cover off, and the agreement puts every overspend on the police: I2's 60.00 overspend is
    // theirs, so I2 is funded 120.00 (council), 60 + 60 = 120.00 (police), 20.00 (probation).
    // Without the police's share the split would be 156.00 / 78.00 / 26.00.
    const history = year(
      agreementRecorded({
        coverFromPot: false,
        share: 'fixed',
        percentages: { [police]: 10_000 },
      }),
    );
    const decision = given(history).when(
      (state, context) => decideSettleFinancialYear(state, settle, context),
      { now: AFTER_YEAR_END },
    ).result;
    if (decision instanceof DomainError) throw decision;
    const settledYear = withEventId(SETTLEMENT_EVENT, decision[0]!);
    const outcome = given([...history, settledYear]).when((state, context) =>
      decideRecordOutcome(
        state,
        recordOutcome([{ agencyId: police, amount: '260.00', cashable: true }], {
          interventionId: I2,
          effectiveDate: '2026-05-01',
        }),
        context,
      ),
    ).result;
    if (outcome instanceof DomainError) throw outcome;
    expect(outcome[0]!.type).toBe('OutcomeRecorded');
    const flows = (outcome[0]!.data as { flows: unknown[] }).flows;
    expect(flows).toEqual([
      { fromAgencyId: cc, toAgencyId: police, amount: '120.00', cashable: true },
      { fromAgencyId: police, toAgencyId: police, amount: '120.00', cashable: true },
      { fromAgencyId: probation, toAgencyId: police, amount: '20.00', cashable: true },
    ]);
  });
});
