/** The benchmark table's arithmetic and verdicts (bench/report.ts): medians, and no row counted as meeting a target it did not meet. */
import { describe, expect, it } from 'vitest';
import { median, meets, metric, rowVerdict, type Row } from '../../bench/report.ts';

const row = (metrics: Row['metrics'], extra: Partial<Row> = {}): Row => ({
  id: 'r',
  figure: 'f',
  note: '',
  metrics,
  ...extra,
});

describe('bench report', () => {
  it('takes the median of odd and even runs, leaving out runs with no number', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, Number.NaN, 1, 3])).toBe(3);
    expect(median([])).toBeNaN();
  });

  it('judges a median against an at-least or at-most target', () => {
    expect(meets(metric('rate', 'events/s', [200_000, 199_999, 250_000], { min: 200_000 }))).toBe(
      true,
    );
    expect(meets(metric('rate', 'events/s', [199_999, 100], { min: 200_000 }))).toBe(false);
    expect(meets(metric('p99', 'ms', [51], { max: 50 }))).toBe(false);
    expect(meets(metric('p50', 'ms', [51]))).toBeNull();
  });

  it('says meets only when every target is met, and names a smaller log', () => {
    const rate = metric('rate', 'events/s', [300_000], { min: 200_000 });
    const rss = metric('peak RSS', 'MiB', [2_000], { max: 1024 });
    expect(rowVerdict(row([rate]))).toBe('meets');
    expect(rowVerdict(row([rate, rss]))).toBe('misses');
    expect(rowVerdict(row([rate], { smallerLog: 200_000 }))).toBe(
      'meets at 200,000 events, not 1,000,000',
    );
  });

  it('never counts a row without a figure as meeting its target', () => {
    expect(rowVerdict(row([], { notMeasured: 'needs more events' }))).toBe('not measured');
    expect(rowVerdict(row([metric('rate', 'events/s', [Number.NaN], { min: 1 })]))).toBe(
      'not measured (no value)',
    );
    expect(rowVerdict(row([metric('wall', 's', [3])]))).toBe('—');
  });
});
