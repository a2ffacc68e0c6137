/**
 * ULID ⇄ UUID, losslessly.
 *
 * potledger's event ids are ULIDs; EventStoreDB / KurrentDB insists on a UUID for every event
 * id. Both are 128 bits: a ULID is 26 Crockford base-32 digits (130 bits of room, the top two
 * always zero), a UUID is 32 hex digits. So the mapping is just a change of base, and an
 * auditor who reads an event back from EventStoreDB gets exactly the ULID the ledger wrote.
 *
 * The UUIDs made here carry no RFC 9562 version or variant bits (they are the ULID's bits,
 * unchanged). EventStoreDB stores event ids as opaque 128-bit values, so it does not mind;
 * setting those bits would destroy 6 bits of the ULID and break the round trip.
 *
 * Only canonical ULIDs are accepted (upper case, no I/L/O/U): Crockford decoding would also take
 * `01arz3…` or `O`-for-`0`, but then the id read back would differ from the id written, and an
 * event id that silently changes on its way through the store is not an id.
 */

const CROCKFORD_DIGITS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_LENGTH_CHARS = 26;
const BITS_PER_CROCKFORD_DIGIT = 5n;
const UUID_HEX_DIGITS = 32;
/** 2^128: a ULID is a 128-bit number even though 26 base-32 digits could hold 130 bits. */
const ID_SPACE = 1n << 128n;

const CANONICAL_ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const DIGIT_VALUES: ReadonlyMap<string, bigint> = new Map(
  [...CROCKFORD_DIGITS].map((digit, value) => [digit, BigInt(value)]),
);

export function isCanonicalUlid(value: string): boolean {
  return CANONICAL_ULID.test(value);
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** `01ARZ3NDEKTSV4RRFFQ69G5FAV` → `01563e3a-b5d3-d676-4c61-efb99302bd5b` (lower-case, dashed). */
export function ulidToUuid(ulid: string): string {
  if (!isCanonicalUlid(ulid)) {
    throw new TypeError(
      `not a canonical ULID (26 upper-case Crockford base-32 digits, first 0-7): ${JSON.stringify(ulid)}`,
    );
  }
  let bits = 0n;
  for (const digit of ulid) bits = (bits << BITS_PER_CROCKFORD_DIGIT) | DIGIT_VALUES.get(digit)!;
  const hex = bits.toString(16).padStart(UUID_HEX_DIGITS, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `01563E3A-b5d3-…` (either case) → `01ARZ3NDEKTSV4RRFFQ69G5FAV`. */
export function uuidToUlid(uuid: string): string {
  if (!isUuid(uuid))
    throw new TypeError(`not a UUID (8-4-4-4-12 hex digits): ${JSON.stringify(uuid)}`);
  let bits = BigInt(`0x${uuid.replaceAll('-', '')}`);
  // Cannot fail for 32 hex digits; asserted because the loop below would silently truncate.
  if (bits >= ID_SPACE) throw new RangeError(`UUID ${uuid} is wider than 128 bits`);
  const digits: string[] = [];
  for (let i = 0; i < ULID_LENGTH_CHARS; i += 1) {
    digits.push(CROCKFORD_DIGITS[Number(bits & 31n)]!);
    bits >>= BITS_PER_CROCKFORD_DIGIT;
  }
  return digits.reverse().join('');
}
