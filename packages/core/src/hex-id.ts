import { randomFillSync } from 'node:crypto';

const LOWER_HEX = /^[0-9a-f]+$/;
const ALL_ZERO = /^0+$/;

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
  return value.length === length && LOWER_HEX.test(value) && !ALL_ZERO.test(value);
}

const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

/**
 * A random, non-zero ID of `bytes` bytes as lower-case hex (`bytes * 2` characters).
 *
 * Random bytes are drawn from `crypto.randomFillSync` in 4 KiB batches: one system call serves
 * hundreds of IDs, which keeps ID generation off the per-request cost.
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
    const id = pool.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (!ALL_ZERO.test(id)) return id;
  }
}
