/**
 * Configuration from the environment (docs/operations.md, "Configuration"), read once at start.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { DEFAULT_HISTORY_BUDGET_MS } from '../books/historyPool.ts';
import { resolveReadModelsUrl } from '../books/sqlMirror/openReadModels.ts';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../http/plugins/serverLimits.ts';
import { DEFAULT_PRESSURE_LIMITS, type PressureLimits } from '../http/plugins/underPressure.ts';
import { DEFAULT_READY_MAX_LAG_EVENTS } from '../http/routes/readiness.ts';

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './data';
export const JWT_SECRET_FILE = 'jwt-secret';
const JWT_SECRET_BYTES = 48;
/** Shorter HS256 secrets can be brute-forced; refuse to run with one. */
export const MIN_JWT_SECRET_CHARS = 32;

export interface LedgerConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly storeUrl: string;
  /** Where the SQL read models go (LEDGER_READ_MODELS, else the events' own SQLite/PostgreSQL database); null when off. */
  readonly readModelsUrl: string | null;
  /** LEDGER_CORS_ORIGINS, comma-separated; empty means no CORS headers at all. */
  readonly corsOrigins: readonly string[];
  /** LEDGER_WRITE_RATE_LIMIT writes per minute per caller; null when "off". */
  readonly writesPerMinute: number | null;
  /** LEDGER_SNAPSHOTS: the directory for books and stream snapshots (default <data dir>/snapshots); null when "off". */
  readonly snapshotsDir: string | null;
  /** LEDGER_HISTORY_BUDGET_MS: time budget of one historical (asAt / atPosition / statement) request. */
  readonly historyBudgetMs: number;
  /** LEDGER_REQUEST_TIMEOUT_MS, LEDGER_HEADERS_TIMEOUT_MS, LEDGER_CONNECTION_TIMEOUT_MS, LEDGER_KEEP_ALIVE_TIMEOUT_MS, LEDGER_MAX_CONNECTIONS. */
  readonly serverLimits: ServerLimits;
  /** LEDGER_PUBLIC_URL: where clients reach the server, for the OpenAPI document's `servers`; undefined when unset. */
  readonly publicUrl: string | undefined;
  /** LEDGER_MAX_EVENT_LOOP_DELAY_MS, LEDGER_MAX_EVENT_LOOP_UTILIZATION: when requests are shed; null when LEDGER_LOAD_SHEDDING=off. */
  readonly pressureLimits: PressureLimits | null;
  /** LEDGER_READY_MAX_LAG_EVENTS: how far behind the log head the books may be for /ready. */
  readonly readyMaxLagEvents: number;
}

/** Each server limit and the variable that overrides its default (src/http/plugins/serverLimits.ts). */
export const SERVER_LIMIT_VARIABLES: Readonly<Record<keyof ServerLimits, string>> = {
  requestTimeoutMs: 'LEDGER_REQUEST_TIMEOUT_MS',
  headersTimeoutMs: 'LEDGER_HEADERS_TIMEOUT_MS',
  connectionTimeoutMs: 'LEDGER_CONNECTION_TIMEOUT_MS',
  keepAliveTimeoutMs: 'LEDGER_KEEP_ALIVE_TIMEOUT_MS',
  maxConnections: 'LEDGER_MAX_CONNECTIONS',
};

export const SNAPSHOTS_SUBDIR = 'snapshots';

export const DEFAULT_WRITES_PER_MINUTE = 1_200;

