/**
 * "Resident memory at 1,000,000 events ≤ 512 MiB; growth 1M → 2M ≤ 1.25×" (issue 18).
 *
 * | row | how |
 * |---|---|
 * | resident memory (`memory`) | a server (`startServer`, as the startup row) over a copy of the mixed data set: once with no books snapshot (full replay; it writes one at SIGTERM), then N runs from that snapshot. Each time, after `/health` is 200, a warm-up (WARMUP_S of contributions from WARMUP_CONNECTIONS connections over up to WARMUP_POTS pots, then a GET of each pot and the pot list), SETTLE_MS idle, then VmRSS and VmHWM from /proc/<pid>/status and V8's heap in use from GET /metrics (`nodejs_heap_size_used_bytes`, auditor token). Beside it `bench/memoryChild.ts` folds the same log as the server does and gives each part's retained heap (dropped one by one under --expose-gc) and its size in the snapshot codec: each books projection, the Merkle log, and the (caller, key) → stream index the server no longer holds |
 *
 * Growth 1M → 2M is measured as the ratio of this row at two sizes (`--events`); the row itself
 * states only its own size's figures.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PotOpened } from '../events/index.ts';
import { signToken } from '../src/auth/tokens.ts';
import { createSqliteEventStore } from '../src/store/sqlite/sqliteEventStore.ts';
import { freePort, startServer, type ServerProcess } from '../test/e2e/serverProcess.ts';
import { runChild, scriptArgs } from './child.ts';
import { contributionMaker, financeOfficerTokens, type LoadPot } from './contributionLoad.ts';
import type { DataSet } from './dataSet.ts';
import { runLoad } from './httpLoad.ts';
import { pick, seededRandom } from './random.ts';
import { metric, type Row } from './report.ts';
import { CHILD_TIMEOUT_MS, repeat, SERVER_ENV, smallerLog } from './rows.ts';

/** Pots the warm-up writes to and reads. */
const WARMUP_POTS = 8;
const WARMUP_CONNECTIONS = 8;
const WARMUP_S = 2;
const POT_SCAN_PAGE_EVENTS = 1_000;
const READ_ATTEMPTS = 20;
const READ_RETRY_DELAY_MS = 500;
/** Idle time between the warm-up and the reading, so answers in flight are done. */
const SETTLE_MS = 1_000;
/** The bound on resident memory at 1,000,000 events. */
const MAX_RSS_MIB = 512;
const MIB = 1024 * 1024;

export interface MemoryOptions {
  /** The server's data directory, holding a working copy of the data set as ledger.db. */
  readonly dataDir: string;
  readonly dataSet: DataSet;
  readonly seed: number;
  readonly runs: number;
}

interface MemoryReading {
  readonly rssMiB: number;
  readonly peakRssMiB: number;
  readonly heapUsedMiB: number;
}

/** The first pots opened in the log, with their partners (PotOpened's data). */
async function potsOf(dbPath: string): Promise<LoadPot[]> {
  const store = createSqliteEventStore(dbPath, { readOnly: true });
  const pots: LoadPot[] = [];
  try {
    for (let after = 0n; pots.length < WARMUP_POTS;) {
      const page = await store.readAll(after, POT_SCAN_PAGE_EVENTS);
      if (page.length === 0) break;
      for (const event of page)
        if (event.type === 'PotOpened' && pots.length < WARMUP_POTS)
          pots.push({
            potId: (event.data as PotOpened).potId,
            partnerAgencyIds: (event.data as PotOpened).partnerAgencyIds,
          });
      after = page[page.length - 1]!.position;
    }
  } finally {
    await store.close();
  }
  return pots;
}

function procStatusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

async function heapUsedMiB(server: ServerProcess, auditorToken: string): Promise<number> {
  const response = await fetch(`${server.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${auditorToken}` },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}: ${text}`);
  const match = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)$/m.exec(text);
  if (match === null) throw new Error('GET /metrics has no nodejs_heap_size_used_bytes');
  return Number(match[1]) / MIB;
}

/** A GET, again after each 503 (the server sheds load on a busy machine), up to READ_ATTEMPTS times. */
async function readShedding(url: string, token: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    if (response.ok) return;
    if (response.status !== 503 || attempt === READ_ATTEMPTS)
      throw new Error(`GET ${url} answered ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, READ_RETRY_DELAY_MS));
  }
}

