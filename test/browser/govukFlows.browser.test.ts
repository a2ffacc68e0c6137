/**
 * The dashboard on the GOV.UK Design System, in Chromium against the real server with the demo
 * scenario: four-eyes (the pending message with its threshold, the requester's refusal in
 * words, approval by a second finance officer, rejection), the auditor's audit trail (event
 * ids, amounts, no bookkeeping rows), no development sign-in on a production server, and axe on
 * every page for each role, with a screenshot of each page in test-output/screenshots.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, type Role } from '../../src/auth/tokens.ts';
import {
  HOST,
  loadEssexScenario,
  POLICE,
  type ScenarioRecord,
} from '../../src/demo/essexScenario.ts';
import { createLedgerClient } from '../../src/demo/ledgerClient.ts';
import { loadUnitCostCatalogue } from '../../src/demo/loadUnitCosts.ts';
import {
  freePort,
  killAllChildren,
  REPO_ROOT,
  runScript,
  startServer,
  type ServerProcess,
} from '../e2e/serverProcess.ts';
import { axeViolations } from './axe.ts';
import {
  browserUnavailable,
  dashboardBuildIsStale,
  launchChromium,
  SCREENSHOT_DIR,
} from './chromium.ts';

const BUILD_TIMEOUT_MS = 60_000;
const UI_TIMEOUT_MS = 10_000;
const THRESHOLD = '5000.00';
/** 3 roles × 12 pages, each loaded afresh and checked by axe. */
const EVERY_PAGE_TIMEOUT_MS = 300_000;

const unavailable = browserUnavailable();
if (unavailable !== null)
  console.warn(`[browser] the GOV.UK dashboard browser tests are SKIPPED: ${unavailable}`);

