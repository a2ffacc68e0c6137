/**
 * `potledger audit-pack --pot ID --year 2025-26 --out DIR`: everything an inspectorate asks for
 * about one pooled fund and one financial year, in one folder, from one verified pass over the
 * log — the memorandum statement (JSON and CSV), the year's audit trail (CSV and JSON Lines),
 * the exceptions list, the Merkle checkpoint the pack was built at, a verification report, and
 * SHA256SUMS over all of it.
 *
 * The log is verified (every hash, chain link, revision and position) as `potledger verify` does
 * it: worker threads (`--workers`, LEDGER_VERIFY_WORKERS) recompute the hashes while this thread
 * checks them in log order and folds the books; with no workers, or a store other threads cannot
 * read, one pass on this thread verifies and folds. A log that fails verification gets no
 * statement: the pack holds only the verification report naming the first bad position, and the
 * command exits 1.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  escapeHiddenCharactersInJson,
  revealHiddenCharacters,
} from '../../events/hiddenCharacters.ts';
import { asLedgerEnvelope, potStreamId, type Envelope } from '../../events/index.ts';
import { FinancialYear, Ulid } from '../../events/primitives.ts';
import { createLedgerBooks } from '../../projections/index.ts';
import { potExceptions } from '../../projections/exceptions.ts';
import { getAgency } from '../../projections/agencyDirectory.ts';
import { potStatement } from '../../projections/potStatement.ts';
import { memorandumAccount } from '../../projections/poolYearReports.ts';
import { memorandumCsv } from '../export/poolYearCsv.ts';
import { createLogVerifier, describeFailure } from '../audit/logVerifier.ts';
import { parseVerifyWorkers, verifyInParallel } from '../audit/verifyPool.ts';
import { MERKLE_ALGORITHM } from '../audit/merkle.ts';
import type { Checkpoint } from '../audit/merkleLog.ts';
import {
  AUDIT_PACK_FILES,
  exceptionsCsv,
  manifest,
  statementCsv,
  trailCsv,
  trailJsonLines,
  trailOfYear,
  type PackFile,
} from '../audit/pack/packFiles.ts';
import { readConfig } from '../app/config.ts';
import type { RecordedEvent } from '../store/eventStore.ts';
import { foldLog } from '../books/foldLog.ts';
import { openExistingEventStore } from '../store/openStore.ts';
import { counted } from './counted.ts';
import { eventsPerSecond, positionProgress } from './progress.ts';
import { VERIFY_BATCH_EVENTS } from './verify.ts';

export interface AuditPackOptions {
  readonly storeUrl: string;
  readonly potId: string;
  readonly financialYear: string;
  readonly outDir: string;
  /** The summary (stdout for the CLI). */
  readonly out: NodeJS.WritableStream;
  /** Progress (stderr for the CLI). */
  readonly progress: NodeJS.WritableStream & { isTTY?: boolean };
  /** When the pack was made, for the verification report; the CLI passes the wall clock. */
  readonly generatedAt: string;
  /**
   * Worker threads recomputing hashes (src/audit/verifyPool.ts), as for `potledger verify`; 0
   * verifies on this thread. Absent: LEDGER_VERIFY_WORKERS, else one fewer than the cores (at
   * least 1). A store no other thread can reach (in memory, EventStoreDB) is verified here.
   */
  readonly workers?: number;
  /** Events per read, and per range handed to a worker (VERIFY_BATCH_EVENTS when absent). */
  readonly batchEvents?: number;
}

export interface AuditPackResult {
  readonly ok: boolean;
  readonly files: readonly string[];
  readonly events: number;
}

