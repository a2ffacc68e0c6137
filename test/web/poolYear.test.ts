/**
 * The pooled-fund pages' view logic, on fixture answers shaped as docs/pooled-fund-year.md
 * documents them: dates and the financial-year calendar, labels, percentages, variances, the
 * overspend warning, the settlement step by step and per partner, the memorandum's
 * reconciliation, and the bodies the forms send.
 */
import { describe, expect, it } from 'vitest';
import {
  financialYearChoices,
  financialYearOf,
  formatLongDate,
  formatLongDateTime,
  isFinancialYear,
  monitoringPeriod,
  quarterEndIso,
  quarterOf,
  settlementYear,
} from '../../web/src/dates.ts';
import { amountInputProblem } from '../../web/src/money.ts';
import { fieldOfProblem, plainWords } from '../../web/src/problems.ts';
import {
  agreementBody,
  agreementRow,
  basisPointsAsPercent,
  basisPointsText,
  checkSplit,
  csvFileName,
  formatSigned,
  FUNDING_SOURCE_LABELS,
  labelOf,
  overspendHeadline,
  overspendRuleText,
  overspendWarning,
  owedSentences,
  partnerSettlementLines,
  percentToBasisPoints,
  poolPaths,
  reconciliationText,
  schemeBody,
  settlementSteps,
  settlementTotals,
  sumAmounts,
  varianceText,
  type Agreement,
  type Memorandum,
  type MonitoringReport,
  type Settlement,
} from '../../web/src/poolYear.ts';

const NAMES: Record<string, string> = {
  'essex-cc': 'Essex County Council',
  'nhs-mid-essex': 'NHS Mid Essex',
  'essex-police': 'Essex Police',
};
const nameOf = (id: string) => NAMES[id] ?? id;

describe('dates and the financial year', () => {
  it('writes dates as GOV.UK does', () => {
    expect(formatLongDate('2025-04-14')).toBe('14 April 2025');
    expect(formatLongDate('2026-03-01')).toBe('1 March 2026');
    expect(formatLongDateTime('2025-04-14T09:05:33.120Z')).toBe('14 April 2025 at 09:05');
    expect(formatLongDate('not a date')).toBe('not a date');
    expect(formatLongDate('2025-13-01')).toBe('2025-13-01');
  });

  it('runs years from 1 April to 31 March and quarters to 30 June, 30 September, 31 December, 31 March', () => {
    expect(financialYearOf('2025-04-01')).toBe('2025-26');
    expect(financialYearOf('2026-03-31')).toBe('2025-26');
    expect(financialYearOf('2000-01-15')).toBe('1999-00');
    expect(
      ['2025-04-01', '2025-06-30', '2025-07-01', '2025-12-31', '2026-01-01', '2026-03-31'].map(
        quarterOf,
      ),
    ).toEqual([1, 1, 2, 3, 4, 4]);
    expect([1, 2, 3, 4].map((q) => quarterEndIso('2025-26', q))).toEqual([
      '2025-06-30',
      '2025-09-30',
      '2025-12-31',
      '2026-03-31',
    ]);
    expect(isFinancialYear('2025-26')).toBe(true);
    expect(isFinancialYear('2025-27')).toBe(false);
    expect(isFinancialYear('2099-00')).toBe(true);
    expect(financialYearChoices('2025-05-01', 3)).toEqual(['2025-26', '2024-25', '2023-24']);
  });

  it('opens monitoring on the current quarter and settlement on the last ended year, unless the route asks', () => {
    expect(monitoringPeriod('2025-11-20')).toEqual({ financialYear: '2025-26', quarter: 3 });
    expect(monitoringPeriod('2025-11-20', { financialYear: '2024-25', quarter: '4' })).toEqual({
      financialYear: '2024-25',
      quarter: 4,
    });
    expect(monitoringPeriod('2025-11-20', { financialYear: '2024', quarter: '5' })).toEqual({
      financialYear: '2025-26',
      quarter: 3,
    });
    expect(settlementYear('2025-11-20')).toBe('2024-25');
    expect(settlementYear('2026-03-31')).toBe('2024-25');
    expect(settlementYear('2026-04-01')).toBe('2025-26');
    expect(settlementYear('2026-04-01', '2023-24')).toBe('2023-24');
    expect(settlementYear('2026-04-01', 'garbage')).toBe('2025-26');
  });
});

