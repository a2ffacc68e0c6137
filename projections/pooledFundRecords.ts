/**
 * The pooled-fund year's records as a reporting job reads them (the SQL tables rm_agreements,
 * rm_spend, rm_commitments, rm_forecasts and rm_settlement_lines): every agreement version,
 * every spend and commitment with its current standing, every forecast, and every settlement
 * line (one per scheme × partner × kind). A pure fold; each record is the current state of its
 * key, so the SQL mirror copies rows out of it as it does for the other projections.
 */
import { formatAmount, money, ZERO, type Money } from '../events/money.ts';
import type {
  AgreementRecorded,
  FinancialYearSettled,
  ForecastRecorded,
} from '../events/poolYear.ts';
import type { Projection } from './projection.ts';

export interface AgreementRecord {
  readonly eventId: string;
  readonly position: bigint;
  readonly data: AgreementRecorded;
}

export interface SpendRecord {
  readonly eventId: string;
  readonly potId: string;
  readonly interventionId: string;
  readonly amount: string;
  readonly effectiveDate: string;
  readonly supplier: string;
  readonly invoiceRef: string;
  readonly vat: string | null;
  readonly vatRecoverable: boolean | null;
  readonly commitmentId: string | null;
  readonly overBy: string | null;
  /** The SpendReversed that undid it, and its date; null while it stands. */
  reversedByEventId: string | null;
  reversedOn: string | null;
}

export interface CommitmentRecord {
  readonly eventId: string;
  readonly potId: string;
  readonly interventionId: string;
  readonly amount: string;
  readonly effectiveDate: string;
  readonly reference: string;
  readonly supplier: string | null;
  readonly overBy: string | null;
  /** Released by CommitmentReleased and by spend against it, less what spend reversals restored. */
  released: Money;
  /** What a CommitmentReversed cancelled. */
  cancelled: Money;
  reversedByEventId: string | null;
}

export interface ForecastRecord {
  readonly eventId: string;
  readonly data: ForecastRecorded;
  withdrawnByEventId: string | null;
}

export interface SettlementRecord {
  readonly eventId: string;
  readonly data: FinancialYearSettled;
}

export interface PooledFundRecordsState {
  /** `${potId} ${version}` → the agreement version. */
  readonly agreements: Map<string, AgreementRecord>;
  /** spendId → the spend. */
  readonly spends: Map<string, SpendRecord>;
  readonly commitments: Map<string, CommitmentRecord>;
  readonly forecasts: Map<string, ForecastRecord>;
  /** `${potId} ${financialYear}` → the settlement. */
  readonly settlements: Map<string, SettlementRecord>;
}

