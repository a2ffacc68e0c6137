/**
 * A command's idempotency: whose key it is, what a stream remembers of the commands folded into
 * it, and how a retry gets its original answer back.
 *
 * - An idempotency key belongs to its caller: a command's identity is (actor.sub, key), as a
 *   payment API scopes keys to the account. The same key from another caller is another,
 *   independent command, and never learns that the key was used.
 * - A stream's command memory (scope key → where its events start) is folded from the stream
 *   itself (streamCache.ts), so idempotency holds inside the stream's own consistency; a retry
 *   reads the original events back from the store, or waits for them if they are still being
 *   committed.
 * - Stream-creating commands first claim the caller's key in a stream of its own
 *   (events/idempotency.ts), so a retry reaches the same new stream (readClaim).
 */
import { DomainError } from '../../commands/domainError.ts';
import { idempotencyStreamId, type IdempotencyKeyClaimed } from '../../events/index.ts';
import type { EventStore, RecordedEvent } from '../store/eventStore.ts';
import type { CommandOutcome } from './commandHandler.ts';
import { sha256Hex } from './fingerprint.ts';
import type { CommandMemo } from './streamSnapshot.ts';
import { commandScopeKey } from './commandScope.ts';

/** Events read per page when a retried command's original events are read back. */
const COMMAND_EVENTS_PAGE = 64;

export { commandScopeKey };

/** The scope key of a recorded event's command. */
export function scopeKeyOf(event: Pick<RecordedEvent, 'metadata'>): string {
  return commandScopeKey(event.metadata.actor.sub, event.metadata.commandId);
}

/** A command decided and queued for the next group commit, not yet committed. */
export interface PendingCommand {
  readonly fingerprint: string;
  readonly committed: Promise<RecordedEvent[]>;
}

/** What a retried command gets: its original answer, now or once its commit settles. */
export type Recalled =
  | { readonly kind: 'done'; readonly outcome: CommandOutcome }
  /** A replay of a command still pending: its answer, once it commits. */
  | { readonly kind: 'replaying'; readonly committed: Promise<RecordedEvent[]> };

/**
 * The original answer to a command the stream already remembers (`previous`), when the retry
 * is the same request; IDEMPOTENCY_KEY_REUSED when the caller sent another body under the key.
 */
export async function recall(
  store: EventStore,
  streamId: string,
  scope: string,
  previous: CommandMemo | PendingCommand,
  request: { readonly commandId: string; readonly fingerprint: string },
): Promise<Recalled> {
  if (typeof previous === 'object') {
    if (previous.fingerprint !== request.fingerprint) throw idempotencyKeyReused(request.commandId);
    return { kind: 'replaying', committed: previous.committed };
  }
  const events = await committedEvents(store, streamId, scope, previous);
  if (events[0]?.metadata.commandFingerprint !== request.fingerprint)
    throw idempotencyKeyReused(request.commandId);
  return { kind: 'done', outcome: { events, replayed: true } };
}

/** A committed command's events, read back from its stream for a retried idempotency key. */
async function committedEvents(
  store: EventStore,
  streamId: string,
  scope: string,
  memo: CommandMemo,
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let from = BigInt(memo);
  for (;;) {
    const page = await store.readStream(streamId, from, COMMAND_EVENTS_PAGE);
    for (const event of page) {
      // Another caller's command right after it may carry the same key: it is not this one.
      if (scopeKeyOf(event) !== scope) return events;
      events.push(event);
    }
    if (page.length < COMMAND_EVENTS_PAGE) return events;
    from = page[page.length - 1]!.streamRevision + 1n;
  }
}

/** The stream in which a caller's key is claimed (by a stream-creating command). */
export function claimStreamIdOf(scope: string): string {
  return idempotencyStreamId(sha256Hex(scope));
}

/**
 * The claim of a caller's key, if there is one: in the stream named by the scope key, or, for
 * a claim made before keys were scoped to their caller, in the stream named by the key alone
 * when that claim was made by this caller (another caller's old claim is not this caller's).
 */
export async function readClaim(
  store: EventStore,
  scope: string,
  sub: string,
  commandId: string,
): Promise<IdempotencyKeyClaimed | undefined> {
  const [claim] = await store.readStream(claimStreamIdOf(scope), 0n, 1);
  if (claim !== undefined) return claim.data as IdempotencyKeyClaimed;
  const [legacy] = await store.readStream(idempotencyStreamId(sha256Hex(commandId)), 0n, 1);
  if (legacy !== undefined && legacy.metadata.actor.sub === sub)
    return legacy.data as IdempotencyKeyClaimed;
  return undefined;
}

export function idempotencyKeyReused(commandId: string): DomainError {
  return new DomainError(
    'IDEMPOTENCY_KEY_REUSED',
    `idempotency key ${commandId} was already used for a different request`,
  );
}
