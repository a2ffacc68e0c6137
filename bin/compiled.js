#!/usr/bin/env node
// The compiled build: TypeScript (events/, commands/, projections/, src/) compiled by tsc into
// dist/ (tsconfig.build.json), which `npm start`, the CLI and the Docker image run with plain
// node, no TypeScript loader. dist/BUILD is written last, so a build cut short or failed
// (noEmitOnError) never counts as current; sources edited after it make it stale.
//
//   node bin/compiled.js build    compile now (npm run build; npm install's prepare script)
//   node bin/compiled.js ensure   compile only if dist/ is missing or older than the sources (prestart)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST_DIR = join(ROOT, 'dist');
/** Written after tsc succeeds; its mtime is the build's time. */
export const BUILD_STAMP = join(DIST_DIR, 'BUILD');
/** What the build compiles (and what makes it stale when edited). */
const SOURCES = [
  'events',
  'commands',
  'projections',
  'src',
  'tsconfig.json',
  'tsconfig.build.json',
];
/** The entry points, as paths under dist/. */
export const COMPILED_SERVER = join(DIST_DIR, 'src', 'app', 'main.js');
export const COMPILED_CLI = join(DIST_DIR, 'src', 'cli', 'main.js');

/** Newest modification time (ms) of any file under the sources; 0 where there are none (an image ships only dist/). */
function newestSourceMs(root) {
  let newest = 0;
  for (const source of SOURCES) {
    const path = join(root, source);
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isFile()) {
      newest = Math.max(newest, stat.mtimeMs);
      continue;
    }
    for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
      if (entry.isFile())
        newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** True when dist/ holds a finished build at least as new as every source file. */
export function compiledIsCurrent(root = ROOT) {
  const stamp = join(root, 'dist', 'BUILD');
  if (!existsSync(stamp)) return false;
  return statSync(stamp).mtimeMs >= newestSourceMs(root);
}

/** Compiles into dist/; returns false (saying why) where it cannot: no sources, or no TypeScript (an install without dev dependencies). */
export function build(root = ROOT) {
  if (!existsSync(join(root, 'tsconfig.build.json')) || !existsSync(join(root, 'src'))) {
    console.log('potledger: no TypeScript sources here; server build skipped');
    return false;
  }
  let tsc;
  try {
    tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    console.log(
      'potledger: no TypeScript compiler (dev dependencies not installed); server build skipped',
    );
    return false;
  }
  const startedMs = Date.now();
  // A file removed from the sources must not survive in dist/.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  console.log('potledger: compiling the server into dist/ (tsc -p tsconfig.build.json)…');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    throw new Error(`tsc -p tsconfig.build.json failed (exit ${result.status ?? result.signal})`);
  }
  writeFileSync(join(root, 'dist', 'BUILD'), `${new Date().toISOString()}\n`);
  console.log(
    `potledger: server compiled into dist/ in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`,
  );
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  try {
    if (command === 'build') {
      build();
    } else if (command === 'ensure') {
      if (compiledIsCurrent()) process.exit(0);
      if (existsSync(BUILD_STAMP))
        console.log('potledger: the sources changed since the last build');
      if (!build() && !existsSync(COMPILED_SERVER)) {
        console.error(
          'potledger: no compiled server in dist/: run `npm install` (with dev dependencies) or `npm run build`',
        );
        process.exit(1);
      }
    } else {
      console.error('usage: node bin/compiled.js build|ensure');
      process.exit(2);
    }
  } catch (error) {
    console.error(`potledger: ${error.message}`);
    process.exit(1);
  }
}
