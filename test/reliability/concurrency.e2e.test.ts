/**
 * Concurrency, end to end: the real server on a real SQLite file, driven over HTTP by many
 * clients at once — 64 on one hot pot, more spread over 10 other pots — each firing a mix of
 * contributions, allocations that deliberately ask for more than the pot holds, reversals,
 * and the same Idempotency-Key sent several times in parallel. Then:
 *
 * - no 5xx, and nothing but the refusals the rules call for (INSUFFICIENT_FUNDS,
 *   ALREADY_REVERSED; CONCURRENCY_CONFLICT is retried by the client with the same key);
 * - no overdraft: every pot's stakes ≥ 0 and sum to available, allocated ≤ contributed, and
 *   no stake below zero at any point of the history;
 * - no lost update: each pot's and each agency's books equal the sum of the accepted commands;
 * - exactly one event per idempotency key, the parallel copies answered with the original;
 * - the served books equal a fresh replay of a copy of the file;
 * - `potledger verify` finds every event's hash chain whole (no link to a stale predecessor).
 *
 * A second run puts two server processes on one file, so the in-process queue per stream no
 * longer serialises the writers and the optimistic concurrency check (expected revision) has
 * to do the work: same promises.
 *
 * RELIABILITY_SEED=<n> repeats a run's choices (the seed is printed).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/tokens.ts';
import { verifyLog } from '../../src/cli/verify.ts';
import { recordFigures } from '../support/figures.ts';
import {
  freePort,
  killAllChildren,
  startServer,
  type ServerProcess,
} from '../e2e/serverProcess.ts';
import { freshReplay, readBooks, type Books } from './books.ts';
import {
  amountOf,
  createCommandBook,
  penceOf,
  specs,
  type CommandSpec,
} from './commandBuilders.ts';
import { checkLog, sendAttempt, verdictOf, type CommandRecord } from './commandLog.ts';
import { headPosition, httpGetJson, type Answer, type Json } from './ledgerHttp.ts';
import { historyOverdraftProblems, potInvariantProblems } from './moneyChecks.ts';
import { seededRandom, seedFromEnv, SEED_ENV, type Random } from './seededRandom.ts';

const HOT_POT_CLIENTS = 64;
const SPREAD_POTS = 10;
const CLIENTS_PER_SPREAD_POT = 6;
const OPERATIONS_PER_CLIENT = 24;
const PARALLEL_COPIES = 4;
/** A client gives up on CONCURRENCY_CONFLICT after this many tries of one command. */
const MAX_CLIENT_TRIES = 6;
const CONFLICT_BACKOFF_MS = 20;
const SETUP_STAKE_PENCE = 500_000;
const SUITE_TIMEOUT_MS = 240_000;
/** The only answers the workload may meet besides 201; anything else is a failure. */
const EXPECTED_REFUSALS = new Set([
  '409 INSUFFICIENT_FUNDS',
  '409 ALREADY_REVERSED',
  '409 CONCURRENCY_CONFLICT',
]);

const AGENCY_IDS = [
  'conc-council',
  'conc-police',
  'conc-probation',
  'conc-health',
  'conc-dwp',
  'conc-fire',
  'conc-housing',
  'conc-education',
];
const AGENCY_KINDS = [
  'council',
  'police',
  'probation',
  'health',
  'dwp',
  'fire',
  'housing',
  'education',
];

interface PotPlan {
  readonly label: string;
  readonly host: string;
  readonly partners: readonly string[];
  readonly clients: number;
}

interface PotWorld extends PotPlan {
  readonly potId: string;
  readonly members: readonly string[];
  readonly interventionId: string;
}

interface LoadRun {
  readonly name: string;
  readonly dataDir: string;
  readonly dbPath: string;
  readonly scratchDir: string;
  readonly jwtSecret: string;
  readonly book: ReturnType<typeof createCommandBook>;
  readonly pots: PotWorld[];
  readonly servers: ServerProcess[];
  readonly tally: {
    requests: number;
    conflictsRetried: number;
    parallelGroups: number;
    sequentialRetries: number;
    answers: Map<string, number>;
  };
}

