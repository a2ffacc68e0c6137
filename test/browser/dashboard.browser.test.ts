/**
 * The dashboard in a real browser against the real server process loaded with the demo
 * scenario: sign-in, the Sankey, an allocation that lowers the available balance, a refusal
 * shown next to its field, a double click that posts once, and the auditor's CSV download.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, type Role } from '../../src/auth/tokens.ts';
import {
  DWP,
  HOST,
  NHS,
  POLICE,
  PROBATION,
  FIRE,
  loadEssexScenario,
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
import {
  browserUnavailable,
  dashboardBuildIsStale,
  launchChromium,
  SCREENSHOT_DIR,
} from './chromium.ts';

const BUILD_TIMEOUT_MS = 60_000;
const UI_TIMEOUT_MS = 10_000;

const unavailable = browserUnavailable();
if (unavailable !== null)
  console.warn(`[browser] the dashboard browser tests are SKIPPED: ${unavailable}`);

describe.skipIf(unavailable !== null)('the dashboard in Chromium', () => {
  const jwtSecret = `browser-${randomBytes(24).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'potledger-browser-'));
  const mint = (claims: { sub: string; role: Role; agency?: string }) =>
    signToken(jwtSecret, claims, '1h');
  let server: ServerProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let scenario: ScenarioRecord;

  beforeAll(async () => {
    // CI builds the dashboard in `npm ci` (prepare); a checkout whose build is missing or older
    // than its sources builds it here (about a second).
    if (dashboardBuildIsStale(REPO_ROOT)) {
      const build = await runScript('web/prepare.mjs', {}, BUILD_TIMEOUT_MS);
      expect(build.code, build.stderr).toBe(0);
    }
    server = await startServer({ port: await freePort(), dataDir, jwtSecret });
    // As `npm run demo` does: the catalogue first, since the scenario records outcomes by quantity.
    const client = createLedgerClient(server.baseUrl);
    await loadUnitCostCatalogue(client, mint({ sub: 'alice', role: 'admin' }));
    scenario = await loadEssexScenario(client, mint, ulid());
    browser = await launchChromium();
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await killAllChildren();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function signInWithToken(token: string): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(`${server.baseUrl}/#/signin`);
    await page.getByLabel('Token', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Pots', level: 1 }).waitFor();
    return page;
  }

  const available = async (page: Page) =>
    (await page.locator('[data-figure="available"]').textContent()) ?? '';
  const allocateForm = (page: Page) =>
    page.getByRole('form', { name: 'Allocate to an intervention' });

  it('signs in with the development helper, shows the role, skips to the content by keyboard, and signs out', async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(`${server.baseUrl}/`);
    await page.getByLabel('User name', { exact: true }).fill('rita');
    await page.getByLabel('Role', { exact: true }).selectOption('reporter');
    await page.getByRole('button', { name: 'Get a development token' }).click();
    await expect.poll(() => page.getByTestId('role').textContent()).toBe('reporter');
    // A reporter is not offered the audit trail.
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents(),
    ).toEqual(['Pots', 'Benefit flows', 'Agencies']);
    // Keyboard: on arrival the first Tab reaches the skip link, which moves focus to the content
    // without changing the route.
    await page.reload();
    await page.getByRole('heading', { name: 'Pots', level: 1 }).waitFor();
    const route = page.url();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(page.url()).toBe(route);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.close();
  });

  it("shows the demo's flows as a Sankey with the investors, interventions and beneficiaries, and the agency table", async () => {
    const page = await signInWithToken(mint({ sub: 'rita', role: 'reporter' }));
    await page.goto(`${server.baseUrl}/#/flows?potId=${scenario.potId}`);
    const chart = page.locator('#sankey');
    await chart.locator('canvas').waitFor();
    const description = (await chart.getAttribute('aria-label')) ?? '';
    const [investors, interventions, beneficiaries] = [
      'Investors',
      'Interventions',
      'Beneficiaries',
    ].map((part) => new RegExp(`${part}: ([^.]*)\\.`).exec(description)?.[1] ?? '');
    // Police, probation and the council paid in and funded interventions; the fire service joined later.
    for (const agency of [HOST, POLICE, PROBATION]) expect(investors).toContain(agency.name);
    for (const intervention of scenario.interventions)
      expect(interventions).toContain(intervention.name);
    // The NHS and DWP never paid in, yet benefit: they are beneficiaries, never investors.
    for (const agency of [NHS, DWP]) {
      expect(beneficiaries).toContain(agency.name);
      expect(investors).not.toContain(agency.name);
    }
    expect(beneficiaries).toMatch(/\(cashable\)/);
    expect(beneficiaries).toMatch(/\(non-cashable\)/);
    const table = page.getByRole('table', { name: /Each agency: invested/ });
    const names = await table.locator('tbody th').allTextContents();
    expect(names).toEqual(
      expect.arrayContaining([HOST.name, POLICE.name, PROBATION.name, NHS.name, DWP.name]),
    );
    expect(await table.locator('tbody td').first().textContent()).toMatch(
      /^£\d{1,3}(,\d{3})*\.\d{2}$/,
    );
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'flows.png'), fullPage: true });
    void FIRE;
    await page.close();
  });

  it('an allocation lowers the available balance; an over-allocation is refused next to the amount', async () => {
    const page = await signInWithToken(
      mint({ sub: 'carol', role: 'finance-officer', agency: HOST.agencyId }),
    );
    await page.goto(`${server.baseUrl}/#/pots/${scenario.potId}`);
    await allocateForm(page).waitFor();
    const before = await available(page);
    const form = allocateForm(page);
    await form.getByLabel('Amount (£)', { exact: true }).fill('1,000.00');
    await form.getByLabel('Reason', { exact: true }).fill('Browser test: top-up');
    await form.getByRole('button', { name: 'Allocate' }).click();
    await expect.poll(() => available(page)).not.toBe(before);
    expect(penceOf(before) - penceOf(await available(page))).toBe(100_000);
    await page.screenshot({
      path: join(SCREENSHOT_DIR, 'pot-after-allocation.png'),
      fullPage: true,
    });

    const now = await available(page);
    const again = allocateForm(page);
    await again.getByLabel('Amount (£)', { exact: true }).fill('999999999.99');
    await again.getByLabel('Reason', { exact: true }).fill('Browser test: far too much');
    await again.getByRole('button', { name: 'Allocate' }).click();
    const amountError = again.locator('[data-field="amount"] .field-error');
    await amountError.waitFor({ state: 'visible' });
    // Plain words next to the field (GOV.UK error message, with its hidden "Error:" prefix)...
    const plain = `There is not enough money available for this. You asked for £999,999,999.99; ${now} is available.`;
    expect(await amountError.textContent()).toBe(`Error: ${plain}`);
    // ...and in the error summary, which links to the field; the server's own detail only on request.
    const summary = again.locator('.govuk-error-summary');
    expect(await summary.getByRole('link').textContent()).toBe(plain);
    const detail = summary.locator('details.govuk-details');
    expect(await detail.getAttribute('open')).toBeNull();
    expect(await detail.locator('.govuk-details__text').isVisible()).toBe(false);
    await detail.getByText('Technical detail').click();
    expect(await detail.locator('.govuk-details__text').textContent()).toBe(
      `INSUFFICIENT_FUNDS: allocation of 999999999.99 exceeds the pot's available ${(penceOf(now) / 100).toFixed(2)}`,
    );
    expect(await again.getByLabel('Amount (£)', { exact: true }).getAttribute('aria-invalid')).toBe(
      'true',
    );
    expect(await available(page)).toBe(now);
    await page.screenshot({
      path: join(SCREENSHOT_DIR, 'over-allocation-refused.png'),
      fullPage: true,
    });
    await page.close();
  });

  it('a double click on Allocate posts once', async () => {
    const page = await signInWithToken(
      mint({ sub: 'carol', role: 'finance-officer', agency: HOST.agencyId }),
    );
    await page.goto(`${server.baseUrl}/#/pots/${scenario.potId}`);
    await allocateForm(page).waitFor();
    const before = await available(page);
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/allocations'))
        posts.push(request.headers()['idempotency-key'] ?? '');
    });
    const form = allocateForm(page);
    await form.getByLabel('Amount (£)', { exact: true }).fill('250.00');
    const reason = `Browser test: double click ${ulid()}`;
    await form.getByLabel('Reason', { exact: true }).fill(reason);
    await form.getByRole('button', { name: 'Allocate' }).dblclick();
    await expect.poll(() => available(page)).not.toBe(before);
    expect(penceOf(before) - penceOf(await available(page))).toBe(25_000);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/^[0-9a-f-]{36}$/);
    // The ledger agrees: one allocation with this reason in the audit trail.
    const audit = await createLedgerClient(server.baseUrl).get<{
      entries: { type: string; reason?: string }[];
    }>(`/v1/audit?potId=${scenario.potId}&limit=1000`, mint({ sub: 'ivy', role: 'auditor' }));
    expect(
      audit.entries.filter((e) => e.type === 'FundsAllocated' && e.reason === reason),
    ).toHaveLength(1);
    await page.close();
  });

  it('a finance officer contributes (and keeps a receipt), records an outcome, and reverses the contribution from the entries list', async () => {
    const page = await signInWithToken(
      mint({ sub: 'bob', role: 'finance-officer', agency: POLICE.agencyId }),
    );
    await page.goto(`${server.baseUrl}/#/pots/${scenario.potId}`);
    const contributed = () =>
      page
        .locator('[data-figure="contributed"]')
        .textContent()
        .then((t) => t ?? '');
    const contribute = page.getByRole('form', { name: `Contribute from ${POLICE.name}` });
    await contribute.waitFor();
    const before = await contributed();
    await contribute.getByLabel('Amount (£)', { exact: true }).fill('£2,500.50');
    await contribute.getByLabel('Reference', { exact: true }).fill('Browser test PO-1');
    await contribute.getByRole('button', { name: 'Contribute' }).click();
    await expect.poll(contributed).not.toBe(before);
    expect(penceOf(await contributed()) - penceOf(before)).toBe(250_050);
    // The receipt outlives the page's re-render: what was recorded, and its ids.
    const receipt = page.getByTestId('receipt');
    await receipt.waitFor();
    expect(await receipt.locator('.govuk-notification-banner__heading').textContent()).toBe(
      'Contribution of £2,500.50 recorded',
    );
    const receiptRows = Object.fromEntries(
      await receipt
        .locator('.govuk-summary-list__row')
        .evaluateAll((rows) =>
          rows.map((r) => [
            r.querySelector('dt')?.textContent ?? '',
            r.querySelector('dd')?.textContent ?? '',
          ]),
        ),
    );
    expect(receiptRows).toMatchObject({
      From: POLICE.name,
      Amount: '£2,500.50',
      Reference: 'Browser test PO-1',
    });
    const audit = await createLedgerClient(server.baseUrl).get<{
      entries: { type: string; eventId: string; summary: string }[];
    }>(
      `/v1/audit?potId=${scenario.potId}&actor=bob&limit=1000`,
      mint({ sub: 'ivy', role: 'auditor' }),
    );
    const contribution = audit.entries.filter(
      (e) => e.type === 'ContributionReceived' && e.summary.includes('Browser test PO-1'),
    );
    expect(contribution).toHaveLength(1);
    expect(receiptRows['Event id']).toBe(contribution[0]!.eventId);

    // The outcome goes on the first intervention (the form's default choice).
    const benefits = () =>
      page
        .getByRole('table', { name: /^Interventions/ })
        .locator('tbody tr')
        .first()
        .locator('td')
        .last()
        .textContent()
        .then((t) => t ?? '');
    const benefitsBefore = await benefits();
    const outcome = page.getByRole('form', { name: 'Record an outcome' });
    await outcome
      .getByLabel('Description', { exact: true })
      .fill('Browser test: ten fewer call-outs');
    await outcome.getByLabel('Agency whose budget benefits').selectOption(NHS.agencyId);
    await outcome.getByLabel('Amount (£)', { exact: true }).fill('1000');
    await outcome.getByRole('button', { name: 'Record outcome' }).click();
    await expect.poll(benefits).not.toBe(benefitsBefore);
    expect(penceOf(await benefits()) - penceOf(benefitsBefore)).toBe(100_000);
    // The outcome's receipt lists its flows, investor → beneficiary, by name.
    await expect
      .poll(() => receipt.locator('.govuk-notification-banner__heading').textContent())
      .toBe('Outcome recorded: Browser test: ten fewer call-outs');
    expect(await receipt.getByText(new RegExp(`→ ${NHS.name}: £`)).count()).toBeGreaterThan(0);

    // Reverse the contribution from its own row, with a reason: no event id typed anywhere.
    const row = page
      .getByTestId('entries')
      .locator('tbody tr')
      .filter({ hasText: 'Browser test PO-1' });
    expect(await row.locator('[data-event-id]').textContent()).toBe(
      `Event id ${contribution[0]!.eventId}`,
    );
    await row.getByText('Reverse this entry', { exact: true }).click();
    await row.getByLabel('Reason for reversing').fill('Browser test: keyed twice');
    await row.getByRole('button', { name: 'Reverse' }).click();
    await expect.poll(contributed).toBe(before);
    await expect
      .poll(() => receipt.locator('.govuk-notification-banner__heading').textContent())
      .toMatch(/^Reversed: the contribution of £2,500\.50 dated /);
    // It cannot be reversed twice: its row now says Reversed and offers no Reverse.
    const reversedRow = page
      .getByTestId('entries')
      .locator('tbody tr')
      .filter({ hasText: 'Browser test PO-1' });
    await reversedRow.locator('.govuk-tag', { hasText: 'Reversed' }).waitFor();
    expect(await reversedRow.getByRole('button', { name: 'Reverse' }).count()).toBe(0);
    await page.screenshot({
      path: join(SCREENSHOT_DIR, 'pot-entries-reversed.png'),
      fullPage: true,
    });
    await page.close();
  });

  it('an auditor filters the audit trail and downloads it as CSV', async () => {
    const page = await signInWithToken(mint({ sub: 'ivy', role: 'auditor' }));
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await page.getByLabel('Pot', { exact: true }).selectOption(scenario.potId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.url()).toContain(`potId=${scenario.potId}`);
    await page
      .getByRole('table', { name: /Audit entries, page 1/ })
      .locator('tbody tr')
      .first()
      .waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('potledger-audit.csv');
    const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    expect(header).toBe(
      'position,recordedAt,effectiveDate,type,amount,actorSub,actorRole,actorAgencyId,potId,summary,reason,commandId,correlationId,eventId',
    );
    expect(
      rows.some(
        (row) => row.includes('FundsAllocated,1000.00,') && row.includes('Browser test: top-up'),
      ),
    ).toBe(true);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'audit.png'), fullPage: true });
    await page.close();
  });
});

/** "£1,234.50" → 123450 pence, exactly. */
function penceOf(text: string): number {
  const match = /^£([\d,]+)\.(\d{2})$/.exec(text.trim());
  if (match === null) throw new Error(`not an amount: ${text}`);
  return Number(match[1]!.replaceAll(',', '')) * 100 + Number(match[2]);
}
