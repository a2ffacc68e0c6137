/**
 * RFC 8785 (JCS) canonical JSON, byte for byte what the `canonicalize` package writes, but
 * without its per-level `reduce` and template-string ropes: `potledger verify` canonicalises
 * every event in the log, and this is most of its time. test/audit/canonicalJson.test.ts checks
 * it against `canonicalize` on arbitrary JSON values.
 */

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

function primitive(value: unknown): string {
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
  // Default sort: UTF-16 code units, as RFC 8785 §3.2.3 asks.
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    if (key === omittedKey) continue;
    const item = record[key];
    if (item === undefined || typeof item === 'symbol') continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(key);
    out += ':';
    out += canonicalJson(item);
  }
  return `${out}}`;
}
