/**
 * Which PostgreSQL failures mean "the database could not be reached" rather than "the database
 * refused this": a restart, a failover, a network cut. Those become StoreUnavailableError, which
 * the HTTP side answers with 503 and Retry-After, and which the store's subscriptions wait out
 * instead of stopping the books. Everything else keeps its own error.
 */
import pg from 'pg';
import { StoreUnavailableError } from '../eventStore.ts';

/** SQLSTATE class 08: connection exception. */
const CONNECTION_EXCEPTION_CLASS = '08';
/** SQLSTATEs of an operator or the system ending sessions, or not taking them yet. */
const UNAVAILABLE_SQLSTATES: Readonly<Record<string, string>> = {
  '57P01': 'the database server was shut down',
  '57P02': 'the database server crashed',
  '57P03': 'the database server is not accepting connections (starting up or shutting down)',
  '57P05': 'the database server ended an idle session',
  '53300': 'the database server has no free connections',
};
/** Socket errors on the way to the server. */
const UNAVAILABLE_SYSTEM_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection lost',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'the database host name could not be resolved',
};
/** pg's own messages for a connection that ended under it or never came. */
const UNAVAILABLE_PG_MESSAGES: readonly (readonly [RegExp, string])[] = [
  [/^Connection terminated/, 'connection lost'],
  [/not queryable/, 'connection lost'],
  [/timeout exceeded when trying to connect/, 'connection timed out'],
  [/^Connection terminated due to connection timeout/, 'connection timed out'],
];

/** Why the database could not be reached, in words safe to show anyone; undefined if it could. */
export function connectionLossReason(error: unknown): string | undefined {
  if (error instanceof StoreUnavailableError) return error.reason;
  if (error instanceof pg.DatabaseError) {
    if (error.code === undefined) return undefined;
    if (error.code.startsWith(CONNECTION_EXCEPTION_CLASS)) return 'connection failed';
    return UNAVAILABLE_SQLSTATES[error.code];
  }
  if (error instanceof AggregateError) {
    // Node tries each address of a host name and reports every failure together.
    for (const each of error.errors) {
      const reason = connectionLossReason(each);
      if (reason !== undefined) return reason;
    }
  }
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && UNAVAILABLE_SYSTEM_CODES[code] !== undefined)
    return UNAVAILABLE_SYSTEM_CODES[code];
  return UNAVAILABLE_PG_MESSAGES.find(([pattern]) => pattern.test(error.message))?.[1];
}

/** `error` as a StoreUnavailableError when it is a lost or refused connection; else unchanged. */
export function asStoreUnavailable(error: unknown, recorded: 'no' | 'unknown' = 'no'): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const reason = connectionLossReason(error);
  return reason === undefined
    ? error
    : new StoreUnavailableError(reason, recorded, { cause: error });
}

/** Runs `work`, turning a lost or refused connection into StoreUnavailableError. */
export async function reaching<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asStoreUnavailable(error);
  }
}
