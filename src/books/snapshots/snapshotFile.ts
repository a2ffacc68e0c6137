/**
 * One snapshot file: a short JSON header (what the snapshot is of, and the SHA-256 and length
 * of the payload) and the payload bytes. The header can be read alone, so choosing among
 * snapshots never loads hundreds of megabytes to find out one is stale.
 *
 *   "POTLEDGER-SNAPSHOT\n" | header length (uint32 BE) | header JSON | payload
 *
 * Written atomically: a temporary file in the same directory, fsync, rename over the final
 * name, fsync of the directory. A crash leaves the old file or the new one, never half of one;
 * a file damaged later (a bad disk, a truncated copy) fails its checksum and is ignored.
 * The write itself runs on libuv's thread pool: only encoding the state holds the event loop.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MessageChannel } from 'node:worker_threads';

const MAGIC = Buffer.from('POTLEDGER-SNAPSHOT\n', 'utf8');
const LENGTH_BYTES = 4;
/** A header is a few hundred bytes; anything larger is not one of ours. */
export const MAX_SNAPSHOT_HEADER_BYTES = 64 * 1024;

export interface SnapshotFileHeader {
  readonly payloadBytes: number;
  readonly payloadSha256: string;
  readonly [key: string]: unknown;
}

export async function writeSnapshotFile(
  path: string,
  header: Record<string, unknown>,
  payload: Uint8Array,
): Promise<void> {
  const fullHeader: SnapshotFileHeader = {
    ...header,
    payloadBytes: payload.length,
    payloadSha256: createHash('sha256').update(payload).digest('hex'),
  };
  const headerBytes = Buffer.from(JSON.stringify(fullHeader), 'utf8');
  if (headerBytes.length > MAX_SNAPSHOT_HEADER_BYTES)
    throw new Error('invariant: snapshot header too large');
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32BE(headerBytes.length);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(temporary, 'wx', 0o600);
  try {
    await file.writev([MAGIC, length, headerBytes, payload]);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await file.close();
  await rename(temporary, path);
  // The rename is durable once the directory entry is.
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

function readExactly(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) throw new Error(`the file ends after ${position + done} bytes`);
    done += read;
  }
  return buffer;
}

/** The header alone; throws when the file is not a whole snapshot file. */
export function readSnapshotHeader(path: string): SnapshotFileHeader {
  return readSnapshotFile(path, false).header;
}

/** Header and payload; throws when the file is truncated, padded or its payload fails the checksum. */
export function readSnapshotFile(
  path: string,
  withPayload = true,
): { header: SnapshotFileHeader; payload: Buffer } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const prefix = readExactly(fd, MAGIC.length + LENGTH_BYTES, 0);
    if (!prefix.subarray(0, MAGIC.length).equals(MAGIC))
      throw new Error('not a potledger snapshot file');
    const headerLength = prefix.readUInt32BE(MAGIC.length);
    if (headerLength > MAX_SNAPSHOT_HEADER_BYTES)
      throw new Error(`header of ${headerLength} bytes is too large`);
    const headerStart = MAGIC.length + LENGTH_BYTES;
    const header = JSON.parse(
      readExactly(fd, headerLength, headerStart).toString('utf8'),
    ) as SnapshotFileHeader;
    if (
      typeof header !== 'object' ||
      header === null ||
      !Number.isSafeInteger(header.payloadBytes) ||
      typeof header.payloadSha256 !== 'string'
    ) {
      throw new Error('header has no payload length and checksum');
    }
    const payloadStart = headerStart + headerLength;
    if (size !== payloadStart + header.payloadBytes)
      throw new Error(
        `file is ${size} bytes, its header says ${payloadStart + header.payloadBytes}`,
      );
    if (!withPayload) return { header, payload: Buffer.alloc(0) };
    const payload = readExactly(fd, header.payloadBytes, payloadStart);
    const sha256 = createHash('sha256').update(payload).digest('hex');
    if (sha256 !== header.payloadSha256) throw new Error('payload does not match its checksum');
    return { header, payload };
  } finally {
    closeSync(fd);
  }
}

/**
 * Frees a decoded payload's memory now rather than at V8's next full collection, which on a
 * quiet server can be long after start-up: until then RSS carries the whole file beside the
 * books decoded from it. Transferring an ArrayBuffer detaches it, and a message nobody reads is
 * dropped with its closed port, memory and all. Only for a payload nothing views any more —
 * decodeState copies every typed array out of its input — and only one that owns its whole
 * ArrayBuffer: a Buffer may share one with other bytes (Node's pool, a subarray).
 */
export function releasePayload(payload: Buffer): void {
  const { buffer } = payload;
  if (!(buffer instanceof ArrayBuffer)) return;
  if (payload.byteOffset !== 0 || payload.byteLength !== buffer.byteLength) return;
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [buffer]);
  port1.close();
  port2.close();
}
