/**
 * The audit trail's storage (projections/columns.ts): whatever goes into a column comes back
 * exactly, across chunk boundaries, for any text (lone surrogates and long free text included).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  columnAt,
  columnPush,
  createFloat64Column,
  createInterner,
  createPositionColumn,
  createTextColumn,
  createUint32Column,
  internedNumber,
  internedValue,
  textAt,
  textColumnLength,
  textPush,
} from '../../projections/columns.ts';

describe('columns', () => {
  it('a text column gives back every text (or undefined) exactly', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.constantFrom('\ud800', 'a\udc00b', '£€𝄞', ''),
      fc.string({ minLength: 4_000, maxLength: 5_000 }),
    );
    fc.assert(
      fc.property(fc.array(fc.option(text, { nil: undefined }), { maxLength: 80 }), (texts) => {
        const column = createTextColumn();
        for (const t of texts) textPush(column, t);
        expect(textColumnLength(column)).toBe(texts.length);
        expect(texts.map((_, i) => textAt(column, i))).toStrictEqual(texts);
      }),
      { numRuns: 300 },
    );
  });

  it('a text column spills into new chunks and still reads every row back', () => {
    const column = createTextColumn();
    const texts = Array.from({ length: 30_000 }, (_, i) => `row ${i} ${'x'.repeat(i % 97)} £${i}`);
    for (const t of texts) textPush(column, t);
    for (let i = 0; i < texts.length; i += 7) expect(textAt(column, i)).toBe(texts[i]);
    expect(textAt(column, texts.length - 1)).toBe(texts.at(-1));
  });

  it('number columns give back what was pushed, past a chunk, and refuse rows they do not hold', () => {
    const positions = createPositionColumn();
    const times = createFloat64Column();
    const ids = createUint32Column();
    const count = 70_000;
    for (let i = 0; i < count; i++) {
      columnPush(positions, BigInt(i) * 3n + 2n ** 60n);
      columnPush(times, i * 1.5);
      columnPush(ids, i % 4_000_000_000);
    }
    for (const i of [0, 65_535, 65_536, count - 1]) {
      expect(columnAt(positions, i)).toBe(BigInt(i) * 3n + 2n ** 60n);
      expect(columnAt(times, i)).toBe(i * 1.5);
      expect(columnAt(ids, i)).toBe(i);
    }
    expect(() => columnAt(positions, count)).toThrow(RangeError);
    expect(() => columnAt(times, -1)).toThrow(RangeError);
    expect(() => columnPush(positions, -1n)).toThrow(/position/);
    expect(() => columnPush(positions, 2n ** 64n)).toThrow(/position/);
    expect(() => columnPush(ids, -1)).toThrow(/uint32/);
    expect(() => columnPush(ids, 2 ** 32)).toThrow(/uint32/);
  });

  it('an interner numbers each key once, from 1', () => {
    const interner = createInterner<string>();
    expect(internedNumber(interner, 'a', () => 'A')).toBe(1);
    expect(internedNumber(interner, 'b', () => 'B')).toBe(2);
    expect(internedNumber(interner, 'a', () => 'never')).toBe(1);
    expect(internedValue(interner, 2)).toBe('B');
    expect(interner.ids.get('c')).toBeUndefined();
    expect(() => internedValue(interner, 0)).toThrow(RangeError);
  });
});
