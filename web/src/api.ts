/**
 * Calls to the potledger API from the browser: same origin, bearer token, problem+json
 * refusals turned into ApiError carrying the problem.
 */
import type { Problem } from './problems.ts';
import { signOut } from './session.ts';

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.code}: ${problem.detail ?? ''}`);
  }
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  token: string | null,
  body?: unknown,
  idempotencyKey?: string,
): Promise<Response> {
  const headers: Record<string, string> = {
    accept: method === 'GET' && path.endsWith('.csv') ? 'text/csv' : 'application/json',
  };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError({ status: 0, code: 'NETWORK', detail: (error as Error).message });
  }
  if (response.ok) return response;
  let problem: Problem;
  try {
    problem = (await response.json()) as Problem;
  } catch {
    problem = {
      status: response.status,
      code: 'INTERNAL_ERROR',
      detail: `the server answered ${response.status}`,
    };
  }
  if (problem.code === 'UNAUTHENTICATED' && token !== null) {
    // An expired or revoked token: back to sign-in rather than a page of errors.
    signOut();
    window.location.hash = '#/signin?expired=1';
  }
  throw new ApiError(problem);
}

export async function getJson<T>(path: string, token: string): Promise<T> {
  return (await (await call('GET', path, token)).json()) as T;
}

/** What a books answer says it reflects: the `Ledger-Position` and `Ledger-As-At` headers. */
export interface BooksReading {
  readonly position: string | null;
  readonly asAt: string | null;
}

/** A GET read from the books, with the position (and date) the answer reflects. */
export async function getJsonAsAt<T>(
  path: string,
  token: string,
): Promise<{ body: T; reading: BooksReading }> {
  const response = await call('GET', path, token);
  return {
    body: (await response.json()) as T,
    reading: {
      position: response.headers.get('ledger-position'),
      asAt: response.headers.get('ledger-as-at'),
    },
  };
}

export async function getBlob(path: string, token: string): Promise<Blob> {
  return (await call('GET', path, token)).blob();
}

export interface Written {
  readonly eventId: string;
  readonly position: string;
  readonly [field: string]: unknown;
}

export async function postJson(
  path: string,
  token: string | null,
  body: unknown,
  idempotencyKey?: string,
): Promise<Written> {
  return (await (await call('POST', path, token, body, idempotencyKey)).json()) as Written;
}

/** Query string from the filled-in values only. */
export function query(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') params.set(k, v);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
