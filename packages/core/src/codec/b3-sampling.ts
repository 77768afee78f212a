import type { Sampling } from './sampling.js';

/**
 * The one-character sampling state of the single `b3` header: `1` accept, `0` deny, `d` debug.
 * Defer has no character: it is the absence of the field.
 *
 * Spec: openzipkin/b3-propagation README, "Single Header" → "Sampling State".
 *
 * @example
 * ```ts
 * const state: B3SamplingState = 'd';
 * ```
 */
export type B3SamplingState = '1' | '0' | 'd';

/**
 * Reads a B3 sampling state character.
 *
 * Only the exact lower-case characters `1`, `0` and `d` are states; anything else (`D`, `2`,
 * `true`, the empty string) returns `undefined` so the caller rejects the whole value rather than
 * guessing. The legacy `true`/`false` spelling is not handled here because it only ever existed
 * in `X-B3-Sampled`, never in `b3`.
 *
 * Spec: openzipkin/b3-propagation README, "Single Header" → "Sampling State".
 *
 * @returns `'accept'`, `'deny'`, `'debug'`, or `undefined` when `value` is not a state.
 * @example
 * ```ts
 * parseB3SamplingState('d'); // 'debug'
 * parseB3SamplingState('D'); // undefined
 * ```
 */
export function parseB3SamplingState(value: string): Exclude<Sampling, 'defer'> | undefined {
  switch (value) {
    case '1':
      return 'accept';
    case '0':
      return 'deny';
    case 'd':
      return 'debug';
    default:
      return undefined;
  }
}

/**
 * Writes a sampling decision as a B3 sampling state character.
 *
 * Spec: openzipkin/b3-propagation README, "Sampling State": "In all known encodings, defer is the
 * absence of sampling state".
 *
 * @returns `'1'`, `'0'` or `'d'`; `undefined` for `defer`, which the caller encodes by writing
 *   nothing.
 * @example
 * ```ts
 * formatB3SamplingState('accept'); // '1'
 * formatB3SamplingState('defer'); // undefined
 * ```
 */
export function formatB3SamplingState(sampling: Sampling): B3SamplingState | undefined {
  switch (sampling) {
    case 'accept':
      return '1';
    case 'deny':
      return '0';
    case 'debug':
      return 'd';
    case 'defer':
      return undefined;
  }
}
