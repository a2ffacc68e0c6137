/**
 * Several real server processes on one PostgreSQL database, as a deployment runs them behind a
 * load balancer: started together with one signing secret, driven over HTTP, and compared with
 * a fresh replay of the same database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServedLedger } from '../../src/app/servedLedger.ts';
import { signToken } from '../../src/auth/tokens.ts';
import { createPostgresEventStore } from '../../src/store/postgres/postgresEventStore.ts';
import { freePort, startServer, type ServerProcess } from '../e2e/serverProcess.ts';
import { readBooks, type Books } from '../reliability/books.ts';
import { sendAttempt } from '../reliability/commandLog.ts';
import {
  amountOf,
  createCommandBook,
  specs,
  type CommandSpec,
} from '../reliability/commandBuilders.ts';
import { httpGetJson, injectGetJson, type Json } from '../reliability/ledgerHttp.ts';

const REPLAY_JWT_SECRET = 'deploy-replay-secret-0123456789abcdef0123';

export interface Fleet {
  readonly servers: ServerProcess[];
  readonly jwtSecret: string;
  readonly book: ReturnType<typeof createCommandBook>;
  token(sub: string, role: 'admin' | 'finance-officer' | 'auditor', agency?: string): string;
  /** GET as an auditor from server `index`, failing on anything but 200. */
  get(index: number, path: string): Promise<Json>;
  stop(): Promise<void>;
}

/** `count` servers on `storeUrl`, each with its own data directory, started at once. */
export async function startFleet(
  storeUrl: string,
  count: number,
  env: Record<string, string> = {},
): Promise<Fleet> {
  const jwtSecret = `fleet-${randomBytes(24).toString('hex')}`;
  const dirs = Array.from({ length: count }, () => mkdtempSync(join(tmpdir(), 'potledger-fleet-')));
  const servers = await Promise.all(
    dirs.map(async (dataDir) =>
      startServer({
        port: await freePort(),
        dataDir,
        jwtSecret,
        env: {
          LEDGER_STORE: storeUrl,
          LEDGER_WRITE_RATE_LIMIT: 'off',
          LEDGER_SNAPSHOTS: 'off',
          ...env,
        },
      }),
    ),
  );
  const token: Fleet['token'] = (sub, role, agency) =>
    signToken(jwtSecret, { sub, role, ...(agency === undefined ? {} : { agency }) });
  const auditor = token('fleet-auditor', 'auditor');
  return {
    servers,
    jwtSecret,
    book: createCommandBook(),
    token,
    get: (index, path) => httpGetJson(servers[index]!.baseUrl, auditor)(path),
    async stop() {
      await Promise.all(servers.map((server) => server.stop().catch(() => undefined)));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PotWorld {
  readonly potId: string;
  readonly interventionId: string;
  readonly agencies: readonly string[];
}

/** Agencies, one pot with them all as partners, an intervention, and a first contribution each. */
export async function setUpPot(
  fleet: Fleet,
  label: string,
  agencies: readonly string[],
  contributionPence: number,
  options: { agenciesExist?: boolean } = {},
): Promise<PotWorld> {
  const admin = fleet.token(`${label}-admin`, 'admin');
  const write = async (key: string, spec: CommandSpec): Promise<Json> => {
    const answer = await sendAttempt(
      fleet.servers[0]!.baseUrl,
      fleet.book.add(`${label}-${key}`, spec),
      'run',
    );
    if (answer.kind !== 'answered' || answer.status !== 201)
      throw new Error(`setup ${key}: ${JSON.stringify(answer)}`);
    return answer.body;
  };
  if (options.agenciesExist !== true)
    for (const agencyId of agencies)
      await write(`agency-${agencyId}`, specs.registerAgency(admin, agencyId, agencyId, 'council'));
  const potId = (
    await write('pot', specs.openPot(admin, `Pot ${label}`, agencies[0]!, [...agencies.slice(1)]))
  ).potId as string;
  const interventionId = (
    await write('intervention', specs.defineIntervention(admin, potId, 'Early help', agencies[0]!))
  ).interventionId as string;
  for (const agencyId of agencies) {
    const officer = fleet.token(`${label}-fo-${agencyId}`, 'finance-officer', agencyId);
    await write(
      `contribution-${agencyId}`,
      specs.contribution(
        officer,
        potId,
        agencyId,
        amountOf(contributionPence),
        `SETUP-${agencyId}`,
      ),
    );
  }
  return { potId, interventionId, agencies };
}

/** The books folded afresh from the database by an in-process ledger (no SQL mirror, no snapshot). */
export async function freshPostgresReplay(storeUrl: string): Promise<Books> {
  const store = await createPostgresEventStore(storeUrl);
  const ledger = await createServedLedger({ store, jwtSecret: REPLAY_JWT_SECRET });
  try {
    const get = injectGetJson(
      ledger.app,
      signToken(REPLAY_JWT_SECRET, { sub: 'replay-auditor', role: 'auditor' }),
    );
    return await readBooks(get, (await store.headPosition()).toString());
  } finally {
    await ledger.close();
  }
}
