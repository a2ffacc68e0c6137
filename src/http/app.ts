/**
 * The HTTP API (docs/api.md): fastify with zod schemas that validate requests,
 * type handlers and generate the OpenAPI 3.1 document at /openapi.json (docs UI at /docs).
 */
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { installAuth } from './plugins/auth.ts';
import { oidcLoginRoutes, type OidcLoginSettings } from './plugins/oidcLogin.ts';
import type { OidcVerifier } from '../auth/oidc.ts';
import type { SignInRule } from '../../events/signInMapping.ts';
import { dashboardRoutes } from './plugins/dashboard.ts';
import { devTokenRoutes } from './plugins/devToken.ts';
import { httpProblem, installErrorHandling, sendProblem } from './plugins/errors.ts';
import { problem } from './plugins/problem.ts';
import { openApiServers, truthfulDocument } from './plugins/openapiDocument.ts';
import { installMetrics, metricsRoutes, type MetricsOptions } from './plugins/metrics.ts';
import { installLoadShedding, type PressureLimits } from './plugins/underPressure.ts';
import { DEFAULT_READY_MAX_LAG_EVENTS, readinessRoutes } from './routes/readiness.ts';
import { installSecurityHeaders } from './plugins/securityHeaders.ts';
import { installHiddenCharacterGuard } from './plugins/hiddenCharacters.ts';
import { installRequestLog } from './plugins/requestLog.ts';
import { serverLimits, timeoutCheckIntervalMs, type ServerLimits } from './plugins/serverLimits.ts';
import { agencyRoutes } from './routes/agencies.ts';
import { auditProofRoutes } from './routes/auditProofs.ts';
import { potRoutes } from './routes/pots.ts';
import { potControlRoutes } from './routes/potControls.ts';
import { reportRoutes } from './routes/reports.ts';
import { unitCostRoutes } from './routes/unitCosts.ts';
import { costBenefitRoutes } from './routes/costBenefit.ts';
import { statementRoutes } from './routes/statement.ts';
import { poolYearRoutes } from './routes/poolYear.ts';
import { outcomePaymentRoutes } from './routes/outcomePayments.ts';
import { poolYearReportRoutes } from './routes/poolYearReports.ts';
import { journalRoutes } from './routes/journals.ts';
import { signInMappingRoutes } from './routes/signInMapping.ts';
import type { RouteDeps } from './routes/routeDeps.ts';
import { LEDGER_AS_AT_HEADER, LEDGER_POSITION_HEADER } from './routes/routeDeps.ts';

/** How long one plugin may take to register before start-up fails. */
const PLUGIN_TIMEOUT_MS = 120_000;

/** Largest request body accepted: far above any real command, far below a memory problem. */
export const MAX_BODY_BYTES = 1_048_576;

/** Single sign-on: the issuers' verifier, the sign-in mapping in force, the dashboard's client. */
export interface AppOidcOptions {
  readonly verifier: OidcVerifier;
  /** LEDGER_OIDC_SIGN_IN_RULES: the mapping until an admin records one. */
  readonly configuredRules: readonly SignInRule[];
  readonly login?: OidcLoginSettings;
}

export interface AppOptions extends RouteDeps {
  readonly jwtSecret: string;
  /** Accept HS256 tokens signed with jwtSecret; true when absent. */
  readonly hs256?: boolean;
  readonly oidc?: AppOidcOptions;
  readonly logger?: FastifyServerOptions['logger'];
  /** Browser origins allowed to call the API; none (no CORS headers at all) when absent or empty. */
  readonly corsOrigins?: readonly string[];
  /** Writes one caller may make per minute; no limit when absent. */
  readonly writesPerMinute?: number;
  /** POST /dev/token for the dashboard's sign-in page; only ever true outside production (devToken.ts). */
  readonly devTokens?: boolean;
  /** Where the built dashboard is; web/dist when absent. */
  readonly dashboardDir?: string;
  /** Timeouts and the connection cap; src/http/plugins/serverLimits.ts has the defaults. */
  readonly serverLimits?: Partial<ServerLimits>;
  /** Where clients reach this server (LEDGER_PUBLIC_URL): the OpenAPI document's `servers`; "/" when absent. */
  readonly publicUrl?: string;
  /** Prometheus metrics at /metrics (src/http/plugins/metrics.ts). */
  readonly metrics?: MetricsOptions;
  /**
   * When requests are shed with 503 OVERLOADED (src/http/plugins/underPressure.ts); no shedding
   * when absent. main.ts always passes limits; tests leave them off, because the test code
   * shares the app's event loop and would count as load.
   */
  readonly pressureLimits?: PressureLimits;
  /** How far behind the log head the books may be for /ready to say ready (LEDGER_READY_MAX_LAG_EVENTS). */
  readonly readyMaxLagEvents?: number;
}

