/**
 * The HTTP side of the ledger: the API (src/http/app.ts) over a core built by createLedger
 * (src/app/ledger.ts). The core knows nothing of HTTP; its refusals carry codes that
 * src/http/plugins/errors.ts maps to problem+json.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Ledger } from '../app/ledger.ts';
import { buildApp } from './app.ts';
import type { ServerLimits } from './plugins/serverLimits.ts';
import { createOidcVerifier, type OidcVerifierSettings } from '../auth/oidc.ts';
import type { SignInRule } from '../../events/signInMapping.ts';
import type { OidcLoginSettings } from './plugins/oidcLogin.ts';
import type { MetricsOptions } from './plugins/metrics.ts';
import type { PressureLimits } from './plugins/underPressure.ts';

export interface HttpServerOptions {
  readonly jwtSecret: string;
  /** Accept HS256 tokens (`potledger token`); true when absent (src/app/oidcConfig.ts). */
  readonly hs256?: boolean;
  /** Single sign-on through OpenID Connect providers (src/app/oidcConfig.ts). */
  readonly oidc?: {
    readonly verifier: OidcVerifierSettings;
    /** The sign-in mapping used until an admin records one. */
    readonly defaultRules: readonly SignInRule[];
    readonly login?: OidcLoginSettings | null;
  };
  readonly logger?: FastifyServerOptions['logger'];
  /** Browser origins allowed to call the API (CORS); none when absent. */
  readonly corsOrigins?: readonly string[];
  /** Writes one caller may make per minute; unlimited when absent. */
  readonly writesPerMinute?: number;
  /** Serve POST /dev/token (development only: see src/http/plugins/devToken.ts). */
  readonly devTokens?: boolean;
  /** Timeouts and the connection cap; src/http/plugins/serverLimits.ts has the defaults. */
  readonly serverLimits?: Partial<ServerLimits>;
  /** The OpenAPI document's server (LEDGER_PUBLIC_URL); "/" when absent. */
  readonly publicUrl?: string;
  /** Prometheus metrics options (src/http/plugins/metrics.ts). */
  readonly metrics?: MetricsOptions;
  /** Load shedding (src/http/plugins/underPressure.ts); none when absent. */
  readonly pressureLimits?: PressureLimits;
  /** How far behind the log head the books may be for /ready (LEDGER_READY_MAX_LAG_EVENTS). */
  readonly readyMaxLagEvents?: number;
}

/** The fastify app serving `ledger`; closing it leaves the ledger open. */
export function createHttpServer(
  ledger: Ledger,
  options: HttpServerOptions,
): Promise<FastifyInstance> {
  const { historical } = ledger;
  const { oidc } = options;
  return buildApp({
    store: ledger.store,
    commands: ledger.commands,
    books: () => ledger.books.state,
    readYourWrites: ledger.readYourWrites,
    booksFor: historical.booksFor,
    statementFor: historical.statementFor,
    projectionPosition: () => ledger.runner.position(),
    merkleLog: ledger.merkleLog,
    writeStats: ledger.writeStats,
    observeGroupCommits: ledger.observeGroupCommits,
    lastSnapshot: ledger.lastSnapshot,
    booksFailure: () => ledger.runner.failure(),
    jwtSecret: options.jwtSecret,
    ...(options.hs256 === undefined ? {} : { hs256: options.hs256 }),
    ...(oidc === undefined
      ? {}
      : {
          oidc: {
            verifier: createOidcVerifier(oidc.verifier),
            configuredRules: oidc.defaultRules,
            ...(oidc.login === undefined || oidc.login === null ? {} : { login: oidc.login }),
          },
        }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
    ...(options.writesPerMinute === undefined ? {} : { writesPerMinute: options.writesPerMinute }),
    ...(options.devTokens === undefined ? {} : { devTokens: options.devTokens }),
    ...(options.serverLimits === undefined ? {} : { serverLimits: options.serverLimits }),
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.pressureLimits === undefined ? {} : { pressureLimits: options.pressureLimits }),
    ...(options.readyMaxLagEvents === undefined
      ? {}
      : { readyMaxLagEvents: options.readyMaxLagEvents }),
  });
}