const seed = seedFromEnv();
const random = seededRandom(seed);
const startedAt = Date.now();
const dataDirs: string[] = [];
console.log(`[concurrency] seed ${seed} (repeat with ${SEED_ENV}=${seed})`);

function planPots(hotClients: number, spreadPots: number, clientsPerSpreadPot: number): PotPlan[] {
  return [
    { label: 'hot', host: AGENCY_IDS[0]!, partners: AGENCY_IDS.slice(1), clients: hotClients },
    ...Array.from({ length: spreadPots }, (_, p) => ({
      label: `spread-${p}`,
      host: AGENCY_IDS[p % AGENCY_IDS.length]!,
      partners: [
        AGENCY_IDS[(p + 1) % AGENCY_IDS.length]!,
        AGENCY_IDS[(p + 3) % AGENCY_IDS.length]!,
      ],
      clients: clientsPerSpreadPot,
    })),
  ];
}

async function startRun(name: string, serverCount: number): Promise<LoadRun> {
  const dataDir = mkdtempSync(join(tmpdir(), `potledger-${name}-`));
  dataDirs.push(dataDir);
  const scratchDir = join(dataDir, 'scratch');
  mkdirSync(scratchDir, { recursive: true });
  const jwtSecret = `${name}-${randomBytes(24).toString('hex')}`;
  const servers: ServerProcess[] = [];
  // One after the other: the first creates and migrates the file, the next opens it.
  for (let i = 0; i < serverCount; i += 1)
    servers.push(await startServer({ port: await freePort(), dataDir, jwtSecret }));
  return {
    name,
    dataDir,
    dbPath: join(dataDir, 'ledger.db'),
    scratchDir,
    jwtSecret,
    book: createCommandBook(),
    pots: [],
    servers,
    tally: {
      requests: 0,
      conflictsRetried: 0,
      parallelGroups: 0,
      sequentialRetries: 0,
      answers: new Map(),
    },
  };
}

const tokenFor = (
  run: LoadRun,
  sub: string,
  role: 'admin' | 'finance-officer' | 'auditor',
  agency?: string,
): string => signToken(run.jwtSecret, { sub, role, ...(agency === undefined ? {} : { agency }) });

async function setUpWorld(run: LoadRun, plans: readonly PotPlan[]): Promise<void> {
  const admin = tokenFor(run, `${run.name}-setup-admin`, 'admin');
  const write = async (key: string, spec: CommandSpec): Promise<Json> => {
    const answer = await sendAttempt(
      run.servers[0]!.baseUrl,
      run.book.add(`${run.name}-${key}`, spec),
      'run',
    );
    if (answer.kind !== 'answered' || answer.status !== 201)
      throw new Error(`setup ${key}: ${JSON.stringify(answer)}`);
    return answer.body;
  };
  for (const [i, agencyId] of AGENCY_IDS.entries())
    await write(
      `setup-agency-${agencyId}`,
      specs.registerAgency(admin, agencyId, `Agency ${agencyId}`, AGENCY_KINDS[i]!),
    );
  for (const plan of plans) {
    const potId = (
      await write(
        `setup-pot-${plan.label}`,
        specs.openPot(admin, `Pot ${plan.label}`, plan.host, [...plan.partners]),
      )
    ).potId as string;
    const interventionId = (
      await write(
        `setup-intervention-${plan.label}`,
        specs.defineIntervention(admin, potId, `Intervention ${plan.label}`, plan.host),
      )
    ).interventionId as string;
    const members = [plan.host, ...plan.partners];
    for (const agencyId of members) {
      const fo = tokenFor(run, `${run.name}-setup-fo-${agencyId}`, 'finance-officer', agencyId);
      await write(
        `setup-contribution-${plan.label}-${agencyId}`,
        specs.contribution(fo, potId, agencyId, amountOf(SETUP_STAKE_PENCE), `SETUP-${plan.label}`),
      );
    }
    run.pots.push({ ...plan, potId, members, interventionId });
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One request of a command; CONCURRENCY_CONFLICT is retried with the same key, as its problem says. */
async function send(run: LoadRun, baseUrl: string, command: CommandRecord): Promise<Answer> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await sendAttempt(baseUrl, command, 'run');
    run.tally.requests += 1;
    const label =
      answer.kind === 'answered'
        ? `${answer.status}${answer.status === 201 ? '' : ` ${answer.body.code ?? ''}`}`
        : `no answer (${answer.error})`;
    run.tally.answers.set(label, (run.tally.answers.get(label) ?? 0) + 1);
    const conflict =
      answer.kind === 'answered' &&
      answer.status === 409 &&
      answer.body.code === 'CONCURRENCY_CONFLICT';
    if (!conflict || attempt === MAX_CLIENT_TRIES) return answer;
    run.tally.conflictsRetried += 1;
    await delay(CONFLICT_BACKOFF_MS * attempt);
  }
}

