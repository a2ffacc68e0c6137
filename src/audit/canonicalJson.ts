/**
 * RFC 8785 (JCS) canonical JSON, byte for byte what the `canonicalize` package writes, but
 * without its per-level `reduce` and template-string ropes: `potledger verify` canonicalises
 * every event in the log, and this is most of its time. test/audit/canonicalJson.test.ts checks
 * it against `canonicalize` on arbitrary JSON values.
 *
 * The ledger writes a few dozen shapes of object (each event type's data, the metadata, the
 * actor), always with their keys in the same order, so the sorted order of an object's keys and
 * their quoted JSON are worked out once per key sequence and kept (KeyOrder), rather than sorted
 * and quoted again for every event.
 */

/** An object's keys in canonical order, each with its JSON text and the ':' after it. */
interface KeyOrder {
  readonly keys: readonly string[];
  readonly quoted: readonly string[];
}

/** One key sequence seen so far (a trie over Object.keys, in insertion order). */
interface KeySequence {
  readonly next: Map<string, KeySequence>;
  order?: KeyOrder;
}

/**
 * Key sequences kept at most (trie nodes). A ledger writes far fewer; arbitrary input past the
 * limit is canonicalised the long way, so memory stays bounded whatever a log holds.
 */
const MAX_KEY_SEQUENCES = 8_192;
const knownSequences: KeySequence = { next: new Map() };
let keySequences = 0;

function keyOrderOf(keys: readonly string[]): KeyOrder {
  // Default sort: UTF-16 code units, as RFC 8785 §3.2.3 asks.
  const sorted = [...keys].sort();
  return { keys: sorted, quoted: sorted.map((key) => `${JSON.stringify(key)}:`) };
}

/** The canonical key order of an object whose own keys, in insertion order, are `keys`. */
function canonicalKeyOrder(keys: readonly string[]): KeyOrder {
  let sequence = knownSequences;
  for (const key of keys) {
    let next = sequence.next.get(key);
    if (next === undefined) {
      if (keySequences >= MAX_KEY_SEQUENCES) return keyOrderOf(keys);
      next = { next: new Map() };
      sequence.next.set(key, next);
      keySequences += 1;
    }
    sequence = next;
  }
  return (sequence.order ??= keyOrderOf(keys));
}

/** The canonical JSON text of `value` (a JSON value: what JSON.parse returns, or the like). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return primitive(value);
  return structured(value as object, undefined);
}

/** canonicalJson of `object` as if it had no property `omittedKey` (an event's metadata without its own `hash`). */
export function canonicalJsonWithout(
  object: Readonly<Record<string, unknown>>,
  omittedKey: string,
): string {
  return structured(object, omittedKey);
}

/**
 * What JSON.stringify escapes in a string: '"', '\\', control characters, and (as a lone
 * surrogate is escaped, a pair is not) any surrogate, left to JSON.stringify to decide.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

function primitive(value: unknown): string {
  // Most strings in a ledger event (ids, dates, amounts, hashes) need no escaping, and quoting
  // them directly is several times cheaper than a call into JSON.stringify.
  if (typeof value === 'string')
    return NEEDS_ESCAPING.test(value) ? JSON.stringify(value) : `"${value}"`;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(Number.isNaN(value) ? 'NaN is not allowed' : 'Infinity is not allowed');
  }
  return JSON.stringify(value);
}

function structured(object: object, omittedKey: string | undefined): string {
  const withToJson = object as { toJSON?: unknown };
  if (withToJson.toJSON instanceof Function)
    return canonicalJson((withToJson.toJSON as () => unknown).call(object));
  if (Array.isArray(object)) {
    let out = '[';
    for (let i = 0; i < object.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = object[i];
      out += item === undefined || typeof item === 'symbol' ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  const record = object as Readonly<Record<string, unknown>>;
  const { keys, quoted } = canonicalKeyOrder(Object.keys(record));
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === omittedKey) continue;
    const item = record[key];
    if (item === undefined || typeof item === 'symbol') continue;
    if (!first) out += ',';
    first = false;
    out += quoted[i]!;
    out += canonicalJson(item);
  }
  return `${out}}`;
}