export async function memoryRow(options: MemoryOptions): Promise<Row> {
  const dbPath = join(options.dataDir, 'ledger.db');
  const pots = await potsOf(dbPath);
  if (pots.length === 0) throw new Error('the data set has no pots to warm up on');
  const jwtSecret = randomBytes(32).toString('hex');
  const tokens = financeOfficerTokens(
    jwtSecret,
    pots.flatMap((pot) => pot.partnerAgencyIds),
  );
  const auditorToken = signToken(jwtSecret, { sub: 'bench-auditor', role: 'auditor' });
  const random = seededRandom(options.seed + 3);
  const contribution = contributionMaker(tokens, random, 'MEMORY');

  const measureOnce = async (): Promise<MemoryReading> => {
    const server = await startServer({
      port: await freePort(),
      dataDir: options.dataDir,
      jwtSecret,
      env: SERVER_ENV,
      startTimeoutMs: CHILD_TIMEOUT_MS,
      stopTimeoutMs: CHILD_TIMEOUT_MS,
    });
    try {
      await runLoad({
        baseUrl: server.baseUrl,
        connections: WARMUP_CONNECTIONS,
        durationS: WARMUP_S,
        next: () => contribution(pick(random, pots))(),
      });
      for (const path of ['/v1/pots', ...pots.map((pot) => `/v1/pots/${pot.potId}`)])
        await readShedding(`${server.baseUrl}${path}`, auditorToken);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      return {
        rssMiB: procStatusMiB(server.pid, 'VmRSS'),
        peakRssMiB: procStatusMiB(server.pid, 'VmHWM'),
        heapUsedMiB: await heapUsedMiB(server, auditorToken),
      };
    } finally {
      await server.stop();
    }
  };

  rmSync(join(options.dataDir, 'snapshots'), { recursive: true, force: true });
  const [cold] = await repeat(1, 'memory, no snapshot (full replay)', measureOnce);
  const warm = await repeat(options.runs, 'memory, from the books snapshot', measureOnce);

  const child = await runChild(
    ['--expose-gc', ...scriptArgs('bench/memoryChild.ts')],
    { LEDGER_STORE: `sqlite:${dbPath}` },
    CHILD_TIMEOUT_MS,
  );
  if (child.code !== 0) throw new Error(`memoryChild failed (${child.code}):\n${child.stderr}`);
  const parts = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
    heapUsedBytes: number;
    retainedBytes: Record<string, number>;
    encodedBytes: Record<string, number>;
  };
  const byPart = Object.entries(parts.retainedBytes)
    .sort(([, a], [, b]) => b - a)
    .map(
      ([name, bytes]) =>
        `${name} ${(bytes / MIB).toFixed(1)} MiB (codec ${((parts.encodedBytes[name] ?? NaN) / MIB).toFixed(1)} MiB)`,
    );
  return {
    id: 'memory',
    ...smallerLog(options.dataSet.events),
    figure: `resident memory with ${options.dataSet.events.toLocaleString('en-GB')} events`,
    metrics: [
      metric(
        'RSS from snapshot',
        'MiB',
        warm.map((r) => r.rssMiB),
        { max: MAX_RSS_MIB },
      ),
      metric(
        'heap used from snapshot',
        'MiB',
        warm.map((r) => r.heapUsedMiB),
      ),
      metric(
        'peak RSS from snapshot',
        'MiB',
        warm.map((r) => r.peakRssMiB),
      ),
      metric('RSS after full replay', 'MiB', [cold!.rssMiB]),
      metric('heap used after full replay', 'MiB', [cold!.heapUsedMiB]),
      metric('fold child heap used (books, Merkle log, index, code)', 'MiB', [
        parts.heapUsedBytes / MIB,
      ]),
    ],
    note:
      `bench/memoryRow.ts: a server (startServer, under tsx) over a copy of the mixed data set, warmed up (${WARMUP_S} s of contributions, ${WARMUP_CONNECTIONS} connections, ${WARMUP_POTS} pots, GETs), ${SETTLE_MS} ms idle, then VmRSS/VmHWM (/proc) and nodejs_heap_size_used_bytes (/metrics). ` +
      `Retained heap + ArrayBuffers by part (bench/memoryChild.ts, --expose-gc): ${byPart.join('; ')}.`,
  };
}
