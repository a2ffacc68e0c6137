/**
 * The pooled-fund year end to end, on the real server process over HTTP: what issue 15 says a
 * pool manager must be able to do. Record an agreement, budget three schemes, pay invoices
 * against them, report Q1–Q4, settle the year with an overspend shared pro rata to
 * contributions and capped for one partner, see what each partner owes, take the payments, and
 * hand the memorandum account to the partners' auditors. Every figure is the README's worked
 * example (src/demo/poolYearScenario.ts), worked by hand below.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAmount, money, sum } from '../../events/money.ts';
import { signToken } from '../../src/auth/tokens.ts';
import { createLedgerClient } from '../../src/demo/ledgerClient.ts';
import { loadPoolYear, type PoolYearRecord } from '../../src/demo/poolYearScenario.ts';
import {
  freePort,
  killAllChildren,
  runScript,
  startServer,
  type ServerProcess,
} from './serverProcess.ts';

const SUITE_TIMEOUT_MS = 180_000;
const DEMO_TIMEOUT_MS = 90_000;

const jwtSecret = `e2e-${randomBytes(24).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'potledger-pool-year-'));
let server: ServerProcess | undefined;
let record: PoolYearRecord;

const CC = 'essex-cc';
const NHS = 'nhs-mid-essex';
const DISTRICT = 'chelmsford-cc';

beforeAll(async () => {
  server = await startServer({ port: await freePort(), dataDir, jwtSecret });
  const client = createLedgerClient(server.baseUrl);
  record = await loadPoolYear(client, (claims) => signToken(jwtSecret, claims), 'e2e');
}, SUITE_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  await killAllChildren();
  rmSync(dataDir, { recursive: true, force: true });
});

const schemeOf = (key: keyof PoolYearRecord['interventionIds']) =>
  record.settlement.schemes.find((s) => s.interventionId === record.interventionIds[key])!;

describe('a pooled-fund year on the running server', () => {
  it('flags the home-care invoices that went beyond its budget, as they were paid', () => {
    // Home care: budget £350,000.00, a £300,000.00 call-off raised in April.
    // Q1 £120,000.00 and Q2 £130,000.00 against the call-off: within budget.
    // Q3 £140,000.00: £50,000.00 of it against what the call-off still reserved, £90,000.00
    // new; only £50,000.00 remained, so £40,000.00 over. Q4 £130,000.00: all of it over.
    expect(record.overspendFlags).toEqual([
      { invoiceRef: 'HC-1203', overBy: '40000.00' },
      { invoiceRef: 'HC-0304', overBy: '130000.00' },
    ]);
  });

  it('reports each quarter: budget, actual, committed, forecast and variance, overspends flagged', () => {
    const totals = record.monitoring.map((m) => ({
      quarter: m.quarter,
      actual: m.totals.actual,
      committed: m.totals.committed,
    }));
    expect(totals).toEqual([
      // Q1: 95,000 + 120,000; £180,000.00 of the call-off still reserved.
      { quarter: 1, actual: '215000.00', committed: '180000.00' },
      // Q2: + 95,000 + 130,000 + 60,000; £50,000.00 reserved.
      { quarter: 2, actual: '500000.00', committed: '50000.00' },
      // Q3: + 95,000 + 140,000 + 40,000; the call-off used up.
      { quarter: 3, actual: '775000.00', committed: '0.00' },
      // Q4: + 95,000 + 130,000 + 50,000.
      { quarter: 4, actual: '1050000.00', committed: '0.00' },
    ]);
    for (const m of record.monitoring) expect(m.totals.budget).toBe('900000.00');
    const q3HomeCare = record.monitoring[2]!.schemes.find(
      (s) => s.interventionId === record.interventionIds.homeCare,
    )!;
    expect(q3HomeCare).toMatchObject({
      forecastOutturn: '520000.00',
      variance: '170000.00',
      overspent: true,
    });
    const q2 = record.monitoring[1]!;
    expect(q2.schemes.filter((s) => s.overspent)).toEqual([]);
  });

  it('settles the year: underspend released, overspend covered from the pot, the rest shared and capped', () => {
    const { preview, settlement } = record;
    const { eventId, position, ...settled } = settlement;
    expect(eventId).toMatch(/^[0-9A-Z]{26}$/);
    expect(position).toMatch(/^\d+$/);
    expect(settled).toEqual(preview);

    // Reablement: budget £400,000.00 funded 200,000 / 160,000 / 40,000; spent £380,000.00;
    // the £20,000.00 underspend goes back in those proportions.
    expect(schemeOf('reablement')).toMatchObject({
      budget: '400000.00',
      spent: '380000.00',
      underspend: '20000.00',
      overspend: '0.00',
      released: [
        { agencyId: DISTRICT, amount: '2000.00' },
        { agencyId: CC, amount: '10000.00' },
        { agencyId: NHS, amount: '8000.00' },
      ],
      covered: [],
      shared: [],
    });
    // Home care: £170,000.00 over. The stakes (50,000 / 40,000 / 10,000 left after the budgets,
    // plus the release: 60,000 / 48,000 / 12,000) cover £120,000.00 of it; the £50,000.00 left
    // is shared by contributions 500,000 : 400,000 : 100,000 = 25,000 / 20,000 / 5,000, but the
    // NHS is capped at £15,000.00, so its £5,000.00 excess is split 500 : 100 between the two
    // councils: 4,166.67 (the odd penny by largest remainder) and 833.33.
    expect(schemeOf('homeCare')).toMatchObject({
      budget: '350000.00',
      spent: '520000.00',
      underspend: '0.00',
      overspend: '170000.00',
      covered: [
        { agencyId: DISTRICT, amount: '12000.00' },
        { agencyId: CC, amount: '60000.00' },
        { agencyId: NHS, amount: '48000.00' },
      ],
      shared: [
        { agencyId: DISTRICT, amount: '5833.33' },
        { agencyId: CC, amount: '29166.67' },
        { agencyId: NHS, amount: '15000.00' },
      ],
    });
    expect(schemeOf('dfg')).toMatchObject({
      budget: '150000.00',
      spent: '150000.00',
      underspend: '0.00',
      overspend: '0.00',
    });
    expect(settlement.owedByPartners).toEqual([
      { agencyId: DISTRICT, amount: '5833.33' },
      { agencyId: CC, amount: '29166.67' },
      { agencyId: NHS, amount: '15000.00' },
    ]);
    expect(record.payments).toEqual(settlement.owedByPartners);
  });

  it("hands the partners' auditors a memorandum account whose closing balance is reached two ways", () => {
    const { memorandum } = record;
    expect(memorandum.reconciliation.agrees).toBe(true);
    expect(memorandum.reconciliation.closingBalanceFromPartners).toBe(
      memorandum.reconciliation.closingBalanceFromPot,
    );
    const line = (agencyId: string) =>
      memorandum.partners.find((p) => p.agencyId === agencyId) as Record<string, string>;
    // Council: reablement 190,000 + home care 175,000 + 60,000 + 29,166.67 + DFG 75,000.
    expect(line(CC)).toMatchObject({ contributions: '500000.00', shareOfExpenditure: '529166.67' });
    // NHS: 152,000 + 140,000 + 48,000 + 15,000 + 60,000.
    expect(line(NHS)).toMatchObject({
      contributions: '400000.00',
      shareOfExpenditure: '415000.00',
    });
    // District: 38,000 + 35,000 + 12,000 + 5,833.33 + 15,000.
    expect(line(DISTRICT)).toMatchObject({
      contributions: '100000.00',
      shareOfExpenditure: '105833.33',
    });
  });

  it(
    'prints the year with `npm run demo -- --pool-year`',
    async () => {
      const result = await runScript(
        'src/demo/runDemo.ts',
        {
          LEDGER_URL: server!.baseUrl,
          LEDGER_DATA_DIR: dataDir,
          LEDGER_JWT_SECRET: jwtSecret,
          POTLEDGER_DEMO: 'pool-year',
        },
        DEMO_TIMEOUT_MS,
      );
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      for (const text of [
        'Monitoring 2025-26 Q4',
        'OVERSPENT',
        'Owed by the partners: Chelmsford City Council £5,833.33, Essex County Council £29,166.67, NHS Mid Essex £15,000.00',
        'they agree',
        'Better Care Fund end-of-year return 2025-26, Essex HWB',
        'nhs-minimum from NHS Mid Essex: required £420,000.00, received £400,000.00, SHORTFALL £20,000.00',
      ])
        expect(result.stdout).toContain(text);
      expect(result.stdout).toMatch(/Totals: income planned .*\(Q4 monitoring: .*: they agree\)/);
    },
    DEMO_TIMEOUT_MS,
  );

  it("produces the Better Care Fund return, whose expenditure totals equal the Q4 monitoring report's", () => {
    const q4 = record.monitoring.find((m) => m.quarter === 4)!;
    expect(record.bcfReturn.healthAndWellbeingBoard).toBe('Essex');
    expect(record.bcfReturn.totals).toEqual({
      // Planned: the three required minimums (420,000 + 480,000 + 100,000); actual: what came in.
      incomePlanned: '1000000.00',
      incomeActual: '1000000.00',
      expenditurePlanned: q4.totals.budget,
      expenditureActual: q4.totals.actual,
    });
    expect(record.bcfReturn.income).toEqual([
      { fundingStream: 'dfg', planned: '100000.00', actual: '100000.00' },
      { fundingStream: 'la-bcf', planned: '480000.00', actual: '500000.00' },
      { fundingStream: 'nhs-minimum', planned: '420000.00', actual: '400000.00' },
    ]);
    expect(q4.minimums).toEqual([
      {
        fundingStream: 'nhs-minimum',
        agencyId: NHS,
        required: '420000.00',
        received: '400000.00',
        shortfall: '20000.00',
        flagged: true,
      },
      {
        fundingStream: 'la-bcf',
        agencyId: CC,
        required: '480000.00',
        received: '500000.00',
        shortfall: '0.00',
        flagged: false,
      },
      {
        fundingStream: 'dfg',
        agencyId: DISTRICT,
        required: '100000.00',
        received: '100000.00',
        shortfall: '0.00',
        flagged: false,
      },
    ]);
  });
});

describe("each partner's journal on the running server", () => {
  it('balances, and posts exactly its memorandum line: contributions, expenditure by scheme, the deficit share, the debt', () => {
    expect(record.journals.map((j) => j.agencyId).sort()).toEqual([DISTRICT, CC, NHS].sort());
    for (const journal of record.journals) {
      const m = journal.memorandum as Record<string, string>;
      const net = (type: string) =>
        sum(
          journal.lines
            .filter((l) => l.lineType === type)
            .map((l) => money(l.debit).minus(money(l.credit))),
        );
      expect(journal.totals.debit, journal.agencyId).toBe(journal.totals.credit);
      expect(formatAmount(sum(journal.lines.map((l) => money(l.debit))))).toBe(
        journal.totals.debit,
      );
      expect(formatAmount(net('contribution').negated())).toBe(m.contributions);
      expect(
        formatAmount(net('expenditure').plus(net('deficitShare')).plus(net('surplusShare'))),
      ).toBe(m.shareOfExpenditure);
      expect(formatAmount(net('deficitShare'))).toBe(m.shareOfDeficit);
    }
    // The council's journal is on its own ledger codes; the others, without a mapping, on line types.
    const council = record.journals.find((j) => j.agencyId === CC)!;
    expect(council.mapped).toBe(true);
    expect(council.lines.find((l) => l.lineType === 'deficitShare')).toMatchObject({
      costCentre: 'ASC-BCF',
      accountCode: '5190',
      debit: '29166.67',
    });
    const nhs = record.journals.find((j) => j.agencyId === NHS)!;
    expect(nhs.mapped).toBe(false);
    expect(nhs.lines.find((l) => l.lineType === 'deficitShare')).toMatchObject({
      accountCode: 'deficitShare',
      debit: '15000.00',
    });
  });
});
