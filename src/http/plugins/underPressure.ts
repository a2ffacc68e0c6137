/**
 * Load shedding (@fastify/under-pressure): while the event loop is saturated, a request is
 * answered at once with 503 OVERLOADED and Retry-After instead of queueing behind work it would
 * only make later. /health and /metrics are never shed (openapiDocument.ts NEVER_SHED_PATHS):
 * an operator must be able to see why the server is busy, and a liveness probe must not kill a
 * server that is merely busy.
 */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { httpProblem } from './errors.ts';
import { NEVER_SHED_PATHS } from './openapiDocument.ts';

export interface PressureLimits {
  /** Mean event-loop delay over one sample above which requests are shed, ms; 0 for no limit. */
  readonly maxEventLoopDelayMs: number;
  /** Event-loop utilisation over one sample (0 to 1) above which requests are shed; 0 for no limit. */
  readonly maxEventLoopUtilization: number;
  /** How often the loop is measured, ms (at least 10). */
  readonly sampleIntervalMs: number;
  /** What a shed request is told to wait, seconds. */
  readonly retryAfterSeconds: number;
}

/**
 * By default only the event-loop delay is limited: a mean delay over a second means every
 * request already waits that long before it is even read. Utilisation near 1 only says the
 * server is busy, which a healthy server under full load is (a benchmark, a bulk import);
 * shedding on it would refuse work the server would have answered in time, so it is off unless
 * an operator sets it. A books snapshot may hold the loop for a second now and then; the delay
 * limit is a mean over the sample, so one such pause alone seldom crosses it.
 */
export const DEFAULT_PRESSURE_LIMITS: PressureLimits = {
  maxEventLoopDelayMs: 1_000,
  maxEventLoopUtilization: 0,
  sampleIntervalMs: 1_000,
  retryAfterSeconds: 5,
};

export async function installLoadShedding(
  app: FastifyInstance,
  limits: PressureLimits,
  onShed: (kind: string) => void = () => undefined,
): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxEventLoopUtilization: limits.maxEventLoopUtilization,
    // Each sample measures the interval since the last one, not the process's whole life.
    eventLoopUtilizationMode: 'interval',
    sampleInterval: limits.sampleIntervalMs,
    retryAfter: limits.retryAfterSeconds,
    pressureHandler: (request, _reply, type, value) => {
      if (NEVER_SHED_PATHS.has(request.routeOptions.url ?? '')) return undefined;
      onShed(type);
      // A rejected promise goes to the error handler: problem+json like every other refusal.
      return Promise.reject(
        httpProblem(
          'OVERLOADED',
          `the server is shedding load (${type} ${formatValue(value)} is over its limit); try again in ${limits.retryAfterSeconds} s`,
          {},
          { 'retry-after': String(limits.retryAfterSeconds) },
        ),
      );
    },
  });
}

function formatValue(value: number | undefined): string {
  return value === undefined ? '' : String(Math.round(value * 100) / 100);
}
