/**
 * Authentication and role checks run on every request before its body is even validated, so
 * nobody learns a route's schema without the right to call it.
 */
import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../../events/index.ts';
import { createTokenVerifier, InvalidTokenError, type Role } from '../../auth/tokens.ts';
import { httpProblem } from './errors.ts';

/** Who may call a route: nobody needs a token ('public'), any signed-in role, or a list. */
export type Access = 'public' | 'any' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor?: Actor & { role: Role };
  }
}

export function installAuth(app: FastifyInstance, jwtSecret: string): void {
  const verify = createTokenVerifier(jwtSecret);
  app.decorateRequest('actor', undefined);
  app.addHook('onRequest', async (request) => {
    // Routes without an access rule (docs, 404s) are public; every /v1 route declares one.
    const access = request.routeOptions.config.access ?? 'public';
    if (access === 'public') return;
    const header = request.headers.authorization;
    // The scheme name is case-insensitive (RFC 7235 §2.1).
    const match = header === undefined ? null : /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(header);
    if (match === null)
      throw httpProblem(
        'UNAUTHENTICATED',
        'send Authorization: Bearer <token>; mint one with `potledger token`',
      );
    let actor;
    try {
      actor = verify(match[1]!);
    } catch (error) {
      if (error instanceof InvalidTokenError)
        throw httpProblem(
          'UNAUTHENTICATED',
          'the token is expired, unsigned, wrongly signed or malformed',
        );
      throw error;
    }
    if (access !== 'any' && !access.includes(actor.role as Role)) {
      throw httpProblem(
        'FORBIDDEN',
        `the ${actor.role} role may not ${request.method} ${request.routeOptions.url}`,
      );
    }
    request.actor = actor as Actor & { role: Role };
  });
}

export function actorOf(request: { actor?: Actor & { role: Role } }): Actor & { role: Role } {
  if (request.actor === undefined)
    throw new Error('invariant: route reached without an authenticated actor');
  return request.actor;
}
