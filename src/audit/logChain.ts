/**
 * The log-level hash chain: it chains the GLOBAL order of the log, which the per-stream chain
 * (eventHash.ts) cannot, because positions are assigned by the store at commit.
 *
 * The store computes it inside its append transaction (SQLite, PostgreSQL), where each event's
 * position is known, and keeps it in the `log_hash` column:
 *
 *   log_hash(p) = hex(SHA-256(UTF-8(previous ‖ "\n" ‖ p as decimal ‖ "\n" ‖ metadata.hash)))
 *
 * - `previous` is the log_hash of the row before it in the log (64 lower-case hex digits), or
 *   LOG_GENESIS_HASH (64 zeros) for the log's first event, or when the previous row keeps no
 *   log_hash (it was stored before the log chain existed).
 * - `p` is the position without sign or leading zeros ("1", "12", …).
 * - `metadata.hash` is the event's per-stream hash as stored; an event whose metadata carries no
 *   string `hash` contributes the empty string there.
 *
 * So moving, removing or inserting any stored event breaks log_hash at the first position
 * affected, even across streams. The stores and the verifier (logVerifier.ts) all hash through
 * this one function, so they cannot drift apart.
 */
import { hash as sha256 } from 'node:crypto';

/** `previous` of the log's first event (and after a row that keeps no log_hash): 64 zeros. */
export const LOG_GENESIS_HASH = '0'.repeat(64);

/** The part of an event's metadata the log chain covers: its `hash`, or '' when it has none. */
export function logChainEventHash(metadata: Readonly<Record<string, unknown>>): string {
  return typeof metadata.hash === 'string' ? metadata.hash : '';
}

/** log_hash of the event at `position` whose per-stream hash is `eventHash`, after `previous`. */
export function logChainHash(
  previous: string | null | undefined,
  position: bigint,
  eventHash: string,
): string {
  // One-shot hash: no Hash object per event (the verifier does this for every event in the log).
  return sha256(
    'sha256',
    `${previous ?? LOG_GENESIS_HASH}\n${position.toString(10)}\n${eventHash}`,
    'hex',
  );
}