describe('percentages', () => {
  it('reads typed percentages exactly, in basis points', () => {
    expect(['40', '33.34', '12.5%', '100', '0', '', ' 7.05 '].map(percentToBasisPoints)).toEqual([
      4000, 3334, 1250, 10000, 0, 0, 705,
    ]);
    for (const bad of ['100.01', '-5', '1.234', 'abc', '1e2', '101'])
      expect(percentToBasisPoints(bad)).toBeNull();
    expect(basisPointsText(3334)).toBe('33.34%');
    expect(basisPointsText(5000)).toBe('50%');
    expect(basisPointsText(705)).toBe('7.05%');
    expect(basisPointsAsPercent(1250)).toBe('12.50');
    expect(basisPointsAsPercent(6000)).toBe('60');
  });

  it('checks a split adds up to exactly 100, or is left blank', () => {
    expect(
      checkSplit([
        { field: 'a', text: '33.33' },
        { field: 'b', text: '33.33' },
        { field: 'c', text: '33.34' },
      ]),
    ).toEqual({
      split: [
        { field: 'a', bp: 3333 },
        { field: 'b', bp: 3333 },
        { field: 'c', bp: 3334 },
      ],
    });
    expect(
      checkSplit([
        { field: 'a', text: '' },
        { field: 'b', text: '' },
      ]),
    ).toEqual({ split: [] });
    expect(
      checkSplit([
        { field: 'a', text: '60' },
        { field: 'b', text: '' },
      ]),
    ).toEqual({
      field: null,
      message: 'The percentages must add up to 100%; they add up to 60%.',
    });
    expect(
      checkSplit([
        { field: 'a', text: '60' },
        { field: 'b', text: 'forty' },
      ]),
    ).toMatchObject({
      field: 'b',
    });
  });
});

describe('amounts on the pooled-fund forms', () => {
  it('lets VAT be blank and a forecast outturn be £0.00, and nothing else', () => {
    expect(amountInputProblem('', { optional: true })).toBeNull();
    expect(amountInputProblem('', {})).toBe('Enter an amount, for example 1234.50.');
    expect(amountInputProblem('0', { allowZero: true })).toBeNull();
    expect(amountInputProblem('£0.00', { allowZero: true })).toBeNull();
    expect(amountInputProblem('0.00')).toBe('The amount must be more than £0.00.');
    expect(amountInputProblem('-1', { allowZero: true })).not.toBeNull();
    expect(amountInputProblem('1,234.50', { optional: true })).toBeNull();
  });

  it('shows signed figures with a true minus sign and variances in words', () => {
    expect(formatSigned('-1234.50')).toBe('−£1,234.50');
    expect(formatSigned('1234.50')).toBe('£1,234.50');
    expect(varianceText('120.00')).toBe('£120.00 over budget');
    expect(varianceText('-50.00')).toBe('£50.00 under budget');
    expect(varianceText('0.00')).toBe('On budget');
    expect(
      sumAmounts([
        { agencyId: 'a', amount: '0.10' },
        { agencyId: 'b', amount: '0.20' },
      ]),
    ).toBe('0.30');
  });
});

const agreement: Agreement = {
  potId: '01J00000000000000000000POT',
  version: 2,
  reference: 'S75-ESX-2025',
  legalBasis: 's75-nhs-act-2006',
  startDate: '2025-04-01',
  poolManager: 'Head of Integrated Commissioning',
  scope: 'Better Care Fund schemes for mid Essex',
  boardDecisionRef: 'HWB-2025-07',
  signedOn: '2025-06-12',
  spendTracking: true,
  overspend: {
    policy: 'warn',
    coverFromPot: true,
    share: 'fixed',
    percentages: { 'essex-cc': 6000, 'nhs-mid-essex': 4000 },
    caps: { 'nhs-mid-essex': '50000.00' },
  },
  underspend: 'carry-forward',
  replaces: {
    version: 1,
    agreementEventId: '01J0000000000000000000000A',
    boardDecisionRef: 'HWB-2025-02',
  },
  eventId: '01J0000000000000000000000B',
  position: '42',
  recordedAt: '2025-06-13T10:00:00.000Z',
};

