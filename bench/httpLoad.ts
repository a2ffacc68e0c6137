/**
 * HTTP load with autocannon (programmatic API), closed loop: `connections` keep-alive sockets,
 * each sending its next request as soon as the last is answered, for a fixed time. Every
 * request is built afresh by `next()` (its own pot, token, body and reference), so no two are
 * the same command. autocannon runs in this process, on the same machine as the server: its
 * own CPU time is measured and reported with the figures.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadRequest {
  readonly path: string;
  readonly token: string;
  readonly body: string;
}

export interface LoadOptions {
  readonly baseUrl: string;
  readonly connections: number;
  readonly durationS: number;
  /** The next request for a connection (which pot, whose token, what body). */
  next(): LoadRequest;
  /** The server's process: its CPU time over the run is measured too (Linux /proc). */
  readonly serverPid?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly ok: number;
  /** Answers by status code, plus 'errors' and 'timeouts' for requests with no answer. */
  readonly statuses: Record<string, number>;
  /** 2xx answers per second of the run. */
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU time this process (autocannon) used, as % of one core over the run. */
  readonly generatorCpuPercent: number;
  /**
   * The server's CPU time (user + system) per 2xx answer, ms; NaN without a serverPid, /proc or
   * any answer.
   * Less at the mercy of other load on the machine than the rate: what one command costs.
   */
  readonly serverCpuMsPerCommand: number;
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ): 100 on every Linux we run. */
const PROC_TICKS_PER_S = 100;

/** User + system CPU time of a process so far, ms; NaN when it cannot be read. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / PROC_TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** Seconds a request may wait: long, so a slow server shows as latency, not as timeouts. */
const REQUEST_TIMEOUT_S = 120;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const cpuBefore = process.cpuUsage();
  const serverCpuBefore = processCpuMs(options.serverPid);
  const started = performance.now();
  const result = await autocannon({
    url: options.baseUrl,
    connections: options.connections,
    duration: options.durationS,
    timeout: REQUEST_TIMEOUT_S,
    requests: [
      {
        setupRequest: (request) => {
          const item = options.next();
          return {
            ...request,
            method: 'POST',
            path: item.path,
            headers: {
              ...request.headers,
              authorization: `Bearer ${item.token}`,
              'content-type': 'application/json',
            },
            body: item.body,
          };
        },
      },
    ],
  });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const serverCpuMs = processCpuMs(options.serverPid) - serverCpuBefore;
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats))
    statuses[status] = count;
  if (result.errors > 0) statuses.errors = result.errors;
  if (result.timeouts > 0) statuses.timeouts = result.timeouts;
  const requests = Object.values(result.statusCodeStats).reduce((sum, { count }) => sum + count, 0);
  return {
    requests,
    ok: result['2xx'],
    statuses,
    perSecond: Math.round(result['2xx'] / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    generatorCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
    serverCpuMsPerCommand:
      result['2xx'] === 0 ? Number.NaN : Math.round((serverCpuMs / result['2xx']) * 100) / 100,
  };
}

/** "12,345 × 201, 3 × 409" over several runs. */
export function describeStatuses(results: readonly LoadResult[]): string {
  const statuses = new Map<string, number>();
  for (const r of results)
    for (const [s, k] of Object.entries(r.statuses)) statuses.set(s, (statuses.get(s) ?? 0) + k);
  return [...statuses].map(([s, k]) => `${k.toLocaleString('en-GB')} × ${s}`).join(', ');
}
