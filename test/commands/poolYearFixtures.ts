/**
 * Builders for the pooled-fund year's events and commands (../shared/POOLED-FUND-YEAR.md) on
 * the default pot of fixtures.ts: an agreement, scheme details, spend, commitments, forecasts
 * and a hand-made settlement, each with plain defaults so a spec shows only its rule's figures.
 *
 * `funded` is the usual history: council £300,000 and police £200,000 paid in on 2025-04-10,
 * intervention 1 (lead: probation) allocated £1,000.00 on 2025-05-01 (council £600, police £400),
 * and an agreement (version 1) with spend tracking on.
 */
import type { PotEvent } from '../../events/pot.ts';
import type { AgreementRecorded, OverspendRule } from '../../events/poolYear.ts';
import type { RecordAgreement } from '../../commands/recordAgreement.ts';
import type { RecordSchemeDetails } from '../../commands/recordSchemeDetails.ts';
import type {
  RaiseCommitment,
  RecordForecast,
  RecordSpend,
  ReleaseCommitment,
} from '../../commands/recordSpend.ts';
import {
  contributionReceived,
  fundsAllocated,
  interventionDefined,
  interventionId,
  POT_ID,
  potOpened,
} from './fixtures.ts';
import { AGENCY, testUlid } from './spec.ts';

type Of<T extends PotEvent['type']> = Extract<PotEvent, { type: T }>;

const { cc, police } = AGENCY;

export const spendId = (n: number): string => testUlid(7, n);
export const commitmentId = (n: number): string => testUlid(8, n);
export const forecastId = (n: number): string => testUlid(10, n);
/** Event ids the pool-year histories give their entries, so reversals can name them. */
export const eventId = (n: number): string => testUlid(11, n);

export const SPEND_DATE = '2025-06-15';
export const AGREEMENT_EVENT_ID = eventId(900);

export const DEFAULT_RULE: OverspendRule = {
  policy: 'warn',
  coverFromPot: true,
  share: 'contributions',
};

export function agreementRecorded(
  o: Partial<AgreementRecorded> & { eventId?: string } = {},
): Of<'AgreementRecorded'> & { eventId: string } {
  const { eventId: id, ...data } = o;
  return {
    type: 'AgreementRecorded',
    eventId: id ?? AGREEMENT_EVENT_ID,
    data: {
      potId: POT_ID,
      version: 1,
      reference: 'S75-ESSEX-2025',
      legalBasis: 's75-nhs-act-2006',
      startDate: '2025-04-01',
      poolManager: 'Director of Finance, Essex CC',
      scope: 'Reducing reoffending services',
      boardDecisionRef: 'HWB-2025-03',
      signedOn: '2025-03-20',
      spendTracking: true,
      overspend: DEFAULT_RULE,
      underspend: 'carry-forward',
      ...data,
    },
  };
}

/** The agreement with the overspend policy `block`. */
export const blockingAgreement = (): Of<'AgreementRecorded'> & { eventId: string } =>
  agreementRecorded({ overspend: { ...DEFAULT_RULE, policy: 'block' } });

/** Paid in, intervention 1 with a £1,000.00 budget for 2025-26; no agreement yet. */
export const fundedWithoutAgreement: PotEvent[] = [
  potOpened(),
  contributionReceived(cc, '300000.00', { n: 1 }),
  contributionReceived(police, '200000.00', { n: 2 }),
  interventionDefined(),
  fundsAllocated('1000.00', { [cc]: '600.00', [police]: '400.00' }, { n: 1 }),
];

export const funded = (agreement = agreementRecorded()): PotEvent[] => [
  ...fundedWithoutAgreement,
  agreement,
];

export function spendRecorded(
  amount: string,
  o: Partial<Of<'SpendRecorded'>['data']> & { n?: number; eventId?: string } = {},
): Of<'SpendRecorded'> & { eventId: string } {
  const { n = 1, eventId: id, ...data } = o;
  return {
    type: 'SpendRecorded',
    eventId: id ?? eventId(100 + n),
    data: {
      potId: POT_ID,
      spendId: spendId(n),
      interventionId: interventionId(1),
      amount,
      effectiveDate: SPEND_DATE,
      supplier: 'Acme Care Ltd',
      invoiceRef: `INV-${n}`,
      ...data,
    },
  };
}

export function commitmentRaised(
  amount: string,
  o: Partial<Of<'CommitmentRaised'>['data']> & { n?: number; eventId?: string } = {},
): Of<'CommitmentRaised'> & { eventId: string } {
  const { n = 1, eventId: id, ...data } = o;
  return {
    type: 'CommitmentRaised',
    eventId: id ?? eventId(200 + n),
    data: {
      potId: POT_ID,
      commitmentId: commitmentId(n),
      interventionId: interventionId(1),
      amount,
      effectiveDate: SPEND_DATE,
      reference: `PO-C-${n}`,
      ...data,
    },
  };
}

export function commitmentReleased(
  amount: string,
  o: Partial<Of<'CommitmentReleased'>['data']> & { n?: number } = {},
): Of<'CommitmentReleased'> {
  const { n = 1, ...data } = o;
  return {
    type: 'CommitmentReleased',
    data: {
      potId: POT_ID,
      commitmentId: commitmentId(n),
      interventionId: interventionId(1),
      amount,
      effectiveDate: '2025-07-01',
      reason: 'Order cut',
      ...data,
    },
  };
}

