/**
 * The pot the specs talk about, and builders for its events and commands with plain
 * defaults, so each spec shows only the figures its rule is about.
 *
 * The default pot: Essex Reducing Reoffending, hosted by the county council, with the police
 * and probation as partners. The NHS and the DWP are registered but not partners.
 */
import type { Benefit, BenefitFlow, FundingShare, PotEvent } from '../../events/pot.ts';
import type { AllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import type { ContributeToPot } from '../../commands/contributeToPot.ts';
import type { DefineIntervention } from '../../commands/defineIntervention.ts';
import type { RecordOutcome } from '../../commands/recordOutcome.ts';
import type { ReverseEntry } from '../../commands/reverseEntry.ts';
import { AGENCY, testUlid } from './spec.ts';

type Of<T extends PotEvent['type']> = Extract<PotEvent, { type: T }>;

export const POT_ID = testUlid(2, 1);
export const contributionId = (n: number): string => testUlid(3, n);
export const interventionId = (n: number): string => testUlid(4, n);
export const allocationId = (n: number): string => testUlid(5, n);
export const outcomeId = (n: number): string => testUlid(6, n);
/** An id no event of the default history carries. */
export const UNKNOWN_ID = testUlid(9, 9);

export const CONTRIBUTION_DATE = '2025-04-10';
export const ALLOCATION_DATE = '2025-05-01';
export const OUTCOME_DATE = '2025-09-30';

export const DEFAULT_PARTNERS = [AGENCY.cc, AGENCY.police, AGENCY.probation] as const;

// ---- events -------------------------------------------------------------------------------

export function potOpened(
  o: { hostAgencyId?: string; partnerAgencyIds?: readonly string[] } = {},
): Of<'PotOpened'> {
  return {
    type: 'PotOpened',
    data: {
      potId: POT_ID,
      name: 'Essex Reducing Reoffending',
      area: 'Essex',
      hostAgencyId: o.hostAgencyId ?? AGENCY.cc,
      partnerAgencyIds: [...(o.partnerAgencyIds ?? DEFAULT_PARTNERS)],
      currency: 'GBP',
    },
  };
}

export function partnerJoined(agencyId: string): Of<'PartnerJoined'> {
  return { type: 'PartnerJoined', data: { potId: POT_ID, agencyId } };
}

export function contributionReceived(
  agencyId: string,
  amount: string,
  o: { n?: number; effectiveDate?: string } = {},
): Of<'ContributionReceived'> {
  return {
    type: 'ContributionReceived',
    data: {
      potId: POT_ID,
      contributionId: contributionId(o.n ?? 1),
      agencyId,
      amount,
      effectiveDate: o.effectiveDate ?? CONTRIBUTION_DATE,
      reference: `PO-${o.n ?? 1}`,
    },
  };
}

export function interventionDefined(
  o: { n?: number; leadAgencyId?: string } = {},
): Of<'InterventionDefined'> {
  return {
    type: 'InterventionDefined',
    data: {
      potId: POT_ID,
      interventionId: interventionId(o.n ?? 1),
      name: `Intervention ${o.n ?? 1}`,
      leadAgencyId: o.leadAgencyId ?? AGENCY.probation,
    },
  };
}

/** Shares as the decider would have written them, e.g. `{ 'essex-cc': '2.00' }`. */
export function fundsAllocated(
  amount: string,
  shares: Record<string, string>,
  o: { n?: number; intervention?: number; effectiveDate?: string } = {},
): Of<'FundsAllocated'> {
  return {
    type: 'FundsAllocated',
    data: {
      potId: POT_ID,
      allocationId: allocationId(o.n ?? 1),
      interventionId: interventionId(o.intervention ?? 1),
      amount,
      effectiveDate: o.effectiveDate ?? ALLOCATION_DATE,
      reason: 'Year one delivery',
      fundingShares: sharesOf(shares),
    },
  };
}

export function outcomeRecorded(
  benefits: Benefit[],
  flows: BenefitFlow[],
  o: { n?: number; intervention?: number; effectiveDate?: string } = {},
): Of<'OutcomeRecorded'> {
  return {
    type: 'OutcomeRecorded',
    data: {
      potId: POT_ID,
      outcomeId: outcomeId(o.n ?? 1),
      interventionId: interventionId(o.intervention ?? 1),
      description: 'Fewer reoffences',
      effectiveDate: o.effectiveDate ?? OUTCOME_DATE,
      benefits,
      flows,
    },
  };
}

export function contributionReversed(
  reversedEventId: string,
  agencyId: string,
  amount: string,
  o: { n?: number; effectiveDate?: string } = {},
): Of<'ContributionReversed'> {
  return {
    type: 'ContributionReversed',
    data: {
      potId: POT_ID,
      contributionId: contributionId(o.n ?? 1),
      reversedEventId,
      agencyId,
      amount,
      effectiveDate: o.effectiveDate ?? '2025-06-01',
      reason: 'Keyed twice',
    },
  };
}

export function allocationReversed(
  reversedEventId: string,
  amount: string,
  shares: Record<string, string>,
  o: { n?: number; intervention?: number; effectiveDate?: string } = {},
): Of<'AllocationReversed'> {
  return {
    type: 'AllocationReversed',
    data: {
      potId: POT_ID,
      allocationId: allocationId(o.n ?? 1),
      reversedEventId,
      interventionId: interventionId(o.intervention ?? 1),
      amount,
      fundingShares: sharesOf(shares),
      effectiveDate: o.effectiveDate ?? '2025-06-01',
      reason: 'Allocated to the wrong intervention',
    },
  };
}

export function outcomeRetracted(
  reversedEventId: string,
  recorded: Of<'OutcomeRecorded'>,
): Of<'OutcomeRetracted'> {
  return {
    type: 'OutcomeRetracted',
    data: {
      potId: POT_ID,
      outcomeId: recorded.data.outcomeId,
      reversedEventId,
      interventionId: recorded.data.interventionId,
      benefits: recorded.data.benefits,
      flows: recorded.data.flows,
      effectiveDate: '2025-10-01',
      reason: 'Evidence withdrawn',
    },
  };
}

/** The same event, carrying the event id a later reversal names. */
export function withEventId<E extends PotEvent>(
  eventId: string,
  event: E,
): E & { eventId: string } {
  return { ...event, eventId };
}

function sharesOf(shares: Record<string, string>): FundingShare[] {
  return Object.entries(shares).map(([agencyId, amount]) => ({ agencyId, amount }));
}

export function benefit(agencyId: string, amount: string, cashable: boolean): Benefit {
  return { agencyId, amount, cashable };
}

export function flow(
  fromAgencyId: string,
  toAgencyId: string,
  amount: string,
  cashable: boolean,
): BenefitFlow {
  return { fromAgencyId, toAgencyId, amount, cashable };
}

// ---- commands -----------------------------------------------------------------------------

export function contribute(
  agencyId: string,
  amount: string,
  o: Partial<ContributeToPot> = {},
): ContributeToPot {
  return {
    potId: POT_ID,
    contributionId: contributionId(100),
    agencyId,
    amount,
    effectiveDate: CONTRIBUTION_DATE,
    reference: 'PO-100',
    ...o,
  };
}

export function defineIntervention(
  leadAgencyId: string,
  o: Partial<DefineIntervention> = {},
): DefineIntervention {
  return {
    potId: POT_ID,
    interventionId: interventionId(100),
    name: 'Through-the-gate mentoring',
    leadAgencyId,
    ...o,
  };
}

export function allocate(
  amount: string,
  o: Partial<AllocateToIntervention> = {},
): AllocateToIntervention {
  return {
    potId: POT_ID,
    allocationId: allocationId(100),
    interventionId: interventionId(1),
    amount,
    effectiveDate: ALLOCATION_DATE,
    reason: 'Year one delivery',
    ...o,
  };
}

export function recordOutcome(benefits: Benefit[], o: Partial<RecordOutcome> = {}): RecordOutcome {
  return {
    potId: POT_ID,
    interventionId: interventionId(1),
    outcomeId: outcomeId(100),
    description: 'Fewer reoffences',
    effectiveDate: OUTCOME_DATE,
    benefits,
    ...o,
  };
}

export function reverse(eventId: string, o: Partial<ReverseEntry> = {}): ReverseEntry {
  return { potId: POT_ID, eventId, reason: 'Keyed in error', ...o };
}
