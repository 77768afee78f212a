import { BAGGAGE_MAX_LENGTH, BAGGAGE_MAX_MEMBERS } from './headers.js';

export { BAGGAGE_MAX_LENGTH, BAGGAGE_MAX_MEMBERS };

// Character kinds, as bit flags in a 128-entry table: one lookup per character, no regex.
const TOKEN_CHARACTER = 1; // RFC 7230 §3.2.6 tchar
const BAGGAGE_OCTET = 2; // %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
const HEX_DIGIT = 4;
const WHITESPACE = 8; // OWS: SP / HTAB

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function characterKind(code: number): number {
  if (code === 0x20 || code === 0x09) return WHITESPACE;
  const character = String.fromCharCode(code);
  let kind = 0;
  // DQUOTE, comma, semicolon and backslash are the printable characters a value cannot hold.
  if (code >= 0x21 && code <= 0x7e && !'",;\\'.includes(character)) kind |= BAGGAGE_OCTET;
  if (isDigit(code) || isLetter(code) || "!#$%&'*+-.^_`|~".includes(character)) {
    kind |= TOKEN_CHARACTER;
  }
  if (isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66)) {
    kind |= HEX_DIGIT;
  }
  return kind;
}

const CHARACTER_KIND = Uint8Array.from({ length: 128 }, (_, code) => characterKind(code));

const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const PERCENT = 0x25;

// Scanner states. The ones from BEFORE_VALUE on are those in which a list-member is complete, so
// a `,`, a `;` or the end of the input is allowed exactly when `state >= BEFORE_VALUE`.
const MEMBER_START = 0;
const KEY = 1;
const AFTER_KEY = 2;
const PROPERTY_START = 3;
const PERCENT_FIRST_DIGIT = 4;
const PERCENT_SECOND_DIGIT = 5;
const BEFORE_VALUE = 6;
const VALUE = 7;
const AFTER_VALUE = 8;
const PROPERTY_KEY = 9;
const AFTER_PROPERTY_KEY = 10;
const BEFORE_PROPERTY_VALUE = 11;
const PROPERTY_VALUE = 12;
const INVALID = -1;

// Where OWS leads from each state: it ends a key or a value, is skipped around separators, and is
// not allowed inside a percent-escape.
const AFTER_WHITESPACE: readonly number[] = [
  MEMBER_START, // MEMBER_START
  AFTER_KEY, // KEY
  AFTER_KEY, // AFTER_KEY
  PROPERTY_START, // PROPERTY_START
  INVALID, // PERCENT_FIRST_DIGIT
  INVALID, // PERCENT_SECOND_DIGIT
  BEFORE_VALUE, // BEFORE_VALUE
  AFTER_VALUE, // VALUE
  AFTER_VALUE, // AFTER_VALUE
  AFTER_PROPERTY_KEY, // PROPERTY_KEY
  AFTER_PROPERTY_KEY, // AFTER_PROPERTY_KEY
  BEFORE_PROPERTY_VALUE, // BEFORE_PROPERTY_VALUE
  AFTER_VALUE, // PROPERTY_VALUE
];

/**
 * Validates a received `baggage` value and returns what to forward, or `undefined` when nothing
 * is to be forwarded.
 *
 * `value` is every `baggage` header of the request joined with `,` (the limits apply to that
 * combination, not to each header). It is checked against the W3C grammar:
 * `list-member = key OWS "=" OWS value *( OWS ";" OWS property )`, keys and property keys are
 * RFC 7230 tokens, values are `baggage-octet`s in which every `%` starts a `%XX` escape, and
 * `property = key OWS "=" OWS value / key OWS`. Nothing is decoded.
 *
 * - Valid and within the limits: returned byte for byte, inner OWS included. Only leading and
 *   trailing SP/HTAB are cut, as they are not part of an HTTP field value (RFC 9110 §5.5).
 * - More than {@link BAGGAGE_MAX_MEMBERS} members or {@link BAGGAGE_MAX_LENGTH} bytes: the
 *   leading members that fit are returned, whole, and the rest is dropped unread — the spec lets a
 *   platform drop list-members until the limits are met but never forward a partial one. So an
 *   error past the limits is never seen; the part forwarded is always valid.
 * - Any grammar error within the limits: `undefined`, the whole baggage is dropped. The spec
 *   leaves the handling of a malformed `baggage-string` undefined and does not say how to tell
 *   correct members from broken ones; once the grammar fails, the member boundaries themselves
 *   are in doubt, and salvaging pieces could forward a fragment of a member as if it were whole.
 * - Empty or whitespace only: `undefined` (a `baggage-string` has at least one member).
 *
 * Runs in one pass over at most {@link BAGGAGE_MAX_LENGTH} characters, whatever the input size.
 *
 * Spec: W3C Baggage, "Header Content" (ABNF, key, value, property), "Limits" and "Mutating
 * baggage".
 *
 * @example
 * ```ts
 * parseBaggage('userId=alice, serverNode=DF%2028;region=eu'); // returned unchanged
 * parseBaggage('  userId=alice  '); // 'userId=alice'
 * parseBaggage('userId=alice,serverNode=DF 28'); // undefined: space inside a value
 * parseBaggage('ratio=50%'); // undefined: a bare '%' must itself be percent-encoded
 * ```
 */
