/**
 * A books snapshot is thrown away when the code that folded it changes (codeFingerprint.ts), and
 * only then: rewiring the server (src/app, src/http) changes no fold, so it must not cost a
 * full replay at the next start.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BOOKS_CODE,
  codeFiles,
  codeFingerprint,
} from '../../../src/books/snapshots/codeFingerprint.ts';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A repository of its own with `files` (path → text) in it. */
function repository(files: Readonly<Record<string, string>>): string {
  const root = mkdtempSync(join(tmpdir(), 'potledger-fingerprint-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const BOOKS_FILES = {
  'events/pot.ts': 'export const pot = 1;',
  'projections/potSummary.ts': 'export const summary = 1;',
  'src/audit/merkle.ts': 'export const tree = 1;',
  'src/audit/merkleLog.ts': 'export const log = 1;',
  'src/audit/storeMerkleLog.ts': 'export const storeLog = 1;',
  'src/books/foldLog.ts': 'export const fold = 1;',
  'src/writePath/commandScope.ts': 'export const scope = 1;',
  'src/books/snapshots/stateCodec.ts': 'export const codec = 1;',
};
const WIRING = {
  'src/app/ledger.ts': 'export const core = 1;',
  'src/http/server.ts': 'export const http = 1;',
};

describe('the books code fingerprint', () => {
  it('covers the fold, the projections, the events, the Merkle log and the codec, and nothing under src/app or src/http', () => {
    const files = codeFiles(BOOKS_CODE);
    expect(files).toEqual(
      expect.arrayContaining([
        'src/books/foldLog.ts',
        'src/writePath/commandScope.ts',
        'src/audit/merkle.ts',
        'src/audit/merkleLog.ts',
        'src/audit/storeMerkleLog.ts',
        'src/books/snapshots/stateCodec.ts',
      ]),
    );
    expect(files.some((file) => file.startsWith('projections/'))).toBe(true);
    expect(files.some((file) => file.startsWith('events/'))).toBe(true);
    expect(
      files.filter((file) => file.startsWith('src/app/') || file.startsWith('src/http/')),
    ).toEqual([]);
  });

  it('is the same when a file under src/app or src/http changes or is added, and changes with the fold', () => {
    const before = codeFingerprint(BOOKS_CODE, 1, repository({ ...BOOKS_FILES, ...WIRING }));
    const rewired = repository({
      ...BOOKS_FILES,
      'src/app/ledger.ts': 'export const core = 2; // rewired',
      'src/app/servedLedger.ts': 'export const served = 1;',
      'src/http/server.ts': 'export const http = 2;',
      'src/http/routes/newRoute.ts': 'export const route = 1;',
    });
    expect(codeFingerprint(BOOKS_CODE, 1, rewired)).toBe(before);
    const foldChanged = repository({
      ...BOOKS_FILES,
      ...WIRING,
      'src/books/foldLog.ts': 'export const fold = 2;',
    });
    expect(codeFingerprint(BOOKS_CODE, 1, foldChanged)).not.toBe(before);
  });
});