export async function writeAuditPack(options: AuditPackOptions): Promise<AuditPackResult> {
  if (!Ulid.safeParse(options.potId).success)
    throw new Error(`--pot ${JSON.stringify(options.potId)} is not a pot id (a ULID)`);
  if (!FinancialYear.safeParse(options.financialYear).success)
    throw new Error(
      `--year ${JSON.stringify(options.financialYear)} is not a financial year like 2025-26`,
    );
  const { potId, financialYear } = options;
  const workers =
    options.workers ??
    parseVerifyWorkers('LEDGER_VERIFY_WORKERS', process.env.LEDGER_VERIFY_WORKERS);
  const batchEvents = options.batchEvents ?? VERIFY_BATCH_EVENTS;
  const store = await openExistingEventStore(options.storeUrl);
  const startedAt = Date.now();
  const verifier = createLogVerifier({
    positionsContiguous: store.positionsContiguous,
    logChained: store.logChained,
  });
  const books = createLedgerBooks();
  const potEvents: Envelope[] = [];
  const potEventsByPosition = new Map<string, RecordedEvent>();
  const potStream = potStreamId(potId);
  let failure: string | undefined;
  try {
    const head = await store.headPosition();
    const pickPotEvents = (events: readonly RecordedEvent[]): void => {
      for (const event of events) {
        const envelope = asLedgerEnvelope(event);
        if (event.streamId === potStream && envelope !== null) {
          potEvents.push(envelope);
          potEventsByPosition.set(event.position.toString(), event);
        }
      }
    };
    const parallel =
      workers > 0 &&
      store.readerLocation !== undefined &&
      store.positionsContiguous &&
      head > BigInt(batchEvents);
    const progress = positionProgress(
      options.progress,
      head,
      parallel ? 'verifying (worker threads) and folding the log' : 'verifying and folding the log',
    );
    const onProgress = (position: bigint): void =>
      progress.update(position, verifier.size(), Date.now() - startedAt);
    try {
      let foldedThrough = 0n;
      let verifiedThrough = 0n;
      if (parallel) {
        // As `potledger verify`: worker threads recompute the hashes up to the head, checked here
        // in log order, while this thread folds the books from the same events. The fold counts
        // only once verification has passed: a log that fails gets the failure, whatever the fold
        // made of it (or threw on). The same verifier sees the same events in the same order as
        // on one thread, so the pack is the same either way.
        const [verified, folded] = await Promise.all([
          verifyInParallel({
            store,
            location: store.readerLocation!,
            verifier,
            workers,
            rangeEvents: batchEvents,
            onProgress,
          }),
          foldLog(
            store,
            { to: head, batchSize: batchEvents },
            { books, pages: pickPotEvents },
          ).then(
            (result) => ({ ok: true as const, position: result.position }),
            (error: unknown) => ({ ok: false as const, error }),
          ),
        ]);
        if (verified.failure !== undefined) failure = describeFailure(verified.failure);
        else if (!folded.ok) throw folded.error;
        else {
          foldedThrough = folded.position;
          verifiedThrough = verified.position;
        }
      }
      if (failure === undefined) {
        // The whole log on one thread, or (after the above) what was appended since it began.
        const folded = await foldLog(
          store,
          {
            from: foldedThrough,
            batchSize: batchEvents,
            verify: (event) => (event.position <= verifiedThrough ? null : verifier.check(event)),
            onProgress: ({ position }) => onProgress(position),
          },
          { books, pages: pickPotEvents },
        );
        if (folded.failure !== undefined) failure = describeFailure(folded.failure);
      }
    } finally {
      progress.stop();
    }
  } finally {
    await store.close();
  }

  const events = verifier.size();
  const elapsedMs = Date.now() - startedAt;
  if (failure !== undefined) {
    const report = [
      `potledger audit pack — verification FAILED`,
      `generated at ${options.generatedAt} for pot ${potId}, financial year ${financialYear}`,
      failure,
      `${counted(events, 'event')} verified before the failure. No statement was produced from a log that does not verify.`,
      '',
    ].join('\n');
    const files = writePack(options.outDir, [{ name: 'verification.txt', content: report }]);
    options.out.write(
      `${failure}\nNo statement written; the verification report is in ${options.outDir}.\n`,
    );
    return { ok: false, files, events };
  }

  const statement = potStatement(potEvents, potId, financialYear);
  if (statement === null) throw new Error(`pot ${potId} is not in the log`);
  const checkpoint: Checkpoint = {
    size: String(events),
    rootHash: verifier.root().toString('hex'),
    position: verifier.lastPosition().toString(),
    algorithm: MERKLE_ALGORITHM,
  };
  const trail = trailOfYear(books.state.auditTrail, potEventsByPosition, potId, financialYear);
  const exceptions = potExceptions(books.state.exceptions, potId, { financialYear });
  const memorandum = memorandumAccount(books.state.poolYear, potId, financialYear);
  if (memorandum === null) throw new Error(`pot ${potId} has no memorandum account`);
  const verification = [
    `potledger audit pack — verification OK`,
    `generated at ${options.generatedAt} for pot ${potId} (${revealHiddenCharacters(statement.name)}), financial year ${financialYear}`,
    `${counted(events, 'event')} in the whole log re-checked in ${(elapsedMs / 1000).toFixed(1)} s (${eventsPerSecond(events, elapsedMs)} events/s):`,
    `every event's SHA-256 hash matches its content, every previousHash links to the stream's previous event,`,
    `stream revisions run without gaps and log positions strictly increase.`,
    `Merkle root (${MERKLE_ALGORITHM}) ${checkpoint.rootHash} over ${counted(Number(checkpoint.size), 'event')}, last position ${checkpoint.position} (checkpoint.json).`,
    `To check later that the log only grew since this pack: potledger verify --checkpoint checkpoint.json`,
    `The year's audit trail has ${counted(trail.length, 'entry', 'entries')}; the exceptions list has ${counted(exceptions.length, 'exception')}.`,
    `Memorandum account: closing balance ${memorandum.reconciliation.closingBalanceFromPartners} from the partners' lines and ${memorandum.reconciliation.closingBalanceFromPot} from the pot's own cash: ${memorandum.reconciliation.agrees ? 'they agree' : 'THEY DO NOT AGREE'}.`,
    '',
  ].join('\n');
  const contents: PackFile[] = [
    { name: 'statement.json', content: jsonFile(statement) },
    {
      name: 'statement.csv',
      content: statementCsv(
        statement,
        (agencyId) => getAgency(books.state.agencyDirectory, agencyId)?.name ?? null,
      ),
    },
    { name: 'audit-trail.csv', content: trailCsv(trail) },
    { name: 'audit-trail.jsonl', content: trailJsonLines(trail) },
    { name: 'exceptions.json', content: jsonFile(exceptions) },
    { name: 'exceptions.csv', content: exceptionsCsv(exceptions) },
    { name: 'memorandum-account.json', content: jsonFile(memorandum) },
    { name: 'memorandum-account.csv', content: memorandumCsv(memorandum) },
    { name: 'checkpoint.json', content: jsonFile(checkpoint) },
    { name: 'verification.txt', content: verification },
  ];
  const files = writePack(options.outDir, [...contents, manifest(contents)]);
  options.out.write(
    `Audit pack for ${revealHiddenCharacters(statement.name)}, ${financialYear}: opening balance ${statement.openingBalance}, closing balance ${statement.closingBalance}, ` +
      `${counted(trail.length, 'audit entry', 'audit entries')}, ${counted(exceptions.length, 'exception')}; log verified (${counted(events, 'event')}, root ${checkpoint.rootHash}).\n` +
      `Written to ${options.outDir}: ${files.join(', ')}\n`,
  );
  return { ok: true, files, events };
}