describe('the agreement', () => {
  it('reads its overspend rule as a board paper would', () => {
    expect(overspendRuleText(agreement.overspend, nameOf)).toEqual([
      'Accept spend over budget and flag it',
      'At year end, overspends are first covered from the pot’s unallocated stakes',
      'What remains is shared: fixed percentages set in the agreement',
      'Percentages: Essex County Council 60%, NHS Mid Essex 40%',
      'Caps for the year: NHS Mid Essex £50,000.00',
    ]);
    expect(agreementRow(agreement)).toEqual([
      'Version 2',
      'S75-ESX-2025',
      'HWB-2025-07',
      '12 June 2025',
      '1 April 2025 to no end date',
      'Version 1',
    ]);
  });

  it('sends the documented POST …/agreements body: percentages in basis points, caps only where typed, replaces as a version', () => {
    const values: Record<string, string> = {
      reference: 'S75-ESX-2025',
      legalBasis: 's75-nhs-act-2006',
      startDate: '2025-04-01',
      endDate: '',
      poolManager: 'Head of Integrated Commissioning',
      scope: 'BCF schemes',
      boardDecisionRef: 'HWB-2025-07',
      signedOn: '2025-06-12',
      spendTracking: 'true',
      policy: 'block',
      coverFromPot: 'false',
      share: 'fixed',
      'pct_essex-cc': '60',
      'pct_nhs-mid-essex': '40',
      'cap_essex-cc': '',
      'cap_nhs-mid-essex': '50000.00',
      underspend: 'return',
      replaces: '1',
    };
    const v = (name: string) => values[name] ?? '';
    expect(agreementBody(v, ['essex-cc', 'nhs-mid-essex'])).toEqual({
      reference: 'S75-ESX-2025',
      legalBasis: 's75-nhs-act-2006',
      startDate: '2025-04-01',
      poolManager: 'Head of Integrated Commissioning',
      scope: 'BCF schemes',
      boardDecisionRef: 'HWB-2025-07',
      signedOn: '2025-06-12',
      spendTracking: true,
      overspend: {
        policy: 'block',
        coverFromPot: false,
        share: 'fixed',
        percentages: { 'essex-cc': 6000, 'nhs-mid-essex': 4000 },
        caps: { 'nhs-mid-essex': '50000.00' },
      },
      underspend: 'return',
      replaces: 1,
    });
    // Another share rule sends no percentages even if some were typed; a first agreement replaces nothing.
    values.share = 'contributions';
    values.replaces = '';
    values['cap_nhs-mid-essex'] = '';
    const body = agreementBody(v, ['essex-cc', 'nhs-mid-essex']) as Record<string, unknown>;
    expect(body.overspend).toEqual({
      policy: 'block',
      coverFromPot: false,
      share: 'contributions',
    });
    expect('replaces' in body).toBe(false);
  });

  it('sends scheme details with the commissioner split as percent strings, or none for the lead agency', () => {
    const values: Record<string, string> = {
      schemeType: 'Home care or domiciliary care',
      fundingSource: 'nhs-minimum',
      'com_essex-cc': '66.67',
      'com_nhs-mid-essex': '33.33',
      provider: '',
      recurrent: 'true',
      expenditure: 'revenue',
    };
    const v = (name: string) => values[name] ?? '';
    expect(schemeBody(v, ['essex-cc', 'nhs-mid-essex'])).toEqual({
      schemeType: 'Home care or domiciliary care',
      fundingSource: 'nhs-minimum',
      commissioner: [
        { agencyId: 'essex-cc', percent: '66.67' },
        { agencyId: 'nhs-mid-essex', percent: '33.33' },
      ],
      recurrent: true,
      expenditure: 'revenue',
    });
    values['com_essex-cc'] = '';
    values['com_nhs-mid-essex'] = '';
    values.provider = 'Careway Ltd';
    expect(schemeBody(v, ['essex-cc', 'nhs-mid-essex'])).not.toHaveProperty('commissioner');
    expect(schemeBody(v, ['essex-cc'])).toMatchObject({ provider: 'Careway Ltd' });
  });
});

describe('spend over budget', () => {
  it('puts a refused overspend next to the amount, and a settled year next to the date', () => {
    const refused = { status: 409, code: 'BUDGET_EXCEEDED', detail: 'remaining 500.00' };
    expect(plainWords(refused)).toBe(
      'This would take the scheme over its remaining budget, and the agreement refuses overspends.',
    );
    expect(fieldOfProblem(refused, ['interventionId', 'amount', 'effectiveDate'])).toBe('amount');
    expect(fieldOfProblem({ status: 409, code: 'YEAR_SETTLED' }, ['amount', 'effectiveDate'])).toBe(
      'effectiveDate',
    );
    expect(plainWords({ status: 409, code: 'ALREADY_SETTLED' })).toBe(
      'That financial year is already settled.',
    );
  });

  it('explains the answer’s overspend flag', () => {
    expect(
      overspendWarning(
        {
          financialYear: '2025-26',
          budget: '10000.00',
          spent: '9000.00',
          committed: '500.00',
          remaining: '500.00',
          overBy: '1500.00',
        },
        'Reablement',
      ),
    ).toBe(
      'This spend takes Reablement £1,500.00 over its budget for 2025-26. Before it, the budget was £10,000.00, ' +
        'with £9,000.00 spent and £500.00 committed, leaving £500.00. It has been recorded; the overspend will be ' +
        'settled at year end under the agreement’s risk-share rule.',
    );
  });
});

