/**
 * Growable typed-array columns, a string interner and packed text: the audit trail keeps one
 * entry per event in the log, so what it keeps per entry decides the memory of a million-event
 * replay. A number in a typed array is 8 bytes (or 4); in a plain array it is a pointer, and a
 * bigint a whole heap object besides.
 *
 * All of it is plain data (typed arrays, arrays, Maps, numbers) worked on by the functions
 * here, so a snapshot of the books (node:v8 serialize) keeps it as it is.
 */

/** Values per chunk (2^16): columns grow a chunk at a time and never copy, so no peak of old + new. */
const COLUMN_CHUNK_VALUES = 1 << 16;
const COLUMN_CHUNK_MASK = COLUMN_CHUNK_VALUES - 1;

type ChunkKind = 'position' | 'float64' | 'uint32';
type ChunkOf<K extends ChunkKind> = K extends 'position'
  ? BigUint64Array
  : K extends 'float64'
    ? Float64Array
    : Uint32Array;
type ValueOf<K extends ChunkKind> = K extends 'position' ? bigint : number;

export interface Column<K extends ChunkKind = ChunkKind> {
  readonly kind: K;
  readonly chunks: ChunkOf<K>[];
  length: number;
}

/** Log positions: 64-bit unsigned, as every store numbers them. */
export type PositionColumn = Column<'position'>;
export type Float64Column = Column<'float64'>;
export type Uint32Column = Column<'uint32'>;

export const createPositionColumn = (): PositionColumn => ({
  kind: 'position',
  chunks: [],
  length: 0,
});
export const createFloat64Column = (): Float64Column => ({
  kind: 'float64',
  chunks: [],
  length: 0,
});
export const createUint32Column = (): Uint32Column => ({ kind: 'uint32', chunks: [], length: 0 });

function newChunk(kind: ChunkKind): BigUint64Array | Float64Array | Uint32Array {
  if (kind === 'position') return new BigUint64Array(COLUMN_CHUNK_VALUES);
  if (kind === 'float64') return new Float64Array(COLUMN_CHUNK_VALUES);
  return new Uint32Array(COLUMN_CHUNK_VALUES);
}

export function columnPush<K extends ChunkKind>(column: Column<K>, value: ValueOf<K>): void {
  // A typed array would wrap or round silently: a value out of range must stop the fold instead.
  if (column.kind === 'position') {
    if ((value as bigint) < 0n || (value as bigint) >= 2n ** 64n)
      throw new RangeError(`invariant: position ${value} is outside 0..2^64-1`);
  } else if (
    column.kind === 'uint32' &&
    !((value as number) >= 0 && (value as number) <= 0xffff_ffff && Number.isInteger(value))
  ) {
    throw new RangeError(`invariant: ${value} does not fit a uint32 column`);
  }
  const offset = column.length & COLUMN_CHUNK_MASK;
  if (offset === 0) (column.chunks as unknown[]).push(newChunk(column.kind));
  (column.chunks[column.chunks.length - 1] as unknown as ValueOf<K>[])[offset] = value;
  column.length += 1;
}

export function columnAt<K extends ChunkKind>(column: Column<K>, index: number): ValueOf<K> {
  if (!(index >= 0 && index < column.length))
    throw new RangeError(`no value ${index} in a column of ${column.length}`);
  return (column.chunks[Math.floor(index / COLUMN_CHUNK_VALUES)] as unknown as ValueOf<K>[])[
    index & COLUMN_CHUNK_MASK
  ]!;
}

/** Equal values under one number (0 is kept free for "none"), so a column holds 4 bytes per row, not another copy. */
export interface Interner<T> {
  readonly ids: Map<string, number>;
  /** values[0] is a placeholder for "none". */
  readonly values: T[];
}

export const createInterner = <T>(): Interner<T> => ({ ids: new Map(), values: [undefined as T] });

/** The number of the value under `key`, storing `make()` the first time the key is seen. */
export function internedNumber<T>(interner: Interner<T>, key: string, make: () => T): number {
  let id = interner.ids.get(key);
  if (id === undefined) {
    id = interner.values.length;
    interner.values.push(make());
    interner.ids.set(key, id);
  }
  return id;
}

export function internedValue<T>(interner: Interner<T>, id: number): T {
  if (!(id > 0 && id < interner.values.length))
    throw new RangeError(`invariant: no interned value ${id}`);
  return interner.values[id]!;
}

/** Text is packed into chunks of this many bytes; a text never spans two. */
const TEXT_CHUNK_BYTES = 1 << 20;
/** Longer texts are kept as strings of their own (a summary is a line, but reasons are free text). */
const MAX_PACKED_TEXT_BYTES = 4_096;
const NO_TEXT = -1;
const LONG_TEXT = -2;

