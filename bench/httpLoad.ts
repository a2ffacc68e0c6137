/**
 * HTTP load with autocannon (programmatic API), closed loop: `connections` keep-alive sockets,
 * each sending its next request as soon as the last is answered, for a fixed time. Every
 * request is built afresh by `next()` (its own pot, token, body and reference), so no two are
 * the same command. autocannon runs in this process, on the same machine as the server: its
 * own CPU time is measured and reported with the figures.
 */
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
}

/** Seconds a request may wait: long, so a slow server shows as latency, not as timeouts. */
const REQUEST_TIMEOUT_S = 120;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const cpuBefore = process.cpuUsage();
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
  };
}

/** "12,345 × 201, 3 × 409" over several runs. */
export function describeStatuses(results: readonly LoadResult[]): string {
  const statuses = new Map<string, number>();
  for (const r of results)
    for (const [s, k] of Object.entries(r.statuses)) statuses.set(s, (statuses.get(s) ?? 0) + k);
  return [...statuses].map(([s, k]) => `${k.toLocaleString('en-GB')} × ${s}`).join(', ');
}
