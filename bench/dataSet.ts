/**
 * The event logs the rows run on: generated once per (kind, seed, size) through the command
 * path into .bench/data/, with progress on stderr, and reused by later runs (a marker file
 * written last says the file is complete). Each run works on a copy.
 *
 * Generation runs in a child process with a large heap (bench/generateChild.ts): the command
 * handler keeps every command of a stream it has touched in memory (its idempotency memory),
 * which for a pot of a million events is more than Node's default heap.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteEventStore } from '../src/store/sqlite/sqliteEventStore.ts';
import { runChild, scriptArgs } from './child.ts';
import { generateLedgerData, type DataSetKind } from './generate.ts';

export interface DataSet {
  readonly kind: DataSetKind;
  readonly path: string;
  readonly seed: number;
  readonly requestedEvents: number;
  readonly events: number;
  readonly pots: number;
  readonly agencies: number;
  readonly commands: number;
  readonly generatedInS: number;
  readonly commandsPerSecond: number;
  readonly stoppedByTimeBudget: boolean;
  /** The budget it was generated under: a cut-short set is made again under a larger one. */
  readonly timeBudgetMs: number;
  /** 'bigPot' sets: the pot that holds the history, a fresh pot beside it, and their partners. */
  readonly bigPot?: { readonly potId: string; readonly partnerAgencyIds: readonly string[] };
  readonly freshPot?: { readonly potId: string; readonly partnerAgencyIds: readonly string[] };
  readonly reused: boolean;
}

/** About one pot per 2,000 events, between 16 and 500: a region's worth at a million. */
export const potsFor = (events: number): number =>
  Math.max(16, Math.min(500, Math.round(events / 2_000)));

const PROGRESS_INTERVAL_MS = 2_000;

export interface DataSetOptions {
  readonly root: string;
  readonly kind: DataSetKind;
  readonly seed: number;
  readonly events: number;
  readonly timeBudgetMs: number;
}

/** Heap for the generating child, in MiB. */
const GENERATOR_HEAP_MIB = 8_192;

const dirFor = (options: DataSetOptions) =>
  join(options.root, `${options.kind}-seed-${options.seed}-events-${options.events}`);

function cachedDataSet(options: DataSetOptions): DataSet | undefined {
  const dir = dirFor(options);
  const path = join(dir, 'ledger.db');
  const marker = join(dir, 'complete.json');
  if (!existsSync(marker) || !existsSync(path)) return undefined;
  const cached = JSON.parse(readFileSync(marker, 'utf8')) as Omit<DataSet, 'reused'>;
  if (cached.stoppedByTimeBudget && cached.timeBudgetMs < options.timeBudgetMs) return undefined;
  return { ...cached, path, reused: true };
}

/** The data set from .bench/data, or generated now (in a child process) and kept there. */
export async function prepareDataSet(options: DataSetOptions): Promise<DataSet> {
  const cached = cachedDataSet(options);
  if (cached !== undefined) return cached;
  const child = await runChild(
    [
      `--max-old-space-size=${GENERATOR_HEAP_MIB}`,
      ...scriptArgs('bench/generateChild.ts', JSON.stringify(options)),
    ],
    {},
    Math.max(options.timeBudgetMs * 2, 10 * 60_000),
    { stderr: 'inherit' },
  );
  if (child.code !== 0)
    throw new Error(
      `generating the ${options.kind} data set failed (exit ${child.code}, peak RSS ${child.peakRssMiB} MiB):\n${child.stdout.slice(-2_000)}`,
    );
  const made = cachedDataSet({ ...options, timeBudgetMs: 0 });
  if (made === undefined)
    throw new Error(`the ${options.kind} data set generator wrote no complete.json`);
  return { ...made, reused: false };
}

/** Generates a data set into its place under `root` (the child's work; see generateChild.ts). */
export async function generateDataSet(options: DataSetOptions): Promise<Omit<DataSet, 'reused'>> {
  const dir = dirFor(options);
  const path = join(dir, 'ledger.db');
  const marker = join(dir, 'complete.json');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const store = createSqliteEventStore(path);
  const pots = options.kind === 'bigPot' ? 2 : potsFor(options.events);
  const label = `${options.kind} data set`;
  process.stderr.write(
    `generating a ${label} of ${options.events.toLocaleString('en-GB')} events (seed ${options.seed}, ${pots} pots${options.kind === 'bigPot' ? ', all history on one' : ''}) through the command path into ${path}\n`,
  );
  const startedAt = Date.now();
  let lastLineAt = startedAt;
  let generated;
  try {
    generated = await generateLedgerData({
      store,
      kind: options.kind,
      seed: options.seed,
      pots,
      events: options.events,
      timeBudgetMs: options.timeBudgetMs,
      onProgress: (events) => {
        const now = Date.now();
        if (now - lastLineAt < PROGRESS_INTERVAL_MS) return;
        lastLineAt = now;
        const perSecond = events / ((now - startedAt) / 1000);
        const etaS = Math.round((options.events - events) / Math.max(perSecond, 1));
        process.stderr.write(
          `  ${label}: ${events.toLocaleString('en-GB')}/${options.events.toLocaleString('en-GB')} events, ${Math.round(perSecond).toLocaleString('en-GB')} events/s, about ${etaS} s to go\n`,
        );
      },
    });
  } finally {
    await store.close();
  }
  const dataSet: Omit<DataSet, 'reused'> = {
    kind: options.kind,
    path,
    seed: options.seed,
    requestedEvents: options.events,
    events: generated.events,
    pots: generated.pots.length,
    agencies: generated.agencies.length,
    commands: generated.commands,
    generatedInS: Math.round(generated.elapsedMs / 100) / 10,
    commandsPerSecond: Math.round(generated.commands / (generated.elapsedMs / 1000)),
    stoppedByTimeBudget: generated.stoppedByTimeBudget,
    timeBudgetMs: options.timeBudgetMs,
    ...(options.kind === 'bigPot'
      ? {
          bigPot: {
            potId: generated.pots[0]!.potId,
            partnerAgencyIds: generated.pots[0]!.partnerAgencyIds,
          },
          freshPot: {
            potId: generated.pots[1]!.potId,
            partnerAgencyIds: generated.pots[1]!.partnerAgencyIds,
          },
        }
      : {}),
  };
  if (generated.stoppedByTimeBudget) {
    process.stderr.write(
      `generation stopped by its time budget (${Math.round(options.timeBudgetMs / 1000)} s) at ${generated.events.toLocaleString('en-GB')} of ${options.events.toLocaleString('en-GB')} events\n`,
    );
  }
  writeFileSync(marker, `${JSON.stringify(dataSet, null, 2)}\n`);
  return dataSet;
}

/** A fresh working copy of the data set (the SQL rebuild and the servers write into it). */
export function workingCopy(dataSet: DataSet, workDir: string): string {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, 'ledger.db');
  copyFileSync(dataSet.path, path);
  return path;
}
