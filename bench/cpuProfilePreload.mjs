// `--profile`: loaded with NODE_OPTIONS="--enable-source-maps --import=<this file>" into every
// process a row starts (server, CLI, replay child). Node 20 refuses --cpu-prof in NODE_OPTIONS,
// and the server is spawned by code the bench does not own, so this starts V8's profiler
// through the inspector and, when the process exits, writes a .cpuprofile into
// BENCH_CPU_PROF_DIR as --cpu-prof would — with the positions of TypeScript files (compiled by
// tsx, whose output does not keep lines) mapped back to their sources.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { findSourceMap } from 'node:module';
import { join } from 'node:path';

/** Rewrites each call frame's 0-based line and column to the original source's, where a source map knows it. */
export function sourceMappedProfile(profile) {
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    if (!frame.url.startsWith('file:') || frame.lineNumber < 0) continue;
    let map;
    try {
      map = findSourceMap(frame.url);
    } catch {
      map = undefined;
    }
    const entry = map?.findEntry(frame.lineNumber, Math.max(frame.columnNumber, 0));
    if (entry !== undefined && typeof entry.originalLine === 'number') {
      frame.lineNumber = entry.originalLine;
      frame.columnNumber = entry.originalColumn;
    }
  }
  return profile;
}

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir !== undefined && dir !== '') {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // An in-thread inspector session answers synchronously, so this works inside 'exit'.
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error === null && result !== undefined) {
        const name = `CPU.${new Date().toISOString().replace(/[:.]/g, '')}.${process.pid}.cpuprofile`;
        writeFileSync(join(dir, name), JSON.stringify(sourceMappedProfile(result.profile)));
      }
    });
  });
}
