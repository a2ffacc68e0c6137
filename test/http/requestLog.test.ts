/**
 * The server's log: one JSON line per request at `info` (method, path without the query,
 * route, status, time, role), an arrival line only at `debug`, nothing per request at `warn`.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestLedger, type TestLedger } from '../support/testLedger.ts';

let ledger: TestLedger | undefined;
afterEach(async () => {
  await ledger?.close();
  ledger = undefined;
});

async function loggedAt(level: string): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  ledger = await createTestLedger({ logger: { level, stream: sink } });
  const admin = ledger.token('admin', { sub: 'alice' });
  await ledger.get('/v1/agencies?asAt=2025-05-01', admin);
  await ledger.get('/v1/pots/01ARZ3NDEKTSV4RRFFQ69G5FAV', admin);
  await ledger.get('/v1/pots', null);
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('request log', () => {
  it('writes one line per request at info, with path, route, status, time and role', async () => {
    const lines = await loggedAt('info');
    const requests = lines.filter((l) => 'status' in l);
    expect(requests).toHaveLength(3);
    expect(
      lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed'),
    ).toEqual([]);
    expect(requests[0]).toMatchObject({
      level: 30,
      method: 'GET',
      path: '/v1/agencies',
      route: '/v1/agencies',
      status: 200,
      role: 'admin',
      msg: 'GET /v1/agencies 200',
    });
    expect(typeof requests[0]!.responseTimeMs).toBe('number');
    // The query string is never logged.
    expect(JSON.stringify(lines)).not.toContain('asAt');
    expect(requests[1]).toMatchObject({
      path: '/v1/pots/01ARZ3NDEKTSV4RRFFQ69G5FAV',
      route: '/v1/pots/:potId',
      status: 404,
    });
    expect(requests[2]).toMatchObject({ path: '/v1/pots', status: 401, role: null });
  });

  it('adds an arrival line at debug and leaves requests out at warn', async () => {
    const debug = await loggedAt('debug');
    expect(debug.filter((l) => l.msg === 'request arrived')).toHaveLength(3);
    expect(debug.filter((l) => 'status' in l)).toHaveLength(3);
    await ledger!.close();
    ledger = undefined;
    const warn = await loggedAt('warn');
    expect(warn.filter((l) => 'status' in l || l.msg === 'request arrived')).toEqual([]);
  });
});
