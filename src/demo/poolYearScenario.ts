/**
 * A pooled-fund year run end to end over HTTP (`npm run demo -- --pool-year`): the Mid Essex
 * Better Care Fund, a Section 75 pool of Essex County Council (host), NHS Mid Essex and
 * Chelmsford City Council, through 2025-26: the agreement, three scheme budgets, invoices paid
 * against them, the quarterly monitoring reports Q1–Q4, the year-end settlement with an
 * overspend shared pro rata to contributions and capped for the NHS, the partners' risk-share
 * payments, and the memorandum account for the partners' auditors.
 *
 * It is a Better Care Fund pot of the Essex Health and Wellbeing Board area: contributions name
 * their funding stream, the admin records the year's required minimums, monitoring compares
 * them with what came in, and the end-of-year return (GET …/bcf-return) is read at the end.
 *
 * The figures are the README's worked example; test/e2e/poolYear.e2e.test.ts runs this
 * against a real server process and checks every one.
 */
import type { AgencyKind } from '../../events/primitives.ts';
import { LedgerHttpError, type LedgerClient, type WriteAnswer } from './ledgerClient.ts';
import { HOST, NHS, type DemoAgency, type TokenMinter } from './essexScenario.ts';

export const DISTRICT: DemoAgency = {
  agencyId: 'chelmsford-cc',
  name: 'Chelmsford City Council',
  kind: 'council' satisfies AgencyKind,
};
export const POOL_AGENCIES: readonly DemoAgency[] = [HOST, NHS, DISTRICT];
export const POOL_YEAR = '2025-26';
/** The NHS's cap on its share of the year's overspend, in the agreement. */
export const NHS_CAP = '15000.00';

export const HEALTH_AND_WELLBEING_BOARD = 'Essex';

/** Each contribution names its Better Care Fund stream. */
export const POOL_CONTRIBUTIONS = [
  {
    agency: HOST,
    amount: '500000.00',
    date: '2025-04-01',
    reference: 'S75 schedule 3, ECC',
    fundingStream: 'la-bcf',
  },
  {
    agency: NHS,
    amount: '400000.00',
    date: '2025-04-01',
    reference: 'S75 schedule 3, ICB',
    fundingStream: 'nhs-minimum',
  },
  {
    agency: DISTRICT,
    amount: '100000.00',
    date: '2025-04-01',
    reference: 'DFG passport 25-26',
    fundingStream: 'dfg',
  },
] as const;

/**
 * The year's required minimums. Real ones come from the Better Care Fund 2025-26 allocations
 * published by DHSC, MHCLG and NHS England with the BCF policy framework 2025-26 (the NHS
 * minimum contribution per ICB and HWB area, the Disabled Facilities Grant and the Local
 * Authority Better Care Grant per HWB area), and run to tens of millions of pounds for Essex.
 * These are illustrative figures scaled down to this demo pot (about £1m a year), not the
 * published Essex allocations: the ICB's minimum is set £20,000 above what it pays in so the
 * shortfall flag shows.
 */
export const BCF_SOURCE =
  'BCF 2025-26 allocations (DHSC/MHCLG/NHS England), scaled to the demo pot';
export const BCF_MINIMUMS = [
  { fundingStream: 'nhs-minimum', agency: NHS, amount: '420000.00' },
  { fundingStream: 'la-bcf', agency: HOST, amount: '480000.00' },
  { fundingStream: 'dfg', agency: DISTRICT, amount: '100000.00' },
] as const;

export interface PoolScheme {
  readonly key: 'reablement' | 'homeCare' | 'dfg';
  readonly name: string;
  readonly leadAgencyId: string;
  readonly budget: string;
  readonly details: Record<string, unknown>;
  /** Invoices: [date, amount, supplier, invoiceRef, againstCommitment?, recoverable VAT?]. */
  readonly invoices: readonly (readonly [string, string, string, string, boolean?, string?])[];
}

