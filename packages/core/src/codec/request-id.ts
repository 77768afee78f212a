import { randomUUID } from 'node:crypto';
import { REQUEST_ID_MAX_LENGTH } from './headers.js';

export { REQUEST_ID_MAX_LENGTH };

/**
 * Makes a new request ID when none is received or the received one is refused.
 *
 * @example
 * ```ts
 * const sequential: RequestIdGenerator = () => `req-${++counter}`;
 * ```
 */
export type RequestIdGenerator = () => string;

// Unreserved URI characters plus the separators real generators use: `:` and `_` (HAProxy),
// `=` (AWS `Root=`), `+` `/` `=` (base64), `;` and `@`. Left out on purpose: space, `,` (a comma
// means several values were joined), quotes, `<>` and backslash (log and HTML injection), `%`
// (double-decoding tricks) and every control or non-ASCII character (header and log splitting).
// One anchored character class with a bounded quantifier: linear, no backtracking.
/** `ALLOWED[code] === 1` for the request ID alphabet `[A-Za-z0-9._~:;=+/@-]`. */
const ALLOWED = new Uint8Array(128);
for (const character of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~:;=+/@-') {
  ALLOWED[character.charCodeAt(0)] = 1;
}

/**
 * Validates a received `x-request-id` value and returns it unchanged, or `undefined` when it must
 * not be used.
 *
 * Accepts 1 to {@link REQUEST_ID_MAX_LENGTH} characters of `A-Z a-z 0-9 . _ ~ : ; = + / @ -`.
 * The ID is opaque: it is not required to be a UUID, because Envoy rewrites the version digit
 * of its UUIDs (13th hex digit, string index 14) to `9`, `a` or `b` to carry the trace decision,
 * which makes them invalid UUIDv4, nginx sends 32 hex characters, HAProxy IDs carry `:` and
 * `_`, and AWS load balancers send `Root=1-…`.
 *
 * This codec does not trim: a value with surrounding whitespace is refused. The engine
 * (`extract`) strips optional whitespace (space, tab) before calling it, as RFC 9110 §5.5 says
 * it is not part of a field value; Node's parser and fetch `Headers` have usually done so already.
 *
 * Spec: Envoy "x-request-id" header documentation and header-rules.md "X-Request-ID"; there is
 * no formal grammar, so this is a deliberately conservative charset.
 *
 * @example
 * ```ts
 * parseRequestId('4bf92f35-77b3-9da6-a3ce-929d0e0e4736'); // returned unchanged (Envoy, sampled)
 * parseRequestId('Root=1-5759e988-bd862e3fe1be46a994272793'); // returned unchanged (AWS)
 * parseRequestId('a, b'); // undefined: two values joined
 * parseRequestId('id\r\nSet-Cookie: x=1'); // undefined: header injection
 * ```
 */
export function parseRequestId(value: string): string | undefined {
  const length = value.length;
  if (length === 0 || length > REQUEST_ID_MAX_LENGTH) return undefined;
  // A table scan rather than a regex: this runs on every request and is twice as fast.
  for (let index = 0; index < length; index++) {
    const code = value.charCodeAt(index);
    if (code > 0x7f || ALLOWED[code] !== 1) return undefined;
  }
  return value;
}

/**
 * A new request ID: a random UUID version 4 (36 characters), the same shape Envoy generates, so
 * IDs look alike whichever hop created them.
 *
 * Uses `crypto.randomUUID()`, which draws from a cached pool of random bytes and is faster than
 * formatting bytes by hand. The result is always accepted by {@link parseRequestId}.
 *
 * Spec: RFC 9562 §5.4 (UUID version 4).
 *
 * @example
 * ```ts
 * generateRequestId(); // '1b4e28ba-2fa1-41d2-883f-0016d3cca427'
 * ```
 */
export function generateRequestId(): string {
  return randomUUID();
}
