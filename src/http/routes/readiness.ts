/**
 * GET /ready: may a load balancer send this server traffic? Distinct from /health (liveness:
 * the process answers and can reach its store; reports.ts): ready also means the live books are
 * following the log and are within a bound of its head, so a server still catching up with a
 * long backlog, or whose books stopped on an error, is taken out of rotation without being
 * restarted.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Position, ProblemSchema } from '../schemas.ts';
import { sendProblem } from '../plugins/errors.ts';
import { problem } from '../plugins/problem.ts';
import type { AppMetrics } from '../plugins/metrics.ts';
import type { RouteDeps } from './routeDeps.ts';

/** Default for LEDGER_READY_MAX_LAG_EVENTS: how far behind the log head the books may be and still take traffic. */
export const DEFAULT_READY_MAX_LAG_EVENTS = 1_000;
/** The longest /ready waits for the store to answer before saying it is not ready. */
export const READY_STORE_TIMEOUT_MS = 2_000;
/** What a 503 asks a prober to wait, seconds. */
export const READY_RETRY_AFTER_SECONDS = 5;

export type ReadinessDeps = Pick<RouteDeps, 'store' | 'projectionPosition' | 'booksFailure'>;

export const readinessRoutes =
  (
    deps: ReadinessDeps,
    options: { readonly maxLagEvents: number; readonly metrics?: AppMetrics },
  ) =>
  async (app: FastifyInstance): Promise<void> => {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/ready',
      {
        config: { access: 'public' },
        schema: {
          tags: ['operations'],
          summary: 'Readiness: the store answers and the books follow the log within a bound',
          description: `Public, like /health. 200 when the event store answers within ${READY_STORE_TIMEOUT_MS} ms, the live books have not stopped, and they are at most LEDGER_READY_MAX_LAG_EVENTS (default ${DEFAULT_READY_MAX_LAG_EVENTS}) positions behind the head of the log; otherwise 503 NOT_READY with Retry-After. /health stays the liveness check.`,
          response: {
            200: z.object({
              status: z.literal('ready'),
              headPosition: Position,
              projectionPosition: Position,
              lagEvents: z.string().regex(/^\d+$/).describe('headPosition − projectionPosition'),
            }),
            503: ProblemSchema,
          },
        },
      },
      async (request, reply) => {
        const notReady = (reason: string, checks: Record<string, string>) =>
          sendProblem(
            reply.header('retry-after', String(READY_RETRY_AFTER_SECONDS)),
            problem('NOT_READY', reason, { checks }),
          );
        let head: bigint;
        try {
          await withTimeout(deps.store.ping(), READY_STORE_TIMEOUT_MS);
          head = await withTimeout(deps.store.headPosition(), READY_STORE_TIMEOUT_MS);
        } catch (error) {
          options.metrics?.storeFailed('ping');
          // /ready is public: the store's own message (hosts, user names) goes to the log only.
          request.log.error({ err: error }, 'ready: the event store did not answer');
          return notReady('the event store did not answer', { store: 'unreachable' });
        }
        if (deps.booksFailure?.() !== undefined)
          return notReady('the live books stopped on an error; an operator must look', {
            store: 'ok',
            books: 'stopped',
          });
        const position = deps.projectionPosition();
        const lag = head > position ? head - position : 0n;
        if (lag > BigInt(options.maxLagEvents)) {
          return notReady(
            `the books are ${lag} positions behind the log (at most ${options.maxLagEvents} to be ready)`,
            { store: 'ok', books: 'catching-up', lagEvents: lag.toString() },
          );
        }
        return {
          status: 'ready' as const,
          headPosition: head.toString(),
          projectionPosition: position.toString(),
          lagEvents: lag.toString(),
        };
      },
    );
  };

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
