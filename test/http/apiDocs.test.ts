/**
 * docs/api.md against the API itself: every write route of /openapi.json has a curl example
 * whose body is valid against the route's schema, and the roles table defines every role.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../src/auth/tokens.ts';
import { openApiValidator } from '../support/openapiSchemas.ts';
import { useSharedScenario } from './helpers.ts';

const API_DOC = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const WRITE_METHODS = ['post', 'put', 'patch', 'delete'];
/** What a shell variable spliced into a body (`'"$eventId"'`) stands for: a well-formed ULID. */
const SAMPLE_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

interface CurlExample {
  readonly method: string;
  /** The URL path as written, with $variables. */
  readonly path: string;
  readonly body: unknown;
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  expect(start, `docs/api.md has a "## ${heading}" section`).toBeGreaterThanOrEqual(0);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

function curlExamples(markdown: string): CurlExample[] {
  const text = section(markdown, 'Every write, with curl').replaceAll('\\\n', ' ');
  const examples: CurlExample[] = [];
  for (const match of text.matchAll(
    /curl -X (POST|PUT|PATCH|DELETE) "\$LEDGER_URL([^"]+)"(.*?)(?=\ncurl |\n```|\n#)/gs,
  )) {
    const data = /-d '((?:[^']|'"\$\w+"')*)'/.exec(match[3]!);
    const json = data === null ? undefined : data[1]!.replaceAll(/'"\$\w+"'/g, SAMPLE_ULID);
    examples.push({
      method: match[1]!.toLowerCase(),
      path: match[2]!,
      body: json === undefined ? undefined : JSON.parse(json),
    });
  }
  return examples;
}

/** Does a path as written (`/v1/pots/$potId/close`) fit an OpenAPI path (`/v1/pots/{potId}/close`)? */
function fits(written: string, template: string): boolean {
  const pattern = template
    .split('/')
    .map((segment) =>
      /^\{\w+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${pattern}$`).test(written);
}

describe('docs/api.md', () => {
  const ctx = useSharedScenario();

  it('has a curl example for every write route of /openapi.json, each body valid against the route schema', async () => {
    const c = await ctx();
    const doc = (await c.ledger.get('/openapi.json', null)).json();
    const validate = openApiValidator(doc);
    const examples = curlExamples(API_DOC);
    expect(examples.length).toBeGreaterThanOrEqual(30);
    const missing: string[] = [];
    const invalid: string[] = [];
    for (const [template, item] of Object.entries(doc.paths as Record<string, any>)) {
      for (const method of WRITE_METHODS) {
        const operation = item[method];
        if (operation === undefined) continue;
        const mine = examples.filter((e) => e.method === method && fits(e.path, template));
        if (mine.length === 0) missing.push(`${method.toUpperCase()} ${template}`);
        const schema = operation.requestBody?.content?.['application/json']?.schema;
        for (const example of mine) {
          if (schema === undefined) continue;
          const errors = validate(schema, example.body);
          if (errors.length > 0)
            invalid.push(`${method.toUpperCase()} ${example.path}: ${errors.join('; ')}`);
        }
      }
    }
    expect(missing, 'write routes without a curl example in docs/api.md').toEqual([]);
    expect(invalid, 'curl examples whose body the route would refuse').toEqual([]);
    // And no example for a route the API does not have.
    const unknown = examples.filter(
      (e) =>
        !Object.entries(doc.paths as Record<string, any>).some(
          ([template, item]) => item[e.method] !== undefined && fits(e.path, template),
        ),
    );
    expect(unknown.map((e) => `${e.method} ${e.path}`)).toEqual([]);
  });

  it('the checker sees a bad body: an amount as a number is refused by the contribution schema', async () => {
    const c = await ctx();
    const doc = (await c.ledger.get('/openapi.json', null)).json();
    const schema =
      doc.paths['/v1/pots/{potId}/contributions'].post.requestBody.content['application/json']
        .schema;
    const errors = openApiValidator(doc)(schema, {
      agencyId: 'essex-cc',
      amount: 250000,
      effectiveDate: '2025-04-10',
      reference: 'PO-1',
    });
    expect(errors.join(' ')).toMatch(/amount/);
  });

  it('defines every role in one table, and the README links to it', () => {
    const roles = section(API_DOC, 'Roles');
    for (const role of ROLES) expect(roles).toMatch(new RegExp(`^\\| \`${role}\``, 'm'));
    expect(README).toContain('docs/api.md#roles');
  });
});
