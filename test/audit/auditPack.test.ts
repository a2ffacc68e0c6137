/**
 * `potledger audit-pack --pot ID --year 2025-26 --out DIR`, spawned as an auditor runs it,
 * against a ledger written through the API: the pack's statement is the API's statement, its
 * CSV opens cleanly in a spreadsheet, the exceptions list shows the reversal and the attempted
 * self-approval, SHA256SUMS checks out, and the checkpoint verifies the log. After one stored
 * event is edited behind the ledger's back, the pack refuses to state anything and says where.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { REPO_ROOT } from '../e2e/serverProcess.ts';
import {
  createTestLedger,
  essexScenario,
  expectCreated,
  type TestLedger,
} from '../support/testLedger.ts';

const run = promisify(execFile);
/** tsx compiles the CLI on the fly: a cold start takes seconds on a busy machine. */
const CLI_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = 180_000;
// Inside 2025-26: undated entries (a request's approval, an attempted self-approval) belong to the year they are recorded in.
const IN_THE_YEAR = () => '2026-03-20T09:00:00.000Z';

let dir: string;
let dbPath: string;
let ledger: TestLedger;
let potId: string;
let statementFromApi: Record<string, unknown>;
let memorandumFromApi: Record<string, unknown>;

async function potledger(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LEDGER_STORE: `sqlite:${dbPath}`,
    LEDGER_DATA_DIR: dir,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/potledger.js', ...args], {
      cwd: REPO_ROOT,
      env,
      timeout: CLI_TIMEOUT_MS,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'potledger-pack-'));
  dbPath = join(dir, 'ledger.db');
  ledger = await createTestLedger({ store: createSqliteEventStore(dbPath), clock: IN_THE_YEAR });
  const s = await essexScenario(ledger);
  potId = s.potId;
  const post = (url: string, token: string, body: object) =>
    expectCreated(ledger.post(url, token, body));
  // A contribution paid twice and reversed; a four-eyes request its author then tries to approve.
  const twice = await post(`/v1/pots/${potId}/contributions`, s.tokens.police, {
    agencyId: 'essex-police',
    amount: '2500.50',
    effectiveDate: '2025-05-02',
    reference: 'PO-2 again',
  });
  await post(`/v1/pots/${potId}/reversals`, s.tokens.police, {
    eventId: twice.eventId,
    reason: 'Paid twice',
    effectiveDate: '2025-05-03',
  });
  await post(`/v1/pots/${potId}/approval-threshold`, s.tokens.admin, {
    approvalThreshold: '50000.00',
    reason: 'Board minute 12',
  });
  const request = await post(`/v1/pots/${potId}/allocations`, s.tokens.cc, {
    interventionId: s.interventionId,
    amount: '60000.00',
    effectiveDate: '2025-06-01',
    reason: 'Year one delivery',
  });
  const self = await ledger.post(
    `/v1/pots/${potId}/allocations/${request.allocationId}/approve`,
    s.tokens.cc,
    {},
  );
  expect(self.statusCode).toBe(409);
  await post(`/v1/pots/${potId}/allocations/${request.allocationId}/approve`, s.tokens.police, {});
  const statement = await ledger.get(
    `/v1/pots/${potId}/statement?financialYear=2025-26`,
    s.tokens.auditor,
  );
  expect(statement.statusCode, statement.body).toBe(200);
  statementFromApi = statement.json();
  const memorandum = await ledger.get(
    `/v1/pots/${potId}/memorandum?financialYear=2025-26`,
    s.tokens.auditor,
  );
  expect(memorandum.statusCode, memorandum.body).toBe(200);
  memorandumFromApi = memorandum.json();
  await ledger.close();
}, TEST_TIMEOUT_MS);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('potledger audit-pack', () => {
  it(
    'writes the statement, the year’s audit trail, the exceptions, the memorandum account, the checkpoint and the verification, with SHA256SUMS',
    async () => {
      const out = join(dir, 'pack');
      const result = await potledger(
        'audit-pack',
        '--pot',
        potId,
        '--year',
        '2025-26',
        '--out',
        out,
      );
      expect(result.code, result.stderr + result.stdout).toBe(0);
      expect(result.stdout).toContain('closing balance 440000.00');
      expect(result.stdout).toMatch(/ audit entries, 2 exceptions; log verified \(\d+ events,/);

      // statement.csv names agencies beside their ids; an allocation's row names the
      // intervention's lead in its own column, and a reversal names whose contribution it was.
      const statementRows = readFileSync(join(out, 'statement.csv'), 'utf8')
        .slice(1)
        .split('\r\n')
        .filter((line) => line !== '');
      expect(statementRows[0]).toBe(
        'section,item,agencyId,agencyName,leadAgencyId,leadAgencyName,amount,note',
      );
      expect(statementRows).toContain(
        'contributions,received,essex-police,Essex Police,,,202500.50,',
      );
      expect(statementRows).toContainEqual(
        expect.stringMatching(
          /^allocations,allocated to Employment support for ex-offenders,,,essex-probation,Essex Probation,60000\.00,\w{26}$/,
        ),
      );
      expect(statementRows).toContainEqual(
        expect.stringMatching(
          /^reversals,ContributionReversed,essex-police,Essex Police,,,2500\.50,2025-05-03 Paid twice \(event \w{26}\)$/,
        ),
      );

      expect(readdirSync(out).sort()).toEqual(
        [
          'SHA256SUMS',
          'audit-trail.csv',
          'audit-trail.jsonl',
          'checkpoint.json',
          'exceptions.csv',
          'exceptions.json',
          'memorandum-account.csv',
          'memorandum-account.json',
          'statement.csv',
          'statement.json',
          'verification.txt',
        ].sort(),
      );
      // The pack's statement is the API's statement.
      expect(JSON.parse(readFileSync(join(out, 'statement.json'), 'utf8'))).toEqual(
        statementFromApi,
      );

      // The pack's memorandum account is the API's, and its two closing balances agree.
      const packMemorandum = JSON.parse(readFileSync(join(out, 'memorandum-account.json'), 'utf8'));
      expect(packMemorandum).toEqual(memorandumFromApi);
      expect(packMemorandum.reconciliation.agrees).toBe(true);
      expect(readFileSync(join(out, 'verification.txt'), 'utf8')).toContain('they agree');

      // A spreadsheet opens the trail cleanly: byte order mark, CRLF, ISO dates, plain decimal amounts.
      const csv = readFileSync(join(out, 'audit-trail.csv'), 'utf8');
      expect(csv.startsWith('\uFEFFposition,recordedAt,effectiveDate,type,amount,')).toBe(true);
      const rows = csv
        .slice(1)
        .split('\r\n')
        .filter((line) => line !== '');
      const contribution = rows.find((r) => r.includes(',ContributionReceived,2500.50,'));
      expect(contribution).toMatch(
        /^\d+,\d{4}-\d{2}-\d{2}T[\d:.]+Z,2025-05-02,ContributionReceived,2500.50,bob,finance-officer,essex-police,/,
      );
      expect(rows.some((r) => r.includes(',SelfApprovalAttempted,'))).toBe(true);
      // The approval has no date of its own: it is in the year of the request it decided.
      expect(rows.some((r) => r.includes(',AllocationApproved,'))).toBe(true);
      // One line per entry of the year in JSON Lines too, with hashes.
      const lines = readFileSync(join(out, 'audit-trail.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(rows.length - 1);
      expect(lines.every((l) => /^[0-9a-f]{64}$/.test(l.metadata.hash))).toBe(true);

      const exceptions = JSON.parse(readFileSync(join(out, 'exceptions.json'), 'utf8')) as {
        kind: string;
        amount: string | null;
      }[];
      expect(exceptions.map((e) => [e.kind, e.amount])).toEqual([
        ['reversal', '2500.50'],
        ['self-approval-attempt', '60000.00'],
      ]);

      // SHA256SUMS covers every other file.
      const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
      expect(sums).toHaveLength(10);
      for (const line of sums) {
        const [hex, name] = line.split('  ');
        expect(
          createHash('sha256')
            .update(readFileSync(join(out, name!)))
            .digest('hex'),
          name,
        ).toBe(hex);
      }

      // The checkpoint is one `potledger verify` accepts.
      expect(readFileSync(join(out, 'verification.txt'), 'utf8')).toContain('verification OK');
      const verified = await potledger('verify', '--checkpoint', join(out, 'checkpoint.json'));
      expect(verified.code, verified.stderr + verified.stdout).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'verify and audit-pack against a store that does not exist: exit 2, and no empty store is created',
    async () => {
      const missing = join(dir, 'typo.db');
      for (const args of [
        ['verify'],
        ['audit-pack', '--pot', potId, '--year', '2025-26', '--out', join(dir, 'nowhere')],
      ]) {
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          LEDGER_STORE: `sqlite:${missing}`,
          LEDGER_DATA_DIR: dir,
        };
        const result = await run(process.execPath, ['bin/potledger.js', ...args], {
          cwd: REPO_ROOT,
          env,
          timeout: CLI_TIMEOUT_MS,
        }).then(
          () => ({ code: 0, stderr: '' }),
          (e: { code: number; stderr: string }) => e,
        );
        expect(result.code, args[0]).toBe(2);
        expect(result.stderr).toContain('there is no event store');
        expect(existsSync(missing)).toBe(false);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses an unknown pot and a malformed year, exit 2, writing nothing',
    async () => {
      const out = join(dir, 'pack-refused');
      const badYear = await potledger('audit-pack', '--pot', potId, '--year', '2025', '--out', out);
      expect(badYear.code).toBe(2);
      expect(badYear.stderr).toContain('not a financial year');
      const unknown = await potledger(
        'audit-pack',
        '--pot',
        '01ARZ3NDEKTSV4RRFFQ69G5FAV',
        '--year',
        '2025-26',
        '--out',
        out,
      );
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('not in the log');
      expect(existsSync(join(out, 'statement.json'))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'after one stored event is edited, states nothing and names the first bad position (exit 1)',
    async () => {
      const db = new Database(dbPath);
      const target = db
        .prepare(
          `SELECT position FROM events WHERE type = 'ContributionReceived' ORDER BY position LIMIT 1`,
        )
        .get() as { position: number };
      db.prepare(
        `UPDATE events SET data = replace(data, '300000.00', '3000000.00') WHERE position = ?`,
      ).run(target.position);
      db.close();
      // Into the folder that holds the good pack of the first test: none of it may survive.
      const out = join(dir, 'pack');
      expect(readdirSync(out)).toContain('statement.json');
      const result = await potledger(
        'audit-pack',
        '--pot',
        potId,
        '--year',
        '2025-26',
        '--out',
        out,
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`FAILED at position ${target.position}`);
      expect(readdirSync(out)).toEqual(['verification.txt']);
      expect(readFileSync(join(out, 'verification.txt'), 'utf8')).toContain('verification FAILED');
    },
    TEST_TIMEOUT_MS,
  );
});
