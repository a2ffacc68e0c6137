/**
 * The dashboard's reading pages in Chromium against the real server with the demo scenario: the
 * statement (figures, the reversal with its reason, read as at a date), the exceptions (the
 * pot's own people and auditors read them; a reporter is told why not), the cost-benefit report
 * with its price-index caveat beside the figures, agreed against received contributions, the
 * "as at" line on every books page (the position the API reported), and the CSV and Excel
 * downloads of the pot, balances, flows and statement. axe on every page for each role that
 * uses it, with a screenshot of each in test-output/screenshots.
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
  HOST,
  loadEssexScenario,
  POLICE,
  type ScenarioRecord,
} from '../../src/demo/essexScenario.ts';
import { createLedgerClient } from '../../src/demo/ledgerClient.ts';
import { formatGbp } from '../../web/src/money.ts';
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
/** 4 roles × 11 pages, each loaded afresh and checked by axe. */
const EVERY_PAGE_TIMEOUT_MS = 300_000;
const YEAR = '2025-26';
const AS_AT_LINE = /^As at \d{1,2} [A-Z][a-z]+ \d{4}, position \d{1,3}(,\d{3})*$/;

const unavailable = browserUnavailable();
if (unavailable !== null)
  console.warn(`[browser] the reading pages' browser tests are SKIPPED: ${unavailable}`);

