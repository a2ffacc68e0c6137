/**
 * A name table for names there is one of per contribution, allocation, outcome, spend,
 * commitment or claim (issue 18: these grow with the log). A Map<string, string> costs a
 * 48-byte key string, a 24-byte entry and the value's string each; here a key that is a
 * canonical ULID (what the events' schemas ask for) is five 30-bit numbers in a typed array,
 * the value UTF-8 bytes in one byte array, and the hash index one Uint32 a slot — about a third
 * of the memory. Keys of any other spelling (a lower-case ULID is valid too, and must stay a
 * different key from its upper-case twin) go to a plain Map beside it.
 *
 * One PackedNameTable holds several tables (numbered by the caller) in one set of arrays.
 *
 * Entries are only ever appended: teaching a key again appends a new entry that remembers the
 * one before (`previous`), so the value a key held before any row can still be found; forgetting
 * marks the entry with the row that forgot it. All of it is plain data, so a books snapshot keeps it as it is.
 */
const ULID_LENGTH = 26;
/** 26 Crockford base-32 characters: 2 + 4 × 6, each group ≤ 30 bits, so five words hold it exactly. */
const KEY_WORDS = 5;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < CROCKFORD.length; i++) DIGIT[CROCKFORD.charCodeAt(i)] = i;

/** Slots of a new table; the index doubles when it is more than MAX_LOAD full. */
const INITIAL_SLOTS = 1 << 10;
const MAX_LOAD = 0.7;
/** forgottenAt of an entry nothing has forgotten. */
const NEVER = 0xffff_ffff;
const EMPTY = 0;

export interface PackedNameTable {
  /** Open addressing: entry + 1 per slot, EMPTY where none; a power of two long. */
  slots: Uint32Array;
  /** Entries indexed in `slots` (only the newest entry of each ULID key is). */
  indexed: number;
  /** Entries so far; the arrays below have room for more and double when full. */
  size: number;
  /** KEY_WORDS per entry; zeros for an entry whose key is in `otherKeys`. */
  keyWords: Uint32Array;
  /** The row whose event taught the entry's value. */
  learnedAt: Uint32Array;
  /** The first row whose event forgot the entry (packedForget), or NEVER. */
  forgottenAt: Uint32Array;
  /** Entry i's value is bytes [starts[i], starts[i + 1]) of `bytes`, UTF-8. */
  starts: Float64Array;
  bytes: Uint8Array;
  /** Values with no UTF-8 form (a lone surrogate), kept as strings. */
  readonly longValues: Map<number, string>;
  /** `table\u0000key` of keys that are not canonical upper-case ULIDs → their newest entry. */
  readonly otherKeys: Map<string, number>;
  /** entry → the entry the same key had before it was taught again. */
  readonly previous: Map<number, number>;
}

/**
 * Room for this many entries (and INITIAL_BYTES of values) at first: a small ledger's books
 * snapshot carries a few kilobytes, not column chunks sized for a million events. The arrays
 * double as they fill.
 */
const INITIAL_ENTRIES = 64;
const INITIAL_BYTES = 1_024;

export function createPackedNameTable(): PackedNameTable {
  return {
    slots: new Uint32Array(INITIAL_SLOTS),
    indexed: 0,
    size: 0,
    keyWords: new Uint32Array(INITIAL_ENTRIES * KEY_WORDS),
    learnedAt: new Uint32Array(INITIAL_ENTRIES),
    forgottenAt: new Uint32Array(INITIAL_ENTRIES),
    starts: new Float64Array(INITIAL_ENTRIES + 1),
    bytes: new Uint8Array(INITIAL_BYTES),
    longValues: new Map(),
    otherKeys: new Map(),
    previous: new Map(),
  };
}

function doubled<A extends Uint32Array | Float64Array | Uint8Array>(array: A, atLeast: number): A {
  let length = array.length * 2;
  while (length < atLeast) length *= 2;
  const grown = new (array.constructor as new (length: number) => A)(length);
  grown.set(array);
  return grown;
}

function bytesOf(table: PackedNameTable): Buffer {
  // A snapshot gives the array back as a plain Uint8Array: a Buffer view over the same memory.
  return Buffer.from(table.bytes.buffer, table.bytes.byteOffset, table.bytes.byteLength);
}

/** Appends an entry; its index. */
function appendEntry(
  table: PackedNameTable,
  words: Uint32Array | undefined,
  value: string,
  row: number,
): number {
  const entry = table.size;
  if (entry === table.learnedAt.length) {
    table.keyWords = doubled(table.keyWords, 0);
    table.learnedAt = doubled(table.learnedAt, 0);
    table.forgottenAt = doubled(table.forgottenAt, 0);
    table.starts = doubled(table.starts, entry + 2);
  }
  if (words !== undefined) table.keyWords.set(words, entry * KEY_WORDS);
  table.learnedAt[entry] = row;
  table.forgottenAt[entry] = NEVER;
  const start = table.starts[entry]!;
  const wellFormed = (value as string & { isWellFormed(): boolean }).isWellFormed();
  const length = wellFormed ? Buffer.byteLength(value, 'utf8') : 0;
  if (!wellFormed) table.longValues.set(entry, value);
  else if (length > 0) {
    if (start + length > table.bytes.length) table.bytes = doubled(table.bytes, start + length);
    bytesOf(table).write(value, start, 'utf8');
  }
  table.starts[entry + 1] = start + length;
  table.size = entry + 1;
  return entry;
}

