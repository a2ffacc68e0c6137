/**
 * The event log the read-side rows run on: generated once per (seed, size) through the command
 * path into .bench/data/, with progress on the terminal, and reused by later runs (a marker
 * file written last says the file is complete). Each run works on a copy.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { positionProgress } from '../src/cli/progress.ts';
import { createSqliteEventStore } from '../src/store/sqliteEventStore.ts';
import { generateLedgerData } from './generate.ts';

export interface DataSet {
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
  readonly reused: boolean;
}

/** About one pot per 2,000 events, between 16 and 500: a region's worth at a million. */
export const potsFor = (events: number): number => Math.max(16, Math.min(500, Math.round(events / 2_000)));

export async function prepareDataSet(options: { root: string; seed: number; events: number; timeBudgetMs: number }): Promise<DataSet> {
  const dir = join(options.root, `seed-${options.seed}-events-${options.events}`);
  const path = join(dir, 'ledger.db');
  const marker = join(dir, 'complete.json');
  if (existsSync(marker) && existsSync(path)) {
    return { ...(JSON.parse(readFileSync(marker, 'utf8')) as Omit<DataSet, 'reused'>), path, reused: true };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const store = createSqliteEventStore(path);
  const pots = potsFor(options.events);
  process.stderr.write(`generating ${options.events.toLocaleString('en-GB')} events (seed ${options.seed}, ${pots} pots) through the command path into ${path}\n`);
  const progress = positionProgress(process.stderr, BigInt(options.events), 'generating events');
  const startedAt = Date.now();
  let generated;
  let nextUpdate = 0;
  try {
    generated = await generateLedgerData({
      store,
      seed: options.seed,
      pots,
      events: options.events,
      timeBudgetMs: options.timeBudgetMs,
      onProgress: (events) => {
        if (events < nextUpdate) return;
        nextUpdate = events + 250;
        progress.update(BigInt(events), events, Date.now() - startedAt);
      },
    });
  } finally {
    progress.stop();
    await store.close();
  }
  const dataSet: Omit<DataSet, 'reused'> = {
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
  };
  if (generated.stoppedByTimeBudget) {
    process.stderr.write(
      `generation stopped by its time budget (${Math.round(options.timeBudgetMs / 1000)} s) at ${generated.events.toLocaleString('en-GB')} of ${options.events.toLocaleString('en-GB')} events\n`,
    );
  }
  writeFileSync(marker, `${JSON.stringify(dataSet, null, 2)}\n`);
  return { ...dataSet, reused: false };
}

/** A fresh working copy of the data set (the SQL rebuild writes read models into it). */
export function workingCopy(dataSet: DataSet, workDir: string): string {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, 'ledger.db');
  copyFileSync(dataSet.path, path);
  return path;
}
