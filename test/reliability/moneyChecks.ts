/**
 * "No overdraft", checked two ways: on the books as served (every pot: stakes ≥ 0, the stakes
 * sum to available, contributed − allocated = available, allocated ≤ contributed) and along the
 * whole history (folding the raw log, no agency's stake in any pot is ever below zero after any
 * event, and every allocation's funding shares sum to its amount).
 */
import type { Books } from './books.ts';
import { penceOf } from './commandBuilders.ts';
import type { Json, RawEvent } from './ledgerHttp.ts';

export function potInvariantProblems(books: Books): string[] {
  const problems: string[] = [];
  for (const pot of Object.values(books.potDetails)) {
    const partners = pot.partners as {
      agencyId: string;
      contributed: string;
      drawn: string;
      stake: string;
    }[];
    let stakes = 0;
    for (const partner of partners) {
      const stake = penceOf(partner.stake);
      stakes += stake;
      if (stake < 0) problems.push(`${pot.potId}: ${partner.agencyId}'s stake is ${partner.stake}`);
      if (penceOf(partner.contributed) - penceOf(partner.drawn) !== stake)
        problems.push(`${pot.potId}: ${partner.agencyId} contributed − drawn ≠ stake`);
    }
    const [contributed, allocated, available] = [
      penceOf(pot.contributed),
      penceOf(pot.allocated),
      penceOf(pot.available),
    ];
    if (stakes !== available)
      problems.push(`${pot.potId}: stakes sum to ${stakes} pence, available is ${pot.available}`);
    if (contributed - allocated !== available)
      problems.push(
        `${pot.potId}: contributed ${pot.contributed} − allocated ${pot.allocated} ≠ available ${pot.available}`,
      );
    if (allocated > contributed)
      problems.push(
        `${pot.potId}: allocated ${pot.allocated} exceeds contributed ${pot.contributed}`,
      );
  }
  return problems;
}

export interface HistoryCheck {
  readonly problems: string[];
  readonly allocationsChecked: number;
  /** Stake in pence after the last event, by `${potId}/${agencyId}`. */
  readonly stakes: ReadonlyMap<string, number>;
}

export function historyOverdraftProblems(events: readonly RawEvent[]): HistoryCheck {
  const problems: string[] = [];
  const stakes = new Map<string, number>();
  let allocationsChecked = 0;
  const move = (event: RawEvent, agencyId: string, pence: number): void => {
    const key = `${event.data.potId}/${agencyId}`;
    const stake = (stakes.get(key) ?? 0) + pence;
    stakes.set(key, stake);
    if (stake < 0)
      problems.push(
        `after ${event.type} at position ${event.position}, ${agencyId}'s stake in ${event.data.potId} is ${stake} pence`,
      );
  };
  const shares = (event: RawEvent): { agencyId: string; pence: number }[] =>
    (event.data.fundingShares as Json[]).map((s) => ({
      agencyId: s.agencyId as string,
      pence: penceOf(s.amount as string),
    }));
  for (const event of events) {
    switch (event.type) {
      case 'ContributionReceived':
        move(event, event.data.agencyId as string, penceOf(event.data.amount as string));
        break;
      case 'ContributionReversed':
        move(event, event.data.agencyId as string, -penceOf(event.data.amount as string));
        break;
      case 'FundsAllocated': {
        allocationsChecked += 1;
        const parts = shares(event);
        if (
          parts.reduce((total, s) => total + s.pence, 0) !== penceOf(event.data.amount as string)
        ) {
          problems.push(
            `FundsAllocated at ${event.position}: shares do not sum to ${event.data.amount}`,
          );
        }
        for (const share of parts) move(event, share.agencyId, -share.pence);
        break;
      }
      case 'AllocationReversed':
        for (const share of shares(event)) move(event, share.agencyId, share.pence);
        break;
      default:
        break;
    }
  }
  return { problems, allocationsChecked, stakes };
}
