/**
 * The sampling decision of a trace, as every format we carry expresses it.
 *
 * - `accept`: record this trace (B3 `1`, W3C sampled flag set).
 * - `deny`: do not record it (B3 `0`, W3C sampled flag clear when the decision came from B3 or W3C).
 * - `defer`: no decision yet; the receiver decides (B3 with no sampling state).
 * - `debug`: B3 debug (`X-B3-Flags: 1` or `b3: …-d`); implies `accept` and is sticky downstream.
 *
 * The decision is per trace and travels downstream unchanged (B3 README, "Sampling State").
 *
 * @example
 * ```ts
 * const sampling: Sampling = 'defer';
 * ```
 */
export type Sampling = 'accept' | 'deny' | 'defer' | 'debug';

/**
 * Whether a sampling decision means "record this trace".
 *
 * @example
 * ```ts
 * isSampled('debug'); // true
 * isSampled('defer'); // undefined
 * ```
 *
 * @returns `true` for `accept` and `debug`, `false` for `deny`, `undefined` for `defer`.
 */
export function isSampled(sampling: Sampling): boolean | undefined {
  if (sampling === 'defer') return undefined;
  return sampling !== 'deny';
}
