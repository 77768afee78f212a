import { SKIP_REASONS, type SkipReason } from './skip-reason.js';

/**
 * What the readers saw, counted as they go: records per side, ignored lines, skipped lines by
 * reason.
 *
 * @example
 * ```ts
 * const counts = new LineCounts();
 * counts.skip('invalid-json');
 * counts.skipped['invalid-json']; // 1
 * ```
 */
export class LineCounts {
  client = 0;
  server = 0;
  ignored = 0;
  // Null prototype and keys from SKIP_REASONS only: nothing read from the input becomes a key.
  readonly skipped: Record<SkipReason, number> = Object.assign(
    Object.create(null) as Record<SkipReason, number>,
    Object.fromEntries(SKIP_REASONS.map((reason) => [reason, 0])),
  );

  /** Counts one skipped line. */
  skip(reason: SkipReason): void {
    this.skipped[reason] += 1;
  }
}
