/**
 * The write path's snapshot storage (createCommandHandler's `streamSnapshots`): the newest
 * snapshot per stream comes back as saved; anything stale (other code), damaged or missing
 * comes back as undefined; saving never throws into the caller.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { money } from '../../../events/money.ts';
import { codeFingerprint, STREAM_CODE } from '../../../src/books/snapshots/codeFingerprint.ts';
import { createStreamSnapshots } from '../../../src/books/snapshots/streamSnapshots.ts';
import { STREAM_SNAPSHOT_FORMAT } from '../../../src/writePath/streamSnapshot.ts';

const work = mkdtempSync(join(tmpdir(), 'potledger-stream-snapshots-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let unique = 0;
const freshPath = () => join(work, `streams-${++unique}.db`);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('stream snapshots', () => {
  it('gives back the newest snapshot saved for each stream, after a restart too', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom('pot-a', 'pot-b', 'pot-c'),
            fc.nat({ max: 1_000 }),
            fc.nat({ max: 10 ** 9 }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        async (saves) => {
          const path = freshPath();
          const snapshots = createStreamSnapshots({ path });
          const newest = new Map<string, unknown>();
          for (const [streamId, revision, pence] of saves) {
            const snapshot = {
              revision: BigInt(revision),
              available: money(String(pence)).dividedBy(100),
              partners: new Map([['essex-cc', { stake: money('1.00') }]]),
            };
            snapshots.save(streamId, snapshot);
            newest.set(streamId, snapshot);
            // Saved but not yet written: load still answers the newest.
            expect(await snapshots.load(streamId)).toStrictEqual(snapshot);
          }
          await tick();
          snapshots.close();
          const reopened = createStreamSnapshots({ path });
          for (const [streamId, snapshot] of newest)
            expect(await reopened.load(streamId)).toStrictEqual(snapshot);
          expect(await reopened.load('pot-never-saved')).toBeUndefined();
          reopened.close();
        },
      ),
      { numRuns: 25 },
    );
  });

  it('keeps what it was given at the moment of saving, whatever the caller does next', async () => {
    const snapshots = createStreamSnapshots({ path: freshPath() });
    const state = { revision: 1n, entries: [1, 2] };
    snapshots.save('pot-a', state);
    state.entries.push(3);
    expect(await snapshots.load('pot-a')).toStrictEqual({ revision: 1n, entries: [1, 2] });
    snapshots.close();
  });

  it('never hands back a snapshot written by other code', async () => {
    const path = freshPath();
    const old = createStreamSnapshots({ path, fingerprint: 'old-code' });
    old.save('pot-a', { revision: 5n });
    old.close();
    const current = createStreamSnapshots({ path, fingerprint: 'new-code' });
    expect(await current.load('pot-a')).toBeUndefined();
    current.close();
  });

  it('never hands back a row written in an older format, even by this same code', async () => {
    const path = freshPath();
    // 1: the number the store wrote under before the stream snapshot formats were one.
    for (const format of [1, STREAM_SNAPSHOT_FORMAT - 1]) {
      const old = createStreamSnapshots({
        path,
        fingerprint: codeFingerprint(STREAM_CODE, format),
      });
      old.save('pot-a', { revision: 5n });
      old.close();
      const current = createStreamSnapshots({ path });
      expect(await current.load('pot-a')).toBeUndefined();
      current.save('pot-a', { revision: 6n });
      expect(await current.load('pot-a')).toStrictEqual({ revision: 6n });
      current.close();
    }
  });

  it('answers undefined for a damaged row, and tells the operator', async () => {
    const path = freshPath();
    const errors: unknown[] = [];
    const snapshots = createStreamSnapshots({
      path,
      fingerprint: 'f',
      onError: (error) => errors.push(error),
    });
    snapshots.save('pot-a', { revision: 5n });
    snapshots.flush();
    const db = new Database(path);
    db.prepare("UPDATE stream_snapshots SET payload = x'00ff00ff' WHERE stream_id = 'pot-a'").run();
    db.close();
    expect(await snapshots.load('pot-a')).toBeUndefined();
    expect(errors).toHaveLength(1);
    snapshots.close();
  });

  it('never throws into the caller: not for state it cannot encode, nor once closed', async () => {
    const errors: unknown[] = [];
    const snapshots = createStreamSnapshots({
      path: freshPath(),
      onError: (error) => errors.push(error),
    });
    expect(() => snapshots.save('pot-a', { notData: () => 1 })).not.toThrow();
    expect(errors).toHaveLength(1);
    snapshots.close();
    expect(() => snapshots.save('pot-a', { revision: 1n })).not.toThrow();
    expect(await snapshots.load('pot-a')).toBeUndefined();
  });
});
