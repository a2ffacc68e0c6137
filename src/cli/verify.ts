/**
 * `potledger verify [--checkpoint FILE] [--save-checkpoint FILE]`: re-checks the whole event log
 * from the stored rows (issue 4, tamper evidence) — every event's hash and chain link, revisions
 * and positions — and rebuilds the RFC 6962 Merkle tree. Given a checkpoint an auditor saved
 * earlier (from GET /v1/audit/checkpoint or --save-checkpoint), it proves the log only grew since:
 * the first `size` events must still hash to the checkpoint's root.
 *
 * Exit 0 only when all is well; 1 with the first bad position when anything is not; 2 when it
 * could not check at all (no store, an unreadable checkpoint file).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { createLogVerifier, describeFailure, type VerifyFailure } from '../audit/logVerifier.ts';
import { MERKLE_ALGORITHM } from '../audit/merkle.ts';
import type { Checkpoint } from '../audit/merkleLog.ts';
import { parseVerifyWorkers, verifyInParallel } from '../audit/verifyPool.ts';
import { readConfig } from '../app/config.ts';
import { FOLD_PAGE_EVENTS, foldLog } from '../books/foldLog.ts';
import { openExistingEventStore } from '../store/openStore.ts';
import { counted } from './counted.ts';
import { eventsPerSecond, positionProgress } from './progress.ts';

/**
 * Events read per page, and per range handed to a verify worker: the fold's own page, for the
 * same reason (foldLog.ts): a range is parsed whole before it is digested, and 10,000 parsed
 * events outlived the young generation, so most of a worker's garbage was copied before it died.
 */
export const VERIFY_BATCH_EVENTS = FOLD_PAGE_EVENTS;
/** A checkpoint file is a few hundred bytes; anything far larger is not one. */
const MAX_CHECKPOINT_FILE_BYTES = 64 * 1024;

const CheckpointFile = z.object({
  size: z.string().regex(/^\d{1,19}$/, 'must be digits'),
  rootHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  position: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional(),
  algorithm: z.literal(MERKLE_ALGORITHM),
});

export interface VerifyOptions {
  readonly storeUrl: string;
  /** A checkpoint saved earlier: the log must still start with exactly those events. */
  readonly checkpointFile?: string;
  /** Where to write the checkpoint of the log as verified (only when verification passes). */
  readonly saveCheckpointFile?: string;
  /** Results: the summary, or the first failure. */
  readonly out: NodeJS.WritableStream;
  /** Progress (stderr for the CLI). */
  readonly progress: NodeJS.WritableStream & { isTTY?: boolean };
  readonly batchEvents?: number;
  /**
   * Worker threads recomputing hashes (src/audit/verifyPool.ts); 0 verifies on this thread.
   * Absent: LEDGER_VERIFY_WORKERS, else one fewer than the cores (at least 1). A store no other
   * thread can reach (in memory, EventStoreDB) is always verified on this thread.
   */
  readonly workers?: number;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly events: number;
  readonly failure?: VerifyFailure | { readonly reason: string };
  /** The checkpoint of the log as verified (all of it) when it passed. */
  readonly checkpoint?: Checkpoint;
  readonly elapsedMs: number;
}