export const POOL_SCHEMES: readonly PoolScheme[] = [
  {
    key: 'reablement',
    name: 'Reablement at home',
    leadAgencyId: HOST.agencyId,
    budget: '400000.00',
    details: {
      schemeType: "Reablement in a person's own home",
      fundingSource: 'nhs-minimum',
      commissioner: [
        { agencyId: HOST.agencyId, percent: '50' },
        { agencyId: NHS.agencyId, percent: '50' },
      ],
      provider: 'Essex Cares Ltd',
      recurrent: true,
      expenditure: 'revenue',
    },
    invoices: [
      ['2025-06-20', '95000.00', 'Essex Cares Ltd', 'EC-Q1'],
      ['2025-09-19', '95000.00', 'Essex Cares Ltd', 'EC-Q2'],
      ['2025-12-19', '95000.00', 'Essex Cares Ltd', 'EC-Q3'],
      ['2026-03-20', '95000.00', 'Essex Cares Ltd', 'EC-Q4'],
    ],
  },
  {
    key: 'homeCare',
    name: 'Home care after hospital discharge',
    leadAgencyId: NHS.agencyId,
    budget: '350000.00',
    details: {
      schemeType: 'Home care or domiciliary care',
      fundingSource: 'nhs-minimum',
      provider: 'Mid Essex Home Care Partnership',
      recurrent: true,
      expenditure: 'revenue',
    },
    invoices: [
      ['2025-06-27', '120000.00', 'Mid Essex Home Care Partnership', 'HC-0601', true],
      ['2025-09-26', '130000.00', 'Mid Essex Home Care Partnership', 'HC-0902', true],
      ['2025-12-23', '140000.00', 'Mid Essex Home Care Partnership', 'HC-1203', true],
      ['2026-03-27', '130000.00', 'Mid Essex Home Care Partnership', 'HC-0304'],
    ],
  },
  {
    key: 'dfg',
    name: 'Disabled facilities grants',
    leadAgencyId: DISTRICT.agencyId,
    budget: '150000.00',
    details: {
      schemeType: 'DFG related schemes',
      fundingSource: 'dfg',
      provider: 'Chelmsford home improvement agency',
      recurrent: false,
      expenditure: 'capital',
    },
    invoices: [
      ['2025-09-12', '60000.00', 'Stairlift & Ramp Co', 'SR-2231', false, '12000.00'],
      ['2025-12-12', '40000.00', 'Stairlift & Ramp Co', 'SR-2410', false, '8000.00'],
      ['2026-03-13', '50000.00', 'Stairlift & Ramp Co', 'SR-2602', false, '10000.00'],
    ],
  },
];

/** The home-care framework call-off, raised in Q1; the first three invoices are paid against it. */
export const HOME_CARE_COMMITMENT = '300000.00';

export interface PoolYearRecord {
  readonly potId: string;
  readonly interventionIds: Record<PoolScheme['key'], string>;
  readonly agreementVersion: number;
  readonly overspendFlags: readonly { invoiceRef: string; overBy: string }[];
  readonly monitoring: readonly Monitoring[];
  readonly preview: Settlement;
  readonly settlement: Settlement & { eventId: string; position: string };
  readonly payments: readonly { agencyId: string; amount: string }[];
  readonly memorandum: Memorandum;
  readonly bcfReturn: BcfReturnAnswer;
  /** Each partner's journal for the year (GET …/journals/:agencyId); the council's is mapped to its codes. */
  readonly journals: readonly Journal[];
  readonly lastPosition: string;
}

export interface Journal {
  readonly agencyId: string;
  readonly mapped: boolean;
  readonly lines: readonly {
    lineType: string;
    costCentre: string;
    accountCode: string;
    debit: string;
    credit: string;
  }[];
  readonly totals: { readonly debit: string; readonly credit: string };
  readonly memorandum: Record<string, unknown>;
}

