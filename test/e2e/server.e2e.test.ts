/**
 * End to end: the real server process on a real port and a real SQLite file, driven over HTTP
 * exactly as a finance officer's or an auditor's tools would drive it. The books read before a
 * restart must be the books read after it: an auditor who asks the same question twice gets
 * the same answer, whatever happened to the process in between.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPounds, money, sum } from '../../events/money.ts';
import { signToken, type Role } from '../../src/auth/tokens.ts';
import {
  freePort,
  killAllChildren,
  runScript,
  startServer,
  type ServerProcess,
} from './serverProcess.ts';

const SUITE_TIMEOUT_MS = 180_000;
const DEMO_TIMEOUT_MS = 90_000;
const REQUEST_TIMEOUT_MS = 10_000;
const AUDIT_PAGE_SIZE = 3;
const EVENTS_PAGE_SIZE = 4;
/** Paging stops here even if a cursor never ends: a bug must fail the test, not hang it. */
const MAX_PAGES = 1_000;

const AGENCIES = [
  { agencyId: 'essex-cc', name: 'Essex County Council', kind: 'council' },
  { agencyId: 'essex-police', name: 'Essex Police', kind: 'police' },
  { agencyId: 'essex-probation', name: 'Essex Probation', kind: 'probation' },
  { agencyId: 'essex-fire', name: 'Essex County Fire & Rescue Service', kind: 'fire' },
  { agencyId: 'nhs-mid-essex', name: 'NHS Mid Essex', kind: 'health' },
  { agencyId: 'dwp', name: 'Department for Work and Pensions', kind: 'dwp' },
] as const;

const jwtSecret = `e2e-${randomBytes(24).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'potledger-e2e-'));
let port = 0;
let server: ServerProcess | undefined;

const token = (role: Role, sub: string, agency?: string) =>
  signToken(jwtSecret, { sub, role, ...(agency === undefined ? {} : { agency }) });
const tokens = {
  admin: token('admin', 'alice'),
  cc: token('finance-officer', 'carol', 'essex-cc'),
  police: token('finance-officer', 'bob', 'essex-police'),
  fire: token('finance-officer', 'frank', 'essex-fire'),
  auditor: token('auditor', 'ivy'),
  reporter: token('reporter', 'rita'),
};

interface Answer {
  readonly status: number;
  readonly body: Record<string, any>;
  readonly headers: Headers;
}

async function post(
  path: string,
  bearer: string,
  body: unknown,
  idempotencyKey?: string,
): Promise<Answer> {
  const response = await fetch(`${server!.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bearer}`,
      'content-type': 'application/json',
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, any>,
    headers: response.headers,
  };
}

async function get(
  path: string,
  bearer: string | null = tokens.auditor,
): Promise<Record<string, any>> {
  const response = await fetch(`${server!.baseUrl}${path}`, {
    headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = (await response.json()) as Record<string, any>;
  if (response.status !== 200)
    throw new Error(`GET ${path} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** A write that must succeed: answers its 201 body. */