export function parseBaggage(value: string): string | undefined {
  let start = 0;
  let end = value.length;
  while (start < end && CHARACTER_KIND[value.charCodeAt(start)] === WHITESPACE) start++;
  while (end > start && CHARACTER_KIND[value.charCodeAt(end - 1)] === WHITESPACE) end--;
  if (start === end) return undefined;

  const limit = start + BAGGAGE_MAX_LENGTH;
  let state = MEMBER_START;
  let percentReturnState = VALUE;
  let members = 0;
  // End of the current member without trailing OWS, and of the last member known to fit.
  let memberEnd = start;
  let keptEnd = start;

  for (let index = start; index < end; index++) {
    if (index >= limit) {
      // The member in progress reaches past the byte limit: forward the whole members before it.
      return members === 0 ? undefined : value.slice(start, keptEnd);
    }
    const code = value.charCodeAt(index);
    // Non-ASCII code units fall outside the table and read as kind 0: allowed nowhere.
    const kind = CHARACTER_KIND[code] ?? 0;

    if (kind === WHITESPACE) {
      state = AFTER_WHITESPACE[state] ?? INVALID;
      if (state === INVALID) return undefined;
      continue;
    }
    if (code === COMMA) {
      if (state < BEFORE_VALUE) return undefined;
      members++;
      keptEnd = memberEnd;
      // Whatever follows would be one member too many; it is dropped without being read.
      if (members === BAGGAGE_MAX_MEMBERS) return value.slice(start, keptEnd);
      state = MEMBER_START;
      continue;
    }
    memberEnd = index + 1;
    if (code === SEMICOLON) {
      if (state < BEFORE_VALUE) return undefined;
      state = PROPERTY_START;
      continue;
    }

    switch (state) {
      case MEMBER_START:
        if ((kind & TOKEN_CHARACTER) === 0) return undefined;
        state = KEY;
        break;
      case PROPERTY_START:
        if ((kind & TOKEN_CHARACTER) === 0) return undefined;
        state = PROPERTY_KEY;
        break;
      case KEY:
      case AFTER_KEY:
        if (code === EQUALS) state = BEFORE_VALUE;
        else if (state === AFTER_KEY || (kind & TOKEN_CHARACTER) === 0) return undefined;
        break;
      case PROPERTY_KEY:
      case AFTER_PROPERTY_KEY:
        if (code === EQUALS) state = BEFORE_PROPERTY_VALUE;
        else if (state === AFTER_PROPERTY_KEY || (kind & TOKEN_CHARACTER) === 0) return undefined;
        break;
      case BEFORE_VALUE:
      case VALUE:
        // A bare `%` breaks the MUST that `%` itself be percent-encoded, and would make any
        // downstream decoder fail (decodeURIComponent throws), so every `%` must start `%XX`.
        if (code === PERCENT) {
          percentReturnState = VALUE;
          state = PERCENT_FIRST_DIGIT;
        } else if ((kind & BAGGAGE_OCTET) === 0) return undefined;
        else state = VALUE;
        break;
      case BEFORE_PROPERTY_VALUE:
      case PROPERTY_VALUE:
        if (code === PERCENT) {
          percentReturnState = PROPERTY_VALUE;
          state = PERCENT_FIRST_DIGIT;
        } else if ((kind & BAGGAGE_OCTET) === 0) return undefined;
        else state = PROPERTY_VALUE;
        break;
      case PERCENT_FIRST_DIGIT:
        if ((kind & HEX_DIGIT) === 0) return undefined;
        state = PERCENT_SECOND_DIGIT;
        break;
      case PERCENT_SECOND_DIGIT:
        if ((kind & HEX_DIGIT) === 0) return undefined;
        state = percentReturnState;
        break;
      default:
        // AFTER_VALUE: only OWS, `,` or `;` may follow a complete value or property.
        return undefined;
    }
  }

  if (state < BEFORE_VALUE) return undefined;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}
