/**
 * Why an incoming header was not used.
 *
 * - `empty`: present but empty (an empty header is malformed, not absent: B3 README).
 * - `too-long`: longer than the cap for that header.
 * - `invalid-characters`: characters outside the header's grammar (control characters, non-ASCII…).
 * - `multiple-values`: several values where the format allows one (comma-joined or repeated).
 * - `malformed`: the characters are allowed but the value breaks the format's grammar.
 * - `untrusted`: a valid request ID that the `trustRequestId` option refused.
 * - `orphaned`: valid on its own but depends on a header that was absent or rejected
 *   (`tracestate` without a valid `traceparent`, W3C Trace Context §3.3).
 * - `conflicting`: valid, but names another trace than the one in use (a `traceparent` whose
 *   trace ID differs from the B3 one); forwarding both would split the trace downstream.
 */
export type RejectionReason =
  | 'empty'
  | 'too-long'
  | 'invalid-characters'
  | 'multiple-values'
  | 'malformed'
  | 'untrusted'
  | 'orphaned'
  | 'conflicting';

/**
 * One incoming header that hoptrace dropped or replaced. The raw value is deliberately not kept:
 * it is attacker-controlled and must never reach a log or a response. Its length is kept instead.
 *
 * @example
 * ```ts
 * const rejection: Rejection = { header: 'x-request-id', reason: 'invalid-characters', length: 42 };
 * ```
 */
export interface Rejection {
  /** Lower-case header name. */
  readonly header: string;
  /** Why it was dropped; see {@link RejectionReason}. */
  readonly reason: RejectionReason;
  /** Length in characters of the rejected value (all values joined, for repeated headers). */
  readonly length: number;
}

/**
 * Why `value` failed a header's grammar, in the coarse terms of {@link RejectionReason}: the
 * codecs only say "invalid", and this tells the operator which kind of invalid without keeping
 * the value.
 *
 * @example
 * ```ts
 * rejectionReason('', 200); // 'empty'
 * rejectionReason('a\r\nb', 200); // 'invalid-characters'
 * rejectionReason('a, b', 200, true); // 'multiple-values'
 * ```
 */
export function rejectionReason(
  value: string,
  maxLength: number,
  commaMeansMultiple = false,
): RejectionReason {
  if (value.trim() === '') return 'empty';
  if (value.length > maxLength) return 'too-long';
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09) || code > 0x7e) return 'invalid-characters';
  }
  if (commaMeansMultiple && value.includes(',')) return 'multiple-values';
  return 'malformed';
}
