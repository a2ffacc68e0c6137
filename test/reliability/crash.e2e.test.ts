/**
 * Crash safety, end to end. The real server (`node --import tsx src/app/main.ts`) on a real SQLite
 * file takes a stream of writes from several clients at once and is killed with SIGKILL at a
 * seeded random moment — no shutdown hook runs, whatever was in flight stays in flight — then
 * started again on the same file. Each round proves, from the outside:
 *
 * - every command that got a 201 is in the log (GET /v1/events) exactly once, with the eventId
 *   and position the 201 named; nothing refused is in it; nothing is in it that no client sent;
 * - a command that got no answer is absent or present exactly once, never in part, and a retry
 *   with the same key answers the original or appends it once — never twice;
 * - the books the restarted server serves equal a fresh replay of a copy of its file by an
 *   independent ledger in this process;
 * - the file is in WAL mode, sound (integrity_check), and the store opens it synchronous=FULL;
 * - at the end, `potledger verify` finds every event's hash chain and the Merkle tree whole.
 *
 * RELIABILITY_SEED=<n> repeats a run's choices (the seed is printed).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/tokens.ts';
import { verifyLog } from '../../src/cli/verify.ts';
import { createSqliteEventStore } from '../../src/store/sqlite/sqliteEventStore.ts';
import { recordFigures } from '../support/figures.ts';
import {
  freePort,
  killAllChildren,
  startServer,
  type ServerProcess,
} from '../e2e/serverProcess.ts';
import { fileSettings, freshReplay, readBooks, type Books } from './books.ts';
import {
  amountOf,
  CONTRIBUTION_DATE,
  createCommandBook,
  penceOf,
  specs,
  type CommandSpec,
} from './commandBuilders.ts';
import {
  checkLog,
  sendAttempt,
  verdictOf,
  type CommandRecord,
  type LogCheck,
} from './commandLog.ts';
import {
  headPosition,
  httpGetJson,
  readAllEvents,
  type Answer,
  type Json,
  type RawEvent,
} from './ledgerHttp.ts';
import { historyOverdraftProblems, potInvariantProblems } from './moneyChecks.ts';
import { seededRandom, seedFromEnv, SEED_ENV, type Random } from './seededRandom.ts';

const ROUNDS = 6;
const CLIENTS = 6;
/** The kill comes after this many writes of the round have been sent (seeded in between)… */
const MIN_WRITES_BEFORE_KILL = 15;
const MAX_WRITES_BEFORE_KILL = 240;
/** …plus up to this long, so it lands at any point of a request's life. */
const MAX_KILL_DELAY_MS = 12;
/** A client that is still sending after this many operations means the kill never came. */
const MAX_OPERATIONS_PER_CLIENT_ROUND = 2_000;
const PROCESS_EXIT_TIMEOUT_MS = 10_000;
const EXIT_POLL_INTERVAL_MS = 20;
const PARALLEL_RETRY_COPIES = 3;
const SUITE_TIMEOUT_MS = 180_000;
const INITIAL_STAKE_PENCE = 10_000_000;
const INITIAL_ALLOCATION_PENCE = 1_000_000;

const AGENCIES = [
  { agencyId: 'crash-council', name: 'Crashford County Council', kind: 'council' },
  { agencyId: 'crash-police', name: 'Crashford Police', kind: 'police' },
  { agencyId: 'crash-probation', name: 'Crashford Probation', kind: 'probation' },
  { agencyId: 'crash-health', name: 'NHS Crashford', kind: 'health' },
  { agencyId: 'crash-dwp', name: 'DWP Crashford', kind: 'dwp' },
  { agencyId: 'crash-fire', name: 'Crashford Fire & Rescue', kind: 'fire' },
] as const;
const AGENCY_IDS = AGENCIES.map((a) => a.agencyId);
const POT_PLANS = [
  {
    name: 'Crashford Reducing Reoffending',
    host: 'crash-council',
    partners: ['crash-police', 'crash-probation', 'crash-fire'],
  },
  {
    name: 'Crashford Early Help',
    host: 'crash-police',
    partners: ['crash-council', 'crash-health'],
  },
  {
    name: 'Crashford Falls Prevention',
    host: 'crash-health',
    partners: ['crash-dwp', 'crash-fire', 'crash-council'],
  },
] as const;