const figures = (
  budget: string,
  actual: string,
  committed: string,
  forecastOutturn: string,
  variance: string,
) => ({
  budget,
  actual,
  committed,
  forecastOutturn,
  variance,
});

const MONITORING: MonitoringReport = {
  potId: '01J00000000000000000000POT',
  financialYear: '2025-26',
  quarter: 2,
  quarterEnd: '2025-09-30',
  spendTracking: true,
  schemes: [
    {
      interventionId: '01J000000000000000000000S1',
      name: 'Home care',
      schemeType: 'Home care or domiciliary care',
      fundingSource: 'nhs-minimum',
      expenditure: 'revenue',
      ...figures('100000.00', '70000.00', '40000.00', '115000.00', '15000.00'),
      forecastIsBudget: false,
      explanation: 'Winter demand came early',
      overspent: true,
    },
    {
      interventionId: '01J000000000000000000000S2',
      name: 'Reablement',
      schemeType: null,
      fundingSource: null,
      expenditure: null,
      ...figures('50000.00', '20000.00', '0.00', '50000.00', '0.00'),
      forecastIsBudget: true,
      explanation: null,
      overspent: false,
    },
  ],
  totals: figures('150000.00', '90000.00', '40000.00', '165000.00', '15000.00'),
  byFundingSource: [
    {
      fundingSource: 'nhs-minimum',
      ...figures('100000.00', '70000.00', '40000.00', '115000.00', '15000.00'),
    },
    {
      fundingSource: 'unclassified',
      ...figures('50000.00', '20000.00', '0.00', '50000.00', '0.00'),
    },
  ],
  bySchemeType: [],
  contributions: [
    { agencyId: 'essex-cc', agreed: '100000.00', received: '60000.00', outstanding: '40000.00' },
  ],
  overspends: [
    {
      interventionId: '01J000000000000000000000S1',
      name: 'Home care',
      budget: '100000.00',
      actual: '70000.00',
      committed: '40000.00',
      overBy: '10000.00',
    },
  ],
};

describe('quarterly monitoring', () => {
  it('heads the report with the overspending schemes, or nothing', () => {
    expect(overspendHeadline(MONITORING)).toBe(
      '1 scheme is overspending at the end of quarter 2: Home care (£10,000.00 over). Actual spend and outstanding commitments exceed the budget.',
    );
    expect(overspendHeadline({ ...MONITORING, overspends: [] })).toBeNull();
    const two = {
      ...MONITORING,
      overspends: [MONITORING.overspends[0]!, { ...MONITORING.overspends[0]!, name: 'Beds' }],
    };
    expect(overspendHeadline(two)).toMatch(/^2 schemes are overspending/);
    expect(labelOf(FUNDING_SOURCE_LABELS, 'unclassified')).toBe('Not classified');
    expect(labelOf(FUNDING_SOURCE_LABELS, null)).toBe('Not classified');
    expect(labelOf(FUNDING_SOURCE_LABELS, 'dfg')).toBe('Disabled Facilities Grant');
  });

  it('asks the documented routes, CSV with format=csv', () => {
    expect(poolPaths.monitoring('P1', '2025-26', 2)).toBe(
      '/v1/pots/P1/monitoring?financialYear=2025-26&quarter=2',
    );
    expect(poolPaths.monitoring('P1', '2025-26', 2, true)).toBe(
      '/v1/pots/P1/monitoring?financialYear=2025-26&quarter=2&format=csv',
    );
    expect(poolPaths.settlementPreview('P1', '2024-25')).toBe(
      '/v1/pots/P1/financial-years/2024-25/settlement-preview',
    );
    expect(poolPaths.settle('P1', '2024-25')).toBe('/v1/pots/P1/financial-years/2024-25/settle');
    expect(poolPaths.memorandum('P1', '2024-25', true)).toBe(
      '/v1/pots/P1/memorandum?financialYear=2024-25&format=csv',
    );
    expect(poolPaths.releaseCommitment('P1', 'I1', 'C1')).toBe(
      '/v1/pots/P1/interventions/I1/commitments/C1/release',
    );
    expect(csvFileName('monitoring', '2025-26', 2)).toBe('potledger-monitoring-2025-26-q2.csv');
    expect(csvFileName('memorandum', '2024-25')).toBe('potledger-memorandum-2024-25.csv');
    expect(poolPaths.bcfReturn('P1', '2025-26')).toBe(
      '/v1/pots/P1/bcf-return?financialYear=2025-26',
    );
    expect(poolPaths.bcfReturn('P1', '2025-26', 'income')).toBe(
      '/v1/pots/P1/bcf-return?financialYear=2025-26&format=csv&sheet=income',
    );
    expect(csvFileName('bcf-return-expenditure', '2025-26')).toBe(
      'potledger-bcf-return-expenditure-2025-26.csv',
    );
  });
});

