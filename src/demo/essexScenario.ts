/**
 * The demo scenario: Essex, reducing reoffending (the scenario in the project's domain notes,
 * shared/DOMAIN.md beside the repository). The county council hosts the pot; police and probation pay in from the start, the fire service joins later;
 * the NHS and DWP are registered as beneficiaries only — they never pay in, yet much of the
 * benefit lands in their budgets, which is the point of the ledger.
 *
 * Unit costs are from the GMCA Unit Cost Database (Greater Manchester Combined Authority),
 * whose open licence requires the source to be named wherever the figures are shipped: every
 * outcome description names it, with the price year. The figures are at the price years the
 * database publishes them in, not uprated to a common year — illustrative, not a business case.
 */
import type { AgencyKind } from '../../events/primitives.ts';
import type { Role } from '../auth/tokens.ts';
import { LedgerHttpError, type LedgerClient, type WriteAnswer } from './ledgerClient.ts';

export const UNIT_COST_SOURCE =
  'GMCA Unit Cost Database (Greater Manchester Combined Authority), used under its open licence';

export interface DemoAgency {
  readonly agencyId: string;
  readonly name: string;
  readonly kind: AgencyKind;
}

export const HOST: DemoAgency = {
  agencyId: 'essex-cc',
  name: 'Essex County Council',
  kind: 'council',
};
export const POLICE: DemoAgency = {
  agencyId: 'essex-police',
  name: 'Essex Police',
  kind: 'police',
};
export const PROBATION: DemoAgency = {
  agencyId: 'essex-probation',
  name: 'Essex Probation',
  kind: 'probation',
};
export const FIRE: DemoAgency = {
  agencyId: 'essex-fire',
  name: 'Essex County Fire & Rescue Service',
  kind: 'fire',
};
export const NHS: DemoAgency = { agencyId: 'nhs-mid-essex', name: 'NHS Mid Essex', kind: 'health' };
export const DWP: DemoAgency = {
  agencyId: 'dwp',
  name: 'Department for Work and Pensions',
  kind: 'dwp',
};

/** In the order the demo's tables list them: payers first, then the beneficiaries. */
export const DEMO_AGENCIES: readonly DemoAgency[] = [HOST, POLICE, PROBATION, FIRE, NHS, DWP];

export const POT_NAME = 'Essex Reducing Reoffending';

/** Mints a token for the scenario's people; the runner signs them with the server's secret. */
export type TokenMinter = (claims: { sub: string; role: Role; agency?: string }) => string;

export interface ScenarioRecord {
  readonly potId: string;
  readonly agenciesRegistered: readonly string[];
  readonly agenciesAlreadyThere: readonly string[];
  readonly contributions: readonly { agencyId: string; amount: string; reference: string }[];
  readonly reversal: { agencyId: string; amount: string; reference: string; reason: string };
  readonly interventions: readonly { name: string; leadAgencyId: string }[];
  readonly allocations: readonly { intervention: string; amount: string }[];
  readonly outcomes: readonly { intervention: string; description: string; total: string }[];
  /** The last log position written: read the books with minPosition = this to see every write. */
  readonly lastPosition: string;
  /** Writes sent after the agencies, and how many the ledger answered as replays (an earlier run's). */
  readonly writes: number;
  readonly writesReplayed: number;
}

/**
 * Loads the scenario. Agencies are registered with an Idempotency-Key derived from their id, so
 * a re-run against the same server replays (or meets ALREADY_EXISTS) instead of failing; every
 * other write carries a key made from `runId`. The demo passes a fixed `runId`, so a second run
 * against the same server is answered from the ledger's memory of the first (the same pot, the
 * same answers, nothing appended) instead of opening a second pot of the same name.
 */
