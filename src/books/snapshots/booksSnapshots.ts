/**
 * Checkpoints of everything the ledger builds from the log at start-up — the books, the Merkle
 * log and the command id → stream map — so a restart folds only the events after the newest
 * one instead of the whole history (issue 7: start-up with 1,000,000 events in seconds).
 *
 * A snapshot is a cache, never a source of truth: it is used only when
 *   - it was folded by this code (the fingerprint over events/, projections/ and the rest of
 *     BOOKS_CODE, and this format's version, are equal), and
 *   - the store still holds, at the snapshot's position, the very event it was folded up to
 *     (same event id, same stream-chain hash, same log-chain hash where the store keeps one —
 *     and the log chain covers every event before it), so the log was not replaced or
 *     restored from an older backup, and the position is not past the log's end;
 * and it passes its checksum and decodes. Otherwise the ledger says why and folds the log from
 * the start, exactly as it would with no snapshot at all.
 *
 * Files live in one directory (LEDGER_SNAPSHOTS, default <data dir>/snapshots), whatever the
 * event store is: books-<position>.snapshot, the newest BOOKS_SNAPSHOTS_KEPT kept.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerBooksState } from '../../../projections/index.ts';
import { lastPositionOf, type MerkleLogState } from '../../audit/merkleLog.ts';
import type { EventStore, RecordedEvent } from '../../store/eventStore.ts';
import { BOOKS_CODE, codeFingerprint } from './codeFingerprint.ts';
import {
  readSnapshotFile,
  readSnapshotHeader,
  releasePayload,
  writeSnapshotFile,
} from './snapshotFile.ts';
import { decodeState, encodeState } from './stateCodec.ts';

/**
 * Bump when what a books snapshot holds, or how, changes. 2: commandStreams keyed by (caller,
 * key). 3: no commandStreams (the store's command keys answer them). 4: the audit trail keeps
 * no entry text (ids, reasons, summaries: read back from the store), only numbers and names.
 * 5: poolYear and costBenefitInputs hold bigint pence, not Decimal; exceptions keep only the
 * names they read.
 * 6: the Merkle log of a store with dense positions as chunk roots only
 * (src/audit/storeMerkleLog.ts).
 * 7: the exceptions keep no names (they read the audit trail's); the trail's per-entity names
 * packed (projections/packedNames.ts).
 */
export const BOOKS_SNAPSHOT_FORMAT = 7;
/** The newest few are kept: an older one still serves when SQL read models lag the newest. */
export const BOOKS_SNAPSHOTS_KEPT = 2;
const BOOKS_SNAPSHOT_KIND = 'potledger-books';
const FILE_NAME = /^books-(\d{1,20})\.snapshot$/;
/** A write that never finished (the process was killed mid-write: e.g. SIGKILL after a stop timeout). */
const UNFINISHED_FILE_NAME = /^books-\d{1,20}\.snapshot\.(\d+)\.[0-9a-f]+\.tmp$/;

/** Everything the start-up replay builds. */
export interface BooksSnapshotContent {
  readonly books: LedgerBooksState;
  readonly merkle: MerkleLogState;
}

/** The last event folded into a snapshot, as the store must still have it. */
export interface SnapshotAnchor {
  readonly position: bigint;
  readonly eventId: string;
  readonly hash: string | null;
  readonly logHash: string | null;
}

export interface BooksSnapshotHeader {
  readonly kind: typeof BOOKS_SNAPSHOT_KIND;
  readonly format: number;
  readonly fingerprint: string;
  readonly position: string;
  readonly eventId: string;
  readonly hash: string | null;
  readonly logHash: string | null;
  readonly takenAt: string;
}

export interface SavedSnapshot {
  readonly position: bigint;
  readonly bytes: number;
  /** Time the event loop was held encoding the state. */
  readonly encodeMs: number;
  /** Settles once the file is durable (rejects when writing failed; the old snapshots stay). */
  readonly written: Promise<void>;
}

export interface LoadedBooksSnapshot {
  readonly content: BooksSnapshotContent;
  readonly anchor: SnapshotAnchor;
  readonly file: string;
  readonly bytes: number;
  readonly loadMs: number;
}

export type SnapshotSource = Pick<EventStore, 'readAll' | 'headPosition'>;

export interface BooksSnapshots {
  readonly dir: string;
  /**
   * Encodes `content` now, in this synchronous turn (the books must not move under it), and
   * writes the file in the background. Throws only if the state cannot be encoded.
   */
  save(content: BooksSnapshotContent, anchor: SnapshotAnchor): SavedSnapshot;
  /**
   * The newest snapshot that is valid against `source`, at or before `maxPosition` when given
   * (SQL read models behind it could not catch up from it), decoded; undefined when none is.
   */
  load(
    source: SnapshotSource,
    options?: { maxPosition?: bigint },
  ): Promise<LoadedBooksSnapshot | undefined>;
}

export interface BooksSnapshotsOptions {
  readonly dir: string;
  /** Defaults to the fingerprint of this checkout's BOOKS_CODE; tests pass another to play "old code". */
  readonly fingerprint?: string;
  /** Why a snapshot was not used, and what was saved. */
  readonly log?: (message: string) => void;
}

export function anchorOf(event: RecordedEvent): SnapshotAnchor {
  return {
    position: event.position,
    eventId: event.eventId,
    hash: typeof event.metadata.hash === 'string' ? event.metadata.hash : null,
    logHash: event.logHash ?? null,
  };
}

