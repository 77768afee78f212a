/** Smallest value the histogram resolves, in milliseconds (1 µs); smaller ones share one bucket. */
export const HISTOGRAM_MIN_MS = 0.001;

/** Largest value the histogram resolves, in milliseconds (10⁷ ms, about 2 h 47 min). */
export const HISTOGRAM_MAX_MS = 1e7;

/** Ratio between consecutive bucket bounds. */
const GROWTH = 1.04;
const LOG_GROWTH = Math.log(GROWTH);

/**
 * Worst relative error of a quantile the histogram gives for values between
 * {@link HISTOGRAM_MIN_MS} and {@link HISTOGRAM_MAX_MS}: (γ − 1) / (γ + 1) with γ = 1.04, 1.96 %.
 */
export const HISTOGRAM_RELATIVE_ERROR = (GROWTH - 1) / (GROWTH + 1);

/** Buckets between the bounds; slot 0 holds the values below, the last slot those above. */
const BUCKETS = Math.ceil(Math.log(HISTOGRAM_MAX_MS / HISTOGRAM_MIN_MS) / LOG_GROWTH);

/**
 * A fixed-size histogram of durations with logarithmic buckets, for p50/p99 per edge without
 * keeping the values: 590 counters (4.7 KB) whatever the number of values.
 *
 * Bucket `i` holds [min·γ^i, min·γ^(i+1)) with γ = 1.04, and a quantile is read as the value
 * whose relative distance to both bounds of its bucket is the same, 2γ/(1+γ)·min·γ^i, so it is
 * within {@link HISTOGRAM_RELATIVE_ERROR} (1.96 %) of the exact nearest-rank quantile. Values
 * under 1 µs (0 included) and over 10⁷ ms fall in two end buckets; estimates are clamped to the
 * exact minimum and maximum seen, so those read as the extremes. This is the DDSketch bucketing
 * (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile sketch with relative-error
 * guarantees", VLDB 2019) with a fixed range instead of a growing one.
 *
 * @example
 * ```ts
 * const histogram = new LogHistogram();
 * for (const durationMs of [1, 2, 3, 100]) histogram.record(durationMs);
 * histogram.quantile(0.5); // ≈ 2 (within 2 %)
 * ```
 */
export class LogHistogram {
  // Float64 counts stay exact to 2^53, past what a Uint32 would hold on a long log.
  private readonly counts = new Float64Array(BUCKETS + 2);
  private total = 0;
  private minimum = Number.POSITIVE_INFINITY;
  private maximum = Number.NEGATIVE_INFINITY;

  /** How many values were recorded. */
  get count(): number {
    return this.total;
  }

  /** Adds one value in milliseconds; NaN and negative values are ignored. */
  record(value: number): void {
    if (!(value >= 0)) return;
    this.total += 1;
    if (value < this.minimum) this.minimum = value;
    if (value > this.maximum) this.maximum = value;
    const slot = LogHistogram.slot(value);
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
  }

  /**
   * The nearest-rank `q`-quantile (the value at rank ⌈q·n⌉ of the n sorted values) within
   * {@link HISTOGRAM_RELATIVE_ERROR} (the minimum and maximum exactly), or `undefined` when
   * nothing was recorded. `q` is clamped to [0, 1].
   */
  quantile(q: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * this.total));
    // The first and last ranks are known exactly.
    if (rank === 1) return this.minimum;
    if (rank === this.total) return this.maximum;
    let seen = 0;
    for (let slot = 0; slot < this.counts.length; slot += 1) {
      seen += this.counts[slot] ?? 0;
      if (seen >= rank) return this.clamp(LogHistogram.representative(slot));
    }
    return this.maximum;
  }

  private clamp(value: number): number {
    return Math.min(this.maximum, Math.max(this.minimum, value));
  }

  private static slot(value: number): number {
    if (value < HISTOGRAM_MIN_MS) return 0;
    if (value >= HISTOGRAM_MAX_MS) return BUCKETS + 1;
    const index = Math.floor(Math.log(value / HISTOGRAM_MIN_MS) / LOG_GROWTH);
    // Rounding of the logarithm can land one past the last bucket just under the maximum.
    return 1 + Math.min(index, BUCKETS - 1);
  }

  private static representative(slot: number): number {
    if (slot === 0) return 0;
    if (slot === BUCKETS + 1) return Number.POSITIVE_INFINITY;
    return (HISTOGRAM_MIN_MS * GROWTH ** (slot - 1) * 2 * GROWTH) / (1 + GROWTH);
  }
}
