/**
 * The OpenAPI document as the API really behaves, fixed up in one place for every route (new
 * routes included) rather than route by route: each operation gets an operationId, refusals are
 * documented as application/problem+json (what errors.ts sends), and the answers any route may
 * give without its own schema saying so are added: 429 on writes (the per-caller write limit)
 * and 503 wherever the server may shed load (underPressure.ts).
 */

import { ProblemSchema } from '../schemas.ts';

/** The media type refusals are sent with (problem.ts sends it with a charset parameter). */
const PROBLEM_MEDIA_TYPE = 'application/problem+json';
/** How schemas.ts ProblemSchema describes itself: how a refusal is told from an ordinary 503 body (/health). */
export const PROBLEM_SCHEMA_DESCRIPTION = ProblemSchema.description ?? 'RFC 9457 problem details';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
const WRITE_METHODS: ReadonlySet<string> = new Set(['post', 'put', 'delete', 'patch']);

/** The licence the document states: the project's own (package.json "license": "UNLICENSED"). */
export const API_LICENSE = {
  name: 'UNLICENSED: proprietary, all rights reserved',
  identifier: 'LicenseRef-potledger-proprietary',
} as const;

/** What each tag groups, for the document's top-level `tags` (a tag without one is described by its name). */
const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  agencies: 'The public bodies that pay into pots and receive the benefits',
  pots: 'Pooled budgets: opening, partners, contributions, interventions, allocations, outcomes, reversals',
  money: 'Money moving through a pot',
  controls: 'Four-eyes approval, closing financial years and pots',
  reports: 'Benefit flows, agency balances and other reads of the books',
  audit: 'The audit trail, the raw event log and tamper-evidence proofs',
  'unit costs': 'The versioned catalogue of unit costs outcomes are valued with',
  'pooled fund': 'Section 75 agreements, schemes, spend, commitments and forecasts',
  'pooled-fund year': 'Monitoring, year-end settlement, the memorandum account and journals',
  'outcome payments': 'Rate cards and outcome claims: validate, reject, pay',
  operations: 'Liveness, readiness and metrics for operators',
};

/** Paths the load shedder never refuses (underPressure.ts): operators must reach them when busy. */
export const NEVER_SHED_PATHS: ReadonlySet<string> = new Set(['/health', '/metrics']);

export interface OpenApiServer {
  readonly url: string;
  readonly description: string;
}

/**
 * The servers the document names: the configured public URL (LEDGER_PUBLIC_URL), else "/",
 * which OpenAPI reads as the server that served the document.
 */
export function openApiServers(publicUrl: string | undefined): OpenApiServer[] {
  if (publicUrl === undefined || publicUrl === '')
    return [{ url: '/', description: 'The server this document was read from' }];
  return [{ url: publicUrl.replace(/\/+$/, ''), description: 'This ledger (LEDGER_PUBLIC_URL)' }];
}

type Json = Record<string, unknown>;

const problemResponse = (description: string, headers?: Json): Json => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: {
    [PROBLEM_MEDIA_TYPE]: {
      schema: { $ref: '#/components/schemas/Problem' },
    },
  },
});

const RETRY_AFTER_HEADER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'string', pattern: '^\\d+$' },
  },
};

/**
 * The operationId of a route that does not name one: the method, then each path segment after
 * /v1, a parameter as By<Name>: `POST /v1/pots/{potId}/contributions` is postPotsByPotIdContributions.
 * Unique because method and path are.
 */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment, i) => segment !== '' && !(i === 1 && segment === 'v1'))
    .flatMap((segment) => {
      const parameter = /^\{(.+)\}$/.exec(segment);
      const text = parameter === null ? segment : `by-${parameter[1]}`;
      return text.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
    });
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

function isProblemSchema(schema: unknown): boolean {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    ((schema as Json).description === PROBLEM_SCHEMA_DESCRIPTION ||
      (schema as Json).$ref === '#/components/schemas/Problem')
  );
}

/**
 * A refusal documented under another media type (application/json, or text/csv on the CSV
 * routes, which fastify-swagger gives every answer of a route that `produces` CSV) becomes
 * application/problem+json, what errors.ts sends, by one shared schema.
 */
function fixProblemResponses(responses: Json): Json {
  for (const [status, response] of Object.entries(responses)) {
    if (!/^[45]\d\d$/.test(status) || typeof response !== 'object' || response === null) continue;
    const content = ((response as Json).content as Json | undefined) ?? {};
    const isProblem = Object.values(content).some((media) =>
      isProblemSchema((media as Json | undefined)?.schema),
    );
    if (!isProblem) continue;
    (response as Json).content = {
      [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } },
    };
  }
  return responses;
}

