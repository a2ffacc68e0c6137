/**
 * `potledger cba`, run as a user runs it: the real bin script in a child process, reading a
 * SQLite ledger file that the API wrote.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { allocate, recordOutcome, type Ctx } from '../http/helpers.ts';
import { createTestLedger, essexScenario, expectCreated } from '../support/testLedger.ts';

const run = promisify(execFile);
/** tsx compiles the CLI on the fly: a cold start takes a few seconds on a busy machine. */
const CLI_TIMEOUT_MS = 60_000;
const REPO_ROOT = new URL('../..', import.meta.url).pathname;

let dir: string;
let potId: string;
let interventionId: string;
let apiReport: unknown;

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
  dir = mkdtempSync(join(tmpdir(), 'potledger-cba-'));
  const ledger = await createTestLedger({ store: createSqliteEventStore(join(dir, 'ledger.db')) });
  try {
    const s = await essexScenario(ledger);
    const c = { ...s, ledger } as unknown as Ctx;
    potId = s.potId;
    interventionId = s.interventionId;
    await expectCreated(allocate(c, '100000.00'));
    await expectCreated(recordOutcome(c));
    await expectCreated(
      ledger.post(`/v1/pots/${potId}/interventions/${interventionId}/assumptions`, s.tokens.admin, {
        deadweightPercent: '25',
        attributionPercent: '80',
        optimismBiasPercent: '10',
        benefitProfile: ['100', '50'],
        reason: 'Evaluation 2025',
      }),
    );
    // The CLI reads the log with the operator's file access, so it prints the full view: an auditor's.
    apiReport = (await ledger.get(`/v1/pots/${potId}/cba`, s.tokens.auditor)).json();
  } finally {
    await ledger.close();
  }
}, CLI_TIMEOUT_MS);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('potledger cba', () => {
  it(
    'prints a readable report: the adjustment chain, the years, the headline figures and who benefits',
    async () => {
      const { stdout } = await potledger(['cba', '--pot', potId]);
      expect(stdout).toContain('Cost-benefit report: Essex Reducing Reoffending');
      expect(stdout).toContain(
        'deadweight 25%, attribution 80%, optimism bias 10%, profile 100% / 50%',
      );
      expect(stdout).toMatch(/Adjusted annual benefit \(× \(1 − 10%\)\)\s+£32,400\.00/);
      expect(stdout).toMatch(
        /^1\s+50%\s+£16,200\.00\s+0\.9661835749\s+£15,652\.17\s+£48,052\.17$/m,
      );
      expect(stdout).toMatch(/Present value of benefits\s+£48,052\.17/);
      expect(stdout).toMatch(/Net present budget impact\s+-£51,947\.83/);
      expect(stdout).toMatch(/Financial return on investment\s+0\.4805/);
      expect(stdout).toMatch(/Payback year\s+none/);
      // Agencies by name, wherever a person reads.
      expect(stdout).toMatch(/^NHS Mid Essex\s+£0\.00\s+£20,000\.00\s+£0\.00\s+£16,017\.39$/m);
      expect(stdout).toMatch(
        /^== Employment support for ex-offenders \(\w{26}\), led by Essex Probation$/m,
      );
      expect(stdout).not.toMatch(/nhs-mid-essex|led by essex-/);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    '--json prints exactly what GET /v1/pots/:potId/cba answers; --intervention narrows it',
    async () => {
      const { stdout } = await potledger(['cba', '--pot', potId, '--json']);
      expect(JSON.parse(stdout)).toEqual(apiReport);
      const narrowed = JSON.parse(
        (await potledger(['cba', '--pot', potId, '--intervention', interventionId, '--json']))
          .stdout,
      );
      expect(narrowed.scope).toEqual({ interventionId });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'exits non-zero with a message for an unknown pot or a malformed argument',
    async () => {
      await expect(potledger(['cba', '--pot', '01ARZ3NDEKTSV4RRFFQ69G5FAV'])).rejects.toMatchObject(
        { code: 2, stderr: expect.stringContaining('does not exist') },
      );
      await expect(potledger(['cba', '--pot', 'essex'])).rejects.toMatchObject({
        stderr: expect.stringContaining('not a valid pot id'),
      });
      await expect(
        potledger(['cba', '--pot', potId, '--financial-year', '2025-27']),
      ).rejects.toMatchObject({ stderr: expect.stringContaining('not a valid financial year') });
    },
    CLI_TIMEOUT_MS,
  );
});
