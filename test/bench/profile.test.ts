/** The --profile summariser (bench/profile.ts) on small hand-made .cpuprofile files. */
import { describe, expect, it } from 'vitest';
import { selfTimes, summariseProfiles, type CpuProfile } from '../../bench/profile.ts';
import { REPO_ROOT } from '../e2e/serverProcess.ts';

const frame = (functionName: string, url: string, lineNumber: number) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
  scriptId: '0',
});

/** root → (idle), fold (src/fold.ts:10), decide (src/decide.ts:4) → (garbage collector). */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', '', -1), hitCount: 0 },
    { id: 2, callFrame: frame('(idle)', '', -1), hitCount: 2 },
    { id: 3, callFrame: frame('fold', `file://${REPO_ROOT}/src/fold.ts`, 9), hitCount: 3 },
    { id: 4, callFrame: frame('decide', `file://${REPO_ROOT}src/decide.ts`, 3), hitCount: 1 },
    { id: 5, callFrame: frame('(garbage collector)', '', -1), hitCount: 1 },
  ],
  startTime: 0,
  // Samples at 0 (fold), 1000, 2000 (fold), 3000 (idle), 5000 (idle), 6000 (decide), 9000 (gc); ends at 10000.
  samples: [3, 3, 3, 2, 2, 4, 5],
  timeDeltas: [0, 1000, 1000, 1000, 2000, 1000, 3000],
  endTime: 10_000,
};

describe('profile summary', () => {
  it('gives each sample the time up to the next one, and the last one the time up to the end', () => {
    const times = new Map(
      [...selfTimes(profile).values()].map((e) => [e.frame.functionName, e.micros]),
    );
    expect(times.get('fold')).toBe(3000);
    expect(times.get('(idle)')).toBe(3000);
    expect(times.get('decide')).toBe(3000);
    expect(times.get('(garbage collector)')).toBe(1000);
  });

  it('ranks functions by self time, leaves idle out of the shares, and names repository files by relative path and 1-based line', () => {
    const summary = summariseProfiles([profile, profile], '/tmp/x');
    expect(summary.files).toBe(2);
    expect(summary.busyMs).toBe(14);
    expect(summary.idleMs).toBe(6);
    expect(summary.top.map((f) => f.function)).toEqual(['fold', 'decide', '(garbage collector)']);
    expect(summary.top[0]).toEqual({
      function: 'fold',
      location: 'src/fold.ts:10',
      selfMs: 6,
      selfPercent: 42.9,
    });
    expect(summary.top[1]!.location).toBe('src/decide.ts:4');
    expect(summary.top[2]!.location).toBe('');
  });

  it('marks frames with no script as native code', () => {
    const native: CpuProfile = {
      nodes: [{ id: 1, callFrame: frame('run', '', -1), hitCount: 1 }],
      startTime: 0,
      endTime: 1000,
    };
    expect(summariseProfiles([native], '/tmp/x').top[0]).toMatchObject({
      function: 'run',
      location: '(native)',
      selfPercent: 100,
    });
  });

  it('falls back to hit counts when a profile has no samples', () => {
    const { samples: _samples, timeDeltas: _deltas, ...counts } = profile;
    const summary = summariseProfiles([counts], '/tmp/x');
    // 7 hits over 10 ms: fold's 3 hits are 3/5 of the busy ones.
    expect(summary.top[0]).toMatchObject({ function: 'fold', selfPercent: 60 });
    expect(summary.idleMs).toBe(3);
  });

  it('keeps at most the number of functions asked for', () => {
    expect(summariseProfiles([profile], '/tmp/x', 1).top).toHaveLength(1);
    expect(summariseProfiles([], '/tmp/x')).toMatchObject({ files: 0, busyMs: 0, top: [] });
  });
});
