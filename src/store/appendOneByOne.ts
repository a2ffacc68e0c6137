/**
 * appendBatch for stores that cannot put several streams' appends in one transaction
 * (EventStoreDB): each request is its own append, in order. The answers are those of a real batch; only the
 * durability cost (one commit per request) differs.
 */
import {
  WrongExpectedRevisionError,
  type AppendBatchOutcome,
  type AppendRequest,
  type EventStore,
} from './eventStore.ts';

export async function appendOneByOne(
  append: EventStore['append'],
  requests: readonly AppendRequest[],
): Promise<AppendBatchOutcome[]> {
  const outcomes: AppendBatchOutcome[] = [];
  // Requests to one stream are a chain: after one fails, the later ones to it fail too.
  const failedStreams = new Map<string, Error>();
  for (const request of requests) {
    const earlier = failedStreams.get(request.streamId);
    if (earlier !== undefined) {
      outcomes.push(
        earlier instanceof WrongExpectedRevisionError
          ? new WrongExpectedRevisionError(request.streamId, request.expected, earlier.actual)
          : earlier,
      );
      continue;
    }
    try {
      outcomes.push(await append(request.streamId, request.events, request.expected));
    } catch (error) {
      // Earlier requests are committed whatever happens next, so each answer stands on its own.
      const failure = error instanceof Error ? error : new Error(String(error));
      failedStreams.set(request.streamId, failure);
      outcomes.push(failure);
    }
  }
  return outcomes;
}
