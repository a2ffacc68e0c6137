/**
 * The `potledger` command line. `potledger token …` mints a bearer token from the same secret
 * the server uses (LEDGER_JWT_SECRET, or the one in the data directory).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ROLES, signToken, type Role } from '../auth/tokens.ts';
import { JWT_SECRET_FILE, readConfig, readExistingJwtSecret } from '../app/config.ts';
import { registerAuditPackCommand } from './auditPack.ts';
import { registerBackupCommands } from './backup.ts';
import { registerRebuildCommand } from './rebuild.ts';
import { registerUnitCostsCommand } from './unitCosts.ts';
import { registerCbaCommand } from './cba.ts';
import { registerAgreedContributionsCommand } from './agreedContributions.ts';
import { registerAgreementsCommand } from './agreements.ts';
import { registerJournalsCommand } from './journals.ts';
import { registerUnitCostsListCommand } from './unitCostsList.ts';
import { registerVerifyCommand } from './verify.ts';

export function buildCli(): Command {
  const program = new Command('potledger').description(
    'Event-sourced ledger for pooled public budgets',
  );

  program
    .command('token')
    .description('mint a bearer token for the API')
    .requiredOption('--sub <name>', 'who the token is for (shown in the audit trail)')
    .addOption(
      new Option('--role <role>', 'what the holder may do')
        .choices([...ROLES])
        .makeOptionMandatory(),
    )
    .option(
      '--agency <agencyId>',
      'the agency a finance officer acts for (required for finance-officer)',
    )
    .option('--expires-in <duration>', 'lifetime, e.g. 30m, 8h, 7d', '8h')
    .action((options: { sub: string; role: Role; agency?: string; expiresIn: string }) => {
      if (options.role === 'finance-officer' && options.agency === undefined) {
        throw new InvalidArgumentError('a finance-officer token needs --agency <agencyId>');
      }
      const { dataDir } = readConfig();
      const secret = readExistingJwtSecret(dataDir);
      if (secret === null) {
        throw new InvalidArgumentError(
          `no signing secret: set LEDGER_JWT_SECRET, or LEDGER_DATA_DIR to the server's data directory (looked for ${dataDir}/${JWT_SECRET_FILE}; the server creates it on first start)`,
        );
      }
      const claims = {
        sub: options.sub,
        role: options.role,
        ...(options.agency === undefined ? {} : { agency: options.agency }),
      };
      process.stdout.write(`${signToken(secret, claims, options.expiresIn)}\n`);
    });

  program
    .command('serve')
    .description('serve the API (what `npm start` runs)')
    .action(async () => {
      await import('../app/main.ts');
    });

  registerRebuildCommand(program);
  registerAuditPackCommand(program);
  registerUnitCostsListCommand(registerUnitCostsCommand(program), () => readConfig().storeUrl);
  registerCbaCommand(program);
  registerAgreedContributionsCommand(program, () => readConfig().storeUrl);
  registerAgreementsCommand(program, () => readConfig().storeUrl);
  registerJournalsCommand(program, () => readConfig().storeUrl);
  registerVerifyCommand(program);
  registerBackupCommands(program);
  return program;
}

try {
  await buildCli().parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`potledger: ${(error as Error).message}\n`);
  process.exit(2);
}
