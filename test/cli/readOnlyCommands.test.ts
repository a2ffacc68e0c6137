/**
 * `potledger unit-costs list`, `potledger agreed-contributions` and `potledger agreements`, run as a user runs them: the
 * real bin script in a child process, reading a SQLite ledger file that the API wrote, and
 * printing (with --json) exactly what the API answers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { hipFractureBody } from '../unitCosts/fixtures.ts';
import { createTestLedger, essexScenario, expectCreated } from '../support/testLedger.ts';

const run = promisify(execFile);
/** tsx compiles the CLI on the fly: a cold start takes a few seconds on a busy machine. */
const CLI_TIMEOUT_MS = 60_000;
const REPO_ROOT = new URL('../..', import.meta.url).pathname;

let dir: string;
let potId: string;
let apiUnitCosts: unknown;
let apiUprated: unknown;
let apiAgreed: unknown;
let apiAgreements: unknown;

function potledger(args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LEDGER_STORE: `sqlite:${join(dir, 'ledger.db')}`,
    LEDGER_DATA_DIR: dir,
  };
  delete env.LEDGER_READ_MODELS;
  return run(process.execPath, ['bin/potledger.js', ...args], {
    cwd: REPO_ROOT,
    env,
    timeout: CLI_TIMEOUT_MS,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'potledger-readonly-'));
  const ledger = await createTestLedger({ store: createSqliteEventStore(join(dir, 'ledger.db')) });
  try {
    const s = await essexScenario(ledger);
    potId = s.potId;
    await expectCreated(ledger.post('/v1/unit-costs', s.tokens.admin, hipFractureBody()));
    const agree = (agencyId: string, amount: string, boardDecisionRef: string) =>
      expectCreated(
        ledger.post(`/v1/pots/${potId}/agreed-contributions`, s.tokens.admin, {
          agencyId,
          financialYear: '2025-26',
          amount,
          boardDecisionRef,
        }),
      );
    await agree('essex-cc', '350000.00', 'Board 2025/03');
    await agree('essex-police', '150000.00', 'Board 2025/03');
    await agree('essex-police', '200000.00', 'Board 2025/07');
    // The CLI reads the log with the operator's file access, so it prints the full view: an auditor's.
    apiUnitCosts = (await ledger.get('/v1/unit-costs', s.tokens.auditor)).json();
    apiUprated = (await ledger.get('/v1/unit-costs?priceYear=2023-24', s.tokens.auditor)).json();
    apiAgreed = (await ledger.get(`/v1/pots/${potId}`, s.tokens.reporter)).json()
      .agreedContributions;
    // The agreement register: version 1, then a variation capping the police's risk share.
    const agreement = {
      reference: 'S75-ERR-2025',
      legalBasis: 's75-nhs-act-2006',
      startDate: '2025-04-01',
      poolManager: 'Head of Community Safety',
      scope: 'Reducing reoffending in Essex',
      boardDecisionRef: 'Board 2025/03',
      signedOn: '2025-03-20',
      spendTracking: true,
    };
    await expectCreated(ledger.post(`/v1/pots/${potId}/agreements`, s.tokens.admin, agreement));
    await expectCreated(
      ledger.post(`/v1/pots/${potId}/agreements`, s.tokens.admin, {
        ...agreement,
        boardDecisionRef: 'Board 2025/09',
        overspend: { caps: { 'essex-police': '25000.00' } },
        replaces: 1,
      }),
    );
    apiAgreements = (await ledger.get(`/v1/pots/${potId}/agreements`, s.tokens.auditor)).json();
  } finally {
    await ledger.close();
  }
}, CLI_TIMEOUT_MS);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('potledger unit-costs list', () => {
  it(
    'prints the versions in force, and with --price-year each restated with the indices used',
    async () => {
      const plain = (await potledger(['unit-costs', 'list'])).stdout;
      expect(plain).toContain(
        'HEALTH-HIP-FRACTURE v1: £12,700.00 per incident (2008-09 prices) — health £10,000.00; council £2,700.00 cashable',
      );
      const uprated = (await potledger(['unit-costs', 'list', '--price-year', '2023-24'])).stdout;
      expect(uprated).toContain(
        'in 2023-24 prices: £18,130.70 (× 106.5 ÷ 74.6) — health £14,276.14; council £3,854.56',
      );
    },
    CLI_TIMEOUT_MS,
  );

  it(
    '--json prints exactly what GET /v1/unit-costs[?priceYear=] answers',
    async () => {
      expect(JSON.parse((await potledger(['unit-costs', 'list', '--json'])).stdout)).toEqual(
        apiUnitCosts,
      );
      expect(
        JSON.parse(
          (await potledger(['unit-costs', 'list', '--price-year', '2023-24', '--json'])).stdout,
        ),
      ).toEqual(apiUprated);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'exits non-zero for a year the series does not cover or a malformed one',
    async () => {
      await expect(
        potledger(['unit-costs', 'list', '--price-year', '1990-91']),
      ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('no index for 1990-91') });
      await expect(potledger(['unit-costs', 'list', '--price-year', '2023'])).rejects.toMatchObject(
        { stderr: expect.stringContaining('not a valid financial year') },
      );
    },
    CLI_TIMEOUT_MS,
  );
});

