import { TRACEPARENT_MAX_LENGTH } from './headers.js';
import { isHexId } from './hex-id.js';
import { isOptionalWhitespace } from './optional-whitespace.js';

export { TRACEPARENT_MAX_LENGTH };

/**
 * The `sampled` bit of `trace-flags`: the caller may have recorded trace data. Test it with a
 * mask, never by comparing the whole field: other bits may be set.
 *
 * W3C Trace Context Level 1 §3.2.2.5.1 "Sampled flag".
 *
 * @example
 * ```ts
 * const sampled = (traceparent.traceFlags & TRACE_FLAG_SAMPLED) === TRACE_FLAG_SAMPLED;
 * ```
 */
export const TRACE_FLAG_SAMPLED = 0x01;

/**
 * The four fields of a `traceparent` header, as received.
 *
 * W3C Trace Context Level 1 §3.2 "Traceparent Header".
 *
 * @example
 * ```ts
 * const traceparent: Traceparent = {
 *   version: '00',
 *   traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
 *   parentId: '00f067aa0ba902b7',
 *   traceFlags: TRACE_FLAG_SAMPLED,
 * };
 * ```
 */
export interface Traceparent {
  /** Two lower-case hex characters, `00` to `fe` (§3.2.2.1). */
  readonly version: string;
  /** 32 lower-case hex characters, not all zero (§3.2.2.3). */
  readonly traceId: string;
  /** 16 lower-case hex characters, not all zero (§3.2.2.4). */
  readonly parentId: string;
  /** All 8 bits of `trace-flags` as received, 0 to 255 (§3.2.2.5). */
  readonly traceFlags: number;
}

const DASH = 0x2d;
/** `version "-" trace-id "-" parent-id "-" trace-flags`: 2 + 1 + 32 + 1 + 16 + 1 + 2. */
const VERSION_00_LENGTH = 55;
const FORBIDDEN_VERSION = 0xff;

