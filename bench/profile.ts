/**
 * `--profile`: every process a row starts is CPU-profiled into .bench/profiles/<row>/,
 * and the row's profiles are summarised as the functions with the most self time. A
 * .cpuprofile is V8's JSON: nodes (id, callFrame, children), and parallel arrays `samples`
 * (the node on top of the stack) and `timeDeltas` (µs since the previous sample).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/e2e/serverProcess.ts';
import { sourceMappedProfile } from './cpuProfilePreload.mjs';

/** Functions listed per row. */
export const TOP_FUNCTIONS = 8;

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  /** 0-based, as V8 writes it. */
  readonly lineNumber: number;
  readonly columnNumber?: number;
}

export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: CallFrame;
    readonly hitCount?: number;
  }[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime?: number;
  readonly endTime?: number;
}

export interface ProfileFunction {
  readonly function: string;
  /** path:line, the path relative to the repository when it is inside it. */
  readonly location: string;
  readonly selfMs: number;
  /** Share of the busy (not idle) samples. */
  readonly selfPercent: number;
}

export interface ProfileSummary {
  readonly dir: string;
  readonly files: number;
  /** Sampled time outside "(idle)", over every profile of the row. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly top: readonly ProfileFunction[];
}

/** V8's pseudo-frame for a thread with nothing to do: not a cost of anything. */
const IDLE = '(idle)';

function location(frame: CallFrame): string {
  // V8's pseudo-frames are "(garbage collector)", "(program)"…; other frames with no script are
  // native code (better-sqlite3's Statement.run, which includes the fsync, shows as "run").
  if (frame.url === '') return frame.functionName.startsWith('(') ? '' : '(native)';
  const root = `file://${REPO_ROOT}`;
  const path = frame.url.startsWith(root)
    ? frame.url.slice(root.length).replace(/^\//, '')
    : frame.url.replace(/^file:\/\//, '');
  return `${path}:${frame.lineNumber + 1}`;
}

/**
 * Self time per function (same name, file and line) in µs, over one profile. A sample's time
 * is the delta to the next sample (the last one gets the profile's end); profiles without
 * samples fall back to hitCount × the mean interval.
 */
export function selfTimes(profile: CpuProfile): Map<string, { frame: CallFrame; micros: number }> {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, { frame: CallFrame; micros: number }>();
  const add = (nodeId: number, micros: number) => {
    const node = byNode.get(nodeId);
    if (node === undefined || micros <= 0) return;
    const key = `${node.callFrame.functionName}\u0000${location(node.callFrame)}`;
    const entry = totals.get(key);
    if (entry === undefined) totals.set(key, { frame: node.callFrame, micros });
    else entry.micros += micros;
  };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    let at = (profile.startTime ?? 0) + (deltas[0] ?? 0);
    for (let i = 0; i < samples.length; i++) {
      const next =
        i + 1 < samples.length ? at + deltas[i + 1]! : Math.max(profile.endTime ?? at, at);
      add(samples[i]!, next - at);
      at = next;
    }
  } else {
    const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
    const interval = hits === 0 ? 0 : ((profile.endTime ?? 0) - (profile.startTime ?? 0)) / hits;
    for (const node of profile.nodes) add(node.id, (node.hitCount ?? 0) * interval);
  }
  return totals;
}

/** The functions with the most self time over several profiles (all the processes of one row). */
export function summariseProfiles(
  profiles: readonly CpuProfile[],
  dir: string,
  top = TOP_FUNCTIONS,
): ProfileSummary {
  const merged = new Map<string, { frame: CallFrame; micros: number }>();
  for (const profile of profiles) {
    for (const [key, entry] of selfTimes(profile)) {
      const seen = merged.get(key);
      if (seen === undefined) merged.set(key, { ...entry });
      else seen.micros += entry.micros;
    }
  }
  let idle = 0;
  let busy = 0;
  for (const entry of merged.values()) {
    if (entry.frame.functionName === IDLE) idle += entry.micros;
    else busy += entry.micros;
  }
  const ranked = [...merged.values()]
    .filter((e) => e.frame.functionName !== IDLE)
    .sort((a, b) => b.micros - a.micros);
  return {
    dir,
    files: profiles.length,
    busyMs: Math.round(busy / 1000),
    idleMs: Math.round(idle / 1000),
    top: ranked.slice(0, top).map((e) => ({
      function: e.frame.functionName === '' ? '(anonymous)' : e.frame.functionName,
      location: location(e.frame),
      selfMs: Math.round(e.micros / 1000),
      selfPercent: busy === 0 ? 0 : Math.round((e.micros / busy) * 1000) / 10,
    })),
  };
}

export function summariseProfileDir(dir: string): ProfileSummary {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  } catch {
    // no process of the row wrote a profile
  }
  return summariseProfiles(
    names.map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile),
    dir,
  );
}

/** Where a row's profiles go, or nothing when this run does not profile. */
export interface Profiling {
  readonly root: string;
}

export function profileDir(profiling: Profiling, rowId: string): string {
  const dir = join(profiling.root, rowId);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Clears the profiles of an earlier run. */
export function resetProfiles(profiling: Profiling): void {
  rmSync(profiling.root, { recursive: true, force: true });
  mkdirSync(profiling.root, { recursive: true });
}

const PRELOAD = join(REPO_ROOT, 'bench', 'cpuProfilePreload.mjs');

/**
 * The environment that profiles a child process (server, CLI, replay child) into `dir`. Not
 * `--cpu-prof`: Node 20 refuses it in NODE_OPTIONS, which is the only way into the server that
 * test/e2e/serverProcess.ts spawns; the preload (bench/cpuProfilePreload.mjs) does the same
 * through the inspector and maps tsx-compiled positions back to the TypeScript sources.
 */
export const cpuProfEnv = (dir: string | undefined): Record<string, string> =>
  dir === undefined
    ? {}
    : {
        NODE_OPTIONS:
          `${process.env.NODE_OPTIONS ?? ''} --enable-source-maps --import=${PRELOAD}`.trim(),
        BENCH_CPU_PROF_DIR: dir,
      };

/** Profiles work done in this process (the append comparison) into `dir`, through the inspector. */
export async function profileHere<T>(
  dir: string | undefined,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  if (dir === undefined) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(
      join(dir, `${name}-${Date.now()}.cpuprofile`),
      JSON.stringify(sourceMappedProfile(profile as unknown as CpuProfile)),
    );
    session.disconnect();
  }
}

/** The summary as lines for the terminal. */
export function formatProfile(summary: ProfileSummary): string[] {
  if (summary.files === 0) return [`    no profile written into ${summary.dir}`];
  const lines = [
    `    ${summary.files} profile(s), ${summary.busyMs.toLocaleString('en-GB')} ms busy (+${summary.idleMs.toLocaleString('en-GB')} ms idle), top self time:`,
  ];
  for (const f of summary.top)
    lines.push(`    ${String(f.selfPercent).padStart(5)} %  ${f.function}  ${f.location}`);
  return lines;
}