/** Essex County Council's own ledger codes for its part of the pool (illustrative). */
export const COUNCIL_JOURNAL_MAPPING = {
  contribution: {
    costCentre: 'ASC-BCF',
    accountCode: '8610',
    description: 'Contribution to the Mid Essex BCF pool',
  },
  expenditure: {
    costCentre: 'ASC-BCF',
    accountCode: '5120',
    description: 'Share of pooled BCF expenditure',
  },
  deficitShare: {
    costCentre: 'ASC-BCF',
    accountCode: '5190',
    description: "Share of the pool's overspend",
  },
  surplusShare: {
    costCentre: 'ASC-BCF',
    accountCode: '9190',
    description: "Share of the pool's underspend",
  },
  riskSharePaid: {
    costCentre: 'ASC-BCF',
    accountCode: '8611',
    description: 'Risk-share payment to the pool',
  },
  owedToPot: {
    costCentre: 'BS',
    accountCode: '4120',
    description: 'Creditor: risk share owed to the pool',
  },
  poolBalance: {
    costCentre: 'BS',
    accountCode: '1420',
    description: 'Debtor: balance held by the pool',
  },
};

export interface BcfReturnAnswer {
  readonly healthAndWellbeingBoard: string;
  readonly income: readonly { fundingStream: string; planned: string; actual: string }[];
  readonly expenditure: readonly {
    schemeType: string;
    fundingStream: string;
    commissioner: string;
    planned: string;
    actual: string;
  }[];
  readonly totals: {
    incomePlanned: string;
    incomeActual: string;
    expenditurePlanned: string;
    expenditureActual: string;
  };
}

export interface Monitoring {
  readonly quarter: number;
  readonly totals: Record<string, string>;
  readonly minimums?: readonly {
    fundingStream: string;
    agencyId: string;
    required: string;
    received: string;
    shortfall: string;
    flagged: boolean;
  }[];
  readonly schemes: readonly {
    interventionId: string;
    budget: string;
    actual: string;
    committed: string;
    forecastOutturn: string;
    variance: string;
    overspent: boolean;
  }[];
}

export interface Settlement {
  readonly schemes: readonly {
    interventionId: string;
    budget: string;
    spent: string;
    underspend: string;
    overspend: string;
    released: readonly { agencyId: string; amount: string }[];
    covered: readonly { agencyId: string; amount: string }[];
    shared: readonly { agencyId: string; amount: string }[];
  }[];
  readonly owedByPartners: readonly { agencyId: string; amount: string }[];
}

export interface Memorandum {
  readonly partners: readonly Record<string, string | unknown>[];
  readonly reconciliation: {
    closingBalanceFromPartners: string;
    closingBalanceFromPot: string;
    agrees: boolean;
  };
}

/** The year was loaded by an earlier run with the same run id: nothing was written this time. */
export class PoolYearAlreadyLoaded extends Error {
  constructor(readonly potId: string) {
    super(`the pooled-fund year is already loaded (pot ${potId})`);
    this.name = 'PoolYearAlreadyLoaded';
  }
}

/**
 * Runs the year. Each write carries an Idempotency-Key made from `runId`, so a retried request
 * is never booked twice; agencies are registered idempotently, and each run opens a new pot.
 */