async function created(
  path: string,
  bearer: string,
  body: unknown,
  idempotencyKey?: string,
): Promise<Record<string, any>> {
  const answer = await post(path, bearer, body, idempotencyKey);
  if (answer.status !== 201)
    throw new Error(`POST ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function allPages(
  first: string,
  cursorParam: 'cursor' | 'after',
  listKey: 'entries' | 'events',
): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await get(cursor === null ? first : `${first}&${cursorParam}=${cursor}`);
    items.push(...(answer[listKey] as Record<string, any>[]));
    cursor = answer.nextCursor as string | null;
    if (cursor === null) return items;
  }
  throw new Error(`${first}: still a next cursor after ${MAX_PAGES} pages`);
}

/** Every answer the reporting side and the auditors rely on, as of `minPosition`. */
async function readBooks(potId: string, minPosition: string): Promise<Record<string, unknown>> {
  const at = `minPosition=${minPosition}`;
  const balances: Record<string, unknown> = {};
  for (const agency of AGENCIES)
    balances[agency.agencyId] = await get(
      `/v1/agencies/${agency.agencyId}/balances?${at}`,
      tokens.reporter,
    );
  return {
    headPosition: (await get('/health', null)).headPosition,
    agencies: await get(`/v1/agencies?${at}`, tokens.reporter),
    pots: await get(`/v1/pots?${at}`, tokens.reporter),
    pot: await get(`/v1/pots/${potId}?${at}`, tokens.reporter),
    balances,
    flowsOfPot: await get(`/v1/flows?potId=${potId}&${at}`, tokens.reporter),
    flowsOfPotThisYear: await get(
      `/v1/flows?potId=${potId}&financialYear=2025-26&${at}`,
      tokens.reporter,
    ),
    flowsEverywhere: await get(`/v1/flows?${at}`, tokens.reporter),
    audit: await allPages(`/v1/audit?limit=${AUDIT_PAGE_SIZE}&${at}`, 'cursor', 'entries'),
    events: await allPages(`/v1/events?limit=${EVENTS_PAGE_SIZE}`, 'after', 'events'),
  };
}

beforeAll(async () => {
  port = await freePort();
  server = await startServer({ port, dataDir, jwtSecret });
}, SUITE_TIMEOUT_MS);

afterAll(async () => {
  await killAllChildren();
  rmSync(dataDir, { recursive: true, force: true });
}, SUITE_TIMEOUT_MS);

describe('the real server, over HTTP', () => {
  let potId = '';
  let lastPosition = '0';
  let before: Record<string, unknown> = {};
  const contributionKey = 'e2e-contribution-cc-PO-1';
  let contributionAnswer: Record<string, any> = {};

  it(
    'books a multi-agency scenario, refusing what the rules forbid',
    async () => {
      for (const agency of AGENCIES)
        await created('/v1/agencies', tokens.admin, agency, `e2e-agency-${agency.agencyId}`);

      const pot = await created('/v1/pots', tokens.admin, {
        name: 'Essex Reducing Reoffending',
        area: 'Essex',
        hostAgencyId: 'essex-cc',
        partnerAgencyIds: ['essex-police', 'essex-probation'],
      });
      potId = pot.potId;
      const potPath = `/v1/pots/${potId}`;
      await created(`${potPath}/partners`, tokens.admin, { agencyId: 'essex-fire' });

      contributionAnswer = await created(
        `${potPath}/contributions`,
        tokens.cc,
        {
          agencyId: 'essex-cc',
          amount: '300000.00',
          effectiveDate: '2025-04-07',
          reference: 'ECC PO 4500123871',
        },
        contributionKey,
      );
      await created(`${potPath}/contributions`, tokens.police, {
        agencyId: 'essex-police',
        amount: '200000.00',
        effectiveDate: '2025-04-14',
        reference: 'EPFCC-2025-031',
      });
      const mistaken = await created(`${potPath}/contributions`, tokens.police, {
        agencyId: 'essex-police',
        amount: '20000.00',
        effectiveDate: '2025-04-14',
        reference: 'EPFCC-2025-031 (keyed twice)',
      });
      await created(`${potPath}/contributions`, tokens.fire, {
        agencyId: 'essex-fire',
        amount: '50000.00',
        effectiveDate: '2025-07-01',
        reference: 'ECFRS PO F-25-0193',
      });

      // A retry with the same key answers the original and appends nothing.
      const retry = await post(
        `${potPath}/contributions`,
        tokens.cc,
        {
          agencyId: 'essex-cc',
          amount: '300000.00',
          effectiveDate: '2025-04-07',
          reference: 'ECC PO 4500123871',
        },
        contributionKey,
      );
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(contributionAnswer);

      const reversal = await created(`${potPath}/reversals`, tokens.police, {
        eventId: mistaken.eventId,
        reason: 'Keyed twice: one payment only was received under EPFCC-2025-031.',
        effectiveDate: '2025-04-16',
      });
      expect(reversal).toMatchObject({
        type: 'ContributionReversed',
        reversedEventId: mistaken.eventId,
        amount: '20000.00',
      });
      const again = await post(`${potPath}/reversals`, tokens.police, {
        eventId: mistaken.eventId,
        reason: 'again',
      });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('ALREADY_REVERSED');

      const intervention = await created(`${potPath}/interventions`, tokens.cc, {
        name: 'Employment and training support for ex-offenders',
        leadAgencyId: 'essex-probation',
      });
      const allocation = await created(`${potPath}/allocations`, tokens.cc, {
        interventionId: intervention.interventionId,
        amount: '400000.00',
        effectiveDate: '2025-05-06',
        reason: 'Place board decision PB-2025-05',
      });
      // Stakes 300,000 / 200,000 / 50,000: largest remainder gives the two spare pennies to the
      // council (.818…) and the fire service (.636…), not the police (.545…).
      expect(allocation.fundingShares).toEqual([
        { agencyId: 'essex-cc', amount: '218181.82' },
        { agencyId: 'essex-fire', amount: '36363.64' },
        { agencyId: 'essex-police', amount: '145454.54' },
      ]);

      const headBeforeRefusal = (await get('/health', null)).headPosition;
      const overAllocation = await post(`${potPath}/allocations`, tokens.cc, {
        interventionId: intervention.interventionId,
        amount: '150000.01',
        effectiveDate: '2025-05-07',
        reason: 'One penny more than the pot holds',
      });
      expect(overAllocation.status).toBe(409);
      expect(overAllocation.body).toMatchObject({ code: 'INSUFFICIENT_FUNDS', status: 409 });
      expect((await get('/health', null)).headPosition).toBe(headBeforeRefusal);

      const outcome = await created(
        `${potPath}/interventions/${intervention.interventionId}/outcomes`,
        tokens.cc,
        {
          description:
            '84 fewer arrests × £593 (GMCA Unit Cost Database, 2006/07 prices); 212 fewer A&E attendances × £109 (GMCA Unit Cost Database, 2011/12 prices)',
          effectiveDate: '2026-03-31',
          evidenceRef: 'IOM cohort report Q4 2025-26',
          benefits: [
            { agencyId: 'essex-police', amount: '49812.00', cashable: true },
            { agencyId: 'nhs-mid-essex', amount: '23108.00', cashable: false },
            { agencyId: 'dwp', amount: '7500.00', cashable: true },
          ],
        },
      );
      lastPosition = outcome.position;

      const potView = await get(`${potPath}?minPosition=${lastPosition}`, tokens.reporter);
      expect(potView).toMatchObject({
        contributed: '550000.00',
        allocated: '400000.00',
        available: '150000.00',
        hostAgencyId: 'essex-cc',
      });
      expect(potView.partners.map((p: { agencyId: string }) => p.agencyId).sort()).toEqual([
        'essex-cc',
        'essex-fire',
        'essex-police',
        'essex-probation',
      ]);
      const police = await get(
        `/v1/agencies/essex-police/balances?minPosition=${lastPosition}`,
        tokens.reporter,
      );
      expect(police.total).toMatchObject({
        contributed: '200000.00',
        drawn: '145454.54',
        stake: '54545.46',
        benefitsReceived: '49812.00',
      });
      const flows = await get(
        `/v1/flows?potId=${potId}&minPosition=${lastPosition}`,
        tokens.reporter,
      );
      const received = (id: string) =>
        flows.agencies.find((a: { agencyId: string }) => a.agencyId === id)?.benefitsReceived;
      expect([received('essex-police'), received('nhs-mid-essex'), received('dwp')]).toEqual([
        '49812.00',
        '23108.00',
        '7500.00',
      ]);
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    'reads the same books after the process is stopped and started again on the same data',
    async () => {
      before = await readBooks(potId, lastPosition);
      const audit = before.audit as { position: string; type: string }[];
      const events = before.events as { position: string; eventId: string; type: string }[];
      // 6 agencies, pot, partner, 4 contributions, reversal, intervention, allocation, outcome.
      // Keyed agency registrations need no claim (the agency's stream is named by its id; only
      // a keyed pot opening claims its key). The retry and the two refusals appended nothing.
      expect(events.filter((e) => e.type !== 'IdempotencyKeyClaimed')).toHaveLength(16);
      expect(events.filter((e) => e.type === 'IdempotencyKeyClaimed')).toHaveLength(0);
      expect(audit.map((e) => e.position)).toEqual(events.map((e) => e.position));
      const positions = events.map((e) => BigInt(e.position));
      expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
      expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
      expect(audit.filter((e) => e.type === 'ContributionReversed')).toHaveLength(1);

      expect(await server!.stop()).toBe(0);
      server = await startServer({ port, dataDir, jwtSecret });
      const after = await readBooks(potId, lastPosition);
      expect(after).toEqual(before);

      // The idempotency promise survives the restart: the same key still answers the original.
      const retry = await post(
        `/v1/pots/${potId}/contributions`,
        tokens.cc,
        {
          agencyId: 'essex-cc',
          amount: '300000.00',
          effectiveDate: '2025-04-07',
          reference: 'ECC PO 4500123871',
        },
        contributionKey,
      );
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(contributionAnswer);
      expect((await get('/health', null)).headPosition).toBe(before.headPosition);
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    'runs the demo against the running server, twice, and prints the flows table',
    async () => {
      const env = {
        LEDGER_URL: server!.baseUrl,
        LEDGER_DATA_DIR: dataDir,
        LEDGER_JWT_SECRET: jwtSecret,
      };
      const first = await runScript('src/demo/runDemo.ts', env, DEMO_TIMEOUT_MS);
      expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
      for (const text of [
        'Investor ↓ / beneficiary →',
        'Total received',
        'produced',
        'Essex County Council',
        'Essex Police',
        'Essex Probation',
        'NHS Mid Essex',
        'GMCA Unit Cost Database',
        'Wrong-pocket',
        'Essex Police put in £450,000.00 and received £49,812.00 of benefit;',
      ]) {
        expect(first.stdout).toContain(text);
      }
      // The agencies this suite registered are left alone, not registered twice.
      expect(first.stdout).toContain('already registered');

      // What the demo printed is what the ledger holds.
      const demoPotId = /\(pot ([0-9A-HJKMNP-TV-Z]{26})\)/.exec(first.stdout)?.[1];
      expect(demoPotId).toBeDefined();
      const flows = await get(`/v1/flows?potId=${demoPotId}`, tokens.reporter);
      const demoPot = await get(`/v1/pots/${demoPotId}`, tokens.reporter);
      expect(demoPot).toMatchObject({
        contributed: '2025000.00',
        allocated: '1650000.00',
        available: '375000.00',
      });
      const totalReceivedLine = first.stdout
        .split('\n')
        .find((line) => line.trim().startsWith('Total received'))!;
      const grandTotal = formatPounds(
        sum(flows.rows.map((r: { amount: string }) => money(r.amount))),
      );
      expect(grandTotal).toBe('£488,525.00');
      expect(totalReceivedLine.trim().endsWith(grandTotal)).toBe(true);

      const headBefore = (await get('/health', null)).headPosition;
      const second = await runScript('src/demo/runDemo.ts', env, DEMO_TIMEOUT_MS);
      expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
      expect(second.stdout).toContain('Investor ↓ / beneficiary →');
      // The second run is answered from the first: the same pots, nothing appended, and it says so.
      expect(second.stdout).toMatch(
        /Already loaded by an earlier run: the ledger answered all \d+ writes as replays/,
      );
      expect(second.stdout).toContain(
        'Already loaded by an earlier run: the Better Care Fund year (pot ',
      );
      expect(/\(pot ([0-9A-HJKMNP-TV-Z]{26})\)/.exec(second.stdout)?.[1]).toBe(demoPotId);
      expect((await get('/health', null)).headPosition).toBe(headBefore);
      // The catalogue is loaded through the API once; the second run finds it there.
      expect(first.stdout).toMatch(
        /Unit-cost catalogue \(GET \/v1\/unit-costs\): 12 entries added, 0 already there/,
      );
      expect(second.stdout).toMatch(
        /Unit-cost catalogue \(GET \/v1\/unit-costs\): 0 entries added, 12 already there/,
      );
      const catalogue = await get('/v1/unit-costs', tokens.reporter);
      expect(catalogue.unitCosts).toHaveLength(12);
      const pots = await get('/v1/pots', tokens.reporter);
      // This suite's pot, and the demo's two, however often it runs: the Essex pot and the
      // Better Care Fund pot.
      expect(pots.pots).toHaveLength(3);
      expect(
        pots.pots.filter((p: { name: string }) => p.name === 'Mid Essex Better Care Fund'),
      ).toHaveLength(1);
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    'tells the user to start the server when nothing answers',
    async () => {
      const closedPort = await freePort();
      const result = await runScript(
        'src/demo/runDemo.ts',
        {
          LEDGER_URL: `http://127.0.0.1:${closedPort}`,
          LEDGER_DATA_DIR: dataDir,
          LEDGER_JWT_SECRET: jwtSecret,
        },
        DEMO_TIMEOUT_MS,
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('npm start');
      expect(result.stdout).toBe('');
    },
    SUITE_TIMEOUT_MS,
  );
});
