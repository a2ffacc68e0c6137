/**
 * `potledger agreements --pot ID [--json]`: the pot's agreement register — every version, the
 * board decision that made it, what it replaced and its risk-share rules — from the event log
 * (LEDGER_STORE), the answer of GET /v1/pots/:potId/agreements without a server.
 */
import type { Command } from 'commander';
import { formatPounds, money } from '../../events/money.ts';
import { agreementsOf } from '../../projections/poolYearReports.ts';
import { redactUrl } from '../books/sqlMirror/openReadModels.ts';
import { readBooksFrom } from './books.ts';
import { getAgency } from '../../projections/agencyDirectory.ts';
import { potOption } from './options.ts';

export interface AgreementsOptions {
  readonly pot: string;
  readonly json?: boolean;
}

export async function agreementsCommand(
  options: AgreementsOptions,
  storeUrl: string,
): Promise<string> {
  const books = await readBooksFrom(storeUrl);
  const register = agreementsOf(books.state.poolYear, options.pot);
  if (register === null)
    throw new Error(`pot ${options.pot} does not exist in ${redactUrl(storeUrl)}`);
  if (options.json === true) return `${JSON.stringify(register, null, 2)}\n`;
  const out = [`Agreement register: pot ${register.potId}`];
  const nameOf = (agencyId: string) =>
    getAgency(books.state.agencyDirectory, agencyId)?.name ?? agencyId;
  if (register.versions.length === 0) return `${out[0]}\n  (no agreement recorded)\n`;
  for (const v of [...register.versions].reverse()) {
    const rule = v.overspend;
    const share =
      rule.share === 'fixed'
        ? `fixed shares (${Object.entries(rule.percentages ?? {})
            .map(([agencyId, bp]) => `${nameOf(agencyId)} ${(bp / 100).toFixed(2)}%`)
            .join(', ')})`
        : rule.share === 'contributions'
          ? "pro rata to the year's contributions"
          : "by each scheme's commissioner split";
    const caps = Object.entries(rule.caps ?? {})
      .map(([agencyId, amount]) => `${nameOf(agencyId)} capped at ${formatPounds(money(amount))}`)
      .join(', ');
    out.push(
      `${v === register.current ? '*' : ' '} version ${v.version}  ${v.reference}  ${v.legalBasis}  from ${v.startDate}${v.endDate === undefined ? '' : ` to ${v.endDate}`}, signed ${v.signedOn}`,
      `    board decision ${v.boardDecisionRef}${v.replaces === undefined ? '' : `; replaces version ${v.replaces.version} (${v.replaces.boardDecisionRef})`}`,
      `    spend tracking ${v.spendTracking ? 'on' : 'off'}; overspend ${rule.policy === 'block' ? 'refused' : 'warned'}, ${rule.coverFromPot ? 'covered from the pot first, then' : ''} shared ${share}${caps === '' ? '' : `, ${caps}`}; underspend ${v.underspend === 'return' ? 'returned to the partners' : 'carried forward'}`,
    );
  }
  out.push('(* the version in force)');
  return `${out.join('\n')}\n`;
}

export function registerAgreementsCommand(program: Command, storeUrl: () => string): Command {
  return program
    .command('agreements')
    .description(
      "print the pot's agreement register (every version, its board decision and risk-share rules) from the event log (LEDGER_STORE)",
    )
    .addOption(potOption())
    .option('--json', 'print JSON (the answer of GET /v1/pots/:potId/agreements)')
    .action(async (options: AgreementsOptions) => {
      process.stdout.write(await agreementsCommand(options, storeUrl()));
    });
}
