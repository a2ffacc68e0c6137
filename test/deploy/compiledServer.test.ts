/**
 * Production runs the compiled build (dist/, `npm run build`), not the TypeScript sources: the
 * server starts with plain `node dist/src/app/main.js`, no TypeScript loader anywhere (no
 * --import, no NODE_OPTIONS), on an empty data directory; it serves /health, the dashboard and
 * a historical answer, which is folded in a worker thread that must start without tsx too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExistingJwtSecret } from '../../src/app/config.ts';
import { signToken } from '../../src/auth/tokens.ts';
import { dashboardIsBuilt } from '../../src/http/plugins/dashboard.ts';
import { freePort } from '../e2e/serverProcess.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
/** tsc over the whole source tree, when dist/ is missing or stale: a minute or two on a busy 2-core machine. */
const BUILD_TIMEOUT_MS = 300_000;
/** Plain node starts the compiled server in well under a second; leave room for a busy machine. */
const START_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 50;

let child: ChildProcess | undefined;
let dataDir = '';
let base = '';
let output = '';

beforeAll(async () => {
  // The build this suite checks: compiled now if the sources changed since the last one.
  const ensured = spawnSync(process.execPath, ['bin/compiled.js', 'ensure'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  });
  if (ensured.status !== 0)
    throw new Error(`the build failed:\n${ensured.stdout}${ensured.stderr}`);
  dataDir = mkdtempSync(join(tmpdir(), 'potledger-compiled-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LEDGER_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    // Production refuses to start with no way to sign in; this test signs its own HS256 tokens.
    LEDGER_HS256: 'on',
  };
  delete env.NODE_OPTIONS;
  delete env.LEDGER_STORE;
  delete env.LEDGER_JWT_SECRET;
  // Plain node: no --import, no --loader, no NODE_OPTIONS.
  const server = spawn(process.execPath, ['dist/src/app/main.js'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = server;
  server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the compiled server exited:\n${output}`);
    const status = await fetch(`${base}/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error(`no 200 from /health in time:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}, BUILD_TIMEOUT_MS + START_TIMEOUT_MS);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every .js file under dist/. */
function compiledFiles(): string[] {
  return readdirSync(join(ROOT, 'dist'), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the compiled server', () => {
  it('is plain JavaScript: no import of a .ts file and no TypeScript loader in dist/', () => {
    const files = compiledFiles();
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((file) => {
      const text = readFileSync(file, 'utf8');
      return (
        /(?:from\s*|import\s*\(\s*)['"][^'"]+\.ts['"]/.test(text) || /['"]tsx(\/|['"])/.test(text)
      );
    });
    expect(offenders).toEqual([]);
    expect(existsSync(join(ROOT, 'dist', 'src', 'books', 'historyWorker.js'))).toBe(true);
  });

  it('starts with plain node on an empty data directory and answers /health', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(output).toMatch(/potledger serving http:\/\/127\.0\.0\.1:\d+/);
    expect(existsSync(join(dataDir, 'ledger.db'))).toBe(true);
  });

  it('serves the dashboard at / (503 with how to build it where it was never built)', async () => {
    const response = await fetch(`${base}/`);
    if (dashboardIsBuilt()) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/<script type="module"/);
    } else {
      expect(response.status).toBe(503);
    }
  });

  it('answers a write and a historical read, folded in a worker thread started without tsx', async () => {
    const secret = readExistingJwtSecret(dataDir, {});
    expect(secret).not.toBeNull();
    const token = signToken(secret!, { sub: 'alice', role: 'admin' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/v1/agencies`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ agencyId: 'essex-cc', name: 'Essex County Council', kind: 'council' }),
    });
    expect(created.status).toBe(201);
    const { position } = (await created.json()) as { position: string };
    const historical = await fetch(`${base}/v1/agencies/essex-cc/balances?atPosition=${position}`, {
      headers,
    });
    expect(historical.status, await historical.clone().text()).toBe(200);
    expect(await historical.json()).toMatchObject({ agencyId: 'essex-cc' });
    expect(output).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|Cannot find module/);
  });
});
