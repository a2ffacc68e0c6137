/**
 * `potledger agreed-contributions --pot ID [--json]`: each partner's agreed contribution per
 * financial year against what it paid (received, outstanding, overpaid), from the event log
 * (LEDGER_STORE) — the `agreedContributions` of GET /v1/pots/:potId, without a server.
 */
import type { Command } from 'commander';
import { formatPounds, money } from '../../events/money.ts';
import { potSummary } from '../../projections/potSummary.ts';
import { redactUrl } from '../books/sqlMirror/openReadModels.ts';
import { readBooksFrom } from './books.ts';
import { getAgency } from '../../projections/agencyDirectory.ts';
import { potOption } from './options.ts';

export interface AgreedContributionsOptions {
  readonly pot: string;
  readonly json?: boolean;
}

export async function agreedContributionsCommand(
  options: AgreedContributionsOptions,
  storeUrl: string,
): Promise<string> {
  const books = await readBooksFrom(storeUrl);
  const pot = potSummary(books.state.potSummary, options.pot);
  if (pot === null) throw new Error(`pot ${options.pot} does not exist in ${redactUrl(storeUrl)}`);
  const rows = pot.agreedContributions;
  if (options.json === true)
    return `${JSON.stringify({ potId: pot.potId, name: pot.name, agreedContributions: rows }, null, 2)}\n`;
  const out = [`Agreed contributions: ${pot.name} (${pot.potId})`];
  if (rows.length === 0) return `${out[0]}\n  (no contributions agreed)\n`;
  const pounds = (amount: string) => formatPounds(money(amount));
  const nameOf = (agencyId: string) =>
    getAgency(books.state.agencyDirectory, agencyId)?.name ?? agencyId;
  const table = [
    ['Year', 'Partner', 'agreed', 'received', 'outstanding', 'overpaid', 'board decision'],
    ...rows.map((r) => [
      r.financialYear,
      nameOf(r.agencyId),
      pounds(r.agreed),
      pounds(r.received),
      pounds(r.outstanding),
      pounds(r.overpaid),
      `${r.boardDecisionRef}${r.versions > 1 ? ` (varied, ${r.versions} versions)` : ''}`,
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  // Labels left-aligned, figures right-aligned, as in a spreadsheet.
  const figures = new Set([2, 3, 4, 5]);
  for (const row of table)
    out.push(
      row
        .map((cell, c) => (figures.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    );
  return `${out.join('\n')}\n`;
}

export function registerAgreedContributionsCommand(
  program: Command,
  storeUrl: () => string,
): Command {
  return program
    .command('agreed-contributions')
    .description(
      "print each partner's agreed contribution per year against what it paid, from the event log (LEDGER_STORE)",
    )
    .addOption(potOption())
    .option('--json', 'print JSON (the agreedContributions of GET /v1/pots/:potId)')
    .action(async (options: AgreedContributionsOptions) => {
      process.stdout.write(await agreedContributionsCommand(options, storeUrl()));
    });
}
