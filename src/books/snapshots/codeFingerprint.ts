/**
 * What a snapshot was computed by. A snapshot is the fold of the log by some version of the
 * code: if an event handler changes (a projection counts something differently, the pot
 * aggregate learns a rule), an old snapshot is wrong even though the log is not. So every
 * snapshot records SHA-256 over the source text of the code that folded it, and one whose
 * fingerprint differs is ignored, which costs one full replay after an upgrade and nothing else.
 *
 * It hashes whole folders rather than picking files: a helper imported by a projection is
 * covered without anyone remembering to list it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when this module runs compiled (dist/, `npm run build`) rather than as TypeScript source. */
const COMPILED = import.meta.url.endsWith('.js');
/**
 * Where the running code lives: the repository for the TypeScript sources, dist/ for the
 * compiled build (which is what an image ships). A snapshot is fingerprinted by the code that
 * actually runs, so one taken by the other form is ignored (one full replay, never wrong books).
 */
export const CODE_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The repository (the compiled build sits one folder deeper, in dist/). */
export const REPO_ROOT = COMPILED
  ? fileURLToPath(new URL('../../../..', import.meta.url))
  : CODE_ROOT;
const CODE_EXTENSION = COMPILED ? '.js' : '.ts';

/**
 * The code whose change invalidates books snapshots (paths from the repository root): what the
 * books and the Merkle log are folded by (src/books/foldLog.ts) and the
 * snapshot codec. Not the composition root (src/app) nor HTTP (src/http): rewiring the server
 * changes no fold, so it must not cost a full replay.
 */
export const BOOKS_CODE = [
  'events',
  'projections',
  'src/audit/merkle.ts',
  'src/audit/merkleLog.ts',
  'src/audit/storeMerkleLog.ts',
  'src/books/foldLog.ts',
  'src/writePath/commandScope.ts',
  'src/books/snapshots',
] as const;
/** The code whose change invalidates stream (aggregate) snapshots. */
export const STREAM_CODE = ['events', 'commands', 'src/writePath', 'src/books/snapshots'] as const;

function sourceFiles(path: string): string[] {
  if (path.endsWith('.ts')) return [path.slice(0, -'.ts'.length) + CODE_EXTENSION];
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(CODE_EXTENSION))
    .map((entry) => join(entry.parentPath, entry.name));
}

const cache = new Map<string, string>();

/** The .ts files (.js when compiled) under `paths` (from `root`), as paths from it, in name order: what codeFingerprint hashes. */
export function codeFiles(paths: readonly string[], root: string = CODE_ROOT): string[] {
  const files = paths
    .flatMap((path) => sourceFiles(join(root, path)))
    .map((file) => relative(root, file).split('\\').join('/'));
  return [...new Set(files)].sort();
}

/**
 * SHA-256 over the format version and every .ts file (.js when compiled) under `paths` (name
 * and text, in name order). Read once per process: the code does not change under a running server.
 */
export function codeFingerprint(
  paths: readonly string[],
  formatVersion: number,
  root: string = CODE_ROOT,
): string {
  const key = `${formatVersion}\u0000${root}\u0000${paths.join('\u0000')}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const hash = createHash('sha256').update(`potledger snapshot format ${formatVersion}\n`);
  for (const file of codeFiles(paths, root)) {
    const text = readFileSync(join(root, file));
    hash.update(`${file}\u0000${text.length}\u0000`).update(text);
  }
  const fingerprint = hash.digest('hex');
  cache.set(key, fingerprint);
  return fingerprint;
}