export function readConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const dataDir = resolve(env.LEDGER_DATA_DIR ?? DEFAULT_DATA_DIR);
  const port = wholeNumber('PORT', setting(env.PORT)) ?? DEFAULT_PORT;
  if (port > 65_535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const storeUrl = env.LEDGER_STORE ?? `sqlite:${join(dataDir, 'ledger.db')}`;
  const corsOrigins = (env.LEDGER_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of corsOrigins) {
    // A browser's Origin header is exactly scheme://host[:port]: anything else could never match.
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    const plainHost =
      parsed !== undefined &&
      (/^[a-z0-9.-]+$/.test(parsed.hostname) || parsed.hostname.startsWith('['));
    if (
      parsed === undefined ||
      !/^https?:$/.test(parsed.protocol) ||
      parsed.origin !== origin ||
      !plainHost
    ) {
      throw new Error(
        `LEDGER_CORS_ORIGINS: ${origin} is not an origin like https://reports.example.gov.uk`,
      );
    }
  }
  return {
    port,
    // An empty HOST would bind every interface; an empty setting means "the default" instead.
    host: setting(env.HOST) ?? DEFAULT_HOST,
    dataDir,
    storeUrl,
    readModelsUrl: resolveReadModelsUrl(storeUrl, env),
    corsOrigins,
    writesPerMinute: readWritesPerMinute(env.LEDGER_WRITE_RATE_LIMIT),
    snapshotsDir: readSnapshotsDir(env.LEDGER_SNAPSHOTS, dataDir),
    historyBudgetMs: readHistoryBudgetMs(env.LEDGER_HISTORY_BUDGET_MS),
    serverLimits: readServerLimits(env),
    publicUrl: readPublicUrl(setting(env.LEDGER_PUBLIC_URL)),
    pressureLimits: readPressureLimits(env),
    readyMaxLagEvents:
      wholeNumber('LEDGER_READY_MAX_LAG_EVENTS', setting(env.LEDGER_READY_MAX_LAG_EVENTS)) ??
      DEFAULT_READY_MAX_LAG_EVENTS,
  };
}

function readPublicUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !/^https?:$/.test(parsed.protocol))
    throw new Error(`LEDGER_PUBLIC_URL: ${value} is not a URL like https://ledger.example.gov.uk`);
  return value;
}

/** Load shedding is on unless switched off; 0 switches one limit off. */
function readPressureLimits(env: NodeJS.ProcessEnv): PressureLimits | null {
  if (setting(env.LEDGER_LOAD_SHEDDING) === 'off') return null;
  const delayMs = wholeNumber(
    'LEDGER_MAX_EVENT_LOOP_DELAY_MS',
    setting(env.LEDGER_MAX_EVENT_LOOP_DELAY_MS),
  );
  const utilisationText = setting(env.LEDGER_MAX_EVENT_LOOP_UTILIZATION);
  if (utilisationText !== undefined && !/^(0(\.\d{1,3})?|1(\.0{1,3})?)$/.test(utilisationText))
    throw new Error(
      `LEDGER_MAX_EVENT_LOOP_UTILIZATION must be a fraction from 0 to 1 (0 for no limit), got ${JSON.stringify(utilisationText)}`,
    );
  return {
    ...DEFAULT_PRESSURE_LIMITS,
    ...(delayMs === undefined ? {} : { maxEventLoopDelayMs: delayMs }),
    ...(utilisationText === undefined ? {} : { maxEventLoopUtilization: Number(utilisationText) }),
  };
}

/** Timeouts and the connection cap: whole numbers of at least 1; there is no "off". */
function readServerLimits(env: NodeJS.ProcessEnv): ServerLimits {
  const read = (key: keyof ServerLimits): number | undefined => {
    const name = SERVER_LIMIT_VARIABLES[key];
    const value = wholeNumber(name, setting(env[name]));
    if (value !== undefined && value < 1)
      throw new Error(`${name} must be at least 1, got ${env[name]}`);
    return value;
  };
  const requestTimeoutMs = read('requestTimeoutMs') ?? DEFAULT_SERVER_LIMITS.requestTimeoutMs;
  const headersTimeoutMs = read('headersTimeoutMs');
  if (headersTimeoutMs !== undefined && headersTimeoutMs > requestTimeoutMs) {
    throw new Error(
      `LEDGER_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed LEDGER_REQUEST_TIMEOUT_MS (${requestTimeoutMs}): the headers are part of the request`,
    );
  }
  return {
    requestTimeoutMs,
    // The default headers timeout gives way to a shorter request timeout.
    headersTimeoutMs:
      headersTimeoutMs ?? Math.min(DEFAULT_SERVER_LIMITS.headersTimeoutMs, requestTimeoutMs),
    connectionTimeoutMs: read('connectionTimeoutMs') ?? DEFAULT_SERVER_LIMITS.connectionTimeoutMs,
    keepAliveTimeoutMs: read('keepAliveTimeoutMs') ?? DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs,
    maxConnections: read('maxConnections') ?? DEFAULT_SERVER_LIMITS.maxConnections,
  };
}

