/**
 * `npm run reliability` (after the reliability suites have run): reads the figures each suite
 * recorded under test-output/reliability/ and rewrites the Reliability figures in docs/reliability.md
 * between its markers, with the machine and the command that produced them.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const FIGURES_DIR = join(process.cwd(), 'test-output', 'reliability');
const README = join(process.cwd(), 'docs', 'reliability.md');
const START = '<!-- reliability-figures:start -->';
const END = '<!-- reliability-figures:end -->';
const BYTES_PER_GIB = 1024 ** 3;

interface SuiteFigures {
  readonly suite: string;
  readonly figures: Record<string, number | string>;
  readonly recordedAt: string;
}

function readFigures(): SuiteFigures[] {
  if (!existsSync(FIGURES_DIR))
    throw new Error(
      `no figures in ${FIGURES_DIR}: run the reliability suites first (npm run reliability)`,
    );
  return readdirSync(FIGURES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(FIGURES_DIR, name), 'utf8')) as SuiteFigures);
}

function render(suites: readonly SuiteFigures[]): string {
  const machine = `${cpus().length} cores, ${Math.round(totalmem() / BYTES_PER_GIB)} GiB, Node ${process.version}`;
  const lines = [
    START,
    `Produced by \`npm run reliability\` on ${new Date().toISOString().slice(0, 10)} (${machine}).`,
    '',
    '| suite | figure | value |',
    '|---|---|---|',
  ];
  for (const suite of suites) {
    for (const [figure, value] of Object.entries(suite.figures)) {
      // Seeds are identifiers to paste back, not quantities: no thousands separators.
      const shown =
        typeof value === 'number' && figure !== 'seed'
          ? value.toLocaleString('en-GB')
          : String(value);
      lines.push(`| ${suite.suite} | ${escapeCell(figure)} | ${escapeCell(shown)} |`);
    }
  }
  lines.push(END);
  return lines.join('\n');
}

/** A Markdown table cell: a pipe would end the cell early. */
function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

const suites = readFigures();
const readme = readFileSync(README, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start === -1 || end === -1)
  throw new Error(`docs/reliability.md has no ${START} … ${END} markers`);
writeFileSync(README, readme.slice(0, start) + render(suites) + readme.slice(end + END.length));
console.log(
  `docs/reliability.md: reliability figures from ${suites.length} suites (${suites.map((s) => s.suite).join(', ')})`,
);