/**
 * Three schemes settled under `contributions` sharing with a cap on the NHS: S1 underspent by
 * 1,000 (released 600/400 by its funding), S2 overspent by 5,000 (2,000 covered from the stakes,
 * 3,000 shared, of which 500 fell to the host after the NHS cap), S3 spent its budget exactly.
 */
const SETTLEMENT: Settlement = {
  potId: '01J00000000000000000000POT',
  financialYear: '2024-25',
  effectiveDate: '2025-03-31',
  agreement: { version: 1, agreementEventId: '01J0000000000000000000000A' },
  overspend: {
    policy: 'warn',
    coverFromPot: true,
    share: 'contributions',
    caps: { 'nhs-mid-essex': '1000.00' },
  },
  underspend: 'carry-forward',
  hostAgencyId: 'essex-cc',
  shareWeights: [
    { agencyId: 'essex-cc', weight: '60000.00' },
    { agencyId: 'nhs-mid-essex', weight: '40000.00' },
  ],
  stakesBefore: [
    { agencyId: 'essex-cc', amount: '1200.00' },
    { agencyId: 'nhs-mid-essex', amount: '800.00' },
  ],
  schemes: [
    {
      interventionId: '01J000000000000000000000S1',
      budget: '10000.00',
      spent: '9000.00',
      underspend: '1000.00',
      overspend: '0.00',
      fundingOfYear: [
        { agencyId: 'essex-cc', amount: '6000.00' },
        { agencyId: 'nhs-mid-essex', amount: '4000.00' },
      ],
      released: [
        { agencyId: 'essex-cc', amount: '600.00' },
        { agencyId: 'nhs-mid-essex', amount: '400.00' },
      ],
      covered: [],
      shared: [],
      fellToHost: '0.00',
    },
    {
      interventionId: '01J000000000000000000000S2',
      budget: '20000.00',
      spent: '25000.00',
      underspend: '0.00',
      overspend: '5000.00',
      fundingOfYear: [],
      released: [],
      covered: [
        { agencyId: 'essex-cc', amount: '1800.00' },
        { agencyId: 'nhs-mid-essex', amount: '1200.00' },
      ],
      shared: [
        { agencyId: 'essex-cc', amount: '1000.00' },
        { agencyId: 'nhs-mid-essex', amount: '1000.00' },
      ],
      fellToHost: '200.00',
    },
    {
      interventionId: '01J000000000000000000000S3',
      budget: '5000.00',
      spent: '5000.00',
      underspend: '0.00',
      overspend: '0.00',
      fundingOfYear: [],
      released: [],
      covered: [],
      shared: [],
      fellToHost: '0.00',
    },
  ],
  returns: [],
  owedByPartners: [
    { agencyId: 'essex-cc', amount: '1000.00' },
    { agencyId: 'nhs-mid-essex', amount: '1000.00' },
  ],
  stakesAfter: [
    { agencyId: 'essex-cc', amount: '0.00' },
    { agencyId: 'nhs-mid-essex', amount: '0.00' },
  ],
};

