/**
 * Authentication and role checks run on every request before its body is even validated, so
 * nobody learns a route's schema without the right to call it.
 */
import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../../events/index.ts';
import type { SignInRule } from '../../../events/signInMapping.ts';
import {
  IdentityProviderUnavailableError,
  NoSignInRuleError,
  type OidcVerifier,
} from '../../auth/oidc.ts';
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

/** Where bearer tokens may come from: the server's HS256 secret, OpenID Connect issuers, or both. */
export interface AuthSources {
  /** The HS256 secret (`potledger token`, the development sign-in); null when HS256 is off. */
  readonly hs256Secret: string | null;
  readonly oidc?: {
    readonly verifier: OidcVerifier;
    /** The sign-in mapping in force, read on every request so a change applies at once. */
    readonly rules: () => readonly SignInRule[];
  };
}

export function installAuth(app: FastifyInstance, sources: AuthSources): void {
  const verifyHs256 =
    sources.hs256Secret === null ? null : createTokenVerifier(sources.hs256Secret);
  const { oidc } = sources;
  const verify = async (token: string): Promise<Actor & { role: Role }> => {
    if (oidc !== undefined && oidc.verifier.handles(token))
      return oidc.verifier.verify(token, oidc.rules());
    if (verifyHs256 === null)
      throw new InvalidTokenError('the token is not from a configured OpenID Connect issuer');
    return verifyHs256(token) as Actor & { role: Role };
  };
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
      actor = await verify(match[1]!);
    } catch (error) {
      if (error instanceof InvalidTokenError)
        throw httpProblem(
          'UNAUTHENTICATED',
          'the token is expired, unsigned, wrongly signed, from another issuer or audience, or malformed',
        );
      if (error instanceof NoSignInRuleError) throw httpProblem('FORBIDDEN', error.message);
      if (error instanceof IdentityProviderUnavailableError)
        throw httpProblem(
          'IDENTITY_PROVIDER_UNAVAILABLE',
          error.message,
          {},
          { 'retry-after': '5' },
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
