/**
 * `verifyLog` in process, for what the child-process tests cannot see cheaply: the progress bar
 * on a terminal, paging through the log in small batches (a failure found in a later page is
 * still reported at its own position), and that no checkpoint is saved for a log that fails.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyLog } from '../../src/cli/verify.ts';
import { fileLedgerWithHistory, readWholeLog } from '../books/sqlMirror/support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function capture(
  isTTY: boolean,
): PassThrough & { isTTY: boolean; columns: number; text(): string } {
  const stream = new PassThrough() as PassThrough & {
    isTTY: boolean;
    columns: number;
    text(): string;
  };
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  stream.isTTY = isTTY;
  stream.columns = 120;
  stream.text = () => text;
  return stream;
}

describe('verifyLog', () => {
  it('pages through the log, draws a progress bar on a terminal, and saves the checkpoint it verified', async () => {
    const fl = await fileLedgerWithHistory();
    cleanups.push(fl.cleanup);
    const events = await readWholeLog(fl.ledger.store);
    const out = capture(false);
    const progress = capture(true);
    const file = join(fl.dir, 'checkpoint.json');
    const result = await verifyLog({
      storeUrl: fl.storeUrl,
      out,
      progress,
      batchEvents: 3,
      saveCheckpointFile: file,
    });
    expect(result).toMatchObject({
      ok: true,
      events: events.length,
      checkpoint: { size: String(events.length), position: String(events.at(-1)!.position) },
    });
    expect(progress.text()).toMatch(
      /verifying the log \[[^\]]*\] \d+% position \d+\/\d+, \d+ events\/s/,
    );
    expect(out.text()).toMatch(/^OK: \d+ events verified/m);
    expect(existsSync(file)).toBe(true);
  });

  it('a failure in a later page is reported at its own position, and no checkpoint is saved', async () => {
    const fl = await fileLedgerWithHistory();
    cleanups.push(fl.cleanup);
    const events = await readWholeLog(fl.ledger.store);
    const target = events[events.length - 2]!;
    const db = new Database(fl.storePath);
    db.prepare('UPDATE events SET type = ? WHERE position = ?').run(
      'SomethingElse',
      target.position,
    );
    db.close();
    const out = capture(false);
    const file = join(fl.dir, 'checkpoint.json');
    const result = await verifyLog({
      storeUrl: fl.storeUrl,
      out,
      progress: capture(false),
      batchEvents: 4,
      saveCheckpointFile: file,
    });
    expect(result).toMatchObject({
      ok: false,
      events: events.length - 2,
      failure: { position: target.position },
    });
    expect(out.text()).toMatch(
      new RegExp(
        `^FAILED at position ${target.position} \\(${target.streamId}, revision ${target.streamRevision}\\): hash does not match`,
        'm',
      ),
    );
    expect(existsSync(file)).toBe(false);
  });
});
