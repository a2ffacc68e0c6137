/**
 * Agreed against received, per partner and financial year: the part of the pot summary a
 * Section 75 pooled fund manager reports to the partners ("the council agreed £300,000 for
 * 2025-26 and has paid £200,000").
 *
 * Received counts contributions by the financial year of their effectiveDate, net of the
 * reversals dated in that year: by the one rule of reportingYear.ts a reversal counts in the
 * year it is dated in, so a closed year's received figure never moves.
 */
import { formatPence, parsePence, type Pence } from '../events/money.ts';
import { compareIds } from './ordering.ts';
import { yearCountedIn } from './reportingYear.ts';

interface Agreement {
  readonly agencyId: string;
  readonly financialYear: string;
  agreed: Pence;
  boardDecisionRef: string;
  /** How many agreements (the first one and its variations) this figure is the latest of. */
  versions: number;
}

export interface AgreedContributionsFigures {
  /** keyed by `${financialYear} ${agencyId}` */
  readonly agreements: Map<string, Agreement>;
  /** Net contributions received, keyed like agreements. */
  readonly received: Map<string, Pence>;
  /** contributionId → the key it counted under: a reversal of one never received stops the fold. */
  readonly contributionKeys: Map<string, string>;
}

export interface AgreedContributionView {
  readonly agencyId: string;
  readonly financialYear: string;
  readonly agreed: string;
  /** Contributions dated in the financial year, less the reversals dated in it. */
  readonly received: string;
  /** max(agreed − received, 0) */
  readonly outstanding: string;
  /** max(received − agreed, 0): paid beyond the agreement, for the partners to settle. */
  readonly overpaid: string;
  /** The board decision behind the amount in force. */
  readonly boardDecisionRef: string;
  /** 1 for an original agreement, 2 after its first variation, … */
  readonly versions: number;
}

export function emptyAgreedContributions(): AgreedContributionsFigures {
  return { agreements: new Map(), received: new Map(), contributionKeys: new Map() };
}

const keyOf = (financialYear: string, agencyId: string): string => `${financialYear} ${agencyId}`;

export function noteAgreement(
  figures: AgreedContributionsFigures,
  data: {
    agencyId: string;
    financialYear: string;
    amount: string;
    boardDecisionRef: string;
    varies?: unknown;
  },
): void {
  const key = keyOf(data.financialYear, data.agencyId);
  const existing = figures.agreements.get(key);
  // A second agreement for the same partner and year must say what it varies, and the first must not.
  if ((existing === undefined) !== (data.varies === undefined)) {
    throw new Error(
      `invariant: agreement for ${data.agencyId} in ${data.financialYear} ${existing === undefined ? 'varies nothing it names' : 'does not name the agreement it varies'}`,
    );
  }
  if (existing === undefined) {
    figures.agreements.set(key, {
      agencyId: data.agencyId,
      financialYear: data.financialYear,
      agreed: parsePence(data.amount),
      boardDecisionRef: data.boardDecisionRef,
      versions: 1,
    });
  } else {
    existing.agreed = parsePence(data.amount);
    existing.boardDecisionRef = data.boardDecisionRef;
    existing.versions += 1;
  }
}

export function noteContributionReceived(
  figures: AgreedContributionsFigures,
  data: { contributionId: string; agencyId: string; amount: string; effectiveDate: string },
): void {
  const key = sharedKey(keyOf(yearCountedIn(data), data.agencyId));
  // A contribution in the log twice (a tampered or corrupted log) is counted twice, as in the rest
  // of the pot summary, so the books show it rather than hide it; the decider never writes one.
  figures.contributionKeys.set(data.contributionId, key);
  figures.received.set(key, (figures.received.get(key) ?? 0n) + parsePence(data.amount));
}

/**
 * One string per (year, agency) key, however many contributions point at it: a long log has a
 * contribution per few events, and a copy of the key each would be most of this map's memory.
 * Bounded by partners × years, so kept for the process.
 */
const sharedKeys = new Map<string, string>();
function sharedKey(key: string): string {
  const shared = sharedKeys.get(key);
  if (shared !== undefined) return shared;
  sharedKeys.set(key, key);
  return key;
}

export function noteContributionReversed(
  figures: AgreedContributionsFigures,
  data: { contributionId: string; agencyId: string; amount: string; effectiveDate: string },
): void {
  if (!figures.contributionKeys.has(data.contributionId))
    throw new Error(`invariant: reversal of contribution ${data.contributionId}, which is unknown`);
  const key = sharedKey(keyOf(yearCountedIn(data), data.agencyId));
  figures.received.set(key, (figures.received.get(key) ?? 0n) - parsePence(data.amount));
}

/** One row per agreement in force, by financial year then agency id. */
export function agreedContributionsView(
  figures: AgreedContributionsFigures,
): AgreedContributionView[] {
  return [...figures.agreements.entries()]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([key, agreement]) => {
      const received = figures.received.get(key) ?? 0n;
      const difference = agreement.agreed - received;
      return {
        agencyId: agreement.agencyId,
        financialYear: agreement.financialYear,
        agreed: formatPence(agreement.agreed),
        received: formatPence(received),
        outstanding: formatPence(difference > 0n ? difference : 0n),
        overpaid: formatPence(difference < 0n ? -difference : 0n),
        boardDecisionRef: agreement.boardDecisionRef,
        versions: agreement.versions,
      };
    });
}
