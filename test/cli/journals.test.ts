/**
 * `potledger journals`, run as a user runs it: the real bin script in a child process, reading
 * a SQLite ledger file that the API wrote, printing (with --json and --csv) exactly what the API
 * answers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { createTestLedger, essexScenario, expectCreated } from '../support/testLedger.ts';

const run = promisify(execFile);
const CLI_TIMEOUT_MS = 60_000;
const REPO_ROOT = new URL('../..', import.meta.url).pathname;

let dir: string;
let potId: string;
let apiJournal: unknown;
let apiPolice: unknown;
let apiCsv: string;

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
  dir = mkdtempSync(join(tmpdir(), 'potledger-journals-'));
  const ledger = await createTestLedger({ store: createSqliteEventStore(join(dir, 'ledger.db')) });
  try {
    const s = await essexScenario(ledger);
    potId = s.potId;
    await expectCreated(
      ledger.post(`/v1/pots/${potId}/journal-mappings/essex-cc`, s.tokens.cc, {
        lines: {
          contribution: { costCentre: 'CC100', accountCode: '4010' },
          poolBalance: { costCentre: 'BS100', accountCode: '1450', description: 'Pooled fund' },
        },
      }),
    );
    const url = (agencyId: string) =>
      `/v1/pots/${potId}/journals/${agencyId}?financialYear=2025-26`;
    apiJournal = (await ledger.get(url('essex-cc'), s.tokens.auditor)).json();
    apiPolice = (await ledger.get(url('essex-police'), s.tokens.auditor)).json();
    apiCsv = (await ledger.get(`${url('essex-cc')}&format=csv`, s.tokens.auditor)).body;
  } finally {
    await ledger.close();
  }
}, CLI_TIMEOUT_MS);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('potledger journals', () => {
  it(
    'prints the lines with their codes, debits and credits, and the totals',
    async () => {
      const { stdout } = await potledger([
        'journals',
        '--pot',
        potId,
        '--agency',
        'essex-cc',
        '--year',
        '2025-26',
      ]);
      expect(stdout).toContain(`Journal: Essex County Council (essex-cc) in pot ${potId}, 2025-26`);
      expect(stdout).toContain('journal mapping version 1');
      expect(stdout).toMatch(
        /^\s+CC100 4010\s+0\.00\s+300000\.00\s+Contributions to the pooled fund$/m,
      );
      expect(stdout).toMatch(/^\s+BS100 1450\s+300000\.00\s+0\.00\s+Pooled fund$/m);
      expect(stdout).toMatch(/^\s+total\s+300000\.00\s+300000\.00$/m);
      const police = (
        await potledger([
          'journals',
          '--pot',
          potId,
          '--agency',
          'essex-police',
          '--year',
          '2025-26',
        ])
      ).stdout;
      expect(police).toContain('no journal mapping');
      expect(police).toContain('coded by its line type');
    },
    CLI_TIMEOUT_MS,
  );

  it(
    '--json and --csv print exactly what the API answers',
    async () => {
      const args = ['journals', '--pot', potId, '--year', '2025-26', '--agency'];
      expect(JSON.parse((await potledger([...args, 'essex-cc', '--json'])).stdout)).toEqual(
        apiJournal,
      );
      expect(JSON.parse((await potledger([...args, 'essex-police', '--json'])).stdout)).toEqual(
        apiPolice,
      );
      expect((await potledger([...args, 'essex-cc', '--csv'])).stdout).toBe(apiCsv);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'exits non-zero for an agency that is not a partner, an unknown pot, a malformed year',
    async () => {
      await expect(
        potledger(['journals', '--pot', potId, '--agency', 'nhs-mid-essex', '--year', '2025-26']),
      ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('not a partner') });
      await expect(
        potledger([
          'journals',
          '--pot',
          '01ARZ3NDEKTSV4RRFFQ69G5FAV',
          '--agency',
          'essex-cc',
          '--year',
          '2025-26',
        ]),
      ).rejects.toMatchObject({ stderr: expect.stringContaining('does not exist') });
      await expect(
        potledger(['journals', '--pot', potId, '--agency', 'essex-cc', '--year', '2025']),
      ).rejects.toMatchObject({ stderr: expect.stringContaining('not a valid financial year') });
    },
    CLI_TIMEOUT_MS,
  );
});
