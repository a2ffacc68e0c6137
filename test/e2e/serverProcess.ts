/**
 * Real processes for the end-to-end suite: the server as `npm start` runs it (the compiled build
 * in dist/ when it is current, as `npm ci` leaves it; the sources under tsx when they changed
 * since, so an edit is never hidden by a stale build), on a free port, and one-shot scripts such
 * as the demo. Every child is tracked so the suite can kill whatever is still running, whatever
 * happened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { compiledIsCurrent } from '../../bin/compiled.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** tsx compiles on the fly, so a cold start takes a few seconds; leave room for a slow machine. */
export const SERVER_START_TIMEOUT_MS = 45_000;
export const SERVER_STOP_TIMEOUT_MS = 15_000;
export const HEALTH_POLL_INTERVAL_MS = 150;
const HEALTH_REQUEST_TIMEOUT_MS = 2_000;
/** Output kept per child for failure messages, so a chatty process cannot eat the memory. */
const MAX_OUTPUT_CHARS = 200_000;

const children = new Set<ChildProcess>();

/** A port nobody listens on right now: bind port 0, read what the OS chose, let it go. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('no port from listen(0)'));
        return;
      }
      probe.close(() => resolve(address.port));
    });
  });
}

/** The environment a child sees: ours, minus anything that would point it at another store. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('LEDGER_STORE' in extra)) delete env.LEDGER_STORE;
  return env;
}

interface Tracked {
  readonly child: ChildProcess;
  /** Settles once the process has exited AND its output pipes are drained. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stdout(): string;
  stderr(): string;
}

function spawnTracked(
  script: string,
  env: Record<string, string>,
  loader: 'tsx' | 'none' = 'tsx',
): Tracked {
  // `node --import tsx` rather than `npx tsx`: the pid we hold is the process itself, so a
  // signal reaches the server and not a wrapper that would leave it orphaned.
  const child = spawn(process.execPath, loader === 'tsx' ? ['--import', 'tsx', script] : [script], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  let stdout = '';
  let stderr = '';
  let both = '';
  const keep = (text: string, chunk: string) => (text + chunk).slice(-MAX_OUTPUT_CHARS);
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout = keep(stdout, chunk);
    both = keep(both, chunk);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = keep(stderr, chunk);
    both = keep(both, chunk);
  });
  return { child, closed, output: () => both, stdout: () => stdout, stderr: () => stderr };
}

function exited(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'timeout'> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

let compiledCurrent: boolean | undefined;
/** Whether dist/ is current, looked at once per test file (the sources do not change under it). */
function compiledBuildIsCurrent(): boolean {
  compiledCurrent ??= compiledIsCurrent(REPO_ROOT);
  return compiledCurrent;
}

export interface ServerProcess {
  readonly baseUrl: string;
  readonly pid: number;
  output(): string;
  /** SIGTERM, then waits for the exit; answers the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `env`: further settings for the server (the benchmark turns the write rate limit off);
 * `startTimeoutMs`: how long to wait for healthy (the benchmark starts on long logs).
 * `stopTimeoutMs`: how long stop() waits after SIGTERM (a server on a long log writes its books
 * snapshot at shutdown). `compiled`: dist/ with plain node (build it first: bin/compiled.js).
 */
export async function startServer(options: {
  port: number;
  dataDir: string;
  jwtSecret: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  /**
   * true: the compiled build (dist/, as `npm start` and the image run it) with plain node;
   * false: the sources under tsx. Unset: the compiled build when it is current, else tsx (the
   * same choice bin/potledger.js makes), which spares each start tsx's compile of the server.
   */
  compiled?: boolean;
}): Promise<ServerProcess> {
  const startTimeoutMs = options.startTimeoutMs ?? SERVER_START_TIMEOUT_MS;
  const stopTimeoutMs = options.stopTimeoutMs ?? SERVER_STOP_TIMEOUT_MS;
  const compiled = options.compiled ?? compiledBuildIsCurrent();
  const script = compiled ? 'dist/src/app/main.js' : 'src/app/main.ts';
  const { child, output } = spawnTracked(
    script,
    {
      PORT: String(options.port),
      HOST: '127.0.0.1',
      LEDGER_DATA_DIR: options.dataDir,
      LEDGER_JWT_SECRET: options.jwtSecret,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    compiled ? 'none' : 'tsx',
  );
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the server exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${output()}`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/health`, {
        signal: AbortSignal.timeout(HEALTH_REQUEST_TIMEOUT_MS),
      });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not healthy within ${startTimeoutMs} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_INTERVAL_MS));
  }
  return {
    baseUrl,
    pid: child.pid!,
    output,
    async stop() {
      child.kill('SIGTERM');
      const result = await exited(child, stopTimeoutMs);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        throw new Error(
          `the server did not stop within ${stopTimeoutMs} ms of SIGTERM:\n${output()}`,
        );
      }
      return result.code;
    },
  };
}

export interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a TypeScript script to completion (killed after `timeoutMs`). */
export async function runScript(
  script: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<ScriptResult> {
  const { child, closed, stdout, stderr } = spawnTracked(script, env);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    child.kill('SIGKILL');
    throw new Error(`${script} did not finish within ${timeoutMs} ms:\n${stdout()}\n${stderr()}`);
  }
  return { code: result.code, stdout: stdout(), stderr: stderr() };
}

/** Kills every child still running. For afterAll: whatever failed, nothing is left behind. */
export async function killAllChildren(): Promise<void> {
  const running = [...children].filter(
    (child) => child.exitCode === null && child.signalCode === null,
  );
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.map((child) => exited(child, SERVER_STOP_TIMEOUT_MS)));
}
