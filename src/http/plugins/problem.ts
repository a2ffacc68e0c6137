/**
 * RFC 9457 problem details: every refusal carries a stable `code` a client can branch on.
 */
import type { DomainErrorCode } from '../../../commands/domainError.ts';

export type ProblemCode =
  | DomainErrorCode
  | 'UNAUTHENTICATED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_ACCEPTABLE'
  | 'PROJECTION_LAGGING'
  | 'HISTORY_BUSY'
  | 'HISTORY_TIMEOUT'
  | 'IDENTITY_PROVIDER_UNAVAILABLE'
  | 'STORE_UNAVAILABLE'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'NOT_READY'
  | 'LOG_INTEGRITY_FAILED'
  | 'INTERNAL_ERROR';

export const STATUS_OF: Readonly<Record<ProblemCode, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NOT_ACCEPTABLE: 406,
  INSUFFICIENT_FUNDS: 409,
  NOT_A_PARTNER: 409,
  ALREADY_EXISTS: 409,
  POT_CLOSED: 409,
  ALREADY_REVERSED: 409,
  UNFUNDED_INTERVENTION: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  CONCURRENCY_CONFLICT: 409,
  SEGREGATION_OF_DUTIES: 409,
  ALREADY_DECIDED: 409,
  PERIOD_CLOSED: 409,
  PENDING_APPROVALS: 409,
  AMOUNT_LIMIT_EXCEEDED: 409,
  OUTCOME_TOO_LARGE: 400,
  EVENT_TOO_LARGE: 400,
  OUTCOMES_DEPEND_ON_ALLOCATION: 409,
  SPEND_TRACKING_OFF: 409,
  BUDGET_EXCEEDED: 409,
  ALREADY_SETTLED: 409,
  YEAR_SETTLED: 409,
  YEAR_NOT_SETTLED: 409,
  AGREEMENT_VERSION_CONFLICT: 409,
  RISK_SHARE_OUTSTANDING: 409,
  CLAIM_CAP_EXCEEDED: 409,
  JOURNAL_MAPPING_VERSION_CONFLICT: 409,
  NOT_A_BCF_POT: 409,
  SIGN_IN_MAPPING_VERSION_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  LOG_INTEGRITY_FAILED: 500,
  PROJECTION_LAGGING: 503,
  HISTORY_BUSY: 503,
  HISTORY_TIMEOUT: 503,
  IDENTITY_PROVIDER_UNAVAILABLE: 503,
  OVERLOADED: 503,
  NOT_READY: 503,
  STORE_UNAVAILABLE: 503,
};

const TITLE_OF: Readonly<Record<ProblemCode, string>> = {
  VALIDATION_FAILED: 'The request is not valid',
  UNAUTHENTICATED: 'A valid bearer token is required',
  FORBIDDEN: 'Your role or agency may not do this',
  NOT_FOUND: 'Not found',
  NOT_ACCEPTABLE: 'Not acceptable',
  INSUFFICIENT_FUNDS: 'Not enough money',
  NOT_A_PARTNER: 'The agency is not a partner of this pot',
  ALREADY_EXISTS: 'It already exists',
  POT_CLOSED: 'The pot is closed',
  ALREADY_REVERSED: 'It has already been reversed',
  UNFUNDED_INTERVENTION: 'The intervention has no funding',
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was used for a different request',
  CONCURRENCY_CONFLICT: 'Too many simultaneous changes; try again',
  SEGREGATION_OF_DUTIES: 'Nobody may approve their own request',
  ALREADY_DECIDED: 'The request has already been approved or rejected',
  PERIOD_CLOSED: 'That date is in a closed period',
  PENDING_APPROVALS: 'Allocation requests are still waiting for approval',
  AMOUNT_LIMIT_EXCEEDED: 'The pot would hold more than the largest amount the ledger records',
  OUTCOME_TOO_LARGE: 'The outcome has more benefit flows than one entry may hold',
  EVENT_TOO_LARGE: 'The entry would be larger than one event may be',
  OUTCOMES_DEPEND_ON_ALLOCATION: 'Outcomes still stand on this allocation',
  SPEND_TRACKING_OFF: "The pot's agreement does not track spend",
  BUDGET_EXCEEDED: 'It would take the scheme beyond its budget, and the agreement blocks overspend',
  ALREADY_SETTLED: 'The financial year is already settled',
  YEAR_SETTLED: 'That date is in a settled financial year',
  YEAR_NOT_SETTLED: 'The financial year must be settled first',
  AGREEMENT_VERSION_CONFLICT: 'The agreement has moved on: name the version in force',
  RISK_SHARE_OUTSTANDING: 'Partners still owe the pot their risk share',
  CLAIM_CAP_EXCEEDED: "The claim would take the contract's claims past its cap",
  JOURNAL_MAPPING_VERSION_CONFLICT: 'The journal mapping has moved on: name the version in force',
  NOT_A_BCF_POT: 'The pot is not a Better Care Fund pot',
  SIGN_IN_MAPPING_VERSION_CONFLICT: 'The sign-in mapping has moved on: name the version in force',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be application/json',
  RATE_LIMITED: 'Too many writes; slow down',
  INTERNAL_ERROR: 'Something went wrong on our side',
  LOG_INTEGRITY_FAILED: 'The stored log no longer matches the ledger folded from it',
  PROJECTION_LAGGING: 'The books have not caught up with that position yet',
  HISTORY_BUSY: 'Too many historical answers are being built; try again later',
  HISTORY_TIMEOUT: 'The historical answer took too long and was abandoned; try again later',
  IDENTITY_PROVIDER_UNAVAILABLE:
    'The identity provider cannot be reached to check the token; try again later',
  OVERLOADED: 'The server is too busy to take this request; try again later',
  NOT_READY: 'The server is not ready to take traffic',
  STORE_UNAVAILABLE: 'The event store cannot be reached just now; try again later',
};

export interface ProblemFieldError {
  readonly path: string;
  readonly message: string;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  readonly errors?: readonly ProblemFieldError[];
  readonly [extension: string]: unknown;
}

export function problem(
  code: ProblemCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return {
    type: `urn:potledger:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLE_OF[code],
    status: STATUS_OF[code],
    detail,
    code,
    ...extensions,
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
