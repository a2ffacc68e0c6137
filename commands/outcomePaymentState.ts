/**
 * The outcome payments' part of the pot aggregate (events/outcomePayments.ts): each
 * intervention's rate card in force and every claim with its status. A paid claim's effect on
 * the scheme's spent figure is potState's (it is spend).
 */
import type { ActorRef } from '../events/potControls.ts';
import type { ClaimStatus, OutcomeClaimed, RateCardRecorded } from '../events/outcomePayments.ts';
import { money, ZERO, type Money } from '../events/money.ts';

export interface ClaimRecord {
  readonly claimId: string;
  readonly interventionId: string;
  readonly contractRef: string;
  readonly code: string;
  readonly participantRef: string;
  readonly price: Money;
  readonly claimedBy: ActorRef;
  /** The co-payers of the rate card the claim was made under (absent: the lead agency pays). */
  readonly coPayers: RateCardRecorded['coPayers'];
  readonly data: OutcomeClaimed;
  status: ClaimStatus;
  validatedBy?: ActorRef;
  rejected?: { readonly by: ActorRef; readonly reason: string };
  paid?: {
    readonly spendId: string;
    readonly effectiveDate: string;
    readonly by: ActorRef;
    readonly payerShares: readonly { readonly agencyId: string; readonly amount: string }[];
  };
}

export interface OutcomePaymentState {
  /** The rate card in force, by intervention. */
  readonly rateCards: Map<string, RateCardRecorded>;
  readonly claims: Map<string, ClaimRecord>;
}

export function initialOutcomePaymentState(): OutcomePaymentState {
  return { rateCards: new Map(), claims: new Map() };
}

/** Claimed, validated or paid: a claim that counts against the cap and the per-participant limit. */
export function isStanding(claim: ClaimRecord): boolean {
  return claim.status !== 'rejected';
}

/** Σ price of the standing claims of an intervention's contract. */
export function standingUnderContract(
  state: OutcomePaymentState,
  interventionId: string,
  contractRef: string,
): Money {
  let total = ZERO;
  for (const claim of state.claims.values())
    if (
      isStanding(claim) &&
      claim.interventionId === interventionId &&
      claim.contractRef === contractRef
    )
      total = total.plus(claim.price);
  return total;
}

/** Standing claims of an intervention for one participant and outcome code. */
export function standingForParticipant(
  state: OutcomePaymentState,
  interventionId: string,
  participantRef: string,
  code: string,
): number {
  let count = 0;
  for (const claim of state.claims.values())
    if (
      isStanding(claim) &&
      claim.interventionId === interventionId &&
      claim.participantRef === participantRef &&
      claim.code === code
    )
      count += 1;
  return count;
}

export function noteRateCard(state: OutcomePaymentState, data: RateCardRecorded): void {
  state.rateCards.set(data.interventionId, data);
}

export function noteClaim(state: OutcomePaymentState, data: OutcomeClaimed): void {
  state.claims.set(data.claimId, {
    claimId: data.claimId,
    interventionId: data.interventionId,
    contractRef: data.contractRef,
    code: data.code,
    participantRef: data.participantRef,
    price: money(data.price),
    claimedBy: data.claimedBy,
    coPayers: state.rateCards.get(data.interventionId)?.coPayers,
    data,
    status: 'claimed',
  });
}

export function moveClaim(
  state: OutcomePaymentState,
  claimId: string,
  from: readonly ClaimStatus[],
  to: ClaimStatus,
): ClaimRecord {
  const claim = state.claims.get(claimId);
  if (claim === undefined || !from.includes(claim.status))
    throw new Error(
      `invariant: claim ${claimId} cannot become ${to} from ${claim?.status ?? 'nothing'}`,
    );
  claim.status = to;
  return claim;
}
