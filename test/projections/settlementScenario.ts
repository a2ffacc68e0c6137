/**
 * A pooled-fund year worked by hand (../shared/POOLED-FUND-YEAR.md), every figure checkable on
 * paper, written as the deciders would write it:
 *
 *   2025-04-01  council 60,000 and police 40,000 into the pot (stakes 60,000 / 40,000)
 *   2025-05-01  Reablement 50,000 (council 30,000, police 20,000)
 *               Home care 40,000 (council 24,000, police 16,000)   → stakes 6,000 / 4,000
 *   in the year Reablement spends 40,000 (a 500 invoice entered and reversed besides);
 *               Home care spends 40,000 and then 25,000, flagged: over by 25,000
 *               a commitment, its release and its cancellation; two forecasts, one withdrawn
 *   2026-03-31  settled (cover from the pot, shared by contributions, carried forward):
 *     1. Reablement's underspend 10,000 released by its funding of the year (3:2):
 *        council 6,000, police 4,000                                → stakes 12,000 / 8,000
 *     2. Home care's overspend 25,000: 20,000 covered from the stakes pro rata (12:8):
 *        council 12,000, police 8,000                               → stakes 0 / 0
 *     3. the 5,000 left shared by contributions of the year (60:40): council 3,000, police 2,000
 *   2026-04-10  police pays its 2,000; council pays 3,000, reversed 2026-04-20 (paid twice)
 *
 * After it: allocated 90,000 − 10,000 + 20,000 = 100,000 = contributed, available 0; Reablement
 * funded 40,000 (its spend), Home care 24,000 + 12,000 + 3,000 + 16,000 + 8,000 + 2,000 = 65,000
 * (its spend); Σ funded 105,000 = allocated + the 5,000 owed.
 */
import type { Actor } from '../../events/index.ts';
import type { FinancialYearSettled } from '../../events/poolYear.ts';
import { ACTORS, createHistory, type Of } from './envelopes.ts';

export const COUNCIL = 'essex-cc';
export const POLICE = 'essex-police';

export const BOB = { sub: 'bob', role: 'finance-officer', agencyId: POLICE } as const;

