/**
 * A refused command is a value with a stable code, not a crash. The HTTP layer maps each
 * code to its status; nothing is appended when a decider refuses.
 */
export const DOMAIN_ERROR_CODES = [
  'VALIDATION_FAILED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INSUFFICIENT_FUNDS',
  'NOT_A_PARTNER',
  'ALREADY_EXISTS',
  'POT_CLOSED',
  'ALREADY_REVERSED',
  'UNFUNDED_INTERVENTION',
  'IDEMPOTENCY_KEY_REUSED',
  'CONCURRENCY_CONFLICT',
  'SEGREGATION_OF_DUTIES',
  'ALREADY_DECIDED',
  'PERIOD_CLOSED',
  'PENDING_APPROVALS',
  'AMOUNT_LIMIT_EXCEEDED',
  'OUTCOME_TOO_LARGE',
  'EVENT_TOO_LARGE',
  'OUTCOMES_DEPEND_ON_ALLOCATION',
  'SPEND_TRACKING_OFF',
  'BUDGET_EXCEEDED',
  'ALREADY_SETTLED',
  'YEAR_SETTLED',
  'YEAR_NOT_SETTLED',
  'AGREEMENT_VERSION_CONFLICT',
  'RISK_SHARE_OUTSTANDING',
  'CLAIM_CAP_EXCEEDED',
  'JOURNAL_MAPPING_VERSION_CONFLICT',
  'NOT_A_BCF_POT',
  'SIGN_IN_MAPPING_VERSION_CONFLICT',
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
