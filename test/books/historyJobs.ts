/**
 * Historical questions for the properties that compare a way of answering them with folding
 * everything from position 0 (test/books/booksWaypoints.test.ts, test/books/asAtReads.test.ts).
 */
import fc from 'fast-check';
import { ALL_PROJECTIONS } from '../../src/books/historyFold.ts';
import { DATES } from '../projections/randomHistory.ts';

/** Business dates to ask as at: before, between and after the generated ones. */
export const AS_AT_DATES = ['2025-03-29', ...DATES, '2026-05-31', '2026-06-01'] as const;

/**
 * Questions asked in turn: a point of the log (`pick`, taken modulo its length), maybe a date,
 * whether the point snaps to the end of an append, and the projections the route reads.
 */
export const historyJobsArbitrary = (maxLength: number) =>
  fc.array(
    fc.record({
      pick: fc.nat(),
      asAt: fc.option(fc.constantFrom(...AS_AT_DATES)),
      snapToAppend: fc.boolean(),
      projections: fc.subarray([...ALL_PROJECTIONS], { minLength: 1 }),
    }),
    { minLength: 1, maxLength },
  );
