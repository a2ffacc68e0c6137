/**
 * The valuation arithmetic, by property: outcomes by quantity and uprating never create or lose
 * a penny, and agree with a closed form computed here in integer pence, independently of
 * decimal.js.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flowsFor } from '../../commands/recordOutcome.ts';
import { valueOutcomeLines, type OutcomeQuantityLine } from '../../commands/valueOutcomeLines.ts';
import { money, sum } from '../../events/money.ts';
import { AGENCY_KINDS, type AgencyKind } from '../../events/primitives.ts';
import type { UnitCostAdded } from '../../events/unitCost.ts';
import { uprate, uprateSplit } from '../../events/uprating.ts';

const RUNS = Number(process.env.POTLEDGER_PROPERTY_RUNS ?? 300);

const pence = (text: string): bigint => BigInt(text.replace('.', ''));
const pounds = (p: bigint): string => `${p / 100n}.${String(p % 100n).padStart(2, '0')}`;
/** Half-up division of non-negative integers: what "rounded to the penny, halves up" means. */
const divideHalfUp = (numerator: bigint, denominator: bigint): bigint =>
  (2n * numerator + denominator) / (2n * denominator);

const agencyOf = (kind: AgencyKind): string => `${kind}-agency`;
const KINDS = new Map<string, AgencyKind>(AGENCY_KINDS.map((kind) => [agencyOf(kind), kind]));
const PARTNERS = [...KINDS.keys()];

const entryArb = (code: string): fc.Arbitrary<UnitCostAdded> =>
  fc
    .uniqueArray(
      fc.record({
        agencyKind: fc.constantFrom(...AGENCY_KINDS),
        pence: fc.oneof(
          fc.bigInt({ min: 1n, max: 99n }),
          fc.bigInt({ min: 1n, max: 5_000_000_00n }),
        ),
        cashable: fc.boolean(),
      }),
      { minLength: 1, maxLength: 5, selector: (p) => p.agencyKind },
    )
    .map((parts) => ({
      code,
      version: 1,
      description: code,
      unit: 'per incident',
      amount: pounds(parts.reduce((total, p) => total + p.pence, 0n)),
      priceYear: '2010-11',
      split: parts.map((p) => ({
        agencyKind: p.agencyKind,
        amount: pounds(p.pence),
        cashable: p.cashable,
      })),
      source: 'property test',
    }));

/** Quantities in hundredths: whole numbers and 2-dp fractions, up to 10,000 units (so a line stays under the largest amount). */
const hundredthsArb = fc.oneof(
  fc.bigInt({ min: 1n, max: 10_000n }).map((q) => q * 100n),
  fc.bigInt({ min: 1n, max: 1_000_000n }),
);
const quantityText = (hundredths: bigint): string =>
  hundredths % 100n === 0n ? String(hundredths / 100n) : pounds(hundredths);

const caseArb = fc
  .array(fc.tuple(hundredthsArb, fc.nat()), { minLength: 1, maxLength: 4 })
  .chain((lineSeeds) =>
    fc.record({
      entries: fc.tuple(...lineSeeds.map((_, i) => entryArb(`CODE-${i}`))),
      hundredths: fc.constant(lineSeeds.map(([h]) => h)),
      funders: fc.uniqueArray(
        fc.record({
          agencyId: fc.constantFrom(...PARTNERS),
          pence: fc.bigInt({ min: 1n, max: 10_000_000_00n }),
        }),
        {
          minLength: 1,
          maxLength: 4,
          selector: (f) => f.agencyId,
        },
      ),
    }),
  );

/** The closed form of a line: quantity × unit amount in pence, halves rounded up. */
const linePence = (c: { entries: UnitCostAdded[]; hundredths: bigint[] }, i: number): bigint =>
  divideHalfUp(c.hundredths[i]! * pence(c.entries[i]!.amount), 100n);

function value(c: { entries: UnitCostAdded[]; hundredths: bigint[] }) {
  // A line worth less than a halfpenny values to nothing and is refused (its own property below).
  fc.pre(c.entries.every((_, i) => linePence(c, i) > 0n));
  const lines: OutcomeQuantityLine[] = c.entries.map((entry, i) => ({
    unitCostCode: entry.code,
    quantity: quantityText(c.hundredths[i]!),
  }));
  const valuation = valueOutcomeLines(lines, PARTNERS, {
    unitCosts: new Map(c.entries.map((e) => [e.code, e])),
    agencyKinds: KINDS,
  });
  if (!('benefits' in valuation)) throw new Error(`refused: ${valuation.message}`);
  return valuation;
}

