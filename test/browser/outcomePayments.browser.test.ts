/**
 * Outcome payments (payment by results) in a real browser against the real server: a pot with
 * an agreement tracking spend, a scheme funded by an allocation, its rate card, and a claim made
 * by the council's finance officer (all seeded through the API). On the claims page the
 * claimant pressing Validate is refused (segregation of duties, in plain words); the NHS
 * partner's finance officer validates it and pays it, and it shows Paid. axe-core checks the page
 * when it is installed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, type Role } from '../../src/auth/tokens.ts';
import { createLedgerClient, type LedgerClient } from '../../src/demo/ledgerClient.ts';
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
const EMPLOYMENT = 'TF-SUSTAINED-EMPLOYMENT';

const unavailable = browserUnavailable();
if (unavailable !== null)
  console.warn(`[browser] the outcome-payments browser tests are SKIPPED: ${unavailable}`);

const COUNCIL = { agencyId: 'opb-council', name: 'Essex County Council', kind: 'council' };
const NHS = { agencyId: 'opb-icb', name: 'Essex Integrated Care Board', kind: 'health' };

/** Dates relative to the server's today: claims must fall inside their window before today. */
const today = new Date().toISOString().slice(0, 10);
const [year = 0, month = 0] = today.split('-').map(Number);
const fyStart = `${month >= 4 ? year : year - 1}-04-01`;

