/**
 * ModelEsdbClient: a small in-memory stand-in for `@eventstore/db-client` that behaves as
 * EventStoreDB is documented to (inclusive forward reads of $all from record starts only,
 * exclusive catch-up subscriptions, idempotent appends within a stream, duplicates across
 * streams accepted, `no-stream` and exact expected revisions). It checks the adapter's own logic
 * on any machine; it is a model, not evidence about EventStoreDB itself.
 */
import { PassThrough, Readable } from 'node:stream';
import {
  ANY,
  BACKWARDS,
  END,
  NO_STREAM,
  START,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  jsonEvent,
  type AppendExpectedRevision,
  type AppendResult as EsdbAppendResult,
  type EventData,
  type Filter,
  type Position,
  type ReadPosition,
} from '@eventstore/db-client';

export interface ModelRecord {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly position: bigint;
}

type ModelSubscription = PassThrough & {
  unsubscribe(): Promise<void>;
  matches(record: ModelRecord): boolean;
};

/** Bytes a record takes in the model's "transaction log": positions are offsets, not counts. */
const MODEL_RECORD_OVERHEAD_BYTES = 80n;

export class ModelEsdbClient {
  readonly log: ModelRecord[] = [];
  readonly subscriptions = new Set<ModelSubscription>();
  /** Where the next record starts: a valid place to read from, like any record's position. */
  private writerPosition = 1_000n;
  subscribeCalls: ReadPosition[] = [];

  constructor() {
    this.write('$settings', [jsonEvent({ type: 'Settings', data: {} })]);
  }

  write(streamId: string, events: readonly EventData[]): ModelRecord[] {
    const existing = this.log.filter((r) => r.streamId === streamId).length;
    const written = events.map((event, i) => {
      const data = JSON.stringify(event.data);
      const record: ModelRecord = {
        streamId,
        id: event.id,
        revision: BigInt(existing + i),
        type: event.type,
        data,
        metadata: JSON.stringify(event.metadata ?? {}),
        position: this.writerPosition,
      };
      this.writerPosition += MODEL_RECORD_OVERHEAD_BYTES + BigInt(data.length);
      this.log.push(record);
      return record;
    });
    for (const subscription of this.subscriptions) {
      for (const record of written)
        if (subscription.matches(record)) subscription.write(resolved(record));
    }
    return written;
  }

  async appendToStream(
    streamName: string,
    events: EventData | EventData[],
    options: { expectedRevision?: AppendExpectedRevision } = {},
  ): Promise<EsdbAppendResult> {
    const proposed = Array.isArray(events) ? events : [events];
    const expected = options.expectedRevision ?? ANY;
    const stream = this.log.filter((r) => r.streamId === streamName);
    const current = stream.length - 1;
    const sameIdsFrom = (start: number): boolean =>
      proposed.every((event, i) => stream[start + i]?.id === event.id);
    const success = (lastRevision: number, position: bigint): EsdbAppendResult => ({
      success: true,
      nextExpectedRevision: BigInt(lastRevision),
      position: { commit: position, prepare: position },
    });
    // EventStoreDB's idempotent append: ids already at those revisions of this stream → "success", nothing written.
    if (expected === ANY) {
      const start = stream.findIndex((r) => r.id === proposed[0]!.id);
      if (start >= 0 && sameIdsFrom(start))
        return success(start + proposed.length - 1, stream[start]!.position);
    } else if (expected !== 'stream_exists') {
      const expectedNumber = expected === NO_STREAM ? -1 : Number(expected);
      if (expectedNumber !== current) {
        if (expectedNumber < current && sameIdsFrom(expectedNumber + 1)) {
          return success(expectedNumber + proposed.length, stream[expectedNumber + 1]!.position);
        }
        throw new WrongExpectedVersionError(undefined, {
          streamName,
          expected,
          current: current === -1 ? NO_STREAM : BigInt(current),
        });
      }
    }
    const written = this.write(streamName, proposed);
    return success(current + proposed.length, written[written.length - 1]!.position);
  }

