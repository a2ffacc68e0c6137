/**
 * How long the server waits for a client and how many it serves at once. Without these a
 * client trickling a body one byte every few seconds holds a connection (and its memory) for
 * as long as it likes, and enough of them take the server down (issue 13, "slowloris").
 * Each is a named default an operator may change (src/app/config.ts reads LEDGER_*).
 */

/** The whole request, headers and body, must arrive within this; else 408 and the connection closes. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** The headers must arrive within this (at most the request timeout). */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** A connection on which nothing at all moves for this long is closed, mid-request or not. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 60_000;
/**
 * An idle keep-alive connection is closed after this. Longer than the 60 s idle timeout of the
 * usual load balancers, so the balancer, not the ledger, closes first (fastify's default).
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** Connections open at once; a connection beyond this is closed as soon as it is accepted. */
export const DEFAULT_MAX_CONNECTIONS = 1_024;
/**
 * Node checks the request and header timeouts on a timer (30 s by default, which would let a
 * 30 s timeout run to nearly 60 s); check at least this often, or 4 times per timeout if shorter.
 */
const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface ServerLimits {
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
  connectionTimeoutMs: DEFAULT_CONNECTION_TIMEOUT_MS,
  keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
};

/** The defaults with some overridden; throws when the headers may take longer than the whole request. */
export function serverLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...overrides };
  // Node refuses a headers timeout above the request timeout; a shorter request timeout caps it.
  const headersTimeoutMs = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(
        `server limit ${name} must be a whole number of at least 1, got ${value}`,
      );
  }
  return { ...limits, headersTimeoutMs };
}

export function timeoutCheckIntervalMs(limits: ServerLimits): number {
  return Math.max(
    1,
    Math.min(
      MAX_TIMEOUT_CHECK_INTERVAL_MS,
      Math.floor(Math.min(limits.requestTimeoutMs, limits.headersTimeoutMs) / 4),
    ),
  );
}
