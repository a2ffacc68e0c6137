/**
 * `npm run demo`: loads the Essex reducing-reoffending scenario into a RUNNING potledger server
 * over real HTTP, then prints the pot and who invested / who benefited.
 * Then it runs a pooled-fund year, the Better Care Fund pot of the Essex Health and Wellbeing
 * Board area (src/demo/poolYearScenario.ts). `npm run demo -- --pool-year` (or
 * POTLEDGER_DEMO=pool-year) runs only that; POTLEDGER_DEMO=essex only the first.
 *
 *   LEDGER_URL       the server (default http://127.0.0.1:3000)
 *   LEDGER_DATA_DIR  the server's data directory, whose jwt-secret signs the demo's tokens
 *   LEDGER_JWT_SECRET  or the secret itself, when the server was started with it
 *
 * Safe to re-run against the same server: every write carries a fixed Idempotency-Key
 * (DEMO_RUN_ID), so a second run is answered from the ledger's memory of the first — the same
 * pots, nothing appended, never a second pot of the same name — and says so.
 */
import { join } from 'node:path';
import type { FlowsMatrixView } from '../../projections/benefitFlows.ts';
import type { PotSummaryView } from '../../projections/potSummary.ts';
import type { AgencyView } from '../../projections/agencyDirectory.ts';
import { signToken } from '../auth/tokens.ts';
import { JWT_SECRET_FILE, readConfig, readExistingJwtSecret } from '../app/config.ts';
import { counted } from '../cli/counted.ts';
import { renderPotSummary, renderWhatItDid } from './demoReport.ts';
import { DEMO_AGENCIES, FIRE, HOST, loadEssexScenario, POLICE } from './essexScenario.ts';
import {
  renderAgencyReturns,
  renderFlowsMatrix,
  wrongPocketHeadline,
  type AgencyLabel,
} from './flowsTable.ts';
import { createLedgerClient, LedgerHttpError, ServerUnreachableError } from './ledgerClient.ts';
import { loadUnitCostCatalogue } from './loadUnitCosts.ts';
import { loadPoolYear, POOL_AGENCIES, PoolYearAlreadyLoaded } from './poolYearScenario.ts';
import { renderPoolYear } from './poolYearReport.ts';

export const DEFAULT_LEDGER_URL = 'http://127.0.0.1:3000';
/** The demo's tokens only need to outlive the demo. */
const DEMO_TOKEN_LIFETIME = '15m';
const EXIT_FAILURE = 1;
/**
 * Part of every Idempotency-Key the demo sends. Fixed, so re-running replays the first run.
 * Change it only with the scenarios' bodies: a key sent again with another body is refused.
 */
export const DEMO_RUN_ID = 'demo-v1';