  readStream(
    streamName: string,
    options: {
      fromRevision?: bigint | typeof START | typeof END;
      direction?: string;
      maxCount?: number | bigint;
    } = {},
  ) {
    const stream = this.log.filter((r) => r.streamId === streamName);
    if (stream.length === 0)
      return streamingRead([], new StreamNotFoundError(undefined, streamName));
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    if (options.direction === BACKWARDS) {
      const from =
        options.fromRevision === END || options.fromRevision === undefined
          ? stream.length - 1
          : Number(options.fromRevision);
      return streamingRead(
        stream
          .slice(0, from + 1)
          .reverse()
          .slice(0, max),
      );
    }
    const from =
      options.fromRevision === START || options.fromRevision === undefined
        ? 0
        : Number(options.fromRevision);
    return streamingRead(stream.slice(from, from + max));
  }

  readAll(
    options: { fromPosition?: ReadPosition; direction?: string; maxCount?: number | bigint } = {},
  ) {
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const from = options.fromPosition ?? (options.direction === BACKWARDS ? END : START);
    if (!this.isReadablePosition(from)) return streamingRead([], new Error('Invalid position.'));
    if (options.direction === BACKWARDS) {
      const before =
        from === END ? this.log : this.log.filter((r) => r.position < (from as Position).commit);
      return streamingRead([...before].reverse().slice(0, max));
    }
    const after =
      from === START ? this.log : this.log.filter((r) => r.position >= (from as Position).commit);
    return streamingRead(after.slice(0, max));
  }

  subscribeToAll(
    options: { fromPosition?: ReadPosition; filter?: Filter } = {},
  ): ModelSubscription {
    const from = options.fromPosition ?? START;
    this.subscribeCalls.push(from);
    const prefixes =
      options.filter !== undefined && 'prefixes' in options.filter
        ? options.filter.prefixes
        : undefined;
    const subscription = Object.assign(new PassThrough({ objectMode: true }), {
      unsubscribe: async () => {
        this.subscriptions.delete(subscription);
        subscription.end();
      },
      matches: (record: ModelRecord) =>
        prefixes === undefined || prefixes.some((prefix) => record.streamId.startsWith(prefix)),
    });
    setImmediate(() => {
      if (!this.isReadablePosition(from)) {
        subscription.destroy(new Error('Invalid position.'));
        return;
      }
      // Catch-up starts after the given position (exclusive), then the subscription goes live.
      const after =
        from === START
          ? this.log
          : from === END
            ? []
            : this.log.filter((r) => r.position > from.commit);
      for (const record of after)
        if (subscription.matches(record)) subscription.write(resolved(record));
      this.subscriptions.add(subscription);
    });
    return subscription;
  }

  /** The connection drops: every live subscription fails. */
  dropSubscriptions(error: Error = new UnavailableError(undefined, 'connection dropped')): void {
    for (const subscription of [...this.subscriptions]) {
      this.subscriptions.delete(subscription);
      subscription.destroy(error);
    }
  }

  async dispose(): Promise<void> {
    this.dropSubscriptions(new Error('disposed'));
  }

  private isReadablePosition(position: ReadPosition): boolean {
    if (position === START || position === END) return true;
    if (position.commit !== position.prepare) return false;
    return (
      position.commit === this.writerPosition ||
      this.log.some((r) => r.position === position.commit)
    );
  }
}

function resolved(record: ModelRecord) {
  const position = { commit: record.position, prepare: record.position };
  return {
    event: {
      streamId: record.streamId,
      id: record.id,
      revision: record.revision,
      type: record.type,
      data: JSON.parse(record.data) as unknown,
      metadata: JSON.parse(record.metadata) as unknown,
      isJson: true,
      created: new Date(0),
      position,
    },
    commitPosition: record.position,
  };
}

function streamingRead(records: readonly ModelRecord[], error?: Error) {
  const read = Readable.from(
    (async function* () {
      if (error !== undefined) throw error;
      for (const record of records) yield resolved(record);
    })(),
  );
  return Object.assign(read, { cancel: async () => undefined });
}
