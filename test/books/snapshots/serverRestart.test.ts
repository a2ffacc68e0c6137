/**
 * The real server (src/app/main.ts, as `npm start` runs it): it snapshots its books at shutdown,
 * the next start uses that snapshot, and it answers the API exactly as a server that folded
 * the whole log. With LEDGER_SNAPSHOTS=off it neither reads nor writes any.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLedgerData } from '../../../bench/generate.ts';
import { signToken } from '../../../src/auth/tokens.ts';
import { createSqliteEventStore } from '../../../src/store/sqlite/sqliteEventStore.ts';
import {
  freePort,
  killAllChildren,
  startServer,
  type ServerProcess,
} from '../../e2e/serverProcess.ts';

const SUITE_TIMEOUT_MS = 120_000;
const jwtSecret = `snap-${randomBytes(24).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'potledger-snapshot-e2e-'));
afterAll(async () => {
  await killAllChildren();
  rmSync(dataDir, { recursive: true, force: true });
});

const auditor = signToken(jwtSecret, { sub: 'ivy', role: 'auditor' });
const start = async (env: Record<string, string> = {}) =>
  startServer({ port: await freePort(), dataDir, jwtSecret, env });

async function answers(server: ServerProcess, urls: readonly string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const url of urls) {
    const response = await fetch(`${server.baseUrl}${url}`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    out.push({
      url,
      status: response.status,
      position: response.headers.get('ledger-position'),
      body: await response.json(),
    });
  }
  return out;
}

describe('a server restarted from its snapshot', () => {
  it(
    'starts from the snapshot it wrote at shutdown and answers as one that replayed the whole log',
    async () => {
      const store = createSqliteEventStore(join(dataDir, 'ledger.db'));
      await generateLedgerData({ store, seed: 11, pots: 3, events: 300 });
      const [first] = await store.readAll(0n, 1);
      await store.close();
      const urls = [
        '/v1/pots',
        '/v1/agencies',
        '/v1/flows',
        '/v1/audit?limit=20',
        '/v1/audit/checkpoint',
        `/v1/audit/proof/${first!.eventId}`,
      ];

      const replaying = await start({ LEDGER_SNAPSHOTS: 'off' });
      const replayed = await answers(replaying, urls);
      await replaying.stop();
      expect(existsSync(join(dataDir, 'snapshots'))).toBe(false);

      const firstStart = await start();
      expect(await answers(firstStart, urls)).toEqual(replayed);
      await firstStart.stop();
      expect(firstStart.output()).toMatch(/no books snapshot yet: folding the whole log/);
      expect(firstStart.output()).toMatch(/books snapshot at log position \d+/);
      expect(
        readdirSync(join(dataDir, 'snapshots')).filter((name) => name.endsWith('.snapshot')),
      ).toHaveLength(1);

      const fromSnapshot = await start();
      try {
        expect(fromSnapshot.output()).toMatch(/books from snapshot .*books-\d+\.snapshot/);
        expect(await answers(fromSnapshot, urls)).toEqual(replayed);
      } finally {
        await fromSnapshot.stop();
      }
    },
    SUITE_TIMEOUT_MS,
  );
});
