/**
 * The dashboard's static files at `/`: served with their own strict content security policy
 * when built, a clear message when not, and the API's routes and 404s unchanged either way.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DASHBOARD_CSP,
  DASHBOARD_NOT_BUILT,
  dashboardRoutes,
} from '../../src/http/plugins/dashboard.ts';
import { installErrorHandling } from '../../src/http/plugins/errors.ts';
import { createTestLedger } from '../support/testLedger.ts';
import { expectProblem } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'potledger-dashboard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function appServing(distDir: string) {
  const app = Fastify();
  installErrorHandling(app);
  await app.register(dashboardRoutes(distDir));
  return app;
}

describe('the dashboard at /', () => {
  it('serves the built index.html and assets with the dashboard CSP; index is never cached, hashed assets are', async () => {
    const dist = join(root, 'built');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>potledger</title>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    const app = await appServing(dist);
    const index = await app.inject('/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.body).toContain('<title>potledger</title>');
    expect(index.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(index.headers['cache-control']).toBe('no-cache');
    const script = await app.inject('/assets/index-abc123.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['cache-control']).toContain('immutable');
    // No inline script, no eval, nothing from other origins.
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    // An unknown path is the API's problem+json 404, not a file lookup.
    expectProblem(await app.inject('/nothing-here.js'), 404, 'NOT_FOUND');
    expectProblem(await app.inject('/../package.json'), 404, 'NOT_FOUND');
    await app.close();
  });

  it('says how to build it when web/dist is missing, rather than failing', async () => {
    const app = await appServing(join(root, 'never-built'));
    const res = await app.inject('/');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe(DASHBOARD_NOT_BUILT);
    expect(res.body).toContain('npm run build:web');
    await app.close();
  });

  it('leaves the API alone: /health, /openapi.json and /v1 answer as before, and the API keeps helmet’s policy', async () => {
    const ledger = await createTestLedger();
    try {
      expect((await ledger.get('/health', null)).statusCode).toBe(200);
      const doc = (await ledger.get('/openapi.json', null)).json() as {
        paths: Record<string, unknown>;
      };
      // The dashboard's files are not API routes; the operators' routes are (docs/operations.md).
      const operations = ['/health', '/ready', '/metrics'];
      expect(
        Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/') && !operations.includes(p)),
      ).toEqual([]);
      const pots = await ledger.get('/v1/pots', ledger.token('reporter'));
      expect(pots.statusCode).toBe(200);
      expect(pots.headers['content-security-policy']).not.toBe(DASHBOARD_CSP);
      expectProblem(await ledger.get('/v1/pots', null), 401, 'UNAUTHENTICATED');
    } finally {
      await ledger.close();
    }
  });
});
