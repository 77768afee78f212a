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
