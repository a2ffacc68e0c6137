/**
 * POST /dev/token — a development convenience for the dashboard's sign-in page: mints a token
 * with the server's own secret for whoever asks, so a developer can try each role without the
 * CLI.
 *
 * RISK: anyone who can call it can become admin. It is therefore registered only when
 * NODE_ENV is not `production` (devTokensEnabled) AND answers only clients on the loopback
 * interface, for a Host (and, when sent, an Origin) naming this machine, so a DNS-rebinding
 * page cannot ask for one; a server reachable from a network must run with NODE_ENV=production (behind a
 * reverse proxy on the same host every client arrives from loopback).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidTokenError, ROLES, signToken } from '../../auth/tokens.ts';
import { httpProblem } from './errors.ts';
import { errorResponses } from '../schemas.ts';

/** Development tokens only need to outlast a working session. */
export const DEV_TOKEN_LIFETIME = '8h';
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
/** Host names a browser on this machine uses for the server (any port). */
const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A DNS-rebinding page (attacker.example resolving to 127.0.0.1) reaches the loopback socket
 * from the victim's browser, but its Host header, and its Origin, still name attacker.example.
 */
function isLocalHost(hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return false;
  const hostname = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.split(':')[0]!;
  return LOCAL_HOSTNAMES.has(hostname.toLowerCase());
}

function isLocalOrigin(origin: string): boolean {
  try {
    return LOCAL_HOSTNAMES.has(new URL(origin).hostname.toLowerCase());
  } catch {
    return false;
  }
}

export function devTokensEnabled(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV !== 'production';
}

const DevTokenBody = z.strictObject({
  sub: z.string(),
  role: z.enum(ROLES),
  agency: z.string().optional(),
});

export const devTokenRoutes =
  (jwtSecret: string): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/dev/token',
      {
        config: { access: 'public' },
        schema: {
          hide: true,
          body: DevTokenBody,
          response: { 201: z.object({ token: z.string() }), ...errorResponses },
        },
      },
      async (request, reply) => {
        // The socket's own address, not request.ip: no forwarded header can make a caller local.
        const address = request.socket.remoteAddress ?? '';
        if (!LOOPBACK_ADDRESSES.has(address)) {
          throw httpProblem(
            'FORBIDDEN',
            'development tokens are handed out only to clients on this machine (loopback)',
          );
        }
        if (!isLocalHost(request.headers.host)) {
          throw httpProblem(
            'FORBIDDEN',
            'development tokens are handed out only for Host localhost, 127.0.0.1 or [::1]',
          );
        }
        const origin = request.headers.origin;
        if (origin !== undefined && !isLocalOrigin(origin)) {
          throw httpProblem(
            'FORBIDDEN',
            'development tokens are handed out only to pages from localhost, 127.0.0.1 or [::1]',
          );
        }
        try {
          const token = signToken(jwtSecret, request.body, DEV_TOKEN_LIFETIME);
          return reply.status(201).send({ token });
        } catch (error) {
          if (error instanceof InvalidTokenError)
            throw httpProblem('VALIDATION_FAILED', error.message);
          throw error;
        }
      },
    );
  };