function valueOf(table: PackedNameTable, entry: number): string {
  const long = table.longValues.get(entry);
  if (long !== undefined) return long;
  return bytesOf(table).toString('utf8', table.starts[entry]!, table.starts[entry + 1]!);
}

/**
 * The five words of `key` in table `table` (kept in the first word's bits above the ULID's
 * first 10), or undefined when it is not a canonical (upper-case) ULID.
 */
function ulidWords(table: number, key: string): Uint32Array | undefined {
  if (key.length !== ULID_LENGTH) return undefined;
  const words = new Uint32Array(KEY_WORDS);
  words[0] = table;
  for (let i = 0; i < ULID_LENGTH; i++) {
    const code = key.charCodeAt(i);
    const digit = code < 128 ? DIGIT[code]! : -1;
    if (digit < 0) return undefined;
    const word = i < 2 ? 0 : 1 + Math.floor((i - 2) / 6);
    words[word] = words[word]! * 32 + digit;
  }
  return words;
}

function hashOf(words: Uint32Array): number {
  // The last 80 bits of a ULID are random; mixing all five words also spreads the timestamp.
  let h = 0x811c9dc5;
  for (const word of words) h = Math.imul(h ^ word, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

function sameKey(table: PackedNameTable, entry: number, words: Uint32Array): boolean {
  for (let w = 0; w < KEY_WORDS; w++)
    if (table.keyWords[entry * KEY_WORDS + w] !== words[w]) return false;
  return true;
}

function otherKey(tableNumber: number, key: string): string {
  return `${tableNumber}\u0000${key}`;
}

/** The slot holding `words`' entry, or the empty slot where it would go. */
function slotOf(table: PackedNameTable, words: Uint32Array): number {
  const mask = table.slots.length - 1;
  for (let slot = hashOf(words) & mask; ; slot = (slot + 1) & mask) {
    const held = table.slots[slot]!;
    if (held === EMPTY || sameKey(table, held - 1, words)) return slot;
  }
}

function grow(table: PackedNameTable): void {
  const old = table.slots;
  table.slots = new Uint32Array(old.length * 2);
  const words = new Uint32Array(KEY_WORDS);
  for (const held of old) {
    if (held === EMPTY) continue;
    for (let w = 0; w < KEY_WORDS; w++) words[w] = table.keyWords[(held - 1) * KEY_WORDS + w]!;
    table.slots[slotOf(table, words)] = held;
  }
}

/** The newest entry of `key`, or undefined. */
function newestEntry(table: PackedNameTable, tableNumber: number, key: string): number | undefined {
  const words = ulidWords(tableNumber, key);
  if (words === undefined) return table.otherKeys.get(otherKey(tableNumber, key));
  const held = table.slots[slotOf(table, words)]!;
  return held === EMPTY ? undefined : held - 1;
}

/** Teaches `key` the (encoded) value at `row`; what it held before stays findable. */
export function packedSet(
  table: PackedNameTable,
  tableNumber: number,
  key: string,
  value: string,
  row: number,
): void {
  const words = ulidWords(tableNumber, key);
  const entry = appendEntry(table, words, value, row);
  if (words === undefined) {
    const other = otherKey(tableNumber, key);
    const before = table.otherKeys.get(other);
    if (before !== undefined) table.previous.set(entry, before);
    table.otherKeys.set(other, entry);
    return;
  }
  const slot = slotOf(table, words);
  const held = table.slots[slot]!;
  if (held !== EMPTY) {
    table.previous.set(entry, held - 1);
    table.slots[slot] = entry + 1;
    return;
  }
  table.slots[slot] = entry + 1;
  table.indexed += 1;
  if (table.indexed > table.slots.length * MAX_LOAD) grow(table);
}

/**
 * Notes that the event at `row` forgets `key`'s newest value: a reader that asks to skip
 * forgotten values (packedGetBefore's `unlessForgotten`) no longer sees it from the next row on,
 * until `key` is taught again.
 */
export function packedForget(
  table: PackedNameTable,
  tableNumber: number,
  key: string,
  row: number,
): void {
  const entry = newestEntry(table, tableNumber, key);
  if (entry === undefined || table.forgottenAt[entry] !== NEVER) return;
  // Entries are appended, never rewritten in place — except this one mark, set once.
  table.forgottenAt[entry] = row;
}

/**
 * The value `key` held just before `row` (the newest taught at an earlier row), or undefined;
 * with `unlessForgotten`, also undefined when an earlier row forgot that value.
 */
export function packedGetBefore(
  table: PackedNameTable,
  tableNumber: number,
  key: string,
  row: number,
  unlessForgotten = false,
): string | undefined {
  for (let entry = newestEntry(table, tableNumber, key); entry !== undefined;) {
    if (table.learnedAt[entry]! < row) {
      if (unlessForgotten && table.forgottenAt[entry]! < row) return undefined;
      return valueOf(table, entry);
    }
    entry = table.previous.get(entry);
  }
  return undefined;
}
