/**
 * Prometheus metrics at /metrics (prom-client), for operators: request rate and latency by
 * route, commands by outcome, group-commit batch sizes, projection lag, snapshot age and
 * event-store errors. One registry per app, never prom-client's global one: the tests build
 * many apps in one process, and two ledgers must not count into each other's series.
 *
 * /metrics is read by the oversight roles (auditor, admin) like the audit routes: the figures
 * say how busy each route is, which is not for every signed-in caller.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { z } from 'zod';
import type { RouteDeps } from '../routes/routeDeps.ts';
import { problemCodeOf } from './errors.ts';
import { ProblemSchema } from '../schemas.ts';

/** Request latency buckets, seconds: a cached read is a millisecond, a historical answer up to the 15 s budget. */
const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
/** Group sizes: 1 when writes come one at a time, up to MAX_GROUP_COMMIT_EVENTS under load. */
const GROUP_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000];
const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** A request that matched no route is counted under this label, never under its (unbounded) URL. */
const UNMATCHED_ROUTE = 'unmatched';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricsDeps = Pick<RouteDeps, 'store' | 'projectionPosition'> &
  Partial<Pick<RouteDeps, 'writeStats' | 'observeGroupCommits' | 'lastSnapshot' | 'booksFailure'>>;

export interface AppMetrics {
  readonly registry: Registry;
  /** Counts a store operation that failed (readiness and the metrics' own reads call this). */
  storeFailed(operation: string): void;
  /** Counts a request refused by the load shedder (underPressure.ts). */
  shed(kind: string): void;
}

export interface MetricsOptions {
  /** Node's process metrics too (CPU, memory, event-loop lag): main.ts turns them on, tests leave them off. */
  readonly processMetrics?: boolean;
}

export function installMetrics(
  app: FastifyInstance,
  deps: MetricsDeps,
  options: MetricsOptions = {},
): AppMetrics {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  const requestLabels = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'potledger_http_requests_total',
    help: 'HTTP requests answered, by method, route (as declared) and status',
    labelNames: requestLabels,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'potledger_http_request_duration_seconds',
    help: 'Time from receiving a request to answering it, by method, route and status',
    labelNames: requestLabels,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const commands = new Counter({
    name: 'potledger_commands_total',
    help: 'Writes by outcome: written, replayed (a retried Idempotency-Key) or the refusal code',
    labelNames: ['route', 'outcome'] as const,
    registers: [registry],
  });
  const groupRequests = new Histogram({
    name: 'potledger_group_commit_batch_requests',
    help: 'Commands carried by one group commit (one store transaction)',
    buckets: GROUP_SIZE_BUCKETS,
    registers: [registry],
  });
  const groupEvents = new Histogram({
    name: 'potledger_group_commit_batch_events',
    help: 'Events carried by one group commit',
    buckets: GROUP_SIZE_BUCKETS,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'potledger_event_store_errors_total',
    help: 'Event store operations that failed, by operation (append, ping, head)',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const shedRequests = new Counter({
    name: 'potledger_http_shed_total',
    help: 'Requests refused 503 OVERLOADED by the load shedder, by what was over its limit',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  storeErrors.inc({ operation: 'append' }, 0);

  new Gauge({
    name: 'potledger_projection_lag_events',
    help: 'Log positions the live books are behind the head of the log (0: caught up)',
    registers: [registry],
    async collect() {
      try {
        const head = await deps.store.headPosition();
        const lag = head - deps.projectionPosition();
        this.set(Number(lag > 0n ? lag : 0n));
      } catch {
        storeErrors.inc({ operation: 'head' });
      }
    },
  });
  new Gauge({
    name: 'potledger_projection_position',
    help: 'The log position the live books have folded',
    registers: [registry],
    collect() {
      this.set(Number(deps.projectionPosition()));
    },
  });
  new Gauge({
    name: 'potledger_projection_failed',
    help: '1 when the live books stopped on an error (an operator must look), else 0',
    registers: [registry],
    collect() {
      this.set(deps.booksFailure?.() === undefined ? 0 : 1);
    },
  });
  new Gauge({
    name: 'potledger_books_snapshot_age_seconds',
    help: 'Seconds since the newest books snapshot this process loaded or took was written; absent when there is none',
    // A label, so that no snapshot means no sample (an unlabelled gauge always has one).
    labelNames: ['store'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const last = deps.lastSnapshot?.();
      if (last !== undefined)
        this.set({ store: 'books' }, Math.max(0, (Date.now() - last.takenAtMs) / 1000));
    },
  });
  new Gauge({
    name: 'potledger_books_snapshot_position',
    help: 'The log position of the newest books snapshot this process loaded or took; absent when there is none',
    // A label, so that no snapshot means no sample (an unlabelled gauge always has one).
    labelNames: ['store'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const last = deps.lastSnapshot?.();
      if (last !== undefined) this.set({ store: 'books' }, Number(last.position));
    },
  });
  if (deps.writeStats !== undefined) {
    const writeStats = deps.writeStats;
    new Counter({
      name: 'potledger_append_conflicts_retried_total',
      help: 'Appends retried because another writer changed the stream first',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(Number(writeStats().appendConflictsRetried));
      },
    });
    new Counter({
      name: 'potledger_append_conflicts_given_up_total',
      help: 'Commands answered CONCURRENCY_CONFLICT after the retries ran out',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(Number(writeStats().appendConflictsGivenUp));
      },
    });
  }

  const stopObserving = deps.observeGroupCommits?.({
    committed: ({ requests: size, events }) => {
      groupRequests.observe(size);
      groupEvents.observe(events);
    },
    storeFailed: () => storeErrors.inc({ operation: 'append' }),
  });
  app.addHook('onClose', async () => stopObserving?.());

  app.addHook('onResponse', async (request, reply) => {
    const route = routeLabel(request);
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
    if (WRITE_METHODS.has(request.method) && route !== UNMATCHED_ROUTE)
      commands.inc({ route, outcome: commandOutcome(reply) });
  });

  return {
    registry,
    storeFailed: (operation) => storeErrors.inc({ operation }),
    shed: (kind) => shedRequests.inc({ kind }),
  };
}

/** GET /metrics: registered after the OpenAPI plugin, so the document lists it. */
export const metricsRoutes =
  (metrics: AppMetrics) =>
  async (app: FastifyInstance): Promise<void> => {
    app.get(
      '/metrics',
      {
        config: { access: ['auditor', 'admin'] },
        schema: {
          tags: ['operations'],
          summary: 'Prometheus metrics (text exposition format)',
          description:
            'Request rate and latency by route, commands by outcome, group-commit batch sizes, projection lag, snapshot age and event-store errors. Auditor or admin token.',
          response: {
            200: {
              description: 'The metrics in the Prometheus text format 0.0.4',
              content: { 'text/plain': { schema: z.string() } },
            },
            401: ProblemSchema,
            403: ProblemSchema,
          },
        },
      },
      async (_request, reply) => {
        const text = await metrics.registry.metrics();
        return reply
          .type(METRICS_CONTENT_TYPE)
          .serializer((payload) => payload as string)
          .send(text);
      },
    );
  };

function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/** written, replayed, or the refusal's stable code (errors.ts marks it on the reply). */
function commandOutcome(reply: FastifyReply): string {
  if (reply.statusCode === 201 || reply.statusCode === 200)
    return reply.getHeader('idempotent-replayed') === 'true' ? 'replayed' : 'written';
  return problemCodeOf(reply) ?? `HTTP_${reply.statusCode}`;
}
