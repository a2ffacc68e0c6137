/**
 * The web dashboard (web/, built by Vite into web/dist) served at `/` from the same server as
 * the API. It is static files only: every figure it shows comes from the /v1 API with the
 * signed-in user's token, so the API's access rules still decide what anyone sees or does.
 *
 * A checkout whose dashboard was never built (or a `npm ci --omit=dev` image, which has no
 * Vite) still serves the API; `/` then says how to build the dashboard instead of failing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

// web/dist sits at the repository root; the compiled build (dist/src/http/plugins) is one folder deeper.
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(
  new URL(
    import.meta.url.endsWith('.js') ? '../../../../web/dist' : '../../../web/dist',
    import.meta.url,
  ),
);

/**
 * The dashboard's own content security policy, stricter than helmet's default: its scripts and
 * styles are files from this origin (Vite emits no inline script), it talks only to this
 * origin, charts draw on canvas, and the CSV download is a blob: URL it makes itself.
 * No upgrade-insecure-requests: a development server on http://127.0.0.1 must keep working.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export const DASHBOARD_NOT_BUILT =
  'The potledger dashboard has not been built, so there is nothing to show here yet.\n' +
  'Build it with `npm run build:web` (npm install does this for you), then restart the server.\n' +
  'The API is running: see /docs.\n';

export function dashboardIsBuilt(distDir: string = DEFAULT_DASHBOARD_DIR): boolean {
  return existsSync(join(distDir, 'index.html'));
}

export const dashboardRoutes =
  (distDir: string = DEFAULT_DASHBOARD_DIR): FastifyPluginAsync =>
  async (app: FastifyInstance) => {
    if (!dashboardIsBuilt(distDir)) {
      app.get('/', { schema: { hide: true } }, async (_request, reply) =>
        reply.status(503).type('text/plain; charset=utf-8').send(DASHBOARD_NOT_BUILT),
      );
      return;
    }
    // Encapsulated: the policy applies to the dashboard's files only; the API keeps helmet's.
    app.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('content-security-policy', DASHBOARD_CSP);
      return payload;
    });
    await app.register(fastifyStatic, {
      root: distDir,
      prefix: '/',
      // One route per built file, found at start: unknown paths keep the API's problem+json 404.
      wildcard: false,
      // Vite names assets by content hash, so they may be cached for good; index.html may not.
      cacheControl: false,
      setHeaders: (response, path) => {
        response.setHeader(
          'cache-control',
          path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
        );
      },
    });
  };
