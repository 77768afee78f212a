/**
 * Whether `value` is safe to send as an HTTP header value, whatever client sends it: visible
 * ASCII, space and horizontal tab only. That is RFC 9110 §5.5's `field-value` without
 * `obs-text`: never a control character (CR, LF, NUL…), never a byte above 0x7e.
 *
 * Every value hoptrace writes passes this check just before it is written. The codecs already
 * refuse such values on the way in; this last check is for what they never see: a context built
 * by hand, or read from a carrier that is not an HTTP parser. It matters most for the
 * diagnostics_channel hooks, which write into a request after the client checked its headers:
 * undici's `addHeader` there sends CR LF as it is, and the backend then reads a second request.
 *
 * @example
 * ```ts
 * isSafeHeaderValue('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'); // true
 * isSafeHeaderValue('x\r\nContent-Length: 0'); // false
 * isSafeHeaderValue('caf\u00e9'); // false
 * ```
 *
 * @see RFC 9110 §5.5 "Field Values".
 */
export function isSafeHeaderValue(value: string): boolean {
  return SAFE_HEADER_VALUE.test(value);
}

const SAFE_HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * Whether `name` is an HTTP field name: one or more `tchar`s (RFC 9110 §5.1, §5.6.2). A name
 * read from a carrier that is not an HTTP parser (a queue message, a plain object) may hold
 * anything; only a token can be forwarded.
 *
 * @example
 * ```ts
 * isHeaderName('l5d-ctx-trace'); // true
 * isHeaderName('l5d-ctx-\r\nx'); // false
 * ```
 *
 * @see RFC 9110 §5.6.2 "Tokens".
 */
export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
