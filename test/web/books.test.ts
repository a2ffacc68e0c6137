/**
 * The books pages' plain logic: the "as at" line from the answer's headers, business dates,
 * download paths, and the cost-benefit report's price caveat in words.
 */
import { describe, expect, it } from 'vitest';
import { asAtText, formatPosition, isIsoDate, withParam } from '../../web/src/books.ts';
import { priceCaveat, type CostBenefitReport } from '../../web/src/pages/potReports.ts';

describe('the as-at line', () => {
  it('names the date asked for and the position the answer reflects', () => {
    expect(asAtText({ position: '1234', asAt: '2025-03-31' }, '2026-12-07')).toBe(
      'As at 31 March 2025, position 1,234',
    );
  });

  it("is today's books when no date was asked for", () => {
    expect(asAtText({ position: '7', asAt: null }, '2026-12-07')).toBe(
      'As at 7 December 2026, position 7',
    );
  });

  it('says the date alone when the answer names no position', () => {
    expect(asAtText({ position: null, asAt: null }, '2026-12-07')).toBe('As at 7 December 2026');
  });

  it('groups positions past 2^53 without going through a float', () => {
    expect(formatPosition('9007199254740993')).toBe('9,007,199,254,740,993');
    expect(formatPosition('999')).toBe('999');
    expect(formatPosition('1000')).toBe('1,000');
    expect(formatPosition('not-digits')).toBe('not-digits');
  });
});

describe('business dates', () => {
  it('accepts real calendar dates written YYYY-MM-DD only', () => {
    expect(isIsoDate('2025-03-31')).toBe(true);
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2025-02-30')).toBe(false);
    expect(isIsoDate('2025-13-01')).toBe(false);
    expect(isIsoDate('2025-1-1')).toBe(false);
    expect(isIsoDate('31/03/2025')).toBe(false);
    expect(isIsoDate('')).toBe(false);
  });
});

describe('download paths', () => {
  it('adds the format to the JSON route, keeping its query', () => {
    expect(withParam('/v1/pots/P', 'format', 'csv')).toBe('/v1/pots/P?format=csv');
    expect(
      withParam('/v1/pots/P/statement?financialYear=2025-26&asAt=2025-09-30', 'format', 'xlsx'),
    ).toBe('/v1/pots/P/statement?financialYear=2025-26&asAt=2025-09-30&format=xlsx');
  });

  it('replaces a value already there and drops a blank one', () => {
    expect(withParam('/v1/flows?format=csv&potId=P', 'format', 'xlsx')).toBe(
      '/v1/flows?format=xlsx&potId=P',
    );
    expect(withParam('/v1/flows?asAt=2025-01-01', 'asAt', '')).toBe('/v1/flows');
    expect(withParam('/v1/flows?asAt=2025-01-01', 'asAt', undefined)).toBe('/v1/flows');
  });
});

describe('the price caveat of the cost-benefit report', () => {
  const report = (baseYearSource: CostBenefitReport['method']['prices']['baseYearSource']) =>
    ({
      method: {
        discountRatePercent: '3.5',
        prices: {
          baseYear: '2025-26',
          baseYearSource,
          deflator: 'GDP deflator (HM Treasury, June 2025)',
          baseYearIndex: '100.00',
        },
      },
      interventions: [],
      pot: {} as CostBenefitReport['pot'],
    }) satisfies CostBenefitReport;

  it('says which prices, which index and its base value, and what is not restated', () => {
    expect(priceCaveat(report('financial-year'))).toBe(
      'All amounts are in 2025-26 prices (the year reported on). Benefits valued from the unit-cost catalogue ' +
        'are restated from their price year with the GDP deflator (HM Treasury, June 2025) (2025-26 = 100.00); ' +
        'benefits recorded directly in pounds are taken as already in 2025-26 prices. ' +
        'Present values are discounted at 3.5% a year.',
    );
  });

  it('says why the base year is the one it is', () => {
    expect(priceCaveat(report('asked'))).toContain('2025-26 prices (as asked)');
    expect(priceCaveat(report('latest-in-series'))).toContain(
      '2025-26 prices (the latest year the index covers)',
    );
  });
});
