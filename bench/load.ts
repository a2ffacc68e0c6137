/**
 * A closed-loop HTTP load generator on node:http: `connections` keep-alive sockets, each sending
 * its next request as soon as the last is answered, for a fixed time. Counts answers by status
 * and records every latency, for commands/s and p50/p99.
 */
import { Agent, request } from 'node:http';

export interface LoadRequest {
  readonly path: string;
  readonly token: string;
  readonly body: string;
}

export interface LoadOptions {
  readonly baseUrl: string;
  readonly connections: number;
  readonly durationMs: number;
  /** Answered before the clock starts, so the sockets and the JIT are warm. */
  readonly warmupMs: number;
  /** The next request for a connection (which pot, whose token, what body). */
  next(): LoadRequest;
}

export interface LoadResult {
  readonly requests: number;
  readonly ok: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function send(agent: Agent, url: URL, item: LoadRequest): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        agent,
        method: 'POST',
        path: item.path,
        headers: { authorization: `Bearer ${item.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(item.body) },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', () => resolve(0));
      },
    );
    req.once('error', () => resolve(0));
    req.end(item.body);
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let measuring = false;
  const warmupEnd = Date.now() + options.warmupMs;
  let end = warmupEnd + options.durationMs;
  let measuredFrom = 0;
  const worker = async () => {
    for (;;) {
      const now = Date.now();
      if (now >= end) return;
      if (!measuring && now >= warmupEnd) {
        measuring = true;
        measuredFrom = now;
        end = now + options.durationMs;
      }
      const counted = measuring;
      const started = process.hrtime.bigint();
      const status = await send(agent, url, options.next());
      if (!counted) continue;
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const elapsedS = (Date.now() - (measuredFrom || warmupEnd)) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const ok = Object.entries(statuses).reduce((sum, [status, n]) => (status.startsWith('2') ? sum + n : sum), 0);
  return {
    requests: latencies.length,
    ok,
    errors: latencies.length - ok,
    statuses,
    perSecond: Math.round(ok / elapsedS),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? NaN),
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
