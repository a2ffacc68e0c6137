/**
 * A small client for the potledger HTTP API over real HTTP (global fetch), as any other
 * system talking to the ledger would use it: bearer tokens, Idempotency-Key on writes,
 * problem+json refusals turned into errors that carry the ledger's code.
 */

/** Every call gives up after this long: a demo that hangs teaches nothing. */
export const REQUEST_TIMEOUT_MS = 10_000;
const MAX_DETAIL_CHARS = 500;

export class ServerUnreachableError extends Error {
  constructor(
    readonly baseUrl: string,
    cause: unknown,
  ) {
    super(`no answer from ${baseUrl}: ${describeCause(cause)}`);
  }
}

/** A refusal or failure answered by the ledger: `code` is the problem's stable code. */
export class LedgerHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly request: string,
  ) {
    super(`${request} answered ${status} ${code}: ${detail}`);
  }
}

export interface WriteAnswer {
  readonly eventId: string;
  readonly position: string;
  readonly [field: string]: unknown;
}

export interface LedgerClient {
  readonly baseUrl: string;
  get<T>(path: string, token: string | null): Promise<T>;
  /** POST a JSON body; answers the 201 body and whether it was an idempotent replay. */
  post(
    path: string,
    token: string,
    body: unknown,
    idempotencyKey?: string,
  ): Promise<{ answer: WriteAnswer; replayed: boolean }>;
}

export function createLedgerClient(baseUrl: string): LedgerClient {
  const root = baseUrl.replace(/\/+$/, '');

  async function call(
    method: 'GET' | 'POST',
    path: string,
    token: string | null,
    init: { body?: unknown; idempotencyKey?: string } = {},
  ) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.idempotencyKey !== undefined) headers['idempotency-key'] = init.idempotencyKey;
    let response: Response;
    try {
      response = await fetch(`${root}${path}`, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ServerUnreachableError(root, error);
    }
    const text = await response.text();
    let json: unknown = undefined;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: reported below with the raw text
    }
    if (!response.ok) {
      const problem = (json ?? {}) as { code?: unknown; detail?: unknown };
      throw new LedgerHttpError(
        response.status,
        typeof problem.code === 'string' ? problem.code : `HTTP_${response.status}`,
        typeof problem.detail === 'string' ? problem.detail : text.slice(0, MAX_DETAIL_CHARS),
        `${method} ${path}`,
      );
    }
    return { response, json };
  }

  return {
    baseUrl: root,
    async get<T>(path: string, token: string | null): Promise<T> {
      return (await call('GET', path, token)).json as T;
    },
    async post(path, token, body, idempotencyKey) {
      const { response, json } = await call('POST', path, token, {
        body,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      });
      return {
        answer: json as WriteAnswer,
        replayed: response.headers.get('idempotent-replayed') === 'true',
      };
    },
  };
}

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError')
      return `no answer within ${REQUEST_TIMEOUT_MS} ms`;
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code !== undefined) return cause.code;
    return cause?.message ?? error.message;
  }
  return String(error);
}
