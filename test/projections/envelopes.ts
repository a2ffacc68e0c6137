/**
 * Builds event histories for projection specs: envelopes at positions 1..n, ULID ids that are
 * the same on every run, recordedAt one minute apart unless a test says otherwise, and event
 * data checked against the real event schemas (a spec built on an event the ledger could never
 * write would prove nothing). Shares and flows are written by the test, as the deciders would
 * have written them, so every figure in a spec can be checked by hand.
 */
import type { Actor, Envelope, LedgerEvent } from '../../events/index.ts';
import {
  agencyStreamId,
  ledgerEventSchemas,
  potStreamId,
  unitCostStreamId,
  SIGN_IN_MAPPING_STREAM_ID,
} from '../../events/index.ts';
import { formatAmount, money, sum } from '../../events/money.ts';
import type { AgencyKind } from '../../events/primitives.ts';
import type { Benefit, BenefitFlow, FundingShare } from '../../events/pot.ts';
import type { OutcomeValuationLine } from '../../events/unitCost.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A valid ULID: 10 characters of time, then a 16-character counter in place of randomness. */
export function ulidAt(timeMs: number, counter: number): string {
  let time = '';
  let t = timeMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rest = '';
  let c = counter;
  for (let i = 0; i < 16; i++) {
    rest = CROCKFORD[c % 32] + rest;
    c = Math.floor(c / 32);
  }
  return time + rest;
}

export const ACTORS = {
  admin: { sub: 'root', role: 'admin' },
  alice: { sub: 'alice', role: 'finance-officer', agencyId: 'essex-police' },
  carol: { sub: 'carol', role: 'finance-officer', agencyId: 'essex-cc' },
} as const satisfies Record<string, Actor>;

export interface Meta {
  readonly actor?: Actor;
  /** Sets the clock: later events follow one minute apart from here. */
  readonly recordedAt?: string;
  readonly commandId?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
}

export interface HistoryOptions {
  readonly startAt?: string;
  readonly stepMs?: number;
}

export type Shares = Readonly<Record<string, string>>;

/** An envelope of one event type, as the builders return them. */
export type Of<T extends LedgerEvent['type']> = Envelope<Extract<LedgerEvent, { type: T }>>;

export interface OutcomeFields {
  description: string;
  effectiveDate: string;
  benefits: Benefit[];
  flows: BenefitFlow[];
  evidenceRef?: string;
  /** Outcomes by quantity: the valuation lines, as the decider writes them. */
  lines?: OutcomeValuationLine[];
}

