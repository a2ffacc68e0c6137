/**
 * A ledger for tests: the real composition (the core and its HTTP app: createServedLedger, as
 * main.ts serves it) on an in-memory SQLite store, with a fixed signing secret and helpers to mint tokens and
 * call the API through app.inject().
 */
import type { LightMyRequestResponse } from 'fastify';
import { signToken, type Role } from '../../src/auth/tokens.ts';
import {
  createServedLedger,
  type ServedLedger,
  type ServedLedgerOptions,
} from '../../src/app/servedLedger.ts';
import type { EventStore } from '../../src/store/eventStore.ts';
import { createPostgresEventStore } from '../../src/store/postgres/postgresEventStore.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { testPostgresUrl, uniqueIdentifier, withClient } from './postgres.ts';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/**
 * Which event store the suites built on createTestLedger run against: the in-memory SQLite
 * store by default; LEDGER_TEST_STORE=postgres runs the same suites, unchanged, on PostgreSQL
 * (a schema of its own per ledger in LEDGER_TEST_PG_URL's database, dropped on close).
 */
export const TEST_STORE_ENV = 'LEDGER_TEST_STORE';
const POSTGRES_TEST_POOL_SIZE = 4;

export function testStoreKind(): 'sqlite' | 'postgres' {
  const kind = process.env[TEST_STORE_ENV] ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres')
    throw new Error(`${TEST_STORE_ENV} must be sqlite or postgres, got ${kind}`);
  return kind;
}

async function createTestStore(): Promise<{ store: EventStore; cleanup: () => Promise<void> }> {
  if (testStoreKind() === 'sqlite')
    return { store: createSqliteEventStore(':memory:'), cleanup: async () => undefined };
  const url = testPostgresUrl();
  if (url === undefined) throw new Error(`${TEST_STORE_ENV}=postgres needs LEDGER_TEST_PG_URL`);
  const schema = uniqueIdentifier('api');
  const store = await createPostgresEventStore(url, { schema, poolSize: POSTGRES_TEST_POOL_SIZE });
  return {
    store,
    cleanup: () =>
      withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(
        () => undefined,
      ),
  };
}

export interface TestLedger extends ServedLedger {
  token(
    role: Role,
    options?: { sub?: string; agency?: string; secret?: string; expiresIn?: string },
  ): string;
  /** POST with a bearer token; the body is sent as JSON. */
  post(
    url: string,
    token: string | null,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /**
   * GET after the books have caught up with the log head: the books follow the log
   * asynchronously (at once on SQLite, after a NOTIFY on PostgreSQL), and a test reads its own
   * writes as a careful client would with ?minPosition=.
   */
  get(
    url: string,
    token: string | null,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
}

export interface TestLedgerOptions extends Partial<
  Pick<
    ServedLedgerOptions,
    | 'clock'
    | 'corsOrigins'
    | 'writesPerMinute'
    | 'logger'
    | 'devTokens'
    | 'historyBudgetMs'
    | 'serverLimits'
    | 'readModels'
    | 'hs256'
    | 'oidc'
    | 'pressureLimits'
    | 'readyMaxLagEvents'
    | 'publicUrl'
  >
> {
  readonly store?: EventStore;
}

export async function createTestLedger(options: TestLedgerOptions = {}): Promise<TestLedger> {
  const { store, cleanup } =
    options.store === undefined
      ? await createTestStore()
      : { store: options.store, cleanup: async () => undefined };
  const { store: _given, ...ledgerOptions } = options;
  const ledger = await createServedLedger({ ...ledgerOptions, store, jwtSecret: TEST_JWT_SECRET });
  const closeLedger = ledger.close.bind(ledger);
  const auth = (token: string | null): Record<string, string> =>
    token === null ? {} : { authorization: `Bearer ${token}` };
  return Object.assign(ledger, {
    async close() {
      await closeLedger();
      await cleanup();
    },
    token(
      role: Role,
      o: { sub?: string; agency?: string; secret?: string; expiresIn?: string } = {},
    ) {
      return signToken(
        o.secret ?? TEST_JWT_SECRET,
        {
          sub: o.sub ?? `${role}-user`,
          role,
          ...(o.agency === undefined ? {} : { agency: o.agency }),
        },
        o.expiresIn,
      );
    },
    post(url: string, token: string | null, body: unknown, headers: Record<string, string> = {}) {
      return ledger.app.inject({
        method: 'POST',
        url,
        payload: body as object,
        headers: { ...auth(token), ...headers },
      });
    },
    async get(url: string, token: string | null, headers: Record<string, string> = {}) {
      // A store that cannot answer (a /health test) has nothing for the books to catch up with.
      const head = await ledger.store.headPosition().catch(() => 0n);
      await ledger.runner.waitFor(head);
      return ledger.app.inject({ method: 'GET', url, headers: { ...auth(token), ...headers } });
    },
  });
}

export interface Scenario {
  readonly potId: string;
  readonly interventionId: string;
  readonly tokens: {
    readonly admin: string;
    readonly cc: string;
    readonly police: string;
    readonly auditor: string;
    readonly reporter: string;
  };
}

/**
 * Essex reducing reoffending, small: three partners (county council host, police, probation),
 * the NHS registered but not a partner, one intervention led by probation.
 * Contributions: council 300,000.00, police 200,000.00. Nothing allocated yet.
 */
export async function essexScenario(ledger: TestLedger): Promise<Scenario> {
  const admin = ledger.token('admin', { sub: 'alice' });
  const tokens = {
    admin,
    cc: ledger.token('finance-officer', { sub: 'carol', agency: 'essex-cc' }),
    police: ledger.token('finance-officer', { sub: 'bob', agency: 'essex-police' }),
    auditor: ledger.token('auditor', { sub: 'ivy' }),
    reporter: ledger.token('reporter', { sub: 'rita' }),
  };
  const agencies = [
    { agencyId: 'essex-cc', name: 'Essex County Council', kind: 'council' },
    { agencyId: 'essex-police', name: 'Essex Police', kind: 'police' },
    { agencyId: 'essex-probation', name: 'Essex Probation', kind: 'probation' },
    { agencyId: 'nhs-mid-essex', name: 'NHS Mid Essex', kind: 'health' },
  ];
  for (const agency of agencies) await expectCreated(ledger.post('/v1/agencies', admin, agency));
  const pot = await expectCreated(
    ledger.post('/v1/pots', admin, {
      name: 'Essex Reducing Reoffending',
      area: 'Essex',
      hostAgencyId: 'essex-cc',
      partnerAgencyIds: ['essex-police', 'essex-probation'],
    }),
  );
  const potId = pot.potId as string;
  await expectCreated(
    ledger.post(`/v1/pots/${potId}/contributions`, tokens.cc, {
      agencyId: 'essex-cc',
      amount: '300000.00',
      effectiveDate: '2025-04-10',
      reference: 'PO-1',
    }),
  );
  await expectCreated(
    ledger.post(`/v1/pots/${potId}/contributions`, tokens.police, {
      agencyId: 'essex-police',
      amount: '200000.00',
      effectiveDate: '2025-04-11',
      reference: 'PO-2',
    }),
  );
  const intervention = await expectCreated(
    ledger.post(`/v1/pots/${potId}/interventions`, tokens.cc, {
      name: 'Employment support for ex-offenders',
      leadAgencyId: 'essex-probation',
    }),
  );
  return { potId, interventionId: intervention.interventionId as string, tokens };
}

/** Awaits a write, fails loudly unless it answered 201, and returns the JSON answer. */
export async function expectCreated(
  response: Promise<LightMyRequestResponse>,
): Promise<Record<string, unknown>> {
  const r = await response;
  if (r.statusCode !== 201) throw new Error(`expected 201, got ${r.statusCode}: ${r.body}`);
  return r.json();
}