/** Finds the inline problem schema (the first one any route documents) to hoist as a component. */
function findProblemSchema(paths: Json): unknown {
  for (const item of Object.values(paths)) {
    for (const method of METHODS) {
      const responses = ((item as Json)[method] as Json | undefined)?.responses as Json | undefined;
      for (const response of Object.values(responses ?? {})) {
        for (const media of Object.values(((response as Json)?.content as Json | undefined) ?? {}))
          if (isProblemSchema((media as Json | undefined)?.schema)) return (media as Json).schema;
      }
    }
  }
  return undefined;
}

function fixOperation(method: string, path: string, operation: Json): void {
  operation.operationId ??= operationIdOf(method, path);
  const responses = fixProblemResponses((operation.responses as Json | undefined) ?? {});
  if (WRITE_METHODS.has(method) && responses['429'] === undefined) {
    responses['429'] = problemResponse(
      'RATE_LIMITED: more writes this minute than LEDGER_WRITE_RATE_LIMIT allows this caller',
      RETRY_AFTER_HEADER,
    );
  }
  if (!NEVER_SHED_PATHS.has(path)) {
    const existing = responses['503'] as Json | undefined;
    if (existing === undefined)
      responses['503'] = problemResponse(DEFAULT_DESCRIPTIONS['503']!, RETRY_AFTER_HEADER);
    else if (isProblemContent(existing))
      existing.headers = { ...RETRY_AFTER_HEADER, ...((existing.headers as Json) ?? {}) };
  }
  operation.responses = responses;
}

function isProblemContent(response: Json): boolean {
  return (response.content as Json | undefined)?.[PROBLEM_MEDIA_TYPE] !== undefined;
}

/** Describes a response fastify-swagger left as "Default Response" by its status. */
function describeResponses(operation: Json): void {
  for (const [status, response] of Object.entries((operation.responses as Json) ?? {})) {
    const r = response as Json;
    if (
      r.description === 'Default Response' ||
      r.description === undefined ||
      r.description === PROBLEM_SCHEMA_DESCRIPTION
    )
      r.description = DEFAULT_DESCRIPTIONS[status] ?? `HTTP ${status}`;
  }
}

const DEFAULT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  '200': 'OK',
  '201': 'Written: the new ids, the eventId and the log position',
  '400': 'VALIDATION_FAILED (or another 400 code in docs/api.md): the request is not valid',
  '401': 'UNAUTHENTICATED: no token, or an expired, unsigned or wrongly signed one',
  '403': "FORBIDDEN: the caller's role or agency may not do this",
  '404': 'NOT_FOUND',
  '406': 'NOT_ACCEPTABLE',
  '409': 'A rule of the ledger refused the command (the code says which); nothing was appended',
  '413': 'PAYLOAD_TOO_LARGE: the body is over 1 MiB',
  '415': 'UNSUPPORTED_MEDIA_TYPE: the body must be application/json',
  '503':
    'Unavailable for now, try again after Retry-After: OVERLOADED (the server is shedding load), or the code the route names (a bounded wait ran out)',
};

/**
 * fastify-swagger's transformObject: the generated document, made to tell the truth (see the
 * file comment), with servers, licence and tag descriptions.
 */
export function truthfulDocument(
  document: Json,
  options: { readonly servers: readonly OpenApiServer[] },
): Json {
  const paths = (document.paths as Json | undefined) ?? {};
  const problem = findProblemSchema(paths);
  const usedTags = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = (item as Json)[method] as Json | undefined;
      if (operation === undefined) continue;
      fixOperation(method, path, operation);
      describeResponses(operation);
      for (const tag of (operation.tags as string[] | undefined) ?? []) usedTags.add(tag);
    }
  }
  const components = (document.components as Json | undefined) ?? {};
  return {
    ...document,
    info: { ...(document.info as Json), license: API_LICENSE },
    servers: options.servers,
    tags: [...usedTags].sort().map((name) => ({
      name,
      description: TAG_DESCRIPTIONS[name] ?? name,
    })),
    paths,
    components: {
      ...components,
      schemas: {
        ...((components.schemas as Json | undefined) ?? {}),
        Problem: problem ?? { type: 'object', description: PROBLEM_SCHEMA_DESCRIPTION },
      },
    },
  };
}
