import type { HoptraceOptions } from '../engine/options.js';
import { describeValue, HoptraceOptionsError } from '../errors.js';

/**
 * The core options `options` sets (keys whose value is not `undefined`), to lay over another
 * configuration's: a client inside a request follows the server's options, and only what the
 * client sets itself wins. `undefined` when it sets none.
 *
 * @example
 * ```ts
 * givenOptions({ mode: 'child', formats: undefined }); // { mode: 'child' }
 * givenOptions({}); // undefined
 * ```
 */
export function givenOptions(options: HoptraceOptions): HoptraceOptions | undefined {
  const given: Record<string, unknown> = {};
  let any = false;
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    given[key] = value;
    any = true;
  }
  return any ? (given as HoptraceOptions) : undefined;
}

/**
 * `value` when it is one of `choices` (or `undefined`, the default); otherwise throws
 * {@link HoptraceOptionsError} naming `option` and what was given. For an adapter's own options.
 *
 * @example
 * ```ts
 * checkChoice('outsideContext', options.outsideContext, ['skip', 'new-trace'] as const);
 * ```
 */
export function checkChoice<Choice extends string>(
  option: string,
  value: unknown,
  choices: readonly Choice[],
): Choice | undefined {
  if (value === undefined || choices.includes(value as Choice)) return value as Choice | undefined;
  throw new HoptraceOptionsError(
    option,
    `must be ${choices.map((one) => `"${one}"`).join(' or ')}; got ${describeValue(value)}`,
  );
}
