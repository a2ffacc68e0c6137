/**
 * Throw-away PostgreSQL databases for tests. LEDGER_TEST_PG_URL names a server (and a database
 * on it to connect to for administration); each test file creates its own database there with
 * CREATE DATABASE and drops it afterwards, so files running in parallel never share state.
 */
import pg from 'pg';
import { ulid } from 'ulid';

export const TEST_PG_URL_ENV = 'LEDGER_TEST_PG_URL';
/** Unique names stay well inside PostgreSQL's 63-byte identifier limit. */
const DATABASE_NAME_PREFIX = 'potledger_test';

/** The server to test against, or undefined when PostgreSQL tests should be skipped. */
export function testPostgresUrl(): string | undefined {
  const url = process.env[TEST_PG_URL_ENV]?.trim();
  return url === undefined || url === '' ? undefined : url;
}

export interface ThrowawayDatabase {
  readonly name: string;
  /** Connection string for the new database: LEDGER_TEST_PG_URL with the database replaced. */
  readonly url: string;
  /** Drops the database, disconnecting anything still connected to it. */
  drop(): Promise<void>;
}

/** A lower-case, unique identifier usable as a database or schema name. */
export function uniqueIdentifier(prefix: string): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

export async function createThrowawayDatabase(serverUrl: string): Promise<ThrowawayDatabase> {
  const name = uniqueIdentifier(DATABASE_NAME_PREFIX);
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await withClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

/** Runs `work` on a plain connection (global pg type parsers: int8 comes back as a string). */
export async function withClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
