/**
 * The layers, checked on the source text: only HTTP code (and the composition root that puts it
 * in front of the core) imports fastify; the core ledger reaches no HTTP code, however
 * indirectly; the domain folders (events/, commands/, projections/) import nothing from src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/books/snapshots/codeFingerprint.ts';

const SOURCE_FILE = /\.(ts|mts|mjs)$/;
/** Static imports and re-exports (`import … from`, `export … from`, bare `import '…'`) and dynamic `import('…')`. */
const IMPORT_SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;
const HTTP_PACKAGE = /^(fastify|fastify-type-provider-zod|@fastify\/.+)$/;

/** Repository paths of the source files under `folder`. */
function sourceFilesUnder(folder: string): string[] {
  return readdirSync(join(REPO_ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && SOURCE_FILE.test(entry.name))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT_SPECIFIER)].map((match) => match[1]!);
}

/** A relative import as a repository path; undefined for a package. */
function resolvedImport(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), specifier))
    .split('\\')
    .join('/');
}

const isUnder = (file: string, folder: string): boolean => file.startsWith(`${folder}/`);

describe('architecture', () => {
  it('only src/http/ and src/app/ import fastify, @fastify/* or fastify-type-provider-zod', () => {
    const offenders = sourceFilesUnder('src')
      .filter((file) => !isUnder(file, 'src/http') && !isUnder(file, 'src/app'))
      .flatMap((file) =>
        importsOf(file)
          .filter((specifier) => HTTP_PACKAGE.test(specifier))
          .map((specifier) => `${file} imports ${specifier}`),
      );
    expect(offenders).toEqual([]);
  });

  it('events/, commands/ and projections/ import nothing from src/', () => {
    const offenders = ['events', 'commands', 'projections'].flatMap((folder) =>
      sourceFilesUnder(folder).flatMap((file) =>
        importsOf(file)
          .filter((specifier) => {
            const target = resolvedImport(file, specifier);
            return target !== undefined && (target === 'src' || isUnder(target, 'src'));
          })
          .map((specifier) => `${file} imports ${specifier}`),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it('the core ledger (src/app/ledger.ts) reaches no HTTP code, directly or through what it imports', () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of importsOf(file)) {
        if (HTTP_PACKAGE.test(specifier)) offenders.push(`${file} imports ${specifier}`);
        const target = resolvedImport(file, specifier);
        if (target === undefined) continue;
        if (isUnder(target, 'src/http')) offenders.push(`${file} imports ${target}`);
        else if (SOURCE_FILE.test(target)) visit(target);
      }
    };
    visit('src/app/ledger.ts');
    expect(seen.size).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it('the import scanner sees the imports it is meant to see', () => {
    // A guard on the guard: the server composition does import the HTTP side and fastify.
    expect(importsOf('src/app/servedLedger.ts')).toEqual(
      expect.arrayContaining(['fastify', '../http/server.ts']),
    );
    expect(importsOf('src/http/app.ts')).toEqual(
      expect.arrayContaining(['fastify', '@fastify/cors', 'fastify-type-provider-zod']),
    );
  });
});
