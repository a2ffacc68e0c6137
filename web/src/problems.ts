/**
 * Server refusals in plain words. The API answers problem+json with a stable `code`; the
 * dashboard says what it means, next to the field it concerns, and shows the server's detail.
 */
import { formatGbp } from './money.ts';

export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly title?: string;
  readonly detail?: string;
  readonly errors?: readonly { path: string; message: string }[];
  /** INSUFFICIENT_FUNDS carries the amounts: { requested, available }. */
  readonly details?: { readonly requested?: string; readonly available?: string };
}

const PLAIN_WORDS: Readonly<Record<string, string>> = {
  VALIDATION_FAILED: 'Some of what was entered is not valid.',
  UNAUTHENTICATED: 'Your sign-in has expired or is not valid. Sign in again.',
  FORBIDDEN: 'Your role or agency is not allowed to do this.',
  NOT_FOUND: 'That does not exist (any more).',
  INSUFFICIENT_FUNDS: 'There is not enough money available for this.',
  NOT_A_PARTNER: 'That agency is not a partner of this pot.',
  ALREADY_EXISTS: 'That already exists.',
  POT_CLOSED: 'The pot is closed.',
  ALREADY_REVERSED: 'That entry has already been reversed.',
  UNFUNDED_INTERVENTION:
    'The intervention has no funding yet, so no benefits can be credited to investors.',
  IDEMPOTENCY_KEY_REUSED: 'This form was already sent with different values. Send it again.',
  CONCURRENCY_CONFLICT: 'Others changed the pot at the same moment. Send it again.',
  AMOUNT_LIMIT_EXCEEDED:
    'The pot would hold more than £1,000,000,000,000.00, the most one pot may hold.',
  OUTCOME_TOO_LARGE:
    'The outcome has too many benefit lines for the number of funders. Record it as several outcomes.',
  EVENT_TOO_LARGE: 'This entry would be too large to record. Split it into smaller ones.',
  OUTCOMES_DEPEND_ON_ALLOCATION:
    'Outcomes recorded after this allocation rest on its funding. Retract them first, then reverse it.',
  BUDGET_EXCEEDED:
    'This would take the scheme over its remaining budget, and the agreement refuses overspends.',
  CLAIM_CAP_EXCEEDED:
    "This claim would take the contract's standing claims past its cap. Reject a standing claim or agree a new rate card first.",
  SEGREGATION_OF_DUTIES:
    'Someone other than the claimant must validate or pay a claim. Ask another partner’s finance officer or an admin.',
  ALREADY_DECIDED: 'That claim has already been decided. Reload the page to see where it stands.',
  ALREADY_SETTLED: 'That financial year is already settled.',
  YEAR_SETTLED:
    'That financial year is settled, so nothing dated in it can be recorded or reversed.',
  YEAR_NOT_SETTLED: 'The financial year must be settled before it can be closed.',
  PERIOD_CLOSED:
    'That financial year is closed: nothing dated in it can be recorded, and it cannot be closed again.',
  PENDING_APPROVALS:
    'Allocations are waiting for approval in this pot. Approve or reject them on the pot’s page first.',
  SPEND_TRACKING_OFF: 'The pot’s agreement does not track spend. Vary the agreement first.',
  AGREEMENT_VERSION_CONFLICT:
    'Someone varied the agreement in the meantime. Read the agreement in force and vary that one.',
  RISK_SHARE_OUTSTANDING:
    'Partners still owe the pot their risk share. Take their payments before closing the pot.',
  JOURNAL_MAPPING_VERSION_CONFLICT:
    'Someone has changed this journal mapping since you read it. Reload it and try again.',
  RATE_LIMITED: 'Too many changes in a short time. Wait a minute and try again.',
  PAYLOAD_TOO_LARGE: 'What was entered is too long.',
  PROJECTION_LAGGING: 'The figures have not caught up yet. Try again in a moment.',
  INTERNAL_ERROR: 'Something went wrong on the server. Try again, or tell the ledger team.',
  NETWORK: 'The server could not be reached. Check the connection and try again.',
};

export function plainWords(problem: Problem): string {
  const words = PLAIN_WORDS[problem.code] ?? problem.title ?? 'The server refused this.';
  const { requested, available } = problem.details ?? {};
  if (typeof requested === 'string' && typeof available === 'string') {
    return `${words} You asked for ${formatGbp(requested)}; ${formatGbp(available)} is available.`;
  }
  return words;
}

/**
 * Which form field a refusal belongs next to: a validation error names its body path; a
 * money refusal belongs to the amount; an agency refusal to the agency. Null: the form itself.
 */
export function fieldOfProblem(problem: Problem, fields: readonly string[]): string | null {
  const named = problem.errors
    ?.map((e) => e.path.replace(/^body\./, '').split('.')[0])
    .find((f) => f !== undefined && fields.includes(f));
  if (named !== undefined) return named;
  const byCode: Record<string, readonly string[]> = {
    INSUFFICIENT_FUNDS: ['amount'],
    BUDGET_EXCEEDED: ['amount'],
    YEAR_SETTLED: ['effectiveDate', 'financialYear'],
    PERIOD_CLOSED: ['effectiveDate', 'financialYear'],
    NOT_A_PARTNER: ['leadAgencyId', 'agencyId'],
    FORBIDDEN: ['agencyId'],
    ALREADY_REVERSED: ['eventId'],
    OUTCOMES_DEPEND_ON_ALLOCATION: ['eventId'],
    AMOUNT_LIMIT_EXCEEDED: ['amount'],
    NOT_FOUND: ['eventId', 'interventionId'],
    UNFUNDED_INTERVENTION: ['interventionId'],
  };
  return byCode[problem.code]?.find((f) => fields.includes(f)) ?? null;
}
