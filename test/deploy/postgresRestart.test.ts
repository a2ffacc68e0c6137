/**
 * Surviving the database: two server processes take writes on a private PostgreSQL cluster
 * (test/support/pgCluster.ts, so stopping it disturbs no other test file), and the cluster is
 * stopped (`pg_ctl stop -m fast`) and started again under them. While it is down, writes answer
 * 503 STORE_UNAVAILABLE with Retry-After and /health says why; afterwards every server reconnects
 * by itself (no restart), every write answered 201 is in the log exactly once, none answered
 * "nothing was recorded" is, the books equal a fresh replay, and `potledger verify` passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLog } from '../../src/cli/verify.ts';
import { Writable } from 'node:stream';
import { killAllChildren } from '../e2e/serverProcess.ts';
import { readBooks } from '../reliability/books.ts';
import { amountOf, specs } from '../reliability/commandBuilders.ts';
import { sendAttempt, type CommandRecord } from '../reliability/commandLog.ts';
import { readAllEvents, type Answer } from '../reliability/ledgerHttp.ts';
import { potInvariantProblems } from '../reliability/moneyChecks.ts';
import {
  privateClusterUnavailableReason,
  startPrivateCluster,
  type PrivateCluster,
} from '../support/pgCluster.ts';
import { freshPostgresReplay, setUpPot, startFleet, type Fleet, type PotWorld } from './pgFleet.ts';

const SERVERS = 2;
const WRITERS = 4;
const AGENCIES = ['restart-council', 'restart-police'];
const SETUP_STAKE_PENCE = 10_000_000;
/** Writes before the stop, so some are in flight when it comes. */
const WRITES_BEFORE_STOP_MS = 800;
const WRITES_AFTER_START_MS = 800;
/** How long every server may take to find the database again. */
const RECONNECT_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 100;

/** A cluster, then server processes under tsx, on a 2-core machine busy with other suites. */
const SETUP_TIMEOUT_MS = 150_000;

const skipReason = privateClusterUnavailableReason();
if (skipReason !== undefined) console.warn(`[postgresRestart] SKIPPED: ${skipReason}`);

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });

const statusOf = (answer: Answer) => (answer.kind === 'answered' ? answer.status : null);

