/**
 * POST /dev/token — a development convenience for the dashboard's sign-in page: mints a token
 * with the server's own secret for whoever asks, so a developer can try each role without the
 * CLI.
 *
 * RISK: anyone who can call it can become admin. It is therefore registered only when
 * NODE_ENV is not `production` (devTokensEnabled) AND answers only clients on the loopback
 * interface; a server reachable from a network must run with NODE_ENV=production (behind a
 * reverse proxy on the same host every client arrives from loopback).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidTokenError, ROLES, signToken } from '../auth/tokens.ts';
import { httpProblem } from './errors.ts';
import { errorResponses } from './schemas.ts';

/** Development tokens only need to outlast a working session. */
export const DEV_TOKEN_LIFETIME = '8h';
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function devTokensEnabled(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV !== 'production';
}

const DevTokenBody = z.strictObject({
  sub: z.string(),
  role: z.enum(ROLES),
  agency: z.string().optional(),
});

export const devTokenRoutes = (jwtSecret: string): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/dev/token',
      {
        config: { access: 'public' },
        schema: { hide: true, body: DevTokenBody, response: { 201: z.object({ token: z.string() }), ...errorResponses } },
      },
      async (request, reply) => {
        // The socket's own address, not request.ip: no forwarded header can make a caller local.
        const address = request.socket.remoteAddress ?? '';
        if (!LOOPBACK_ADDRESSES.has(address)) {
          throw httpProblem('FORBIDDEN', 'development tokens are handed out only to clients on this machine (loopback)');
        }
        try {
          const token = signToken(jwtSecret, request.body, DEV_TOKEN_LIFETIME);
          return reply.status(201).send({ token });
        } catch (error) {
          if (error instanceof InvalidTokenError) throw httpProblem('VALIDATION_FAILED', error.message);
          throw error;
        }
      },
    );
  };