describe('outcomes by quantity (property)', () => {
  it('benefits sum exactly to Σ quantity × unit amount, each line rounded half-up to the penny', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const valuation = value(c);
        const expectedPence = c.entries.reduce((total, _entry, i) => total + linePence(c, i), 0n);
        expect(pence(sum(valuation.benefits.map((b) => money(b.amount))).toFixed(2))).toBe(
          expectedPence,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("every line's split sums to the line; with a whole quantity each part is exactly quantity × its unit amount", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        for (const [i, line] of value(c).lines.entries()) {
          const partsPence = line.split.reduce((total, part) => total + pence(part.amount), 0n);
          expect(partsPence).toBe(pence(line.amount));
          const hundredths = c.hundredths[i]!;
          if (hundredths % 100n === 0n) {
            for (const part of line.split)
              expect(pence(part.amount)).toBe((hundredths / 100n) * pence(part.unitAmount));
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a line worth less than a halfpenny is refused, not recorded as nothing', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const lines = c.entries.map((entry, i) => ({
          unitCostCode: entry.code,
          quantity: quantityText(c.hundredths[i]!),
        }));
        const valuation = valueOutcomeLines(lines, PARTNERS, {
          unitCosts: new Map(c.entries.map((e) => [e.code, e])),
          agencyKinds: KINDS,
        });
        const worthless = c.entries.some((_, i) => linePence(c, i) === 0n);
        expect('benefits' in valuation).toBe(!worthless);
      }),
      { numRuns: RUNS },
    );
  });

  it('flows sum to the benefits, per beneficiary and cashability', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { benefits } = value(c);
        const flows = flowsFor(
          benefits,
          c.funders.map((f) => ({ agencyId: f.agencyId, amount: money(pounds(f.pence)) })),
        );
        for (const b of benefits) {
          const into = flows.filter(
            (f) => f.toAgencyId === b.agencyId && f.cashable === b.cashable,
          );
          expect(sum(into.map((f) => money(f.amount))).toFixed(2)).toBe(b.amount);
        }
        expect(sum(flows.map((f) => money(f.amount))).toFixed(2)).toBe(
          sum(benefits.map((b) => money(b.amount))).toFixed(2),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

/** Index values in tenths (one decimal place, as HM Treasury publishes them). */
const tenthsArb = fc.integer({ min: 100, max: 20_000 });
const indexText = (tenths: number): string => `${Math.floor(tenths / 10)}.${tenths % 10}`;
const seriesOf = (from: number, to: number) => ({
  index: { '2008-09': indexText(from), '2023-24': indexText(to) },
});
const amountArb = fc.bigInt({ min: 1n, max: 1_000_000_000_00n });

describe('uprating (property)', () => {
  it('the same year is the identity', () => {
    fc.assert(
      fc.property(amountArb, tenthsArb, (p, t) => {
        expect(uprate(pounds(p), '2008-09', '2008-09', seriesOf(t, t))).toBe(pounds(p));
      }),
      { numRuns: RUNS },
    );
  });

  it('matches the closed form amount × index(to) ÷ index(from), half-up to the penny', () => {
    fc.assert(
      fc.property(amountArb, tenthsArb, tenthsArb, (p, from, to) => {
        const expected = divideHalfUp(p * BigInt(to), BigInt(from));
        expect(uprate(pounds(p), '2008-09', '2023-24', seriesOf(from, to))).toBe(pounds(expected));
      }),
      { numRuns: RUNS },
    );
  });

  it('is monotonic: a larger amount, or a larger ratio, never gives less', () => {
    fc.assert(
      fc.property(amountArb, amountArb, tenthsArb, tenthsArb, tenthsArb, (a, b, from, to1, to2) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        const [lowTo, highTo] = to1 <= to2 ? [to1, to2] : [to2, to1];
        const up = (p: bigint, to: number) =>
          pence(uprate(pounds(p), '2008-09', '2023-24', seriesOf(from, to)));
        expect(up(small, lowTo) <= up(large, lowTo)).toBe(true);
        expect(up(small, lowTo) <= up(small, highTo)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('an uprated split still sums exactly to the uprated total', () => {
    fc.assert(
      fc.property(
        fc.array(amountArb, { minLength: 1, maxLength: 6 }),
        tenthsArb,
        tenthsArb,
        (parts, from, to) => {
          const total = parts.reduce((a, b) => a + b, 0n);
          const result = uprateSplit(
            pounds(total),
            parts.map((p, i) => ({ key: `k${i}`, amount: pounds(p) })),
            '2008-09',
            '2023-24',
            seriesOf(from, to),
          );
          expect(result.parts.reduce((s, p) => s + pence(p.amount), 0n)).toBe(pence(result.total));
          expect(result.total).toBe(
            uprate(pounds(total), '2008-09', '2023-24', seriesOf(from, to)),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses a year the series does not cover', () => {
    expect(() => uprate('1.00', '1999-00', '2008-09', seriesOf(1000, 1000))).toThrow(
      /no index for 1999-00/,
    );
  });
});