interface PotWorld {
  readonly potId: string;
  readonly partners: readonly string[];
  readonly funded: readonly string[];
  /** An intervention nobody ever funds: outcomes on it are refused. */
  readonly unfunded: string;
  /** Acknowledged contributions, allocations and outcomes: candidates for a reversal. */
  readonly reversible: string[];
}

const seed = seedFromEnv();
const random = seededRandom(seed);
const jwtSecret = `crash-${randomBytes(24).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'potledger-crash-'));
const scratchDir = join(dataDir, 'scratch');
const dbPath = join(dataDir, 'ledger.db');
const book = createCommandBook();
const pots: PotWorld[] = [];
let server: ServerProcess | undefined;
let serverBooks: Books | undefined;

const token = (
  sub: string,
  role: 'admin' | 'finance-officer' | 'auditor',
  agency?: string,
): string => signToken(jwtSecret, { sub, role, ...(agency === undefined ? {} : { agency }) });
const auditorToken = token('crash-auditor', 'auditor');
const setupAdmin = token('crash-setup-admin', 'admin');
const auditorGet = () => httpGetJson(server!.baseUrl, auditorToken);

const figures = {
  requests: 0,
  parallelRetryGroups: 0,
  sequentialRetries: 0,
  probes: 0,
  deliberateRefusals: 0,
  acknowledgedBeforeKill: 0,
  refusedFoundAbsent: 0,
  unansweredInFlight: 0,
  unansweredConnectionRefused: 0,
  unansweredFoundWritten: 0,
  unansweredFoundAbsent: 0,
  danglingClaimsFinished: 0,
  retriesReplayed: 0,
  retriesAppended: 0,
  retriesRefused: 0,
  noAnswerErrors: new Map<string, number>(),
  killMoments: [] as string[],
  roundMs: [] as number[],
};

/** Sends every setup write and insists on a 201. */
async function setupWrite(key: string, spec: CommandSpec): Promise<Json> {
  const command = book.add(key, spec);
  const answer = await sendAttempt(server!.baseUrl, command, 'run');
  figures.requests += 1;
  if (answer.kind !== 'answered' || answer.status !== 201)
    throw new Error(`setup ${key}: ${JSON.stringify(answer)}`);
  return answer.body;
}

async function setUpWorld(): Promise<void> {
  for (const agency of AGENCIES)
    await setupWrite(
      `setup-agency-${agency.agencyId}`,
      specs.registerAgency(setupAdmin, agency.agencyId, agency.name, agency.kind),
    );
  for (const [p, plan] of POT_PLANS.entries()) {
    const potId = (
      await setupWrite(
        `setup-pot-${p}`,
        specs.openPot(setupAdmin, plan.name, plan.host, [...plan.partners]),
      )
    ).potId as string;
    const interventions: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const spec = specs.defineIntervention(
        setupAdmin,
        potId,
        `Intervention ${p}.${i}`,
        plan.partners[i % plan.partners.length]!,
      );
      interventions.push(
        (await setupWrite(`setup-intervention-${p}-${i}`, spec)).interventionId as string,
      );
    }
    const partners = [plan.host, ...plan.partners];
    for (const agencyId of partners) {
      const fo = token(`crash-setup-fo-${agencyId}`, 'finance-officer', agencyId);
      await setupWrite(
        `setup-contribution-${p}-${agencyId}`,
        specs.contribution(
          fo,
          potId,
          agencyId,
          amountOf(INITIAL_STAKE_PENCE),
          `SETUP-${p}-${agencyId}`,
        ),
      );
    }
    for (const interventionId of interventions.slice(0, 2)) {
      await setupWrite(
        `setup-allocation-${p}-${interventionId}`,
        specs.allocation(
          setupAdmin,
          potId,
          interventionId,
          amountOf(INITIAL_ALLOCATION_PENCE),
          'Start-up funding',
        ),
      );
    }
    pots.push({
      potId,
      partners,
      funded: interventions.slice(0, 2),
      unfunded: interventions[2]!,
      reversible: [],
    });
  }
}

interface RoundControl {
  readonly baseUrl: string;
  /** Called as each request leaves; the round's kill is armed off this count. */
  onSend(): void;
  /** Called as each answer (or failure) comes back. */
  onAnswer(): void;
}

/**
 * One client's stream of writes for a round: sequential, except the parallel retries. It
 * stops at the first request that gets no answer — the server is gone.
 */
async function runClient(
  round: number,
  client: number,
  rng: Random,
  control: RoundControl,
): Promise<void> {
  const admin = token(`crash-admin-${client}`, 'admin');
  const financeOfficer = (agencyId: string) =>
    token(`crash-fo-${client}-${agencyId}`, 'finance-officer', agencyId);
  const acknowledged: CommandRecord[] = [];

  const fire = async (
    command: CommandRecord,
    phase: 'run' | 'probe' = 'run',
    body?: Json,
  ): Promise<Answer> => {
    control.onSend();
    figures.requests += 1;
    const answer = await sendAttempt(
      control.baseUrl,
      command,
      phase,
      body === undefined ? command.request : { ...command.request, body },
    );
    control.onAnswer();
    if (answer.kind === 'answered' && answer.status === 201 && phase === 'run') {
      if (!acknowledged.includes(command)) acknowledged.push(command);
      const pot = pots.find((p) => command.request.path.startsWith(`/v1/pots/${p.potId}/`));
      if (
        pot !== undefined &&
        ['contribution', 'allocation', 'outcome'].includes(command.kind) &&
        !answer.replayed
      )
        pot.reversible.push(answer.body.eventId as string);
    }
    return answer;
  };
  const heard = (answers: Answer[]): boolean => answers.every((a) => a.kind === 'answered');
  /** Deliberate refusals of this operation: each must come back 4xx (or not at all). */
  const refusals: CommandRecord[] = [];

  for (let n = 0; n < MAX_OPERATIONS_PER_CLIENT_ROUND; n += 1) {
    const key = `crash-r${round}-c${client}-${n}`;
    const pot = rng.pick(pots);
    const partner = rng.pick(pot.partners);
    const roll = rng.int(1, 100);
    let answers: Answer[];
    if (roll <= 28) {
      const spec = specs.contribution(
        financeOfficer(partner),
        pot.potId,
        partner,
        amountOf(rng.int(100, 500_000)),
        `PO-${key}`,
      );
      answers = [await fire(book.add(key, spec))];
    } else if (roll <= 46) {
      const spec = specs.allocation(
        rng.chance(0.5) ? admin : financeOfficer(partner),
        pot.potId,
        rng.pick(pot.funded),
        amountOf(rng.int(1_000, 800_000)),
        `Allocation ${key}`,
      );
      answers = [await fire(book.add(key, spec))];
    } else if (roll <= 52) {
      // Over-asking: far more than any pot holds.
      const spec = specs.allocation(
        admin,
        pot.potId,
        rng.pick(pot.funded),
        amountOf(rng.int(5_000_000_000, 9_000_000_000)),
        `Too much ${key}`,
      );
      const command = book.add(key, spec);
      refusals.push(command);
      figures.deliberateRefusals += 1;
      answers = [await fire(command)];
    } else if (roll <= 62) {
      const benefits = [
        {
          agencyId: rng.pick(AGENCY_IDS),
          amount: amountOf(rng.int(100, 900_000)),
          cashable: rng.chance(0.5),
        },
      ];
      const spec = specs.outcome(
        admin,
        pot.potId,
        rng.pick(pot.funded),
        `Outcome ${key}`,
        benefits,
      );
      answers = [await fire(book.add(key, spec))];
    } else if (roll <= 72 && pot.reversible.length > 0) {
      const spec = specs.reversal(admin, pot.potId, rng.pick(pot.reversible), `Reversal ${key}`);
      answers = [await fire(book.add(key, spec))];
    } else if (roll <= 80) {
      const outsider = AGENCY_IDS.find((id) => !pot.partners.includes(id)) ?? 'crash-dwp';
      const kind = rng.int(1, 4);
      const spec =
        kind === 1
          ? // A finance officer paying in for another agency: FORBIDDEN.
            specs.contribution(
              financeOfficer(partner),
              pot.potId,
              rng.pick(pot.partners.filter((p) => p !== partner)),
              '10.00',
              `Not mine ${key}`,
            )
          : kind === 2
            ? // A finance officer of an agency that is not a partner: FORBIDDEN.
              specs.contribution(
                financeOfficer(outsider),
                pot.potId,
                outsider,
                '10.00',
                `Outsider ${key}`,
              )
            : kind === 3
              ? // Benefits of an intervention nobody funded: UNFUNDED_INTERVENTION.
                specs.outcome(admin, pot.potId, pot.unfunded, `Unfunded ${key}`, [
                  { agencyId: partner, amount: '10.00', cashable: true },
                ])
              : // Three decimal places: VALIDATION_FAILED.
                {
                  ...specs.contribution(
                    financeOfficer(partner),
                    pot.potId,
                    partner,
                    '10.00',
                    `Bad amount ${key}`,
                  ),
                  body: {
                    agencyId: partner,
                    amount: '10.001',
                    effectiveDate: CONTRIBUTION_DATE,
                    reference: `Bad amount ${key}`,
                  },
                };
      const command = book.add(key, spec);
      refusals.push(command);
      figures.deliberateRefusals += 1;
      answers = [await fire(command)];
    } else if (roll <= 87) {
      // The same key and body, several times at once: one append, the rest replays.
      const spec = specs.contribution(
        financeOfficer(partner),
        pot.potId,
        partner,
        amountOf(rng.int(100, 300_000)),
        `Parallel ${key}`,
      );
      const command = book.add(key, spec);
      figures.parallelRetryGroups += 1;
      answers = await Promise.all(
        Array.from({ length: PARALLEL_RETRY_COPIES }, () => fire(command)),
      );
    } else if (roll <= 92 && acknowledged.length > 0) {
      figures.sequentialRetries += 1;
      answers = [await fire(rng.pick(acknowledged))];
    } else if (roll <= 96 && acknowledged.some((c) => c.kind === 'contribution')) {
      // The same key with another body: IDEMPOTENCY_KEY_REUSED, and nothing written.
      const original = rng.pick(acknowledged.filter((c) => c.kind === 'contribution'));
      figures.probes += 1;
      answers = [
        await fire(original, 'probe', {
          ...(original.request.body as Json),
          reference: `${(original.request.body as Json).reference} (changed)`,
        }),
      ];
    } else if (roll <= 98) {
      const spec = specs.registerAgency(
        admin,
        `crash-new-r${round}-c${client}-${n}`,
        `New agency ${key}`,
        'voluntary',
      );
      answers = [await fire(book.add(key, spec))];
    } else {
      const spec = specs.openPot(admin, `Crash pot ${key}`, 'crash-council', ['crash-police']);
      answers = [await fire(book.add(key, spec))];
    }
    for (const command of refusals.splice(0)) {
      const answer = command.attempts[0]!.answer;
      if (answer.kind === 'answered' && answer.status < 400)
        throw new Error(`${command.key}: a deliberate refusal answered ${answer.status}`);
    }
    if (!heard(answers)) return;
  }
  throw new Error(
    `client ${client} sent ${MAX_OPERATIONS_PER_CLIENT_ROUND} operations in round ${round} and the server was never killed`,
  );
}

async function waitForExit(pid: number): Promise<void> {
  const deadline = Date.now() + PROCESS_EXIT_TIMEOUT_MS;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`process ${pid} still there ${PROCESS_EXIT_TIMEOUT_MS} ms after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, EXIT_POLL_INTERVAL_MS));
  }
}

