import { randomFillSync } from 'node:crypto';

const NOT_HEX = 0xff;
/** Lower-case hex digit value by character code, {@link NOT_HEX} for anything else. */
const LOWER_HEX_VALUE = new Uint8Array(128).fill(NOT_HEX);
for (let digit = 0; digit < 16; digit++) LOWER_HEX_VALUE[digit.toString(16).charCodeAt(0)] = digit;

/**
 * Whether `value` is an ID of exactly `length` lower-case hex characters that is not all zero.
 *
 * B3 and W3C Trace Context both define trace and span IDs this way (B3 README "Identifiers";
 * W3C Trace Context §3.2.2.3–4). Upper-case hex is rejected, never lower-cased: IDs are opaque.
 *
 * @example
 * ```ts
 * isHexId('e457b5a2e4d86bd1', 16); // true
 * isHexId('E457B5A2E4D86BD1', 16); // false
 * isHexId('0000000000000000', 16); // false
 * ```
 */
export function isHexId(value: string, length: number): boolean {
  if (value.length !== length) return false;
  if (value === recent[0] || value === recent[1] || value === recent[2] || value === recent[3])
    return true;
  // One pass checks the alphabet and the all-zero rule together: OR-ing the digit values is
  // non-zero as soon as one digit is.
  let digits = 0;
  for (let index = 0; index < length; index++) {
    const code = value.charCodeAt(index);
    const digit = code < 0x80 ? LOWER_HEX_VALUE[code] : NOT_HEX;
    if (digit === NOT_HEX) return false;
    digits |= digit as number;
  }
  if (digits === 0) return false;
  recent[recentNext] = value;
  recentNext = (recentNext + 1) & 3;
  return true;
}

/**
 * The last four IDs that passed. A mesh sends one identity in several formats (the trace ID in
 * `x-b3-traceid` and `traceparent`, the span ID in `x-b3-spanid` and as the traceparent
 * parent-id), so the second check of each is a native string comparison instead of a character
 * loop, which is most of extract's cost. Validity depends on the string alone, so the cache can
 * never be wrong; four slots cover one request's trace, span and parent IDs.
 */
const recent: string[] = ['', '', '', ''];
let recentNext = 0;

const POOL_SIZE = 16_384;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;
/** Two lower-case hex digits per byte value. */
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_unused, byte) =>
  byte.toString(16).padStart(2, '0'),
);

/**
 * A random, non-zero ID of `bytes` bytes as lower-case hex (`bytes * 2` characters).
 *
 * Random bytes come from `crypto.randomFillSync` in 16 KiB batches (one system call serves two
 * thousand span IDs) and are turned into hex through a byte table, which is cheaper than
 * `Buffer#toString('hex')` for 8 or 16 bytes: ID generation stays off the per-call cost.
 *
 * @example
 * ```ts
 * randomHexId(8); // 'a3f09c21b4e07d15' (a span ID)
 * randomHexId(16); // a 128-bit trace ID
 * ```
 */
export function randomHexId(bytes: 8 | 16): string {
  for (;;) {
    if (poolOffset + bytes > POOL_SIZE) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    let id = '';
    let nonZero = 0;
    for (let index = poolOffset; index < poolOffset + bytes; index++) {
      const byte = pool[index] as number;
      nonZero |= byte;
      id += BYTE_HEX[byte];
    }
    poolOffset += bytes;
    if (nonZero !== 0) return id;
  }
}
