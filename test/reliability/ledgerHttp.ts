/**
 * The reliability suites' HTTP client: every write is recorded with what came back — a status
 * and body, or no answer at all (the process died, the socket was reset, nobody listened) —
 * because after a crash "what did the client actually hear?" is the whole question.
 */
import type { FastifyInstance } from 'fastify';

export type Json = Record<string, any>;

/** Long enough for a loaded server, short enough that a hung request fails the test. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Paging stops here even if a cursor never ends: a bug must fail the test, not hang it. */
export const MAX_PAGES = 10_000;
export const PAGE_SIZE = 1_000;

export type Answer =
  | {
      readonly kind: 'answered';
      readonly status: number;
      readonly body: Json;
      readonly replayed: boolean;
    }
  /** No status line reached the client, or the body was cut off: the client learnt nothing. */
  | { readonly kind: 'no-answer'; readonly error: string };

export interface WriteRequest {
  readonly path: string;
  readonly token: string;
  readonly body: unknown;
  readonly idempotencyKey: string;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

export async function postWrite(baseUrl: string, request: WriteRequest): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${request.path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${request.token}`,
        'content-type': 'application/json',
        'idempotency-key': request.idempotencyKey,
      },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    return { kind: 'no-answer', error: describeFetchError(error) };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return {
      kind: 'no-answer',
      error: `status ${response.status}, body cut off: ${describeFetchError(error)}`,
    };
  }
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    // A truncated body is as good as no answer; anything else unparseable is kept for the report.
    body = { unparseable: text.slice(0, 500) };
  }
  return {
    kind: 'answered',
    status: response.status,
    body,
    replayed: response.headers.get('idempotent-replayed') === 'true',
  };
}

/** GET as JSON, failing on anything but 200. */
export type GetJson = (path: string) => Promise<Json>;

export function httpGetJson(baseUrl: string, token: string): GetJson {
  return async (path) => {
    const response = await fetch(`${baseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json()) as Json;
    if (response.status !== 200)
      throw new Error(`GET ${path} answered ${response.status}: ${JSON.stringify(body)}`);
    return body;
  };
}

/** The same reads through app.inject, for a ledger built in this process. */
export function injectGetJson(app: FastifyInstance, token: string): GetJson {
  return async (path) => {
    const response = await app.inject({
      method: 'GET',
      url: path,
      headers: { authorization: `Bearer ${token}` },
    });
    const body = response.json() as Json;
    if (response.statusCode !== 200)
      throw new Error(`GET ${path} answered ${response.statusCode}: ${JSON.stringify(body)}`);
    return body;
  };
}

export interface RawEvent {
  readonly position: string;
  readonly eventId: string;
  readonly type: string;
  readonly streamId: string;
  readonly streamRevision: string;
  readonly data: Json;
  readonly metadata: Json & { commandId: string };
}

/** The whole log as an auditor reads it: GET /v1/events, page after page. */
export async function readAllEvents(get: GetJson): Promise<RawEvent[]> {
  const events: RawEvent[] = [];
  let after = '0';
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await get(`/v1/events?limit=${PAGE_SIZE}&after=${after}`);
    events.push(...(answer.events as RawEvent[]));
    if (answer.nextCursor === null) return events;
    after = answer.nextCursor as string;
  }
  throw new Error(`/v1/events: still a next cursor after ${MAX_PAGES} pages`);
}

/** Every audit entry, page after page. */
export async function readAllAuditEntries(get: GetJson, minPosition: string): Promise<Json[]> {
  const entries: Json[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await get(
      `/v1/audit?limit=${PAGE_SIZE}&minPosition=${minPosition}${cursor === null ? '' : `&cursor=${cursor}`}`,
    );
    entries.push(...(answer.entries as Json[]));
    cursor = answer.nextCursor as string | null;
    if (cursor === null) return entries;
  }
  throw new Error(`/v1/audit: still a next cursor after ${MAX_PAGES} pages`);
}

export async function headPosition(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/health`, {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = (await response.json()) as Json;
  if (response.status !== 200)
    throw new Error(`/health answered ${response.status}: ${JSON.stringify(body)}`);
  return body.headPosition as string;
}
