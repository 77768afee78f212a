/**
 * Thrown when hoptrace is given a bad option. Thrown at construction (`createHoptrace`, the
 * adapters' factories), never while handling a request. The message names the option.
 *
 * @example
 * ```ts
 * try {
 *   createHoptrace({ mode: 'chlid' as 'child' });
 * } catch (error) {
 *   if (HoptraceOptionsError.isInstance(error)) console.error(error.option); // 'mode'
 * }
 * ```
 */
export class HoptraceOptionsError extends TypeError {
  /** The name of the option that was rejected, e.g. `requestIdHeader`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`hoptrace: option "${option}" ${message}`);
    this.name = 'HoptraceOptionsError';
    this.option = option;
  }

  /** Whether `error` is a HoptraceOptionsError, also across copies of this package (ESM and CJS). */
  static isInstance(error: unknown): error is HoptraceOptionsError {
    return error instanceof Error && error.name === 'HoptraceOptionsError' && 'option' in error;
  }
}

/**
 * Thrown by `getContext()` when called outside a request (no context is active). Use
 * `tryGetContext()` where running outside a request is expected.
 *
 * @example
 * ```ts
 * try {
 *   getContext();
 * } catch (error) {
 *   if (NoActiveContextError.isInstance(error)) startBackgroundTrace();
 * }
 * ```
 */
export class NoActiveContextError extends Error {
  constructor() {
    super(
      'hoptrace: no trace context is active. getContext() must run inside a request handled by a hoptrace adapter or inside runWithContext(); use tryGetContext() where there may be none.',
    );
    this.name = 'NoActiveContextError';
  }

  /** Whether `error` is a NoActiveContextError, also across copies of this package. */
  static isInstance(error: unknown): error is NoActiveContextError {
    return error instanceof Error && error.name === 'NoActiveContextError';
  }
}

/**
 * How an option's message names the value it was given: `the number 42`, `an array`,
 * `a function`, `null`, `the string "abc"` (cut to 60 characters), `an instance of Map`. Short
 * and never the whole value: a token or a logger may sit in it.
 *
 * @example
 * ```ts
 * describeValue(42); // 'the number 42'
 * describeValue([]); // 'an array'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 60))}`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (isPlainPrototype(prototype)) return 'an object';
    const name: unknown = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
  }
  if (typeof value === 'symbol') return 'a symbol';
  return `the ${typeof value} ${String(value)}`;
}

/**
 * `null`, or an `Object.prototype` of any realm (a `vm` context's too): its own prototype is
 * `null`. What the prototype of an object literal is.
 */
function isPlainPrototype(prototype: unknown): boolean {
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/**
 * Whether `value` is a plain object: an object literal, `Object.create(null)`, a frozen copy of
 * either. Not an array, a function, a class instance (`new Map()`, a `URL`), a boxed string.
 *
 * @example
 * ```ts
 * isPlainObject({ mode: 'child' }); // true
 * isPlainObject([]); // false
 * ```
 */
export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    isPlainPrototype(Object.getPrototypeOf(value))
  );
}

/**
 * Throws {@link HoptraceOptionsError} for the first key of `value` that is not in `known`, naming
 * it under `path` (`forwardHeaders[0].maxlength`), so a misspelt member is refused as a misspelt
 * top-level option is, rather than ignored.
 *
 * @example
 * ```ts
 * refuseUnknownKeys({ servce: 'a' }, ['observer', 'service'], 'observe'); // throws: option "observe.servce" …
 * ```
 */
export function refuseUnknownKeys(value: object, known: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new HoptraceOptionsError(
        `${path}.${key}`,
        `is not a member of ${path} (known: ${known.join(', ')})`,
      );
    }
  }
}