/** The value of a lower-case hex digit (`HEXDIGLC`), or -1. */
function lowerHexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** The byte written by two lower-case hex digits at `index`, or -1. */
function lowerHexByte(value: string, index: number): number {
  const high = lowerHexDigit(value.charCodeAt(index));
  const low = lowerHexDigit(value.charCodeAt(index + 1));
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

/**
 * Parses one `traceparent` header value. Returns `undefined` when the value must be ignored, in
 * which case the caller restarts the trace and drops `tracestate` (§3.3). Never throws.
 *
 * - Version `00` must be exactly `00-{32 hex trace-id}-{16 hex parent-id}-{2 hex flags}`, 55
 *   characters; anything after the flags is invalid (§3.2.2.2).
 * - A higher version (`01` to `fe`) is parsed by its first four fields when they have the same
 *   shape and are followed by the end of the value or by `-`; what follows is neither parsed nor
 *   checked, and is not returned (§3.2.4 "Versioning of traceparent").
 * - Version `ff` is invalid (§3.2.2.1). Hex is lower-case only: upper case is invalid, never
 *   lower-cased, as IDs are opaque. An all-zero trace-id or parent-id is invalid (§3.2.2.3–4),
 *   whatever the version, since later versions are additive.
 * - Spaces and tabs around the value are ignored, as the W3C test suite expects
 *   (`test_traceparent_ows_handling`); any other whitespace makes the value invalid.
 * - All 8 bits of `trace-flags` are returned, reserved ones included: Level 1 only requires them
 *   to be zero when sending (§3.2.2.5.2), which {@link formatTraceparent} does.
 *
 * The input is a single header value. Several `traceparent` headers (repeated, or comma-joined by
 * a proxy) must be rejected by the caller before parsing: the W3C test suite expects a new trace
 * for them (`test_traceparent_duplicated`). A comma-joined pair is also invalid here, as it is
 * longer than 55 characters (version `00`) or has `,` where a `-` or the end is required.
 *
 * @example
 * ```ts
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { version: '00', traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
 * //   parentId: '00f067aa0ba902b7', traceFlags: 1 }
 * parseTraceparent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future'); // version 'cc'
 * parseTraceparent('00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'); // undefined
 * ```
 *
 * @see W3C Trace Context Level 1 §3.2.2 "traceparent Header Field Values" and §3.2.4.
 */
export function parseTraceparent(value: string): Traceparent | undefined {
  let start = 0;
  let end = value.length;
  while (start < end && isOptionalWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isOptionalWhitespace(value.charCodeAt(end - 1))) end--;
  const length = end - start;
  // Every version is at least as long as version 00 (§3.2.4: "shorter than 55 characters ... should
  // not parse"); this also guarantees every fixed offset below lies inside the trimmed value.
  if (length < VERSION_00_LENGTH) return undefined;

  const version = lowerHexByte(value, start);
  if (version < 0 || version === FORBIDDEN_VERSION) return undefined;
  if (version === 0) {
    if (length !== VERSION_00_LENGTH) return undefined;
  } else if (length > VERSION_00_LENGTH && value.charCodeAt(start + VERSION_00_LENGTH) !== DASH) {
    return undefined;
  }

  if (
    value.charCodeAt(start + 2) !== DASH ||
    value.charCodeAt(start + 35) !== DASH ||
    value.charCodeAt(start + 52) !== DASH
  ) {
    return undefined;
  }
  const traceFlags = lowerHexByte(value, start + 53);
  if (traceFlags < 0) return undefined;
  const traceId = value.slice(start + 3, start + 35);
  if (!isHexId(traceId, 32)) return undefined;
  const parentId = value.slice(start + 36, start + 52);
  if (!isHexId(parentId, 16)) return undefined;

  return {
    version: version === 0 ? '00' : value.slice(start, start + 2),
    traceId,
    parentId,
    traceFlags,
  };
}

/** What a later version may append: more `-`-separated fields of lower-case letters and digits. */
const FUTURE_TAIL = /^(?:-[0-9a-z]+)*$/;

/**
 * The `traceparent` a pass-through hop sends on, given the value it received (`value`, OWS
 * trimmed) and what {@link parseTraceparent} made of it. Version `00` goes on as received. A
 * higher version goes on as received only when what follows its flags has the shape of more
 * fields (`-` and lower-case letters or digits, none empty) and the whole is at most
 * {@link TRACEPARENT_MAX_LENGTH} characters; otherwise the version-`00` form of the fields it
 * parsed is sent (§3.4 "Downgrade the version"), so no unchecked byte of the tail travels on.
 *
 * Level 1 neither parses nor checks what a later version appends (§3.2.4), which would let a
 * caller hang markup, control characters, a second comma-joined `traceparent` or kilobytes of
 * padding on every downstream call.
 *
 * @example
 * ```ts
 * const value = 'cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-<script>';
 * traceparentToForward(value, parseTraceparent(value)!);
 * // '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
 * ```
 *
 * @see W3C Trace Context Level 1 §3.2.4 "Versioning of traceparent" and §3.4.
 */
export function traceparentToForward(value: string, traceparent: Traceparent): string {
  if (traceparent.version === '00') return value;
  if (value.length <= TRACEPARENT_MAX_LENGTH && FUTURE_TAIL.test(value.slice(VERSION_00_LENGTH))) {
    return value;
  }
  return formatTraceparent(traceparent);
}

/**
 * Writes a `traceparent` header value. Always writes version `00`, the highest version this
 * library knows, whatever `traceparent.version` says (§3.2.4: vendors "MUST use these fields to
 * construct the new traceparent field according to the highest version ... known"; §3.4 "Downgrade
 * the version"). Of the flags, only {@link TRACE_FLAG_SAMPLED} is written: Level 1 says of the
 * other bits "Vendors MUST set those to zero" (§3.2.2.5.2 "Other Flags").
 *
 * The IDs are written as given and are not checked: pass IDs from {@link parseTraceparent} or
 * `randomHexId`. To forward a header unchanged (a pass-through hop), forward the raw value
 * instead: §3.4 allows only the listed mutations.
 *
 * @example
 * ```ts
 * formatTraceparent({
 *   version: 'cc',
 *   traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
 *   parentId: '00f067aa0ba902b7',
 *   traceFlags: 0x03,
 * });
 * // '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
 * ```
 *
 * @see W3C Trace Context Level 1 §3.2.2 "traceparent Header Field Values".
 */
export function formatTraceparent(traceparent: Traceparent): string {
  const flags = (traceparent.traceFlags & TRACE_FLAG_SAMPLED) === 0 ? '00' : '01';
  return `00-${traceparent.traceId}-${traceparent.parentId}-${flags}`;
}
