/**
 * The one snapshot codec: books snapshots (booksSnapshots.ts), the write path's stream
 * snapshots (streamSnapshots.ts) and the books the historical workers send back
 * (historyWorker.ts, historyPool.ts) all pass through it.
 *
 * State to bytes and back for snapshots, with node:v8's serializer (Map, Set, bigint, typed
 * arrays and shared references survive it) — generic over whatever shape the projections give
 * their state, with one addition: money. A Decimal carries its constructor as an own property,
 * which v8 refuses to clone, and would come back without its prototype anyway.
 *
 * So encodeState walks the state once, swaps each Decimal for a plain { s, e, d } copy of its
 * digits in place, serialises, and swaps every one back before returning (one synchronous turn:
 * nobody sees the swapped state). The copies also travel in a list beside the state, so that
 * decodeState revives them by giving each the money prototype back — O(number of Decimals), not
 * another walk over a million audit entries.
 *
 * Anything else v8 would clone wrongly (an instance of another class loses its prototype) is
 * refused, so a new kind of value in the books fails a snapshot loudly instead of restoring
 * books that only look the same.
 *
 * node:v8's deserialize gives back each typed array as a view onto the bytes it read. The books
 * keep typed arrays (text and number columns), so one of them would keep the whole snapshot —
 * every Map and string already decoded out of it — in memory for the life of the server (the
 * 200,000-event bench log: the server held its 55 MiB books snapshot file this way). decodeState
 * copies each typed array into memory of its own instead, so the bytes can go once decoded.
 */
import { DefaultDeserializer, serialize } from 'node:v8';
import { ZERO } from '../../../events/money.ts';

/** The constructor and prototype of every Decimal the books hold (events/money.ts's clone). */
const MONEY_CONSTRUCTOR: unknown = ZERO.constructor;
const DECIMAL_PROTOTYPE: object = Object.getPrototypeOf(ZERO) as object;
/** Deeper than any state the projections build; a cycle would otherwise recurse forever. */
const MAX_STATE_DEPTH = 64;

interface DecimalDigits {
  constructor: unknown;
  s: unknown;
  e: unknown;
  d: unknown;
}

interface Encoded {
  readonly root: unknown;
  readonly decimals: DecimalDigits[];
}

function describe(value: object): string {
  const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return prototype?.constructor?.name ?? 'an object without a constructor';
}

export function encodeState(root: unknown): Buffer {
  const digitsOf = new Map<object, DecimalDigits>();
  const decimals: DecimalDigits[] = [];
  // Undo list: container, key, original value — triplets, restored in reverse order.
  const undo: unknown[] = [];

  function digits(decimal: {
    constructor: unknown;
    s: unknown;
    e: unknown;
    d: unknown;
  }): DecimalDigits {
    if (decimal.constructor !== MONEY_CONSTRUCTOR)
      throw new Error('cannot snapshot a Decimal that is not events/money.ts money');
    let copy = digitsOf.get(decimal);
    if (copy === undefined) {
      copy = { constructor: 0, s: decimal.s, e: decimal.e, d: decimal.d };
      digitsOf.set(decimal, copy);
      decimals.push(copy);
    }
    return copy;
  }

  /** Walks `value`; answers the copy to swap in when `value` itself is a Decimal. */
  function visit(value: unknown, depth: number): DecimalDigits | undefined {
    if (typeof value === 'function' || typeof value === 'symbol')
      throw new Error(`cannot snapshot a ${typeof value}`);
    if (typeof value !== 'object' || value === null) return undefined;
    const prototype = Object.getPrototypeOf(value) as object | null;
    if (prototype === DECIMAL_PROTOTYPE) return digits(value as DecimalDigits);
    if (ArrayBuffer.isView(value) || prototype === Date.prototype) return undefined;
    if (depth > MAX_STATE_DEPTH)
      throw new Error(`cannot snapshot state nested deeper than ${MAX_STATE_DEPTH} (a cycle?)`);
    if (prototype === Array.prototype) {
      const array = value as unknown[];
      for (let i = 0; i < array.length; i++) {
        const copy = visit(array[i], depth + 1);
        if (copy !== undefined) {
          undo.push(array, i, array[i]);
          array[i] = copy;
        }
      }
    } else if (prototype === Map.prototype) {
      const map = value as Map<unknown, unknown>;
      for (const [key, entry] of map) {
        if (visit(key, depth + 1) !== undefined)
          throw new Error('cannot snapshot a Map keyed by Decimal');
        const copy = visit(entry, depth + 1);
        if (copy !== undefined) {
          undo.push(map, key, entry);
          // Setting an existing key keeps its place in the Map's order.
          map.set(key, copy);
        }
      }
    } else if (prototype === Set.prototype) {
      for (const member of value as Set<unknown>) {
        if (visit(member, depth + 1) !== undefined)
          throw new Error('cannot snapshot a Set of Decimals');
      }
    } else if (prototype === Object.prototype) {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const copy = visit(record[key], depth + 1);
        if (copy !== undefined) {
          undo.push(record, key, record[key]);
          record[key] = copy;
        }
      }
    } else {
      throw new Error(
        `cannot snapshot an instance of ${describe(value)}: v8 would restore it without its prototype`,
      );
    }
    return undefined;
  }

  try {
    const copy = visit(root, 0);
    const encoded: Encoded = { root: copy ?? root, decimals };
    return serialize(encoded);
  } finally {
    for (let i = undo.length - 3; i >= 0; i -= 3) {
      const container = undo[i] as object;
      const key = undo[i + 1];
      const original = undo[i + 2];
      if (container instanceof Map) container.set(key, original);
      else (container as Record<string | number, unknown>)[key as string | number] = original;
    }
  }
}

/** node:v8's default deserializer, but each typed array (or DataView) owns its memory. */
class CopyingDeserializer extends DefaultDeserializer {
  // Node's own hook for ArrayBufferViews (lib/v8.js), absent from its type declarations.
  _readHostObject(): ArrayBufferView {
    const view = (
      DefaultDeserializer.prototype as unknown as { _readHostObject(): ArrayBufferView }
    )._readHostObject.call(this);
    const own = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
    if (view instanceof DataView) return new DataView(own);
    // Node revives a Buffer as a Buffer, whose constructor is deprecated (DEP0005).
    if (Buffer.isBuffer(view)) return Buffer.from(own);
    const Typed = view.constructor as new (buffer: ArrayBufferLike) => ArrayBufferView;
    return new Typed(own);
  }
}

function deserialize(bytes: Uint8Array): unknown {
  const deserializer = new CopyingDeserializer(bytes);
  deserializer.readHeader();
  return deserializer.readValue() as unknown;
}

export function decodeState(bytes: Uint8Array): unknown {
  const encoded = deserialize(bytes) as Encoded;
  if (typeof encoded !== 'object' || encoded === null || !Array.isArray(encoded.decimals))
    throw new Error('not an encoded state');
  for (const copy of encoded.decimals) {
    copy.constructor = MONEY_CONSTRUCTOR;
    Object.setPrototypeOf(copy, DECIMAL_PROTOTYPE);
  }
  return encoded.root;
}
