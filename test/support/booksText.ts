/**
 * Books as text, for tests that compare two folds byte for byte.
 */
import { createHash } from 'node:crypto';
import { ZERO } from '../../events/money.ts';
import type { LedgerProjections } from '../../projections/index.ts';

/**
 * A state written out in full, in its own order: Maps and Sets as their entries in order,
 * money as its digits, typed arrays as their bytes. Equal text is equal books to every reader.
 * (The codec's own bytes are no test: v8 writes which objects are shared, and books decoded from
 * a waypoint share their zeros with each other rather than with events/money.ts's ZERO.)
 */
export function written(value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null) return value;
  if (Object.getPrototypeOf(value) === Object.getPrototypeOf(ZERO)) return `£${String(value)}`;
  if (ArrayBuffer.isView(value))
    return createHash('sha256')
      .update(Buffer.from(value.buffer, value.byteOffset, value.byteLength))
      .digest('base64');
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [written(k), written(v)]) };
  if (value instanceof Set) return { set: [...value].map(written) };
  if (Array.isArray(value)) return value.map(written);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, written(v)]));
}

export function textOf(projections: Partial<LedgerProjections>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(projections).map(([name, state]) => [name, JSON.stringify(written(state))]),
  );
}