/** Pretty JSON whose bytes carry no hidden character (written as \u escapes: the same data). */
function jsonFile(value: unknown): string {
  return `${escapeHiddenCharactersInJson(JSON.stringify(value, null, 2))}\n`;
}

/**
 * A pack is written whole or not at all: every file of an earlier pack in the folder goes first,
 * so nothing stale survives beside a new verification report.
 */
function writePack(dir: string, files: readonly PackFile[]): string[] {
  mkdirSync(dir, { recursive: true });
  for (const name of AUDIT_PACK_FILES) rmSync(join(dir, name), { force: true });
  for (const file of files) writeFileSync(join(dir, file.name), file.content, 'utf8');
  return files.map((f) => f.name);
}

/** Adds `audit-pack` to the potledger CLI. */
export function registerAuditPackCommand(program: Command): Command {
  return program
    .command('audit-pack')
    .description(
      'write the inspectorate pack of one pot and financial year: statement, audit trail, exceptions, checkpoint, verification',
    )
    .requiredOption('--pot <potId>', 'the pot')
    .requiredOption('--year <financialYear>', 'the financial year, e.g. 2025-26')
    .requiredOption(
      '--out <dir>',
      'the folder to write (created if absent; files in it are replaced)',
    )
    .option(
      '--workers <n>',
      'worker threads recomputing hashes (0: this thread only; default LEDGER_VERIFY_WORKERS, else cores − 1)',
    )
    .action(async (options: { pot: string; year: string; out: string; workers?: string }) => {
      const result = await writeAuditPack({
        storeUrl: readConfig().storeUrl,
        potId: options.pot,
        financialYear: options.year,
        outDir: options.out,
        ...(options.workers === undefined
          ? {}
          : { workers: parseVerifyWorkers('--workers', options.workers) }),
        out: process.stdout,
        progress: process.stderr,
        generatedAt: new Date().toISOString(),
      });
      if (!result.ok) process.exitCode = 1;
    });
}