describe('the year-end settlement', () => {
  const rules = SETTLEMENT.overspend;
  it('shows an underspent scheme as budget, spent, released by its funding', () => {
    const steps = settlementSteps(SETTLEMENT.schemes[0]!, '2024-25', rules);
    expect(steps.map((s) => s.title)).toEqual(['Budget', 'Spent', 'Underspend released']);
    expect(steps[2]!.text).toBe(
      '£1,000.00 unspent goes back to the partners’ stakes, in proportion to their funding of the scheme in 2024-25',
    );
    expect(steps[2]!.lines).toEqual(SETTLEMENT.schemes[0]!.released);
  });

  it('shows an overspent scheme as overspend, covered from the pot, shared, and what fell to the host', () => {
    const steps = settlementSteps(SETTLEMENT.schemes[1]!, '2024-25', rules);
    expect(steps.map((s) => [s.title, s.text])).toEqual([
      ['Budget', '£20,000.00 allocated to the scheme in 2024-25'],
      ['Spent', '£25,000.00 spent in 2024-25'],
      ['Overspend', '£5,000.00 spent beyond the budget'],
      [
        'Covered from the pot',
        '£3,000.00 drawn from the partners’ unallocated stakes, in proportion to the stakes',
      ],
      [
        'Shared by the partners',
        "£2,000.00 owed by the partners: in proportion to each partner's contributions in the year",
      ],
      [
        'Fell to the host',
        '£200.00 of that no other partner could take (caps, or no weight), so the host partner takes it',
      ],
    ]);
    const noCover = settlementSteps(SETTLEMENT.schemes[1]!, '2024-25', {
      ...rules,
      coverFromPot: false,
    });
    expect(noCover[3]!.text).toBe('The agreement does not cover overspends from the pot');
    expect(settlementSteps(SETTLEMENT.schemes[2]!, '2024-25', rules).at(-1)).toEqual({
      title: 'Outturn',
      text: 'Spent exactly the budget: nothing to settle',
      lines: [],
    });
  });

  it('totals each partner across the schemes, and says what each owes', () => {
    expect(partnerSettlementLines(SETTLEMENT)).toEqual([
      {
        agencyId: 'essex-cc',
        stakeBefore: '1200.00',
        released: '600.00',
        covered: '1800.00',
        shared: '1000.00',
        returned: '0.00',
        owed: '1000.00',
        stakeAfter: '0.00',
      },
      {
        agencyId: 'nhs-mid-essex',
        stakeBefore: '800.00',
        released: '400.00',
        covered: '1200.00',
        shared: '1000.00',
        returned: '0.00',
        owed: '1000.00',
        stakeAfter: '0.00',
      },
    ]);
    expect(settlementTotals(SETTLEMENT)).toEqual({
      underspend: '1000.00',
      overspend: '5000.00',
      covered: '3000.00',
      shared: '2000.00',
      fellToHost: '200.00',
      owed: '2000.00',
    });
    expect(owedSentences(SETTLEMENT, nameOf)).toEqual([
      'Essex County Council owes the pot £1,000.00',
      'NHS Mid Essex owes the pot £1,000.00',
    ]);
    expect(
      owedSentences(
        { ...SETTLEMENT, owedByPartners: [{ agencyId: 'essex-cc', amount: '0.00' }] },
        nameOf,
      ),
    ).toEqual([]);
  });
});

const MEMORANDUM: Memorandum = {
  potId: '01J00000000000000000000POT',
  financialYear: '2024-25',
  spendTracking: true,
  settled: true,
  settlementEventId: '01J0000000000000000000000S',
  hostAgencyId: 'essex-cc',
  partners: [],
  expenditureByScheme: [],
  totals: {
    openingBalance: '0.00',
    contributions: '100000.00',
    expenditure: '39000.00',
    shareOfDeficit: '0.00',
    shareOfSurplus: '0.00',
    returned: '0.00',
    riskSharePaid: '0.00',
    closingBalance: '61000.00',
  },
  reconciliation: {
    openingBalanceFromPot: '0.00',
    closingBalanceFromPartners: '61000.00',
    closingBalanceFromPot: '61000.00',
    agrees: true,
  },
};

describe('the memorandum account', () => {
  it('states the closing balance both ways, and the difference when they disagree', () => {
    expect(reconciliationText(MEMORANDUM)).toBe(
      'The closing balance agrees both ways: £61,000.00 from the partners’ lines and £61,000.00 from the pot’s own totals.',
    );
    expect(
      reconciliationText({
        ...MEMORANDUM,
        reconciliation: {
          openingBalanceFromPot: '0.00',
          closingBalanceFromPartners: '61000.00',
          closingBalanceFromPot: '60999.99',
          agrees: false,
        },
      }),
    ).toBe(
      'The closing balance does not agree: £61,000.00 from the partners’ lines but £60,999.99 from the pot’s own totals, ' +
        'a difference of £0.01. Tell the ledger team before the accounts are closed.',
    );
  });
});