/** Runs the clients until the seeded kill, and waits until the process is gone. */
async function runRoundAndKill(round: number): Promise<void> {
  const rng = random.fork(1_000 + round);
  const killAfterWrites = rng.int(MIN_WRITES_BEFORE_KILL, MAX_WRITES_BEFORE_KILL);
  const killDelayMs = rng.int(0, MAX_KILL_DELAY_MS);
  const victim = server!;
  let sent = 0;
  let inFlight = 0;
  let killedAt = { sent: 0, inFlight: 0 };
  const control: RoundControl = {
    baseUrl: victim.baseUrl,
    onSend() {
      sent += 1;
      inFlight += 1;
      if (sent === killAfterWrites) {
        setTimeout(() => {
          killedAt = { sent, inFlight };
          process.kill(victim.pid, 'SIGKILL');
        }, killDelayMs);
      }
    },
    onAnswer() {
      inFlight -= 1;
    },
  };
  await Promise.all(
    Array.from({ length: CLIENTS }, (_, c) => runClient(round, c, rng.fork(c), control)),
  );
  await waitForExit(victim.pid);
  server = undefined;
  const moment = `round ${round}: write ${killAfterWrites} + ${killDelayMs} ms (${killedAt.sent} sent, ${killedAt.inFlight} in flight)`;
  figures.killMoments.push(moment);
  console.log(`[crash-safety] SIGKILL ${moment}`);
}

