/**
 * Growable typed-array columns and a string interner: the audit trail keeps one entry per event
 * in the log, so what it keeps per entry decides the memory of a million-event replay. A number
 * in a typed array is 8 bytes (or 4); in a plain array it is a pointer, and a bigint a whole
 * heap object besides.
 */

/** Values per chunk (2^16): columns grow a chunk at a time and never copy, so no peak of old + new. */
const COLUMN_CHUNK_SHIFT = 16;
const COLUMN_CHUNK_VALUES = 1 << COLUMN_CHUNK_SHIFT;
const COLUMN_CHUNK_MASK = COLUMN_CHUNK_VALUES - 1;

export interface Column<T> {
  readonly length: number;
  push(value: T): void;
  at(index: number): T;
}

function growable<T, A extends { [index: number]: T }>(make: (capacity: number) => A): Column<T> {
  const chunks: A[] = [];
  let length = 0;
  return {
    get length() {
      return length;
    },
    push(value) {
      const offset = length & COLUMN_CHUNK_MASK;
      if (offset === 0) chunks.push(make(COLUMN_CHUNK_VALUES));
      chunks[chunks.length - 1]![offset] = value;
      length += 1;
    },
    at(index) {
      if (!(index >= 0 && index < length)) throw new RangeError(`no value ${index} in a column of ${length}`);
      return chunks[Math.floor(index / COLUMN_CHUNK_VALUES)]![index & COLUMN_CHUNK_MASK]!;
    },
  };
}

/** Log positions: 64-bit unsigned, as every store numbers them. */
export function createPositionColumn(): Column<bigint> {
  const column = growable<bigint, BigUint64Array>((capacity) => new BigUint64Array(capacity));
  return {
    get length() {
      return column.length;
    },
    push(value) {
      // BigUint64Array would wrap silently: a position out of range must stop the fold instead.
      if (value < 0n || value >= 2n ** 64n) throw new RangeError(`invariant: position ${value} is outside 0..2^64-1`);
      column.push(value);
    },
    at: column.at,
  };
}

export const createFloat64Column = (): Column<number> => growable<number, Float64Array>((capacity) => new Float64Array(capacity));
export const createUint32Column = (): Column<number> => growable<number, Uint32Array>((capacity) => new Uint32Array(capacity));

/** Equal values under one number (0 is kept free for "none"), so a column holds 4 bytes per row, not another copy. */
export interface Interner<T> {
  /** The number of the value under `key`, storing `make()` the first time the key is seen. */
  numberOf(key: string, make: () => T): number;
  /** The number of the value under `key`, or undefined when it was never stored. */
  find(key: string): number | undefined;
  valueOf(id: number): T;
}

export function createInterner<T>(): Interner<T> {
  const ids = new Map<string, number>();
  const values: T[] = [undefined as T];
  return {
    numberOf(key, make) {
      let id = ids.get(key);
      if (id === undefined) {
        id = values.length;
        values.push(make());
        ids.set(key, id);
      }
      return id;
    },
    find: (key) => ids.get(key),
    valueOf(id) {
      if (id <= 0 || id >= values.length) throw new RangeError(`invariant: no interned value ${id}`);
      return values[id]!;
    },
  };
}

/** Text is packed into chunks of this many bytes; a text never spans two. */
const TEXT_CHUNK_BYTES = 1 << 20;
/** Longer texts are kept as strings of their own (a summary is a line, but reasons are free text). */
const MAX_PACKED_TEXT_BYTES = 4_096;

/**
 * Short texts (ids, summaries) as UTF-8 bytes in fixed-size chunks rather than one string each:
 * a 26-character id is 26 bytes here and 48 as a string, and chunks never copy as they grow
 * (a doubling array would briefly hold the old copy and the new, twice the peak). Row i may
 * hold no text (undefined).
 */
export interface TextColumn {
  readonly length: number;
  push(text: string | undefined): void;
  at(index: number): string | undefined;
}

export function createTextColumn(): TextColumn {
  const chunks: Buffer[] = [];
  let used = TEXT_CHUNK_BYTES;
  /** chunk · TEXT_CHUNK_BYTES + offset of row i's first byte; -1 for no text; -2 for a string kept in `long`. */
  const starts = createFloat64Column();
  const byteLengths = createUint32Column();
  const long = new Map<number, string>();
  return {
    get length() {
      return starts.length;
    },
    push(text) {
      const index = starts.length;
      if (text === undefined) {
        starts.push(-1);
        byteLengths.push(0);
        return;
      }
      const bytes = Buffer.byteLength(text, 'utf8');
      // A lone surrogate has no UTF-8 form: such a text would not come back the same.
      if (bytes > MAX_PACKED_TEXT_BYTES || !(text as string & { isWellFormed(): boolean }).isWellFormed()) {
        long.set(index, text);
        starts.push(-2);
        byteLengths.push(0);
        return;
      }
      if (chunks.length === 0 || used + bytes > TEXT_CHUNK_BYTES) {
        chunks.push(Buffer.allocUnsafe(TEXT_CHUNK_BYTES));
        used = 0;
      }
      const chunk = chunks.length - 1;
      chunks[chunk]!.write(text, used, 'utf8');
      starts.push(chunk * TEXT_CHUNK_BYTES + used);
      byteLengths.push(bytes);
      used += bytes;
    },
    at(index) {
      const start = starts.at(index);
      if (start === -1) return undefined;
      if (start === -2) return long.get(index)!;
      const chunk = Math.floor(start / TEXT_CHUNK_BYTES);
      const offset = start - chunk * TEXT_CHUNK_BYTES;
      return chunks[chunk]!.toString('utf8', offset, offset + byteLengths.at(index));
    },
  };
}