describe.skipIf(unavailable !== null)("the dashboard's reading pages in Chromium", () => {
  const jwtSecret = `browser-${randomBytes(24).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'potledger-reports-'));
  const mint = (claims: { sub: string; role: Role; agency?: string }) =>
    signToken(jwtSecret, claims, '1h');
  const admin = () => mint({ sub: 'alice', role: 'admin' });
  const carol = () => mint({ sub: 'carol', role: 'finance-officer', agency: HOST.agencyId });
  const auditor = () => mint({ sub: 'ivy', role: 'auditor' });
  const reporter = () => mint({ sub: 'rex', role: 'reporter' });
  let server: ServerProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let scenario: ScenarioRecord;

  beforeAll(async () => {
    if (dashboardBuildIsStale(REPO_ROOT)) {
      const build = await runScript('web/prepare.mjs', {}, BUILD_TIMEOUT_MS);
      expect(build.code, build.stderr).toBe(0);
    }
    server = await startServer({ port: await freePort(), dataDir, jwtSecret });
    const client = createLedgerClient(server.baseUrl);
    await loadUnitCostCatalogue(client, admin());
    scenario = await loadEssexScenario(client, mint, ulid());
    for (const [agencyId, amount] of [
      [HOST.agencyId, '300000.00'],
      [POLICE.agencyId, '999999.00'],
    ] as const)
      await client.post(`/v1/pots/${scenario.potId}/agreed-contributions`, admin(), {
        agencyId,
        financialYear: YEAR,
        amount,
        boardDecisionRef: 'BOARD-2025-03',
      });
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
  async function open(page: Page, hash: string): Promise<void> {
    // A full load each time (the session is in sessionStorage), so the page read is this one.
    await page.goto('about:blank');
    await page.goto(`${server.baseUrl}/${hash}`);
    await page.locator('#page h1').first().waitFor();
    await page.waitForLoadState('networkidle');
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
  const asAtLine = async (page: Page) => (await page.getByTestId('as-at').textContent()) ?? '';
  async function download(page: Page, button: string, label: string) {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `${button} of ${label}` }).click(),
    ]);
    return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
  }
  const csvHeader = (bytes: Buffer) =>
    bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)[0];
  /** An .xlsx is a zip: it starts with the local file header "PK\x03\x04". */
  const isZip = (bytes: Buffer) => bytes.subarray(0, 4).toString('binary') === 'PK\u0003\u0004';

  it("the pot's page: the position the API reported, agreed against received, the reports, and its tables as CSV and Excel", async () => {
    const page = await signedIn(carol());
    await open(page, `#/pots/${scenario.potId}`);
    const api = await fetch(`${server.baseUrl}/v1/pots/${scenario.potId}`, {
      headers: { authorization: `Bearer ${carol()}` },
    });
    const position = api.headers.get('ledger-position')!;
    expect(await asAtLine(page)).toMatch(AS_AT_LINE);
    expect((await asAtLine(page)).replace(/.*position /, '').replaceAll(',', '')).toBe(position);
    const agreed = page.getByRole('table', { name: /agreed contribution for the year/ });
    const police = (
      await agreed.locator('tbody tr', { hasText: POLICE.name }).locator('th, td').allTextContents()
    ).map((t) => t.trim());
    expect(police.slice(0, 3)).toEqual([POLICE.name, YEAR, '£999,999.00']);
    expect(police[6]).toBe('BOARD-2025-03');
    const reports = page.getByRole('navigation', { name: 'Reports' });
    expect(await reports.getByRole('link').allTextContents()).toEqual([
      'Statement',
      'Exceptions',
      'Cost-benefit report',
    ]);
    const csv = await download(page, 'Download CSV', "the pot's stakes and interventions");
    expect(csv.name).toBe(`pot-${scenario.potId}.csv`);
    expect(csvHeader(csv.bytes)).toBe('row,agencyId,agencyName,contributed,drawn,returned,stake');
    const xlsx = await download(
      page,
      'Download Excel (.xlsx)',
      "the pot's stakes and interventions",
    );
    expect(xlsx.name).toBe(`pot-${scenario.potId}.xlsx`);
    expect(isZip(xlsx.bytes)).toBe(true);
    await expectAccessible(page);
    await page.close();
  });

  it('a books page reads as at a chosen date, and refuses a date that does not exist', async () => {
    const page = await signedIn(carol());
    await open(page, `#/pots/${scenario.potId}`);
    const contributedToday = await page.locator('[data-figure="contributed"]').textContent();
    const form = page.getByRole('form', { name: 'Read the books as they stood on a date' });
    await form.getByLabel('Books as at').fill('2025-02-30');
    await form.getByRole('button', { name: 'Show' }).click();
    await form.locator('[data-field="asAt"] .field-error').waitFor({ state: 'visible' });
    expect(page.url()).not.toContain('asAt=');
    // Before the pot had any money: the books say nothing was contributed yet.
    await form.getByLabel('Books as at').fill('2000-01-01');
    await form.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.url()).toContain('asAt=2000-01-01');
    await expect.poll(() => asAtLine(page)).toMatch(/^As at 1 January 2000, position [\d,]+$/);
    expect(await page.locator('[data-figure="contributed"]').textContent()).toBe('£0.00');
    expect(contributedToday).not.toBe('£0.00');
    await page.getByRole('link', { name: 'Back to today’s books' }).click();
    await expect.poll(() => page.url()).not.toContain('asAt=');
    await expect
      .poll(() => page.locator('[data-figure="contributed"]').textContent())
      .toBe(contributedToday);
    expect(await asAtLine(page)).toMatch(AS_AT_LINE);
    await page.close();
  });

  it('the statement: the figures of the year, the reversal with its reason, and the download', async () => {
    const page = await signedIn(carol());
    await open(page, `#/pots/${scenario.potId}/statement?financialYear=${YEAR}`);
    await page
      .getByRole('heading', { name: `Essex Reducing Reoffending: statement ${YEAR}` })
      .waitFor();
    expect(await asAtLine(page)).toMatch(AS_AT_LINE);
    const figures = page.getByTestId('statement-figures');
    expect(await figures.locator('dt').allTextContents()).toContain('Closing balance');
    const reversals = page.getByRole('table', { name: /Reversals in the year/ });
    const row = reversals.locator('tbody tr', { hasText: 'Contribution reversed' });
    expect(await row.textContent()).toContain(scenario.reversal.reason);
    expect(await row.textContent()).toContain('16 April 2025');
    const xlsx = await download(page, 'Download Excel (.xlsx)', 'the statement');
    expect(xlsx.name).toBe(`statement-${scenario.potId}-${YEAR}.xlsx`);
    expect(isZip(xlsx.bytes)).toBe(true);
    const csv = await download(page, 'Download CSV', 'the statement');
    expect(csvHeader(csv.bytes)).toBe(
      'section,item,agencyId,agencyName,leadAgencyId,leadAgencyName,amount,note',
    );
    await expectAccessible(page);
    await page.close();
  });

  it("a reporter's statement withholds the reversal's reason and says so", async () => {
    const page = await signedIn(reporter());
    await open(page, `#/pots/${scenario.potId}/statement?financialYear=${YEAR}`);
    const row = page
      .getByRole('table', { name: /Reversals in the year/ })
      .locator('tbody tr', { hasText: 'Contribution reversed' });
    expect(await row.textContent()).not.toContain(scenario.reversal.reason);
    expect(await row.textContent()).toContain('Withheld');
    await page.close();
  });

  it('the exceptions: an auditor reads the reversal; a reporter is told why not', async () => {
    const page = await signedIn(auditor());
    await open(page, `#/pots/${scenario.potId}/exceptions`);
    const table = page.getByRole('table', { name: 'Exceptions, in log order' });
    const row = table.locator('tbody tr', { hasText: scenario.reversal.reason });
    expect(await row.locator('.govuk-tag').textContent()).toBe('Reversal');
    expect(await asAtLine(page)).toMatch(AS_AT_LINE);
    await expectAccessible(page);
    await page.close();
    const refused = await signedIn(reporter());
    await open(refused, `#/pots/${scenario.potId}/exceptions`);
    expect(await refused.getByTestId('exceptions-forbidden').textContent()).toContain(
      'only auditors, admins and finance officers of this pot’s partners',
    );
    await refused.close();
  });

  it('the cost-benefit report has its price basis beside each table of figures', async () => {
    const page = await signedIn(reporter());
    await open(page, `#/pots/${scenario.potId}/cba?financialYear=${YEAR}`);
    const caveats = page.getByTestId('price-caveat');
    expect(await caveats.count()).toBe(2);
    expect(await caveats.first().textContent()).toMatch(
      new RegExp(
        `^All amounts are in ${YEAR} prices \\(the year reported on\\)\\. .*deflator`,
        'i',
      ),
    );
    // Next to the figures: each caveat is immediately followed by the table it qualifies.
    for (const caveat of await caveats.all())
      expect(
        await caveat.evaluate((el) => el.nextElementSibling?.querySelector('table') !== null),
      ).toBe(true);
    const figures = page.getByRole('table', { name: new RegExp(`in ${YEAR} prices: gross`) });
    expect(await figures.locator('tfoot th').textContent()).toBe('Whole pot');
    await page.close();
  });

  it('balances and flows: the as-at line and both downloads', async () => {
    const page = await signedIn(auditor());
    await open(page, `#/agencies/${HOST.agencyId}`);
    expect(await asAtLine(page)).toMatch(AS_AT_LINE);
    // Item 10: the net fiscal position beside the unspent stake, and on the money spent so far,
    // as the API answers them, with the page's own words that unspent money is not a loss.
    const { total } = await createLedgerClient(server.baseUrl).get<{
      total: { netFiscalPosition: string; stake: string; netFiscalPositionOnMoneySpent: string };
    }>(`/v1/agencies/${HOST.agencyId}/balances`, auditor());
    const figure = (name: string) => page.locator(`[data-figure="${name}"]`).textContent();
    expect(await figure('net')).toBe(formatGbp(total.netFiscalPosition));
    expect(await figure('unspent')).toBe(formatGbp(total.stake));
    expect(await figure('net-on-spent')).toBe(formatGbp(total.netFiscalPositionOnMoneySpent));
    expect(Number(total.stake)).toBeGreaterThan(0);
    expect(await page.locator('main').textContent()).toContain('is not a loss');
    const balances = await download(page, 'Download Excel (.xlsx)', 'the balances');
    expect(balances.name).toBe(`balances-${HOST.agencyId}.xlsx`);
    expect(isZip(balances.bytes)).toBe(true);
    await open(page, `#/flows?potId=${scenario.potId}&financialYear=${YEAR}`);
    expect(await asAtLine(page)).toMatch(AS_AT_LINE);
    const flows = await download(page, 'Download CSV', 'the flows');
    expect(flows.name).toBe(`flows-pot-${scenario.potId}-${YEAR}.csv`);
    expect(flows.bytes.toString('utf8')).toContain(HOST.name);
    await page.close();
  });

  it('the quarterly monitoring report downloads as CSV and Excel', async () => {
    // Monitoring is a pooled-fund report: the pot needs an agreement in force.
    const client = createLedgerClient(server.baseUrl);
    await client.post(`/v1/pots/${scenario.potId}/agreements`, admin(), {
      reference: 'S75-ERR-2025',
      legalBasis: 's75-nhs-act-2006',
      startDate: '2025-04-01',
      poolManager: 'Head of Community Safety',
      scope: 'Reducing reoffending in Essex',
      boardDecisionRef: 'BOARD-2025-03',
      signedOn: '2025-03-28',
      spendTracking: false,
    });
    const page = await signedIn(carol());
    await open(page, `#/pots/${scenario.potId}/monitoring?financialYear=${YEAR}&quarter=4`);
    expect(await asAtLine(page)).toMatch(AS_AT_LINE);
    const xlsx = await download(page, 'Download Excel (.xlsx)', 'the monitoring report');
    expect(xlsx.name).toBe(`potledger-monitoring-${YEAR}-q4.xlsx`);
    expect(isZip(xlsx.bytes)).toBe(true);
    const csv = await download(page, 'Download CSV', 'the monitoring report');
    expect(csv.name).toBe(`potledger-monitoring-${YEAR}-q4.csv`);
    expect(csv.bytes.toString('utf8')).toContain(
      'Employment and training support for ex-offenders',
    );
    await page.close();
  });

  it(
    'every reading page passes axe for each role (screenshots kept)',
    async () => {
      const routes = [
        ['pots', '#/pots'],
        ['pot', `#/pots/${scenario.potId}`],
        ['statement', `#/pots/${scenario.potId}/statement?financialYear=${YEAR}`],
        ['exceptions', `#/pots/${scenario.potId}/exceptions`],
        ['cba', `#/pots/${scenario.potId}/cba?financialYear=${YEAR}`],
        ['flows', `#/flows?potId=${scenario.potId}`],
        ['agency', `#/agencies/${HOST.agencyId}`],
        ['pot-as-at', `#/pots/${scenario.potId}?asAt=2025-06-30`],
        // The pot has an agreement by now (the monitoring test records it).
        ['monitoring', `#/pots/${scenario.potId}/monitoring?financialYear=${YEAR}&quarter=4`],
        ['memorandum', `#/pots/${scenario.potId}/memorandum?financialYear=${YEAR}`],
        ['cba-as-at', `#/pots/${scenario.potId}/cba?asAt=2025-09-30`],
      ] as const;
      const roles = [
        ['admin', admin()],
        ['finance-officer', carol()],
        ['auditor', auditor()],
        ['reporter', reporter()],
      ] as const;
      const failures: string[] = [];
      for (const [role, token] of roles) {
        const page = await signedIn(token);
        for (const [name, hash] of routes) {
          await open(page, hash);
          if ((await page.locator('#page h1').first().textContent()) === 'Something went wrong')
            failures.push(`${role} ${name}: ${await page.locator('#page').textContent()}`);
          const violations = (await axeViolations(page)) ?? [];
          for (const v of violations)
            failures.push(
              `${role} ${name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
            );
          await page.screenshot({
            path: join(SCREENSHOT_DIR, `reports-${role}-${name}.png`),
            fullPage: true,
          });
        }
        await page.close();
      }
      expect(failures).toEqual([]);
    },
    EVERY_PAGE_TIMEOUT_MS,
  );
});
