/**
 * The HTTP API (DESIGN.md "HTTP API (v1)"): fastify with zod schemas that validate requests,
 * type handlers and generate the OpenAPI 3.1 document at /openapi.json (docs UI at /docs).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { installAuth } from './auth.ts';
import { installErrorHandling } from './errors.ts';
import { agencyRoutes } from './routes/agencies.ts';
import { potRoutes } from './routes/pots.ts';
import { reportRoutes } from './routes/reports.ts';
import type { RouteDeps } from './routes/routeDeps.ts';

/** Largest request body accepted: far above any real command, far below a memory problem. */
export const MAX_BODY_BYTES = 1_048_576;

export interface AppOptions extends RouteDeps {
  readonly jwtSecret: string;
  readonly logger?: FastifyServerOptions['logger'];
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: MAX_BODY_BYTES,
    // Reject prototype-poisoning keys outright rather than silently strip them.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>();

  // Commands are JSON only: a text/plain body would reach validation as a string and read as a
  // schema error; refusing the media type outright (415) tells the client what is wrong.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  installAuth(app, options.jwtSecret);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'potledger',
        version: '1.0.0',
        description:
          'Event-sourced ledger for pooled public budgets. Amounts are decimal strings in GBP; errors are application/problem+json with a stable `code`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(agencyRoutes(options));
  await app.register(potRoutes(options));
  await app.register(reportRoutes(options));
  return app;
}
