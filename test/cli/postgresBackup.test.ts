/**
 * The PostgreSQL backup procedure of docs/operations.md, end to end: a ledger writes to a
 * database, `pg_dump --format=custom` takes it, `pg_restore` brings it into a fresh database, and
 * `potledger verify` passes there with the same Merkle root; the restored ledger answers the same
 * books. Runs when LEDGER_TEST_PG_URL names a server (and pg_dump / pg_restore are installed).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyLog } from '../../src/cli/verify.ts';
import { createPostgresEventStore } from '../../src/store/postgres/postgresEventStore.ts';
import { writeHistory } from '../books/sqlMirror/support.ts';
import { createThrowawayDatabase, testPostgresUrl } from '../support/postgres.ts';
import { createTestLedger } from '../support/testLedger.ts';
import { PassThrough } from 'node:stream';

const PG_URL = testPostgresUrl();
/** Debian keeps the client tools of each major version here; elsewhere they are on PATH. */
const PG_BIN = '/usr/lib/postgresql/15/bin';
const pgTool = (name: string): string =>
  existsSync(join(PG_BIN, name)) ? join(PG_BIN, name) : name;
/** pg_dump and pg_restore of a small ledger take well under a second; a busy machine gets room. */
const PG_TOOL_TIMEOUT_MS = 60_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sink = (): PassThrough => new PassThrough().resume();

describe.skipIf(PG_URL === undefined)(
  'PostgreSQL: pg_dump, pg_restore into a fresh database, verify',
  () => {
    it('the restored database verifies with the same root and answers the same books', async () => {
      const source = await createThrowawayDatabase(PG_URL!);
      cleanups.push(source.drop);
      const ledger = await createTestLedger({ store: await createPostgresEventStore(source.url) });
      let open = true;
      cleanups.push(async () => {
        if (open) await ledger.close();
      });
      const { potId, tokens } = await writeHistory(ledger);
      const books = await ledger.get(`/v1/pots/${potId}`, tokens.auditor);
      const balances = await ledger.get('/v1/agencies/essex-police/balances', tokens.auditor);
      expect(books.statusCode).toBe(200);
      await ledger.close();
      open = false;
      const before = await verifyLog({ storeUrl: source.url, out: sink(), progress: sink() });
      expect(before.ok).toBe(true);

      const dir = mkdtempSync(join(tmpdir(), 'potledger-pgdump-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const dump = join(dir, 'ledger.dump');
      execFileSync(pgTool('pg_dump'), ['--format=custom', '--file', dump, '--dbname', source.url], {
        timeout: PG_TOOL_TIMEOUT_MS,
      });
      const fresh = await createThrowawayDatabase(PG_URL!);
      cleanups.push(fresh.drop);
      execFileSync(
        pgTool('pg_restore'),
        ['--no-owner', '--exit-on-error', '--dbname', fresh.url, dump],
        { timeout: PG_TOOL_TIMEOUT_MS },
      );

      const after = await verifyLog({ storeUrl: fresh.url, out: sink(), progress: sink() });
      expect(after.ok).toBe(true);
      expect(after.checkpoint).toEqual(before.checkpoint);
      expect(Number(after.checkpoint!.size)).toBeGreaterThan(10);

      const restored = await createTestLedger({ store: await createPostgresEventStore(fresh.url) });
      cleanups.push(() => restored.close());
      expect((await restored.get(`/v1/pots/${potId}`, tokens.auditor)).json()).toEqual(
        books.json(),
      );
      expect(
        (await restored.get('/v1/agencies/essex-police/balances', tokens.auditor)).json(),
      ).toEqual(balances.json());
      // The restored database takes new writes where the log left off.
      const next = await restored.post(`/v1/pots/${potId}/contributions`, tokens.police, {
        agencyId: 'essex-police',
        amount: '1.00',
        effectiveDate: '2025-06-01',
        reference: 'AFTER-RESTORE',
      });
      expect(next.statusCode).toBe(201);
      expect(BigInt(next.json().position)).toBeGreaterThan(BigInt(after.checkpoint!.position));
    });
  },
);
