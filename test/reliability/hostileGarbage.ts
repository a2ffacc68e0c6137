/**
 * Garbage for the hostile-input suite: every write route described field by field, and
 * fast-check arbitraries that turn a valid body into one that is wrong by construction (a wrong
 * type, an impossible date, an amount with an exponent, a missing or extra field, a prototype
 * key, a huge string…), plus the raw bodies JSON.stringify cannot write (huge number literals,
 * deep nesting, own `__proto__` keys, invalid UTF-8).
 */
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import type { z } from 'zod';
import { AllocateToInterventionBody } from '../../commands/allocateToIntervention.ts';
import { ContributeToPotBody } from '../../commands/contributeToPot.ts';
import { DefineInterventionBody } from '../../commands/defineIntervention.ts';
import { JoinPotBody } from '../../commands/joinPot.ts';
import { OpenPotBody } from '../../commands/openPot.ts';
import { RecordOutcomeBody } from '../../commands/recordOutcome.ts';
import { RegisterAgencyBody } from '../../commands/registerAgency.ts';
import { ReverseEntryBody } from '../../commands/reverseEntry.ts';
import {
  AGENCY_KINDS,
  MAX_AGENCY_ID_CHARS,
  MAX_BENEFIT_LINES,
  MAX_DESCRIPTION_CHARS,
  MAX_EVIDENCE_REF_CHARS,
  MAX_NAME_CHARS,
  MAX_PARTNERS_PER_POT,
  MAX_REASON_CHARS,
  MAX_REFERENCE_CHARS,
} from '../../events/primitives.ts';
import type { Ctx } from '../http/helpers.ts';

/** The scenario plus what the valid bodies need: two allocations (one to reverse, one that funds outcomes). */
export interface HostileFixture extends Ctx {
  readonly allocationEventIds: readonly [string, string];
}

export type FieldKind =
  | { readonly kind: 'text'; readonly maxChars: number; readonly multiline: boolean }
  | { readonly kind: 'agencyId' }
  | { readonly kind: 'agencyIds' }
  | { readonly kind: 'ulid' }
  | { readonly kind: 'amount' }
  | { readonly kind: 'date' }
  | { readonly kind: 'agencyKind' }
  | { readonly kind: 'currency' }
  | { readonly kind: 'benefits' };

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldKind;
  readonly required: boolean;
}

export interface HostileRoute {
  /** "POST /v1/pots/:potId/contributions" */
  readonly name: string;
  url(f: HostileFixture): string;
  /** A URL with the route's path parameters replaced (pot routes only). */
  urlWith?(f: HostileFixture, params: { potId?: string; interventionId?: string }): string;
  /** A caller the route lets in, so garbage reaches validation rather than stopping at 403. */
  token(f: HostileFixture): string;
  /** A body the route accepts (201) for that caller. */
  body(f: HostileFixture): Record<string, unknown>;
  readonly fields: readonly FieldSpec[];
  /** The route's own body schema: the oracle for fully random bodies only. */
  readonly schema: z.ZodType;
}

const text = (maxChars: number, multiline = false): FieldKind => ({
  kind: 'text',
  maxChars,
  multiline,
});
const field = (name: string, type: FieldKind, required = true): FieldSpec => ({
  name,
  type,
  required,
});

const potUrl =
  (suffix: string) =>
  (f: HostileFixture, p: { potId?: string; interventionId?: string } = {}) =>
    `/v1/pots/${p.potId ?? f.potId}${suffix.replace(':interventionId', p.interventionId ?? f.interventionId)}`;

