/**
 * Debian's Chromium driven by playwright-core, with the flags CI uses, a fresh profile per run,
 * and screenshots under test-output/screenshots (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOT_DIR = join(process.cwd(), 'test-output', 'screenshots');

/** Why the browser suite cannot run here, or null when it can. */
export function browserUnavailable(): string | null {
  return existsSync(CHROMIUM_PATH)
    ? null
    : `${CHROMIUM_PATH} is missing (apt-get install chromium; .ci/run does)`;
}

export async function launchChromium(): Promise<{
  context: BrowserContext;
  close: () => Promise<void>;
}> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'potledger-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    // The fresh profile directory is Chromium's --user-data-dir (playwright passes it).
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** True when web/dist is missing or older than any dashboard source, so the tests never run a stale build. */
export function dashboardBuildIsStale(repoRoot: string): boolean {
  const built = join(repoRoot, 'web', 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const sources = [
    join(repoRoot, 'web', 'index.html'),
    join(repoRoot, 'web', 'vite.config.ts'),
    join(repoRoot, 'events', 'money.ts'),
  ];
  for (const entry of readdirSync(join(repoRoot, 'web', 'src'), {
    recursive: true,
    withFileTypes: true,
  })) {
    if (entry.isFile()) sources.push(join(entry.parentPath, entry.name));
  }
  return sources.some((source) => statSync(source).mtimeMs > builtAt);
}
