/**
 * A decision's events as they will be appended: each checked against its schema and size limit,
 * given its id and the command's metadata, and chained to the event before it in its stream.
 */
import { DomainError } from '../../commands/domainError.ts';
import { ledgerEventSchemas, type LedgerEventType } from '../../events/index.ts';
import { eventDataBytes, MAX_EVENT_DATA_BYTES } from '../../events/primitives.ts';
import { chainedMetadata, GENESIS_HASH } from '../audit/eventHash.ts';
import type { NewEvent } from '../store/eventStore.ts';
import type { CommandRequest } from './commandHandler.ts';

/** What every event's metadata says about the command that wrote it. */
export type CommandIdentity = Pick<
  CommandRequest<unknown, never>,
  'commandId' | 'fingerprint' | 'correlationId' | 'causationId' | 'actor'
>;

/** Where the new events go: the stream, and its last revision and hash before them (null: a new stream). */
export interface ChainHead {
  readonly streamId: string;
  readonly revision: bigint | null;
  readonly lastHash: string | null;
}

export function toNewEvents<E extends { type: string; data: unknown }>(
  request: CommandIdentity,
  events: readonly E[],
  recordedAt: string,
  head: ChainHead,
  newEventId: () => string,
): NewEvent[] {
  // The hash chain links each event to the one before it in its stream (src/audit/eventHash.ts).
  // A stream written before tamper evidence has no hash to link to; its new events start
  // from the genesis value, and `potledger verify` reports the unhashed events themselves.
  let previousHash = head.revision === null ? GENESIS_HASH : (head.lastHash ?? GENESIS_HASH);
  let revision = head.revision === null ? 0n : head.revision + 1n;
  return events.map((event) => {
    // The event schema is the last word: a decider bug must never write a malformed event.
    ledgerEventSchemas[event.type as LedgerEventType].parse(event.data);
    // And no event so large that every fold, export and answer touching it pays for it.
    const bytes = eventDataBytes(event.data);
    if (bytes > MAX_EVENT_DATA_BYTES) {
      throw new DomainError(
        'EVENT_TOO_LARGE',
        `the ${event.type} this request makes would be ${bytes} bytes, more than one event may hold (MAX_EVENT_DATA_BYTES ${MAX_EVENT_DATA_BYTES}); nothing was written`,
        { limit: MAX_EVENT_DATA_BYTES, bytes, type: event.type },
      );
    }
    const eventId = newEventId();
    const metadata = chainedMetadata(
      {
        streamId: head.streamId,
        streamRevision: revision,
        eventId,
        type: event.type,
        data: event.data,
        metadata: {
          commandId: request.commandId,
          commandFingerprint: request.fingerprint,
          correlationId: request.correlationId,
          ...(request.causationId === undefined ? {} : { causationId: request.causationId }),
          actor: request.actor,
          recordedAt,
          schemaVersion: 1,
        },
      },
      previousHash,
    );
    previousHash = metadata.hash;
    revision += 1n;
    return { eventId, type: event.type, data: event.data, metadata };
  });
}
