/**
 * Books equal projection by projection, each strictly (types, Maps, no extra or missing fields).
 * Typed arrays (the audit trail's columns, chunks of up to a megabyte) are compared as bytes:
 * vitest's generic equality walks them element by element, which took most of a minute here.
 */
import { expect } from 'vitest';

function sameTypedArrays(a: unknown, b: unknown): boolean | undefined {
  if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) return undefined;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

expect.addEqualityTesters([sameTypedArrays]);

export function expectSameBooks(actual: object, expected: object): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const name of Object.keys(expected)) {
    expect((actual as Record<string, unknown>)[name], name).toStrictEqual(
      (expected as Record<string, unknown>)[name],
    );
  }
}