export const HOSTILE_ROUTES: readonly HostileRoute[] = [
  {
    name: 'POST /v1/agencies',
    url: () => '/v1/agencies',
    token: (f) => f.tokens.admin,
    body: () => ({ agencyId: 'hostile-agency', name: 'Hostile Agency', kind: 'other' }),
    fields: [
      field('agencyId', { kind: 'agencyId' }),
      field('name', text(MAX_NAME_CHARS)),
      field('kind', { kind: 'agencyKind' }),
    ],
    schema: RegisterAgencyBody,
  },
  {
    name: 'POST /v1/pots',
    url: () => '/v1/pots',
    token: (f) => f.tokens.admin,
    body: () => ({
      name: 'Hostile pot',
      area: 'Essex',
      hostAgencyId: 'essex-cc',
      partnerAgencyIds: ['essex-police'],
      currency: 'GBP',
    }),
    fields: [
      field('name', text(MAX_NAME_CHARS)),
      field('area', text(MAX_NAME_CHARS)),
      field('hostAgencyId', { kind: 'agencyId' }),
      field('partnerAgencyIds', { kind: 'agencyIds' }, false),
      field('currency', { kind: 'currency' }, false),
    ],
    schema: OpenPotBody,
  },
  {
    name: 'POST /v1/pots/:potId/partners',
    url: (f) => potUrl('/partners')(f),
    urlWith: potUrl('/partners'),
    token: (f) => f.tokens.admin,
    body: () => ({ agencyId: 'nhs-mid-essex' }),
    fields: [field('agencyId', { kind: 'agencyId' })],
    schema: JoinPotBody,
  },
  {
    name: 'POST /v1/pots/:potId/contributions',
    url: (f) => potUrl('/contributions')(f),
    urlWith: potUrl('/contributions'),
    token: (f) => f.tokens.cc,
    body: () => ({
      agencyId: 'essex-cc',
      amount: '100.00',
      effectiveDate: '2025-05-01',
      reference: 'HOSTILE-1',
    }),
    fields: [
      field('agencyId', { kind: 'agencyId' }),
      field('amount', { kind: 'amount' }),
      field('effectiveDate', { kind: 'date' }),
      field('reference', text(MAX_REFERENCE_CHARS)),
    ],
    schema: ContributeToPotBody,
  },
  {
    name: 'POST /v1/pots/:potId/interventions',
    url: (f) => potUrl('/interventions')(f),
    urlWith: potUrl('/interventions'),
    token: (f) => f.tokens.admin,
    body: () => ({
      name: 'Hostile intervention',
      leadAgencyId: 'essex-police',
      description: 'Falls prevention',
    }),
    fields: [
      field('name', text(MAX_NAME_CHARS)),
      field('leadAgencyId', { kind: 'agencyId' }),
      field('description', text(MAX_DESCRIPTION_CHARS, true), false),
    ],
    schema: DefineInterventionBody,
  },
  {
    name: 'POST /v1/pots/:potId/allocations',
    url: (f) => potUrl('/allocations')(f),
    urlWith: potUrl('/allocations'),
    token: (f) => f.tokens.admin,
    body: (f) => ({
      interventionId: f.interventionId,
      amount: '10.00',
      effectiveDate: '2025-05-01',
      reason: 'Year one delivery',
    }),
    fields: [
      field('interventionId', { kind: 'ulid' }),
      field('amount', { kind: 'amount' }),
      field('effectiveDate', { kind: 'date' }),
      field('reason', text(MAX_REASON_CHARS, true)),
    ],
    schema: AllocateToInterventionBody,
  },
  {
    name: 'POST /v1/pots/:potId/interventions/:interventionId/outcomes',
    url: (f) => potUrl('/interventions/:interventionId/outcomes')(f),
    urlWith: potUrl('/interventions/:interventionId/outcomes'),
    token: (f) => f.tokens.admin,
    body: () => ({
      description: 'Fewer falls',
      effectiveDate: '2025-09-30',
      evidenceRef: 'EV-1',
      benefits: [{ agencyId: 'nhs-mid-essex', amount: '5.00', cashable: false }],
    }),
    fields: [
      field('description', text(MAX_DESCRIPTION_CHARS, true)),
      field('effectiveDate', { kind: 'date' }),
      field('evidenceRef', text(MAX_EVIDENCE_REF_CHARS), false),
      field('benefits', { kind: 'benefits' }),
    ],
    schema: RecordOutcomeBody,
  },
  {
    name: 'POST /v1/pots/:potId/reversals',
    url: (f) => potUrl('/reversals')(f),
    urlWith: potUrl('/reversals'),
    token: (f) => f.tokens.admin,
    body: (f) => ({
      eventId: f.allocationEventIds[0],
      reason: 'Entered twice',
      effectiveDate: '2025-06-01',
    }),
    fields: [
      field('eventId', { kind: 'ulid' }),
      field('reason', text(MAX_REASON_CHARS, true)),
      field('effectiveDate', { kind: 'date' }, false),
    ],
    schema: ReverseEntryBody,
  },
];

// ---------------------------------------------------------------------------------------------
// JSON text, including what JSON.stringify cannot write.

