/**
 * `potledger journals --pot ID --agency ID --year FY [--csv | --json]`: a partner's journal for
 * a financial year (docs/pooled-fund-year.md, "Partner journals") from the event log
 * (LEDGER_STORE), the answer of GET /v1/pots/:potId/journals/:agencyId without a server: the
 * lines it posts in its own ledger, coded by its journal mapping; --csv the same CSV file.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { AgencyId } from '../../events/primitives.ts';
import { partnerJournal } from '../../projections/partnerJournal.ts';
import { redactUrl } from '../books/sqlMirror/openReadModels.ts';
import { journalCsv } from '../export/journalCsv.ts';
import { readBooksFrom } from './books.ts';
import { getAgency } from '../../projections/agencyDirectory.ts';
import { financialYearOption, potOption } from './options.ts';

export interface JournalsOptions {
  readonly pot: string;
  readonly agency: string;
  readonly year: string;
  readonly csv?: boolean;
  readonly json?: boolean;
}

export async function journalsCommand(options: JournalsOptions, storeUrl: string): Promise<string> {
  const books = await readBooksFrom(storeUrl);
  const answer = partnerJournal(books.state.poolYear, options.pot, options.agency, options.year);
  if (answer.kind === 'no-pot')
    throw new Error(`pot ${options.pot} does not exist in ${redactUrl(storeUrl)}`);
  if (answer.kind === 'not-a-partner')
    throw new Error(`${options.agency} is not a partner of pot ${options.pot}`);
  const j = answer.journal;
  if (options.csv === true) return journalCsv(j);
  if (options.json === true) return `${JSON.stringify(j, null, 2)}\n`;
  const out = [
    `Journal: ${getAgency(books.state.agencyDirectory, j.agencyId)?.name ?? j.agencyId} (${j.agencyId}) in pot ${j.potId}, ${j.financialYear}${j.settled ? ' (settled)' : ''}`,
    j.mapped ? `  journal mapping version ${j.mappingVersion}` : '  no journal mapping',
  ];
  if (j.note !== null) out.push(`  ${j.note}`);
  const width = Math.max(11, ...j.lines.map((l) => `${l.costCentre} ${l.accountCode}`.length));
  for (const l of j.lines)
    out.push(
      `  ${`${l.costCentre} ${l.accountCode}`.trim().padEnd(width)}  ${l.debit.padStart(14)}  ${l.credit.padStart(14)}  ${l.description}`,
    );
  out.push(
    `  ${'total'.padEnd(width)}  ${j.totals.debit.padStart(14)}  ${j.totals.credit.padStart(14)}`,
  );
  return `${out.join('\n')}\n`;
}

export function registerJournalsCommand(program: Command, storeUrl: () => string): Command {
  return program
    .command('journals')
    .description(
      "print a partner's journal for a financial year (the lines it posts in its own ledger, coded by its journal mapping) from the event log (LEDGER_STORE)",
    )
    .addOption(potOption())
    .addOption(
      new Option('--agency <agencyId>', 'the partner')
        .argParser((value: string) => {
          if (!AgencyId.safeParse(value).success)
            throw new InvalidArgumentError('not a valid agency id');
          return value;
        })
        .makeOptionMandatory(),
    )
    .addOption(financialYearOption('--year <financialYear>', 'e.g. 2025-26').makeOptionMandatory())
    .option('--csv', 'print CSV (the answer of GET …/journals/:agencyId?format=csv)')
    .option('--json', 'print JSON (the answer of GET /v1/pots/:potId/journals/:agencyId)')
    .action(async (options: JournalsOptions) => {
      process.stdout.write(await journalsCommand(options, storeUrl()));
    });
}