/** Why the store's event at the anchor's position is not the one the snapshot folded, or null when it is. */
export async function anchorMismatch(
  source: SnapshotSource,
  anchor: SnapshotAnchor,
): Promise<string | null> {
  const head = await source.headPosition();
  if (anchor.position > head)
    return `it is at log position ${anchor.position} but the log ends at ${head} (restored or replaced store?)`;
  const [event] = await source.readAll(anchor.position - 1n, 1);
  if (event === undefined || event.position !== anchor.position)
    return `the log has no event at position ${anchor.position}`;
  const found = anchorOf(event);
  if (found.eventId !== anchor.eventId)
    return `the event at position ${anchor.position} is ${found.eventId}, the snapshot folded ${anchor.eventId}`;
  if (found.hash !== anchor.hash)
    return `the event at position ${anchor.position} has another hash than the one the snapshot folded`;
  if (found.logHash !== anchor.logHash)
    return `the log chain at position ${anchor.position} differs from the one the snapshot folded`;
  return null;
}

export function listSnapshots(dir: string): { file: string; position: bigint }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, match: FILE_NAME.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ name, match }) => ({ file: join(dir, name), position: BigInt(match[1]!) }))
    .sort((a, b) => (a.position === b.position ? 0 : a.position > b.position ? -1 : 1));
}

function checkContent(content: unknown, position: bigint): BooksSnapshotContent {
  const candidate = content as Partial<BooksSnapshotContent> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.books !== 'object' ||
    candidate.books === null ||
    typeof candidate.merkle !== 'object' ||
    candidate.merkle === null
  ) {
    throw new Error('payload is not books and a Merkle log');
  }
  // The books move only on ledger events (asLedgerEnvelope); the Merkle log on every event.
  if (typeof candidate.books.position !== 'bigint' || candidate.books.position > position) {
    throw new Error(
      `payload holds books at ${String(candidate.books.position)}, past the header's ${position}`,
    );
  }
  const merkleEnd = lastPositionOf(candidate.merkle);
  if (merkleEnd !== position)
    throw new Error(
      `payload's Merkle log ends at ${String(merkleEnd)}, the header says ${position}`,
    );
  return candidate as BooksSnapshotContent;
}

export function createBooksSnapshots(options: BooksSnapshotsOptions): BooksSnapshots {
  const { dir } = options;
  const fingerprint = options.fingerprint ?? codeFingerprint(BOOKS_CODE, BOOKS_SNAPSHOT_FORMAT);
  const log = options.log ?? (() => undefined);
  // One write at a time, in order: pruning never races a write of a newer file.
  let writing: Promise<void> = Promise.resolve();

  function removeUnfinished(): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const match = UNFINISHED_FILE_NAME.exec(name);
      if (match !== null && Number(match[1]) !== process.pid)
        rmSync(join(dir, name), { force: true });
    }
  }

  function prune(): void {
    for (const { file } of listSnapshots(dir).slice(BOOKS_SNAPSHOTS_KEPT))
      rmSync(file, { force: true });
  }

  return {
    dir,

    save(content, anchor) {
      if (
        content.books.position > anchor.position ||
        lastPositionOf(content.merkle) !== anchor.position
      ) {
        throw new Error(
          `invariant: books at ${content.books.position} saved with an anchor at ${anchor.position}`,
        );
      }
      const started = performance.now();
      const payload = encodeState(content);
      const encodeMs = performance.now() - started;
      const header: BooksSnapshotHeader = {
        kind: BOOKS_SNAPSHOT_KIND,
        format: BOOKS_SNAPSHOT_FORMAT,
        fingerprint,
        position: anchor.position.toString(),
        eventId: anchor.eventId,
        hash: anchor.hash,
        logHash: anchor.logHash,
        takenAt: new Date().toISOString(),
      };
      const written = writing.then(async () => {
        mkdirSync(dir, { recursive: true });
        await writeSnapshotFile(
          join(dir, `books-${anchor.position}.snapshot`),
          { ...header },
          payload,
        );
        prune();
      });
      writing = written.catch(() => undefined);
      return { position: anchor.position, bytes: payload.length, encodeMs, written };
    },

    async load(source, loadOptions = {}) {
      removeUnfinished();
      for (const { file, position } of listSnapshots(dir)) {
        const started = performance.now();
        try {
          if (loadOptions.maxPosition !== undefined && position > loadOptions.maxPosition) {
            log(
              `snapshot ${file} not used: the SQL read models are only at position ${loadOptions.maxPosition}`,
            );
            continue;
          }
          const header = readSnapshotHeader(file) as unknown as BooksSnapshotHeader;
          if (header.kind !== BOOKS_SNAPSHOT_KIND || header.format !== BOOKS_SNAPSHOT_FORMAT) {
            log(
              `snapshot ${file} not used: format ${String(header.format)}, this code writes ${BOOKS_SNAPSHOT_FORMAT}`,
            );
            continue;
          }
          if (header.fingerprint !== fingerprint) {
            log(
              `snapshot ${file} not used: taken by other code (events, projections or the snapshot format changed)`,
            );
            continue;
          }
          if (header.position !== position.toString())
            throw new Error(`its header says position ${header.position}`);
          const anchor: SnapshotAnchor = {
            position,
            eventId: header.eventId,
            hash: header.hash,
            logHash: header.logHash,
          };
          const mismatch = await anchorMismatch(source, anchor);
          if (mismatch !== null) {
            log(`snapshot ${file} not used: ${mismatch}`);
            continue;
          }
          const { payload } = readSnapshotFile(file);
          const bytes = payload.length;
          const content = checkContent(decodeState(payload), position);
          releasePayload(payload);
          return {
            content,
            anchor,
            file,
            bytes,
            loadMs: performance.now() - started,
          };
        } catch (error) {
          log(`snapshot ${file} not used: ${(error as Error).message}`);
        }
      }
      return undefined;
    },
  };
}
