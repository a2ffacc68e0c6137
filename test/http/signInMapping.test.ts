/**
 * GET and POST /v1/sign-in-mapping: the mapping from token claims to roles is data an admin
 * reads and changes, each change an event with a reason and the version it replaces; the
 * configured mapping (LEDGER_OIDC_SIGN_IN_RULES) applies until the first change, and a change
 * applies to the next request signed by the identity provider.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SignInRule } from '../../events/signInMapping.ts';
import { MAPPED_ROLES } from '../../events/signInMapping.ts';
import { ROLES } from '../../src/auth/tokens.ts';
import { startKeyIssuer, type KeyIssuer } from '../support/keyIssuer.ts';
import { createTestLedger, essexScenario, type TestLedger } from '../support/testLedger.ts';
import { expectProblem } from './helpers.ts';

const AUDIENCE = 'api://potledger';
const CONFIGURED: readonly SignInRule[] = [
  { claim: 'groups', value: 'grp-finance', role: 'finance-officer', agency: 'essex-police' },
];
const CHANGED: readonly SignInRule[] = [
  { claim: 'groups', value: 'grp-finance', role: 'reporter' },
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

async function setUp() {
  ledger = await createTestLedger({
    oidc: {
      verifier: {
        issuers: [issuer.issuer],
        audience: AUDIENCE,
        clockSkewSeconds: 30,
        maxLifetimeSeconds: 3_600,
        subjectClaim: 'sub',
      },
      defaultRules: CONFIGURED,
    },
  });
  const scenario = await essexScenario(ledger);
  return { ledger, admin: scenario.tokens.admin, potId: scenario.potId };
}

const change = (rules: readonly SignInRule[], replaces?: number) => ({
  rules,
  reason: 'Finance staff move to read-only for the audit',
  ...(replaces === undefined ? {} : { replaces }),
});

describe('the sign-in mapping', () => {
  it('has the same roles as the tokens', () => {
    expect([...MAPPED_ROLES]).toEqual([...ROLES]);
  });

  it('shows the configured mapping until an admin records one', async () => {
    const { ledger, admin } = await setUp();
    const response = await ledger.get('/v1/sign-in-mapping', admin);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      source: 'configured',
      rules: CONFIGURED,
      version: null,
      configuredRules: CONFIGURED,
      versions: [],
    });
  });

  it('an admin changes it (201, version 1), it is an event, and the next token follows it', async () => {
    const { ledger, admin, potId } = await setUp();
    const finance = await issuer.sign({ sub: 'fran', groups: ['grp-finance'] });
    const contribution = {
      agencyId: 'essex-police',
      amount: '5.00',
      effectiveDate: '2025-06-01',
      reference: 'MAP-1',
    };
    expect(
      (await ledger.post(`/v1/pots/${potId}/contributions`, finance, contribution)).statusCode,
    ).toBe(201);

    const written = await ledger.post('/v1/sign-in-mapping', admin, change(CHANGED));
    expect(written.statusCode).toBe(201);
    expect(written.json()).toMatchObject({ version: 1, eventId: expect.any(String) });
    const shown = (await ledger.get('/v1/sign-in-mapping', ledger.token('auditor'))).json();
    expect(shown).toMatchObject({ source: 'recorded', rules: CHANGED, version: 1 });
    expect(shown.versions[0]).toMatchObject({
      version: 1,
      reason: 'Finance staff move to read-only for the audit',
      changedBy: 'alice',
      eventId: written.json().eventId,
    });

    // The same person is now a reporter: reading is fine, recording money is not.
    expectProblem(
      await ledger.post(`/v1/pots/${potId}/contributions`, finance, {
        ...contribution,
        reference: 'MAP-2',
      }),
      403,
      'FORBIDDEN',
    );
    expect((await ledger.get('/v1/pots', finance)).statusCode).toBe(200);

    const audit = (await ledger.get('/v1/audit?limit=500', admin)).json();
    const entry = audit.entries.find((e: { type: string }) => e.type === 'SignInMappingChanged');
    expect(entry).toMatchObject({ actor: { sub: 'alice', role: 'admin' } });
    expect(entry.summary).toMatch(/sign-in mapping/);
  });

  it('a later change names the version it replaces (409 SIGN_IN_MAPPING_VERSION_CONFLICT otherwise)', async () => {
    const { ledger, admin } = await setUp();
    expect((await ledger.post('/v1/sign-in-mapping', admin, change(CHANGED))).statusCode).toBe(201);
    expectProblem(
      await ledger.post('/v1/sign-in-mapping', admin, change(CONFIGURED)),
      409,
      'SIGN_IN_MAPPING_VERSION_CONFLICT',
    );
    expectProblem(
      await ledger.post('/v1/sign-in-mapping', admin, change(CONFIGURED, 7)),
      409,
      'SIGN_IN_MAPPING_VERSION_CONFLICT',
    );
    const second = await ledger.post('/v1/sign-in-mapping', admin, change(CONFIGURED, 1));
    expect(second.json()).toMatchObject({ version: 2, replaces: 1 });
  });

  it('a retry with the same Idempotency-Key records once; the key with another body is 409', async () => {
    const { ledger, admin } = await setUp();
    const key = { 'idempotency-key': 'sign-in-mapping-change-1' };
    const first = await ledger.post('/v1/sign-in-mapping', admin, change(CHANGED), key);
    const again = await ledger.post('/v1/sign-in-mapping', admin, change(CHANGED), key);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().eventId).toBe(first.json().eventId);
    expectProblem(
      await ledger.post('/v1/sign-in-mapping', admin, change(CONFIGURED), key),
      409,
      'IDEMPOTENCY_KEY_REUSED',
    );
    const shown = (await ledger.get('/v1/sign-in-mapping', admin)).json();
    expect(shown.versions).toHaveLength(1);
  });

  it('the first change names nothing to replace (409 otherwise)', async () => {
    const { ledger, admin } = await setUp();
    expectProblem(
      await ledger.post('/v1/sign-in-mapping', admin, change(CHANGED, 1)),
      409,
      'SIGN_IN_MAPPING_VERSION_CONFLICT',
    );
  });

  it('refuses, 400, a bad role, a bad agency slug, a bad claim name and a missing reason', async () => {
    const { ledger, admin } = await setUp();
    for (const body of [
      change([{ claim: 'groups', value: 'g', role: 'auditor', agency: 'Essex Police' }]),
      change([{ claim: 'groups', value: 'g', role: 'superuser' } as unknown as SignInRule]),
      { rules: CHANGED },
      change([{ claim: 'bad claim!', value: 'g', role: 'auditor' }]),
    ])
      expectProblem(
        await ledger.post('/v1/sign-in-mapping', admin, body),
        400,
        'VALIDATION_FAILED',
      );
  });

  it('only an admin changes it (403 for every other role, 401 without a token)', async () => {
    const { ledger } = await setUp();
    for (const token of [
      ledger.token('finance-officer', { agency: 'essex-police' }),
      ledger.token('auditor'),
      ledger.token('reporter'),
    ])
      expectProblem(
        await ledger.post('/v1/sign-in-mapping', token, change(CHANGED)),
        403,
        'FORBIDDEN',
      );
    expectProblem(
      await ledger.post('/v1/sign-in-mapping', null, change(CHANGED)),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('admins and auditors read it (403 for finance officers and reporters, 401 without a token)', async () => {
    const { ledger } = await setUp();
    expect((await ledger.get('/v1/sign-in-mapping', ledger.token('auditor'))).statusCode).toBe(200);
    for (const token of [
      ledger.token('finance-officer', { agency: 'essex-police' }),
      ledger.token('reporter'),
    ])
      expectProblem(await ledger.get('/v1/sign-in-mapping', token), 403, 'FORBIDDEN');
    expectProblem(await ledger.get('/v1/sign-in-mapping', null), 401, 'UNAUTHENTICATED');
  });
});
