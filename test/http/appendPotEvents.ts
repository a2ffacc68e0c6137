/**
 * Appends pool-year events straight to a pot's stream through the ledger's store, for API tests
 * written before the write routes for agreements, spend, commitments, forecasts and settlement
 * exist. Switch each call to the real route when it lands.
 */
import { ulid } from 'ulid';
import { potStreamId } from '../../events/streams.ts';
import type { TestLedger } from '../support/testLedger.ts';

export async function appendPotEvents(
  ledger: TestLedger,
  potId: string,
  events: readonly { type: string; data: Record<string, unknown> }[],
): Promise<bigint> {
  const streamId = potStreamId(potId);
  let revision = -1n;
  for (const e of await ledger.store.readStream(streamId)) revision = e.streamRevision;
  const commandId = ulid();
  const result = await ledger.store.append(
    streamId,
    events.map((e) => ({
      eventId: ulid(),
      type: e.type,
      data: { potId, ...e.data },
      metadata: {
        commandId,
        correlationId: commandId,
        actor: { sub: 'alice', role: 'admin' },
        recordedAt: new Date().toISOString(),
      },
    })),
    revision,
  );
  return result.positions.at(-1)!;
}
