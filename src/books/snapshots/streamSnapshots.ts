/**
 * Snapshot storage for the write path's aggregates (createCommandHandler's `streamSnapshots`):
 * a cold pot with a million events is loaded from its snapshot plus the events after it,
 * instead of folding its whole stream.
 *
 * What a snapshot holds is the handler's business (src/writePath/streamSnapshot.ts; the
 * handler checks it against the stream itself); it is kept as the bytes of the one snapshot
 * codec (stateCodec.ts). This store only keeps the newest one per stream id, in a SQLite file of
 * its own beside the books snapshots, so it works whatever the event store is. Each row records
 * the code fingerprint over events/, commands/ and the write path (STREAM_CODE) and
 * STREAM_SNAPSHOT_FORMAT: a row written by other code, or in another format, is never handed back.
 *
 * Snapshots are a cache: `save` is fire-and-forget (queued, written in one transaction on the
 * next turn, latest per stream wins) and never throws into the caller; `load` answers
 * undefined for anything missing, stale or unreadable. The file runs with synchronous=NORMAL
 * in WAL mode: a crash may lose the last snapshots written, never the event log's durability.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { codeFingerprint, STREAM_CODE } from './codeFingerprint.ts';
import { decodeState, encodeState } from './stateCodec.ts';
import { STREAM_SNAPSHOT_FORMAT, type StreamSnapshots } from '../../writePath/streamSnapshot.ts';

/** A pot aggregate is a few kilobytes; anything this large is not worth keeping. */
export const MAX_STREAM_SNAPSHOT_BYTES = 16 * 1024 * 1024;
/** Snapshots waiting for the next write, at most; beyond it the oldest waiting one is dropped. */
export const MAX_PENDING_STREAM_SNAPSHOTS = 10_000;
const BUSY_TIMEOUT_MS = 5_000;
/** The file in the snapshots directory (LEDGER_SNAPSHOTS) that holds them. */
export const STREAM_SNAPSHOTS_FILE = 'streams.db';

export interface StreamSnapshotStore extends StreamSnapshots {
  /** Writes whatever is queued now (tests; close does it too). */
  flush(): void;
  close(): void;
}

export interface StreamSnapshotsOptions {
  /** The SQLite file, e.g. <snapshots dir>/streams.db. */
  readonly path: string;
  /** Defaults to the fingerprint of this checkout's STREAM_CODE; tests pass another to play "old code". */
  readonly fingerprint?: string;
  /** Told about failures (once each); the caller never is. */
  readonly onError?: (error: unknown) => void;
}

export function createStreamSnapshots(options: StreamSnapshotsOptions): StreamSnapshotStore {
  const fingerprint = options.fingerprint ?? codeFingerprint(STREAM_CODE, STREAM_SNAPSHOT_FORMAT);
  const onError = options.onError ?? (() => undefined);
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { timeout: BUSY_TIMEOUT_MS });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS stream_snapshots (
    stream_id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    payload BLOB NOT NULL,
    saved_at TEXT NOT NULL
  ) STRICT`);
  const select = db.prepare<[string], { fingerprint: string; payload: Buffer }>(
    'SELECT fingerprint, payload FROM stream_snapshots WHERE stream_id = ?',
  );
  const upsert = db.prepare<[string, string, Buffer, string]>(
    `INSERT INTO stream_snapshots (stream_id, fingerprint, payload, saved_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (stream_id) DO UPDATE SET fingerprint = excluded.fingerprint, payload = excluded.payload, saved_at = excluded.saved_at`,
  );
  const writeAll = db.transaction((rows: readonly [string, Buffer][], savedAt: string) => {
    for (const [streamId, payload] of rows) upsert.run(streamId, fingerprint, payload, savedAt);
  });

  const pending = new Map<string, Buffer>();
  let scheduled = false;
  let closed = false;

  function flush(): void {
    scheduled = false;
    if (pending.size === 0 || closed) return;
    const rows = [...pending];
    pending.clear();
    try {
      writeAll(rows, new Date().toISOString());
    } catch (error) {
      onError(error);
    }
  }

  return {
    async load(streamId) {
      try {
        // A snapshot still waiting to be written is the newest one.
        const waiting = pending.get(streamId);
        if (waiting !== undefined) return decodeState(waiting);
        if (closed) return undefined;
        const row = select.get(streamId);
        if (row === undefined || row.fingerprint !== fingerprint) return undefined;
        return decodeState(row.payload);
      } catch (error) {
        onError(error);
        return undefined;
      }
    },

    save(streamId, snapshot) {
      try {
        if (closed) return;
        // Encoded now: the caller may go on changing the object it handed over.
        const payload = encodeState(snapshot);
        if (payload.length > MAX_STREAM_SNAPSHOT_BYTES) return;
        pending.delete(streamId);
        pending.set(streamId, payload);
        if (pending.size > MAX_PENDING_STREAM_SNAPSHOTS)
          pending.delete(pending.keys().next().value!);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      } catch (error) {
        onError(error);
      }
    },

    flush,

    close() {
      if (closed) return;
      flush();
      closed = true;
      db.close();
    },
  };
}
