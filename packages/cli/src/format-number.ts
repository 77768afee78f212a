/**
 * A duration in milliseconds for display: about three significant digits, no exponent.
 *
 * @example
 * ```ts
 * formatMilliseconds(12.345); // '12.3'
 * formatMilliseconds(0.01234); // '0.012'
 * ```
 */
export function formatMilliseconds(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(3);
}