export async function loadEssexScenario(
  client: LedgerClient,
  mint: TokenMinter,
  runId: string,
): Promise<ScenarioRecord> {
  const admin = mint({ sub: 'alice', role: 'admin' });
  const officer = {
    [HOST.agencyId]: mint({ sub: 'carol', role: 'finance-officer', agency: HOST.agencyId }),
    [POLICE.agencyId]: mint({ sub: 'bob', role: 'finance-officer', agency: POLICE.agencyId }),
    [PROBATION.agencyId]: mint({
      sub: 'priya',
      role: 'finance-officer',
      agency: PROBATION.agencyId,
    }),
    [FIRE.agencyId]: mint({ sub: 'frank', role: 'finance-officer', agency: FIRE.agencyId }),
  } as Record<string, string>;
  // The host's finance officer acts as the pooled fund manager (Section 75): defines, allocates, records.
  const fundManager = officer[HOST.agencyId]!;
  let lastPosition = 0n;
  const key = (step: string) => `demo-${runId}-${step}`;
  const write = async (
    path: string,
    token: string,
    body: unknown,
    idempotencyKey: string,
  ): Promise<WriteAnswer> => {
    const { answer, replayed } = await client.post(path, token, body, idempotencyKey);
    if (BigInt(answer.position) > lastPosition) lastPosition = BigInt(answer.position);
    writes += 1;
    if (replayed) writesReplayed += 1;
    return answer;
  };
  let writes = 0;
  let writesReplayed = 0;

  const agenciesRegistered: string[] = [];
  const agenciesAlreadyThere: string[] = [];
  for (const agency of DEMO_AGENCIES) {
    try {
      const { answer, replayed } = await client.post(
        '/v1/agencies',
        admin,
        agency,
        `demo-agency-${agency.agencyId}`,
      );
      if (BigInt(answer.position) > lastPosition) lastPosition = BigInt(answer.position);
      (replayed ? agenciesAlreadyThere : agenciesRegistered).push(agency.agencyId);
    } catch (error) {
      if (!(error instanceof LedgerHttpError && error.code === 'ALREADY_EXISTS')) throw error;
      agenciesAlreadyThere.push(agency.agencyId);
    }
  }

  const pot = await write(
    '/v1/pots',
    admin,
    {
      name: POT_NAME,
      area: 'Essex',
      hostAgencyId: HOST.agencyId,
      partnerAgencyIds: [POLICE.agencyId, PROBATION.agencyId],
    },
    key('open-pot'),
  );
  const potId = String(pot.potId);
  const potPath = `/v1/pots/${potId}`;

  const contributions: { agencyId: string; amount: string; reference: string }[] = [];
  const contribute = async (
    agencyId: string,
    amount: string,
    effectiveDate: string,
    reference: string,
    step: string,
  ) => {
    const answer = await write(
      `${potPath}/contributions`,
      officer[agencyId]!,
      { agencyId, amount, effectiveDate, reference },
      key(step),
    );
    contributions.push({ agencyId, amount, reference });
    return answer;
  };
  await contribute(
    HOST.agencyId,
    '1200000.00',
    '2025-04-07',
    'ECC Section 75 agreement, schedule 2; PO 4500123871',
    'contribution-cc',
  );
  await contribute(
    POLICE.agencyId,
    '450000.00',
    '2025-04-14',
    'PFCC grant agreement EPFCC-2025-031',
    'contribution-police',
  );
  // Keyed twice by mistake (a new request, not a retry: a fresh key), then reversed below.
  const duplicate = await contribute(
    POLICE.agencyId,
    '450000.00',
    '2025-04-14',
    'PFCC grant agreement EPFCC-2025-031',
    'contribution-police-again',
  );
  await contribute(
    PROBATION.agencyId,
    '300000.00',
    '2025-04-22',
    'Probation Service East of England, call-off DF-EOE-0417',
    'contribution-probation',
  );

  const reversalReason =
    'Keyed twice: duplicate of the EPFCC-2025-031 contribution booked the same day. ' +
    'One payment only was received (bank statement 15 April 2025).';
  await write(
    `${potPath}/reversals`,
    officer[POLICE.agencyId]!,
    { eventId: duplicate.eventId, reason: reversalReason, effectiveDate: '2025-04-16' },
    key('reverse-duplicate'),
  );
  const reversal = {
    agencyId: POLICE.agencyId,
    amount: '450000.00',
    reference: 'EPFCC-2025-031',
    reason: reversalReason,
  };

  const employment = {
    name: 'Employment and training support for ex-offenders',
    leadAgencyId: PROBATION.agencyId,
    description:
      'Employment and training for adults leaving custody or on community orders, delivered by a social enterprise; ' +
      'caseworkers co-located with probation offices in Chelmsford, Basildon and Colchester.',
  };
  const iom = {
    name: 'Integrated offender management',
    leadAgencyId: POLICE.agencyId,
    description:
      'Police, probation and council staff on one site case-manage the small group of persistent offenders ' +
      'who commit a disproportionate share of crime.',
  };
  const employmentId = String(
    (
      await write(
        `${potPath}/interventions`,
        fundManager,
        employment,
        key('intervention-employment'),
      )
    ).interventionId,
  );
  const iomId = String(
    (await write(`${potPath}/interventions`, fundManager, iom, key('intervention-iom')))
      .interventionId,
  );

  const allocations: { intervention: string; amount: string }[] = [];
  const allocate = async (
    interventionId: string,
    name: string,
    amount: string,
    effectiveDate: string,
    reason: string,
    step: string,
  ) => {
    await write(
      `${potPath}/allocations`,
      fundManager,
      { interventionId, amount, effectiveDate, reason },
      key(step),
    );
    allocations.push({ intervention: name, amount });
  };
  await allocate(
    employmentId,
    employment.name,
    '900000.00',
    '2025-05-06',
    'Place board decision PB-2025-05: year-one contract with the social enterprise',
    'allocation-employment',
  );
  await allocate(
    iomId,
    iom.name,
    '600000.00',
    '2025-05-06',
    'Place board decision PB-2025-05: IOM hub staffing, year one',
    'allocation-iom',
  );

  await write(`${potPath}/partners`, admin, { agencyId: FIRE.agencyId }, key('join-fire'));
  await contribute(
    FIRE.agencyId,
    '75000.00',
    '2025-07-01',
    'ECFRS prevention budget, cost centre 4410, PO F-25-0193',
    'contribution-fire',
  );
  await allocate(
    iomId,
    iom.name,
    '150000.00',
    '2025-07-14',
    'Place board decision PB-2025-07: home-safety visits added to IOM case plans',
    'allocation-iom-fire',
  );

  const outcomes: { intervention: string; description: string; total: string }[] = [];
  const record = async (
    interventionId: string,
    name: string,
    body: {
      description: string;
      evidenceRef: string;
      benefits?: { agencyId: string; amount: string; cashable: boolean }[];
      /** Outcomes by quantity, valued by the ledger from the unit-cost catalogue. */
      lines?: {
        unitCostCode: string;
        quantity: string;
        beneficiaries?: Partial<Record<AgencyKind, string>>;
      }[];
    },
    total: string,
    step: string,
  ) => {
    await write(
      `${potPath}/interventions/${interventionId}/outcomes`,
      fundManager,
      { ...body, effectiveDate: '2026-03-31' },
      key(step),
    );
    outcomes.push({ intervention: name, description: body.description, total });
  };
  await record(
    employmentId,
    employment.name,
    {
      description:
        '33 ESA claimants into work for a year × £8,632 (£7,500 DWP, £1,132 NHS) (GMCA Unit Cost Database, 2012/13 prices); ' +
        '27 fewer homelessness applications × £2,501 (GMCA Unit Cost Database, 2010/11 prices).',
      evidenceRef: 'DWP/probation matched-data extract MD-2526-014',
      // Valued by the ledger from the catalogue: DWP and the NHS are not partners, so the lines say who they are.
      lines: [
        {
          unitCostCode: 'DWP-ESA-CLAIMANT-INTO-WORK',
          quantity: '33',
          beneficiaries: { dwp: DWP.agencyId, health: NHS.agencyId },
        },
        { unitCostCode: 'HOUSING-HOMELESSNESS-APPLICATION', quantity: '27' },
      ],
    },
    '352383.00',
    'outcome-employment',
  );
  await record(
    iomId,
    iom.name,
    {
      description:
        '84 fewer arrests × £593 (GMCA Unit Cost Database, 2006/07 prices), IOM cohort against its 2024-25 baseline.',
      evidenceRef: 'Essex Police custody records, IOM cohort report Q4 2025-26',
      // In pounds, not by quantity: the police treat this cohort's custody time as cashable
      // (the catalogue's default says capacity freed), and a direct amount records that judgement.
      benefits: [{ agencyId: POLICE.agencyId, amount: '49812.00', cashable: true }],
    },
    '49812.00',
    'outcome-iom-arrests',
  );
  await record(
    iomId,
    iom.name,
    {
      description:
        '212 fewer A&E attendances × £109 (GMCA Unit Cost Database, 2011/12 prices); ' +
        '41 fewer emergency inpatient episodes × £1,542 (GMCA Unit Cost Database, 2013/14 prices).',
      evidenceRef: 'NHS Mid Essex SUS extract for the IOM cohort, ref SUS-IOM-2526',
      lines: [
        {
          unitCostCode: 'HEALTH-AE-ATTENDANCE',
          quantity: '212',
          beneficiaries: { health: NHS.agencyId },
        },
        {
          unitCostCode: 'HEALTH-EMERGENCY-INPATIENT',
          quantity: '41',
          beneficiaries: { health: NHS.agencyId },
        },
      ],
    },
    '86330.00',
    'outcome-iom-health',
  );

  return {
    potId,
    agenciesRegistered,
    agenciesAlreadyThere,
    contributions,
    reversal,
    interventions: [employment, iom].map(({ name, leadAgencyId }) => ({ name, leadAgencyId })),
    allocations,
    outcomes,
    lastPosition: lastPosition.toString(),
    writes,
    writesReplayed,
  };
}