async function runClient(
  run: LoadRun,
  pot: PotWorld,
  client: number,
  operations: number,
  rng: Random,
): Promise<void> {
  const agencyId = pot.members[client % pot.members.length]!;
  const financeOfficer = tokenFor(
    run,
    `${run.name}-fo-${pot.label}-${client}`,
    'finance-officer',
    agencyId,
  );
  const admin = tokenFor(run, `${run.name}-admin-${pot.label}-${client}`, 'admin');
  // With several servers on one file, each client talks to one, and parallel copies go to all.
  const serverUrl = (offset: number) =>
    run.servers[(client + offset) % run.servers.length]!.baseUrl;
  const acknowledged: CommandRecord[] = [];
  const remember = (command: CommandRecord, answers: Answer[]): void => {
    if (answers.some((a) => a.kind === 'answered' && a.status === 201)) acknowledged.push(command);
  };
  const contribution = (key: string) =>
    specs.contribution(
      financeOfficer,
      pot.potId,
      agencyId,
      amountOf(rng.int(1_000, 200_000)),
      `PO-${key}`,
    );
  // Deliberately over-asking: on average three times what a contribution brings in.
  const allocation = (key: string) =>
    specs.allocation(
      rng.chance(0.5) ? admin : financeOfficer,
      pot.potId,
      pot.interventionId,
      amountOf(rng.int(5_000, 600_000)),
      `Allocation ${key}`,
    );

  for (let n = 0; n < operations; n += 1) {
    const key = `${run.name}-${pot.label}-c${client}-${n}`;
    const roll = rng.int(1, 100);
    const reversible = acknowledged.filter(
      (c) => c.kind === 'contribution' || c.kind === 'allocation',
    );
    if (roll <= 40) {
      const command = run.book.add(key, contribution(key));
      remember(command, [await send(run, serverUrl(0), command)]);
    } else if (roll <= 72) {
      const command = run.book.add(key, allocation(key));
      remember(command, [await send(run, serverUrl(0), command)]);
    } else if (roll <= 85) {
      // One key, several requests at once: one append, the others answered with it.
      const command = run.book.add(key, roll <= 80 ? contribution(key) : allocation(key));
      run.tally.parallelGroups += 1;
      remember(
        command,
        await Promise.all(
          Array.from({ length: PARALLEL_COPIES }, (_, copy) => send(run, serverUrl(copy), command)),
        ),
      );
    } else if (roll <= 93 && reversible.length > 0) {
      const target = rng.pick(reversible);
      const answer = target.attempts.find(
        (a) => a.answer.kind === 'answered' && a.answer.status === 201,
      )!.answer as { body: Json };
      const command = run.book.add(
        key,
        specs.reversal(admin, pot.potId, answer.body.eventId as string, `Reversal ${key}`),
      );
      remember(command, [await send(run, serverUrl(0), command)]);
    } else if (acknowledged.length > 0) {
      run.tally.sequentialRetries += 1;
      await send(run, serverUrl(1), rng.pick(acknowledged));
    } else {
      const command = run.book.add(key, contribution(key));
      remember(command, [await send(run, serverUrl(0), command)]);
    }
  }
}

