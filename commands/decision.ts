/**
 * What every decider returns: the events to append, or the reason it refuses.
 */
import { DomainError, type DomainErrorCode } from './domainError.ts';

export type Decision<E> = readonly E[] | DomainError;

export function refused(
  code: DomainErrorCode,
  message: string,
  details?: Record<string, unknown>,
): DomainError {
  return new DomainError(code, message, details);
}

export function isRefusal<E>(decision: Decision<E>): decision is DomainError {
  return decision instanceof DomainError;
}