const RATE_LIMIT_WINDOW_MS = 60_000;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const limits = serverLimits(options.serverLimits);
  const app = Fastify({
    logger: options.logger ?? false,
    // One line per request (plugins/requestLog.ts) instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // fastify's 10 s default for a plugin to register counts wall time, so a busy machine
    // starting a server over a long log (the snapshot decoded, the tail folded, a snapshot
    // written) could fail start-up in @fastify/swagger-ui; a plugin that truly hangs still fails.
    pluginTimeout: PLUGIN_TIMEOUT_MS,
    // A request must arrive whole in time (a body trickled byte by byte is answered 408 and
    // closed), an idle connection is closed, and only so many are open at once (below).
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: timeoutCheckIntervalMs(limits),
    },
    // Reject prototype-poisoning keys outright rather than silently strip them.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { maxParamLength: 200 },
    // Errors fastify raises before routing (a malformed URL, an over-long path parameter) do
    // not reach the error handler; they get the same problem+json as everything else.
    frameworkErrors: (error, _request, reply) => {
      void sendProblem(
        reply,
        problem('VALIDATION_FAILED', `the request URL cannot be read: ${error.message}`),
      );
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.server.maxConnections = limits.maxConnections;

  // Commands are JSON only: a text/plain body would reach validation as a string and read as a
  // schema error; refusing the media type outright (415) tells the client what is wrong.
  app.removeContentTypeParser('text/plain');
  // JSON bodies must be valid UTF-8. Node's default decoding would quietly turn bad bytes into
  // U+FFFD and the ledger would store text nobody sent; refuse them instead.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
    (request, body, done) => {
      let text: string;
      try {
        text = strictUtf8.decode(body as Buffer);
      } catch {
        done(httpProblem('VALIDATION_FAILED', 'the request body is not valid UTF-8'), undefined);
        return;
      }
      parseJson(request, text, done);
    },
  );
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Security headers on every answer, refusals included: registered before the auth hook,
  // so they are set even when it refuses. The docs UI sets its own content security policy.
  await installSecurityHeaders(app);
  // A browser may call the API only from origins an operator has named. Registered before auth
  // too, so a browser can read a 401 or 403 instead of seeing an opaque CORS failure.
  if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...options.corsOrigins],
      exposedHeaders: [
        'retry-after',
        'idempotent-replayed',
        LEDGER_POSITION_HEADER,
        LEDGER_AS_AT_HEADER,
      ],
    });
  }
  installErrorHandling(app);
  installRequestLog(app);
  // Metrics first, so its onResponse hook times and counts every answer, refusals included;
  // then load shedding, before auth, so a saturated server refuses before verifying tokens.
  const metrics = installMetrics(app, options, options.metrics);
  if (options.pressureLimits !== undefined)
    await installLoadShedding(app, options.pressureLimits, metrics.shed);
  // The mapping in force: the latest recorded in the books, else the configured one.
  const configuredRules = options.oidc?.configuredRules ?? [];
  const signInRules = () => options.books().signInMapping.versions.at(-1)?.rules ?? configuredRules;
  installAuth(app, {
    hs256Secret: options.hs256 === false ? null : options.jwtSecret,
    ...(options.oidc === undefined
      ? {}
      : { oidc: { verifier: options.oidc.verifier, rules: signInRules } }),
  });
  installHiddenCharacterGuard(app);

  // Writes are limited per caller (the token's subject, else the address): registered after
  // auth, so its hooks run once the caller is known. Reads are never limited.
  if (options.writesPerMinute !== undefined) {
    await app.register(rateLimit, {
      global: true,
      max: options.writesPerMinute,
      timeWindow: RATE_LIMIT_WINDOW_MS,
      allowList: (request) => request.method === 'GET' || request.method === 'HEAD',
      keyGenerator: (request) =>
        request.actor === undefined
          ? `ip:${request.ip}`
          : `sub:${request.actor.role}:${request.actor.sub}`,
      errorResponseBuilder: (_request, context) =>
        httpProblem(
          'RATE_LIMITED',
          `at most ${context.max} writes a minute; try again in ${context.after}`,
        ),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'potledger',
        version: '1.0.0',
        description:
          'Event-sourced ledger for pooled public budgets. Amounts are decimal strings in GBP; errors are application/problem+json with a stable `code`.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (document) =>
      'openapiObject' in document
        ? truthfulDocument(document.openapiObject as Record<string, unknown>, {
            servers: openApiServers(options.publicUrl),
          })
        : document.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // The web dashboard's static files at / (and, outside production, its sign-in helper).
  await app.register(dashboardRoutes(options.dashboardDir));
  if (options.devTokens === true) await app.register(devTokenRoutes(options.jwtSecret));
  if (options.oidc?.login !== undefined)
    await app.register(oidcLoginRoutes(options.oidc.login, options.oidc.verifier, signInRules));

  await app.register(agencyRoutes(options));
  await app.register(potRoutes(options));
  await app.register(reportRoutes(options));
  await app.register(unitCostRoutes(options));
  await app.register(potControlRoutes(options));
  await app.register(costBenefitRoutes(options));
  await app.register(statementRoutes(options));
  await app.register(poolYearRoutes(options));
  await app.register(outcomePaymentRoutes(options));
  await app.register(poolYearReportRoutes(options));
  await app.register(journalRoutes(options));
  await app.register(auditProofRoutes(options));
  await app.register(signInMappingRoutes(options, configuredRules));
  await app.register(metricsRoutes(metrics));
  await app.register(
    readinessRoutes(options, {
      maxLagEvents: options.readyMaxLagEvents ?? DEFAULT_READY_MAX_LAG_EVENTS,
      metrics,
    }),
  );
  return app;
}
