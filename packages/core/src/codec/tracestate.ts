import { TRACESTATE_MAX_MEMBERS } from './headers.js';
import { isOptionalWhitespace } from './optional-whitespace.js';

export { TRACESTATE_MAX_MEMBERS };

/**
 * One `tracestate` list-member: a key and its opaque value, in header order (left-most first).
 *
 * W3C Trace Context Level 1 §3.3.1.3 "list-members".
 *
 * @example
 * ```ts
 * const entry: TracestateEntry = ['congo', 't61rcWkgMzE'];
 * ```
 */
export type TracestateEntry = readonly [key: string, value: string];

const SPACE = 0x20;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const AT = 0x40;
const TILDE = 0x7e;
const MAX_KEY_LENGTH = 256;
const MAX_TENANT_ID_LENGTH = 241;
const MAX_SYSTEM_ID_LENGTH = 14;
const MAX_VALUE_LENGTH = 256;
/** §3.3.1.5: "Entries larger than 128 characters long SHOULD be removed first." */
const LARGE_ENTRY_LENGTH = 128;

function isLowerAlpha(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** `lcalpha / DIGIT / "_" / "-" / "*" / "/"`: every key character but `@`. */
function isKeyCharacter(code: number): boolean {
  return (
    isLowerAlpha(code) ||
    isDigit(code) ||
    code === 0x5f ||
    code === 0x2d ||
    code === 0x2a ||
    code === 0x2f
  );
}

/**
 * Whether `value[start, end)` is a Level 1 key (§3.3.1.3.1), checked in place to avoid a
 * substring per rejected member:
 *
 * ```abnf
 * simple-key       = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
 * multi-tenant-key = tenant-id "@" system-id
 * tenant-id        = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
 * system-id        = lcalpha 0*13( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
 * ```
 */
function isKey(value: string, start: number, end: number): boolean {
  if (end <= start || end - start > MAX_KEY_LENGTH) return false;
  let at = -1;
  for (let index = start; index < end; index++) {
    const code = value.charCodeAt(index);
    if (code === AT) {
      if (at !== -1) return false;
      at = index;
    } else if (!isKeyCharacter(code)) {
      return false;
    }
  }
  const first = value.charCodeAt(start);
  if (at === -1) return isLowerAlpha(first);
  const tenantIdLength = at - start;
  const systemIdLength = end - at - 1;
  return (
    tenantIdLength >= 1 &&
    tenantIdLength <= MAX_TENANT_ID_LENGTH &&
    (isLowerAlpha(first) || isDigit(first)) &&
    systemIdLength >= 1 &&
    systemIdLength <= MAX_SYSTEM_ID_LENGTH &&
    isLowerAlpha(value.charCodeAt(at + 1))
  );
}

/**
 * Whether `value[start, end)` is a value (§3.3.1.3.2): 1 to 256 printable ASCII characters
 * without `,` or `=`, not ending in a space. The caller has trimmed trailing spaces and tabs as
 * OWS, so the last character is never a space here.
 *
 * ```abnf
 * value    = 0*255(chr) nblk-chr
 * nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
 * chr      = %x20 / nblk-chr
 * ```
 */
function isValue(value: string, start: number, end: number): boolean {
  if (end <= start || end - start > MAX_VALUE_LENGTH) return false;
  for (let index = start; index < end; index++) {
    const code = value.charCodeAt(index);
    if (code < SPACE || code > TILDE || code === COMMA || code === EQUALS) return false;
  }
  return true;
}

/**
 * Parses a `tracestate` value into its entries, left-most first. Returns `undefined` when the
 * value is invalid: the caller then drops `tracestate` and keeps `traceparent` (§3.3: "failure to
 * parse tracestate MUST NOT affect the parsing of traceparent"). Never throws.
 *
 * - The input is all `tracestate` headers of the request joined with `,`, in order (§3.3.1.1:
 *   several fields "MUST be combined into a single header according to RFC7230").
 * - Empty and whitespace-only list-members are skipped, so an empty value gives `[]`: "Vendors
 *   MUST accept empty tracestate headers" (§3.3.1.1). They do not count towards the limit of
 *   {@link TRACESTATE_MAX_MEMBERS}, since they arise from joining headers, not from senders.
 * - Spaces and tabs around each list-member are ignored; spaces inside a value, leading ones
 *   included, are kept.
 * - Keys follow the Level 1 grammar (§3.3.1.3.1): a simple key `[a-z][a-z0-9_\-*\/]{0,255}`, or
 *   `tenant@system` with a tenant of 1 to 241 characters starting with `[a-z0-9]` and a system of
 *   1 to 14 starting with `[a-z]`. Level 2 drafts allow more keys (`1abc`, `a@b@c`); they are
 *   invalid here.
 * - Values have 1 to 256 characters (§3.3.1.3.2): `foo=` is invalid.
 * - Any invalid list-member, or more than 32 list-members, invalidates the whole value: partial
 *   parsing would forward a list the sender never wrote.
 * - A repeated key invalidates the whole value, whether the repeats carry the same value or not,
 *   and also when they came in two `tracestate` lines: "only one entry per key is allowed"
 *   (§3.3.1.4), so such a list was not written by a conforming vendor, and forwarding it would
 *   hand the next hop a list it must refuse. The Level 1 test suite checks this
 *   (`test_tracestate_duplicated_keys`: the list is discarded, the traceparent kept).
 * - No length cap: valid members already bound the useful content (32 × 513 characters); cap the
 *   raw header before parsing, and use {@link truncateTracestate} to shorten what you send.
 *
 * @example
 * ```ts
 * parseTracestate('rojo=00f067aa0ba902b7, congo=t61rcWkgMzE');
 * // [['rojo', '00f067aa0ba902b7'], ['congo', 't61rcWkgMzE']]
 * parseTracestate(''); // []
 * parseTracestate('foo=1,BAR=2'); // undefined: drop tracestate
 * ```
 *
 * @see W3C Trace Context Level 1 §3.3.1 "tracestate Header Field Values".
 */
export function parseTracestate(value: string): TracestateEntry[] | undefined {
  const entries: TracestateEntry[] = [];
  return scanTracestate(value, entries) ? entries : undefined;
}

/**
 * Whether `value` is a valid `tracestate` (the same rules as {@link parseTracestate}): the verdict
 * the engine needs to forward the header as received.
 *
 * @example
 * ```ts
 * isValidTracestate('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'); // true
 * isValidTracestate('Rojo=1'); // false
 * ```
 */
export function isValidTracestate(value: string): boolean {
  return scanTracestate(value, []);
}

/** Validates `value` member by member, collecting its entries into `entries`. */
function scanTracestate(value: string, entries: TracestateEntry[]): boolean {
  const length = value.length;
  let memberCount = 0;
  let start = 0;
  while (start <= length) {
    let end = value.indexOf(',', start);
    if (end === -1) end = length;
    let memberStart = start;
    let memberEnd = end;
    while (memberStart < memberEnd && isOptionalWhitespace(value.charCodeAt(memberStart))) {
      memberStart++;
    }
    while (memberEnd > memberStart && isOptionalWhitespace(value.charCodeAt(memberEnd - 1))) {
      memberEnd--;
    }
    if (memberStart < memberEnd) {
      memberCount++;
      if (memberCount > TRACESTATE_MAX_MEMBERS) return false;
      // Searching past memberEnd is harmless: the member is then invalid and parsing stops.
      const equals = value.indexOf('=', memberStart);
      if (equals === -1 || equals >= memberEnd) return false;
      if (!isKey(value, memberStart, equals) || !isValue(value, equals + 1, memberEnd)) {
        return false;
      }
      const key = value.slice(memberStart, equals);
      if (hasKey(entries, key)) return false;
      entries.push([key, value.slice(equals + 1, memberEnd)]);
    }
    start = end + 1;
  }
  return true;
}

function hasKey(entries: readonly TracestateEntry[], key: string): boolean {
  for (const entry of entries) {
    if (entry[0] === key) return true;
  }
  return false;
}

/**
 * Writes entries as a `tracestate` value: `key=value` joined with `,`, without optional
 * whitespace, in the given order (§3.3.1.1: a sender "SHOULD NOT generate optional whitespace"
 * other than a single space). Entries are written as given and are not checked: pass entries from
 * {@link parseTracestate}. Returns `''` for no entries; do not send the header then, as vendors
 * "SHOULD avoid sending" empty `tracestate` headers (§3.3.1.1).
 *
 * @example
 * ```ts
 * formatTracestate([['rojo', '00f067aa0ba902b7'], ['congo', 't61rcWkgMzE']]);
 * // 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'
 * ```
 *
 * @see W3C Trace Context Level 1 §3.3.1.4 "Combined Header Value".
 */
export function formatTracestate(entries: readonly TracestateEntry[]): string {
  let formatted = '';
  let separator = '';
  for (const [key, value] of entries) {
    formatted += `${separator}${key}=${value}`;
    separator = ',';
  }
  return formatted;
}

function entryLength(entry: TracestateEntry): number {
  return entry[0].length + 1 + entry[1].length;
}

/**
 * Removes whole entries until `formatTracestate(entries)` is at most `maxLength` characters, as
 * §3.3.1.5 asks of a vendor that must shorten `tracestate`: "the vendor MUST truncate whole
 * entries. Entries larger than 128 characters long SHOULD be removed first. Then entries SHOULD
 * be removed starting from the end". Entries over 128 characters go first, right-most first, and
 * only as many as needed; then entries go from the right. Returns a new array; the order of the
 * kept entries is unchanged.
 *
 * The spec asks vendors to propagate "at least 512 characters" and to document any lower limit
 * (§3.3.1.5), so pick `maxLength` ≥ 512 unless you have a documented reason.
 *
 * @param maxLength - The longest formatted value to keep, in characters. No default: the limit is
 *   the caller's policy. Throws a `RangeError` if it is not a non-negative integer.
 *
 * @example
 * ```ts
 * const big = 'x'.repeat(200);
 * truncateTracestate([['a', '1'], ['b', big], ['c', '3']], 10);
 * // [['a', '1'], ['c', '3']]: the entry over 128 characters went first
 * ```
 *
 * @see W3C Trace Context Level 1 §3.3.1.5 "tracestate Limits".
 */
export function truncateTracestate(
  entries: readonly TracestateEntry[],
  maxLength: number,
): TracestateEntry[] {
  if (!Number.isInteger(maxLength) || maxLength < 0) {
    throw new RangeError(
      `truncateTracestate: maxLength must be a non-negative integer, got ${maxLength}`,
    );
  }
  const kept = entries.slice();
  let total = formattedLength(kept);
  for (let index = kept.length - 1; index >= 0 && total > maxLength; index--) {
    const entry = kept[index];
    if (entry !== undefined && entryLength(entry) > LARGE_ENTRY_LENGTH) {
      kept.splice(index, 1);
      total -= entryLength(entry) + (kept.length > 0 ? 1 : 0);
    }
  }
  while (total > maxLength) {
    const entry = kept.pop();
    if (entry === undefined) break;
    total -= entryLength(entry) + (kept.length > 0 ? 1 : 0);
  }
  return kept;
}

function formattedLength(entries: readonly TracestateEntry[]): number {
  let total = entries.length > 0 ? entries.length - 1 : 0;
  for (const entry of entries) total += entryLength(entry);
  return total;
}
