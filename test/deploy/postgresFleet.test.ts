/**
 * The deployment docs/operations.md describes, for real: three API processes on one PostgreSQL
 * primary, taking writes and reads at once, and a streaming standby (pg_basebackup -R, started by
 * test/support/pgCluster.ts) that the reporting side reads.
 *
 * - no overdraft: allocations racing on one pot through three processes never take more than
 *   it holds; every acknowledged write is in the log once, the books equal a fresh replay;
 * - one Idempotency-Key sent to all three processes at once is appended once;
 * - one caller's key used on two pots through two processes at once is accepted once (a
 *   store-level guarantee: see docs/architecture.md, "Idempotency");
 * - a read on process B with the minPosition a write on process A returned includes it;
 * - the SQL mirror, which every process writes, ends equal to the books with no conflict;
 * - on the standby, a read-only ledger folds the same books, the SQL mirror has the same rows,
 *   `potledger verify` passes, and an append is refused as a standby's.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLog } from '../../src/cli/verify.ts';
import { createPostgresEventStore } from '../../src/store/postgres/postgresEventStore.ts';
import { killAllChildren } from '../e2e/serverProcess.ts';
import { readBooks } from '../reliability/books.ts';
import { amountOf, penceOf, specs } from '../reliability/commandBuilders.ts';
import { checkLog, sendAttempt, type CommandRecord } from '../reliability/commandLog.ts';
import { readAllEvents, type Answer, type Json } from '../reliability/ledgerHttp.ts';
import { historyOverdraftProblems, potInvariantProblems } from '../reliability/moneyChecks.ts';
import {
  privateClusterUnavailableReason,
  startPrivateCluster,
  type PrivateCluster,
} from '../support/pgCluster.ts';
import { withClient } from '../support/postgres.ts';
import { freshPostgresReplay, setUpPot, startFleet, type Fleet, type PotWorld } from './pgFleet.ts';

const SERVERS = 3;
const CLIENTS = 9;
const OPERATIONS_PER_CLIENT = 12;
const AGENCIES = ['fleet-council', 'fleet-police', 'fleet-health'];
const SETUP_STAKE_PENCE = 100_000;
/** Pairs of requests racing one caller's key onto two pots through two processes. */
const CROSS_POT_RACES = 8;
/** How long the SQL mirror may take to reach the end of the log once writes stop. */
const MIRROR_CATCH_UP_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 100;
/**
 * The only refusals the workload meets: allocations deliberately ask for more than is there, and
 * a conflict the write path gave up on (sent again, same key, until it is decided).
 */
const EXPECTED_REFUSALS = new Set(['409 INSUFFICIENT_FUNDS', '409 CONCURRENCY_CONFLICT']);

/** A cluster, then server processes under tsx, on a 2-core machine busy with other suites. */
const SETUP_TIMEOUT_MS = 150_000;

const skipReason = privateClusterUnavailableReason();
if (skipReason !== undefined) console.warn(`[postgresFleet] SKIPPED: ${skipReason}`);

/** CONCURRENCY_CONFLICT (the write path's own retries ran out) is sent again with the same key. */
const MAX_CLIENT_TRIES = 6;
const CONFLICT_BACKOFF_MS = 20;

const isConflict = (answer: Answer) =>
  answer.kind === 'answered' &&
  answer.status === 409 &&
  answer.body.code === 'CONCURRENCY_CONFLICT';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
const labelOf = (answer: Answer) =>
  answer.kind === 'answered'
    ? `${answer.status}${answer.status === 201 ? '' : ` ${String(answer.body.code ?? '')}`}`
    : `no answer (${answer.error})`;

interface MirrorPot {
  readonly contributed: number;
  readonly allocated: number;
  readonly available: number;
}

async function mirrorPots(url: string): Promise<Map<string, MirrorPot>> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{
      pot_id: string;
      contributed: string;
      allocated: string;
      available: string;
    }>(
      `SELECT pot_id, contributed_pence::text AS contributed, allocated_pence::text AS allocated,
              available_pence::text AS available FROM rm_pots ORDER BY pot_id`,
    );
    return new Map(
      rows.map((row) => [
        row.pot_id,
        {
          contributed: Number(row.contributed),
          allocated: Number(row.allocated),
          available: Number(row.available),
        },
      ]),
    );
  });
}

