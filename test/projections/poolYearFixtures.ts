/**
 * Builders for pool-year histories in projection specs: the agreement, scheme details, spend,
 * commitments, forecasts and settlements, written as the deciders would write them, on top of
 * test/projections/envelopes.ts (every event is checked against its schema when appended).
 */
import type { FinancialYearSettled, SettledScheme } from '../../events/poolYear.ts';
import { createHistory, type Meta } from './envelopes.ts';

export type History = ReturnType<typeof createHistory>;

export const AGREEMENT = {
  reference: 'S75-2025-01',
  legalBasis: 's75-nhs-act-2006',
  startDate: '2025-04-01',
  poolManager: 'Director of Adult Social Care',
  scope: 'Reablement and home care',
  boardDecisionRef: 'HWB-2025-03',
  signedOn: '2025-03-20',
  spendTracking: true,
  overspend: { policy: 'warn', coverFromPot: true, share: 'contributions' },
  underspend: 'carry-forward',
} as const;

export function poolYearBuilders(h: History) {
  return {
    agree: (potId: string, version = 1, overrides: Record<string, unknown> = {}, meta?: Meta) =>
      h.append(
        {
          type: 'AgreementRecorded',
          data: { potId, version, ...AGREEMENT, ...overrides } as never,
        },
        meta,
      ),
    scheme: (potId: string, interventionId: string, schemeType: string, fundingSource: string) =>
      h.append({
        type: 'SchemeDetailsRecorded',
        data: {
          potId,
          interventionId,
          schemeType,
          fundingSource,
          commissioner: [{ agencyId: 'essex-cc', percent: '100' }],
          recurrent: true,
          expenditure: 'revenue',
        } as never,
      }),
    spend: (
      potId: string,
      interventionId: string,
      amount: string,
      effectiveDate: string,
      extra: { commitmentId?: string; commitmentReleased?: string } = {},
    ) =>
      h.append({
        type: 'SpendRecorded',
        data: {
          potId,
          spendId: h.id(),
          interventionId,
          amount,
          effectiveDate,
          supplier: 'Care Co',
          invoiceRef: `INV-${h.events.length}`,
          ...extra,
        },
      }),
    reverseSpend: (
      original: {
        eventId: string;
        data: { potId: string; spendId: string; interventionId: string; amount: string };
      },
      effectiveDate: string,
    ) =>
      h.append({
        type: 'SpendReversed',
        data: {
          potId: original.data.potId,
          spendId: original.data.spendId,
          reversedEventId: original.eventId,
          interventionId: original.data.interventionId,
          amount: original.data.amount,
          effectiveDate,
          reason: 'Duplicate invoice',
        },
      }),
    commit: (potId: string, interventionId: string, amount: string, effectiveDate: string) =>
      h.append({
        type: 'CommitmentRaised',
        data: {
          potId,
          commitmentId: h.id(),
          interventionId,
          amount,
          effectiveDate,
          reference: `PO-${h.events.length}`,
        },
      }),
    forecast: (
      potId: string,
      interventionId: string,
      financialYear: string,
      quarter: number,
      forecastOutturn: string,
      budget: string,
      explanation?: string,
    ) =>
      h.append({
        type: 'ForecastRecorded',
        data: {
          potId,
          forecastId: h.id(),
          interventionId,
          financialYear,
          quarter,
          forecastOutturn,
          budget,
          ...(explanation === undefined ? {} : { explanation }),
        },
      }),
    settle: (
      potId: string,
      financialYear: string,
      schemes: SettledScheme[],
      rest: Partial<FinancialYearSettled> = {},
    ) =>
      h.append({
        type: 'FinancialYearSettled',
        data: {
          potId,
          financialYear,
          effectiveDate: `${Number(financialYear.slice(0, 4)) + 1}-03-31`,
          agreement: { version: 1, agreementEventId: h.events[0]!.eventId },
          overspend: AGREEMENT.overspend,
          underspend: AGREEMENT.underspend,
          hostAgencyId: 'essex-cc',
          shareWeights: [],
          stakesBefore: [],
          schemes,
          returns: [],
          owedByPartners: [],
          stakesAfter: [],
          ...rest,
        },
      }),
    riskShare: (
      potId: string,
      agencyId: string,
      amount: string,
      effectiveDate: string,
      forYear: string,
    ) =>
      h.append({
        type: 'ContributionReceived',
        data: {
          potId,
          contributionId: h.id(),
          agencyId,
          amount,
          effectiveDate,
          reference: `RS-${forYear}`,
          riskShareFor: forYear,
        },
      }),
  };
}
