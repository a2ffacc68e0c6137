/**
 * Command keys on EventStoreDB: "no (caller, key) accepted twice, whatever the stream" without a
 * multi-stream transaction.
 *
 * SQLite and PostgreSQL write a `command_keys` row in the append's own transaction. EventStoreDB
 * appends to one stream at a time, so each command key gets a stream of its own, its *key stream*
 * (`potledger-key-<sha256 of the key>`), whose events are claims: "this key's events go to stream
 * S, starting at revision r". The first claim is appended with expected revision `no-stream`, so
 * of two processes claiming one key, EventStoreDB lets exactly one in; a later claim (a re-point,
 * below) is appended at the key stream's exact revision, so claims never race either.
 *
 * Order: the claim first, then the events. A crash (or a lost connection) between the two leaves
 * a claim whose events never landed. Such a key stays bound to its stream: the same command
 * retried on that stream still succeeds, while the key on another stream is refused, since
 * nobody outside can tell a crashed claim from an accepted command. The events of a key only
 * ever land at the revision its latest claim names (an append whose expected revision does not
 * fit is answered as a conflict, unless the claim first moves), so that one revision decides
 * whether the command is in its stream:
 *
 * - the event there carries this key (metadata `actor.sub`, `commandId`): the command is already
 *   in the stream. SQLite answers a key "taken by this stream" with a revision conflict (the
 *   write path decides again and finds it), and so does this store;
 * - nothing there yet: the claimant crashed or is still in flight. Only an append at that same
 *   revision may go ahead, so EventStoreDB's own revision check lets at most one of them in;
 * - another command's event there: the claimed append lost its race and can never land. Only then
 *   may the claim move to the revision this append expects (appended at the key stream's
 *   revision; a loser of that race reads the claim again).
 *
 * So the key's events land at most once, in one stream, whatever the interleaving (the property
 * test in test/store/esdbCommandKeys.test.ts drives the real adapter, over a model of the
 * client, through random ones).
 */
import { createHash } from 'node:crypto';
import type { CommandKey } from '../eventStore.ts';

/**
 * Key streams are named outside every potledger prefix, so the adapter's filter (`isOurs`) hides
 * them from readAll, subscribe and headPosition: the books, projections, verify and the Merkle log
 * never see them. Not a `$` system stream: those need `$admins` rights under EventStoreDB's
 * default ACL, which a ledger's own user should not need.
 */
export const COMMAND_KEY_STREAM_PREFIX = 'potledger-key-';
export const KEY_CLAIMED_EVENT_TYPE = 'CommandKeyClaimed';
/** Claim, read, re-point rounds one append may go through before it answers a conflict. */
export const MAX_KEY_CLAIM_ATTEMPTS = 5;
/** Longest caller sub or command id a claim carries (the write path's own limits are lower). */
export const MAX_KEY_PART_CHARS = 1_000;

/** The key stream of one (caller, key): the SHA-256 of both, unambiguously joined. */
export function commandKeyStreamId(key: CommandKey): string {
  const scope = JSON.stringify([key.sub, key.commandId]);
  return `${COMMAND_KEY_STREAM_PREFIX}${createHash('sha256').update(scope).digest('hex')}`;
}

/** What a key stream's latest event says. */
export interface KeyClaim {
  readonly streamId: string;
  /** The revision the key's first event goes to in `streamId`. */
  readonly firstRevision: bigint;
}

/** A claim as stored: the key spelled out too, so a key stream can be read without its hash. */
export interface KeyClaimData {
  readonly sub: string;
  readonly commandId: string;
  readonly streamId: string;
  /** A decimal string: revisions are bigint, JSON numbers stop counting at 2^53. */
  readonly firstRevision: string;
}

export function toKeyClaimData(key: CommandKey, claim: KeyClaim): KeyClaimData {
  return {
    sub: key.sub,
    commandId: key.commandId,
    streamId: claim.streamId,
    firstRevision: claim.firstRevision.toString(10),
  };
}

/** The claim in a key stream event, refusing anything that is not one for this key. */
export function fromKeyClaimData(key: CommandKey, type: string, data: unknown): KeyClaim {
  const fail = (why: string): never => {
    throw new Error(`key stream ${commandKeyStreamId(key)}: ${why}`);
  };
  if (type !== KEY_CLAIMED_EVENT_TYPE) fail(`unexpected event type ${JSON.stringify(type)}`);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) fail('claim is no object');
  const { sub, commandId, streamId, firstRevision } = data as Record<string, unknown>;
  if (sub !== key.sub || commandId !== key.commandId) fail('claim is for another key');
  if (typeof streamId !== 'string' || streamId === '') fail('claim names no stream');
  if (typeof firstRevision !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(firstRevision))
    fail(`claim has no revision: ${JSON.stringify(firstRevision)}`);
  return { streamId: streamId as string, firstRevision: BigInt(firstRevision as string) };
}

/** What the claimed stream holds at the claim's revision. */
export type AtClaimedRevision = 'nothing' | 'this-command' | 'another-command';

/** What one append carrying a command key must do, given the key stream's latest claim. */
export type KeyVerdict =
  /** No claim yet: write one (expected revision `no-stream`), then the events. */
  | { readonly kind: 'claim' }
  /** The claim stands for this append: write the events at its revision. */
  | { readonly kind: 'append' }
  /** The claimed append lost its slot for good: move the claim to this append's revision first. */
  | { readonly kind: 'repoint' }
  /** Accepted on another stream: IdempotencyKeyTakenError. */
  | { readonly kind: 'taken'; readonly takenByStreamId: string }
  /** The command is already in this stream: a revision conflict, as SQLite answers it. */
  | { readonly kind: 'already-appended' }
  /** Another copy may still land at the claimed revision, or this one expects a stale revision. */
  | { readonly kind: 'conflict' };

/**
 * The decision, with no I/O: `claim` is the key stream's latest claim (undefined: no key stream),
 * `at` what the claimed stream holds at the claim's revision (read only when the claim names this
 * append's stream), `firstRevision` the revision this append's first event would get.
 */
export function judgeKeyClaim(
  claim: KeyClaim | undefined,
  streamId: string,
  firstRevision: bigint,
  at: AtClaimedRevision,
): KeyVerdict {
  if (claim === undefined) return { kind: 'claim' };
  if (claim.streamId !== streamId) return { kind: 'taken', takenByStreamId: claim.streamId };
  switch (at) {
    case 'this-command':
      return { kind: 'already-appended' };
    case 'nothing':
      // The claimant may still be on its way to that revision: only the same slot may be tried.
      return claim.firstRevision === firstRevision ? { kind: 'append' } : { kind: 'conflict' };
    case 'another-command':
      // That slot is gone, so no copy under this claim can land; a stale expectation stays stale.
      return claim.firstRevision === firstRevision ? { kind: 'conflict' } : { kind: 'repoint' };
  }
}
