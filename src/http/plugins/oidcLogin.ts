/**
 * The dashboard's sign-in through the organisation's OpenID Connect provider, as a
 * backend-for-frontend: the server is the OAuth client (confidential with a client secret, or
 * public with PKCE alone), so the dashboard never handles a client secret or a code verifier.
 *
 *   GET  /auth/login     makes a PKCE verifier, state and nonce, keeps them here, binds the
 *                        browser with an HttpOnly SameSite=Lax cookie, redirects to the provider
 *   GET  /auth/callback  checks the cookie against the state, exchanges the code (openid-client
 *                        checks state, nonce, the ID token and PKCE), verifies the access token
 *                        as the API will, and redirects to the dashboard with a one-time handoff
 *                        id in the URL fragment (never sent to a server, never in a Referer)
 *   POST /auth/session   trades the handoff id, once and within a minute, for the access token
 *                        and the role it maps to; the dashboard keeps it in sessionStorage as it
 *                        does a development token
 *   GET  /auth/logout    redirects to the provider's end-session endpoint, then back to /
 *   GET  /auth/config    tells the dashboard whether to offer "Sign in"
 *
 * Everything pending is held in this server's memory, bounded in number and time: a restart
 * only means signing in again. Several servers behind one address need sticky sessions for
 * /auth/* (the callback must reach the server the sign-in started on).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decodeJwt } from 'jose';
import { LRUCache } from 'lru-cache';
import * as client from 'openid-client';
import { z } from 'zod';
import type { SignInRule } from '../../../events/signInMapping.ts';
import {
  IdentityProviderUnavailableError,
  NoSignInRuleError,
  OIDC_FETCH_TIMEOUT_MS,
  type OidcVerifier,
} from '../../auth/oidc.ts';
import { InvalidTokenError } from '../../auth/tokens.ts';
import { errorResponses } from '../schemas.ts';
import { httpProblem } from './errors.ts';

export interface OidcLoginSettings {
  /** The issuer the dashboard signs in with (one of the verifier's issuers). */
  readonly issuer: string;
  readonly clientId: string;
  /** Absent: a public client, protected by PKCE alone. */
  readonly clientSecret?: string;
  /** This server's /auth/callback as the provider knows it, e.g. https://ledger.example/auth/callback. */
  readonly redirectUrl: string;
  /** Scopes to ask for (Entra: `openid profile api://<app id>/access`). */
  readonly scope: string;
  /** RFC 8707 resource indicator, for providers that choose the audience by it. */
  readonly resource?: string;
}

export const MAX_PENDING_SIGN_INS = 1_000;
export const SIGN_IN_WINDOW_MS = 10 * 60_000;
export const HANDOFF_WINDOW_MS = 60_000;
const LOGIN_COOKIE = 'potledger_sign_in';
const HANDOFF_ID = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

interface PendingSignIn {
  readonly codeVerifier: string;
  readonly nonce: string;
  readonly expiresAt: number;
}

interface Handoff {
  readonly accessToken: string;
  readonly sub: string;
  readonly role: string;
  readonly agency?: string;
  readonly exp: number;
  readonly expiresAt: number;
}

/**
 * Entries forgotten past their time; when full, the oldest goes first, so a flood of started
 * sign-ins costs memory within the bound and never refuses the next person.
 */
function expiringMap<T extends { expiresAt: number }>(max: number, ttlMs: number) {
  const entries = new LRUCache<string, T>({ max, ttl: ttlMs });
  return {
    put(key: string, value: T): void {
      entries.set(key, value);
    },
    /** Once only: a taken entry is gone. */
    take(key: string): T | undefined {
      const value = entries.get(key);
      entries.delete(key);
      return value !== undefined && value.expiresAt > Date.now() ? value : undefined;
    },
  };
}

