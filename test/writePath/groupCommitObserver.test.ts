/**
 * Group commit tells its observers (the /metrics batch sizes and store errors) of every group
 * written and every group the store refused, until they stop watching.
 */
import { describe, expect, it } from 'vitest';
import { createGroupCommitter } from '../../src/writePath/groupCommit.ts';
import type {
  AppendBatchOutcome,
  AppendRequest,
  NewEvent,
  RecordedEvent,
} from '../../src/store/eventStore.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';

function request(streamId: string, events: number): AppendRequest {
  const event = (i: number): NewEvent => ({
    eventId: `${streamId}-${i}`,
    type: 'Test',
    data: {},
    metadata: {
      commandId: `${streamId}-${i}`,
      correlationId: 'c',
      actor: { sub: 'tester', role: 'admin' },
      recordedAt: '2025-01-01T00:00:00.000Z',
    },
  });
  return { streamId, events: Array.from({ length: events }, (_, i) => event(i)), expected: 'any' };
}

describe('group commit observers', () => {
  it('hear each group with its requests and events, the store refusing one, and nothing once they stop', async () => {
    let failing = false;
    let position = 0n;
    const committer = createGroupCommitter({
      async appendBatch(requests: readonly AppendRequest[]): Promise<AppendBatchOutcome[]> {
        if (failing) throw new Error('disk I/O error');
        return requests.map((r) => ({
          lastRevision: BigInt(r.events.length - 1),
          positions: r.events.map(() => (position += 1n)),
        }));
      },
    });
    const groups: { requests: number; events: number }[] = [];
    const failures: unknown[] = [];
    const stop = committer.observe({
      committed: (group) => groups.push({ ...group }),
      storeFailed: (error) => failures.push(error),
    });

    // Submitted in one turn: one group of two requests, three events.
    await Promise.all([committer.submit(request('a', 1)), committer.submit(request('b', 2))]);
    expect(groups).toEqual([{ requests: 2, events: 3 }]);

    failing = true;
    await expect(committer.submit(request('c', 1))).rejects.toThrow('disk I/O error');
    expect(failures).toHaveLength(1);
    expect(groups).toHaveLength(1);

    failing = false;
    stop();
    await committer.submit(request('d', 1));
    expect(groups).toHaveLength(1);
    expect(committer.stats()).toEqual({ groups: 3n, requests: 4n });
  });

  it('hand on the events a group wrote exactly as a read of the log gives them, refused ones left out', async () => {
    const store = createSqliteEventStore(':memory:');
    await store.append('b', request('b', 1).events, 'no-stream');
    const committer = createGroupCommitter(store);
    const appended: RecordedEvent[][] = [];
    committer.observe({ appended: (events) => appended.push([...events]) });

    // One group: a new stream, a stale revision (refused), and the next revision of 'b'.
    const answers = await Promise.allSettled([
      committer.submit({ ...request('a', 2), expected: 'no-stream' }),
      committer.submit({ ...request('c', 1), expected: 4n }),
      committer.submit({ ...request('b2', 1), streamId: 'b', expected: 0n }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(appended).toHaveLength(1);
    expect(appended[0]).toStrictEqual(await store.readAll(1n, 100));
    await store.close();
  });
});