export function forecastRecorded(
  forecastOutturn: string,
  o: Partial<Of<'ForecastRecorded'>['data']> & { n?: number; eventId?: string } = {},
): Of<'ForecastRecorded'> & { eventId: string } {
  const { n = 1, eventId: id, ...data } = o;
  return {
    type: 'ForecastRecorded',
    eventId: id ?? eventId(300 + n),
    data: {
      potId: POT_ID,
      forecastId: forecastId(n),
      interventionId: interventionId(1),
      financialYear: '2025-26',
      quarter: 1,
      forecastOutturn,
      budget: '1000.00',
      ...(forecastOutturn === '1000.00' ? {} : { explanation: 'Demand is up' }),
      ...data,
    },
  };
}

/**
 * A settlement of 2025-26 consistent with `funded` plus £1,200.00 of spend on intervention 1:
 * budget 1,000.00, spent 1,200.00, an overspend of 200.00 not covered from the pot (coverFromPot
 * false) and shared by 2025-26 contributions (council 3/5, police 2/5): council owes 120.00,
 * police 80.00. Stakes are untouched: council 299,400.00, police 199,600.00 (probation, with
 * none, is not listed: a settlement's amounts are positive).
 */
export function financialYearSettled(
  o: { eventId?: string; owed?: { cc: string; police: string } } = {},
): Of<'FinancialYearSettled'> & { eventId: string } {
  const owed = o.owed ?? { cc: '120.00', police: '80.00' };
  const stakes = [
    { agencyId: cc, amount: '299400.00' },
    { agencyId: police, amount: '199600.00' },
  ];
  return {
    type: 'FinancialYearSettled',
    eventId: o.eventId ?? SETTLEMENT_EVENT_ID,
    data: {
      potId: POT_ID,
      financialYear: '2025-26',
      effectiveDate: '2026-03-31',
      agreement: { version: 1, agreementEventId: AGREEMENT_EVENT_ID },
      overspend: { ...DEFAULT_RULE, coverFromPot: false },
      underspend: 'carry-forward',
      hostAgencyId: cc,
      shareWeights: [
        { agencyId: cc, weight: '300000.00' },
        { agencyId: police, weight: '200000.00' },
      ],
      stakesBefore: stakes,
      schemes: [
        {
          interventionId: interventionId(1),
          budget: '1000.00',
          spent: '1200.00',
          underspend: '0.00',
          overspend: '200.00',
          fundingOfYear: [
            { agencyId: cc, amount: '600.00' },
            { agencyId: police, amount: '400.00' },
          ],
          released: [],
          covered: [],
          shared: [
            { agencyId: cc, amount: owed.cc },
            { agencyId: police, amount: owed.police },
          ],
          fellToHost: '0.00',
        },
      ],
      returns: [],
      owedByPartners: [
        { agencyId: cc, amount: owed.cc },
        { agencyId: police, amount: owed.police },
      ],
      stakesAfter: stakes,
    },
  };
}

export const SETTLEMENT_EVENT_ID = eventId(999);

/** `funded`, £1,200.00 spent in 2025-26 (spend 1), and 2025-26 settled. */
export const settled = (): PotEvent[] => [
  ...funded(),
  spendRecorded('1200.00'),
  financialYearSettled(),
];

// ---- commands -----------------------------------------------------------------------------

export function recordAgreement(o: Partial<RecordAgreement> = {}): RecordAgreement {
  return {
    potId: POT_ID,
    reference: 'S75-ESSEX-2025',
    legalBasis: 's75-nhs-act-2006',
    startDate: '2025-04-01',
    poolManager: 'Director of Finance, Essex CC',
    scope: 'Reducing reoffending services',
    boardDecisionRef: 'HWB-2025-03',
    signedOn: '2025-03-20',
    spendTracking: true,
    ...o,
  };
}

export function recordSchemeDetails(o: Partial<RecordSchemeDetails> = {}): RecordSchemeDetails {
  return {
    potId: POT_ID,
    interventionId: interventionId(1),
    schemeType: 'Reablement in a person’s own home',
    fundingSource: 'nhs-minimum',
    recurrent: true,
    expenditure: 'revenue',
    ...o,
  };
}

export function recordSpend(amount: string, o: Partial<RecordSpend> = {}): RecordSpend {
  return {
    potId: POT_ID,
    interventionId: interventionId(1),
    spendId: spendId(100),
    amount,
    effectiveDate: SPEND_DATE,
    supplier: 'Acme Care Ltd',
    invoiceRef: 'INV-100',
    ...o,
  };
}

export function raiseCommitment(amount: string, o: Partial<RaiseCommitment> = {}): RaiseCommitment {
  return {
    potId: POT_ID,
    interventionId: interventionId(1),
    commitmentId: commitmentId(100),
    amount,
    effectiveDate: SPEND_DATE,
    reference: 'PO-C-100',
    ...o,
  };
}

export function releaseCommitment(o: Partial<ReleaseCommitment> = {}): ReleaseCommitment {
  return {
    potId: POT_ID,
    interventionId: interventionId(1),
    commitmentId: commitmentId(1),
    reason: 'Order cut',
    ...o,
  };
}

export function recordForecast(
  forecastOutturn: string,
  o: Partial<RecordForecast> = {},
): RecordForecast {
  return {
    potId: POT_ID,
    interventionId: interventionId(1),
    forecastId: forecastId(100),
    financialYear: '2025-26',
    quarter: 2,
    forecastOutturn,
    ...o,
  };
}
