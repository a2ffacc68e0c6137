/**
 * The admin's set-up and outcomes by quantity, in Chromium against a fresh server (no agencies,
 * no pots): a finance officer and a reporter are told whom to ask, the first admin is shown the
 * steps and follows them (register agencies, open a pot with host and partners, add a partner,
 * set a threshold, close a financial year, close a pot), each refusal said in words; then a
 * finance officer records an outcome by quantity, sees the benefits before sending, and the
 * receipt shows the flows. axe on every page, a screenshot of each in test-output/screenshots.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, type Role } from '../../src/auth/tokens.ts';
import { createLedgerClient, type LedgerClient } from '../../src/demo/ledgerClient.ts';
import { loadUnitCostCatalogue } from '../../src/demo/loadUnitCosts.ts';
import { financialYearChoices } from '../../web/src/dates.ts';
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
const FLOW_TIMEOUT_MS = 120_000;

const COUNCIL = { agencyId: 'testshire-cc', name: 'Testshire County Council', kind: 'council' };
const POLICE = { agencyId: 'testshire-police', name: 'Testshire Police', kind: 'police' };
const NHS = { agencyId: 'nhs-testshire', name: 'NHS Testshire', kind: 'health' };
const DWP = { agencyId: 'dwp-test', name: 'DWP Testshire', kind: 'dwp' };
const POT = 'Testshire Prevention Pot';

const unavailable = browserUnavailable();
if (unavailable !== null)
  console.warn(`[browser] the admin set-up browser tests are SKIPPED: ${unavailable}`);

describe.skipIf(unavailable !== null)('admin set-up and outcomes by quantity in Chromium', () => {
  const jwtSecret = `browser-${randomBytes(24).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'potledger-setup-'));
  const mint = (claims: { sub: string; role: Role; agency?: string }) =>
    signToken(jwtSecret, claims, '1h');
  const admin = () => mint({ sub: 'alice', role: 'admin' });
  const carol = () => mint({ sub: 'carol', role: 'finance-officer', agency: COUNCIL.agencyId });
  let server: ServerProcess;
  let client: LedgerClient;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;

  beforeAll(async () => {
    if (dashboardBuildIsStale(REPO_ROOT)) {
      const build = await runScript('web/prepare.mjs', {}, BUILD_TIMEOUT_MS);
      expect(build.code, build.stderr).toBe(0);
    }
    server = await startServer({ port: await freePort(), dataDir, jwtSecret });
    client = createLedgerClient(server.baseUrl);
    browser = await launchChromium();
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await killAllChildren();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function signedIn(token: string): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(`${server.baseUrl}/#/signin`);
    await page.getByLabel('Token', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Pots', level: 1 }).waitFor();
    return page;
  }

  async function check(page: Page, screenshot: string): Promise<void> {
    await page.waitForLoadState('networkidle');
    const violations = await axeViolations(page);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${screenshot}.png`), fullPage: true });
    if (violations === null) return; // axe-core not installed: warned once at load
    expect(
      violations.map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      ),
    ).toEqual([]);
  }

  const receiptHeading = (page: Page) =>
    page.getByTestId('receipt').locator('.govuk-notification-banner__heading').textContent();
  const summaryText = (form: ReturnType<Page['locator']>) =>
    form.locator('.govuk-error-summary .govuk-error-summary__list').textContent();

  it('on a fresh server, a finance officer and a reporter are told an admin sets the ledger up, and see no set-up', async () => {
    for (const [name, token] of [
      ['finance-officer', carol()],
      ['reporter', mint({ sub: 'rita', role: 'reporter' })],
    ] as const) {
      const page = await signedIn(token);
      expect(await page.getByTestId('no-pots').textContent()).toBe(
        'No pot has been set up on this ledger yet.',
      );
      expect(await page.locator('#page').textContent()).toContain('Ask the ledger’s admin');
      expect(await page.locator('#page').textContent()).not.toContain('Nothing to show');
      expect(await page.getByRole('link', { name: 'Set up' }).count()).toBe(0);
      await check(page, `setup-fresh-${name}`);
      await page.goto(`${server.baseUrl}/#/setup`);
      await page.getByRole('heading', { name: 'Set up', level: 1 }).waitFor();
      expect(await page.locator('#page').textContent()).toContain('Only an admin registers');
      expect(await page.locator('form').count()).toBe(0);
      await page.close();
    }
  });

  it(
    'the first admin follows the steps: agencies registered, a pot opened with host and partners, a partner added',
    async () => {
      const page = await signedIn(admin());
      const steps = page.getByTestId('setup-steps').locator('li');
      expect(await steps.count()).toBe(3);
      expect(await steps.first().textContent()).toMatch(/^Register the partner agencies.*To do$/);
      await check(page, 'setup-fresh-admin');
      await steps.first().getByRole('link').click();
      await page.getByRole('heading', { name: 'Set up', level: 1 }).waitFor();
      await page.getByRole('link', { name: 'Set up' }).waitFor();
      // Before any pot, each pot form says what comes first.
      for (const step of ['partner', 'threshold', 'year', 'close'])
        expect(await page.locator(`section[data-step="${step}"]`).textContent()).toContain(
          'Open a pot first.',
        );

      const register = page.getByRole('form', { name: 'Register an agency' });
      expect(await page.getByTestId('no-agencies').textContent()).toMatch(
        /^No agency is registered yet/,
      );
      // An id that is not a slug: refused before sending, in words, next to the id.
      await register.getByLabel('Name').fill(COUNCIL.name);
      await register.getByLabel('Agency id').fill('Testshire CC');
      await register.getByRole('button', { name: 'Register agency' }).click();
      await register.locator('[data-field="agencyId"] .field-error').waitFor({ state: 'visible' });
      expect(await summaryText(register)).toBe(
        'Enter an id of lower-case letters, digits and hyphens, starting and ending with a letter or digit, like essex-police',
      );
      // No name: refused by the server, and the words sit next to the name.
      await register.getByLabel('Name').fill('');
      await register.getByLabel('Agency id').fill(COUNCIL.agencyId);
      await register.getByRole('button', { name: 'Register agency' }).click();
      await register.locator('[data-field="name"] .field-error').waitFor({ state: 'visible' });
      expect(await summaryText(register)).toBe('Some of what was entered is not valid.');
      await check(page, 'setup-register-refused');
      for (const agency of [COUNCIL, POLICE, NHS, DWP]) {
        await register.getByLabel('Name').fill(agency.name);
        await register.getByLabel('Agency id').fill(agency.agencyId);
        await register.getByLabel('Kind').selectOption(agency.kind);
        await register.getByRole('button', { name: 'Register agency' }).click();
        await expect.poll(() => receiptHeading(page)).toBe(`Agency “${agency.name}” registered`);
        // The page is drawn again with the new agency: the next one is typed into the new form.
        await page
          .getByRole('table', { name: 'Registered agencies' })
          .getByRole('rowheader', { name: agency.name, exact: true })
          .waitFor();
      }
      // The same id again: refused, in words.
      await register.getByLabel('Name').fill('Another council');
      await register.getByLabel('Agency id').fill(COUNCIL.agencyId);
      await register.getByRole('button', { name: 'Register agency' }).click();
      await expect
        .poll(() => summaryText(register))
        .toBe('An agency with that id is already registered. Choose another id.');
      const registered = await page
        .getByRole('table', { name: 'Registered agencies' })
        .locator('tbody th')
        .allTextContents();
      expect(registered.sort()).toEqual([COUNCIL.name, DWP.name, POLICE.name, NHS.name].sort());

      const open = page.getByRole('form', { name: 'Open a pot' });
      await open.getByLabel('Name').fill(POT);
      await open.getByLabel('Area').fill('Testshire');
      await open.getByLabel('Host').selectOption(COUNCIL.agencyId);
      await open.getByLabel(POLICE.name).check();
      // A threshold that is not an amount is caught before sending.
      await open.getByLabel('Approval threshold (£, optional)').fill('lots');
      await open.getByRole('button', { name: 'Open pot' }).click();
      await open
        .locator('[data-field="amountThreshold"] .field-error')
        .waitFor({ state: 'visible' });
      await open.getByLabel('Approval threshold (£, optional)').fill('');
      await open.getByRole('button', { name: 'Open pot' }).click();
      await expect.poll(() => receiptHeading(page)).toBe(`Pot “${POT}” opened`);
      const receipt = page.getByTestId('receipt');
      expect(
        await receipt
          .locator('.govuk-summary-list__row', { hasText: 'Partners' })
          .locator('li')
          .allTextContents(),
      ).toEqual([COUNCIL.name, POLICE.name]);
      expect(
        await receipt
          .locator('.govuk-summary-list__row', { hasText: 'Approval threshold' })
          .locator('dd')
          .textContent(),
      ).toBe('None');
      await check(page, 'setup-pot-opened');

      // Only agencies not yet partners are offered; the NHS joins.
      const partner = page.getByRole('form', { name: 'Add a partner to a pot' });
      await expect
        .poll(async () =>
          (await partner.getByLabel('Agency').locator('option').allTextContents()).sort(),
        )
        .toEqual([DWP.name, NHS.name].sort());
      await partner.getByLabel('Agency').selectOption(NHS.agencyId);
      await partner.getByRole('button', { name: 'Add partner' }).click();
      await expect.poll(() => receiptHeading(page)).toBe(`${NHS.name} joined ${POT}`);
      const { pots } = await client.get<{ pots: { name: string; partners: unknown[] }[] }>(
        '/v1/pots',
        admin(),
      );
      expect(pots.map((p) => [p.name, p.partners.length])).toEqual([[POT, 3]]);

      // The pots page now lists the pot instead of the steps.
      await page.getByRole('link', { name: 'Pots', exact: true }).click();
      await page.getByRole('link', { name: POT }).waitFor();
      expect(await page.getByTestId('setup-steps').count()).toBe(0);
      await page.close();
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    'the admin sets a threshold, closes a financial year (refused a second time) and closes a pot',
    async () => {
      const page = await signedIn(admin());
      await page.goto(`${server.baseUrl}/#/setup?step=threshold`);
      const threshold = page.getByRole('form', { name: 'Set an approval threshold' });
      await threshold.waitFor();
      expect(await threshold.getByTestId('current-threshold').textContent()).toContain(
        'no approval threshold',
      );
      await threshold.getByLabel('Approval threshold (£)').fill('£5,000');
      await threshold.getByLabel('Reason').fill('Board decision 12');
      await threshold.getByRole('button', { name: 'Set threshold' }).click();
      await expect
        .poll(() => receiptHeading(page))
        .toBe(`Approval threshold of £5,000.00 set on ${POT}`);
      await expect
        .poll(() =>
          page
            .getByRole('form', { name: 'Set an approval threshold' })
            .getByTestId('current-threshold')
            .textContent(),
        )
        .toContain('£5,000.00 or more');

      const lastYear = financialYearChoices(new Date().toISOString().slice(0, 10), 2)[1]!;
      const closeYear = async () => {
        const form = page.getByRole('form', { name: 'Close a financial year' });
        await form.getByLabel('Financial year').selectOption(lastYear);
        await form.getByLabel('Reason (optional)').fill('Accounts signed off');
        await form.getByRole('button', { name: 'Close financial year' }).click();
        return form;
      };
      await closeYear();
      await expect
        .poll(() => receiptHeading(page))
        .toBe(`Financial year ${lastYear} closed for ${POT}`);
      expect(
        await page
          .getByTestId('receipt')
          .locator('.govuk-summary-list__row', { hasText: 'Closed through' })
          .locator('dd')
          .textContent(),
      ).toBe(`31 March ${Number(lastYear.slice(0, 4)) + 1}`);
      // The page is drawn again after the write; the second try goes to the new form.
      // (the new form is empty; the one sent still holds the reason typed).
      await expect
        .poll(() =>
          page
            .getByRole('form', { name: 'Close a financial year' })
            .getByLabel('Reason (optional)')
            .inputValue(),
        )
        .toBe('');
      const again = await closeYear();
      await expect
        .poll(() => summaryText(again))
        .toBe('That financial year is already closed for this pot.');
      await check(page, 'setup-year-refused');

      // A second pot, opened by the API, wound up from the page.
      await client.post('/v1/pots', admin(), {
        name: 'Testshire Pilot',
        area: 'Testshire',
        hostAgencyId: POLICE.agencyId,
        partnerAgencyIds: [],
      });
      await page.goto('about:blank');
      await page.goto(`${server.baseUrl}/#/setup?step=close`);
      const close = page.getByRole('form', { name: 'Close a pot' });
      await close.getByLabel('Pot').selectOption({ label: 'Testshire Pilot (Testshire)' });
      // No reason: the server refuses, and the words sit next to the reason.
      await close.getByRole('button', { name: 'Close pot' }).click();
      await close.locator('[data-field="reason"] .field-error').waitFor({ state: 'visible' });
      await close.getByLabel('Reason').fill('Pilot ended');
      await close.getByRole('button', { name: 'Close pot' }).click();
      await expect.poll(() => receiptHeading(page)).toBe('Testshire Pilot closed');
      expect(await page.getByTestId('receipt').textContent()).toContain(
        'Nothing: no partner had an unallocated stake',
      );
      // A closed pot is no longer offered (once the page is drawn again after the write).
      await expect
        .poll(() =>
          page
            .getByRole('form', { name: 'Close a pot' })
            .getByLabel('Pot')
            .locator('option')
            .allTextContents(),
        )
        .toEqual([`${POT} (Testshire)`]);
      await check(page, 'setup-admin');
      await page.close();
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    'a finance officer records an outcome by quantity: the benefits before sending, the flows in the receipt',
    async () => {
      await loadUnitCostCatalogue(client, admin());
      const { pots } = await client.get<{ pots: { potId: string; name: string }[] }>(
        '/v1/pots',
        admin(),
      );
      const potId = pots.find((p) => p.name === POT)!.potId;
      const today = new Date().toISOString().slice(0, 10);
      await client.post(`/v1/pots/${potId}/contributions`, carol(), {
        agencyId: COUNCIL.agencyId,
        amount: '20000.00',
        effectiveDate: today,
        reference: 'JNL-1',
      });
      const { answer } = await client.post(`/v1/pots/${potId}/interventions`, carol(), {
        name: 'Back to work',
        leadAgencyId: COUNCIL.agencyId,
      });
      await client.post(`/v1/pots/${potId}/allocations`, carol(), {
        interventionId: answer.interventionId,
        amount: '1000.00',
        effectiveDate: today,
        reason: 'First tranche',
      });

      const page = await signedIn(carol());
      await page.goto(`${server.baseUrl}/#/pots/${potId}`);
      const form = page.getByRole('form', { name: 'Record outcomes by quantity' });
      await form.waitFor();
      await form.getByLabel('Description').fill('Two people into work');
      // Nothing chosen yet: refused before sending, in words, at the field.
      await form.getByRole('button', { name: 'Record outcome' }).click();
      expect(await summaryText(form)).toBe('Line 1: choose a unit cost');
      await form
        .getByLabel('Unit cost', { exact: true })
        .selectOption('DWP-ESA-CLAIMANT-INTO-WORK');
      await form.getByLabel('Number of units').fill('2.5');
      const preview = form.getByTestId('quantity-preview');
      await expect
        .poll(() => preview.locator('tbody tr').first().textContent())
        .toContain('2.5 × £8,632.00£21,580.00');
      // The pot has no DWP partner: the form asks who receives that part.
      const dwpChoice = form.getByLabel('Which agency receives the dwp part?');
      expect(await preview.textContent()).toContain('(choose the dwp agency)');
      await form.getByRole('button', { name: 'Record outcome' }).click();
      expect(await summaryText(form)).toBe('Line 1: choose which agency receives the dwp part');
      await dwpChoice.selectOption(DWP.agencyId);
      await expect
        .poll(() => form.getByTestId('preview-totals').locator('li').allTextContents())
        .toEqual([`${DWP.name}: £18,750.00 cashable`, `${NHS.name}: £2,830.00 non-cashable`]);
      expect(await form.getByTestId('price-year-caveat').textContent()).toContain('not uprated');
      await check(page, 'outcome-quantity-preview');
      await form.screenshot({ path: join(SCREENSHOT_DIR, 'outcome-quantity-form.png') });

      await form.getByRole('button', { name: 'Record outcome' }).click();
      await expect.poll(() => receiptHeading(page)).toBe('Outcome recorded: Two people into work');
      const flows = await page.getByTestId('receipt-flows').locator('li').allTextContents();
      expect(flows.sort()).toEqual(
        [
          `${COUNCIL.name} → ${DWP.name}: £18,750.00 (cashable)`,
          `${COUNCIL.name} → ${NHS.name}: £2,830.00`,
        ].sort(),
      );
      expect(await page.getByTestId('receipt').textContent()).toContain(
        'DWP-ESA-CLAIMANT-INTO-WORK (version 1): 2.5 × £8,632.00 = £21,580.00',
      );
      await check(page, 'outcome-quantity-receipt');
      await page.close();

      // An admin records by quantity too; a reporter and an auditor are offered no form.
      const byAdmin = await signedIn(admin());
      await byAdmin.goto(`${server.baseUrl}/#/pots/${potId}`);
      const adminForm = byAdmin.getByRole('form', { name: 'Record outcomes by quantity' });
      await adminForm.getByLabel('Description').fill('Five A&E attendances avoided');
      await adminForm.getByLabel('Unit cost', { exact: true }).selectOption('HEALTH-AE-ATTENDANCE');
      await adminForm
        .locator('fieldset', { hasText: 'Line 1' })
        .getByLabel('Number of units')
        .fill('5');
      // A second line: its benefit to the same agency is summed in the preview's total.
      await adminForm.getByRole('button', { name: 'Add another line' }).click();
      const second = adminForm.locator('fieldset', { hasText: 'Line 2' });
      await second
        .getByLabel('Unit cost', { exact: true })
        .selectOption('HEALTH-AMBULANCE-CALLOUT');
      await second.getByLabel('Number of units').fill('2');
      await expect
        .poll(() => adminForm.getByTestId('preview-totals').locator('li').allTextContents())
        .toEqual([`${NHS.name}: £977.00 non-cashable`]);
      await adminForm.getByRole('button', { name: 'Record outcome' }).click();
      await expect
        .poll(() => receiptHeading(byAdmin))
        .toBe('Outcome recorded: Five A&E attendances avoided');
      expect(await byAdmin.getByTestId('receipt-flows').locator('li').allTextContents()).toEqual([
        `${COUNCIL.name} → ${NHS.name}: £977.00`,
      ]);
      await byAdmin.close();
      for (const role of ['reporter', 'auditor'] as const) {
        const reader = await signedIn(mint({ sub: 'rita', role }));
        await reader.goto(`${server.baseUrl}/#/pots/${potId}`);
        await reader.getByRole('heading', { name: POT, level: 1 }).waitFor();
        // Only the "Books as at" date chooser, which writes nothing; no write form at all.
        expect(await reader.locator('form:not(.as-at-form)').count()).toBe(0);
        expect(await reader.locator('form.as-at-form').count()).toBe(1);
        await reader.close();
      }
    },
    FLOW_TIMEOUT_MS,
  );

  it('closing a pot with an allocation waiting for approval is refused in words, and nothing is returned', async () => {
    const { pots } = await client.get<{ pots: { potId: string; name: string }[] }>(
      '/v1/pots',
      admin(),
    );
    const potId = pots.find((p) => p.name === POT)!.potId;
    const pot = await client.get<{ interventions: { interventionId: string }[] }>(
      `/v1/pots/${potId}`,
      admin(),
    );
    const { answer } = await client.post(`/v1/pots/${potId}/allocations`, carol(), {
      interventionId: pot.interventions[0]!.interventionId,
      amount: '6000.00',
      effectiveDate: new Date().toISOString().slice(0, 10),
      reason: 'Second tranche',
    });
    expect(answer.status).toBe('pending-approval');
    const page = await signedIn(admin());
    await page.goto(`${server.baseUrl}/#/setup?step=close`);
    const close = page.getByRole('form', { name: 'Close a pot' });
    await close.getByLabel('Pot').selectOption({ label: `${POT} (Testshire)` });
    await close.getByLabel('Reason').fill('Wind up');
    await close.getByRole('button', { name: 'Close pot' }).click();
    await expect
      .poll(() => summaryText(close))
      .toBe(
        'Allocations are waiting for approval in this pot. Approve or reject them on the pot’s page first.',
      );
    expect(await close.locator('.govuk-details__summary-text').textContent()).toBe(
      'Technical detail',
    );
    const after = await client.get<{ status: string }>(`/v1/pots/${potId}`, admin());
    expect(after.status).toBe('open');
    await page.close();
  });
});
