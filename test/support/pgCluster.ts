/**
 * Private PostgreSQL clusters for tests that must stop the database or need a streaming standby:
 * a throw-away primary (initdb) in a temp dir on a free port, optionally a standby cloned from it
 * with `pg_basebackup -R` (so it streams from the primary), stopped and removed afterwards.
 * Other test files use the shared server on 127.0.0.1:5432 (test/support/postgres.ts); stopping
 * a private cluster cannot disturb them.
 *
 * Uses the machine's binaries (PG_BIN, else the newest /usr/lib/postgresql/<n>/bin). PostgreSQL
 * refuses to run as root, so as root every binary runs as the `postgres` user (runuser).
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../e2e/serverProcess.ts';
import { withClient } from './postgres.ts';

const run = promisify(execFile);

/** initdb, pg_basebackup and a start or stop each finish well within this on the test machine. */
const PG_COMMAND_TIMEOUT_MS = 60_000;
/** How long a standby may take to replay up to a position on the primary. */
export const STANDBY_CATCH_UP_TIMEOUT_MS = 15_000;
const STANDBY_POLL_INTERVAL_MS = 50;
const PG_SYSTEM_USER = 'postgres';

/** The directory holding initdb, pg_ctl and pg_basebackup, or undefined when there is none. */
export function postgresBinDir(): string | undefined {
  const configured = process.env.PG_BIN?.trim();
  const candidates =
    configured !== undefined && configured !== ''
      ? [configured]
      : existsSync('/usr/lib/postgresql')
        ? readdirSync('/usr/lib/postgresql')
            .filter((name) => /^\d+$/.test(name))
            .sort((a, b) => Number(b) - Number(a))
            .map((version) => join('/usr/lib/postgresql', version, 'bin'))
        : [];
  return candidates.find((dir) =>
    ['initdb', 'pg_ctl', 'pg_basebackup'].every((tool) => existsSync(join(dir, tool))),
  );
}

/** Why private-cluster tests cannot run here, or undefined when they can. */
export function privateClusterUnavailableReason(): string | undefined {
  return postgresBinDir() === undefined
    ? 'no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) under /usr/lib/postgresql/<n>/bin or PG_BIN'
    : undefined;
}

export interface PgNode {
  readonly port: number;
  readonly dataDir: string;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  /** pg_ctl stop -m fast: sessions are ended, the shutdown checkpoint is written. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface PrivateCluster {
  readonly primary: PgNode;
  readonly standby: PgNode | undefined;
  /** Waits until the standby has replayed everything the primary had written when called. */
  standbyCaughtUp(): Promise<void>;
  /** Stops every node and removes their files. */
  destroy(): Promise<void>;
}

function asPostgresUser(binDir: string, tool: string, args: readonly string[]) {
  const command = join(binDir, tool);
  const asRoot = process.getuid?.() === 0;
  return run(
    asRoot ? 'runuser' : command,
    asRoot ? ['-u', PG_SYSTEM_USER, '--', command, ...args] : [...args],
    { timeout: PG_COMMAND_TIMEOUT_MS, cwd: tmpdir() },
  );
}

function node(binDir: string, dataDir: string, port: number): PgNode {
  const pgCtl = (...args: string[]) =>
    asPostgresUser(binDir, 'pg_ctl', ['-D', dataDir, '-w', '-t', '50', ...args]);
  return {
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: async () => {
      await pgCtl('stop', '-m', 'fast');
    },
    start: async () => {
      await pgCtl('start', '-l', join(dataDir, 'server.log'));
    },
  };
}

/** Settings of a throw-away test cluster: its own port and socket directory, no fsync. */
function settings(port: number, socketDir: string): string {
  return [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${socketDir}'`,
    // A test cluster is thrown away: durability against power loss buys nothing here.
    'fsync = off',
    'full_page_writes = off',
    'max_connections = 100',
    'shared_buffers = 32MB',
    '',
  ].join('\n');
}

/** A primary (and, with `standby: true`, a streaming standby), running when this resolves. */
export async function startPrivateCluster(
  options: { standby?: boolean } = {},
): Promise<PrivateCluster> {
  const binDir = postgresBinDir();
  if (binDir === undefined) throw new Error(privateClusterUnavailableReason());
  const root = mkdtempSync(join(tmpdir(), 'potledger-pg-'));
  // The cluster's files belong to the postgres user, who must be able to reach them.
  chmodSync(root, 0o755);
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', PG_SYSTEM_USER]);
    const { stdout: gid } = await run('id', ['-g', PG_SYSTEM_USER]);
    chownSync(root, Number(stdout.trim()), Number(gid.trim()));
  }
  const nodes: PgNode[] = [];
  const destroy = async () => {
    for (const each of nodes.reverse()) await each.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const primaryDir = join(root, 'primary');
    const primaryPort = await freePort();
    await asPostgresUser(binDir, 'initdb', [
      '-D',
      primaryDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    await appendFile(join(primaryDir, 'postgresql.conf'), settings(primaryPort, root));
    const primary = node(binDir, primaryDir, primaryPort);
    await primary.start();
    nodes.push(primary);

    let standby: PgNode | undefined;
    if (options.standby === true) {
      const standbyDir = join(root, 'standby');
      const standbyPort = await freePort();
      // -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
      await asPostgresUser(binDir, 'pg_basebackup', [
        '-h',
        '127.0.0.1',
        '-p',
        String(primaryPort),
        '-U',
        'postgres',
        '-D',
        standbyDir,
        '-R',
        '-X',
        'stream',
        '--no-sync',
      ]);
      await appendFile(join(standbyDir, 'postgresql.conf'), settings(standbyPort, root));
      standby = node(binDir, standbyDir, standbyPort);
      await standby.start();
      nodes.push(standby);
    }

    return {
      primary,
      standby,
      async standbyCaughtUp() {
        if (standby === undefined) throw new Error('this cluster has no standby');
        const target = await withClient(primary.url(), async (client) => {
          const { rows } = await client.query<{ lsn: string }>(
            // The insert position: with synchronous_commit off the write position can trail it.
            'SELECT pg_current_wal_insert_lsn()::text AS lsn',
          );
          return rows[0]!.lsn;
        });
        const deadline = Date.now() + STANDBY_CATCH_UP_TIMEOUT_MS;
        await withClient(standby.url(), async (client) => {
          for (;;) {
            const { rows } = await client.query<{ behind: boolean }>(
              'SELECT pg_last_wal_replay_lsn() < $1::pg_lsn AS behind',
              [target],
            );
            if (rows[0]!.behind !== true) return;
            if (Date.now() > deadline)
              throw new Error(
                `the standby had not replayed ${target} within ${STANDBY_CATCH_UP_TIMEOUT_MS} ms`,
              );
            await new Promise((resolve) => setTimeout(resolve, STANDBY_POLL_INTERVAL_MS));
          }
        });
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}
