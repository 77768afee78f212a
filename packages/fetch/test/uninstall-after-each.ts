import { afterEach } from 'vitest';

/**
 * Registers, in the current `describe`, an `afterEach` that removes the hooks a test installed,
 * whether it passed or not, and returns how a test hands them over: the uninstall function
 * `instrumentOutbound` gave it.
 *
 * @example
 * ```ts
 * const forThisTest = uninstallAfterEach();
 * it('…', () => {
 *   forThisTest(instrumentOutbound(options));
 * });
 * ```
 */
export function uninstallAfterEach(): (uninstall: () => void) => void {
  let current: (() => void) | undefined;
  afterEach(() => {
    current?.();
    current = undefined;
  });
  return (uninstall) => {
    current = uninstall;
  };
}