describe.skipIf(skipReason !== undefined)('servers on PostgreSQL survive its restart', () => {
  let cluster: PrivateCluster;
  let fleet: Fleet;
  let world: PotWorld;

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    fleet = await startFleet(cluster.primary.url(), SERVERS);
    world = await setUpPot(fleet, 'restart', AGENCIES, SETUP_STAKE_PENCE);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await fleet?.stop();
    await killAllChildren();
    await cluster?.destroy();
  });

  it('503 with Retry-After while down, reconnects by itself, nothing lost or doubled', async () => {
    let writing = true;
    let sequence = 0;
    const sent: CommandRecord[] = [];
    const writer = async (w: number): Promise<void> => {
      const agencyId = AGENCIES[w % AGENCIES.length]!;
      const officer = fleet.token(`restart-writer-${w}`, 'finance-officer', agencyId);
      const admin = fleet.token(`restart-admin-${w}`, 'admin');
      while (writing) {
        sequence += 1;
        const key = `restart-w${w}-${sequence}`;
        const spec =
          sequence % 3 === 0
            ? specs.allocation(admin, world.potId, world.interventionId, amountOf(500), `A ${key}`)
            : specs.contribution(officer, world.potId, agencyId, amountOf(1_000 + w), `C ${key}`);
        const command = fleet.book.add(key, spec);
        sent.push(command);
        const answer = await sendAttempt(
          fleet.servers[sequence % SERVERS]!.baseUrl,
          command,
          'run',
        );
        // While the database is down, the client waits as Retry-After asks (shortened here).
        if (statusOf(answer) === 503) await delay(POLL_INTERVAL_MS);
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));

    await delay(WRITES_BEFORE_STOP_MS);
    await cluster.primary.stop();

    // Down: a write answers 503 STORE_UNAVAILABLE with Retry-After, saying nothing was recorded.
    const officer = fleet.token('restart-probe', 'finance-officer', AGENCIES[0]);
    for (const [index, server] of fleet.servers.entries()) {
      const probe = fleet.book.add(
        `restart-probe-${index}`,
        specs.contribution(officer, world.potId, AGENCIES[0]!, amountOf(777), `probe ${index}`),
      );
      const response = await fetch(`${server.baseUrl}${probe.request.path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${officer}`,
          'content-type': 'application/json',
          'idempotency-key': probe.key,
        },
        body: JSON.stringify(probe.request.body),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await response.json()).toMatchObject({ code: 'STORE_UNAVAILABLE', recorded: 'no' });
      probe.attempts.push({
        phase: 'run',
        answer: { kind: 'answered', status: 503, body: { recorded: 'no' }, replayed: false },
        sentAt: 0,
        answeredAt: 0,
      });
      sent.push(probe);

      // Reads from the live books go on answering, as of the last event folded.
      const pot = await fetch(`${server.baseUrl}/v1/pots/${world.potId}`, {
        headers: { authorization: `Bearer ${officer}` },
      });
      expect(pot.status).toBe(200);
      // The books as they stood are folded from the log (in a worker thread): that waits too.
      const historical = await fetch(`${server.baseUrl}/v1/pots/${world.potId}?atPosition=3`, {
        headers: { authorization: `Bearer ${officer}` },
      });
      expect(historical.status).toBe(503);
      expect(await historical.json()).toMatchObject({ code: 'STORE_UNAVAILABLE' });

      const health = await fetch(`${server.baseUrl}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({
        status: 'unavailable',
        store: 'unreachable',
        detail: expect.stringMatching(/did not answer: (connection refused|the database server)/),
      });
    }

    await cluster.primary.start();
    const startedAt = Date.now();
    // Every server finds the database again by itself.
    const deadline = Date.now() + RECONNECT_TIMEOUT_MS;
    for (const server of fleet.servers) {
      for (;;) {
        const health = await fetch(`${server.baseUrl}/health`).catch(() => undefined);
        if (health?.status === 200) break;
        if (Date.now() > deadline) throw new Error(`${server.baseUrl} did not reconnect in time`);
        await delay(POLL_INTERVAL_MS);
      }
    }
    const reconnectMs = Date.now() - startedAt;
    await delay(WRITES_AFTER_START_MS);
    writing = false;
    await Promise.all(writers);

    // A write whose COMMIT went unanswered may or may not have landed: the same key settles it.
    let retried = 0;
    for (const command of sent) {
      const last = command.attempts[command.attempts.length - 1]!.answer;
      const unknown =
        last.kind === 'no-answer' || (statusOf(last) === 503 && last.body.recorded !== 'no');
      if (unknown) {
        retried += 1;
        await sendAttempt(fleet.servers[0]!.baseUrl, command, 'retry');
      }
    }

    // The log: each 201 exactly once, each "nothing was recorded" absent, nothing else.
    const events = await readAllEvents((path) => fleet.get(0, path));
    const found = new Map<string, number>();
    for (const event of events)
      found.set(event.metadata.commandId, (found.get(event.metadata.commandId) ?? 0) + 1);
    const problems: string[] = [];
    let acknowledged = 0;
    let notRecorded = 0;
    for (const command of sent) {
      const statuses = command.attempts.map((a) => statusOf(a.answer));
      const count = found.get(command.key) ?? 0;
      if (statuses.includes(201)) {
        acknowledged += 1;
        if (count !== 1) problems.push(`${command.key}: answered 201, in the log ${count} times`);
      } else if (command.attempts.every((a) => statusOf(a.answer) === 503)) {
        notRecorded += 1;
        if (count !== 0) problems.push(`${command.key}: answered 503, in the log ${count} times`);
      } else if (
        !command.attempts.every((a) => statusOf(a.answer) === 409 || statusOf(a.answer) === 503)
      ) {
        problems.push(`${command.key}: unexpected answers ${JSON.stringify(statuses)}`);
      } else if (count !== 0) {
        problems.push(`${command.key}: refused, in the log ${count} times`);
      }
    }
    console.log(
      `[postgresRestart] ${sent.length} writes: ${acknowledged} acknowledged, ${notRecorded} answered 503 (nothing recorded), ${retried} sent again after an unknown outcome; every server healthy ${reconnectMs} ms after the database was up`,
    );
    expect(problems).toEqual([]);
    expect(acknowledged).toBeGreaterThan(0);
    expect(notRecorded).toBeGreaterThanOrEqual(SERVERS);

    // Each server's books, once they have read the whole log, equal a fresh replay.
    const head = events[events.length - 1]!.position;
    const replay = await freshPostgresReplay(cluster.primary.url());
    for (const index of fleet.servers.keys()) {
      const served = await readBooks((path) => fleet.get(index, path), head);
      expect(potInvariantProblems(served)).toEqual([]);
      expect(served).toEqual(replay);
    }

    const verified = await verifyLog({
      storeUrl: cluster.primary.url(),
      out: quiet,
      progress: quiet,
    });
    expect(verified).toMatchObject({ ok: true, events: events.length });
  });
});