export const pooledFundRecordsProjection: Projection<PooledFundRecordsState> = {
  name: 'pooledFundRecords',
  initialState: () => ({
    agreements: new Map(),
    spends: new Map(),
    commitments: new Map(),
    forecasts: new Map(),
    settlements: new Map(),
  }),
  evolve(state, event) {
    switch (event.type) {
      case 'AgreementRecorded': {
        const key = `${event.data.potId} ${event.data.version}`;
        if (state.agreements.has(key))
          throw new Error(`invariant: agreement version ${key} recorded twice`);
        state.agreements.set(key, {
          eventId: event.eventId,
          position: event.position,
          data: event.data,
        });
        return state;
      }
      case 'SpendRecorded': {
        const d = event.data;
        if (state.spends.has(d.spendId))
          throw new Error(`invariant: spend ${d.spendId} recorded twice`);
        state.spends.set(d.spendId, {
          eventId: event.eventId,
          potId: d.potId,
          interventionId: d.interventionId,
          amount: d.amount,
          effectiveDate: d.effectiveDate,
          supplier: d.supplier,
          invoiceRef: d.invoiceRef,
          vat: d.vat ?? null,
          vatRecoverable: d.vatRecoverable ?? null,
          commitmentId: d.commitmentId ?? null,
          overBy: d.overspend?.overBy ?? null,
          reversedByEventId: null,
          reversedOn: null,
        });
        if (d.commitmentId !== undefined && d.commitmentReleased !== undefined)
          release(state, d.commitmentId, money(d.commitmentReleased));
        return state;
      }
      case 'SpendReversed': {
        const d = event.data;
        const spend = state.spends.get(d.spendId);
        if (spend === undefined || spend.reversedByEventId !== null)
          throw new Error(`invariant: reversal of spend ${d.spendId}, unknown or already reversed`);
        spend.reversedByEventId = event.eventId;
        spend.reversedOn = d.effectiveDate;
        if (d.commitmentId !== undefined && d.commitmentRestored !== undefined)
          release(state, d.commitmentId, money(d.commitmentRestored).negated());
        return state;
      }
      case 'CommitmentRaised': {
        const d = event.data;
        if (state.commitments.has(d.commitmentId))
          throw new Error(`invariant: commitment ${d.commitmentId} raised twice`);
        state.commitments.set(d.commitmentId, {
          eventId: event.eventId,
          potId: d.potId,
          interventionId: d.interventionId,
          amount: d.amount,
          effectiveDate: d.effectiveDate,
          reference: d.reference,
          supplier: d.supplier ?? null,
          overBy: d.overspend?.overBy ?? null,
          released: ZERO,
          cancelled: ZERO,
          reversedByEventId: null,
        });
        return state;
      }
      case 'CommitmentReleased':
        release(state, event.data.commitmentId, money(event.data.amount));
        return state;
      case 'CommitmentReversed': {
        const commitment = commitmentOf(state, event.data.commitmentId);
        commitment.cancelled = commitment.cancelled.plus(money(event.data.amount));
        commitment.reversedByEventId = event.eventId;
        return state;
      }
      case 'ForecastRecorded':
        state.forecasts.set(event.data.forecastId, {
          eventId: event.eventId,
          data: event.data,
          withdrawnByEventId: null,
        });
        return state;
      case 'ForecastWithdrawn': {
        const forecast = state.forecasts.get(event.data.forecastId);
        if (forecast === undefined)
          throw new Error(`invariant: withdrawal of unknown forecast ${event.data.forecastId}`);
        forecast.withdrawnByEventId = event.eventId;
        return state;
      }
      case 'FinancialYearSettled': {
        const key = `${event.data.potId} ${event.data.financialYear}`;
        if (state.settlements.has(key)) throw new Error(`invariant: ${key} settled twice`);
        state.settlements.set(key, { eventId: event.eventId, data: event.data });
        return state;
      }
      default:
        return state;
    }
  },
};

function commitmentOf(state: PooledFundRecordsState, commitmentId: string): CommitmentRecord {
  const commitment = state.commitments.get(commitmentId);
  if (commitment === undefined) throw new Error(`invariant: unknown commitment ${commitmentId}`);
  return commitment;
}

function release(state: PooledFundRecordsState, commitmentId: string, amount: Money): void {
  const commitment = commitmentOf(state, commitmentId);
  commitment.released = commitment.released.plus(amount);
}

/** What a commitment still reserves: raised − released − cancelled. */
export function outstandingOf(commitment: CommitmentRecord): string {
  return formatAmount(
    money(commitment.amount).minus(commitment.released).minus(commitment.cancelled),
  );
}

export type SettlementLineKind = 'released' | 'covered' | 'shared' | 'returned' | 'owed';

/** A settlement's lines, one per scheme × partner × kind; `returned` and `owed` have no scheme (''). */
export function settlementLinesOf(settlement: FinancialYearSettled): {
  readonly interventionId: string;
  readonly agencyId: string;
  readonly kind: SettlementLineKind;
  readonly amount: string;
}[] {
  const lines: ReturnType<typeof settlementLinesOf> = [];
  for (const scheme of settlement.schemes) {
    for (const kind of ['released', 'covered', 'shared'] as const)
      for (const line of scheme[kind])
        lines.push({
          interventionId: scheme.interventionId,
          agencyId: line.agencyId,
          kind,
          amount: line.amount,
        });
  }
  for (const line of settlement.returns)
    lines.push({
      interventionId: '',
      agencyId: line.agencyId,
      kind: 'returned',
      amount: line.amount,
    });
  for (const line of settlement.owedByPartners)
    lines.push({ interventionId: '', agencyId: line.agencyId, kind: 'owed', amount: line.amount });
  return lines;
}
