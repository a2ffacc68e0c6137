/**
 * appendBatch for stores that cannot put several streams' appends in one transaction
 * (EventStoreDB) or whose append already carries per-append work (PostgreSQL's beforeCommit):
 * each request is its own append, in order. The answers are those of a real batch; only the
 * durability cost (one commit per request) differs.
 */
import type { AppendBatchOutcome, AppendRequest, EventStore } from './eventStore.ts';

export async function appendOneByOne(append: EventStore['append'], requests: readonly AppendRequest[]): Promise<AppendBatchOutcome[]> {
  const outcomes: AppendBatchOutcome[] = [];
  for (const request of requests) {
    try {
      outcomes.push(await append(request.streamId, request.events, request.expected));
    } catch (error) {
      // Earlier requests are committed whatever happens next, so each answer stands on its own.
      outcomes.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
  return outcomes;
}
