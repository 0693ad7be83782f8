import { describe, expect, it } from 'vitest';
import { median, pairedRatios, percentile, spread, summarize } from '../../bench/lib/stats';

describe('bench statistics', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('summarizes latencies', () => {
    expect(summarize([5, 1, 9, 3])).toEqual({ n: 4, p50: 3, p95: 9, p99: 9, max: 9 });
  });

  it('pairs ratios within rounds and reports their median and range', () => {
    expect(pairedRatios([10, 30, 20], [20, 30, 80])).toEqual({ median: 0.5, min: 0.25, max: 1, n: 3 });
    // A round measured on one side only is skipped; so is a ratio that is not finite.
    expect(pairedRatios([1, 2, 3], [0, 4])).toEqual({ median: 0.5, min: 0.5, max: 0.5, n: 1 });
    expect(spread([])).toEqual({ median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 });
  });
});
