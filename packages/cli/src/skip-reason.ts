/**
 * Why an input line was skipped, in the order the summary lists them.
 *
 * - `line-too-long`: over the line cap (1 MiB by default); dropped without being buffered whole.
 * - `binary`: not valid UTF-8, or holds a NUL byte.
 * - `invalid-json`: a non-blank line that is not JSON (a truncated record, plain-text logging).
 * - `missing-field`: a `"hoptrace": "server"|"client"` record without a field topology needs.
 * - `wrong-type`: such a field with the wrong JSON type.
 * - `invalid-value`: such a field of the right type out of range (negative duration, empty or
 *   over-long name or ID).
 * - `too-many-edges`: a record that would open an edge past the edge cap (hostile input naming a
 *   new service on every line); the edges already seen keep being counted.
 *
 * JSON lines that are not records (no `hoptrace` field, or another value) are not skipped lines:
 * they are ignored silently, as any other log line.
 *
 * @example
 * ```ts
 * const counts = new Map<SkipReason, number>(SKIP_REASONS.map((reason) => [reason, 0]));
 * ```
 */
export const SKIP_REASONS = [
  'line-too-long',
  'binary',
  'invalid-json',
  'missing-field',
  'wrong-type',
  'invalid-value',
  'too-many-edges',
] as const;

/**
 * One of {@link SKIP_REASONS}.
 *
 * @example
 * ```ts
 * const reason: SkipReason = 'invalid-json';
 * ```
 */
export type SkipReason = (typeof SKIP_REASONS)[number];
