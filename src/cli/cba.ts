/**
 * `potledger cba --pot ID [--intervention ID] [--financial-year 2025-26] [--json]`: the
 * cost-benefit report from the event log, as a table a finance officer can read (or the JSON
 * GET /v1/pots/:potId/cba answers), from the whole log folded into fresh books (books.ts).
 */
import { Command, Option } from 'commander';
import { FinancialYear, Ulid } from '../../events/primitives.ts';
import { formatPounds, money } from '../../events/money.ts';
import {
  costBenefitReport,
  type CostBenefitReport,
  type InterventionCbaView,
  type PotCbaView,
} from '../../projections/costBenefit.ts';
import { getAgency } from '../../projections/agencyDirectory.ts';
import { readConfig } from '../app/config.ts';
import { redactUrl } from '../books/sqlMirror/openReadModels.ts';
import { readDeflatorFile } from '../unitCosts/unitCostFile.ts';
import { readBooksFrom } from './books.ts';
import { parsedWith } from './options.ts';

export interface CbaOptions {
  readonly pot: string;
  readonly intervention?: string;
  readonly financialYear?: string;
  readonly baseYear?: string;
  readonly json?: boolean;
}

/** The report as the CLI prints it; throws (exit 2) for an unknown pot or intervention. */
export async function cbaCommand(options: CbaOptions, storeUrl: string): Promise<string> {
  const books = await readBooksFrom(storeUrl);
  const report = costBenefitReport(
    books.state.costBenefitInputs,
    options.pot,
    {
      ...(options.intervention === undefined ? {} : { interventionId: options.intervention }),
      ...(options.financialYear === undefined ? {} : { financialYear: options.financialYear }),
      ...(options.baseYear === undefined ? {} : { baseYear: options.baseYear }),
    },
    readDeflatorFile(),
  );
  if (report === null)
    throw new Error(`pot ${options.pot} does not exist in ${redactUrl(storeUrl)}`);
  if (report === 'unknown-intervention')
    throw new Error(`intervention ${options.intervention} does not exist in pot ${options.pot}`);
  if ('refusal' in report) throw new Error(report.detail);
  const nameOf = (agencyId: string) =>
    getAgency(books.state.agencyDirectory, agencyId)?.name ?? agencyId;
  return options.json === true
    ? `${JSON.stringify(report, null, 2)}\n`
    : renderReport(report, nameOf);
}

const pounds = (amount: string): string => formatPounds(money(amount));

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  // First column left-aligned (labels), figures right-aligned, as in a spreadsheet.
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function headline(view: InterventionCbaView | PotCbaView): string[][] {
  return [
    ['Present value of benefits', pounds(view.presentValueOfBenefits.value)],
    ['  of which cashable', pounds(view.presentValueOfBenefits.cashable)],
    ['  of which non-cashable', pounds(view.presentValueOfBenefits.nonCashable)],
    ['Cost (net funding allocated)', pounds(view.cost.value)],
    ['Net present budget impact', pounds(view.netPresentBudgetImpact.value)],
    ['Financial return on investment', view.financialReturnOnInvestment.value ?? 'n/a'],
    ['Payback year', view.paybackYear.value === null ? 'none' : `year ${view.paybackYear.value}`],
  ];
}

/** An agency as a person reads it: its name (the id when the ledger has no name for it). */
type NameOf = (agencyId: string) => string;

function whoBenefits(view: InterventionCbaView | PotCbaView, nameOf: NameOf): string {
  if (view.whoBenefits.length === 0) return '  (no benefits recorded)';
  return table([
    ['Who benefits', 'gross cashable', 'gross non-cashable', 'PV cashable', 'PV non-cashable'],
    ...view.whoBenefits.map((r) => [
      nameOf(r.agencyId),
      pounds(r.grossCashable),
      pounds(r.grossNonCashable),
      pounds(r.presentValueCashable),
      pounds(r.presentValueNonCashable),
    ]),
  ]);
}