describe.skipIf(unavailable !== null)('the GOV.UK dashboard in Chromium', () => {
  const jwtSecret = `browser-${randomBytes(24).toString('hex')}`;
  const dataDirs = [mkdtempSync(join(tmpdir(), 'potledger-govuk-'))];
  const mint = (claims: { sub: string; role: Role; agency?: string }) =>
    signToken(jwtSecret, claims, '1h');
  const carol = () => mint({ sub: 'carol', role: 'finance-officer', agency: HOST.agencyId });
  const bob = () => mint({ sub: 'bob', role: 'finance-officer', agency: POLICE.agencyId });
  let server: ServerProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let scenario: ScenarioRecord;

  beforeAll(async () => {
    if (dashboardBuildIsStale(REPO_ROOT)) {
      const build = await runScript('web/prepare.mjs', {}, BUILD_TIMEOUT_MS);
      expect(build.code, build.stderr).toBe(0);
    }
    server = await startServer({ port: await freePort(), dataDir: dataDirs[0]!, jwtSecret });
    const client = createLedgerClient(server.baseUrl);
    const admin = mint({ sub: 'alice', role: 'admin' });
    await loadUnitCostCatalogue(client, admin);
    scenario = await loadEssexScenario(client, mint, ulid());
    await client.post(`/v1/pots/${scenario.potId}/approval-threshold`, admin, {
      approvalThreshold: THRESHOLD,
      reason: 'Browser test: four-eyes from £5,000',
    });
    browser = await launchChromium();
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await killAllChildren();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  async function signedIn(token: string, baseUrl = server.baseUrl): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(`${baseUrl}/#/signin`);
    await page.getByLabel('Token', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Pots', level: 1 }).waitFor();
    return page;
  }

  async function expectAccessible(page: Page): Promise<void> {
    const violations = await axeViolations(page);
    if (violations === null) return; // axe-core not installed: warned once at load
    expect(
      violations.map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      ),
    ).toEqual([]);
  }

  const available = async (page: Page) =>
    (await page.locator('[data-figure="available"]').textContent()) ?? '';
  const receiptHeading = (page: Page) =>
    page.getByTestId('receipt').locator('.govuk-notification-banner__heading').textContent();
  const pendingRow = (page: Page, reason: string) =>
    page.getByTestId('pending-approvals').locator('tbody tr').filter({ hasText: reason });

  async function requestAllocation(page: Page, amount: string, reason: string): Promise<void> {
    await page.goto(`${server.baseUrl}/#/pots/${scenario.potId}`);
    const form = page.getByRole('form', { name: 'Allocate to an intervention' });
    await form.getByLabel('Amount (£)', { exact: true }).fill(amount);
    await form.getByLabel('Reason', { exact: true }).fill(reason);
    await form.getByRole('button', { name: 'Allocate' }).click();
    await pendingRow(page, reason).waitFor();
  }

  it('an allocation at the threshold is only requested, and the page says so, why, and with names; its requester cannot approve it', async () => {
    const page = await signedIn(carol());
    await page.goto(`${server.baseUrl}/#/pots/${scenario.potId}`);
    const before = await available(page);
    const reason = `Browser test: four-eyes ${ulid()}`;
    await requestAllocation(page, '6000', reason);
    expect(await receiptHeading(page)).toMatch(
      /^Allocation of £6,000\.00 to .+ is waiting for approval$/,
    );
    const receipt = page.getByTestId('receipt');
    expect(await receipt.locator('.govuk-notification-banner__title').textContent()).toBe(
      'Waiting for approval',
    );
    expect(await receipt.textContent()).toContain(
      'It is at or above the pot’s approval threshold of £5,000.00.',
    );
    expect(await receipt.textContent()).toContain('No money has moved yet');
    expect(await available(page)).toBe(before);
    expect(await page.getByTestId('threshold').textContent()).toContain(
      'Allocations of £5,000.00 or more need a second person',
    );
    const cells = (await pendingRow(page, reason).locator('th, td').allTextContents()).map((t) =>
      t.trim(),
    );
    expect(cells[1]).toBe('£6,000.00');
    expect(cells[3]).toBe(`carol (${HOST.name})`);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'pending-approval.png'), fullPage: true });

    // The requester presses Approve: refused, in words, and nothing moves.
    const approve = page.getByRole('form', { name: /^Approve £6,000\.00 to / }).last();
    await approve.getByRole('button', { name: 'Approve' }).click();
    const refusal = approve.locator('.govuk-error-summary .form-error');
    await refusal.waitFor({ state: 'visible' });
    expect(await refusal.textContent()).toBe(
      'You asked for this allocation, so you cannot approve it yourself. Another partner’s finance officer or an admin must approve it; you can withdraw it with Reject.',
    );
    expect(await approve.locator('.govuk-details__summary-text').textContent()).toBe(
      'Technical detail',
    );
    expect(await available(page)).toBe(before);
    await expectAccessible(page);
    await page.screenshot({
      path: join(SCREENSHOT_DIR, 'self-approval-refused.png'),
      fullPage: true,
    });
    await page.close();
  });

  it('a second finance officer approves the request: the money moves, the receipt shows the funding shares', async () => {
    const reason = `Browser test: approve ${ulid()}`;
    const requester = await signedIn(carol());
    await requestAllocation(requester, '5000', reason);
    await requester.close();

    const page = await signedIn(bob());
    await page.goto(`${server.baseUrl}/#/pots/${scenario.potId}`);
    await pendingRow(page, reason).waitFor();
    const before = await available(page);
    await page
      .getByRole('form', { name: /^Approve £5,000\.00 to / })
      .last()
      .getByRole('button', { name: 'Approve' })
      .click();
    await expect.poll(() => available(page)).not.toBe(before);
    expect(penceOf(before) - penceOf(await available(page))).toBe(500_000);
    expect(await receiptHeading(page)).toMatch(/^Allocation approved: £5,000\.00 to /);
    const drawn = await page
      .getByTestId('receipt')
      .locator('.govuk-summary-list__row', { hasText: 'Drawn from' })
      .locator('li')
      .allTextContents();
    expect(drawn.length).toBeGreaterThan(0);
    expect(drawn.reduce((sum, line) => sum + penceOf(line.split(': ')[1]!), 0)).toBe(500_000);
    expect(await pendingRow(page, reason).count()).toBe(0);
    await expectAccessible(page);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'approved.png'), fullPage: true });
    await page.close();
  });

  it('a second finance officer rejects a request with a reason: nothing moves and it leaves the list', async () => {
    const reason = `Browser test: reject ${ulid()}`;
    const requester = await signedIn(carol());
    await requestAllocation(requester, '7000', reason);
    await requester.close();

    const page = await signedIn(bob());
    await page.goto(`${server.baseUrl}/#/pots/${scenario.potId}`);
    await pendingRow(page, reason).waitFor();
    const before = await available(page);
    const reject = page.getByRole('form', { name: /^Reject £7,000\.00 to / }).last();
    // Without a reason the server refuses; the words sit next to the field.
    await reject.getByRole('button', { name: 'Reject' }).click();
    await reject.locator('[data-field="reason"] .field-error').waitFor({ state: 'visible' });
    await reject.getByLabel('Reason for rejecting').fill('Not in this year’s plan');
    await reject.getByRole('button', { name: 'Reject' }).click();
    await expect
      .poll(() => receiptHeading(page))
      .toMatch(/^Allocation request rejected: £7,000\.00 to /);
    await expect.poll(() => pendingRow(page, reason).count()).toBe(0);
    expect(await available(page)).toBe(before);
    await page.close();
  });

  it("the auditor's audit trail: event ids, amounts, long dates, bookkeeping rows counted, listed only when asked for", async () => {
    const page = await signedIn(mint({ sub: 'ivy', role: 'auditor' }));
    await page.goto(`${server.baseUrl}/#/audit`);
    const table = page.getByRole('table', { name: /Audit entries, page 1/ });
    await table.locator('tbody tr').first().waitFor();
    const headers = await table.locator('thead th').allTextContents();
    expect(headers).toEqual(['Position', 'When', 'What happened', 'Amount', 'Who']);
    const text = (await table.textContent()) ?? '';
    expect(text).not.toContain('idempotency key');
    expect(await page.getByTestId('plumbing-hidden').textContent()).toMatch(
      /bookkeeping entr(y|ies) \(idempotency-key claims\)/,
    );
    const first = table.locator('tbody tr').first();
    expect(await first.locator('td').first().locator('div').first().textContent()).toMatch(
      /^\d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2}$/,
    );
    expect(await first.locator('[data-event-id]').textContent()).toMatch(
      /^Event id [0-9A-HJKMNP-TV-Z]{26}$/,
    );
    // A contribution row shows its amount as money, and its effective date.
    const contribution = table.locator('tbody tr').filter({ hasText: 'contributed' }).first();
    expect((await contribution.locator('td').nth(2).textContent())?.trim()).toMatch(
      /^£\d{1,3}(,\d{3})*\.\d{2}$/,
    );
    expect(await contribution.locator('td').first().textContent()).toMatch(
      /effective \d{1,2} [A-Z][a-z]+ \d{4}$/,
    );
    // Asked for, the bookkeeping entries are listed too.
    await page.getByLabel('Show bookkeeping entries').check();
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.url()).toContain('plumbing=1');
    await expect.poll(async () => (await table.textContent()) ?? '').toContain('idempotency key');
    await page.getByLabel('Show bookkeeping entries').uncheck();
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.url()).not.toContain('plumbing=1');
    await expectAccessible(page);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'audit-trail.png'), fullPage: true });
    await page.close();
  });

  it(
    'every page passes axe for an admin, a finance officer and an auditor (screenshots kept)',
    async () => {
      const routes = [
        ['pots', '#/pots'],
        ['pot', `#/pots/${scenario.potId}`],
        ['flows', `#/flows?potId=${scenario.potId}`],
        ['agencies', '#/agencies'],
        ['agency', `#/agencies/${HOST.agencyId}`],
        ['pool', `#/pots/${scenario.potId}/pool`],
        ['monitoring', `#/pots/${scenario.potId}/monitoring`],
        ['settlement', `#/pots/${scenario.potId}/settlement`],
        ['memorandum', `#/pots/${scenario.potId}/memorandum`],
        ['claims', `#/pots/${scenario.potId}/claims`],
        ['audit', '#/audit'],
        ['setup', '#/setup'],
      ] as const;
      const roles = [
        ['admin', mint({ sub: 'alice', role: 'admin' })],
        ['finance-officer', carol()],
        ['auditor', mint({ sub: 'ivy', role: 'auditor' })],
      ] as const;
      const failures: string[] = [];
      for (const [role, token] of roles) {
        const page = await signedIn(token);
        for (const [name, hash] of routes) {
          if (name === 'audit' && role === 'finance-officer') continue; // not offered to them
          // A full load each time (the session is in sessionStorage), so the page read is this one.
          await page.goto('about:blank');
          await page.goto(`${server.baseUrl}/${hash}`);
          await page.locator('#page h1').first().waitFor();
          await page.waitForLoadState('networkidle');
          const violations = (await axeViolations(page)) ?? [];
          for (const v of violations)
            failures.push(
              `${role} ${name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
            );
          await page.screenshot({
            path: join(SCREENSHOT_DIR, `govuk-${role}-${name}.png`),
            fullPage: true,
          });
        }
        await page.close();
      }
      expect(failures).toEqual([]);
    },
    EVERY_PAGE_TIMEOUT_MS,
  );

  it('a production server offers no development sign-in; a development server does', async () => {
    const dev = await context.newPage();
    dev.setDefaultTimeout(UI_TIMEOUT_MS);
    await dev.goto(`${server.baseUrl}/#/signin`);
    await dev.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await dev.close();

    const dataDir = mkdtempSync(join(tmpdir(), 'potledger-govuk-prod-'));
    dataDirs.push(dataDir);
    const production = await startServer({
      port: await freePort(),
      dataDir,
      jwtSecret,
      // HS256 on, so the token form is there: the development sign-in must still be hidden.
      env: { NODE_ENV: 'production', LEDGER_HS256: 'on' },
    });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(UI_TIMEOUT_MS);
      await page.goto(`${production.baseUrl}/#/signin`);
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      await page.getByLabel('Token', { exact: true }).waitFor();
      expect(await page.getByRole('heading', { name: 'Development sign-in' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Get a development token' }).count()).toBe(0);
      await expectAccessible(page);
      await page.screenshot({
        path: join(SCREENSHOT_DIR, 'signin-production.png'),
        fullPage: true,
      });
      // Pasting a token still works there.
      await page.getByLabel('Token', { exact: true }).fill(mint({ sub: 'alice', role: 'admin' }));
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Pots', level: 1 }).waitFor();
      await page.close();
    } finally {
      await production.stop();
    }
  });
});

/** "£1,234.50" → 123450 pence, exactly. */
function penceOf(text: string): number {
  const match = /^£([\d,]+)\.(\d{2})$/.exec(text.trim());
  if (match === null) throw new Error(`not an amount: ${text}`);
  return Number(match[1]!.replaceAll(',', '')) * 100 + Number(match[2]);
}
