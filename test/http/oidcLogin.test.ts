/**
 * The dashboard's sign-in as a backend-for-frontend, against a real OpenID Provider
 * (oidc-provider on loopback): /auth/login → the provider's login page → /auth/callback (code
 * exchanged with PKCE) → a one-time handoff → the access token, mapped from the `groups` claim
 * to a finance officer who records a contribution. The browser is played by hand here, cookies
 * and all; test/browser/singleSignOn.browser.test.ts does the same in Chromium.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import {
  ADMIN_GROUP,
  FINANCE_GROUP,
  startOidcProvider,
  TEST_AUDIENCE,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  type TestOidcProvider,
} from '../support/oidcProvider.ts';
import { createTestLedger, essexScenario, type TestLedger } from '../support/testLedger.ts';
import { expectProblem } from './helpers.ts';

/** The ledger is driven through inject(); the provider only needs its callback's address. */
const LEDGER_ORIGIN = 'http://127.0.0.1:3999';

let idp: TestOidcProvider;
let ledger: TestLedger | undefined;
beforeAll(async () => {
  idp = await startOidcProvider(LEDGER_ORIGIN);
});
afterAll(async () => idp.close());
afterEach(async () => {
  await ledger?.close();
  ledger = undefined;
});

async function setUp() {
  ledger = await createTestLedger({
    oidc: {
      verifier: {
        issuers: [idp.issuer],
        audience: TEST_AUDIENCE,
        clockSkewSeconds: 60,
        maxLifetimeSeconds: 3_600,
        subjectClaim: 'sub',
      },
      defaultRules: [
        { claim: 'groups', value: FINANCE_GROUP, role: 'finance-officer', agency: 'essex-police' },
        { claim: 'groups', value: ADMIN_GROUP, role: 'admin' },
      ],
      login: {
        issuer: idp.issuer,
        clientId: TEST_CLIENT_ID,
        clientSecret: TEST_CLIENT_SECRET,
        redirectUrl: `${LEDGER_ORIGIN}/auth/callback`,
        scope: 'openid profile',
      },
    },
  });
  return { ledger, ...(await essexScenario(ledger)) };
}