/**
 * Short texts (ids, summaries) as UTF-8 bytes in fixed-size chunks rather than one string each:
 * a 26-character id is 26 bytes here and 48 as a string, and chunks never copy as they grow
 * (a doubling array would briefly hold the old copy and the new, twice the peak). Row i may
 * hold no text (undefined).
 */
export interface TextColumn {
  readonly chunks: Uint8Array[];
  /** Bytes used in the last chunk. */
  used: number;
  /** chunk · TEXT_CHUNK_BYTES + offset of row i's first byte; NO_TEXT; or LONG_TEXT for a string kept in `long`. */
  readonly starts: Float64Column;
  readonly byteLengths: Uint32Column;
  readonly long: Map<number, string>;
}

export const createTextColumn = (): TextColumn => ({
  chunks: [],
  used: 0,
  starts: createFloat64Column(),
  byteLengths: createUint32Column(),
  long: new Map(),
});

export const textColumnLength = (column: TextColumn): number => column.starts.length;

/** Chunk i as a Buffer (a snapshot may give chunks back as plain Uint8Arrays: made Buffers again once). */
function chunkBuffer(column: TextColumn, i: number): Buffer {
  const chunk = column.chunks[i]!;
  if (Buffer.isBuffer(chunk)) return chunk;
  const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  column.chunks[i] = buffer;
  return buffer;
}

export function textPush(column: TextColumn, text: string | undefined): void {
  if (text === undefined) {
    columnPush(column.starts, NO_TEXT);
    columnPush(column.byteLengths, 0);
    return;
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  // A lone surrogate has no UTF-8 form: such a text would not come back the same.
  if (
    bytes > MAX_PACKED_TEXT_BYTES ||
    !(text as string & { isWellFormed(): boolean }).isWellFormed()
  ) {
    column.long.set(column.starts.length, text);
    columnPush(column.starts, LONG_TEXT);
    columnPush(column.byteLengths, 0);
    return;
  }
  if (column.chunks.length === 0 || column.used + bytes > TEXT_CHUNK_BYTES) {
    // Zeroed, not allocUnsafe: the unused tail of a chunk is part of the state a snapshot keeps and
    // compares, so it must not carry whatever the pool held before.
    column.chunks.push(Buffer.alloc(TEXT_CHUNK_BYTES));
    column.used = 0;
  }
  const chunk = column.chunks.length - 1;
  chunkBuffer(column, chunk).write(text, column.used, 'utf8');
  columnPush(column.starts, chunk * TEXT_CHUNK_BYTES + column.used);
  columnPush(column.byteLengths, bytes);
  column.used += bytes;
}

export function textAt(column: TextColumn, index: number): string | undefined {
  const start = columnAt(column.starts, index);
  if (start === NO_TEXT) return undefined;
  if (start === LONG_TEXT) return column.long.get(index)!;
  const chunk = Math.floor(start / TEXT_CHUNK_BYTES);
  const offset = start - chunk * TEXT_CHUNK_BYTES;
  return chunkBuffer(column, chunk).toString(
    'utf8',
    offset,
    offset + columnAt(column.byteLengths, index),
  );
}

/**
 * Row numbers in ascending order (an index list: the rows of one pot, agency or actor) in a
 * Uint32Array that doubles as it fills: 4 bytes a row, where a plain array of numbers takes 8.
 */
export interface RowList {
  rows: Uint32Array;
  length: number;
}

/** Capacity of a new row list: most keys (an actor, a small pot) index few rows. */
const ROW_LIST_INITIAL_CAPACITY = 4;

export const createRowList = (): RowList => ({
  rows: new Uint32Array(ROW_LIST_INITIAL_CAPACITY),
  length: 0,
});

export function rowListPush(list: RowList, row: number): void {
  if (!(row >= 0 && row <= 0xffff_ffff && Number.isInteger(row)))
    throw new RangeError(`invariant: row ${row} does not fit a row list`);
  if (list.length === list.rows.length) {
    const grown = new Uint32Array(Math.max(ROW_LIST_INITIAL_CAPACITY, list.rows.length * 2));
    grown.set(list.rows);
    list.rows = grown;
  }
  list.rows[list.length] = row;
  list.length += 1;
}

export function rowListAt(list: RowList, index: number): number {
  if (!(index >= 0 && index < list.length))
    throw new RangeError(`no row ${index} in a row list of ${list.length}`);
  return list.rows[index]!;
}
