import { UsageError } from './usage-error.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Reads a duration option such as `300ms`, `30s`, `5m` or `1.5h`, in milliseconds. A unit is
 * required: a bare `300` could mean seconds or milliseconds, and guessing wrong would silently
 * change the join.
 *
 * @throws {@link UsageError} when the value is not a positive number with a unit.
 *
 * @example
 * ```ts
 * parseDuration('5m', '--join-window'); // 300000
 * ```
 */
export function parseDuration(value: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  const amount = match?.[1];
  const unit = match?.[2];
  const factor = unit === undefined ? undefined : UNITS[unit];
  const milliseconds =
    amount === undefined || factor === undefined ? Number.NaN : Number(amount) * factor;
  if (!(milliseconds > 0) || !Number.isFinite(milliseconds)) {
    throw new UsageError(
      `${option} takes a positive duration with a unit: ms, s, m or h (e.g. 5m), not "${value}"`,
    );
  }
  return milliseconds;
}
