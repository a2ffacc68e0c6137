/**
 * `potledger unit-costs list [--price-year FY] [--json]`: the catalogue's versions in force, from
 * the event log (LEDGER_STORE), optionally restated in one year's prices with the shipped
 * deflator series — what GET /v1/unit-costs[?priceYear=] answers, without a server.
 */
import type { Command } from 'commander';
import { formatPounds, money } from '../../events/money.ts';
import { listUnitCosts, upratedUnitCost } from '../../projections/unitCostCatalogue.ts';
import { readDeflatorFile } from '../unitCosts/unitCostFile.ts';
import { readBooksFrom } from './books.ts';
import { financialYearOption } from './options.ts';

export interface UnitCostsListOptions {
  readonly priceYear?: string;
  readonly json?: boolean;
}

export async function unitCostsListCommand(
  options: UnitCostsListOptions,
  storeUrl: string,
): Promise<string> {
  const books = await readBooksFrom(storeUrl);
  const entries = listUnitCosts(books.state.unitCostCatalogue);
  const { priceYear } = options;
  let unitCosts: object[] = entries;
  if (priceYear !== undefined) {
    const deflators = readDeflatorFile();
    if (deflators.index[priceYear] === undefined) {
      throw new Error(
        `the deflator series has no index for ${priceYear} (it covers ${Object.keys(deflators.index).sort().join(', ')})`,
      );
    }
    unitCosts = entries.map((entry) => ({
      ...entry,
      ...upratedUnitCost(entry, priceYear, deflators),
    }));
  }
  if (options.json === true) return `${JSON.stringify({ unitCosts }, null, 2)}\n`;
  if (entries.length === 0)
    return 'The unit-cost catalogue is empty (load it with: potledger unit-costs import)\n';
  const pounds = (amount: string) => formatPounds(money(amount));
  const lines = entries.map((entry) => {
    const split = entry.split
      .map((p) => `${p.agencyKind} ${pounds(p.amount)}${p.cashable ? ' cashable' : ''}`)
      .join('; ');
    let line = `${entry.code} v${entry.version}: ${pounds(entry.amount)} ${entry.unit} (${entry.priceYear} prices) — ${split}`;
    if (priceYear !== undefined) {
      const restated = upratedUnitCost(entry, priceYear, readDeflatorFile());
      line +=
        restated.uprated === null
          ? `\n    in ${priceYear} prices: cannot be uprated — ${restated.upratingProblem}`
          : `\n    in ${priceYear} prices: ${pounds(restated.uprated.amount)} (× ${restated.uprated.deflator.toIndex} ÷ ${restated.uprated.deflator.fromIndex}) — ${restated.uprated.split.map((p) => `${p.agencyKind} ${pounds(p.amount)}`).join('; ')}`;
    }
    return line;
  });
  return `${lines.join('\n')}\n`;
}

/** Adds `list` to `potledger unit-costs`. */
export function registerUnitCostsListCommand(unitCosts: Command, storeUrl: () => string): Command {
  return unitCosts
    .command('list')
    .description('list the versions in force from the event log (LEDGER_STORE), read-only')
    .addOption(
      financialYearOption(
        '--price-year <year>',
        "also restate each entry in this financial year's prices (GDP deflator), e.g. 2023-24",
      ),
    )
    .option('--json', 'print JSON (the answer of GET /v1/unit-costs[?priceYear=])')
    .action(async (options: UnitCostsListOptions) => {
      process.stdout.write(await unitCostsListCommand(options, storeUrl()));
    });
}