interface ExpectedPot {
  contributed: number;
  allocated: number;
  partners: Map<string, { contributed: number; drawn: number }>;
}

/** The books as the accepted commands say they must be: the sum of every 201, less what was reversed. */
function expectedBooks(run: LoadRun): Map<string, ExpectedPot> {
  const created = (command: CommandRecord): Json | undefined =>
    (
      command.attempts.find((a) => a.answer.kind === 'answered' && a.answer.status === 201)
        ?.answer as { body: Json } | undefined
    )?.body;
  const byEventId = new Map<string, { command: CommandRecord; body: Json }>();
  for (const command of run.book.commands.values()) {
    const body = created(command);
    if (body !== undefined) byEventId.set(body.eventId as string, { command, body });
  }
  const reversed = new Set<string>();
  for (const { command, body } of byEventId.values())
    if (command.kind === 'reversal') reversed.add(body.reversedEventId as string);

  const expected = new Map<string, ExpectedPot>();
  for (const pot of run.pots)
    expected.set(pot.potId, {
      contributed: 0,
      allocated: 0,
      partners: new Map(pot.members.map((a) => [a, { contributed: 0, drawn: 0 }])),
    });
  for (const [eventId, { command, body }] of byEventId) {
    if (reversed.has(eventId)) continue;
    const potId = /^\/v1\/pots\/([^/]+)\//.exec(command.request.path)?.[1];
    const pot = potId === undefined ? undefined : expected.get(potId);
    if (pot === undefined) continue;
    const request = command.request.body as Json;
    if (command.kind === 'contribution') {
      pot.contributed += penceOf(request.amount as string);
      pot.partners.get(request.agencyId as string)!.contributed += penceOf(
        request.amount as string,
      );
    } else if (command.kind === 'allocation') {
      pot.allocated += penceOf(request.amount as string);
      for (const share of body.fundingShares as { agencyId: string; amount: string }[])
        pot.partners.get(share.agencyId)!.drawn += penceOf(share.amount);
    }
  }
  return expected;
}