export async function loadPoolYear(
  client: LedgerClient,
  mint: TokenMinter,
  runId: string,
): Promise<PoolYearRecord> {
  const admin = mint({ sub: 'alice', role: 'admin' });
  const officerOf = (agencyId: string) =>
    mint({ sub: `fo-${agencyId}`, role: 'finance-officer', agency: agencyId });
  // The host's finance officer is the pool manager: schemes, spend, forecasts.
  const poolManager = officerOf(HOST.agencyId);
  const reporter = mint({ sub: 'rita', role: 'reporter' });
  let lastPosition = 0n;
  const key = (step: string) => `pool-${runId}-${step}`;
  const write = async (path: string, token: string, body: unknown, step: string) => {
    const { answer } = await client.post(path, token, body, key(step));
    if (BigInt(answer.position) > lastPosition) lastPosition = BigInt(answer.position);
    return answer;
  };
  const read = <T>(path: string) =>
    client.get<T>(`${path}${path.includes('?') ? '&' : '?'}minPosition=${lastPosition}`, reporter);

  for (const agency of POOL_AGENCIES) {
    try {
      await client.post('/v1/agencies', admin, agency, `demo-agency-${agency.agencyId}`);
    } catch (error) {
      if (!(error instanceof LedgerHttpError && error.code === 'ALREADY_EXISTS')) throw error;
    }
  }
  const opened = await client.post(
    '/v1/pots',
    admin,
    {
      name: 'Mid Essex Better Care Fund',
      area: 'Mid Essex',
      hostAgencyId: HOST.agencyId,
      partnerAgencyIds: [NHS.agencyId, DISTRICT.agencyId],
    },
    key('open-pot'),
  );
  const potId = String(opened.answer.potId);
  // An earlier run with the same key opened it and ran the year: its settlement stands, and a
  // second run would only meet ALREADY_SETTLED. Say so instead of running it again.
  if (opened.replayed) throw new PoolYearAlreadyLoaded(potId);
  lastPosition = BigInt(opened.answer.position);
  const potPath = `/v1/pots/${potId}`;

  const agreement = await write(
    `${potPath}/agreements`,
    admin,
    {
      reference: 'MEBCF-S75-2025',
      legalBasis: 's75-nhs-act-2006',
      startDate: '2025-04-01',
      endDate: '2027-03-31',
      poolManager: 'Director of Adult Social Care Commissioning, Essex County Council',
      scope: 'Better Care Fund schemes for Mid Essex: reablement, discharge home care, DFG',
      boardDecisionRef: 'Mid Essex HWB 2025-03-12 item 6',
      signedOn: '2025-03-28',
      spendTracking: true,
      overspend: {
        policy: 'warn',
        coverFromPot: true,
        share: 'contributions',
        caps: { [NHS.agencyId]: NHS_CAP },
      },
      underspend: 'carry-forward',
      betterCareFund: { healthAndWellbeingBoard: HEALTH_AND_WELLBEING_BOARD },
    },
    'agreement',
  );
  await write(
    `${potPath}/bcf-minimums`,
    admin,
    {
      financialYear: POOL_YEAR,
      minimums: BCF_MINIMUMS.map((m) => ({
        fundingStream: m.fundingStream,
        agencyId: m.agency.agencyId,
        amount: m.amount,
        source: BCF_SOURCE,
      })),
    },
    'bcf-minimums',
  );

  for (const c of POOL_CONTRIBUTIONS) {
    await write(
      `${potPath}/contributions`,
      officerOf(c.agency.agencyId),
      {
        agencyId: c.agency.agencyId,
        amount: c.amount,
        effectiveDate: c.date,
        reference: c.reference,
        fundingStream: c.fundingStream,
      },
      `contribution-${c.agency.agencyId}`,
    );
  }

  const interventionIds = {} as Record<PoolScheme['key'], string>;
  for (const scheme of POOL_SCHEMES) {
    const defined = await write(
      `${potPath}/interventions`,
      poolManager,
      { name: scheme.name, leadAgencyId: scheme.leadAgencyId },
      `intervention-${scheme.key}`,
    );
    const interventionId = String(defined.interventionId);
    interventionIds[scheme.key] = interventionId;
    await write(
      `${potPath}/interventions/${interventionId}/scheme`,
      poolManager,
      scheme.details,
      `scheme-${scheme.key}`,
    );
    await write(
      `${potPath}/allocations`,
      poolManager,
      {
        interventionId,
        amount: scheme.budget,
        effectiveDate: '2025-04-02',
        reason: `${POOL_YEAR} scheme budget, Mid Essex HWB 2025-03-12 item 6`,
      },
      `budget-${scheme.key}`,
    );
  }

  const homeCare = interventionIds.homeCare;
  const commitment = await write(
    `${potPath}/interventions/${homeCare}/commitments`,
    poolManager,
    {
      amount: HOME_CARE_COMMITMENT,
      effectiveDate: '2025-04-03',
      reference: 'Framework call-off MEHCP-25',
      supplier: 'Mid Essex Home Care Partnership',
    },
    'commitment-home-care',
  );

  const overspendFlags: { invoiceRef: string; overBy: string }[] = [];
  const monitoring: Monitoring[] = [];
  const forecasts: Record<number, { key: PoolScheme['key']; outturn: string; why: string }[]> = {
    2: [
      {
        key: 'homeCare',
        outturn: '480000.00',
        why: 'Discharges up 30% since July; packages longer than planned',
      },
    ],
    3: [
      { key: 'homeCare', outturn: '520000.00', why: 'Winter pressures on top of the Q2 rise' },
      { key: 'reablement', outturn: '380000.00', why: 'Two reablement posts vacant since October' },
    ],
  };
  for (const quarter of [1, 2, 3, 4]) {
    for (const scheme of POOL_SCHEMES) {
      const invoices = scheme.invoices.filter((i) => quarterOf(i[0]) === quarter);
      for (const [date, amount, supplier, invoiceRef, againstCommitment, vat] of invoices) {
        const answer: WriteAnswer = await write(
          `${potPath}/interventions/${interventionIds[scheme.key]}/spend`,
          poolManager,
          {
            amount,
            effectiveDate: date,
            supplier,
            invoiceRef,
            ...(vat === undefined ? {} : { vat, vatRecoverable: true }),
            ...(againstCommitment === true ? { commitmentId: commitment.commitmentId } : {}),
          },
          `spend-${invoiceRef}`,
        );
        const flag = answer.overspend as { overBy: string } | undefined;
        if (flag !== undefined) overspendFlags.push({ invoiceRef, overBy: flag.overBy });
      }
    }
    for (const forecast of forecasts[quarter] ?? []) {
      await write(
        `${potPath}/interventions/${interventionIds[forecast.key]}/forecasts`,
        poolManager,
        {
          financialYear: POOL_YEAR,
          quarter,
          forecastOutturn: forecast.outturn,
          explanation: forecast.why,
        },
        `forecast-${quarter}-${forecast.key}`,
      );
    }
    monitoring.push({
      quarter,
      ...(await read<Omit<Monitoring, 'quarter'>>(
        `${potPath}/monitoring?financialYear=${POOL_YEAR}&quarter=${quarter}`,
      )),
    });
  }

  // The preview is decided on the pot's stream as it stands (no books to wait for): it takes
  // no minPosition.
  const preview = await client.get<Settlement>(
    `${potPath}/financial-years/${POOL_YEAR}/settlement-preview`,
    reporter,
  );
  const { answer: settled } = await client.post(
    `${potPath}/financial-years/${POOL_YEAR}/settle`,
    admin,
    {},
    key('settle'),
  );
  lastPosition = BigInt(settled.position);
  const settlement = settled as unknown as PoolYearRecord['settlement'];

  const payments: { agencyId: string; amount: string }[] = [];
  for (const owed of settlement.owedByPartners) {
    await write(
      `${potPath}/contributions`,
      officerOf(owed.agencyId),
      {
        agencyId: owed.agencyId,
        amount: owed.amount,
        effectiveDate: '2026-04-30',
        reference: `Risk share ${POOL_YEAR}, MEBCF-S75-2025 clause 11`,
        riskShareFor: POOL_YEAR,
      },
      `risk-share-${owed.agencyId}`,
    );
    payments.push(owed);
  }
  const memorandum = await read<Memorandum>(`${potPath}/memorandum?financialYear=${POOL_YEAR}`);
  // The council's finance officer keeps its mapping to its own ledger codes; the others have none.
  await write(
    `${potPath}/journal-mappings/${HOST.agencyId}`,
    officerOf(HOST.agencyId),
    { lines: COUNCIL_JOURNAL_MAPPING },
    'journal-mapping-council',
  );
  const journals: Journal[] = [];
  for (const agency of POOL_AGENCIES)
    journals.push(
      await read<Journal>(`${potPath}/journals/${agency.agencyId}?financialYear=${POOL_YEAR}`),
    );
  const bcfReturn = await read<BcfReturnAnswer>(`${potPath}/bcf-return?financialYear=${POOL_YEAR}`);
  return {
    potId,
    interventionIds,
    agreementVersion: Number(agreement.version),
    overspendFlags,
    monitoring,
    preview,
    settlement,
    payments,
    memorandum,
    bcfReturn,
    journals,
    lastPosition: lastPosition.toString(),
  };
}

/** The quarter of the financial year a date falls in (April–June is 1). */
export function quarterOf(date: string): number {
  const month = Number(date.slice(5, 7));
  return month >= 4 && month <= 6 ? 1 : month >= 7 && month <= 9 ? 2 : month >= 10 ? 3 : 4;
}
