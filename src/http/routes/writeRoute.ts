/**
 * What every write route shares: the command envelope from the request (actor, idempotency
 * key, correlation), the 201 answer with eventId and position, and the replay marker.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { newUlid } from '../../writePath/fastUlid.ts';
import { z } from 'zod';
import type { CommandOutcome } from '../../writePath/commandHandler.ts';
import type { CommandEnvelope } from '../../writePath/ledgerCommands.ts';
import type { RecordedEvent } from '../../store/eventStore.ts';
import { actorOf } from '../plugins/auth.ts';
import { httpProblem } from '../plugins/errors.ts';

export const MAX_IDEMPOTENCY_KEY_CHARS = 200;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const CORRELATION_ID_PATTERN = /^[\x21-\x7e]{1,200}$/;

export const WriteHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .optional()
    .describe(
      'Makes retries safe: the same key with the same body returns the original answer and appends nothing',
    ),
  'x-correlation-id': z
    .string()
    .optional()
    .describe('Ties this command to a business process; a ULID is made when absent'),
  'x-causation-id': z
    .string()
    .optional()
    .describe('The id of the message that caused this command'),
});

export function commandEnvelope(request: FastifyRequest): CommandEnvelope {
  const key = singleHeader(request, 'idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw httpProblem(
      'VALIDATION_FAILED',
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters`,
    );
  }
  const correlationId = singleHeader(request, 'x-correlation-id');
  const causationId = singleHeader(request, 'x-causation-id');
  for (const [name, value] of [
    ['X-Correlation-Id', correlationId],
    ['X-Causation-Id', causationId],
  ] as const) {
    if (value !== undefined && !CORRELATION_ID_PATTERN.test(value)) {
      throw httpProblem('VALIDATION_FAILED', `${name} must be 1 to 200 printable ASCII characters`);
    }
  }
  return {
    actor: actorOf(request),
    commandId: key ?? newUlid(),
    clientSuppliedKey: key !== undefined,
    correlationId: correlationId ?? newUlid(),
    ...(causationId === undefined ? {} : { causationId }),
  };
}

function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (Array.isArray(value)) throw httpProblem('VALIDATION_FAILED', `send the ${name} header once`);
  return value;
}

/** Runs a command and answers 201 with the event's id and position plus the route's own fields. */
export async function answerWrite<A extends object>(
  reply: FastifyReply,
  outcome: Promise<CommandOutcome>,
  answer: (event: RecordedEvent) => A,
): Promise<{ eventId: string; position: string } & A> {
  const { events, replayed } = await outcome;
  const event = events[events.length - 1]!;
  if (replayed) void reply.header('idempotent-replayed', 'true');
  void reply.status(201);
  return { eventId: event.eventId, position: event.position.toString(), ...answer(event) };
}

/** An answerWrite answer that picks the route's fields from the data of the event recorded. */
export function fromEventData<D, A extends object>(
  pick: (data: D) => A,
): (event: RecordedEvent) => A {
  return (event) => pick(event.data as D);
}
