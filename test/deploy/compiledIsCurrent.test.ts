/**
 * When the compiled build counts as current (bin/compiled.js): `npm start`'s prestart, the CLI and
 * the tests decide by it whether dist/ may run, so an edited source must never hide behind an
 * older build, and an image (dist/ without sources) must count as current.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, compiledIsCurrent } from '../../bin/compiled.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tree(files: Record<string, Date>): string {
  const root = mkdtempSync(join(tmpdir(), 'potledger-build-'));
  roots.push(root);
  for (const [path, at] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), '');
    utimesSync(join(root, path), at, at);
  }
  return root;
}

const earlier = new Date('2026-01-01T10:00:00Z');
const later = new Date('2026-01-01T11:00:00Z');

describe('compiledIsCurrent', () => {
  it('is false with no finished build (no dist/BUILD), whatever else dist/ holds', () => {
    expect(
      compiledIsCurrent(tree({ 'src/app/main.ts': earlier, 'dist/src/app/main.js': later })),
    ).toBe(false);
  });

  it('is true when the build is newer than every source, and false once a source is edited after it', () => {
    const root = tree({
      'src/app/main.ts': earlier,
      'events/money.ts': earlier,
      'tsconfig.json': earlier,
      'dist/BUILD': later,
    });
    expect(compiledIsCurrent(root)).toBe(true);
    const edited = new Date(later.getTime() + 1_000);
    utimesSync(join(root, 'events/money.ts'), edited, edited);
    expect(compiledIsCurrent(root)).toBe(false);
  });

  it('counts a changed build configuration as a change', () => {
    const root = tree({ 'src/a.ts': earlier, 'dist/BUILD': later, 'tsconfig.build.json': later });
    expect(compiledIsCurrent(root)).toBe(true);
    const edited = new Date(later.getTime() + 1_000);
    utimesSync(join(root, 'tsconfig.build.json'), edited, edited);
    expect(compiledIsCurrent(root)).toBe(false);
  });

  it('is true for an image: dist/ with its stamp and no sources at all', () => {
    expect(
      compiledIsCurrent(tree({ 'dist/BUILD': earlier, 'dist/src/app/main.js': earlier })),
    ).toBe(true);
  });
});

describe('build', () => {
  it('skips, saying so, where there are no sources to compile (and leaves dist/ alone)', () => {
    const root = tree({ 'dist/BUILD': earlier });
    expect(build(root)).toBe(false);
    expect(compiledIsCurrent(root)).toBe(true);
  });
});
