/**
 * Single sign-on in a real browser against the real server: the server is configured (through
 * its environment, as an operator would) with a real OpenID Provider on loopback (oidc-provider),
 * the dashboard's "Sign in" goes to the provider's login page, fran signs in there, comes back
 * as a finance officer of Essex Police (mapped from her `groups` claim), records a contribution,
 * and signs out at the provider. axe-core checks the sign-in page and the pot page.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/tokens.ts';
import { createLedgerClient, type LedgerClient } from '../../src/demo/ledgerClient.ts';
import {
  freePort,
  killAllChildren,
  REPO_ROOT,
  runScript,
  startServer,
  type ServerProcess,
} from '../e2e/serverProcess.ts';
import {
  FINANCE_GROUP,
  startOidcProvider,
  TEST_AUDIENCE,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  type TestOidcProvider,
} from '../support/oidcProvider.ts';
import { axeViolations } from './axe.ts';
import { browserUnavailable, dashboardBuildIsStale, launchChromium } from './chromium.ts';

const BUILD_TIMEOUT_MS = 60_000;
const UI_TIMEOUT_MS = 15_000;

const unavailable = browserUnavailable();
if (unavailable !== null)
  console.warn(`[browser] the single sign-on browser tests are SKIPPED: ${unavailable}`);

const COUNCIL = { agencyId: 'sso-council', name: 'Essex County Council', kind: 'council' };
const POLICE = { agencyId: 'sso-police', name: 'Essex Police', kind: 'police' };

const penceOf = (text: string) => Math.round(Number(text.replace(/[£,]/g, '')) * 100);

describe.skipIf(unavailable !== null)('single sign-on in Chromium', () => {
  const jwtSecret = `browser-${randomBytes(24).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'potledger-browser-sso-'));
  // Setting the scene (agencies, the pot) is a script's job: an HS256 admin token.
  const admin = signToken(jwtSecret, { sub: 'alice', role: 'admin' }, '1h');
  let idp: TestOidcProvider;
  let server: ServerProcess;
  let client: LedgerClient;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let potId = '';

  beforeAll(async () => {
    if (dashboardBuildIsStale(REPO_ROOT)) {
      const build = await runScript('web/prepare.mjs', {}, BUILD_TIMEOUT_MS);
      expect(build.code, build.stderr).toBe(0);
    }
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    idp = await startOidcProvider(origin);
    server = await startServer({
      port,
      dataDir,
      jwtSecret,
      env: {
        LEDGER_OIDC_ISSUERS: idp.issuer,
        LEDGER_OIDC_AUDIENCE: TEST_AUDIENCE,
        LEDGER_OIDC_CLIENT_ID: TEST_CLIENT_ID,
        LEDGER_OIDC_CLIENT_SECRET: TEST_CLIENT_SECRET,
        LEDGER_OIDC_REDIRECT_URL: `${origin}/auth/callback`,
        LEDGER_OIDC_SIGN_IN_RULES: JSON.stringify([
          {
            claim: 'groups',
            value: FINANCE_GROUP,
            role: 'finance-officer',
            agency: POLICE.agencyId,
          },
        ]),
      },
    });
    client = createLedgerClient(server.baseUrl);
    for (const agency of [COUNCIL, POLICE])
      await client.post('/v1/agencies', admin, agency, ulid());
    potId = String(
      (
        await client.post(
          '/v1/pots',
          admin,
          {
            name: 'Essex Reducing Reoffending',
            area: 'Essex',
            hostAgencyId: COUNCIL.agencyId,
            partnerAgencyIds: [POLICE.agencyId],
          },
          ulid(),
        )
      ).answer.potId,
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await idp?.close();
    await killAllChildren();
    rmSync(dataDir, { recursive: true, force: true });
  });

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

  it('fran signs in at the provider, contributes as a finance officer of Essex Police, and signs out', async () => {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(`${server.baseUrl}/#/signin`);
    const signIn = page.getByRole('link', { name: 'Sign in', exact: true });
    await signIn.waitFor();
    await expectAccessible(page);
    await signIn.click();

    // The provider's own login page (any password for its development accounts).
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.locator('input[name="login"]').fill('fran');
    await page.locator('input[name="password"]').fill('correct horse');
    await page.getByRole('button', { name: 'Sign-in' }).click();

    await page.getByRole('heading', { name: 'Pots', level: 1 }).waitFor();
    expect(new URL(page.url()).origin).toBe(server.baseUrl);
    expect(await page.getByTestId('role').textContent()).toBe('finance-officer');
    // A person reads the agency's name in the header, not its id.
    expect(await page.getByTestId('who').textContent()).toContain(POLICE.name);
    // The handoff id is gone from the address once used.
    expect(page.url()).not.toContain('handoff');

    await page.goto(`${server.baseUrl}/#/pots/${potId}`);
    const contributed = () =>
      page
        .locator('[data-figure="contributed"]')
        .textContent()
        .then((t) => t ?? '');
    const contribute = page.getByRole('form', { name: `Contribute from ${POLICE.name}` });
    await contribute.waitFor();
    const before = await contributed();
    await contribute.getByLabel('Amount (£)', { exact: true }).fill('£1,250.00');
    await contribute.getByLabel('Reference', { exact: true }).fill('SSO browser PO-7');
    await contribute.getByRole('button', { name: 'Contribute' }).click();
    await expect.poll(contributed).not.toBe(before);
    expect(penceOf(await contributed()) - penceOf(before)).toBe(125_000);
    await expectAccessible(page);

    // The log says who did it: fran, as the provider named her, in the role her group maps to.
    const auditor = signToken(jwtSecret, { sub: 'ivy', role: 'auditor' }, '1h');
    const { events } = await client.get<{
      events: { type: string; data: { reference?: string }; metadata: { actor: unknown } }[];
    }>('/v1/events?limit=100', auditor);
    const recorded = events.filter(
      (e) => e.type === 'ContributionReceived' && e.data.reference === 'SSO browser PO-7',
    );
    expect(recorded.map((e) => e.metadata.actor)).toEqual([
      { sub: 'fran', role: 'finance-officer', agencyId: POLICE.agencyId },
    ]);

    // Sign out: the provider asks to confirm, then sends the browser back to the dashboard.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL((url) => url.origin === server.baseUrl);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('potledger.token'))).toBeNull();
    await page.close();
  });
});