export function readCheckpointFile(path: string): z.infer<typeof CheckpointFile> {
  const text = readFileSync(path, 'utf8');
  if (text.length > MAX_CHECKPOINT_FILE_BYTES)
    throw new Error(`${path} is not a checkpoint: larger than ${MAX_CHECKPOINT_FILE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not a checkpoint: not JSON`);
  }
  const parsed = CheckpointFile.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `${path} is not a checkpoint: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'} ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export async function verifyLog(options: VerifyOptions): Promise<VerifyResult> {
  // A bad checkpoint file is refused before the (possibly long) pass over the log.
  const saved =
    options.checkpointFile === undefined ? undefined : readCheckpointFile(options.checkpointFile);
  const batchEvents = options.batchEvents ?? VERIFY_BATCH_EVENTS;
  const workers =
    options.workers ??
    parseVerifyWorkers('LEDGER_VERIFY_WORKERS', process.env.LEDGER_VERIFY_WORKERS);
  const store = await openExistingEventStore(options.storeUrl);
  const startedAt = Date.now();
  try {
    const verifier = createLogVerifier({
      positionsContiguous: store.positionsContiguous,
      logChained: store.logChained,
    });
    const head = await store.headPosition();
    const progress = positionProgress(options.progress, head, 'verifying the log');
    const onProgress = (position: bigint): void =>
      progress.update(position, verifier.size(), Date.now() - startedAt);
    let failure: VerifyResult['failure'];
    try {
      let from = 0n;
      // Ranges of positions can be handed out only where positions run 1, 2, 3… (SQLite,
      // PostgreSQL), and a log of one range gains nothing from a thread that must start first.
      if (
        workers > 0 &&
        store.readerLocation !== undefined &&
        store.positionsContiguous &&
        head > BigInt(batchEvents)
      ) {
        const parallel = await verifyInParallel({
          store,
          location: store.readerLocation,
          verifier,
          workers,
          rangeEvents: batchEvents,
          onProgress,
        });
        failure = parallel.failure;
        from = parallel.position;
      }
      if (failure === undefined) {
        // No sinks: the verifier's own tree is the fold. After a parallel pass, this reads the
        // events appended since it began.
        const checked = await foldLog(
          store,
          {
            from,
            batchSize: batchEvents,
            verify: verifier.check,
            onProgress: ({ position }) => onProgress(position),
          },
          {},
        );
        failure = checked.failure;
      }
    } finally {
      progress.stop();
    }
    if (failure === undefined && saved !== undefined) failure = checkAgainst(saved, verifier);
    const elapsedMs = Date.now() - startedAt;
    const events = verifier.size();
    if (failure !== undefined) {
      options.out.write(
        `${'position' in failure ? describeFailure(failure) : `FAILED: ${failure.reason}`}\n`,
      );
      options.out.write(`${counted(events, 'event')} verified before the failure.\n`);
      return { ok: false, events, failure, elapsedMs };
    }
    const checkpoint: Checkpoint = {
      size: String(events),
      rootHash: verifier.root().toString('hex'),
      position: verifier.lastPosition().toString(),
      algorithm: MERKLE_ALGORITHM,
    };
    if (options.saveCheckpointFile !== undefined)
      writeFileSync(options.saveCheckpointFile, `${JSON.stringify(checkpoint, null, 2)}\n`);
    options.out.write(
      `OK: ${counted(events, 'event')} verified in ${(elapsedMs / 1000).toFixed(1)} s (${eventsPerSecond(events, elapsedMs)} events/s); ` +
        `every hash and chain link holds; root ${checkpoint.rootHash} at size ${checkpoint.size}, position ${checkpoint.position}\n`,
    );
    if (saved !== undefined)
      options.out.write(
        `The log only grew since the checkpoint of ${counted(Number(saved.size), 'event')} (root ${saved.rootHash}).\n`,
      );
    if (options.saveCheckpointFile !== undefined)
      options.out.write(`Checkpoint saved to ${options.saveCheckpointFile}.\n`);
    return { ok: true, events, checkpoint, elapsedMs };
  } finally {
    await store.close();
  }
}

/** The log must still begin with exactly the events the checkpoint covered. */
function checkAgainst(
  saved: z.infer<typeof CheckpointFile>,
  verifier: ReturnType<typeof createLogVerifier>,
): { reason: string } | undefined {
  const size = BigInt(saved.size);
  if (size > BigInt(verifier.size())) {
    return {
      reason: `the log has ${counted(verifier.size(), 'event')} but the checkpoint covers ${saved.size}: events were deleted since it was saved`,
    };
  }
  const root = verifier.root(Number(size)).toString('hex');
  if (root !== saved.rootHash) {
    return {
      reason:
        `the log's first ${counted(Number(saved.size), 'event')} hash to root ${root}, not the checkpoint's ${saved.rootHash}: ` +
        `events at or before position ${saved.position ?? '(unknown)'} were changed, removed or reordered since it was saved`,
    };
  }
  return undefined;
}

/** Adds `verify` to the potledger CLI. */
export function registerVerifyCommand(program: Command): Command {
  return program
    .command('verify')
    .description(
      "re-check every event's hash and chain link and the Merkle tree; with --checkpoint, prove the log only grew since",
    )
    .option(
      '--checkpoint <file>',
      'a checkpoint saved earlier (GET /v1/audit/checkpoint or --save-checkpoint)',
    )
    .option(
      '--save-checkpoint <file>',
      'write the checkpoint of the verified log to this file (only when it verifies)',
    )
    .option(
      '--workers <n>',
      'worker threads recomputing hashes (0: this thread only; default LEDGER_VERIFY_WORKERS, else cores − 1)',
    )
    .action(async (options: { checkpoint?: string; saveCheckpoint?: string; workers?: string }) => {
      const result = await verifyLog({
        storeUrl: readConfig().storeUrl,
        ...(options.checkpoint === undefined ? {} : { checkpointFile: options.checkpoint }),
        ...(options.saveCheckpoint === undefined
          ? {}
          : { saveCheckpointFile: options.saveCheckpoint }),
        ...(options.workers === undefined
          ? {}
          : { workers: parseVerifyWorkers('--workers', options.workers) }),
        out: process.stdout,
        progress: process.stderr,
      });
      if (!result.ok) process.exitCode = 1;
    });
}
