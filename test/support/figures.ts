/**
 * Reliability suites record what they proved in numbers (sequences run, kills survived, inputs
 * refused…). Each suite writes test-output/reliability/<suite>.json; `npm run reliability`
 * runs the suites and puts the figures into the Reliability figures of docs/reliability.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIGURES_DIR = join(process.cwd(), 'test-output', 'reliability');

export interface SuiteFigures {
  readonly suite: string;
  /** What one line of docs/reliability.md says, e.g. "command sequences run against the HTTP app". */
  readonly figures: Readonly<Record<string, number | string>>;
}

export function recordFigures(suite: string, figures: Record<string, number | string>): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const body = { suite, figures, recordedAt: new Date().toISOString() };
  writeFileSync(join(FIGURES_DIR, `${suite}.json`), `${JSON.stringify(body, null, 2)}\n`);
  console.log(
    `[figures] ${suite}: ${Object.entries(figures)
      .map(([k, v]) => `${k} = ${v}`)
      .join('; ')}`,
  );
}