/** A history under construction; `events` is the log so far, in position order. */
export function createHistory(options: HistoryOptions = {}) {
  const events: Envelope[] = [];
  const stepMs = options.stepMs ?? 60_000;
  let clockMs = Date.parse(options.startAt ?? '2025-04-01T09:00:00.000Z') - stepMs;
  let counter = 0;
  const revisions = new Map<string, bigint>();

  const id = (): string => ulidAt(clockMs + stepMs, ++counter);

  function append<E extends LedgerEvent>(event: E, meta: Meta = {}): Envelope<E> {
    ledgerEventSchemas[event.type].parse(event.data);
    clockMs = meta.recordedAt === undefined ? clockMs + stepMs : Date.parse(meta.recordedAt);
    const streamId = streamOf(event);
    const streamRevision = (revisions.get(streamId) ?? -1n) + 1n;
    revisions.set(streamId, streamRevision);
    const commandId = meta.commandId ?? ulidAt(clockMs, ++counter);
    const envelope = {
      ...event,
      eventId: ulidAt(clockMs, ++counter),
      streamId,
      streamRevision,
      position: BigInt(events.length + 1),
      metadata: {
        commandId,
        correlationId: meta.correlationId ?? commandId,
        ...(meta.causationId === undefined ? {} : { causationId: meta.causationId }),
        actor: meta.actor ?? ACTORS.admin,
        recordedAt: meta.recordedAt ?? new Date(clockMs).toISOString(),
      },
    } as Envelope<E>;
    events.push(envelope as Envelope);
    return envelope;
  }

  const toShares = (shares: Shares): FundingShare[] =>
    Object.entries(shares).map(([agencyId, amount]) => ({ agencyId, amount }));
  const total = (amounts: readonly string[]): string =>
    formatAmount(sum(amounts.map((a) => money(a))));

  return {
    events,
    id,
    append,
    registerAgency: (agencyId: string, name: string, kind: AgencyKind, meta?: Meta) =>
      append({ type: 'AgencyRegistered', data: { agencyId, name, kind } }, meta),
    openPot: (
      pot: {
        name: string;
        area: string;
        hostAgencyId: string;
        partnerAgencyIds: string[];
        potId?: string;
      },
      meta?: Meta,
    ) => {
      const { name, area, hostAgencyId, partnerAgencyIds } = pot;
      return append(
        {
          type: 'PotOpened',
          data: {
            potId: pot.potId ?? id(),
            name,
            area,
            hostAgencyId,
            partnerAgencyIds,
            currency: 'GBP',
          },
        },
        meta,
      );
    },
    joinPartner: (potId: string, agencyId: string, meta?: Meta) =>
      append({ type: 'PartnerJoined', data: { potId, agencyId } }, meta),
    contribute: (
      potId: string,
      agencyId: string,
      amount: string,
      effectiveDate: string,
      reference: string,
      meta?: Meta,
    ) => {
      const data = { potId, contributionId: id(), agencyId, amount, effectiveDate, reference };
      return append({ type: 'ContributionReceived', data }, meta);
    },
    defineIntervention: (
      potId: string,
      name: string,
      leadAgencyId: string,
      meta?: Meta & { interventionId?: string },
    ) => {
      const data = { potId, interventionId: meta?.interventionId ?? id(), name, leadAgencyId };
      return append({ type: 'InterventionDefined', data }, meta);
    },
    /** The allocation's amount is the sum of the shares, as the decider writes it. */
    allocate: (
      potId: string,
      interventionId: string,
      shares: Shares,
      effectiveDate: string,
      reason: string,
      meta?: Meta,
    ) => {
      const amount = total(Object.values(shares));
      const data = {
        potId,
        allocationId: id(),
        interventionId,
        amount,
        effectiveDate,
        reason,
        fundingShares: toShares(shares),
      };
      return append({ type: 'FundsAllocated', data }, meta);
    },
    recordOutcome: (potId: string, interventionId: string, outcome: OutcomeFields, meta?: Meta) =>
      append(
        { type: 'OutcomeRecorded', data: { potId, outcomeId: id(), interventionId, ...outcome } },
        meta,
      ),
    reverseContribution: (
      original: Of<'ContributionReceived'>,
      reason: string,
      effectiveDate: string,
      meta?: Meta,
    ) => {
      const { potId, contributionId, agencyId, amount } = original.data;
      const data = {
        potId,
        contributionId,
        reversedEventId: original.eventId,
        agencyId,
        amount,
        effectiveDate,
        reason,
      };
      return append({ type: 'ContributionReversed', data }, meta);
    },
    reverseAllocation: (
      original: Of<'FundsAllocated'>,
      reason: string,
      effectiveDate: string,
      meta?: Meta,
    ) => {
      const { potId, allocationId, interventionId, amount, fundingShares } = original.data;
      const data = {
        potId,
        allocationId,
        reversedEventId: original.eventId,
        interventionId,
        amount,
        fundingShares,
        effectiveDate,
        reason,
      };
      return append({ type: 'AllocationReversed', data }, meta);
    },
    retractOutcome: (
      original: Of<'OutcomeRecorded'>,
      reason: string,
      effectiveDate: string,
      meta?: Meta,
    ) => {
      const { potId, outcomeId, interventionId, benefits, flows } = original.data;
      const data = {
        potId,
        outcomeId,
        reversedEventId: original.eventId,
        interventionId,
        benefits,
        flows,
        effectiveDate,
        reason,
      };
      return append({ type: 'OutcomeRetracted', data }, meta);
    },
    claimKey: (command: 'RegisterAgency' | 'OpenPot', targetStreamId: string, meta?: Meta) =>
      append(
        {
          type: 'IdempotencyKeyClaimed',
          data: { command, fingerprint: 'ab'.repeat(32), targetStreamId },
        },
        meta,
      ),
  };
}

export type History = ReturnType<typeof createHistory>;

function streamOf(event: LedgerEvent): string {
  switch (event.type) {
    case 'AgencyRegistered':
      return agencyStreamId(event.data.agencyId);
    case 'IdempotencyKeyClaimed':
      return `idempotency-${event.data.targetStreamId}`;
    case 'UnitCostAdded':
      return unitCostStreamId(event.data.code);
    case 'SignInMappingChanged':
      return SIGN_IN_MAPPING_STREAM_ID;
    default:
      return potStreamId(event.data.potId);
  }
}

export const benefit = (agencyId: string, amount: string, cashable: boolean): Benefit => ({
  agencyId,
  amount,
  cashable,
});
export const flow = (
  fromAgencyId: string,
  toAgencyId: string,
  amount: string,
  cashable: boolean,
): BenefitFlow => ({
  fromAgencyId,
  toAgencyId,
  amount,
  cashable,
});
