/**
 * One log line per request. Fastify's own request logging writes two ("incoming request" and
 * "request completed") and the first carries the whole URL; an operator reading the log wants
 * one line saying what was asked, by whom, how it ended and how long it took.
 *
 * The line has the method, the path without its query string (a query may hold what a client
 * should not have put there; the path names only ids), the route pattern, the status, the
 * response time in milliseconds and the caller's role (never the token). At `debug` the arrival
 * of each request is logged too, for following a slow one while it runs.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The path a request asked for, without its query string. */
export function pathOf(request: FastifyRequest): string {
  const queryStart = request.url.indexOf('?');
  return queryStart === -1 ? request.url : request.url.slice(0, queryStart);
}

export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    request.log.debug({ method: request.method, path: pathOf(request) }, 'request arrived');
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: pathOf(request),
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime),
        role: request.actor?.role ?? null,
      },
      `${request.method} ${pathOf(request)} ${reply.statusCode}`,
    );
  });
}
