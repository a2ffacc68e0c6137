/**
 * A decoded snapshot's payload is freed at once (releasePayload), never bytes that share their
 * memory with others. (That nothing views the payload once decoded is stateCodec's part; the
 * books snapshot tests fail with "detached ArrayBuffer" without it.)
 */
import { describe, expect, it } from 'vitest';
import { releasePayload } from '../../../src/books/snapshots/snapshotFile.ts';

describe('releasePayload', () => {
  it('detaches a payload that owns its whole ArrayBuffer, so its memory goes now', () => {
    const payload = Buffer.alloc(1 << 20, 7);
    releasePayload(payload);
    expect(payload.buffer.byteLength).toBe(0);
    expect(payload.length).toBe(0);
  });

  it('leaves a payload alone that shares its ArrayBuffer with other bytes', () => {
    const whole = Buffer.alloc(1 << 20, 7);
    const payload = whole.subarray(1024);
    releasePayload(payload);
    expect(whole.length).toBe(1 << 20);
    expect(payload.length).toBe((1 << 20) - 1024);
    expect(payload[0]).toBe(7);
  });
});