/** Runs every client to the end, then proves the promises; answers the figures. */
async function loadAndVerify(
  run: LoadRun,
  operationsPerClient: number,
): Promise<Record<string, number | string>> {
  const setupCommands = run.book.commands.size;
  const runStart = Date.now();
  await Promise.all(
    run.pots.flatMap((pot, p) =>
      Array.from({ length: pot.clients }, (_, c) =>
        runClient(
          run,
          pot,
          c,
          operationsPerClient,
          random.fork(run.servers.length * 100_000 + p * 1_000 + c),
        ),
      ),
    ),
  );
  const runMs = Date.now() - runStart;

  // No 5xx, no answer lost, and no refusal the rules do not call for.
  const unexpected = [...run.tally.answers].filter(
    ([label]) => label !== '201' && !EXPECTED_REFUSALS.has(label),
  );
  expect(unexpected, 'answers other than 201 and the expected refusals').toEqual([]);

  // Every server has the same books, and they are a fresh replay's books.
  const head = await headPosition(run.servers[0]!.baseUrl);
  const booksPerServer: Books[] = [];
  for (const server of run.servers)
    booksPerServer.push(
      await readBooks(
        httpGetJson(server.baseUrl, tokenFor(run, `${run.name}-auditor`, 'auditor')),
        head,
      ),
    );
  const books = booksPerServer[0]!;
  for (const other of booksPerServer.slice(1))
    expect(other, 'two servers on one file serve different books').toEqual(books);
  const replay = await freshReplay(run.dbPath, run.scratchDir, run.name);
  expect(replay.books, 'the served books ≠ a fresh replay').toEqual(books);

  // Under contention (and with two processes, conflicts re-decided): every event still links to
  // the stream's real predecessor, because the hash is made after the stream is (re)loaded.
  const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
  const verified = await verifyLog({
    storeUrl: `sqlite:${run.dbPath}`,
    out: quiet,
    progress: quiet,
  });
  expect(verified, 'potledger verify after the load').toMatchObject({
    ok: true,
    events: books.events.length,
  });

  // Exactly one event per key, each 201 naming it; of parallel copies, one appended.
  const check = checkLog(run.book.commands.values(), books.events);
  expect(check.problems).toEqual([]);
  expect(check.serverErrors).toBe(0);
  const eventsPerKey = new Map<string, number>();
  for (const event of books.events) {
    if (event.type !== 'IdempotencyKeyClaimed')
      eventsPerKey.set(
        event.metadata.commandId,
        (eventsPerKey.get(event.metadata.commandId) ?? 0) + 1,
      );
  }
  const duplicatedKeys = [...eventsPerKey].filter(([, count]) => count > 1).length;
  expect(duplicatedKeys).toBe(0);

  // No overdraft, now or at any point of the history.
  const overdrawn = potInvariantProblems(books);
  expect(overdrawn).toEqual([]);
  const history = historyOverdraftProblems(books.events);
  expect(history.problems).toEqual([]);

  // No lost update: the books are the sum of the accepted commands.
  const expected = expectedBooks(run);
  const agencyTotals = new Map<string, { contributed: number; drawn: number }>();
  for (const pot of run.pots) {
    const served = books.potDetails[pot.potId]!;
    const want = expected.get(pot.potId)!;
    expect(
      {
        contributed: penceOf(served.contributed),
        allocated: penceOf(served.allocated),
        available: penceOf(served.available),
      },
      pot.label,
    ).toEqual({
      contributed: want.contributed,
      allocated: want.allocated,
      available: want.contributed - want.allocated,
    });
    expect(penceOf(served.interventions[0].funded), `${pot.label}: intervention funded`).toBe(
      want.allocated,
    );
    const servedPartners = Object.fromEntries(
      (served.partners as { agencyId: string; contributed: string; drawn: string }[]).map((p) => [
        p.agencyId,
        { contributed: penceOf(p.contributed), drawn: penceOf(p.drawn) },
      ]),
    );
    expect(servedPartners, `${pot.label}: partners`).toEqual(Object.fromEntries(want.partners));
    for (const [agencyId, figures] of want.partners) {
      const total = agencyTotals.get(agencyId) ?? { contributed: 0, drawn: 0 };
      agencyTotals.set(agencyId, {
        contributed: total.contributed + figures.contributed,
        drawn: total.drawn + figures.drawn,
      });
    }
  }
  for (const [agencyId, total] of agencyTotals) {
    const served = books.balances[agencyId]!.total as {
      contributed: string;
      drawn: string;
      stake: string;
    };
    expect(
      {
        contributed: penceOf(served.contributed),
        drawn: penceOf(served.drawn),
        stake: penceOf(served.stake),
      },
      agencyId,
    ).toEqual({
      ...total,
      stake: total.contributed - total.drawn,
    });
  }

  const commands = [...run.book.commands.values()].slice(setupCommands);
  const accepted = commands.filter((c) => verdictOf(c) === 'acknowledged').length;
  const answered = (label: string) => run.tally.answers.get(label) ?? 0;
  expect(accepted).toBeGreaterThan(0);
  expect(answered('409 INSUFFICIENT_FUNDS'), 'the allocations did over-ask').toBeGreaterThan(0);
  expect(check.replayedAnswers).toBeGreaterThan(0);
  // What only the servers see: appends that lost the race for a stream and were re-decided.
  let serverRetries = 0n;
  let serverGaveUp = 0n;
  for (const server of run.servers) {
    const health = (await (await fetch(`${server.baseUrl}/health`)).json()) as {
      appendConflictsRetried: string;
      appendConflictsGivenUp: string;
    };
    serverRetries += BigInt(health.appendConflictsRetried);
    serverGaveUp += BigInt(health.appendConflictsGivenUp);
  }
  expect(serverGaveUp, 'every CONCURRENCY_CONFLICT a client saw was counted by a server').toBe(
    BigInt(answered('409 CONCURRENCY_CONFLICT')),
  );
  return {
    seed,
    'server processes on one file': run.servers.length,
    'concurrent clients': run.pots.reduce((n, p) => n + p.clients, 0),
    'clients on one pot': run.pots[0]!.clients,
    pots: run.pots.length,
    commands: commands.length,
    'HTTP write requests': run.tally.requests,
    'commands accepted (201)': accepted,
    'refusals INSUFFICIENT_FUNDS (over-asking allocations, reversals of drawn money)':
      answered('409 INSUFFICIENT_FUNDS'),
    'refusals ALREADY_REVERSED': answered('409 ALREADY_REVERSED'),
    'conflicts retried inside the servers (stream changed first; re-decided)':
      Number(serverRetries),
    'conflicts retried by clients (409 CONCURRENCY_CONFLICT)': run.tally.conflictsRetried,
    'parallel-retry groups (4 requests, one key)': run.tally.parallelGroups,
    'same-key retries, one after another': run.tally.sequentialRetries,
    'idempotent replays answered': check.replayedAnswers,
    'keys refused on one copy, then accepted on a later copy (refusals are not remembered)':
      check.refusedThenAccepted,
    'keys with more than one event': duplicatedKeys,
    'events whose hash chain and Merkle tree verified': verified.events,
    '5xx answers': check.serverErrors,
    'overdrafts (books and every step of the history)': overdrawn.length + history.problems.length,
    'allocations checked along the history': history.allocationsChecked,
    'writes per second': Math.round((run.tally.requests / runMs) * 1000),
    'seconds under load': (runMs / 1000).toFixed(1),
  };
}

