/**
 * Runs one child process to completion (the potledger CLI, or a bench script under tsx), timing
 * it and sampling its peak resident set (VmHWM in /proc/<pid>/status) while it runs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../test/e2e/serverProcess.ts';

export interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
  /** Highest VmHWM seen, in MiB (NaN where /proc is not available). */
  readonly peakRssMiB: number;
}

/** VmHWM of a live process in MiB, or NaN once it is gone. */
export function peakRssMiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? NaN : Number(match[1]) / 1024;
  } catch {
    return NaN;
  }
}

const RSS_SAMPLE_MS = 25;

/** `stderr: 'inherit'`: the child's stderr also goes to ours as it comes (progress lines). */
export function runChild(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
  options: { stderr?: 'inherit' } = {},
): Promise<ChildRun> {
  const startedAt = performance.now();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (options.stderr === 'inherit') process.stderr.write(chunk);
  });
  let peak = NaN;
  const sample = () => {
    const now = peakRssMiB(child.pid!);
    if (!Number.isNaN(now) && !(now <= peak)) peak = now;
  };
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // VmHWM never falls, and once the child exits its memory (and figure) is gone: the last
  // sample before the exit is the peak, to within one sampling interval of growth.
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({
        code,
        stdout,
        stderr,
        wallMs: performance.now() - startedAt,
        peakRssMiB: Math.round(peak),
      });
    });
  });
}

/** The potledger CLI as `npx potledger …` runs it. */
export const cliArgs = (...args: string[]): string[] => ['bin/potledger.js', ...args];
/** A bench script under tsx. */
export const scriptArgs = (script: string, ...args: string[]): string[] => [
  '--import',
  'tsx',
  script,
  ...args,
];
