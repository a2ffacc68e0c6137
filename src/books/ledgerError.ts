/**
 * A read the core cannot answer, as a value with a stable code (the HTTP side maps each code to
 * its status and headers: src/http/plugins/errors.ts). These are refusals of the ledger, not of
 * the domain: the books are behind or stopped, the historical gate is full or out of time, or the
 * stored log no longer matches what the books folded from it (LOG_INTEGRITY_FAILED: an
 * operator's and an auditor's matter, never the caller's; `potledger verify` says where).
 */
export const LEDGER_ERROR_CODES = [
  'VALIDATION_FAILED',
  'PROJECTION_LAGGING',
  'HISTORY_BUSY',
  'HISTORY_TIMEOUT',
  'LOG_INTEGRITY_FAILED',
] as const;
export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    readonly detail: string,
    /** When the same request may succeed if sent again after this long (the busy and timeout refusals). */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = 'LedgerError';
  }
}
