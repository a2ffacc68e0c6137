/**
 * `potledger unit-costs import`, spawned as a user runs it, against a fresh data directory:
 * the starter catalogue goes in once; a second import adds nothing; a changed figure is reported,
 * not silently superseded; a broken file is refused before anything is written.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { DEFAULT_UNIT_COSTS_FILE } from '../../src/unitCosts/unitCostFile.ts';
import { REPO_ROOT } from '../e2e/serverProcess.ts';

const run = promisify(execFile);
/** tsx compiles the CLI on the fly; leave room for a slow, shared machine. */
const CLI_TIMEOUT_MS = 60_000;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'potledger-import-'));
  dirs.push(dir);
  return dir;
}

async function potledger(
  dir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, LEDGER_DATA_DIR: dir };
  delete env.LEDGER_STORE;
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

async function unitCostEvents(dir: string) {
  const store = createSqliteEventStore(join(dir, 'ledger.db'));
  try {
    return (await store.readAll(0n, 1_000)).filter((e) => e.type === 'UnitCostAdded');
  } finally {
    await store.close();
  }
}

const starter = JSON.parse(readFileSync(DEFAULT_UNIT_COSTS_FILE, 'utf8')) as {
  entries: { code: string; amount: string }[];
};

describe('potledger unit-costs import', () => {
  it(
    'adds every entry of the starter catalogue, printing each; a second import adds nothing',
    async () => {
      const dir = dataDir();
      const first = await potledger(dir, 'unit-costs', 'import');
      expect(first.code, first.stderr).toBe(0);
      for (const entry of starter.entries)
        expect(first.stdout).toContain(`added ${entry.code} version 1`);
      expect(first.stdout).toContain(
        `${starter.entries.length} added, 0 already there, 0 differing`,
      );
      const events = await unitCostEvents(dir);
      expect(events.map((e) => (e.data as { code: string }).code).sort()).toEqual(
        starter.entries.map((e) => e.code).sort(),
      );
      expect(
        events.every((e) => (e.metadata as { actor: { role: string } }).actor.role === 'admin'),
      ).toBe(true);

      const second = await potledger(dir, 'unit-costs', 'import');
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).not.toContain('added HEALTH');
      expect(second.stdout).toContain(
        `0 added, ${starter.entries.length} already there, 0 differing`,
      );
      expect((await unitCostEvents(dir)).length).toBe(starter.entries.length);
    },
    2 * CLI_TIMEOUT_MS,
  );

  it(
    'reports an entry whose figure differs from the version in force, and leaves it alone',
    async () => {
      const dir = dataDir();
      expect((await potledger(dir, 'unit-costs', 'import')).code).toBe(0);
      const changed = JSON.parse(readFileSync(DEFAULT_UNIT_COSTS_FILE, 'utf8'));
      changed.entries = [
        {
          ...changed.entries[0],
          amount: '600.00',
          split: [{ ...changed.entries[0].split[0], amount: '600.00' }],
        },
      ];
      const file = join(dir, 'changed.json');
      writeFileSync(file, JSON.stringify(changed));
      const result = await potledger(dir, 'unit-costs', 'import', '--file', file);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(
        `not changed ${changed.entries[0].code}: version 1 in force differs from the file`,
      );
      expect((await unitCostEvents(dir)).length).toBe(starter.entries.length);
    },
    2 * CLI_TIMEOUT_MS,
  );

  it(
    'refuses a file with an entry whose split does not add up, writing none of its entries, with exit code 2',
    async () => {
      const dir = dataDir();
      const file = join(dir, 'broken.json');
      const broken = JSON.parse(readFileSync(DEFAULT_UNIT_COSTS_FILE, 'utf8'));
      broken.entries = [broken.entries[1], { ...broken.entries[0], amount: '594.00' }];
      writeFileSync(file, JSON.stringify(broken));
      const result = await potledger(dir, 'unit-costs', 'import', '--file', file);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/split adds up to 593\.00, not the amount 594\.00/);
      expect(await unitCostEvents(dir)).toEqual([]);
    },
    CLI_TIMEOUT_MS,
  );
});
