/**
 * Rows of the benchmark table (measured vs the targets of issue 7), printed for the terminal
 * and written as JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Machine } from './machine.ts';
import { formatProfile, type ProfileSummary } from './profile.ts';

/** One figure of a row: the median of the runs, and what the target asks of it. */
export interface Metric {
  readonly name: string;
  readonly unit: string;
  /** The median over the runs. */
  readonly median: number;
  readonly runs: readonly number[];
  /** At least (`min`) or at most (`max`) this, when the issue sets a target for it. */
  readonly target?: { readonly min?: number; readonly max?: number };
}

export interface Row {
  readonly id: string;
  readonly figure: string;
  readonly metrics: readonly Metric[];
  /** What was run, on how much data. */
  readonly note: string;
  /** Events in the log a "1,000,000 events" row ran on, when fewer: its verdict says so. */
  readonly smallerLog?: number;
  /** Set when the row could not be measured, with why. */
  readonly notMeasured?: string;
  /** --profile: where the row's processes spent their CPU. */
  readonly profile?: ProfileSummary;
}

export interface Report {
  readonly startedAt: string;
  readonly mode: 'quick' | 'full';
  /** True when every process ran under --cpu-prof: the timings are then slower than real. */
  readonly profiled: boolean;
  readonly command: string;
  readonly machine: Machine;
  readonly dataSets: Record<string, Record<string, unknown>>;
  readonly rows: readonly Row[];
  readonly durationS: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const metric = (
  name: string,
  unit: string,
  runs: readonly number[],
  target?: Metric['target'],
): Metric => ({
  name,
  unit,
  median: median(runs),
  runs,
  ...(target === undefined ? {} : { target }),
});

export function meets(m: Metric): boolean | null {
  if (m.target === undefined || Number.isNaN(m.median)) return null;
  if (m.target.min !== undefined && m.median < m.target.min) return false;
  if (m.target.max !== undefined && m.median > m.target.max) return false;
  return true;
}

export function rowVerdict(row: Row): string {
  if (row.notMeasured !== undefined) return 'not measured';
  const targeted = row.metrics.filter((m) => m.target !== undefined);
  // A target whose figure came out as no number is not met, and not silently skipped either.
  if (targeted.some((m) => Number.isNaN(m.median))) return 'not measured (no value)';
  const verdicts = targeted.map(meets).filter((v) => v !== null);
  if (verdicts.length === 0) return '—';
  const verdict = verdicts.every(Boolean) ? 'meets' : 'misses';
  return row.smallerLog === undefined
    ? verdict
    : `${verdict} at ${row.smallerLog.toLocaleString('en-GB')} events, not 1,000,000`;
}

const number = (value: number): string =>
  Number.isNaN(value)
    ? 'n/a'
    : Math.abs(value) >= 100
      ? Math.round(value).toLocaleString('en-GB')
      : String(Math.round(value * 100) / 100);

function describeTarget(m: Metric): string {
  if (m.target === undefined) return '';
  if (m.target.min !== undefined) return `≥ ${number(m.target.min)} ${m.unit}`;
  return `≤ ${number(m.target.max!)} ${m.unit}`;
}

export function formatTable(report: Report): string {
  const lines: string[] = [];
  const m = report.machine;
  lines.push(`potledger benchmark (${report.mode}) — ${report.startedAt}`);
  if (report.profiled)
    lines.push(
      'PROFILED RUN (--profile): every process ran under --cpu-prof, so every timing below is slower than without; use it for the profiles, not the figures.',
    );
  lines.push(
    `machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory (${m.freeMemoryGiB} GiB free at start), Node ${m.node}, ${m.os}`,
  );
  lines.push(`command: ${report.command}`);
  for (const [name, dataSet] of Object.entries(report.dataSets)) {
    lines.push(
      `data set ${name}: ${Object.entries(dataSet)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  lines.push('');
  const header = ['figure', 'measured (median)', 'target', 'verdict', 'runs'];
  const table: string[][] = [header];
  for (const row of report.rows) {
    if (row.notMeasured !== undefined) {
      table.push([row.figure, 'not measured (see below)', '', 'not measured', '']);
      continue;
    }
    row.metrics.forEach((x, i) => {
      table.push([
        i === 0 ? row.figure : '',
        `${x.name} ${number(x.median)} ${x.unit}`,
        describeTarget(x),
        i === 0 ? rowVerdict(row) : '',
        x.runs.map(number).join(' / '),
      ]);
    });
  }
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const [i, r] of table.entries()) {
    lines.push(
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join(' | ')
        .trimEnd(),
    );
    if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
  lines.push('');
  for (const row of report.rows) {
    lines.push(
      `  ${row.figure}: ${row.notMeasured === undefined ? row.note : `NOT MEASURED: ${row.notMeasured}`}`,
    );
    if (row.profile !== undefined) lines.push(...formatProfile(row.profile));
  }
  lines.push(`took ${report.durationS} s`);
  return lines.join('\n');
}

export function writeJson(path: string, report: Report): void {
  mkdirSync(dirname(path), { recursive: true });
  const withVerdicts = {
    ...report,
    rows: report.rows.map((row) => ({ ...row, verdict: rowVerdict(row) })),
  };
  writeFileSync(path, `${JSON.stringify(withVerdicts, null, 2)}\n`);
}
