/**
 * Single sign-on, the API side: access tokens from a configured OpenID Connect issuer (served
 * over real HTTP on loopback: discovery and a JWKS) are verified for algorithm, issuer,
 * audience, expiry and lifetime; a key rotation is followed and a removed key refused; the role
 * and agency come from the sign-in mapping, matched on a group claim; HS256 tokens can be
 * switched off, as they are by default in production.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import type { SignInRule } from '../../events/signInMapping.ts';
import { readHs256, readSignInConfig } from '../../src/app/oidcConfig.ts';
import { startKeyIssuer, type KeyIssuer } from '../support/keyIssuer.ts';
import { createTestLedger, essexScenario, type TestLedger } from '../support/testLedger.ts';
import { expectProblem } from './helpers.ts';

const AUDIENCE = 'api://potledger';
const FINANCE_GROUP = '7f3c2a4e-police-finance';
const RULES: readonly SignInRule[] = [
  { claim: 'groups', value: FINANCE_GROUP, role: 'finance-officer', agency: 'essex-police' },
  { claim: 'groups', value: 'auditors', role: 'auditor' },
  { claim: 'roles', value: 'PotLedger.Admin', role: 'admin' },
];

let issuer: KeyIssuer;
let ledger: TestLedger | undefined;
beforeAll(async () => {
  issuer = await startKeyIssuer(AUDIENCE);
});
afterAll(async () => issuer.close());
afterEach(async () => {
  await ledger?.close();
  ledger = undefined;
});

function oidcOptions(
  overrides: {
    maxLifetimeSeconds?: number;
    jwksCacheMaxAgeMs?: number;
    clockSkewSeconds?: number;
  } = {},
) {
  return {
    verifier: {
      issuers: [issuer.issuer],
      audience: AUDIENCE,
      clockSkewSeconds: overrides.clockSkewSeconds ?? 30,
      maxLifetimeSeconds: overrides.maxLifetimeSeconds ?? 4 * 3_600,
      subjectClaim: 'sub',
      jwksCooldownMs: 0,
      ...(overrides.jwksCacheMaxAgeMs === undefined
        ? {}
        : { jwksCacheMaxAgeMs: overrides.jwksCacheMaxAgeMs }),
    },
    defaultRules: RULES,
  };
}

async function essexWithOidc(overrides: Parameters<typeof oidcOptions>[0] = {}) {
  ledger = await createTestLedger({ oidc: oidcOptions(overrides) });
  return { ledger, ...(await essexScenario(ledger)) };
}

const contribution = {
  agencyId: 'essex-police',
  amount: '1000.00',
  effectiveDate: '2025-06-01',
  reference: 'SSO-1',
};

describe('access tokens from an OpenID Connect issuer', () => {
  it('maps a group claim to a finance officer of Essex Police, who records a contribution', async () => {
    const { ledger, potId } = await essexWithOidc();
    const token = await issuer.sign({ sub: 'fran@essex.police.uk', groups: [FINANCE_GROUP] });
    const response = await ledger.post(`/v1/pots/${potId}/contributions`, token, contribution);
    expect(response.statusCode).toBe(201);
    const events = await ledger.get('/v1/events?limit=1000', ledger.token('auditor'));
    const last = events.json().events.at(-1);
    expect(last.type).toBe('ContributionReceived');
    expect(last.metadata.actor).toEqual({
      sub: 'fran@essex.police.uk',
      role: 'finance-officer',
      agencyId: 'essex-police',
    });
  });

  it('keeps the agency rules: the mapped finance officer may not contribute for another agency', async () => {
    const { ledger, potId } = await essexWithOidc();
    const token = await issuer.sign({ sub: 'fran', groups: [FINANCE_GROUP] });
    const response = await ledger.post(`/v1/pots/${potId}/contributions`, token, {
      ...contribution,
      agencyId: 'essex-cc',
    });
    expectProblem(response, 403, 'FORBIDDEN');
  });

  it('maps an app-role claim to admin and an auditor group to auditor, first rule first', async () => {
    const { ledger } = await essexWithOidc();
    const admin = await issuer.sign({ sub: 'ada', roles: ['PotLedger.Admin'] });
    const created = await ledger.post('/v1/agencies', admin, {
      agencyId: 'essex-fire',
      name: 'Essex Fire',
      kind: 'fire',
    });
    expect(created.statusCode).toBe(201);
    const auditor = await issuer.sign({ sub: 'ivy', groups: ['auditors', FINANCE_GROUP] });
    // The finance rule comes first in the mapping, so the finance officer's role wins.
    const refused = await ledger.get('/v1/audit', auditor);
    expectProblem(refused, 403, 'FORBIDDEN');
    const onlyAuditor = await issuer.sign({ sub: 'ivy', groups: ['auditors'] });
    expect((await ledger.get('/v1/audit', onlyAuditor)).statusCode).toBe(200);
  });

  it('takes the agency from the agency claim when the rule names none, and refuses without one', async () => {
    ledger = await createTestLedger({
      oidc: {
        verifier: { ...oidcOptions().verifier, agencyClaim: 'ledger_agency' },
        defaultRules: [
          { claim: 'roles', value: 'PotLedger.FinanceOfficer', role: 'finance-officer' },
        ],
      },
    });
    const { potId } = await essexScenario(ledger);
    const withAgency = await issuer.sign({
      sub: 'fran',
      roles: ['PotLedger.FinanceOfficer'],
      ledger_agency: 'essex-police',
    });
    expect(
      (await ledger.post(`/v1/pots/${potId}/contributions`, withAgency, contribution)).statusCode,
    ).toBe(201);
    const without = await issuer.sign({ sub: 'fran', roles: ['PotLedger.FinanceOfficer'] });
    const refused = await ledger.get('/v1/pots', without);
    expectProblem(refused, 403, 'FORBIDDEN');
    expect(refused.json().detail).toMatch(/ledger_agency/);
  });

  it('refuses, 403, a signed-in person no rule gives a role', async () => {
    const { ledger } = await essexWithOidc();
    const token = await issuer.sign({ sub: 'stranger', groups: ['grp-unrelated'] });
    const response = await ledger.get('/v1/pots', token);
    expectProblem(response, 403, 'FORBIDDEN');
    expect(response.json().detail).toMatch(/no sign-in rule/);
  });

  it('accepts ES256 as well as RS256', async () => {
    const { ledger } = await essexWithOidc();
    const kid = await issuer.addKey('ES256');
    const token = await issuer.sign({ sub: 'ada', roles: ['PotLedger.Admin'] }, { kid });
    expect((await ledger.get('/v1/pots', token)).statusCode).toBe(200);
  });

  it('follows a key rotation: a token signed with a new key id verifies', async () => {
    const { ledger } = await essexWithOidc();
    const before = await issuer.sign({ sub: 'ada', roles: ['PotLedger.Admin'] });
    expect((await ledger.get('/v1/pots', before)).statusCode).toBe(200);
    const fetchesBefore = issuer.jwksFetches();
    const kid = await issuer.addKey('RS256');
    const after = await issuer.sign({ sub: 'ada', roles: ['PotLedger.Admin'] }, { kid });
    expect((await ledger.get('/v1/pots', after)).statusCode).toBe(200);
    expect(issuer.jwksFetches()).toBeGreaterThan(fetchesBefore);
  });

  it('refuses, 401, a token signed with a key the issuer no longer publishes', async () => {
    const { ledger } = await essexWithOidc({ jwksCacheMaxAgeMs: 1 });
    const kid = await issuer.addKey('RS256');
    const token = await issuer.sign({ sub: 'ada', roles: ['PotLedger.Admin'] }, { kid });
    expect((await ledger.get('/v1/pots', token)).statusCode).toBe(200);
    issuer.removeKey(kid);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expectProblem(await ledger.get('/v1/pots', token), 401, 'UNAUTHENTICATED');
  });

  it('refuses, 401, an expired token (beyond the clock skew)', async () => {
    const { ledger } = await essexWithOidc();
    const now = Math.floor(Date.now() / 1000);
    const expired = await issuer.sign(
      { sub: 'ada', roles: ['PotLedger.Admin'] },
      { iat: now - 3_600, exp: now - 120 },
    );
    expectProblem(await ledger.get('/v1/pots', expired), 401, 'UNAUTHENTICATED');
    // Ten seconds past expiry is within the 30 s skew the ledger allows.
    const justExpired = await issuer.sign(
      { sub: 'ada', roles: ['PotLedger.Admin'] },
      { iat: now - 3_600, exp: now - 10 },
    );
    expect((await ledger.get('/v1/pots', justExpired)).statusCode).toBe(200);
  });

  it('refuses, 401, a token once it expires, even after it was accepted (and cached) before', async () => {
    const { ledger } = await essexWithOidc({ clockSkewSeconds: 0 });
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.sign(
      { sub: 'ada', roles: ['PotLedger.Admin'] },
      { iat: now - 60, exp: now + 2 },
    );
    expect((await ledger.get('/v1/pots', token)).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, (now + 2) * 1000 - Date.now() + 50));
    expectProblem(await ledger.get('/v1/pots', token), 401, 'UNAUTHENTICATED');
  });

  it('refuses, 401, a token living longer than the maximum lifetime', async () => {
    const { ledger } = await essexWithOidc({ maxLifetimeSeconds: 3_600 });
    const now = Math.floor(Date.now() / 1000);
    const long = await issuer.sign(
      { sub: 'ada', roles: ['PotLedger.Admin'] },
      { iat: now, exp: now + 3_601 },
    );
    expectProblem(await ledger.get('/v1/pots', long), 401, 'UNAUTHENTICATED');
  });

  it('refuses, 401, a token for another audience', async () => {
    const { ledger } = await essexWithOidc();
    const token = await issuer.sign(
      { sub: 'ada', roles: ['PotLedger.Admin'] },
      { audience: 'api://someone-else' },
    );
    expectProblem(await ledger.get('/v1/pots', token), 401, 'UNAUTHENTICATED');
  });

  it('refuses, 401, a token from another issuer, even one signed with a published key', async () => {
    const { ledger } = await essexWithOidc();
    const other = await startKeyIssuer(AUDIENCE);
    try {
      const foreign = await other.sign({ sub: 'ada', roles: ['PotLedger.Admin'] });
      expectProblem(await ledger.get('/v1/pots', foreign), 401, 'UNAUTHENTICATED');
      // Claiming our issuer does not help a token signed with the other issuer's key.
      const forged = await other.sign(
        { sub: 'ada', roles: ['PotLedger.Admin'] },
        { issuer: issuer.issuer },
      );
      expectProblem(await ledger.get('/v1/pots', forged), 401, 'UNAUTHENTICATED');
    } finally {
      await other.close();
    }
  });

  it('refuses, 401, a token signed with HS256 that claims the issuer', async () => {
    const { ledger } = await essexWithOidc();
    const token = await new SignJWT({ sub: 'ada', roles: ['PotLedger.Admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer.issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('x'.repeat(64)));
    expectProblem(await ledger.get('/v1/pots', token), 401, 'UNAUTHENTICATED');
  });

  it('answers 503 IDENTITY_PROVIDER_UNAVAILABLE when discovery names a plain-http JWKS elsewhere', async () => {
    const careless = await startKeyIssuer(AUDIENCE, {
      advertisedJwksUri: 'http://keys.example.org/jwks',
    });
    try {
      const token = await careless.sign({ sub: 'ada', roles: ['PotLedger.Admin'] });
      ledger = await createTestLedger({
        oidc: {
          ...oidcOptions(),
          verifier: { ...oidcOptions().verifier, issuers: [careless.issuer] },
        },
      });
      const response = await ledger.get('/v1/pots', token);
      expectProblem(response, 503, 'IDENTITY_PROVIDER_UNAVAILABLE');
      expect(response.json().detail).toMatch(/not an https URL/);
    } finally {
      await careless.close();
    }
  });

  it('answers 503 IDENTITY_PROVIDER_UNAVAILABLE when the issuer cannot be reached', async () => {
    const gone = await startKeyIssuer(AUDIENCE);
    const token = await gone.sign({ sub: 'ada', roles: ['PotLedger.Admin'] });
    await gone.close();
    ledger = await createTestLedger({
      oidc: { ...oidcOptions(), verifier: { ...oidcOptions().verifier, issuers: [gone.issuer] } },
    });
    const response = await ledger.get('/v1/pots', token);
    expectProblem(response, 503, 'IDENTITY_PROVIDER_UNAVAILABLE');
    expect(response.headers['retry-after']).toBe('5');
  });
});

describe('HS256 tokens', () => {
  it('are refused when switched off, while the issuer tokens still work', async () => {
    ledger = await createTestLedger({ oidc: oidcOptions(), hs256: false });
    expectProblem(await ledger.get('/v1/pots', ledger.token('admin')), 401, 'UNAUTHENTICATED');
    const token = await issuer.sign({ sub: 'ada', roles: ['PotLedger.Admin'] });
    expect((await ledger.get('/v1/pots', token)).statusCode).toBe(200);
  });

  it('are off by default in production, on when configured, on outside production', () => {
    expect(readHs256({ NODE_ENV: 'production' })).toBe(false);
    expect(readHs256({ NODE_ENV: 'production', LEDGER_HS256: 'on' })).toBe(true);
    expect(readHs256({})).toBe(true);
    expect(readHs256({ LEDGER_HS256: 'off' })).toBe(false);
    expect(() => readHs256({ LEDGER_HS256: 'yes' })).toThrow(/on or off/);
  });

  it('a production server with neither HS256 nor an issuer refuses to start', () => {
    expect(() => readSignInConfig({ NODE_ENV: 'production' })).toThrow(/no way to sign in/);
  });
});

describe('sign-in configuration', () => {
  const base = {
    LEDGER_OIDC_ISSUERS: 'https://login.microsoftonline.com/tenant-id/v2.0',
    LEDGER_OIDC_AUDIENCE: 'api://potledger',
  };

  it('reads issuers, audience, skew, lifetime and the default mapping', () => {
    const config = readSignInConfig({
      ...base,
      LEDGER_OIDC_CLOCK_SKEW_S: '90',
      LEDGER_OIDC_MAX_LIFETIME_S: '7200',
      LEDGER_OIDC_SIGN_IN_RULES: JSON.stringify(RULES),
    });
    expect(config.oidc?.verifier).toMatchObject({
      issuers: [base.LEDGER_OIDC_ISSUERS],
      audience: 'api://potledger',
      clockSkewSeconds: 90,
      maxLifetimeSeconds: 7_200,
    });
    expect(config.oidc?.defaultRules).toEqual(RULES);
    expect(config.oidc?.login).toBeNull();
  });

  it('refuses plain-http issuers off this machine, a missing audience and bad rules', () => {
    expect(() =>
      readSignInConfig({ ...base, LEDGER_OIDC_ISSUERS: 'http://idp.example.org' }),
    ).toThrow(/https/);
    expect(() => readSignInConfig({ LEDGER_OIDC_ISSUERS: base.LEDGER_OIDC_ISSUERS })).toThrow(
      /AUDIENCE/,
    );
    expect(() =>
      readSignInConfig({
        ...base,
        LEDGER_OIDC_SIGN_IN_RULES: JSON.stringify([{ claim: 'groups', value: 'g', role: 'boss' }]),
      }),
    ).toThrow(/role/);
    expect(() => readSignInConfig({ ...base, LEDGER_OIDC_SIGN_IN_RULES: '[{' })).toThrow(/JSON/);
  });

  it('a dashboard client needs its redirect URL', () => {
    expect(() => readSignInConfig({ ...base, LEDGER_OIDC_CLIENT_ID: 'c' })).toThrow(/REDIRECT/);
    const config = readSignInConfig({
      ...base,
      LEDGER_OIDC_CLIENT_ID: 'c',
      LEDGER_OIDC_REDIRECT_URL: 'https://ledger.example.gov.uk/auth/callback',
    });
    expect(config.oidc?.login).toMatchObject({ clientId: 'c', scope: 'openid profile' });
  });
});