/** A value written into the body exactly as this text: `1e400`, a 400-digit integer, `-0`. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value; RawJson is written as is; own `__proto__` keys are kept. */
export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : jsonText(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map(
        (key) =>
          `${JSON.stringify(key)}:${jsonText(Object.getOwnPropertyDescriptor(value, key)!.value)}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A copy of `object` with `key` set as an own property, even when the key is `__proto__`. */
export function withKey(
  object: Record<string, unknown>,
  key: string,
  value: unknown,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(object))
    Object.defineProperty(copy, k, {
      value: Object.getOwnPropertyDescriptor(object, k)!.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function withoutKey(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = withKey(object, key, undefined);
  delete copy[key];
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Bad values, by kind.

export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Every C0 and C1 control character and DEL (Unicode general category Cc). */
export const CONTROL_CHARACTERS: readonly string[] = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  '\x7f',
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)),
];
const LINE_BREAKS_AND_TAB = new Set(['\n', '\r', '\t']);

export function forbiddenControls(type: FieldKind & { kind: 'text' }): readonly string[] {
  return type.multiline
    ? CONTROL_CHARACTERS.filter((c) => !LINE_BREAKS_AND_TAB.has(c))
    : CONTROL_CHARACTERS;
}

export const HUGE_NUMBER_LITERALS: readonly RawJson[] = [
  new RawJson('1e400'),
  new RawJson('-1e400'),
  new RawJson(`1${'0'.repeat(400)}`),
  new RawJson(`0.${'0'.repeat(400)}1`),
  new RawJson('123456789012345678901234567890.125'),
  new RawJson('-0'),
  new RawJson('9007199254740993'),
];

export const BAD_AMOUNT_TEXTS: readonly string[] = [
  '1e3',
  '1E3',
  '1.234',
  '1.2345',
  '-1',
  '-1.00',
  '0',
  '0.00',
  '0.0',
  ' 1',
  '1 ',
  '1\n',
  '1,000',
  '1,000.00',
  '1 000',
  '1_000',
  '1\u00a0000',
  '١٢٣',
  '１２３',
  '१२३',
  '+1',
  '.5',
  '1.',
  '01',
  '00.10',
  '0x10',
  '0b1',
  'NaN',
  'Infinity',
  '-Infinity',
  '£10',
  '10GBP',
  '',
  ' ',
  '1000000000000.01',
  '10000000000000',
  '99999999999999999999',
  `${'9'.repeat(1000)}.00`,
  '1.00.00',
  '1..0',
  '--1',
  '1-',
  '\u200b1',
];

export const BAD_DATE_TEXTS: readonly string[] = [
  '2025-02-30',
  '2025-02-29',
  '2025-13-01',
  '2025-00-10',
  '2025-04-00',
  '2025-04-31',
  '2025-06-31',
  '2025-09-31',
  '2025-11-31',
  '20250401',
  '2025-4-1',
  '25-04-01',
  '2025/04/01',
  '01/04/2025',
  '2025-04-01T00:00:00Z',
  '2025-04-01 ',
  ' 2025-04-01',
  '2025-04-01\n',
  '1999-12-31',
  '2100-01-01',
  '0000-01-01',
  '+002025-04-01',
  '٢٠٢٥-٠٤-٠١',
  '２０２５-０４-０１',
  '',
  'today',
  'NaN-NaN-NaN',
  '2025-W14',
];

const BAD_AGENCY_IDS: readonly string[] = [
  // Not here: "constructor" and "prototype" are valid slugs; the suite registers them as agencies on purpose.
  '',
  'Essex-Police',
  'essex police',
  '-essex',
  'essex-',
  'essex_police',
  'essex.police',
  'éssex',
  'essex\u0000',
  '../etc',
  '__proto__',
  'Constructor',
  'a'.repeat(MAX_AGENCY_ID_CHARS + 1),
  'essex-police\n',
  ' essex-police',
];

const BAD_ULIDS: readonly string[] = [
  '',
  'not-a-ulid',
  '01ARZ3NDEKTSV4RRFFQ69G5FA',
  '01ARZ3NDEKTSV4RRFFQ69G5FAVX',
  '01ARZ3NDEKTSV4RRFFQ69G5FAI',
  '01ARZ3NDEKTSV4RRFFQ69G5FAU',
  '01ARZ3NDEKTSV4RRFFQ69G5FA-',
  ' 01ARZ3NDEKTSV4RRFFQ69G5FAV',
  '__proto__',
  'x'.repeat(10_000),
];

const BAD_KINDS: readonly string[] = [
  '',
  'Council',
  ' council',
  'council\u0000',
  'COUNCIL',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
];

/** Dates that are not days: a real-looking day past the month's end, month 13+, or out of range. */
const impossibleDate = fc.oneof(
  fc
    .record({
      y: fc.integer({ min: 2000, max: 2099 }),
      m: fc.integer({ min: 1, max: 12 }),
      extra: fc.integer({ min: 1, max: 68 }),
    })
    .map(({ y, m, extra }) => {
      const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
      return `${y}-${String(m).padStart(2, '0')}-${String(Math.min(daysInMonth + extra, 99)).padStart(2, '0')}`;
    }),
  fc
    .record({
      y: fc.integer({ min: 2000, max: 2099 }),
      m: fc.integer({ min: 13, max: 99 }),
      d: fc.integer({ min: 1, max: 28 }),
    })
    .map(({ y, m, d }) => `${y}-${m}-${String(d).padStart(2, '0')}`),
  fc
    .date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.integer({ min: 0, max: 1999 }).map((y) => `${String(y).padStart(4, '0')}-06-15`),
  fc.integer({ min: 2100, max: 9999 }).map((y) => `${y}-06-15`),
  fc.constantFrom(...BAD_DATE_TEXTS),
);

const badAmount = fc.oneof(
  fc.constantFrom(...BAD_AMOUNT_TEXTS),
  fc
    .record({
      m: fc.integer({ min: 1, max: 999_999 }),
      e: fc.integer({ min: -10, max: 400 }),
      upper: fc.boolean(),
    })
    .map(({ m, e, upper }) => `${m}${upper ? 'E' : 'e'}${e}`),
  fc
    .record({
      whole: fc.integer({ min: 0, max: 1_000_000 }),
      fraction: fc.stringMatching(/^[0-9]{3,12}$/),
    })
    .map(({ whole, fraction }) => `${whole}.${fraction}`),
  fc.integer({ min: 0, max: 1_000_000_000 }).map((n) => `-${n}.00`),
  fc.bigInt({ min: 10n ** 12n + 1n, max: 10n ** 40n }).map((n) => `${n}.00`),
  fc
    .tuple(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.constantFrom(' #', '# ', '+#', '0#', '#,00', '£#', '#.', '#\t'),
    )
    .map(([n, shape]) => shape.replace('#', String(n))),
);

/** JSON values of any type but string. */
const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -1,
    100,
    100.5,
    1e3,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.constantFrom(...HUGE_NUMBER_LITERALS),
);

/** JSON values of any type but array. */
const notAnArray = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.constantFrom(...HUGE_NUMBER_LITERALS),
);

/** Any JSON value not of the field's type. */
export function wrongType(type: FieldKind): fc.Arbitrary<unknown> {
  return type.kind === 'agencyIds' || type.kind === 'benefits' ? notAnArray : notAString;
}

function badText(type: FieldKind & { kind: 'text' }): fc.Arbitrary<string> {
  const controls = forbiddenControls(type);
  return fc.oneof(
    // Too long, up to 100,000 characters, in ASCII and in astral characters. Limits count code
    // points (zod 4 measures strings so), so 💸 counts once though it is two UTF-16 units.
    fc.integer({ min: type.maxChars + 1, max: 100_000 }).map((n) => 'x'.repeat(n)),
    fc.integer({ min: type.maxChars + 1, max: 20_000 }).map((n) => '💸'.repeat(n)),
    fc.constantFrom(
      '',
      ' ',
      '   ',
      '\u00a0',
      '\u3000',
      '\u2003 \u2003',
      ...(type.multiline ? [' \n ', '\r\n', '\t'] : []),
    ),
    fc
      .record({
        before: fc.string({ unit: 'grapheme', maxLength: 20 }),
        control: fc.constantFrom(...controls),
        after: fc.string({ unit: 'grapheme', maxLength: 20 }),
      })
      .map(({ before, control, after }) => `${before}${control}${after}`),
  );
}

function badAgencyIds(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(...BAD_AGENCY_IDS).map((bad) => ['essex-police', bad]),
    fc.constant(Array.from({ length: MAX_PARTNERS_PER_POT + 1 }, (_, i) => `partner-${i}`)),
    notAString.map((bad) => [bad]),
    fc.constant([['essex-police']]),
  );
}

function badBenefits(): fc.Arbitrary<unknown> {
  const line = { agencyId: 'nhs-mid-essex', amount: '5.00', cashable: false };
  return fc.oneof(
    fc.constant([]),
    fc.constant(Array.from({ length: MAX_BENEFIT_LINES + 1 }, () => line)),
    badAmount.map((amount) => [{ ...line, amount }]),
    notAString.map((amount) => [{ ...line, amount }]),
    fc.constantFrom(...BAD_AGENCY_IDS).map((agencyId) => [{ ...line, agencyId }]),
    fc
      .constantFrom<unknown>('true', 'false', 0, 1, null, [], {})
      .map((cashable) => [{ ...line, cashable }]),
    fc.constantFrom('agencyId', 'amount', 'cashable').map((missing) => [withoutKey(line, missing)]),
    fc
      .constantFrom(...PROTOTYPE_KEYS, 'flows', 'extra')
      .map((key) => [withKey(line, key, { polluted: true })]),
    notAnArray.filter((v) => v !== null && typeof v !== 'object').map((v) => [v]),
  );
}

/** A value of the field's JSON type that the field refuses. */
export function badValue(type: FieldKind): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'text':
      return badText(type);
    case 'agencyId':
      return fc.oneof(
        fc.constantFrom(...BAD_AGENCY_IDS),
        fc
          .string({ unit: 'binary', maxLength: 30 })
          .filter((s) => !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(s)),
      );
    case 'agencyIds':
      return badAgencyIds();
    case 'ulid':
      return fc.constantFrom(...BAD_ULIDS);
    case 'amount':
      return badAmount;
    case 'date':
      return impossibleDate;
    case 'agencyKind':
      return fc.oneof(
        fc.constantFrom(...BAD_KINDS),
        fc
          .string({ maxLength: 12 })
          .filter((s) => !(AGENCY_KINDS as readonly string[]).includes(s)),
      );
    case 'currency':
      return fc.constantFrom('gbp', 'EUR', 'USD', 'GBP ', '', '£', 'GBX');
    case 'benefits':
      return badBenefits();
  }
}

// ---------------------------------------------------------------------------------------------
// Whole bodies.

export interface Garbage {
  /** What was done to the valid body, for the reproduction. */
  readonly labels: readonly string[];
  readonly body: unknown;
}

type Mutation = {
  readonly label: string;
  apply(body: Record<string, unknown>): Record<string, unknown>;
};

function mutations(route: HostileRoute): fc.Arbitrary<Mutation> {
  const names = new Set(route.fields.map((f) => f.name));
  const required = route.fields.filter((f) => f.required);
  const set = (label: string, key: string, value: unknown): Mutation => ({
    label,
    apply: (b) => withKey(b, key, value),
  });
  const extraKey = fc
    .oneof(
      fc.constantFrom(
        ...PROTOTYPE_KEYS,
        'isAdmin',
        'role',
        'actor',
        'potId',
        'position',
        'eventId',
        'commandId',
        'recordedAt',
        'fundingShares',
        'flows',
      ),
      fc.string({ unit: 'binary', maxLength: 20 }),
    )
    .filter((key) => !names.has(key));
  const fieldArb = fc.constantFrom(...route.fields);
  return fc.oneof(
    fieldArb.chain((f) => wrongType(f.type).map((v) => set(`wrong type for ${f.name}`, f.name, v))),
    fieldArb.chain((f) => badValue(f.type).map((v) => set(`bad value for ${f.name}`, f.name, v))),
    fc
      .constantFrom(...required)
      .map((f): Mutation => ({ label: `missing ${f.name}`, apply: (b) => withoutKey(b, f.name) })),
    fc
      .tuple(extraKey, fc.jsonValue({ maxDepth: 3 }))
      .map(([key, value]) => set(`extra field ${JSON.stringify(key)}`, key, value)),
    fc
      .tuple(fieldArb, fc.constantFrom(...PROTOTYPE_KEYS))
      .map(([f, key]) =>
        set(
          `${key} object in ${f.name}`,
          f.name,
          withKey({ polluted: true }, key, { isAdmin: true, polluted: true }),
        ),
      ),
    fc
      .constantFrom(...PROTOTYPE_KEYS)
      .map((key) =>
        set(
          `top-level ${key} key`,
          key,
          key === 'constructor' ? { prototype: { isAdmin: true } } : { isAdmin: true },
        ),
      ),
  );
}

/** A valid body with one to four things done to it, each of which alone makes it invalid. */
export function mutatedBody(
  route: HostileRoute,
  valid: Record<string, unknown>,
): fc.Arbitrary<Garbage> {
  return fc.array(mutations(route), { minLength: 1, maxLength: 4 }).map((steps) => ({
    labels: steps.map((s) => s.label),
    body: steps.reduce((body, step) => step.apply(body), valid),
  }));
}

/** Any JSON at all that the route's schema refuses. */
export function randomBody(route: HostileRoute): fc.Arbitrary<Garbage> {
  return fc
    .oneof(
      fc.jsonValue(),
      fc.jsonValue({ stringUnit: 'binary' }),
      fc.dictionary(
        fc.constantFrom(...route.fields.map((f) => f.name)),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    )
    .filter((body) => !route.schema.safeParse(body).success)
    .map((body) => ({ labels: ['random JSON'], body }));
}

/** Deeply nested JSON text, `depth` levels. */
export function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
export function nestedObjects(depth: number, innermost = '1'): string {
  return `${'{"a":'.repeat(depth)}${innermost}${'}'.repeat(depth)}`;
}

/** Byte sequences that are not UTF-8: stray continuation, overlong, truncated, surrogates, beyond U+10FFFF. */
export const INVALID_UTF8: readonly { readonly name: string; readonly bytes: readonly number[] }[] =
  [
    { name: 'byte 0xFF', bytes: [0xff] },
    { name: 'byte 0xFE', bytes: [0xfe] },
    { name: 'stray continuation byte 0x80', bytes: [0x80] },
    { name: 'overlong "/" (C0 AF)', bytes: [0xc0, 0xaf] },
    { name: 'overlong NUL (C0 80)', bytes: [0xc0, 0x80] },
    { name: 'truncated two-byte sequence (C3)', bytes: [0xc3] },
    { name: 'truncated three-byte sequence (E2 82)', bytes: [0xe2, 0x82] },
    { name: 'UTF-8-encoded surrogate U+D800 (ED A0 80)', bytes: [0xed, 0xa0, 0x80] },
    { name: 'code point above U+10FFFF (F4 90 80 80)', bytes: [0xf4, 0x90, 0x80, 0x80] },
    { name: 'five-byte sequence (F8 88 80 80 80)', bytes: [0xf8, 0x88, 0x80, 0x80, 0x80] },
    { name: 'Latin-1 "é" (E9)', bytes: [0xe9] },
  ];

/** JSON escapes of unpaired UTF-16 surrogates: valid JSON syntax, but not Unicode text. */
export const LONE_SURROGATE_ESCAPES: readonly string[] = [
  '\\ud800',
  '\\udfff',
  '\\ud83d',
  '\\udc00\\ud800',
];

/** The body's JSON text with the given bytes spliced into one field's string value. */
export function bodyWithBytesIn(
  valid: Record<string, unknown>,
  fieldName: string,
  bytes: readonly number[],
): Buffer {
  const marker = 'HOSTILE-BYTES-GO-HERE';
  const [before, after] = jsonText(withKey(valid, fieldName, `Hostile ${marker} text`)).split(
    marker,
  );
  return Buffer.concat([
    Buffer.from(before!, 'utf8'),
    Buffer.from(bytes),
    Buffer.from(after!, 'utf8'),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Judging an answer.

export const PROBLEM_JSON = /^application\/problem\+json(\s*;.*)?$/;

/** Why an answer to garbage is wrong, or null when it is a 4xx problem+json with the fields every problem has. */
export function refusalDefect(res: LightMyRequestResponse): string | null {
  if (res.statusCode < 400 || res.statusCode >= 500) return `status ${res.statusCode}, not 4xx`;
  const contentType = String(res.headers['content-type'] ?? '');
  if (!PROBLEM_JSON.test(contentType))
    return `content-type ${JSON.stringify(contentType)}, not application/problem+json`;
  let body: Record<string, unknown>;
  try {
    body = res.json();
  } catch {
    return 'body is not JSON';
  }
  for (const key of ['type', 'title', 'detail', 'code'] as const) {
    if (typeof body[key] !== 'string' || (key !== 'detail' && (body[key] as string).length === 0))
      return `problem has no ${key}`;
  }
  if (body.status !== res.statusCode)
    return `problem status ${String(body.status)} differs from ${res.statusCode}`;
  return null;
}

/** The first `chars` characters of a payload, for a reproduction line. */
export function excerpt(payload: string | Buffer | undefined, chars = 300): string {
  if (payload === undefined) return '(no body)';
  const text =
    typeof payload === 'string'
      ? payload
      : `<${payload.length} bytes> ${payload.toString('latin1')}`;
  return text.length <= chars
    ? JSON.stringify(text)
    : `${JSON.stringify(text.slice(0, chars))}… (${text.length} chars)`;
}