afterAll(async () => {
  await killAllChildren();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}, SUITE_TIMEOUT_MS);

describe('concurrency: many clients on one pot and on many pots, over HTTP', () => {
  let oneServer: Record<string, number | string> = {};

  it(
    `${HOT_POT_CLIENTS} clients on one pot and ${SPREAD_POTS * CLIENTS_PER_SPREAD_POT} over ${SPREAD_POTS} pots: no overdraft, no lost update, no duplicate, no 5xx`,
    async () => {
      const run = await startRun('conc', 1);
      await setUpWorld(run, planPots(HOT_POT_CLIENTS, SPREAD_POTS, CLIENTS_PER_SPREAD_POT));
      oneServer = await loadAndVerify(run, OPERATIONS_PER_CLIENT);
      recordFigures('concurrency', {
        ...oneServer,
        'seconds in all': ((Date.now() - startedAt) / 1000).toFixed(1),
      });
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    'two server processes on one SQLite file: the same promises, kept by the expected-revision check',
    async () => {
      const run = await startRun('conc2', 2);
      await setUpWorld(run, planPots(32, 4, 4));
      const figures = await loadAndVerify(run, 16);
      const pick = [
        'concurrent clients',
        'commands',
        'commands accepted (201)',
        'conflicts retried inside the servers (stream changed first; re-decided)',
        'conflicts retried by clients (409 CONCURRENCY_CONFLICT)',
        'idempotent replays answered',
        'keys with more than one event',
        'events whose hash chain and Merkle tree verified',
        '5xx answers',
        'overdrafts (books and every step of the history)',
      ];
      // One suite, one figures file: the two-process run's lines follow the single server's.
      recordFigures('concurrency', {
        ...oneServer,
        ...Object.fromEntries(
          pick.map((name) => [`two server processes on one file: ${name}`, figures[name]!]),
        ),
        'seconds in all': ((Date.now() - startedAt) / 1000).toFixed(1),
      });
    },
    SUITE_TIMEOUT_MS,
  );
});
