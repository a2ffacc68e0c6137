/**
 * Re-checks a log event by event, in log order, from nothing but the stored rows: positions
 * strictly increase (and, where the store numbers them 1, 2, 3…, none is missing), each stream's
 * revisions run 0, 1, 2… , each event's hash is what its content hashes to, and each
 * previousHash is the hash of the stream's previous event. Where the store writes the log chain
 * (`logChained`: SQLite, PostgreSQL), each event's logHash must also be the chain recomputed
 * over the log in order (logChain.ts), which catches events swapped, moved, removed or inserted
 * across streams. An event without a logHash fails there, as an event without a hash does: an
 * event stored before the log chain existed cannot vouch for its place in the log. It also builds the RFC 6962 tree, so
 * a checkpoint saved earlier can be compared. `potledger verify` drives it (src/cli/verify.ts).
 *
 * It stops at the first failure: after one bad event, what follows proves nothing more, and the
 * auditor needs the first bad position to start from.
 */
import type { RecordedEvent } from '../store/eventStore.ts';
import { digestEvent, HashCheck, type EventDigest } from './eventDigest.ts';
import { GENESIS_HASH } from './eventHash.ts';
import { LOG_GENESIS_HASH, logChainHash } from './logChain.ts';
import { createMerkleTree } from './merkle.ts';

export { eventLeafHash } from './eventDigest.ts';

export interface VerifyFailure {
  readonly position: bigint;
  /** The stream and revision of the event found there; absent when the event is missing. */
  readonly streamId?: string;
  readonly streamRevision?: bigint;
  readonly reason: string;
}

/** Updated in place as the stream grows: one object per stream, not one per event. */
interface StreamTip {
  revision: bigint;
  hash: string;
}

export function describeFailure(failure: VerifyFailure): string {
  const where =
    failure.streamId === undefined
      ? ''
      : ` (${failure.streamId}, revision ${failure.streamRevision})`;
  return `FAILED at position ${failure.position}${where}: ${failure.reason}`;
}

/** Where a failure is: the event found there (built only on failure: this runs for every event). */
function at(event: EventDigest): Pick<VerifyFailure, 'position' | 'streamId' | 'streamRevision'> {
  return {
    position: event.position,
    streamId: event.streamId,
    streamRevision: event.streamRevision,
  };
}

export function createLogVerifier(options: {
  readonly positionsContiguous: boolean;
  readonly logChained: boolean;
}) {
  const tree = createMerkleTree();
  // The last revision and hash seen per stream: memory linear in the number of streams.
  const tips = new Map<string, StreamTip>();
  let lastPosition = 0n;
  /** The log chain value of the last event checked, as recomputed (equal to the stored one). */
  let lastLogHash = LOG_GENESIS_HASH;

  /**
   * The first problem with this event, or null when it is sound (and now part of the tree).
   * Its order-free half (the content hash, the leaf) is in the digest, worked out on any thread.
   */
  function checkDigest(event: EventDigest): VerifyFailure | null {
    if (event.position <= lastPosition) {
      return {
        ...at(event),
        reason: `position ${event.position} is not after the previous event's ${lastPosition}: the log is out of order`,
      };
    }
    if (options.positionsContiguous && event.position !== lastPosition + 1n) {
      const missing = lastPosition + 1n;
      return {
        position: missing,
        reason: `no event at position ${missing}${event.position - missing > 1n ? `..${event.position - 1n}` : ''}: the log goes from position ${lastPosition} to ${event.position}, so an event was deleted`,
      };
    }
    if (event.hashCheck === HashCheck.missing)
      return {
        ...at(event),
        reason: 'the event has no hash (written before tamper evidence, or the hash was removed)',
      };
    if (event.hashCheck === HashCheck.notSha256Hex)
      return { ...at(event), reason: "the event's hash is not a SHA-256 hex string" };
    if (event.hashCheck !== HashCheck.matches)
      return { ...at(event), reason: "hash does not match the event's content" };
    const stored = event.hash;

    const tip = tips.get(event.streamId);
    const expectedRevision = tip === undefined ? 0n : tip.revision + 1n;
    if (event.streamRevision !== expectedRevision) {
      return {
        ...at(event),
        reason: `the stream's previous event in the log is revision ${expectedRevision - 1n}, so this should be revision ${expectedRevision}: events of the stream are missing or reordered`,
      };
    }
    const expectedPrevious = tip === undefined ? GENESIS_HASH : tip.hash;
    if (event.previousHash !== expectedPrevious) {
      return {
        ...at(event),
        reason:
          tip === undefined
            ? 'previousHash is not the genesis value, yet this is the first event of its stream'
            : `previousHash does not match the hash of revision ${tip.revision}: an event before it was changed, replaced or reordered`,
      };
    }

    // After the per-stream checks, which name a more specific cause when they apply.
    let logHash: string | undefined;
    if (options.logChained === true) {
      if (event.logHash === null) {
        return {
          ...at(event),
          reason:
            'the event has no log hash (stored before the log chain existed, or the log hash was removed)',
        };
      }
      logHash = logChainHash(lastLogHash, event.position, stored);
      if (event.logHash !== logHash) {
        return {
          ...at(event),
          reason:
            'the log chain breaks here: an event before or at this position was removed, inserted or moved',
        };
      }
    }

    if (tip === undefined)
      tips.set(event.streamId, { revision: event.streamRevision, hash: stored });
    else {
      tip.revision = event.streamRevision;
      tip.hash = stored;
    }
    if (logHash !== undefined) lastLogHash = logHash;
    tree.append(event.leafHash);
    lastPosition = event.position;
    return null;
  }

  return {
    /** The first problem with this event, or null when it is sound (and now part of the tree). */
    check: (event: RecordedEvent): VerifyFailure | null => checkDigest(digestEvent(event)),
    checkDigest,
    /** Events checked and found sound. */
    size: (): number => tree.size,
    root: (size?: number): Buffer => tree.root(size),
    lastPosition: (): bigint => lastPosition,
  };
}
