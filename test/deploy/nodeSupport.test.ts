/**
 * Node 20.19 is supported (package.json engines): `npm install` there prints no EBADENGINE.
 * The one package that declared Node 22 was cookie@2, pulled in by fastify's light-my-request
 * (the in-process `inject()` the tests use); package.json overrides it to cookie@1.1, which
 * declares Node 18 and has the same `stringifySetCookie({name, value})` light-my-request calls.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
  engines: { node: string };
  overrides?: Record<string, Record<string, string>>;
};

describe('Node 20 support', () => {
  it('light-my-request gets a cookie that declares the Node versions this project supports', () => {
    expect(pkg.engines.node).toBe('>=20.19');
    expect(pkg.overrides?.['light-my-request']?.cookie).toBe('^1.1.1');
    const fromLightMyRequest = createRequire(
      createRequire(`${ROOT}package.json`).resolve('light-my-request'),
    );
    const cookiePackage = JSON.parse(
      readFileSync(fromLightMyRequest.resolve('cookie/package.json'), 'utf8'),
    ) as { version: string; engines: { node: string } };
    expect(cookiePackage.version).toMatch(/^1\./);
    const minimum = /^>=(\d+)/.exec(cookiePackage.engines.node)?.[1];
    expect(Number(minimum)).toBeLessThanOrEqual(20);
  });

  it('inject() still sends the cookies it is given with that cookie', async () => {
    const app = Fastify();
    app.get('/echo', async (request) => ({ cookie: request.headers.cookie ?? null }));
    try {
      const response = await app.inject({
        method: 'GET',
        url: '/echo',
        cookies: { session: 'abc 123', other: 'x' },
      });
      expect(response.json()).toEqual({ cookie: 'session=abc%20123; other=x' });
    } finally {
      await app.close();
    }
  });
});