describe.skipIf(unavailable !== null)('outcome payments in Chromium', () => {
  const jwtSecret = `browser-${randomBytes(24).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'potledger-browser-claims-'));
  const mint = (claims: { sub: string; role: Role; agency?: string }) =>
    signToken(jwtSecret, claims, '1h');
  const admin = mint({ sub: 'alice', role: 'admin' });
  const councilOfficer = mint({ sub: 'carol', role: 'finance-officer', agency: COUNCIL.agencyId });
  const nhsOfficer = mint({ sub: 'nadia', role: 'finance-officer', agency: NHS.agencyId });
  let server: ServerProcess;
  let client: LedgerClient;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let potId = '';
  let claimId = '';

  const post = async (path: string, token: string, body: unknown) =>
    (await client.post(path, token, body, ulid())).answer;

  beforeAll(async () => {
    if (dashboardBuildIsStale(REPO_ROOT)) {
      const build = await runScript('web/prepare.mjs', {}, BUILD_TIMEOUT_MS);
      expect(build.code, build.stderr).toBe(0);
    }
    server = await startServer({ port: await freePort(), dataDir, jwtSecret });
    client = createLedgerClient(server.baseUrl);

    for (const agency of [COUNCIL, NHS]) await post('/v1/agencies', admin, agency);
    potId = String(
      (
        await post('/v1/pots', admin, {
          name: 'Essex Troubled Families',
          area: 'Essex',
          hostAgencyId: COUNCIL.agencyId,
          partnerAgencyIds: [NHS.agencyId],
        })
      ).potId,
    );
    const pot = `/v1/pots/${potId}`;
    await post(`${pot}/contributions`, councilOfficer, {
      agencyId: COUNCIL.agencyId,
      amount: '30000.00',
      effectiveDate: fyStart,
      reference: 'Council share',
    });
    await post(`${pot}/contributions`, nhsOfficer, {
      agencyId: NHS.agencyId,
      amount: '20000.00',
      effectiveDate: fyStart,
      reference: 'ICB share',
    });
    const interventionId = String(
      (
        await post(`${pot}/interventions`, councilOfficer, {
          name: 'Families into work',
          leadAgencyId: COUNCIL.agencyId,
        })
      ).interventionId,
    );
    await post(`${pot}/allocations`, councilOfficer, {
      interventionId,
      amount: '10000.00',
      effectiveDate: fyStart,
      reason: 'Payment-by-results budget',
    });
    await post(`${pot}/agreements`, admin, {
      reference: 'S75-ESSEX-TF',
      legalBasis: 's75-nhs-act-2006',
      startDate: fyStart,
      poolManager: 'Director of Finance, Essex CC',
      scope: 'Troubled families',
      boardDecisionRef: 'HWB-TF-01',
      signedOn: fyStart,
      spendTracking: true,
    });
    await post(`${pot}/interventions/${interventionId}/rate-card`, admin, {
      contractRef: 'TF-ESSEX',
      capPerContract: '8000.00',
      outcomes: [
        {
          code: EMPLOYMENT,
          definition: 'An adult of the family in work for 26 weeks out of 30',
          evidenceRequired: 'DWP employment record',
          price: '800.00',
          maxClaimsPerParticipant: 1,
          claimWindowDays: 365,
        },
      ],
    });
    // The council's finance officer makes the claim, so may neither validate nor pay it.
    claimId = String(
      (
        await post(`${pot}/interventions/${interventionId}/claims`, councilOfficer, {
          code: EMPLOYMENT,
          participantRef: 'P-0001',
          outcomeDate: today,
          evidenceRef: 'DWP-REC-1',
        })
      ).claimId,
    );
    expect(claimId).toMatch(/^[0-9A-Z]{26}$/);

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

  async function openClaims(page: Page): Promise<void> {
    await page.goto(`${server.baseUrl}/#/pots/${potId}`);
    await page
      .getByRole('navigation', { name: 'Pooled fund' })
      .getByRole('link', { name: 'Outcome payments' })
      .click();
    await page
      .getByRole('heading', { name: 'Essex Troubled Families: outcome payments', level: 1 })
      .waitFor();
  }

  const statusOf = (page: Page) =>
    page
      .getByRole('table', { name: /outcome claims/ })
      .locator('tbody tr')
      .filter({ has: page.locator('th', { hasText: claimId }) })
      .getByTestId('claim-status');

  it('refuses the claimant validating their own claim, in plain words', async () => {
    const page = await signedIn(councilOfficer);
    await openClaims(page);
    const table = page.getByRole('table', { name: /outcome claims/ });
    const cells = (
      await table
        .locator('tbody tr')
        .filter({ has: page.locator('th', { hasText: claimId }) })
        .locator('td')
        .allTextContents()
    ).map((t) => t.trim());
    expect(cells.slice(0, 3)).toEqual(['Claimed', 'Families into work', EMPLOYMENT]);
    expect(cells[3]).toBe('£800.00');
    expect(cells[5]).toBe(`carol (${COUNCIL.name})`);
    const form = page.getByRole('form', { name: `Validate claim ${claimId}` });
    await form.getByRole('button', { name: 'Validate' }).click();
    const error = form.locator('.form-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toContain(
      'Someone other than the claimant must validate or pay a claim.',
    );
    expect((await statusOf(page).textContent())?.trim()).toBe('Claimed');
    await expectAccessible(page);
    await page.close();
  });

  it('another partner’s finance officer validates the claim, then pays it: it shows Paid', async () => {
    const page = await signedIn(nhsOfficer);
    await openClaims(page);
    await page
      .getByRole('form', { name: `Validate claim ${claimId}` })
      .getByRole('button', { name: 'Validate' })
      .click();
    await expect.poll(async () => (await statusOf(page).textContent())?.trim()).toBe('Validated');
    expect(await page.getByTestId('written').textContent()).toContain(
      `Claim ${claimId} validated.`,
    );
    const pay = page.getByRole('form', { name: `Pay claim ${claimId}` });
    expect(await pay.getByLabel('Payment date').inputValue()).toBe(today);
    await pay.getByRole('button', { name: 'Pay' }).click();
    await expect
      .poll(async () => (await statusOf(page).textContent())?.trim() ?? '')
      .toMatch(/^Paid on /);
    expect(await page.getByRole('form', { name: `Pay claim ${claimId}` }).count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'claims-paid.png'), fullPage: true });
    await expectAccessible(page);
    await page.close();
  });
});