async function runDemo(): Promise<number> {
  const baseUrl = process.env.LEDGER_URL ?? DEFAULT_LEDGER_URL;
  const client = createLedgerClient(baseUrl);

  try {
    await client.get('/health', null);
  } catch (error) {
    if (error instanceof ServerUnreachableError) {
      process.stderr.write(
        `potledger demo: cannot reach the ledger at ${client.baseUrl} (${error.message.replace(/^no answer from \S+: /, '')}).\n` +
          `Start the server first with \`npm start\` (in another terminal), then run \`npm run demo\` again.\n` +
          `If it runs elsewhere, point the demo at it: LEDGER_URL=http://host:port npm run demo\n`,
      );
      return EXIT_FAILURE;
    }
    if (error instanceof LedgerHttpError) {
      process.stderr.write(
        `potledger demo: the ledger at ${client.baseUrl} is not healthy: ${error.message}\n`,
      );
      return EXIT_FAILURE;
    }
    throw error;
  }

  const secret = serverSecret();
  if (secret === null) return EXIT_FAILURE;
  const mint = (claims: Parameters<typeof signToken>[1]) =>
    signToken(secret.secret, claims, DEMO_TOKEN_LIFETIME);

  let output: string;
  try {
    const only = process.argv.includes('--pool-year') ? 'pool-year' : process.env.POTLEDGER_DEMO;
    // By default both: the Essex reducing-reoffending pot, then the Better Care Fund year.
    output =
      only === 'pool-year'
        ? await loadPoolYearAndReport(client, mint)
        : only === 'essex'
          ? await loadAndReport(client, mint)
          : `${await loadAndReport(client, mint)}\n${'-'.repeat(80)}\n\n${await loadPoolYearAndReport(client, mint)}`;
  } catch (error) {
    if (error instanceof LedgerHttpError && error.status === 401) {
      process.stderr.write(
        `potledger demo: the server refused the demo's tokens (${error.detail}).\n` +
          `They were signed with ${secret.from}; run the demo with the same LEDGER_DATA_DIR (or LEDGER_JWT_SECRET) as the server.\n`,
      );
      return EXIT_FAILURE;
    }
    if (error instanceof LedgerHttpError || error instanceof ServerUnreachableError) {
      process.stderr.write(`potledger demo: stopped: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
  process.stdout.write(output);
  return 0;
}

/**
 * The server's signing secret. Unlike the server, the demo never creates one: a fresh secret
 * in the wrong directory would only produce tokens the server refuses.
 */
function serverSecret(): { secret: string; from: string } | null {
  const { dataDir } = readConfig();
  const path = join(dataDir, JWT_SECRET_FILE);
  const secret = readExistingJwtSecret(dataDir);
  if (secret === null) {
    process.stderr.write(
      `potledger demo: no signing secret: LEDGER_JWT_SECRET is not set and ${path} does not exist.\n` +
        `Run the demo with the server's LEDGER_DATA_DIR (the server writes jwt-secret there on first start) or its LEDGER_JWT_SECRET.\n`,
    );
    return null;
  }
  const fromEnv =
    process.env.LEDGER_JWT_SECRET !== undefined && process.env.LEDGER_JWT_SECRET !== '';
  return { secret, from: fromEnv ? 'LEDGER_JWT_SECRET' : `the secret in ${path}` };
}

async function loadAndReport(
  client: ReturnType<typeof createLedgerClient>,
  mint: Parameters<typeof loadEssexScenario>[1],
): Promise<string> {
  const catalogue = await loadUnitCostCatalogue(client, mint({ sub: 'alice', role: 'admin' }));
  const record = await loadEssexScenario(client, mint, DEMO_RUN_ID);
  const reporter = mint({ sub: 'rita', role: 'reporter' });
  const after = `minPosition=${record.lastPosition}`;
  const [{ agencies: directory }, pot, flows] = await Promise.all([
    client.get<{ agencies: AgencyView[] }>(`/v1/agencies?${after}`, reporter),
    client.get<PotSummaryView>(`/v1/pots/${record.potId}?${after}`, reporter),
    client.get<FlowsMatrixView>(`/v1/flows?potId=${record.potId}&${after}`, reporter),
  ]);
  // The server's names are the truth (an earlier run or another user may have registered them);
  // the scenario's order keeps payers before beneficiaries.
  const agencies: AgencyLabel[] = [
    ...DEMO_AGENCIES.map((a) => ({
      agencyId: a.agencyId,
      name: directory.find((d) => d.agencyId === a.agencyId)?.name ?? a.name,
    })),
    ...directory.filter((d) => !DEMO_AGENCIES.some((a) => a.agencyId === d.agencyId)),
  ];
  const nameOf = (id: string) => agencies.find((a) => a.agencyId === id)?.name ?? id;
  const police = pot.partners.find((p) => p.agencyId === POLICE.agencyId);

  const sections = [
    `potledger demo → ${client.baseUrl}`,
    `Unit-cost catalogue (GET /v1/unit-costs): ${counted(catalogue.added.length, 'entry', 'entries')} added, ${catalogue.alreadyThere.length} already there; ` +
      `the employment and health outcomes were recorded by quantity and valued from it by the ledger.`,
    record.writesReplayed === record.writes
      ? `Already loaded by an earlier run: the ledger answered all ${record.writes} writes as replays of that run's ` +
        `(same Idempotency-Keys), so nothing was appended and no second "${pot.name}" was opened.\n` +
        `What the first run did:\n${renderWhatItDid(record, pot, agencies, [FIRE.agencyId])}`
      : `What it did:\n${renderWhatItDid(record, pot, agencies, [FIRE.agencyId])}`,
    `Pot summary (GET /v1/pots/${pot.potId}):\n${indent(renderPotSummary(pot, agencies))}`,
    `Who invested, who benefited (GET /v1/flows?potId=${pot.potId}), £:\n` +
      `rows: whose money produced the benefit · columns: whose budget it landed in\n${indent(renderFlowsMatrix(flows, agencies))}`,
    `Per agency (return per £1 invested; wrong-pocket share = benefit its money produced that landed in other agencies' budgets):\n` +
      indent(renderAgencyReturns(flows, agencies)),
    wrongPocketHeadline({
      flows,
      partner: {
        agencyId: POLICE.agencyId,
        name: nameOf(POLICE.agencyId),
        contributed: police?.contributed ?? '0.00',
      },
      host: { agencyId: HOST.agencyId, label: 'the council' },
    }),
    `Unit costs: GMCA Unit Cost Database (Greater Manchester Combined Authority), named as its licence requires.\n` +
      `Audit trail: GET /v1/audit?potId=${pot.potId} with an auditor token (npx potledger token --sub ivy --role auditor).`,
  ];
  return `${sections.join('\n\n')}\n`;
}

/** `npm run demo -- --pool-year`: the Mid Essex Better Care Fund's 2025-26, end to end. */
async function loadPoolYearAndReport(
  client: ReturnType<typeof createLedgerClient>,
  mint: Parameters<typeof loadEssexScenario>[1],
): Promise<string> {
  let record;
  try {
    record = await loadPoolYear(client, mint, DEMO_RUN_ID);
  } catch (error) {
    if (!(error instanceof PoolYearAlreadyLoaded)) throw error;
    return (
      `potledger demo → ${client.baseUrl}, pot ${error.potId}\n\n` +
      `Already loaded by an earlier run: the Better Care Fund year (pot ${error.potId}) is there and settled, so nothing was written and no second pot was opened.\n` +
      `Its year: GET /v1/pots/${error.potId}/monitoring?financialYear=2025-26&quarter=4, …/memorandum?financialYear=2025-26, …/statement?financialYear=2025-26\n`
    );
  }
  const nameOf = (id: string) => POOL_AGENCIES.find((a) => a.agencyId === id)?.name ?? id;
  return `potledger demo → ${client.baseUrl}, pot ${record.potId}\n\n${renderPoolYear(record, nameOf)}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
}

process.exitCode = await runDemo();
