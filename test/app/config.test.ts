/**
 * Settings an operator gets wrong must stop the server with a clear message, never quietly
 * mean something else (an empty HOST binding every interface, "8e3" read as a port).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lifetimeMs } from '../../src/auth/tokens.ts';
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_WRITES_PER_MINUTE,
  JWT_SECRET_FILE,
  loadJwtSecret,
  readConfig,
  readExistingJwtSecret,
  SERVER_LIMIT_VARIABLES,
} from '../../src/app/config.ts';
import { DEFAULT_HISTORY_BUDGET_MS } from '../../src/books/historyPool.ts';
import { DEFAULT_SERVER_LIMITS } from '../../src/http/plugins/serverLimits.ts';
import { DEFAULT_PRESSURE_LIMITS } from '../../src/http/plugins/underPressure.ts';
import { DEFAULT_READY_MAX_LAG_EVENTS } from '../../src/http/routes/readiness.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'potledger-config-'));
  dirs.push(dir);
  return dir;
};

describe('readConfig', () => {
  it('treats blank settings as unset: the defaults, never "every interface" or a random port', () => {
    const config = readConfig({ HOST: '', PORT: ' ', LEDGER_WRITE_RATE_LIMIT: '' });
    expect(config.host).toBe(DEFAULT_HOST);
    expect(config.port).toBe(DEFAULT_PORT);
    expect(config.writesPerMinute).toBe(DEFAULT_WRITES_PER_MINUTE);
  });

  it.each(['8e3', '0x1F90', '1.5', '-1', '70000'])('refuses PORT=%s', (port) => {
    expect(() => readConfig({ PORT: port })).toThrow(/PORT/);
  });

  it.each(['1e300', '0b11', '0', 'lots'])('refuses LEDGER_WRITE_RATE_LIMIT=%s', (limit) => {
    expect(() => readConfig({ LEDGER_WRITE_RATE_LIMIT: limit })).toThrow(/LEDGER_WRITE_RATE_LIMIT/);
  });

  it('keeps snapshots beside the data unless LEDGER_SNAPSHOTS names a directory or says "off"', () => {
    const dataDir = tempDir();
    expect(readConfig({ LEDGER_DATA_DIR: dataDir }).snapshotsDir).toBe(join(dataDir, 'snapshots'));
    expect(readConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_SNAPSHOTS: ' ' }).snapshotsDir).toBe(
      join(dataDir, 'snapshots'),
    );
    expect(readConfig({ LEDGER_SNAPSHOTS: '/var/cache/potledger' }).snapshotsDir).toBe(
      '/var/cache/potledger',
    );
    expect(readConfig({ LEDGER_SNAPSHOTS: 'off' }).snapshotsDir).toBeNull();
  });

  it('gives each historical request LEDGER_HISTORY_BUDGET_MS, the default when blank, and refuses a budget too short to answer anything', () => {
    expect(readConfig({}).historyBudgetMs).toBe(DEFAULT_HISTORY_BUDGET_MS);
    expect(readConfig({ LEDGER_HISTORY_BUDGET_MS: ' ' }).historyBudgetMs).toBe(
      DEFAULT_HISTORY_BUDGET_MS,
    );
    expect(readConfig({ LEDGER_HISTORY_BUDGET_MS: '60000' }).historyBudgetMs).toBe(60_000);
    for (const bad of ['50', '1e4', 'off', '-1'])
      expect(() => readConfig({ LEDGER_HISTORY_BUDGET_MS: bad })).toThrow(
        /LEDGER_HISTORY_BUDGET_MS/,
      );
  });

  it('turns the rate limit off only when told "off"', () => {
    expect(readConfig({ LEDGER_WRITE_RATE_LIMIT: 'off' }).writesPerMinute).toBeNull();
    expect(readConfig({ LEDGER_WRITE_RATE_LIMIT: '60' }).writesPerMinute).toBe(60);
  });

  it.each([
    'https://*',
    'https://u:p@reports.example',
    'https://reports.example/',
    'HTTPS://Reports.example',
    'ftp://x.example',
    'reports.example',
  ])('refuses a CORS origin no browser would send: %s', (origin) => {
    expect(() => readConfig({ LEDGER_CORS_ORIGINS: origin })).toThrow(/LEDGER_CORS_ORIGINS/);
  });

  it('accepts exact origins, comma-separated', () => {
    expect(
      readConfig({ LEDGER_CORS_ORIGINS: 'https://reports.essex.gov.uk, http://localhost:5173' })
        .corsOrigins,
    ).toEqual(['https://reports.essex.gov.uk', 'http://localhost:5173']);
  });
});

describe('server timeouts and the connection cap', () => {
  it('have named defaults, blank meaning the default', () => {
    expect(DEFAULT_SERVER_LIMITS).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      connectionTimeoutMs: 60_000,
      keepAliveTimeoutMs: 72_000,
      maxConnections: 1_024,
    });
    expect(readConfig({}).serverLimits).toEqual(DEFAULT_SERVER_LIMITS);
    expect(
      readConfig({ LEDGER_REQUEST_TIMEOUT_MS: ' ', LEDGER_MAX_CONNECTIONS: '' }).serverLimits,
    ).toEqual(DEFAULT_SERVER_LIMITS);
  });

  it('each is overridden by its LEDGER_ variable', () => {
    expect(
      readConfig({
        LEDGER_REQUEST_TIMEOUT_MS: '20000',
        LEDGER_HEADERS_TIMEOUT_MS: '5000',
        LEDGER_CONNECTION_TIMEOUT_MS: '45000',
        LEDGER_KEEP_ALIVE_TIMEOUT_MS: '65000',
        LEDGER_MAX_CONNECTIONS: '200',
      }).serverLimits,
    ).toEqual({
      requestTimeoutMs: 20_000,
      headersTimeoutMs: 5_000,
      connectionTimeoutMs: 45_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 200,
    });
  });

  it('a request timeout shorter than the default headers timeout shortens that too', () => {
    expect(readConfig({ LEDGER_REQUEST_TIMEOUT_MS: '2000' }).serverLimits.headersTimeoutMs).toBe(
      2_000,
    );
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() =>
      readConfig({ LEDGER_REQUEST_TIMEOUT_MS: '2000', LEDGER_HEADERS_TIMEOUT_MS: '3000' }),
    ).toThrow(/LEDGER_HEADERS_TIMEOUT_MS/);
  });

  const variables = Object.values(SERVER_LIMIT_VARIABLES);
  it.each(
    variables.flatMap((name) =>
      ['0', 'off', '1e4', '-5', '30s', '1.5'].map((value) => [name, value]),
    ),
  )('refuses %s=%s', (name, value) => {
    expect(() => readConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});

describe('the signing secret file', () => {
  it('is created 0600 on first use and read back after', () => {
    const dir = tempDir();
    const created = loadJwtSecret(dir, {});
    expect(created.source).toBe('created');
    expect(loadJwtSecret(dir, {})).toMatchObject({ source: 'file', secret: created.secret });
    expect(readExistingJwtSecret(dir, {})).toBe(created.secret);
  });

  it('is refused when others can read it', () => {
    const dir = tempDir();
    loadJwtSecret(dir, {});
    chmodSync(join(dir, JWT_SECRET_FILE), 0o644);
    expect(() => loadJwtSecret(dir, {})).toThrow(/readable by others/);
    expect(() => readExistingJwtSecret(dir, {})).toThrow(/readable by others/);
  });

  it('is refused when it holds a short secret', () => {
    const dir = tempDir();
    writeFileSync(join(dir, JWT_SECRET_FILE), 'abc\n', { mode: 0o600 });
    expect(() => loadJwtSecret(dir, {})).toThrow(/shorter than/);
  });

  it('is never created by a tool that only reads it', () => {
    expect(readExistingJwtSecret(tempDir(), {})).toBeNull();
  });
});

describe('token lifetimes', () => {
  it('reads 45s, 30m, 8h, 7d and plain seconds', () => {
    expect([
      lifetimeMs('45s'),
      lifetimeMs('30m'),
      lifetimeMs('8h'),
      lifetimeMs('7d'),
      lifetimeMs('90'),
    ]).toEqual([45_000, 1_800_000, 28_800_000, 604_800_000, 90_000]);
  });

  it.each(['0', '0h', '31d', '99999999d', '1w', '1.5h', ''])('refuses %s', (text) => {
    expect(() => lifetimeMs(text)).toThrow(/lifetime/);
  });
});

describe('operations settings (issue 19 item 4)', () => {
  it('defaults: load shedding on with the default limits, readiness lag 1000, no public URL', () => {
    const config = readConfig({});
    expect(config.pressureLimits).toEqual(DEFAULT_PRESSURE_LIMITS);
    expect(config.readyMaxLagEvents).toBe(DEFAULT_READY_MAX_LAG_EVENTS);
    expect(config.publicUrl).toBeUndefined();
  });

  it('reads the shedding limits, "0" switching one off, and LEDGER_LOAD_SHEDDING=off', () => {
    expect(
      readConfig({
        LEDGER_MAX_EVENT_LOOP_DELAY_MS: '250',
        LEDGER_MAX_EVENT_LOOP_UTILIZATION: '0.98',
      }).pressureLimits,
    ).toMatchObject({ maxEventLoopDelayMs: 250, maxEventLoopUtilization: 0.98 });
    expect(readConfig({ LEDGER_MAX_EVENT_LOOP_DELAY_MS: '0' }).pressureLimits).toMatchObject({
      maxEventLoopDelayMs: 0,
    });
    expect(readConfig({ LEDGER_MAX_EVENT_LOOP_UTILIZATION: '0.9' }).pressureLimits).toMatchObject({
      maxEventLoopUtilization: 0.9,
    });
    expect(readConfig({ LEDGER_LOAD_SHEDDING: 'off' }).pressureLimits).toBeNull();
  });

  it.each(['1.5', '-0.1', '90%', 'high', '.9'])(
    'refuses LEDGER_MAX_EVENT_LOOP_UTILIZATION=%s',
    (value) => {
      expect(() => readConfig({ LEDGER_MAX_EVENT_LOOP_UTILIZATION: value })).toThrow(
        /LEDGER_MAX_EVENT_LOOP_UTILIZATION/,
      );
    },
  );

  it('reads LEDGER_READY_MAX_LAG_EVENTS and LEDGER_PUBLIC_URL, refusing what is not a number or an http(s) URL', () => {
    expect(readConfig({ LEDGER_READY_MAX_LAG_EVENTS: '50' }).readyMaxLagEvents).toBe(50);
    expect(() => readConfig({ LEDGER_READY_MAX_LAG_EVENTS: '1e3' })).toThrow(
      /LEDGER_READY_MAX_LAG_EVENTS/,
    );
    expect(readConfig({ LEDGER_PUBLIC_URL: 'https://ledger.essex.example' }).publicUrl).toBe(
      'https://ledger.essex.example',
    );
    for (const value of ['ledger.essex.example', 'ftp://ledger.essex.example'])
      expect(() => readConfig({ LEDGER_PUBLIC_URL: value })).toThrow(/LEDGER_PUBLIC_URL/);
  });
});