function cookiesFrom(setCookie: string | string[] | undefined, jar: Map<string, string>): void {
  for (const line of [setCookie ?? []].flat()) {
    const [pair = ''] = line.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
}
const cookieHeader = (jar: Map<string, string>) =>
  [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

/**
 * Plays the browser from /auth/login to the dashboard: follows redirects, keeps each side's
 * cookies, fills in the provider's development login form. Returns the ledger's last answer
 * (the redirect to the dashboard) and the ledger's cookies.
 */
async function signIn(ledger: TestLedger, login: string) {
  const ledgerJar = new Map<string, string>();
  const idpJar = new Map<string, string>();
  const start = await ledger.app.inject({ method: 'GET', url: '/auth/login' });
  expect(start.statusCode).toBe(303);
  cookiesFrom(start.headers['set-cookie'], ledgerJar);
  let location = new URL(String(start.headers.location));
  expect(location.origin).toBe(idp.issuer);
  expect(location.searchParams.get('code_challenge_method')).toBe('S256');
  for (let hop = 0; hop < 10; hop += 1) {
    if (location.origin === LEDGER_ORIGIN) {
      const back: LightMyRequestResponse = await ledger.app.inject({
        method: 'GET',
        url: location.pathname + location.search,
        headers: { cookie: cookieHeader(ledgerJar) },
      });
      return { back, ledgerJar };
    }
    let response = await fetch(location, {
      redirect: 'manual',
      headers: { cookie: cookieHeader(idpJar) },
    });
    cookiesFrom(response.headers.getSetCookie(), idpJar);
    if (response.status === 200 && location.pathname.startsWith('/interaction/')) {
      // The provider's own login page: any password.
      response = await fetch(location, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie: cookieHeader(idpJar),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString(),
      });
      cookiesFrom(response.headers.getSetCookie(), idpJar);
    }
    const next = response.headers.get('location');
    if (next === null) throw new Error(`stuck at ${location.href}: ${response.status}`);
    location = new URL(next, location);
  }
  throw new Error('too many redirects');
}

function handoffOf(back: LightMyRequestResponse): string | null {
  expect(back.statusCode).toBe(303);
  const fragment = String(back.headers.location).split('#')[1] ?? '';
  return new URLSearchParams(fragment.split('?')[1] ?? '').get('handoff');
}

describe('sign-in through the OpenID Provider (authorization code + PKCE)', () => {
  it('signs fran in as a finance officer of Essex Police (from her group), who records a contribution', async () => {
    const { ledger, potId } = await setUp();
    const { back } = await signIn(ledger, 'fran');
    const handoff = handoffOf(back);
    expect(handoff).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const session = await ledger.post('/auth/session', null, { handoff });
    expect(session.statusCode).toBe(201);
    expect(session.headers['cache-control']).toBe('no-store');
    const { accessToken, ...who } = session.json();
    expect(who).toEqual({
      sub: 'fran',
      role: 'finance-officer',
      agency: 'essex-police',
      exp: expect.any(Number),
    });
    const written = await ledger.post(`/v1/pots/${potId}/contributions`, accessToken, {
      agencyId: 'essex-police',
      amount: '250.00',
      effectiveDate: '2025-06-01',
      reference: 'SSO-FRAN',
    });
    expect(written.statusCode).toBe(201);
    // A handoff is good once.
    expectProblem(await ledger.post('/auth/session', null, { handoff }), 404, 'NOT_FOUND');
  });

  it('sends someone no rule gives a role back to the dashboard with error=no_role', async () => {
    const { ledger } = await setUp();
    const { back } = await signIn(ledger, 'nobody');
    expect(back.statusCode).toBe(303);
    expect(String(back.headers.location)).toBe(`${LEDGER_ORIGIN}/#/signin?error=no_role`);
  });

  it('refuses a callback whose state this browser did not start (no cookie, 400)', async () => {
    const { ledger } = await setUp();
    const start = await ledger.app.inject({ method: 'GET', url: '/auth/login' });
    const state = new URL(String(start.headers.location)).searchParams.get('state');
    const forged = await ledger.app.inject({
      method: 'GET',
      url: `/auth/callback?code=stolen&state=${state}`,
    });
    expectProblem(forged, 400, 'VALIDATION_FAILED');
  });

  it('refuses a handoff id that was never issued (404) or is malformed (400)', async () => {
    const { ledger } = await setUp();
    expectProblem(
      await ledger.post('/auth/session', null, { handoff: 'A'.repeat(43) }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await ledger.post('/auth/session', null, { handoff: 'short' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('passes the provider refusing back to the dashboard', async () => {
    const { ledger } = await setUp();
    const back = await ledger.app.inject({
      method: 'GET',
      url: '/auth/callback?error=access_denied&state=x',
    });
    expect(String(back.headers.location)).toBe(`${LEDGER_ORIGIN}/#/signin?error=access_denied`);
  });

  it('signs out at the provider and comes back to the dashboard', async () => {
    const { ledger } = await setUp();
    const out = await ledger.app.inject({ method: 'GET', url: '/auth/logout' });
    expect(out.statusCode).toBe(303);
    const location = new URL(String(out.headers.location));
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${LEDGER_ORIGIN}/`);
    expect(location.searchParams.get('client_id')).toBe(TEST_CLIENT_ID);
  });

  it('answers 503 IDENTITY_PROVIDER_UNAVAILABLE, with Retry-After, when the provider is down', async () => {
    const gone = await startOidcProvider(LEDGER_ORIGIN);
    await gone.close();
    ledger = await createTestLedger({
      oidc: {
        verifier: {
          issuers: [gone.issuer],
          audience: TEST_AUDIENCE,
          clockSkewSeconds: 60,
          maxLifetimeSeconds: 3_600,
          subjectClaim: 'sub',
        },
        defaultRules: [],
        login: {
          issuer: gone.issuer,
          clientId: TEST_CLIENT_ID,
          redirectUrl: `${LEDGER_ORIGIN}/auth/callback`,
          scope: 'openid',
        },
      },
    });
    for (const url of ['/auth/login', '/auth/logout']) {
      const response = await ledger.app.inject({ method: 'GET', url });
      expectProblem(response, 503, 'IDENTITY_PROVIDER_UNAVAILABLE');
      expect(response.headers['retry-after']).toBe('5');
    }
  });

  it('documents the sign-in routes in /openapi.json', async () => {
    const { ledger } = await setUp();
    const doc = (await ledger.get('/openapi.json', null)).json();
    for (const path of ['/auth/login', '/auth/callback', '/auth/logout', '/auth/config'])
      expect(doc.paths[path]?.get, path).toBeDefined();
    expect(doc.paths['/auth/session']?.post).toBeDefined();
  });

  it('says single sign-on is on (GET /auth/config), and is absent without a client', async () => {
    const { ledger } = await setUp();
    expect((await ledger.get('/auth/config', null)).json()).toEqual({
      oidc: true,
      issuer: idp.issuer,
    });
    const plain = await createTestLedger();
    try {
      expect((await plain.get('/auth/config', null)).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
