/**
 * The per-stream hash chain (issue 4, tamper evidence). Every event's metadata carries
 * `hash`: SHA-256 over the RFC 8785 canonical JSON of what the event says and where it sits in
 * its stream, and `previousHash`, the hash of the stream's previous event. Editing, deleting
 * or reordering a stored event therefore breaks the chain at that event, and `potledger verify`
 * (src/cli/verify.ts) finds it with nothing but the stored rows.
 *
 * The global position is deliberately not hashed: the store assigns it at commit, after the
 * hash is written. Order across streams is what the Merkle tree over the log (merkle.ts) covers.
 * The write path and the verifier both hash through this one module, so they cannot drift apart.
 */
import { hash as sha256 } from 'node:crypto';
import { canonicalJson, canonicalJsonWithout } from './canonicalJson.ts';

/** previousHash of a stream's first event (revision 0): 64 zeros, which no SHA-256 output is in practice. */
export const GENESIS_HASH = '0'.repeat(64);
/**
 * Which recipe made `hash`, recorded in every event's metadata so an auditor (or a later
 * version of potledger) knows how to recompute it without guessing.
 */
export const HASH_VERSION = 1;

const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface HashableEvent {
  readonly streamId: string;
  readonly streamRevision: bigint;
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** The hash an event should carry: over everything it says, its metadata except `hash` itself. */
export function eventHash(event: HashableEvent): string {
  const { data, eventId, metadata, streamId, type } = event;
  if (
    data === undefined ||
    typeof eventId !== 'string' ||
    typeof streamId !== 'string' ||
    typeof type !== 'string'
  ) {
    // Not an event as stored: canonicalise the whole object the general way (what JCS says of odd fields).
    const { hash: _ignored, ...rest } = metadata;
    const general = canonicalJson({
      streamId,
      streamRevision: event.streamRevision.toString(),
      eventId,
      type,
      data,
      metadata: rest,
    });
    return sha256('sha256', general, 'hex');
  }
  // The canonical JSON of { streamId, streamRevision, eventId, type, data, metadata without
  // hash }, written out with its keys already in canonical (sorted) order.
  const canonical =
    `{"data":${canonicalJson(data)},"eventId":${JSON.stringify(eventId)},"metadata":${canonicalJsonWithout(metadata, 'hash')},` +
    `"streamId":${JSON.stringify(streamId)},"streamRevision":"${event.streamRevision.toString()}","type":${JSON.stringify(type)}}`;
  return sha256('sha256', canonical, 'hex');
}

/** Metadata with the chain fields added: `hashVersion`, `previousHash`, then `hash` over all of it. */
export function chainedMetadata<M extends Readonly<Record<string, unknown>>>(
  event: Omit<HashableEvent, 'metadata'> & { readonly metadata: M },
  previousHash: string,
): M & { hashVersion: number; previousHash: string; hash: string } {
  const metadata = { ...event.metadata, hashVersion: HASH_VERSION, previousHash };
  return { ...metadata, hash: eventHash({ ...event, metadata }) };
}

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}