describe('potledger agreed-contributions', () => {
  it(
    'prints agreed, received, outstanding and overpaid per partner and year, with the board decision in force',
    async () => {
      const { stdout } = await potledger(['agreed-contributions', '--pot', potId]);
      expect(stdout).toContain('Agreed contributions: Essex Reducing Reoffending');
      // Council agreed £350,000, paid £300,000: £50,000 outstanding. Police varied to £200,000 and paid it.
      expect(stdout).toMatch(
        /^2025-26\s+Essex County Council\s+£350,000\.00\s+£300,000\.00\s+£50,000\.00\s+£0\.00\s+Board 2025\/03$/m,
      );
      expect(stdout).toMatch(
        /^2025-26\s+Essex Police\s+£200,000\.00\s+£200,000\.00\s+£0\.00\s+£0\.00\s+Board 2025\/07 \(varied, 2 versions\)$/m,
      );
    },
    CLI_TIMEOUT_MS,
  );

  it(
    '--json prints the agreedContributions of GET /v1/pots/:potId; an unknown pot exits non-zero',
    async () => {
      const json = JSON.parse(
        (await potledger(['agreed-contributions', '--pot', potId, '--json'])).stdout,
      );
      expect(json.agreedContributions).toEqual(apiAgreed);
      expect(json.potId).toBe(potId);
      await expect(
        potledger(['agreed-contributions', '--pot', '01ARZ3NDEKTSV4RRFFQ69G5FAV']),
      ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('does not exist') });
      await expect(potledger(['agreed-contributions'])).rejects.toMatchObject({
        stderr: expect.stringContaining('--pot'),
      });
    },
    CLI_TIMEOUT_MS,
  );
});

describe('potledger agreements', () => {
  it(
    'prints the register, newest first: each version, its board decision, what it replaced and its risk-share rules',
    async () => {
      const { stdout } = await potledger(['agreements', '--pot', potId]);
      expect(stdout).toContain(`Agreement register: pot ${potId}`);
      expect(stdout).toMatch(/^\* version 2 {2}S75-ERR-2025 {2}s75-nhs-act-2006/m);
      expect(stdout).toContain('board decision Board 2025/09; replaces version 1 (Board 2025/03)');
      expect(stdout).toContain('Essex Police capped at £25,000.00');
      expect(stdout).toMatch(/^ {2}version 1 /m);
      expect(stdout.indexOf('version 2')).toBeLessThan(stdout.indexOf('version 1 '));
    },
    CLI_TIMEOUT_MS,
  );

  it(
    '--json prints the answer of GET /v1/pots/:potId/agreements; an unknown pot exits non-zero',
    async () => {
      const json = JSON.parse((await potledger(['agreements', '--pot', potId, '--json'])).stdout);
      expect(json).toEqual(apiAgreements);
      await expect(
        potledger(['agreements', '--pot', '01ARZ3NDEKTSV4RRFFQ69G5FAV']),
      ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('does not exist') });
    },
    CLI_TIMEOUT_MS,
  );
});