export function settlementScenario() {
  const h = createHistory();
  h.registerAgency(COUNCIL, 'Essex County Council', 'council');
  h.registerAgency(POLICE, 'Essex Police', 'police');
  const potId = h.openPot({
    name: 'Essex Better Care',
    area: 'Essex',
    hostAgencyId: COUNCIL,
    partnerAgencyIds: [COUNCIL, POLICE],
  }).data.potId;
  h.contribute(potId, COUNCIL, '60000.00', '2025-04-01', 'BCF-LA-1');
  h.contribute(potId, POLICE, '40000.00', '2025-04-01', 'BCF-POL-1');
  const reablement = h.defineIntervention(potId, 'Reablement', COUNCIL).data.interventionId;
  const homeCare = h.defineIntervention(potId, 'Home care', COUNCIL).data.interventionId;
  const agreement = h.append({
    type: 'AgreementRecorded',
    data: {
      potId,
      version: 1,
      reference: 'AG-2025',
      legalBasis: 's75-nhs-act-2006',
      startDate: '2025-04-01',
      poolManager: 'Head of Integrated Commissioning',
      scope: 'Reablement and home care',
      boardDecisionRef: 'PB-11',
      signedOn: '2025-03-20',
      spendTracking: true,
      overspend: { policy: 'warn', coverFromPot: true, share: 'contributions' },
      underspend: 'carry-forward',
    },
  });
  const variation = h.append({
    type: 'AgreementRecorded',
    data: {
      ...agreement.data,
      version: 2,
      boardDecisionRef: 'PB-12',
      replaces: { version: 1, agreementEventId: agreement.eventId, boardDecisionRef: 'PB-11' },
    },
  });
  const scheme = h.append({
    type: 'SchemeDetailsRecorded',
    data: {
      potId,
      interventionId: homeCare,
      schemeType: 'Home care or domiciliary care',
      fundingSource: 'la-bcf',
      commissioner: [
        { agencyId: COUNCIL, percent: '60' },
        { agencyId: POLICE, percent: '40' },
      ],
      provider: 'Acme Care',
      recurrent: true,
      expenditure: 'revenue',
    },
  });
  h.allocate(
    potId,
    reablement,
    { [COUNCIL]: '30000.00', [POLICE]: '20000.00' },
    '2025-05-01',
    'Year one',
  );
  h.allocate(
    potId,
    homeCare,
    { [COUNCIL]: '24000.00', [POLICE]: '16000.00' },
    '2025-05-01',
    'Year one',
  );

  const commitment = h.append({
    type: 'CommitmentRaised',
    data: {
      potId,
      commitmentId: h.id(),
      interventionId: reablement,
      amount: '5000.00',
      effectiveDate: '2025-05-10',
      reference: 'PO-1',
      supplier: 'Acme Care',
    },
  });
  const released = h.append({
    type: 'CommitmentReleased',
    data: {
      potId,
      commitmentId: commitment.data.commitmentId,
      interventionId: reablement,
      amount: '1000.00',
      effectiveDate: '2025-06-01',
      reason: 'Package reduced',
    },
  });
  const cancelled = h.append({
    type: 'CommitmentReversed',
    data: {
      potId,
      commitmentId: commitment.data.commitmentId,
      reversedEventId: commitment.eventId,
      interventionId: reablement,
      amount: '4000.00',
      effectiveDate: '2025-06-02',
      reason: 'Raised in error',
    },
  });
  const spend = (
    interventionId: string,
    amount: string,
    effectiveDate: string,
    invoiceRef: string,
    extra: Partial<Of<'SpendRecorded'>['data']> = {},
  ) =>
    h.append(
      {
        type: 'SpendRecorded',
        data: {
          potId,
          spendId: h.id(),
          interventionId,
          amount,
          effectiveDate,
          supplier: 'Acme Care',
          invoiceRef,
          ...extra,
        },
      },
      { actor: BOB },
    );
  const reablementSpend = spend(reablement, '40000.00', '2025-09-30', 'INV-1', {
    vat: '6666.67',
    vatRecoverable: true,
  });
  const mistaken = spend(reablement, '500.00', '2025-10-01', 'INV-2');
  const spendReversed = h.append({
    type: 'SpendReversed',
    data: {
      potId,
      spendId: mistaken.data.spendId,
      reversedEventId: mistaken.eventId,
      interventionId: reablement,
      amount: '500.00',
      effectiveDate: '2025-10-02',
      reason: 'Invoice for another pool',
    },
  });
  spend(homeCare, '40000.00', '2025-10-31', 'INV-6');
  const overspend = spend(homeCare, '25000.00', '2026-02-28', 'INV-7', {
    overspend: {
      financialYear: '2025-26',
      budget: '40000.00',
      spent: '40000.00',
      committed: '0.00',
      remaining: '0.00',
      overBy: '25000.00',
    },
  });
  const withdrawnForecast = h.append({
    type: 'ForecastRecorded',
    data: {
      potId,
      forecastId: h.id(),
      interventionId: homeCare,
      financialYear: '2025-26',
      quarter: 1,
      forecastOutturn: '40000.00',
      budget: '40000.00',
    },
  });
  const forecastWithdrawn = h.append({
    type: 'ForecastWithdrawn',
    data: {
      potId,
      forecastId: withdrawnForecast.data.forecastId,
      reversedEventId: withdrawnForecast.eventId,
      interventionId: homeCare,
      financialYear: '2025-26',
      quarter: 1,
      reason: 'Entered against the wrong scheme',
    },
  });
  const forecast = h.append({
    type: 'ForecastRecorded',
    data: {
      potId,
      forecastId: h.id(),
      interventionId: homeCare,
      financialYear: '2025-26',
      quarter: 3,
      forecastOutturn: '65000.00',
      budget: '40000.00',
      explanation: 'Winter demand',
    },
  });

  const settlementData: FinancialYearSettled = {
    potId,
    financialYear: '2025-26',
    effectiveDate: '2026-03-31',
    agreement: { version: 2, agreementEventId: variation.eventId },
    overspend: { policy: 'warn', coverFromPot: true, share: 'contributions' },
    underspend: 'carry-forward',
    hostAgencyId: COUNCIL,
    shareWeights: [
      { agencyId: COUNCIL, weight: '60000.00' },
      { agencyId: POLICE, weight: '40000.00' },
    ],
    stakesBefore: [
      { agencyId: COUNCIL, amount: '6000.00' },
      { agencyId: POLICE, amount: '4000.00' },
    ],
    schemes: [
      {
        interventionId: reablement,
        budget: '50000.00',
        spent: '40000.00',
        underspend: '10000.00',
        overspend: '0.00',
        fundingOfYear: [
          { agencyId: COUNCIL, amount: '30000.00' },
          { agencyId: POLICE, amount: '20000.00' },
        ],
        released: [
          { agencyId: COUNCIL, amount: '6000.00' },
          { agencyId: POLICE, amount: '4000.00' },
        ],
        covered: [],
        shared: [],
        fellToHost: '0.00',
      },
      {
        interventionId: homeCare,
        budget: '40000.00',
        spent: '65000.00',
        underspend: '0.00',
        overspend: '25000.00',
        fundingOfYear: [
          { agencyId: COUNCIL, amount: '24000.00' },
          { agencyId: POLICE, amount: '16000.00' },
        ],
        released: [],
        covered: [
          { agencyId: COUNCIL, amount: '12000.00' },
          { agencyId: POLICE, amount: '8000.00' },
        ],
        shared: [
          { agencyId: COUNCIL, amount: '3000.00' },
          { agencyId: POLICE, amount: '2000.00' },
        ],
        fellToHost: '0.00',
      },
    ],
    returns: [],
    owedByPartners: [
      { agencyId: COUNCIL, amount: '3000.00' },
      { agencyId: POLICE, amount: '2000.00' },
    ],
    // Both stakes are spent: AgencyAmount is a positive Amount, so a zero stake is not listed.
    stakesAfter: [],
  };
  const settled = h.append({ type: 'FinancialYearSettled', data: settlementData });

  const riskShare = (
    agencyId: string,
    amount: string,
    reference: string,
    actor: Actor = ACTORS.admin,
  ) =>
    h.append(
      {
        type: 'ContributionReceived',
        data: {
          potId,
          contributionId: h.id(),
          agencyId,
          amount,
          effectiveDate: '2026-04-10',
          reference,
          riskShareFor: '2025-26',
        },
      },
      { actor },
    );
  const policePays = riskShare(POLICE, '2000.00', 'RS-POL', BOB);
  const councilPays = riskShare(COUNCIL, '3000.00', 'RS-LA');
  const councilPaymentReversed = h.append({
    type: 'ContributionReversed',
    data: {
      potId,
      contributionId: councilPays.data.contributionId,
      reversedEventId: councilPays.eventId,
      agencyId: COUNCIL,
      amount: '3000.00',
      effectiveDate: '2026-04-20',
      reason: 'Paid twice',
      riskShareFor: '2025-26',
    },
  });

  return {
    h,
    potId,
    reablement,
    homeCare,
    events: {
      agreement,
      variation,
      scheme,
      commitment,
      released,
      cancelled,
      reablementSpend,
      mistaken,
      spendReversed,
      overspend,
      withdrawnForecast,
      forecastWithdrawn,
      forecast,
      settled,
      policePays,
      councilPays,
      councilPaymentReversed,
    },
  };
}
