/**
 * The write path's backstop on event size (issue 13): whatever a decider returns, an event whose
 * data is larger than MAX_EVENT_DATA_BYTES is refused EVENT_TOO_LARGE and nothing is appended.
 * No valid command comes near it today (the deciders bound their own events: see
 * recordOutcome.test.ts), so the oversized event here is handed to the handler directly.
 */
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/context.ts';
import { DomainError } from '../../commands/domainError.ts';
import { evolvePot, initialPotState, type PotState } from '../../commands/potState.ts';
import type { PotEvent } from '../../events/pot.ts';
import {
  eventDataBytes,
  MAX_AGENCY_ID_CHARS,
  MAX_EVENT_DATA_BYTES,
} from '../../events/primitives.ts';
import { createCommandHandler, type CommandRequest } from '../../src/writePath/commandHandler.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';

const POT_ID = '01JAAAAAAAAAAAAAAAAAAAAAAA';

/** A schema-valid OutcomeRecorded with `flows` flows between the longest agency ids. */
function outcomeWithFlows(flows: number): PotEvent {
  const id = (n: number) => `${n}`.padStart(MAX_AGENCY_ID_CHARS, 'a');
  return {
    type: 'OutcomeRecorded',
    data: {
      potId: POT_ID,
      outcomeId: '01JBBBBBBBBBBBBBBBBBBBBBBB',
      interventionId: '01JCCCCCCCCCCCCCCCCCCCCCCC',
      description: 'Generated',
      effectiveDate: '2025-09-30',
      benefits: [{ agencyId: id(0), amount: '1.00', cashable: true }],
      flows: Array.from({ length: flows }, (_, i) => ({
        fromAgencyId: id(i),
        toAgencyId: id(0),
        amount: '1.00',
        cashable: true,
      })),
    },
  };
}

function request(event: PotEvent, commandId: string): CommandRequest<PotState, PotEvent> {
  return {
    streamId: `pot-${POT_ID}`,
    aggregate: { initialState: initialPotState, evolve: evolvePot },
    commandId,
    fingerprint: commandId,
    actor: { sub: 'alice', role: 'admin' },
    correlationId: 'test',
    agencyIds: [],
    decide: (_state: PotState, _context: CommandContext) => [event],
  };
}

describe(`an event larger than MAX_EVENT_DATA_BYTES (${MAX_EVENT_DATA_BYTES})`, () => {
  it('is refused EVENT_TOO_LARGE, naming its size and the limit, and nothing is appended', async () => {
    const store = createSqliteEventStore(':memory:');
    const handler = createCommandHandler({ store });
    const huge = outcomeWithFlows(2_000);
    expect(eventDataBytes(huge.data)).toBeGreaterThan(MAX_EVENT_DATA_BYTES);
    const refusal = await handler.execute(request(huge, 'cmd-huge')).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).code).toBe('EVENT_TOO_LARGE');
    expect((refusal as DomainError).details).toEqual({
      limit: MAX_EVENT_DATA_BYTES,
      bytes: eventDataBytes(huge.data),
      type: 'OutcomeRecorded',
    });
    expect(await store.headPosition()).toBe(0n);
    // The refusal freed its idempotency key, as every refusal does.
    await expect(handler.execute(request(huge, 'cmd-huge'))).rejects.toMatchObject({
      code: 'EVENT_TOO_LARGE',
    });
    await store.close();
  });
});