export function renderReport(
  report: CostBenefitReport,
  nameOf: NameOf = (agencyId) => agencyId,
): string {
  const lines: string[] = [];
  const scope = [report.scope.interventionId, report.scope.financialYear]
    .filter((s) => s !== undefined)
    .join(', ');
  lines.push(
    `Cost-benefit report: ${report.name} (${report.potId})${scope === '' ? '' : ` — ${scope}`}`,
  );
  lines.push(
    `Discounted at ${report.method.discountRatePercent}% a year (year 0 undiscounted); figures rounded to pence once, from exact values.`,
  );
  lines.push(
    `Benefits valued from the unit-cost catalogue are in ${report.method.prices.baseYear} prices (${report.method.prices.deflator}); benefits given in pounds are taken as already in those prices.`,
  );
  for (const i of report.interventions) {
    const a = i.assumptions;
    lines.push('', `== ${i.name} (${i.interventionId}), led by ${nameOf(i.leadAgencyId)}`);
    lines.push(
      `Assumptions (${a.source === 'default' ? 'DEFAULTS: never set' : `set by ${a.setBy} at ${a.setAt}: ${a.reason}`}): ` +
        `deadweight ${a.deadweightPercent}%, attribution ${a.attributionPercent}%, optimism bias ${a.optimismBiasPercent}%, profile ${a.benefitProfile.map((p) => `${p}%`).join(' / ')}`,
    );
    lines.push(
      table([
        ['Gross benefits', pounds(i.grossBenefits.total)],
        [`Net of deadweight (× (1 − ${a.deadweightPercent}%))`, pounds(i.netOfDeadweight.value)],
        [`After attribution (× ${a.attributionPercent}%)`, pounds(i.afterAttribution.value)],
        [
          `Adjusted annual benefit (× (1 − ${a.optimismBiasPercent}%))`,
          pounds(i.adjustedAnnualBenefit.value),
        ],
      ]),
    );
    lines.push(
      table([
        ['Year', 'profile', 'benefit', 'discount factor', 'present value', 'cumulative PV'],
        ...i.years.map((y) => [
          String(y.year),
          `${y.profilePercent}%`,
          pounds(y.benefit.value),
          y.discountFactor,
          pounds(y.presentValue.value),
          pounds(y.cumulativePresentValue),
        ]),
      ]),
    );
    lines.push(table(headline(i)), whoBenefits(i, nameOf));
  }
  lines.push(
    '',
    `== Pot total (${report.interventions.length} intervention${report.interventions.length === 1 ? '' : 's'})`,
  );
  lines.push(
    table([['Gross benefits', pounds(report.pot.grossBenefits.total)], ...headline(report.pot)]),
    whoBenefits(report.pot, nameOf),
  );
  return `${lines.join('\n')}\n`;
}

/** Adds `cba` to the potledger CLI. */
export function registerCbaCommand(program: Command): Command {
  return program
    .command('cba')
    .description('print the cost-benefit report of a pot from the event log (LEDGER_STORE)')
    .addOption(
      new Option('--pot <potId>', 'the pot')
        .argParser(parsedWith(Ulid, 'pot id (a ULID)'))
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--intervention <interventionId>', 'only this intervention').argParser(
        parsedWith(Ulid, 'intervention id (a ULID)'),
      ),
    )
    .addOption(
      new Option(
        '--financial-year <year>',
        'only what is dated in this financial year, e.g. 2025-26',
      ).argParser(parsedWith(FinancialYear, 'financial year, e.g. 2025-26')),
    )
    .addOption(
      new Option(
        '--base-year <year>',
        "restate catalogue-valued benefits in this year's prices (default: --financial-year if the deflators cover it, else their latest year)",
      ).argParser(parsedWith(FinancialYear, 'financial year, e.g. 2025-26')),
    )
    .option('--json', 'print the report as JSON (the answer of GET /v1/pots/:potId/cba)')
    .action(async (options: CbaOptions) => {
      process.stdout.write(await cbaCommand(options, readConfig().storeUrl));
    });
}
