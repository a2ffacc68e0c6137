/**
 * POST /dev/token: the dashboard's development sign-in. It exists only when the server is
 * built with devTokens (NODE_ENV is not production), answers only loopback clients, and its
 * tokens are ordinary tokens the API checks like any other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { devTokensEnabled } from '../../src/http/plugins/devToken.ts';
import { createTestLedger, type TestLedger } from '../support/testLedger.ts';
import { expectProblem, expectValidation } from './helpers.ts';

let ledger: TestLedger | undefined;
afterEach(async () => {
  await ledger?.close();
  ledger = undefined;
});

const mintVia = (
  l: TestLedger,
  body: unknown,
  remoteAddress = '127.0.0.1',
  headers: Record<string, string> = {},
) =>
  l.app.inject({
    method: 'POST',
    url: '/dev/token',
    payload: body as object,
    remoteAddress,
    headers,
  });

describe('POST /dev/token', () => {
  it('is on only when NODE_ENV is not production', () => {
    expect(devTokensEnabled({ NODE_ENV: 'production' })).toBe(false);
    for (const env of [{}, { NODE_ENV: 'development' }, { NODE_ENV: 'test' }])
      expect(devTokensEnabled(env)).toBe(true);
  });

  it('does not exist in production mode: 404 NOT_FOUND, like any unknown route', async () => {
    ledger = await createTestLedger({ devTokens: devTokensEnabled({ NODE_ENV: 'production' }) });
    expectProblem(await mintVia(ledger, { sub: 'mallory', role: 'admin' }), 404, 'NOT_FOUND');
    // Nor is it documented anywhere.
    expect(JSON.stringify((await ledger.get('/openapi.json', null)).json())).not.toContain(
      '/dev/token',
    );
  });

  it('201 with a token the API accepts, for each role, on loopback', async () => {
    ledger = await createTestLedger({ devTokens: true });
    // What each minted token may then do is what its role may do: only auditors and admins read the audit trail.
    for (const [claims, auditStatus] of [
      [{ sub: 'alice', role: 'admin' }, 200],
      [{ sub: 'bob', role: 'finance-officer', agency: 'essex-police' }, 403],
      [{ sub: 'rita', role: 'reporter' }, 403],
      [{ sub: 'ivy', role: 'auditor' }, 200],
    ] as const) {
      for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
        const res = await mintVia(ledger, claims, address);
        expect(res.statusCode, res.body).toBe(201);
        const { token } = res.json() as { token: string };
        expect((await ledger.get('/v1/audit', token)).statusCode).toBe(auditStatus);
      }
    }
  });

  it('403 FORBIDDEN for a client that is not on this machine, whatever X-Forwarded-For says', async () => {
    ledger = await createTestLedger({ devTokens: true });
    expectProblem(
      await mintVia(ledger, { sub: 'mallory', role: 'admin' }, '192.0.2.10'),
      403,
      'FORBIDDEN',
    );
    const forwarded = await ledger.app.inject({
      method: 'POST',
      url: '/dev/token',
      payload: { sub: 'mallory', role: 'admin' },
      remoteAddress: '192.0.2.10',
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    expectProblem(forwarded, 403, 'FORBIDDEN');
  });

  it('400 VALIDATION_FAILED for claims no token may carry', async () => {
    ledger = await createTestLedger({ devTokens: true });
    expectValidation(await mintVia(ledger, { sub: 'x', role: 'superuser' }), 'body.role');
    expectValidation(await mintVia(ledger, { sub: 'x', role: 'admin', extra: 1 }));
    // A finance officer must name an agency; a blank subject is no one.
    expectProblem(
      await mintVia(ledger, { sub: 'bob', role: 'finance-officer' }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await mintVia(ledger, { sub: '  ', role: 'admin' }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await mintVia(ledger, { sub: 'bob', role: 'finance-officer', agency: 'Not A Slug' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('403 FORBIDDEN from loopback when the Host or the Origin names another site (DNS rebinding); 201 for local names on any port', async () => {
    ledger = await createTestLedger({ devTokens: true });
    const admin = { sub: 'mallory', role: 'admin' };
    expectProblem(
      await mintVia(ledger, admin, '127.0.0.1', { host: 'attacker.example' }),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await mintVia(ledger, admin, '127.0.0.1', { host: 'attacker.example:3000' }),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await mintVia(ledger, admin, '127.0.0.1', { host: 'localhost.attacker.example' }),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await mintVia(ledger, admin, '127.0.0.1', {
        host: 'localhost:3000',
        origin: 'http://attacker.example:3000',
      }),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await mintVia(ledger, admin, '127.0.0.1', { host: 'localhost:3000', origin: 'null' }),
      403,
      'FORBIDDEN',
    );
    for (const headers of <Record<string, string>[]>[
      { host: 'localhost:3000' },
      { host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' },
      { host: '[::1]:3000', origin: 'http://[::1]:3000' },
      { host: 'LOCALHOST', origin: 'http://localhost:5173' },
    ]) {
      const res = await mintVia(ledger, admin, '127.0.0.1', headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(201);
    }
  });
});