/** After a restart: the log against what the clients heard, then the retries, then the books. */
async function verifyAfterRestart(round: number): Promise<LogCheck> {
  const before = await readAllEvents(auditorGet());
  const check = checkLog(book.commands.values(), before);
  expect(check.problems, `round ${round}: the log against the answers`).toEqual([]);

  const unanswered = [...book.commands.values()].filter((c) => verdictOf(c) === 'unanswered');
  const written = new Map<string, RawEvent>();
  for (const event of before)
    if (event.type !== 'IdempotencyKeyClaimed') written.set(event.metadata.commandId, event);
  for (const command of unanswered) {
    const noAnswer = command.attempts.find((a) => a.answer.kind === 'no-answer')!.answer as {
      error: string;
    };
    figures.noAnswerErrors.set(
      noAnswer.error,
      (figures.noAnswerErrors.get(noAnswer.error) ?? 0) + 1,
    );
    if (noAnswer.error === 'ECONNREFUSED') figures.unansweredConnectionRefused += 1;
    else figures.unansweredInFlight += 1;
    const original = written.get(command.key);
    if (original !== undefined) figures.unansweredFoundWritten += 1;
    else figures.unansweredFoundAbsent += 1;
    const hadDanglingClaim =
      original === undefined &&
      before.some(
        (e) => e.type === 'IdempotencyKeyClaimed' && e.metadata.commandId === command.key,
      );

    const answer = await sendAttempt(server!.baseUrl, command, 'retry');
    figures.requests += 1;
    expect(answer.kind, `${command.key}: the retry after the restart got no answer`).toBe(
      'answered',
    );
    if (answer.kind !== 'answered') continue;
    expect(
      answer.status,
      `${command.key}: retry answered ${JSON.stringify(answer.body)}`,
    ).toBeLessThan(500);
    if (original !== undefined) {
      // It was written before the kill: the retry must be the original answer, appending nothing.
      expect(answer.status).toBe(201);
      expect(answer.replayed).toBe(true);
      expect({ eventId: answer.body.eventId, position: answer.body.position }).toEqual({
        eventId: original.eventId,
        position: original.position,
      });
      figures.retriesReplayed += 1;
    } else if (answer.status === 201) {
      expect(answer.replayed).toBe(false);
      figures.retriesAppended += 1;
      if (hadDanglingClaim) figures.danglingClaimsFinished += 1;
    } else {
      figures.retriesRefused += 1;
    }
  }

  const after = await readAllEvents(auditorGet());
  expect(
    after.slice(0, before.length),
    `round ${round}: the retries changed the log they found`,
  ).toEqual(before);
  const settled = checkLog(book.commands.values(), after);
  expect(settled.problems, `round ${round}: the log after the retries`).toEqual([]);
  expect(
    settled.unansweredPresent + settled.unansweredAbsent,
    'every unanswered command was settled by its retry',
  ).toBe(0);
  expect(settled.danglingClaims).toBe(0);

  // The restarted server's books against an independent fresh replay of the same file.
  const head = await headPosition(server!.baseUrl);
  serverBooks = await readBooks(auditorGet(), head);
  const replay = await freshReplay(dbPath, scratchDir, `round-${round}`);
  expect(serverBooks.events.length).toBe(after.length);
  expect(replay.books, `round ${round}: restarted books ≠ a fresh replay`).toEqual(serverBooks);
  expect(potInvariantProblems(serverBooks), `round ${round}: an overdrawn pot`).toEqual([]);
  expect(
    historyOverdraftProblems(after).problems,
    `round ${round}: a stake below zero somewhere in the history`,
  ).toEqual([]);
  expect(replay.pragmas).toMatchObject({ journalMode: 'wal', synchronous: 2 });
  expect(fileSettings(dbPath)).toEqual({ journalMode: 'wal', integrity: 'ok' });
  return settled;
}

