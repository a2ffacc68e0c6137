/**
 * Growable typed-array columns and a string interner: the audit trail keeps one entry per event
 * in the log, so what it keeps per entry decides the memory of a million-event replay. A number
 * in a typed array is 8 bytes (or 4); in a plain array it is a pointer, and a bigint a whole
 * heap object besides.
 */

const INITIAL_COLUMN_CAPACITY = 1_024;

export interface Column<T> {
  readonly length: number;
  push(value: T): void;
  at(index: number): T;
}

function growable<T, A extends { length: number; [index: number]: T; set(from: A): void }>(make: (capacity: number) => A): Column<T> {
  let values = make(INITIAL_COLUMN_CAPACITY);
  let length = 0;
  return {
    get length() {
      return length;
    },
    push(value) {
      if (length === values.length) {
        const grown = make(values.length * 2);
        grown.set(values);
        values = grown;
      }
      values[length] = value;
      length += 1;
    },
    at(index) {
      if (index < 0 || index >= length) throw new RangeError(`no value ${index} in a column of ${length}`);
      return values[index]!;
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

/**
 * The same text as one flat string. Template literals build ropes (a node per join) that keep
 * every piece alive; reading a character makes V8 flatten the rope in place, so what stays is
 * the text itself, about a third of the rope.
 */
export function flattened(text: string): string {
  text.charCodeAt(0);
  return text;
}
