import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test/seeded-random.mjs';
import { HISTOGRAM_RELATIVE_ERROR, LogHistogram } from './log-histogram.js';

/** The nearest-rank quantile: the value at rank ⌈q·n⌉ of the sorted values. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? Number.NaN;
}

const distributions: Record<string, (next: () => number) => number> = {
  'uniform 0.5–50 ms': (next) => 0.5 + next() * 49.5,
  'log-normal around 5 ms': (next) =>
    5 * Math.exp(Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())),
  'bimodal (cache hits 0.2 ms, misses 80 ms)': (next) =>
    next() < 0.9 ? 0.2 + next() * 0.05 : 80 + next() * 40,
  'heavy tail (Pareto)': (next) => 1 / (1 - next()) ** 1.5,
  'integers 1–10 ms': (next) => 1 + Math.floor(next() * 10),
};

describe('LogHistogram', () => {
  it('is within 2 % of the exact p50, p90, p99 and p99.9 on generated data', () => {
    expect(HISTOGRAM_RELATIVE_ERROR).toBeLessThan(0.02);
    for (const [name, draw] of Object.entries(distributions)) {
      for (const [seed, size] of [
        [1, 1],
        [2, 7],
        [3, 1000],
        [4, 100_000],
      ] as const) {
        const next = seededRandom(seed);
        const values = Array.from({ length: size }, () => draw(next));
        const histogram = new LogHistogram();
        for (const value of values) histogram.record(value);
        const sorted = [...values].sort((left, right) => left - right);
        expect(histogram.count).toBe(size);
        for (const q of [0, 0.5, 0.9, 0.99, 0.999, 1]) {
          const exact = exactQuantile(sorted, q);
          const estimate = histogram.quantile(q) ?? Number.NaN;
          const error = Math.abs(estimate - exact) / exact;
          expect(error, `${name}, n=${size}, q=${q}: ${estimate} vs ${exact}`).toBeLessThanOrEqual(
            HISTOGRAM_RELATIVE_ERROR + 1e-9,
          );
        }
      }
    }
  });

  it('gives the exact value when every value is the same, and the extremes at q 0 and 1', () => {
    const histogram = new LogHistogram();
    for (let index = 0; index < 50; index += 1) histogram.record(12.5);
    expect(histogram.quantile(0.5)).toBe(12.5);
    histogram.record(0.3);
    histogram.record(900);
    expect(histogram.quantile(0)).toBe(0.3);
    expect(histogram.quantile(1)).toBe(900);
  });

  it('keeps zero, sub-microsecond and out-of-range values within the seen extremes', () => {
    const histogram = new LogHistogram();
    histogram.record(0);
    histogram.record(0.0001);
    histogram.record(5e7);
    expect(histogram.quantile(0)).toBe(0);
    expect(histogram.quantile(0.5)).toBe(0);
    expect(histogram.quantile(1)).toBe(5e7);
  });

  it('ignores NaN and negative values and answers undefined when empty', () => {
    const histogram = new LogHistogram();
    histogram.record(Number.NaN);
    histogram.record(-1);
    expect(histogram.count).toBe(0);
    expect(histogram.quantile(0.5)).toBeUndefined();
  });
});