/** Plain http is accepted only for a provider on this machine (the tests' provider). */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export const oidcLoginRoutes =
  (
    settings: OidcLoginSettings,
    verifier: OidcVerifier,
    rules: () => readonly SignInRule[],
  ): FastifyPluginAsyncZod =>
  async (app) => {
    const issuerUrl = new URL(settings.issuer);
    const redirectUrl = new URL(settings.redirectUrl);
    const dashboardUrl = new URL('/', redirectUrl);
    const secureCookie = redirectUrl.protocol === 'https:' ? '; Secure' : '';
    let configuration: Promise<client.Configuration> | undefined;
    const discover = () =>
      (configuration ??= client
        .discovery(
          issuerUrl,
          settings.clientId,
          settings.clientSecret,
          settings.clientSecret === undefined ? client.None() : undefined,
          {
            // Discovery and every later request (the code exchange) give up after this.
            timeout: OIDC_FETCH_TIMEOUT_MS / 1_000,
            ...(isLoopbackHttp(issuerUrl) ? { execute: [client.allowInsecureRequests] } : {}),
          },
        )
        .catch((error: unknown) => {
          configuration = undefined;
          throw new IdentityProviderUnavailableError(
            `discovery of ${settings.issuer} failed: ${(error as Error).message}`,
          );
        }));
    const pending = expiringMap<PendingSignIn>(MAX_PENDING_SIGN_INS, SIGN_IN_WINDOW_MS);
    const handoffs = expiringMap<Handoff>(MAX_PENDING_SIGN_INS, HANDOFF_WINDOW_MS);
    const backToDashboard = (reply: FastifyReply, fragment: string) =>
      reply
        .header('set-cookie', `${LOGIN_COOKIE}=; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=0`)
        .redirect(`${dashboardUrl.href}#/signin?${fragment}`, 303);
    const unavailable = (error: unknown) =>
      error instanceof IdentityProviderUnavailableError
        ? httpProblem('IDENTITY_PROVIDER_UNAVAILABLE', error.message, {}, { 'retry-after': '5' })
        : error;

    app.get(
      '/auth/config',
      {
        config: { access: 'public' },
        schema: {
          tags: ['sign-in'],
          summary: 'Whether the dashboard signs in through an OpenID Connect provider',
          response: { 200: z.object({ oidc: z.boolean(), issuer: z.string() }) },
        },
      },
      async () => ({ oidc: true, issuer: settings.issuer }),
    );

    app.get(
      '/auth/login',
      {
        config: { access: 'public' },
        schema: {
          tags: ['sign-in'],
          summary: "Starts sign-in: redirects to the organisation's identity provider",
          response: { 303: z.null(), ...errorResponses },
        },
      },
      async (_request, reply) => {
        const config = await discover().catch((error: unknown) => {
          throw unavailable(error);
        });
        const codeVerifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const nonce = client.randomNonce();
        pending.put(state, { codeVerifier, nonce, expiresAt: Date.now() + SIGN_IN_WINDOW_MS });
        const url = client.buildAuthorizationUrl(config, {
          redirect_uri: settings.redirectUrl,
          scope: settings.scope,
          code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
          code_challenge_method: 'S256',
          state,
          nonce,
          ...(settings.resource === undefined ? {} : { resource: settings.resource }),
        });
        return reply
          .header(
            'set-cookie',
            `${LOGIN_COOKIE}=${state}; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=${SIGN_IN_WINDOW_MS / 1000}${secureCookie}`,
          )
          .redirect(url.href, 303);
      },
    );

    app.get(
      '/auth/callback',
      {
        config: { access: 'public' },
        schema: {
          tags: ['sign-in'],
          summary: 'Where the identity provider sends the browser back with a code',
          querystring: z.looseObject({
            state: z.string().max(200).optional(),
            code: z.string().max(4_000).optional(),
            error: z.string().max(200).optional(),
          }),
          response: { 303: z.null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { state, error } = request.query;
        if (error !== undefined)
          return backToDashboard(reply, `error=${encodeURIComponent(error)}`);
        // The state must be the one this browser started with, so nobody can sign someone
        // else's browser in with their own code.
        if (state === undefined || cookieValue(request.headers.cookie, LOGIN_COOKIE) !== state)
          throw httpProblem('VALIDATION_FAILED', 'this sign-in was not started in this browser');
        const started = pending.take(state);
        if (started === undefined)
          throw httpProblem('VALIDATION_FAILED', 'this sign-in has expired or was already used');
        const config = await discover().catch((e: unknown) => {
          throw unavailable(e);
        });
        // The registered redirect URL with the provider's answer: behind a proxy the path the
        // server sees may differ from the one the provider sent the browser to.
        const callbackUrl = new URL(redirectUrl);
        callbackUrl.search = new URL(request.url, redirectUrl).search;
        let accessToken: string;
        try {
          const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
            pkceCodeVerifier: started.codeVerifier,
            expectedState: state,
            expectedNonce: started.nonce,
          });
          accessToken = tokens.access_token;
        } catch (e) {
          request.log.warn({ err: e }, 'OpenID Connect code exchange refused');
          return backToDashboard(reply, 'error=exchange_failed');
        }
        let actor;
        try {
          actor = await verifier.verify(accessToken, rules());
        } catch (e) {
          if (e instanceof NoSignInRuleError) return backToDashboard(reply, 'error=no_role');
          if (e instanceof InvalidTokenError) return backToDashboard(reply, 'error=token_refused');
          throw unavailable(e);
        }
        const handoffId = randomBytes(32).toString('base64url');
        // Verified just above, so its exp is a number.
        const exp = decodeJwt(accessToken).exp!;
        handoffs.put(handoffId, {
          accessToken,
          sub: actor.sub,
          role: actor.role,
          ...(actor.agencyId === undefined ? {} : { agency: actor.agencyId }),
          exp,
          expiresAt: Date.now() + HANDOFF_WINDOW_MS,
        });
        return backToDashboard(reply, `handoff=${handoffId}`);
      },
    );

    app.post(
      '/auth/session',
      {
        config: { access: 'public' },
        schema: {
          tags: ['sign-in'],
          summary: 'Trades a one-time handoff id for the access token and the role it maps to',
          body: z.strictObject({ handoff: HANDOFF_ID }),
          response: {
            201: z.object({
              accessToken: z.string(),
              sub: z.string(),
              role: z.string(),
              agency: z.string().optional(),
              exp: z.number(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const handoff = handoffs.take(request.body.handoff);
        if (handoff === undefined)
          throw httpProblem('NOT_FOUND', 'no such sign-in: it was used, or is over a minute old');
        const { expiresAt: _expiresAt, ...session } = handoff;
        return reply.status(201).header('cache-control', 'no-store').send(session);
      },
    );

    app.get(
      '/auth/logout',
      {
        config: { access: 'public' },
        schema: {
          tags: ['sign-in'],
          summary: 'Signs out at the identity provider, then returns to the dashboard',
          response: { 303: z.null(), ...errorResponses },
        },
      },
      async (_request, reply) => {
        const config = await discover().catch((error: unknown) => {
          throw unavailable(error);
        });
        if (config.serverMetadata().end_session_endpoint === undefined)
          return reply.redirect(dashboardUrl.href, 303);
        const url = client.buildEndSessionUrl(config, {
          client_id: settings.clientId,
          post_logout_redirect_uri: dashboardUrl.href,
        });
        return reply.redirect(url.href, 303);
      },
    );
  };