const startedAt = Date.now();
let finalCheck: LogCheck | undefined;

beforeAll(async () => {
  mkdirSync(scratchDir, { recursive: true });
  console.log(`[crash-safety] seed ${seed} (repeat with ${SEED_ENV}=${seed}); data in ${dataDir}`);
  server = await startServer({ port: await freePort(), dataDir, jwtSecret });
  await setUpWorld();
}, SUITE_TIMEOUT_MS);

afterAll(async () => {
  await killAllChildren();
  rmSync(dataDir, { recursive: true, force: true });
}, SUITE_TIMEOUT_MS);

describe('crash safety: SIGKILL mid-stream, restart, prove the log and the books', () => {
  it(
    `survives ${ROUNDS} SIGKILLs at random moments with every acknowledged command exactly once`,
    async () => {
      for (let round = 1; round <= ROUNDS; round += 1) {
        const roundStart = Date.now();
        await runRoundAndKill(round);
        figures.acknowledgedBeforeKill = [...book.commands.values()].filter((c) =>
          c.attempts.some(
            (a) => a.phase === 'run' && a.answer.kind === 'answered' && a.answer.status === 201,
          ),
        ).length;
        server = await startServer({ port: await freePort(), dataDir, jwtSecret });
        finalCheck = await verifyAfterRestart(round);
        figures.roundMs.push(Date.now() - roundStart);
      }
      figures.refusedFoundAbsent = finalCheck!.refused;

      // A clean stop, then the settings as the store applies them to the file it serves.
      expect(await server!.stop()).toBe(0);
      server = undefined;
      expect(fileSettings(dbPath)).toEqual({ journalMode: 'wal', integrity: 'ok' });
      const store = createSqliteEventStore(dbPath);
      try {
        expect(store.pragmas()).toMatchObject({ journalMode: 'wal', synchronous: 2 });
      } finally {
        await store.close();
      }
      // Tamper evidence survives the kills: no append was half-chained, none was linked twice.
      const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
      const verified = await verifyLog({
        storeUrl: `sqlite:${dbPath}`,
        out: quiet,
        progress: quiet,
      });
      expect(verified, 'potledger verify after the kills').toMatchObject({
        ok: true,
        events: finalCheck!.events,
      });

      const unanswered = figures.unansweredInFlight + figures.unansweredConnectionRefused;
      expect(unanswered, 'every kill left something unanswered').toBeGreaterThanOrEqual(ROUNDS);
      recordFigures('crash-safety', {
        seed,
        'SIGKILLs survived': ROUNDS,
        'concurrent clients per round': CLIENTS,
        'commands sent': book.commands.size,
        'HTTP write requests sent': figures.requests,
        'commands answered 201 before a kill and found exactly once':
          figures.acknowledgedBeforeKill,
        'refused commands found absent': figures.refusedFoundAbsent,
        'deliberately invalid commands refused': figures.deliberateRefusals,
        'unanswered commands checked': unanswered,
        'unanswered: in flight at the kill': figures.unansweredInFlight,
        'unanswered: connection refused after the kill': figures.unansweredConnectionRefused,
        'unanswered, by client error': [...figures.noAnswerErrors]
          .map(([error, n]) => `${error} ${n}`)
          .join(', '),
        'unanswered and found written exactly once': figures.unansweredFoundWritten,
        'unanswered and found absent': figures.unansweredFoundAbsent,
        'key claims without their event, finished by the retry': figures.danglingClaimsFinished,
        'retries after restart answered with the original': figures.retriesReplayed,
        'retries after restart appended once': figures.retriesAppended,
        'retries after restart refused (nothing written)': figures.retriesRefused,
        'parallel-retry groups (3 requests, one key)': figures.parallelRetryGroups,
        'same-key same-body retries': figures.sequentialRetries,
        'same-key other-body probes refused': figures.probes,
        'idempotent replays answered': finalCheck!.replayedAnswers,
        'keys refused on one copy, then accepted on a later copy': finalCheck!.refusedThenAccepted,
        'events in the final log': finalCheck!.events,
        'books compared with a fresh replay': ROUNDS,
        'events whose hash chain and Merkle tree verified after the kills': verified.events,
        'kill moments': figures.killMoments.join(' | '),
        'seconds per round (kill, restart, verify)': figures.roundMs
          .map((ms) => (ms / 1000).toFixed(1))
          .join(', '),
        'seconds in all': ((Date.now() - startedAt) / 1000).toFixed(1),
      });
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    'would notice: a duplicated, a lost or a refused-yet-written event, a stray event, an overdraft',
    async () => {
      expect(serverBooks, 'the crash rounds ran first').toBeDefined();
      const commands = [...book.commands.values()];
      const acknowledged = commands.filter(
        (c) => verdictOf(c) === 'acknowledged' && c.kind === 'contribution',
      );
      const refused = commands.find((c) => verdictOf(c) === 'refused' && c.kind === 'contribution');
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(refused).toBeDefined();
      const victim = acknowledged[acknowledged.length - 1]!;

      // 1. The same acknowledged contribution appended a second time.
      const duplicated = join(scratchDir, 'duplicated.db');
      rmSync(duplicated, { force: true });
      {
        const db = new Database(dbPath, { readonly: true });
        await db.backup(duplicated);
        db.close();
        const scratch = new Database(duplicated);
        const row = scratch
          .prepare("SELECT * FROM events WHERE json_extract(metadata, '$.commandId') = ?")
          .get(victim.key) as Record<string, unknown>;
        const next = scratch
          .prepare('SELECT MAX(stream_revision) + 1 FROM events WHERE stream_id = ?')
          .pluck()
          .get(row.stream_id);
        scratch
          .prepare(
            'INSERT INTO events (event_id, stream_id, stream_revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run('01JZZZZZZZZZZZZZZZZZZZZZZZ', row.stream_id, next, row.type, row.data, row.metadata);
        scratch.close();
      }
      const replayed = await freshReplay(duplicated, scratchDir, 'duplicated', { copy: false });
      const duplicateCheck = checkLog(commands, replayed.books.events);
      expect(duplicateCheck.problems).toContain(
        `${victim.key} (contribution): answered 201 but found 2 times in the log`,
      );
      expect(replayed.books, 'a duplicated contribution must show in the books').not.toEqual(
        serverBooks,
      );
      expect(replayed.books.potDetails).not.toEqual(serverBooks!.potDetails);

      // 2. The acknowledged event lost; 3. a refused command written.
      const withoutVictim = serverBooks!.events.filter((e) => e.metadata.commandId !== victim.key);
      expect(checkLog(commands, withoutVictim).problems).toContain(
        `${victim.key} (contribution): answered 201 but found 0 times in the log`,
      );
      const last = serverBooks!.events[serverBooks!.events.length - 1]!;
      const forged: RawEvent = {
        ...last,
        position: String(BigInt(last.position) + 1n),
        eventId: '01JZZZZZZZZZZZZZZZZZZZZZZY',
        streamId: 'pot-forged',
        streamRevision: '0',
        type: 'ContributionReceived',
        metadata: { ...last.metadata, commandId: refused!.key },
      };
      expect(
        checkLog(commands, [...serverBooks!.events, forged]).problems.some((p) =>
          p.startsWith(`${refused!.key} (contribution): only ever refused`),
        ),
      ).toBe(true);
      // 4. An event no client sent.
      const stranger: RawEvent = {
        ...forged,
        metadata: { ...last.metadata, commandId: 'nobody-sent-this' },
      };
      expect(
        checkLog(commands, [...serverBooks!.events, stranger]).problems.some((p) =>
          p.includes('nobody-sent-this'),
        ),
      ).toBe(true);

      // 5. An allocation that draws one penny more than a partner's stake; a pot whose stakes do not add up.
      const history = historyOverdraftProblems(serverBooks!.events);
      const [stakeKey, stakePence] = [...history.stakes].find(([, pence]) => pence > 0)!;
      const [potId, agencyId] = stakeKey.split('/') as [string, string];
      const overdraw: RawEvent = {
        ...forged,
        streamId: `pot-${potId}`,
        type: 'FundsAllocated',
        data: {
          potId,
          amount: amountOf(stakePence + 1),
          fundingShares: [{ agencyId, amount: amountOf(stakePence + 1) }],
        },
      };
      expect(historyOverdraftProblems([...serverBooks!.events, overdraw]).problems).toEqual([
        `after FundsAllocated at position ${overdraw.position}, ${agencyId}'s stake in ${potId} is -1 pence`,
      ]);
      const pot = serverBooks!.potDetails[potId]!;
      const doctored = {
        ...serverBooks!,
        potDetails: { [potId]: { ...pot, available: amountOf(penceOf(pot.available) + 1) } },
      };
      expect(potInvariantProblems(doctored).length).toBeGreaterThan(0);
    },
    SUITE_TIMEOUT_MS,
  );
});
