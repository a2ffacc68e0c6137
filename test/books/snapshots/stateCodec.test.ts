/**
 * The snapshot codec restores state exactly — money included — or refuses to encode it; it
 * never hands back something that only looks the same.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exact, money, ZERO } from '../../../events/money.ts';
import { decodeState, encodeState } from '../../../src/books/snapshots/stateCodec.ts';
import { Decimal } from 'decimal.js';

const roundTrip = <T>(value: T): T => decodeState(encodeState(value)) as T;

/** Plain data as projections hold it: records, arrays, Maps, Sets, bigint, typed arrays, money. */
const moneyArb = fc.oneof(
  fc
    .bigInt({ min: -(10n ** 15n), max: 10n ** 15n })
    .map((pence) => exact(pence.toString()).dividedBy(100)),
  fc.constantFrom(ZERO, money('-0.01'), exact('1').dividedBy(3)),
);
const { state: stateArb } = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: false }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt(),
    moneyArb,
  ),
  state: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.array(tie('state'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('state'), { maxKeys: 5, noNullPrototype: true }),
    fc
      .array(fc.tuple(fc.string({ maxLength: 6 }), tie('state')), { maxLength: 5 })
      .map((entries) => new Map(entries)),
    fc
      .array(fc.tuple(fc.oneof(fc.integer(), fc.bigInt()), tie('state')), { maxLength: 3 })
      .map((entries) => new Map<unknown, unknown>(entries)),
    fc.array(fc.string(), { maxLength: 5 }).map((members) => new Set(members)),
    fc
      .array(fc.oneof(fc.integer(), fc.bigInt(), fc.boolean()), { maxLength: 5 })
      .map((members) => new Set(members)),
    fc
      .array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 5 })
      .map((values) => BigInt64Array.from(values)),
    fc.uint8Array({ maxLength: 8 }),
    fc.float64Array({ maxLength: 4 }),
  ),
}));

describe('state codec', () => {
  it('restores any plain state exactly, money with its prototype and precision', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        expect(roundTrip(state)).toStrictEqual(state);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves the state it encodes untouched', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const before = structuredCloneWithMoney(state);
        encodeState(state);
        expect(state).toStrictEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('restored money computes like the original (same constructor, 40 digits)', () => {
    const third = exact('1').dividedBy(3);
    const restored = roundTrip({ third, map: new Map([['a', money('10.05')]]) });
    expect(restored.third.constructor).toBe(ZERO.constructor);
    expect(restored.third.times(3).toFixed()).toBe(third.times(3).toFixed());
    expect(restored.third.toFixed()).toBe(third.toFixed());
    expect(restored.map.get('a')!.plus('0.95').toFixed(2)).toBe('11.00');
  });

  it('keeps shared references shared', () => {
    const shared = { amount: money('5.00'), list: [1, 2] };
    const restored = roundTrip({ a: shared, b: shared, m: new Map([['x', shared]]) });
    expect(restored.a).toBe(restored.b);
    expect(restored.m.get('x')).toBe(restored.a);
  });

  it('gives every typed array its own memory, so the encoded bytes can be freed once decoded', () => {
    // node:v8's deserialize makes each typed array a view onto the bytes it reads: one kept
    // column would keep the whole books snapshot file (every Map and string of it) in memory.
    const bytes = encodeState({
      chunk: Buffer.from('a text column chunk'),
      rows: Uint32Array.from([1, 2, 3]),
      positions: BigUint64Array.from([7n, 8n]),
      odd: new DataView(new ArrayBuffer(3)),
    });
    const restored = decodeState(bytes) as Record<string, ArrayBufferView>;
    for (const view of Object.values(restored)) {
      expect(view.buffer).not.toBe(bytes.buffer);
      expect(view.byteOffset).toBe(0);
      expect(view.buffer.byteLength).toBe(view.byteLength);
    }
    expect(Buffer.isBuffer(restored.chunk)).toBe(true);
    expect(restored.chunk!.toString()).toBe('a text column chunk');
    expect(restored.positions).toStrictEqual(BigUint64Array.from([7n, 8n]));
    expect(restored.odd).toBeInstanceOf(DataView);
    expect(restored.odd!.byteLength).toBe(3);
  });

  it('refuses what it could not restore exactly', () => {
    class Pot {
      constructor(readonly potId: string) {}
    }
    expect(() => encodeState({ pot: new Pot('p') })).toThrow(/instance of Pot/);
    expect(() => encodeState({ f: () => 1 })).toThrow(/function/);
    // v8 would give it Object.prototype back.
    expect(() => encodeState({ record: Object.create(null) as object })).toThrow(
      /without a constructor/,
    );
    expect(() => encodeState({ d: new (Decimal.clone({ precision: 10 }))(1) })).toThrow(
      /not events\/money.ts money/,
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => encodeState(cycle)).toThrow(/deeper/);
  });

  it('refuses bytes that are not an encoded state', () => {
    expect(() => decodeState(Buffer.from('nonsense'))).toThrow();
  });
});

/** A deep copy that keeps money as it is (Decimals are immutable), to compare after encoding. */
function structuredCloneWithMoney<T>(value: T): T {
  if (
    typeof value !== 'object' ||
    value === null ||
    value instanceof Decimal ||
    ArrayBuffer.isView(value)
  )
    return value;
  if (Array.isArray(value)) return value.map(structuredCloneWithMoney) as T;
  if (value instanceof Map)
    return new Map([...value].map(([k, v]) => [k, structuredCloneWithMoney(v)])) as T;
  if (value instanceof Set) return new Set(value) as T;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, structuredCloneWithMoney(v)]),
  ) as T;
}
