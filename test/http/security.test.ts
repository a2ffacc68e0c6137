/**
 * Security around the routes: headers, CORS only when configured, write rate limits, and logs
 * that never carry a token or the signing secret.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTestLedger,
  essexScenario,
  TEST_JWT_SECRET,
  type TestLedger,
} from '../support/testLedger.ts';

let ledger: TestLedger | undefined;
afterEach(async () => {
  await ledger?.close();
  ledger = undefined;
});

describe('security headers', () => {
  it('every answer carries helmet headers, errors included', async () => {
    ledger = await createTestLedger();
    for (const response of [
      await ledger.get('/health', null),
      await ledger.get('/v1/pots', null),
      await ledger.get('/nowhere', null),
    ]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(response.headers['content-security-policy']).toMatch(/default-src 'self'/);
    }
  });
});

describe('CORS', () => {
  it('answers no CORS headers at all unless origins are configured', async () => {
    ledger = await createTestLedger();
    const response = await ledger.app.inject({
      method: 'OPTIONS',
      url: '/v1/pots',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const get = await ledger.get('/v1/pots', ledger.token('reporter'), {
      origin: 'https://evil.example',
    });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets a browser of a configured origin read a 401 (CORS headers on refusals too)', async () => {
    ledger = await createTestLedger({ corsOrigins: ['https://reports.essex.gov.uk'] });
    const refused = await ledger.get('/v1/pots', null, { origin: 'https://reports.essex.gov.uk' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe('https://reports.essex.gov.uk');
  });

  it('allows exactly the configured origins', async () => {
    ledger = await createTestLedger({ corsOrigins: ['https://reports.essex.gov.uk'] });
    const allowed = await ledger.get('/v1/pots', ledger.token('reporter'), {
      origin: 'https://reports.essex.gov.uk',
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://reports.essex.gov.uk');
    const other = await ledger.get('/v1/pots', ledger.token('reporter'), {
      origin: 'https://evil.example',
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('write rate limit', () => {
  const agency = (n: number) => ({ agencyId: `agency-${n}`, name: `Agency ${n}`, kind: 'council' });

  it('refuses writes past the limit with 429 RATE_LIMITED problem+json, appending nothing', async () => {
    ledger = await createTestLedger({ writesPerMinute: 3 });
    const admin = ledger.token('admin', { sub: 'alice' });
    for (let n = 1; n <= 3; n++)
      expect((await ledger.post('/v1/agencies', admin, agency(n))).statusCode).toBe(201);
    const head = await ledger.store.headPosition();
    const refused = await ledger.post('/v1/agencies', admin, agency(4));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(refused.headers['retry-after']).toBeDefined();
    expect(await ledger.store.headPosition()).toBe(head);
  });

  it('counts per caller, and never limits reads', async () => {
    ledger = await createTestLedger({ writesPerMinute: 2 });
    const alice = ledger.token('admin', { sub: 'alice' });
    const bob = ledger.token('admin', { sub: 'bob' });
    for (let n = 1; n <= 2; n++)
      expect((await ledger.post('/v1/agencies', alice, agency(n))).statusCode).toBe(201);
    expect((await ledger.post('/v1/agencies', alice, agency(3))).statusCode).toBe(429);
    expect((await ledger.post('/v1/agencies', bob, agency(3))).statusCode).toBe(201);
    for (let n = 0; n < 10; n++)
      expect((await ledger.get('/v1/agencies', alice)).statusCode).toBe(200);
  });
});

describe('logs', () => {
  it('never contain a bearer token or the signing secret, whatever the request', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    ledger = await createTestLedger({ logger: { level: 'trace', stream: sink } });
    const scenario = await essexScenario(ledger);
    const forged = ledger.token('admin', { secret: 'a-different-secret-a-different-secret-000' });
    await ledger.get('/v1/audit', scenario.tokens.auditor);
    await ledger.get('/v1/audit', forged);
    await ledger.post(`/v1/pots/${scenario.potId}/allocations`, scenario.tokens.cc, {
      interventionId: scenario.interventionId,
      amount: '1e9',
      effectiveDate: '2025-05-01',
      reason: 'x',
    });
    await ledger.post('/v1/agencies', scenario.tokens.admin, {
      agencyId: 'essex-cc',
      name: 'again',
      kind: 'council',
    });
    await ledger.get(`/v1/pots/${scenario.potId}?minPosition=abc`, scenario.tokens.reporter);

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(10); // the logger really was writing
    for (const token of [...Object.values(scenario.tokens), forged]) {
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.split('.')[2]!); // not even the signature
    }
    expect(log).not.toContain(TEST_JWT_SECRET);
    expect(log.toLowerCase()).not.toContain('authorization');
  });
});