async function mirrorPosition(url: string): Promise<bigint> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ position: string }>(
      'SELECT min(position)::text AS position FROM rm_checkpoints',
    );
    return BigInt(rows[0]!.position);
  });
}

describe.skipIf(skipReason !== undefined)('three API processes on one PostgreSQL', () => {
  let cluster: PrivateCluster;
  let fleet: Fleet;
  let hot: PotWorld;
  let other: PotWorld;

  beforeAll(async () => {
    cluster = await startPrivateCluster({ standby: true });
    fleet = await startFleet(cluster.primary.url(), SERVERS);
    hot = await setUpPot(fleet, 'hot', AGENCIES, SETUP_STAKE_PENCE);
    other = await setUpPot(fleet, 'other', AGENCIES, SETUP_STAKE_PENCE, { agenciesExist: true });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await fleet?.stop();
    await killAllChildren();
    await cluster?.destroy();
  });

  it('take writes and reads at once: no overdraft, each key once, reads honour minPosition', async () => {
    const answers = new Map<string, number>();
    const readProblems: string[] = [];
    const tally = (answer: Answer) => {
      const label = labelOf(answer);
      answers.set(label, (answers.get(label) ?? 0) + 1);
    };
    const send = async (baseUrl: string, command: CommandRecord): Promise<Answer> => {
      for (let attempt = 1; ; attempt += 1) {
        const answer = await sendAttempt(baseUrl, command, 'run');
        tally(answer);
        if (!isConflict(answer) || attempt === MAX_CLIENT_TRIES) return answer;
        await delay(CONFLICT_BACKOFF_MS * attempt);
      }
    };

    const client = async (c: number): Promise<void> => {
      const agencyId = AGENCIES[c % AGENCIES.length]!;
      const officer = fleet.token(`fleet-fo-${c}`, 'finance-officer', agencyId);
      const admin = fleet.token(`fleet-admin-${c}`, 'admin');
      for (let n = 0; n < OPERATIONS_PER_CLIENT; n += 1) {
        const key = `fleet-c${c}-${n}`;
        const writeTo = (c + n) % SERVERS;
        // Allocations ask, on average, for more than contributions bring in: they must race.
        const spec =
          n % 2 === 0
            ? specs.contribution(officer, hot.potId, agencyId, amountOf(5_000 + c * 100 + n), key)
            : specs.allocation(admin, hot.potId, hot.interventionId, amountOf(40_000), key);
        const command = fleet.book.add(key, spec);
        if (n % 4 === 3) {
          // One key, all three processes at once: one append, the others answered with it.
          await Promise.all(fleet.servers.map((server) => send(server.baseUrl, command)));
          continue;
        }
        const answer = await send(fleet.servers[writeTo]!.baseUrl, command);
        if (answer.kind !== 'answered' || answer.status !== 201) continue;
        // Read your write on another process.
        const position = answer.body.position as string;
        const readFrom = fleet.servers[(writeTo + 1) % SERVERS]!;
        const response = await fetch(
          `${readFrom.baseUrl}/v1/pots/${hot.potId}?minPosition=${position}`,
          { headers: { authorization: `Bearer ${officer}` } },
        );
        const seen = BigInt(response.headers.get('ledger-position') ?? '0');
        if (response.status !== 200 || seen < BigInt(position))
          readProblems.push(
            `${key}: written at ${position} on ${writeTo}, read ${response.status} at ${seen}`,
          );
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    console.log(
      `[postgresFleet] answers: ${[...answers].map(([label, count]) => `${label} ×${count}`).join(', ')}`,
    );

    expect(readProblems).toEqual([]);
    expect([...answers.keys()].filter((l) => l !== '201' && !EXPECTED_REFUSALS.has(l))).toEqual([]);
    expect(answers.get('201')).toBeGreaterThan(0);
    expect(answers.get('409 INSUFFICIENT_FUNDS')).toBeGreaterThan(0);

    const events = await readAllEvents((path) => fleet.get(0, path));
    const check = checkLog(fleet.book.commands.values(), events);
    expect(check.problems).toEqual([]);
    expect(historyOverdraftProblems(events).problems).toEqual([]);

    const head = events[events.length - 1]!.position;
    const replay = await freshPostgresReplay(cluster.primary.url());
    expect(potInvariantProblems(replay)).toEqual([]);
    for (const index of fleet.servers.keys())
      expect(await readBooks((path) => fleet.get(index, path), head)).toEqual(replay);
  });

  it("one caller's key used on two pots through two processes at once is accepted once", async () => {
    const officer = fleet.token('fleet-cross-pot', 'finance-officer', AGENCIES[0]);
    const outcomes: string[][] = [];
    for (let race = 0; race < CROSS_POT_RACES; race += 1) {
      const key = `fleet-cross-${race}`;
      const body = (potId: string) =>
        specs.contribution(officer, potId, AGENCIES[0]!, amountOf(100 + race), key);
      const requests = [body(hot.potId), body(other.potId)].map(async (spec, i) => {
        const response = await fetch(`${fleet.servers[i]!.baseUrl}${spec.path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${officer}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body: JSON.stringify(spec.body),
        });
        const answer = (await response.json()) as Json;
        return response.status === 201 ? '201' : `${response.status} ${String(answer.code)}`;
      });
      outcomes.push((await Promise.all(requests)).sort());
    }
    expect(outcomes).toEqual(
      Array.from({ length: CROSS_POT_RACES }, () => ['201', '409 IDEMPOTENCY_KEY_REUSED']),
    );
  });

  it('the SQL mirror, written by every process, ends equal to the books', async () => {
    const url = cluster.primary.url();
    const head = BigInt((await fleet.get(0, '/health')).headPosition as string);
    const deadline = Date.now() + MIRROR_CATCH_UP_TIMEOUT_MS;
    while ((await mirrorPosition(url)) < head) {
      if (Date.now() > deadline) throw new Error(`the SQL mirror did not reach ${head} in time`);
      await delay(POLL_INTERVAL_MS);
    }
    const mirrored = await mirrorPots(url);
    for (const world of [hot, other]) {
      const pot = await fleet.get(1, `/v1/pots/${world.potId}?minPosition=${head}`);
      expect(mirrored.get(world.potId)).toEqual({
        contributed: penceOf(pot.contributed as string),
        allocated: penceOf(pot.allocated as string),
        available: penceOf(pot.available as string),
      });
    }
    for (const server of fleet.servers)
      expect(server.output()).not.toMatch(/READ_MODEL_CHECKPOINT_CONFLICT|CheckpointConflict/);
  });

  it('the reporting side reads the same books from the streaming standby, which refuses writes', async () => {
    const standbyUrl = cluster.standby!.url();
    await cluster.standbyCaughtUp();
    const primaryHead = BigInt((await fleet.get(0, '/health')).headPosition as string);

    // A read-only ledger on the standby folds the same books as the primary's servers serve.
    const fromStandby = await freshPostgresReplay(standbyUrl);
    expect(await readBooks((path) => fleet.get(2, path), primaryHead.toString())).toEqual(
      fromStandby,
    );
    // The SQL mirror came across with the WAL: a reporting job on the standby sees the same rows.
    expect(await mirrorPots(standbyUrl)).toEqual(await mirrorPots(cluster.primary.url()));

    const verified = await verifyLog({ storeUrl: standbyUrl, out: quiet, progress: quiet });
    expect(verified).toMatchObject({ ok: true, events: Number(primaryHead) });

    const store = await createPostgresEventStore(standbyUrl);
    try {
      expect(await store.headPosition()).toBe(primaryHead);
      const [event] = await store.readAll(0n, 1);
      const copy = {
        eventId: 'never-written',
        type: event!.type,
        data: event!.data,
        metadata: event!.metadata,
      };
      await expect(store.append(`pot-${hot.potId}`, [copy], 'any')).rejects.toThrow(
        /read-only standby; writes go to the primary/,
      );
    } finally {
      await store.close();
    }
  });
});
