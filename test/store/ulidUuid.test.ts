import fc from 'fast-check';
import {
  MAX_ULID,
  MIN_ULID,
  ulid,
  ulidToUUID as libraryUlidToUuid,
  uuidToULID as libraryUuidToUlid,
} from 'ulid';
import { describe, expect, it } from 'vitest';
import { isCanonicalUlid, ulidToUuid, uuidToUlid } from '../../src/store/ulidUuid.ts';

const PROPERTY_RUNS = 1_000;
const CROCKFORD_DIGITS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Any canonical ULID, over the whole 128-bit space (not only ones made "now"). */
const anyUlid = fc
  .tuple(
    fc.constantFrom(...'01234567'),
    fc.array(fc.constantFrom(...CROCKFORD_DIGITS), { minLength: 25, maxLength: 25 }),
  )
  .map(([first, rest]) => first + rest.join(''));

/** Any UUID string, in either case, including ones with no valid version/variant bits. */
const anyUuid = fc
  .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean())
  .map(([bytes, upper]) => {
    const hex = Buffer.from(bytes).toString('hex');
    const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return upper ? uuid.toUpperCase() : uuid;
  });

describe('ULID ⇄ UUID', () => {
  it('maps the ends of the range and a known id', () => {
    expect(ulidToUuid(MIN_ULID)).toBe('00000000-0000-0000-0000-000000000000');
    expect(ulidToUuid(MAX_ULID)).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
    expect(ulidToUuid('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('01563e3a-b5d3-d676-4c61-efb99302bd5b');

    expect(uuidToUlid('00000000-0000-0000-0000-000000000000')).toBe(MIN_ULID);
    expect(uuidToUlid('ffffffff-ffff-ffff-ffff-ffffffffffff')).toBe(MAX_ULID);
    expect(uuidToUlid('01563E3A-B5D3-D676-4C61-EFB99302BD5B')).toBe('01ARZ3NDEKTSV4RRFFQ69G5FAV');
  });

  it('gives every ULID back exactly, through its UUID', () => {
    fc.assert(
      fc.property(anyUlid, (id) => {
        expect(uuidToUlid(ulidToUuid(id))).toBe(id);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('gives every UUID back (lower-cased), through its ULID: no two ids collide', () => {
    fc.assert(
      fc.property(anyUuid, (uuid) => {
        const id = uuidToUlid(uuid);
        expect(isCanonicalUlid(id)).toBe(true);
        expect(ulidToUuid(id)).toBe(uuid.toLowerCase());
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('round-trips ids from the ulid factory the ledger uses', () => {
    for (let i = 0; i < 100; i += 1) {
      const id = ulid();
      expect(uuidToUlid(ulidToUuid(id))).toBe(id);
    }
  });

  it('keeps order: ULIDs sort like their UUIDs', () => {
    fc.assert(
      fc.property(anyUlid, anyUlid, (a, b) => {
        expect(compareCodePoints(ulidToUuid(a), ulidToUuid(b))).toBe(compareCodePoints(a, b));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('agrees with the ulid package’s own conversion (an independent implementation)', () => {
    fc.assert(
      fc.property(anyUlid, (id) => {
        expect(ulidToUuid(id)).toBe(libraryUlidToUuid(id).toLowerCase());
        expect(uuidToUlid(ulidToUuid(id))).toBe(libraryUuidToUlid(libraryUlidToUuid(id)));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('refuses ULIDs that would not come back unchanged, and anything that is not a ULID', () => {
    const valid = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const refused = [
      valid.toLowerCase(), // Crockford decoders accept it, but the id read back would differ.
      '01ARZ3NDEKTSV4RRFFQ69G5FAI', // I, L, O and U are not Crockford digits.
      '01ARZ3NDEKTSV4RRFFQ69G5FAL',
      '01ARZ3NDEKTSV4RRFFQ69G5FAO',
      '01ARZ3NDEKTSV4RRFFQ69G5FAU',
      '81ARZ3NDEKTSV4RRFFQ69G5FAV', // Above 2^128.
      valid.slice(1),
      `${valid}0`,
      '',
      'w0-1',
    ];
    for (const id of refused) expect(() => ulidToUuid(id), id).toThrow(TypeError);
  });

  it('refuses strings that are not dashed 128-bit UUIDs', () => {
    const refused = [
      '01563e3ab5d3d6764c61efb99302bd5b',
      '01563e3a-b5d3-d676-4c61-efb99302bd5',
      '01563e3a-b5d3-d676-4c61-efb99302bd5bb',
      '01563e3g-b5d3-d676-4c61-efb99302bd5b',
      '{01563e3a-b5d3-d676-4c61-efb99302bd5b}',
      '',
    ];
    for (const uuid of refused) expect(() => uuidToUlid(uuid), uuid).toThrow(TypeError);
  });
});