/** Snapshots are a cache of the fold of the log: on unless switched off, beside the data. */
function readSnapshotsDir(text: string | undefined, dataDir: string): string | null {
  const value = setting(text);
  if (value === undefined) return join(dataDir, SNAPSHOTS_SUBDIR);
  if (value === 'off') return null;
  return resolve(value);
}

/** An environment setting, with unset and blank (or all-space) both meaning "not set". */
function setting(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

/** Plain decimal digits only: "8e3", "0x1F90" or "1.5" are mistakes, not numbers. */
function wholeNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text))
    throw new Error(`${name} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Shorter budgets would refuse every historical answer but the cached ones. */
export const MIN_HISTORY_BUDGET_MS = 100;

function readHistoryBudgetMs(text: string | undefined): number {
  const value = setting(text);
  if (value === undefined) return DEFAULT_HISTORY_BUDGET_MS;
  const budgetMs = wholeNumber('LEDGER_HISTORY_BUDGET_MS', value)!;
  if (budgetMs < MIN_HISTORY_BUDGET_MS)
    throw new Error(
      `LEDGER_HISTORY_BUDGET_MS must be at least ${MIN_HISTORY_BUDGET_MS} ms, got ${text}`,
    );
  return budgetMs;
}

function readWritesPerMinute(text: string | undefined): number | null {
  const value = setting(text);
  if (value === undefined) return DEFAULT_WRITES_PER_MINUTE;
  if (value === 'off') return null;
  const perMinute = wholeNumber('LEDGER_WRITE_RATE_LIMIT', value)!;
  if (perMinute < 1)
    throw new Error(
      `LEDGER_WRITE_RATE_LIMIT must be at least 1 write per minute, or off; got ${text}`,
    );
  return perMinute;
}

/**
 * The server's HS256 secret without ever creating one: for tools (token minting, the demo) that
 * must sign with the secret a server already uses. A new secret here would only mint tokens the
 * server rejects. Null when neither LEDGER_JWT_SECRET nor the data directory's file exists.
 */
export function readExistingJwtSecret(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const fromEnv = env.LEDGER_JWT_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const path = join(dataDir, JWT_SECRET_FILE);
  return existsSync(path) ? checkedSecretFile(path) : null;
}

/** The secret file obeys the same minimum as the variable, and only its owner may read it. */
function checkedSecretFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new Error(`${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < MIN_JWT_SECRET_CHARS)
    throw new Error(`${path} holds a secret shorter than ${MIN_JWT_SECRET_CHARS} characters`);
  return secret;
}

/**
 * The HS256 secret: LEDGER_JWT_SECRET when set, else a random one kept in the data directory
 * (created on first use, readable by the owner only) so tokens survive restarts.
 */
export function loadJwtSecret(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { secret: string; source: 'env' | 'created' | 'file'; path?: string } {
  const fromEnv = env.LEDGER_JWT_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_JWT_SECRET_CHARS)
      throw new Error(`LEDGER_JWT_SECRET must be at least ${MIN_JWT_SECRET_CHARS} characters`);
    return { secret: fromEnv, source: 'env' };
  }
  const path = join(dataDir, JWT_SECRET_FILE);
  if (existsSync(path)) return { secret: checkedSecretFile(path), source: 'file', path };
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(JWT_SECRET_BYTES).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { secret, source: 'created', path };
}
