const SPACE = 0x20;
const HORIZONTAL_TAB = 0x09;

/**
 * Whether a character code is optional whitespace (`OWS`: space or horizontal tab).
 *
 * Spec: RFC 9110 §5.6.3; W3C Trace Context Level 1 §3.2 and §3.3.1 allow OWS around values and
 * list members.
 *
 * @example
 * ```ts
 * isOptionalWhitespace(' '.charCodeAt(0)); // true
 * isOptionalWhitespace('\n'.charCodeAt(0)); // false
 * ```
 */
export function isOptionalWhitespace(code: number): boolean {
  return code === SPACE || code === HORIZONTAL_TAB;
}

/**
 * `value` without leading and trailing optional whitespace (space and horizontal tab only).
 *
 * RFC 9110 §5.5 excludes OWS from a field value, so a value that still carries it (a plain record
 * built by hand, a raw header line) is not malformed, just unstripped. Nothing else is removed:
 * CR, LF, NBSP or inner whitespace are not OWS and stay, so the value is then rejected.
 * `String.prototype.trim` is not used because it strips those too. Returns `value` itself, with
 * no allocation, in the common case where there is nothing to strip.
 *
 * @example
 * ```ts
 * trimOptionalWhitespace(' 1\t'); // '1'
 * trimOptionalWhitespace('1\n'); // '1\n'
 * ```
 */
export function trimOptionalWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOptionalWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isOptionalWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}
